/*
 * routing.c: transfers between peers: offer to offered, incoming and ready
 * on both sides at once (the answer travels end to end), decline before the
 * bridge and cancel, attach to a slot and bind of slots into a bridge, the
 * bind deadline, and the end of a transfer (with the tail that still gives
 * peer_gone for a bridge whose data sockets closed first).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "relay_ctl_int.h"
#include "text.h"
#include "relay_log.h"

/* The metrics' outcome label of relay__ctl_end()'s why. */
static enum relay_outcome
ctl_outcome(const char *why)
{
	if (strcmp(why, "done") == 0)
		return RELAY_OUT_DONE;
	if (strcmp(why, "declined") == 0)
		return RELAY_OUT_DECLINED;
	if (strncmp(why, "cancelled", 9) == 0)
		return RELAY_OUT_CANCELLED;
	return RELAY_OUT_FAILED;
}

/*
 * Ends a transfer: detach and close its data connections, release the
 * peers' counts, log, count, free. The caller has told whoever needs telling.
 */
void
relay__ctl_end(struct relay_ctl *ctl, struct relay_transfer *t, const char *why)
{
	struct relay_peer	*d[2];
	double			 secs;
	int			 s;

	for (s = 0; s < 2; s++) {
		if ((d[s] = t->data[s]) != NULL) {
			t->bytes[s] = d[s]->bytes;
			t->data[s] = NULL;
			d[s]->xfer = NULL;
			d[s]->state = RELAY_PEER_GONE;
		}
		if (t->peer[s]->ntransfers > 0)
			t->peer[s]->ntransfers--;
	}
	if (t->state == RELAY_XFER_READY &&
	    t->peer[RELAY_SIDE_RECEIVE]->npending > 0)
		t->peer[RELAY_SIDE_RECEIVE]->npending--;
	/* The one line per finished transfer: outcome, bytes both ways, time. */
	secs = (double)(ctl->now - (t->state == RELAY_XFER_BRIDGING ?
	    t->started : t->created)) / 1000.0;
	if (t->state == RELAY_XFER_BRIDGING) {
		relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr,
		    "transfer %" PRIu64 " %s: %" PRIu64 " bytes %s -> %s, %"
		    PRIu64 " bytes back, %.3f s, %.1f MiB/s", t->id, why,
		    t->bytes[RELAY_SIDE_SEND], t->peer[RELAY_SIDE_SEND]->name,
		    t->peer[RELAY_SIDE_RECEIVE]->name,
		    t->bytes[RELAY_SIDE_RECEIVE], secs, secs > 0 ?
		    (double)t->bytes[RELAY_SIDE_SEND] / secs / 1048576.0 : 0.0);
	} else {
		relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr,
		    "transfer %" PRIu64 " %s: 0 bytes %s -> %s, 0 bytes back, "
		    "%.3f s, never bridged", t->id, why,
		    t->peer[RELAY_SIDE_SEND]->name,
		    t->peer[RELAY_SIDE_RECEIVE]->name, secs);
	}
	ctl->stats.transfers[ctl_outcome(why)]++;
	ctl->stats.bytes += t->bytes[RELAY_SIDE_SEND] +
	    t->bytes[RELAY_SIDE_RECEIVE];
	relay_transfer_free(&ctl->xfers, t);
	/* The callbacks never re-enter ctl, so t may be gone by now. */
	for (s = 0; s < 2; s++) {
		if (d[s] != NULL)
			ctl->ops->close(ctl->arg, d[s], RELAY_CLOSE_NOW);
	}
}

/* p's control connection is gone: the other side of each transfer hears so. */
void
relay__ctl_drop_transfers(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct relay_transfer	*t;
	struct relay_peer	*other;
	int			 s;

	/* Only p's own: relay__ctl_end() takes t off p->xfers[s]. */
	for (s = 0; s < 2; s++) {
		while ((t = TAILQ_FIRST(&p->xfers[s])) != NULL) {
			other = t->peer[0] == p ? t->peer[1] : t->peer[0];
			if (!ctl->stopping) {
				relay__ctl_error(ctl, other, PROTO_E_PEER_GONE,
				    t->id, 0, "%s disconnected", p->name);
			}
			relay__ctl_end(ctl, t, "peer gone");
			/* It frees only t and closes data peers. */
		}
	}
}

/*
 * Remembers a bridge that ended before the receiver answered: a process that
 * died closes its data and control sockets at once, and when its data socket
 * is handled first the transfer is gone by the time its control socket
 * says who left. The tail lets relay__ctl_tails_gone() still send peer_gone
 * for it.
 */
static void
ctl_tail_add(struct relay_ctl *ctl, const struct relay_transfer *t)
{
	struct relay_tail	*tl;

	/* Owned by ctl->tails; freed on peer loss, expiry or relay_ctl_free(). */
	if ((tl = calloc(1, sizeof *tl)) == NULL)
		return;		/* the client still learns from peer_left */
	tl->id = t->id;
	tl->peer[0] = t->peer[0];
	tl->peer[1] = t->peer[1];
	tl->until = ctl->now + ctl->cfg.tail_ms;
	TAILQ_INSERT_TAIL(&ctl->tails, tl, link);
}

/* p's control connection is gone: peer_gone for its recently ended bridges. */
void
relay__ctl_tails_gone(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct relay_tail	*tl, *next;
	struct relay_peer	*other;

	for (tl = TAILQ_FIRST(&ctl->tails); tl != NULL; tl = next) {
		next = TAILQ_NEXT(tl, link);
		if (tl->peer[0] != p && tl->peer[1] != p)
			continue;
		other = tl->peer[0] == p ? tl->peer[1] : tl->peer[0];
		if (!ctl->stopping && other->state == RELAY_PEER_CONTROL) {
			relay__ctl_error(ctl, other, PROTO_E_PEER_GONE, tl->id,
			    0, "%s disconnected", p->name);
		}
		TAILQ_REMOVE(&ctl->tails, tl, link);
		free(tl);
	}
}

/* Drops tail entries: all of them, or those that expired by now. */
void
relay__ctl_tails_expire(struct relay_ctl *ctl, int all)
{
	struct relay_tail	*tl;

	while ((tl = TAILQ_FIRST(&ctl->tails)) != NULL) {
		if (!all && ctl->now < tl->until)
			break;
		TAILQ_REMOVE(&ctl->tails, tl, link);
		free(tl);
	}
}

/* A data connection closed: a bridge ends, or a pairing that never was. */
void
relay__ctl_data_gone(struct relay_ctl *ctl, struct relay_peer *d)
{
	struct relay_transfer	*t = d->xfer;
	int			 s = d->side;

	if (t == NULL)
		return;
	d->xfer = NULL;
	t->data[s] = NULL;
	t->bytes[s] = d->bytes;
	if (t->state == RELAY_XFER_BRIDGING) {
		t->closed |= 1u << s;
		if (t->closed != 3)
			return;
		if (t->bytes[RELAY_SIDE_RECEIVE] == 0 && !ctl->stopping)
			ctl_tail_add(ctl, t);
		relay__ctl_end(ctl, t, t->bytes[RELAY_SIDE_RECEIVE] == 0 ?
		    "ended with nothing back" : "done");
		return;
	}
	if (!ctl->stopping) {
		relay__ctl_error(ctl, t->peer[!s], PROTO_E_PEER_GONE, t->id, 0,
		    "%s's data connection closed before the transfer started",
		    t->peer[s]->name);
	}
	relay__ctl_end(ctl, t,
	    "data connection closed before both sides were bound");
}

/* ready to both sides of a new transfer: its binds are due by t->deadline. */
static void
ctl_ready(struct relay_ctl *ctl, struct relay_transfer *t)
{
	struct proto_msg	r;
	int			s;

	for (s = 0; s < 2; s++) {
		proto_msg_init(&r, PROTO_MSG_READY);
		r.transfer = t->id;
		r.role = s == RELAY_SIDE_SEND ? PROTO_ROLE_SEND :
		    PROTO_ROLE_RECEIVE;
		relay__ctl_send(ctl, t->peer[s], &r);
	}
}

static void
ctl_offer(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct relay_peer	*q;
	struct proto_msg	 in, out;
	uint8_t			*f;
	size_t			 flen;
	int			 r;

	/* A peer of another room is not here, as far as p can tell. */
	if ((q = relay_registry_by_id(&ctl->reg, m->to)) == NULL ||
	    q->room != p->room) {
		relay__ctl_error(ctl, p, PROTO_E_NO_SUCH_PEER, 0, m->ref,
		    "no peer with id %" PRIu64 " is here", m->to);
		return;
	}
	if (q == p) {
		relay__ctl_error(ctl, p, PROTO_E_FORBIDDEN, 0, m->ref,
		    "you cannot offer files to yourself");
		return;
	}
	if (p->ntransfers >= ctl->cfg.max_transfers) {
		relay__ctl_error(ctl, p, PROTO_E_RATE_LIMITED, 0, m->ref,
		    "too many open transfers (%u)", ctl->cfg.max_transfers);
		return;
	}
	if (q->npending >= ctl->cfg.max_pending) {
		relay__ctl_error(ctl, p, PROTO_E_RECEIVER_BUSY, 0, m->ref,
		    "%u offers already wait at %s; try again later",
		    ctl->cfg.max_pending, q->name);
		return;
	}
	if ((t = relay_transfer_new(&ctl->xfers, p, q,
	    ctl->now + ctl->cfg.bind_ms)) == NULL) {
		relay__ctl_error(ctl, p, PROTO_E_NOMEM, 0, m->ref,
		    "the relay is out of memory");
		return;
	}
	t->created = ctl->now;
	t->nfiles = m->count;
	t->size = m->size;

	/* Encode incoming first: with the sender's peer object it may not fit. */
	proto_msg_init(&in, PROTO_MSG_INCOMING);
	in.transfer = t->id;
	relay_peer_obj(&in.peer, p);
	in.count = m->count;
	in.size = m->size;
	r = proto_msg_frame(&in, &f, &flen);
	if (r != 0) {
		relay_transfer_free(&ctl->xfers, t);
		relay__ctl_error(ctl, p, r == -PROTO_E_TOO_LARGE ?
		    PROTO_E_TOO_LARGE : PROTO_E_INTERNAL, 0, m->ref,
		    "the offer cannot be forwarded: %s", proto_strerror(r));
		return;
	}
	p->ntransfers++;
	q->ntransfers++;
	q->npending++;

	proto_msg_init(&out, PROTO_MSG_OFFERED);
	out.ref = m->ref;
	out.transfer = t->id;
	relay_peer_obj(&out.peer, q);
	relay__ctl_send(ctl, p, &out);
	ctl->ops->send(ctl->arg, q, f, flen);
	free(f);
	relay_log(RELAY_LOG_INFO, p->addr, "offer %" PRIu64 ": %s -> %s, %zu "
	    "file%s, %" PRIu64 " bytes", t->id, p->name, q->name, t->nfiles,
	    t->nfiles == 1 ? "" : "s", t->size);
	/* The answer comes end to end: both sides open their data connections now. */
	ctl_ready(ctl, t);
}

/*
 * The transfer a message names, when p may act on it: receiver_only for
 * decline, either side for cancel and bind. Answers the error itself.
 */
static struct relay_transfer *
ctl_transfer_for(struct relay_ctl *ctl, struct relay_peer *p, uint64_t id,
    int receiver_only, const char *verb)
{
	struct relay_transfer	*t;

	if ((t = relay_transfer_find(&ctl->xfers, id)) == NULL) {
		relay__ctl_error(ctl, p, PROTO_E_NO_SUCH_TRANSFER, id, 0,
		    "there is no transfer %" PRIu64, id);
		return NULL;
	}
	if (receiver_only ? t->peer[RELAY_SIDE_RECEIVE] != p :
	    t->peer[0] != p && t->peer[1] != p) {
		relay__ctl_error(ctl, p, PROTO_E_FORBIDDEN, id, 0,
		    "only %s may %s transfer %" PRIu64, receiver_only ?
		    "its receiver" : "its sender or receiver", verb, id);
		return NULL;
	}
	return t;
}

/*
 * decline (by the receiver, before the bridge: after it the answer is the
 * session's) or cancel (by either side, at any time): the other side hears
 * it and the transfer ends.
 */
static void
ctl_stop(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct proto_msg	 o;
	int			 decline = m->type == PROTO_MSG_DECLINE;
	int			 by_sender;

	if ((t = ctl_transfer_for(ctl, p, m->transfer, decline,
	    decline ? "decline" : "cancel")) == NULL)
		return;
	if (decline && t->state == RELAY_XFER_BRIDGING) {
		relay__ctl_error(ctl, p, PROTO_E_BAD_STATE, t->id, 0,
		    "transfer %" PRIu64 " is bridged: its answer belongs inside "
		    "the session (or cancel it)", t->id);
		return;
	}
	by_sender = p == t->peer[RELAY_SIDE_SEND];
	proto_msg_init(&o, m->type);
	o.transfer = t->id;
	memcpy(o.reason, m->reason, sizeof o.reason);
	relay__ctl_send(ctl, t->peer[by_sender ? RELAY_SIDE_RECEIVE :
	    RELAY_SIDE_SEND], &o);
	relay__ctl_end(ctl, t, decline ? "declined" : by_sender ?
	    "cancelled by sender" : "cancelled by receiver");
}

void
relay__ctl_route(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	if (m->type == PROTO_MSG_OFFER)
		ctl_offer(ctl, p, m);
	else
		ctl_stop(ctl, p, m);
}

/*
 * attach as the first message in clear: this connection is a data
 * connection, named by a new slot until its client binds it.
 */
void
relay__ctl_attach(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct proto_msg	m;
	int			r;

	TAILQ_REMOVE(&ctl->fresh, p, link);
	ctl->nfresh--;
	p->state = RELAY_PEER_DATA;
	p->xfer = NULL;
	p->bytes = 0;
	p->since = ctl->now;
	if ((r = relay_slots_add(&ctl->slots, p)) != 0) {
		relay_ctl_fail(ctl, p, -r, r == -PROTO_E_NOMEM ? NULL :
		    "the relay has no random bytes for a slot");
		return;
	}
	proto_msg_init(&m, PROTO_MSG_SLOT);
	proto_fmt_hex(p->slot, sizeof p->slot, m.slot);
	relay__ctl_send(ctl, p, &m);
	relay_log(RELAY_LOG_DEBUG, p->addr, "data connection: slot given");
}

/* Both sides of t are bound: attached to each, and the bridge starts. */
static void
ctl_pair(struct relay_ctl *ctl, struct relay_transfer *t)
{
	struct proto_msg	a;
	int			s;

	if (t->peer[RELAY_SIDE_RECEIVE]->npending > 0)
		t->peer[RELAY_SIDE_RECEIVE]->npending--;
	relay_transfer_bridged(&ctl->xfers, t, ctl->now);
	for (s = 0; s < 2; s++) {
		proto_msg_init(&a, PROTO_MSG_ATTACHED);
		a.transfer = t->id;
		relay__ctl_send(ctl, t->data[s], &a);
	}
	relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr, "transfer %"
	    PRIu64 " started: %s -> %s, %zu file%s, %" PRIu64 " bytes", t->id,
	    t->peer[RELAY_SIDE_SEND]->name, t->peer[RELAY_SIDE_RECEIVE]->name,
	    t->nfiles, t->nfiles == 1 ? "" : "s", t->size);
	ctl->ops->bridge(ctl->arg, t);
}

/*
 * bind {transfer, slot} on p's control connection: the data connection
 * that holds slot is p's side of transfer. Every refusal is about that
 * transfer only, and p's connection stays open.
 */
void
relay__ctl_bind(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct relay_peer	*d;
	uint8_t			 slot[RELAY_SLOT_RAW];
	int			 s;

	if ((t = ctl_transfer_for(ctl, p, m->transfer, 0, "bind")) == NULL)
		return;
	s = p == t->peer[RELAY_SIDE_SEND] ? RELAY_SIDE_SEND : RELAY_SIDE_RECEIVE;
	if (t->state != RELAY_XFER_READY || t->data[s] != NULL) {
		relay__ctl_error(ctl, p, PROTO_E_BAD_STATE, t->id, 0,
		    "your side of transfer %" PRIu64 " is bound already", t->id);
		return;
	}
	if (proto_hex_decode(m->slot, slot, sizeof slot) != 0 ||
	    (d = relay_slots_find(&ctl->slots, slot)) == NULL) {
		relay_log(RELAY_LOG_INFO, p->addr, "transfer %" PRIu64 ": bind "
		    "by %s of a slot the relay does not hold", t->id, p->name);
		relay__ctl_error(ctl, p, PROTO_E_BAD_SLOT, t->id, 0,
		    "no data connection holds that slot (unknown, bound "
		    "already or expired)");
		return;
	}
	relay_slots_remove(&ctl->slots, d);
	d->xfer = t;
	d->side = s;
	t->data[s] = d;
	relay_log(RELAY_LOG_DEBUG, d->addr, "transfer %" PRIu64 ": %s bound "
	    "by %s", t->id, s == RELAY_SIDE_SEND ? "sender" : "receiver",
	    p->name);
	if (t->data[!s] != NULL)
		ctl_pair(ctl, t);
}

void
relay__ctl_expire_transfers(struct relay_ctl *ctl)
{
	struct relay_transfer	*t, *next;
	char			 d[32];
	int			 s;

	/* The ready queue is in deadline order: stop at the first in time. */
	for (t = TAILQ_FIRST(&ctl->xfers.ready); t != NULL; t = next) {
		next = TAILQ_NEXT(t, qlink);
		if (ctl->now < t->deadline)
			break;
		relay__ctl_dur(d, sizeof d, ctl->cfg.bind_ms);
		for (s = 0; s < 2; s++) {
			relay__ctl_error(ctl, t->peer[s], PROTO_E_TIMEOUT, t->id,
			    0, "the data connections were not bound within %s", d);
		}
		relay__ctl_end(ctl, t, "binds expired");
	}
}
