/*
 * transfer_cancel.c: cancel against commit (PROTOCOL.md 3.4, who wins).
 * Before the end-to-end session is up a cancel goes on the control
 * connection and ends the transfer at once: no file can be verified yet.
 * Once it is up the cancel travels inside the session, in order with the
 * files: the receiver honours it unless its commit started (then the
 * files are kept and its receipt says so), and the sender waits for that
 * receipt, a bounded time, before it says what happened.
 */
#include "transfer_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* --- cancel and commit (PROTOCOL.md 3.4, who wins) --------------------- */

/*
 * A sender waiting for the answer to its cancel inside the session: the
 * session says who won (the receipt, the receiver's cancel, its close) or
 * the timer gives up; what the control connection says about the transfer
 * meanwhile (the peer left, the relay stopped it) waits for that.
 */
bool
xfer__session_decides(const struct transfer *t)
{
	return (t->flags & TRANSFER_CANCELLING) && t->data != NULL &&
	    !(t->flags & TRANSFER_DATA_LOST);
}

/* "cancelled" or "cancelled: reason", for our own cancel. */
static void
cancel_words(char *buf, size_t len, const char *reason)
{
	if (strcmp(reason, "cancelled") == 0)
		snprintf(buf, len, "cancelled");
	else
		snprintf(buf, len, "cancelled: %s", reason);
}

/* No answer to our cancel: we cannot know what the receiver kept, and say so. */
static void
cancel_unknown(struct transfer *t, const char *why)
{
	char	w[sizeof t->cancel_why + 16];

	cancel_words(w, sizeof w, t->cancel_why);
	xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s; %s %s, so %s may have "
	    "kept the files", w, t->pub.peer_name, why, t->pub.peer_name);
}

/*
 * No answer in time: the receiver is stuck or gone. The relay hears the
 * cancel too now, so it stops the transfer (and tells the receiver, should
 * it wake); what the receiver kept we cannot know.
 */
static void
cancel_late_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;
	char		 why[48];

	xfer__send_cancel(t, t->cancel_why);
	snprintf(why, sizeof why, "did not confirm it in %u seconds",
	    (unsigned)(TRANSFER_CANCEL_MS / 1000));
	cancel_unknown(t, why);
}

/*
 * The sender's cancel once the session is up: it goes inside the session,
 * ordered with the files, and the receiver's receipt says who won. 0, or
 * an error with nothing sent (the caller cancels on the control connection).
 */
static int
cancel_in_session(struct transfer *t, const char *reason)
{
	struct proto_msg	m;
	int			r;

	proto_msg_init(&m, PROTO_MSG_CANCEL);
	m.transfer = t->pub.relay_id;
	xfer__text(m.reason, sizeof m.reason, reason);
	if ((r = xfer__send_peer(t, &m)) != 0)
		return r;
	if (t->pub.dir == CLIENT_RECEIVE)
		return 0;
	t->flags |= TRANSFER_CANCELLING;
	t->flags &= ~TRANSFER_THROTTLED;
	snprintf(t->cancel_why, sizeof t->cancel_why, "%s", reason);
	if (xfer__timer_start(t, cancel_late_cb, TRANSFER_CANCEL_MS) != 0)
		cancel_unknown(t, "could not be waited for");	/* no timer: not never */
	return 0;
}

/*
 * The sender's side of its cancel's answer (a receipt while CANCELLING):
 * ok:false means the receiver removed everything; ok:true that the files
 * were saved first (xfer__receipt checks the digests and reports done).
 * True when the receipt was taken here.
 */
bool
xfer__cancel_answered(struct transfer *t, const struct proto_msg *m)
{
	char	w[sizeof t->cancel_why + 16];

	if (!(t->flags & TRANSFER_CANCELLING) || m->ok)
		return false;
	cancel_words(w, sizeof w, t->cancel_why);
	if (strncmp(m->message, "cancelled", 9) == 0)
		xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s; %s %s", w,
		    t->pub.peer_name, t->pub.state >= CLIENT_TRANSFER_TRANSFERRING ?
		    "removed every file" : "had not accepted them and kept nothing");
	else
		xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s; %s kept nothing "
		    "(%s)", w, t->pub.peer_name, m->message);
	return true;
}

/* The session ended while a sender waited for its cancel's answer. */
void
xfer__cancel_unanswered(struct transfer *t)
{
	cancel_unknown(t, "ended the session without confirming it");
}

void
xfer__peer_cancel(struct transfer *t, const struct proto_msg *m,
    bool in_session)
{
	if (t->pub.dir == CLIENT_RECEIVE) {
		if (t->flags & TRANSFER_COMMITTING) {
			/* Too late: the files are being saved; the receipt says so. */
			t->flags |= TRANSFER_CANCEL_LATE;
			return;
		}
		if (in_session) {
			xfer__rx_cancelled(t, m->reason);
			return;
		}
	}
	/*
	 * The sender's cancel forwarded by the relay (sent before the session
	 * was up: nothing can have been committed), or the receiver's cancel,
	 * which it sends only after removing its part files.
	 */
	xfer__remote_end(t, CLIENT_TRANSFER_CANCELLED, "cancelled", m->reason);
}

/*
 * We stop. Before the session is up the cancel goes to the relay and the
 * transfer ends at once; once it is up it goes inside the session: the
 * receiver removes its part files and ends, the sender waits for the
 * receipt. A receiver whose commit started keeps the files (too late).
 */
int
xfer__cancel(struct transfer *t, const char *reason)
{
	char	w[PROTO_TEXT_MAX + 16];

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return UV_EINVAL;
	if (reason == NULL || *reason == '\0')
		reason = "cancelled";
	if (t->flags & TRANSFER_CANCELLING)
		return 0;	/* asked already: the receipt will say */
	if (t->flags & TRANSFER_COMMITTING) {
		/* Too late: the files are verified and being saved; DONE follows. */
		t->flags |= TRANSFER_CANCEL_LATE;
		return 0;
	}
	cancel_words(w, sizeof w, reason);
	/* Once the session is up the cancel goes in it, in order with the files. */
	if ((t->flags & TRANSFER_SECURE) && t->data != NULL &&
	    !client_conn_closing(t->data) &&
	    cancel_in_session(t, reason) == 0) {
		if (t->pub.dir == CLIENT_SEND)
			return 0;	/* the receiver's answer ends it */
		t->flags |= TRANSFER_FLUSH;	/* our cancel goes out before we close */
		xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s", w);
		return 0;
	}
	xfer__send_cancel(t, reason);
	xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s", w);
	return 0;
}

