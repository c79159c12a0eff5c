/*
 * transfer.c: the transfer engine's lifecycle and its list: creating,
 * ending, reporting and freeing transfers, finding them by handle, relay
 * id or offer ref, the control messages about them, and the interface the
 * client core uses (transfer.h). The other transfer_*.c files do the disk
 * work, the sending, the receiving and the data connection.
 */
#include "transfer_int.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "text.h"

/* --- small helpers ----------------------------------------------------- */

/*
 * A name from the wire made safe to show: control characters, characters
 * that hide or reorder text and bytes that are not UTF-8 become '?', and
 * long names are cut with "..." (proto_name_show).
 */
void
xfer__quote(const char *name, char *out, size_t outlen)
{
	proto_name_show(name, 80, out, outlen);
}

/*
 * Copies src into a wire text field of dstlen bytes, cutting at a UTF-8
 * character boundary so the encoder never sees half a character.
 */
void
xfer__text(char *dst, size_t dstlen, const char *src)
{
	size_t	len = proto_utf8_cut(src, strlen(src), dstlen - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "12.5 MiB of 40 MiB" */
const char *
xfer__amount(const struct transfer *t, char *buf, size_t len)
{
	char	a[32], b[32];

	snprintf(buf, len, "%s of %s",
	    proto_fmt_size(t->pub.bytes_done, a, sizeof a),
	    proto_fmt_size(t->pub.bytes_total, b, sizeof b));
	return buf;
}

/* A receive transfer comes out once its list arrived, or when it ends. */
static void
unhide(struct transfer *t)
{
	if (!(t->flags & TRANSFER_LISTING))
		return;
	t->flags &= ~TRANSFER_LISTING;
	t->e->nhidden--;
}

void
xfer__emit(struct transfer *t)
{
	if (t->flags & TRANSFER_LISTING)
		return;		/* nothing to show yet: not even a file name */
	t->emit_ms = uv_now(t->e->set.loop);
	client__report(t->e->c, &t->pub);
}

void
xfer__set_state(struct transfer *t, enum client_transfer_state s)
{
	if (CLIENT_TRANSFER_ENDED(t->pub.state) || t->pub.state == s)
		return;
	t->pub.state = s;
	if (s == CLIENT_TRANSFER_TRANSFERRING && t->pub.started_ms == 0) {
		t->pub.started_ms = uv_now(t->e->set.loop);
		t->rate_ms = t->pub.started_ms;
		t->rate_bytes = t->pub.bytes_done - t->pub.bytes_resumed;
	}
	xfer__emit(t);
}

/* Updates rate and ETA, and reports progress at most progress_hz times a second. */
void
xfer__progress(struct transfer *t)
{
	uint64_t	now = uv_now(t->e->set.loop), dt;
	uint64_t	moved = t->pub.bytes_done - t->pub.bytes_resumed;	/* kept ones did not */
	double		inst;

	dt = now - t->rate_ms;
	if (dt >= 500) {
		inst = (double)(moved - t->rate_bytes) * 1000.0 / (double)dt;
		t->pub.rate = t->pub.rate > 0 ? 0.5 * t->pub.rate + 0.5 * inst :
		    inst;
		t->rate_ms = now;
		t->rate_bytes = moved;
	} else if (t->pub.rate == 0 && t->pub.started_ms != 0 &&
	    now - t->pub.started_ms >= 100)
		t->pub.rate = (double)moved * 1000.0 /
		    (double)(now - t->pub.started_ms);
	if (t->pub.rate > 0)
		t->pub.eta = (double)(t->pub.bytes_total - t->pub.bytes_done) /
		    t->pub.rate;
	if (now - t->emit_ms >= 1000 / t->e->set.progress_hz)
		xfer__emit(t);
}

struct transfer_block *
xfer__block_get(struct transfer *t, uint64_t want)
{
	struct transfer_block	*b;
	size_t			 cap = CLIENT_CHUNK_SIZE;

	/* A small file's bytes in a small block: many of them must not cost a chunk each. */
	if (want < CLIENT_CHUNK_SIZE / 4) {
		if ((b = malloc(sizeof *b + (want > 0 ? (size_t)want : 1))) == NULL)
			return NULL;
		cap = (size_t)want;
	} else if ((b = t->spare) != NULL) {
		t->spare = b->next;
		t->nspare--;
	} else if ((b = malloc(sizeof *b + CLIENT_CHUNK_SIZE)) == NULL)
		return NULL;
	b->cap = cap;
	b->next = NULL;
	b->kind = TRANSFER_BLOCK_DATA;
	b->len = 0;
	return b;
}

void
xfer__block_put(struct transfer *t, struct transfer_block *b)
{
	if (b == NULL)
		return;
	if (b->kind == TRANSFER_BLOCK_DATA && b->cap == CLIENT_CHUNK_SIZE &&
	    t->nspare < TRANSFER_SPARE_MAX && !(t->flags & TRANSFER_RELEASED)) {
		b->next = t->spare;
		t->spare = b;
		t->nspare++;
		return;
	}
	free(b);
}

void
xfer__free_blocks(struct transfer *t)
{
	struct transfer_block	*b;

	while ((b = t->q_head) != NULL) {
		t->q_head = b->next;
		free(b);
	}
	t->q_tail = NULL;
	t->q_bytes = 0;
	t->q_blocks = 0;
	while ((b = t->spare) != NULL) {
		t->spare = b->next;
		free(b);
	}
	t->nspare = 0;
}

/* --- lifecycle and the list --------------------------------------------- */

/*
 * The per-file state of a transfer: t->pub.files and t->xf, owned by t
 * and freed with it, grown to nfiles entries. 0 or UV_ENOMEM (the entries
 * already there unchanged).
 */
int
xfer__files(struct transfer *t, size_t nfiles)
{
	struct client_file	*f;
	struct transfer_file	*x;
	size_t			 i, old = t->pub.nfiles, cap = t->files_cap;

	if (nfiles <= old)
		return 0;
	if (nfiles > cap) {
		/* Doubling, so a list that comes in pages is copied O(n) times in all. */
		cap = cap * 2 > nfiles ? cap * 2 : nfiles;
		/* Each realloc keeps what it moved, so a failure loses nothing. */
		if ((f = realloc(t->pub.files, cap * sizeof *f)) == NULL)
			return UV_ENOMEM;
		t->pub.files = f;
		if ((x = realloc(t->xf, cap * sizeof *x)) == NULL)
			return UV_ENOMEM;
		t->xf = x;
		t->files_cap = cap;
	}
	f = t->pub.files;
	x = t->xf;
	memset(f + old, 0, (nfiles - old) * sizeof *f);
	memset(x + old, 0, (nfiles - old) * sizeof *x);
	for (i = old; i < nfiles; i++)
		x[i].fd = -1;
	t->pub.nfiles = nfiles;
	return 0;
}

void
xfer__files_free(struct client_file *f, struct transfer_file *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].path);
		free(f[i].saved_as);
		free(x[i].part);
		free(x[i].saved);
		client_digest_free(&x[i].dg);
		if (x[i].fd >= 0)
			close(x[i].fd);	/* only if a close raced an error path */
	}
	free(f);
	free(x);
}

void
xfer__index_files(struct transfer *t)
{
	size_t	i, n = 0;

	t->pub.nfolders = t->pub.ntop = 0;
	for (i = 0; i < t->pub.nfiles; i++) {
		t->xf[i].ord = n;
		if (t->pub.files[i].dir)
			t->pub.nfolders++;
		else
			n++;
		t->pub.ntop += strchr(t->pub.files[i].name, '/') == NULL;
	}
}

size_t
xfer__next_file(const struct transfer *t, size_t i)
{
	while (i < t->pub.nfiles && (t->pub.files[i].dir ||
	    t->pub.files[i].skip))
		i++;
	return i;
}

/* A new transfer at the end of the list; NULL when out of memory. */
struct transfer *
xfer__new(struct transfer_engine *e, enum client_dir dir, size_t nfiles)
{
	struct transfer	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	if (nfiles > 0 && xfer__files(t, nfiles) != 0) {
		free(t);
		return NULL;
	}
	t->e = e;
	t->pub.id = ++e->next_id;
	t->pub.dir = dir;
	t->pub.eta = -1;
	TAILQ_INSERT_TAIL(&e->list, t, entry);
	e->n++;
	return t;
}

static void
free_transfer(struct transfer *t)
{
	free(t->res_dir);
	xfer__files_free(t->pub.files, t->xf, t->pub.nfiles);
	if (t->job_walk != NULL)
		xfer__files_free(t->job_walk->files, t->job_walk->xf,
		    t->job_walk->n);
	free(t->job_walk);
	xfer__free_blocks(t);
	free(t->job_block);
	free(t);
}

void
xfer__maybe_free(struct transfer *t)
{
	if ((t->flags & TRANSFER_FORGOTTEN) && (t->flags & TRANSFER_RELEASED) &&
	    !(t->flags & TRANSFER_JOB) && t->data == NULL && t->timer == NULL)
		free_transfer(t);
}

enum {
	BY_ID = 1,	/* our handle */
	BY_RELAY,	/* the relay's transfer id, once known */
	BY_REF,		/* an offer's ref, until "offered" gives the id */
};

/* The transfer with this key; 0 is never a key. */
static struct transfer *
lookup(const struct transfer_engine *e, int by, uint64_t key)
{
	struct transfer	*t;

	if (key == 0)
		return NULL;
	TAILQ_FOREACH(t, &e->list, entry) {
		if ((by == BY_ID && t->pub.id == key) ||
		    (by == BY_RELAY && t->pub.relay_id == key) ||
		    (by == BY_REF && t->pub.dir == CLIENT_SEND &&
		    t->ref == key && t->pub.relay_id == 0))
			return t;
	}
	return NULL;
}

/* Drops an ended transfer from the list; frees it once idle. */
int
xfer__forget(struct transfer *t)
{
	if (!CLIENT_TRANSFER_ENDED(t->pub.state))
		return UV_EBUSY;
	TAILQ_REMOVE(&t->e->list, t, entry);
	t->e->n--;
	t->flags |= TRANSFER_FORGOTTEN;
	xfer__maybe_free(t);
	return 0;
}

static void
timer_close_cb(uv_handle_t *h)
{
	struct client	*c = h->data;

	free(h);
	client__unbusy(c);
}

void
xfer__timer_stop(struct transfer *t)
{
	if (t->timer == NULL)
		return;
	t->timer->data = t->e->c;
	uv_close((uv_handle_t *)t->timer, timer_close_cb);
	t->timer = NULL;
}

/* (Re)arms the transfer's one timer: the send throttle, or the grace period after a broken data connection. */
int
xfer__timer_start(struct transfer *t, uv_timer_cb cb, uint64_t ms)
{
	if (t->timer == NULL) {
		if ((t->timer = malloc(sizeof *t->timer)) == NULL)
			return UV_ENOMEM;
		if (uv_timer_init(t->e->set.loop, t->timer) != 0) {
			free(t->timer);
			t->timer = NULL;
			return UV_ENOMEM;
		}
		client__busy(t->e->c);
	}
	t->timer->data = t;
	return uv_timer_start(t->timer, cb, ms, 0);
}

/*
 * Ends the transfer: records why, drops the data connection (flushing it
 * when done, so the receipt goes out), closes files and removes part files
 * on the thread pool, and tells the front end.
 */
static void
vend(struct transfer *t, enum client_transfer_state s,
    const char *fmt, va_list ap)
{
	uint64_t	now;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if ((t->flags & TRANSFER_COMMITTING) && s != CLIENT_TRANSFER_DONE) {
		/*
		 * The commit was decided (PROTOCOL.md 3.4, who wins): only its
		 * result ends the transfer, so what we report is what the disk
		 * holds. A connection that broke or a peer that misbehaved
		 * only means the receipt may not get through.
		 */
		t->flags |= TRANSFER_STOP_LATE;
		if (t->data != NULL)
			client_conn_close(t->data);
		return;
	}
	unhide(t);	/* an offer that failed before its list is still news */
	t->pub.state = s;
	vsnprintf(t->pub.reason, sizeof t->pub.reason, fmt, ap);
	now = uv_now(t->e->set.loop);
	t->pub.ended_ms = now ? now : 1;
	if (s == CLIENT_TRANSFER_DONE && t->pub.started_ms != 0 &&
	    now > t->pub.started_ms)
		t->pub.rate = (double)t->pub.bytes_total * 1000.0 /
		    (double)(now - t->pub.started_ms);
	t->pub.eta = s == CLIENT_TRANSFER_DONE ? 0 : -1;
	xfer__timer_stop(t);
	if (t->data != NULL) {
		/* What we said last (a receipt, a decline) goes out before we close. */
		if (s == CLIENT_TRANSFER_DONE || s == CLIENT_TRANSFER_DECLINED ||
		    (t->flags & TRANSFER_FLUSH))
			client_conn_finish(t->data);
		else
			client_conn_close(t->data);
	}
	xfer__release(t);
	xfer__emit(t);
	client__update_active(t->e->c);
}

void
xfer__end(struct transfer *t, enum client_transfer_state s,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vend(t, s, fmt, ap);
	va_end(ap);
}

/* Tells the relay (and so the other side) that we stop, with our reason. */
void
xfer__send_cancel(struct transfer *t, const char *reason)
{
	struct proto_msg	m;

	if (t->flags & TRANSFER_CANCEL_SENT)
		return;
	if (t->pub.relay_id == 0) {
		t->flags |= TRANSFER_WANT_CANCEL;
		return;
	}
	t->flags |= TRANSFER_CANCEL_SENT;
	proto_msg_init(&m, PROTO_MSG_CANCEL);
	m.transfer = t->pub.relay_id;
	xfer__text(m.reason, sizeof m.reason, reason);
	(void)client__send(t->e->c, &m);
}

void
xfer__fail(struct transfer *t, const char *fmt, ...)
{
	char			why[sizeof t->pub.reason];
	struct proto_msg	m;
	va_list			ap;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	/*
	 * A receiver whose commit started does not cancel: the commit's result
	 * ends it. Otherwise the other side hears why inside the session when
	 * it is up (in order, PROTOCOL.md 3.4), else on the control connection.
	 */
	if (!(t->flags & TRANSFER_COMMITTING)) {
		proto_msg_init(&m, PROTO_MSG_CANCEL);
		m.transfer = t->pub.relay_id;
		xfer__text(m.reason, sizeof m.reason, why);
		if (t->data != NULL && !client_conn_closing(t->data) &&
		    xfer__send_peer(t, &m) == 0)
			t->flags |= TRANSFER_FLUSH;
		else
			xfer__send_cancel(t, why);
	}
	xfer__end(t, CLIENT_TRANSFER_FAILED, "%s", why);
}

/* --- control messages about transfers ---------------------------------- */

/* The other side is gone: say so, with how far we got. */
static void
peer_gone(struct transfer *t)
{
	const char	*who = t->pub.peer_name;
	char		 amt[80];

	if (t->pub.state >= CLIENT_TRANSFER_ACCEPTED)
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "%s disconnected after %s%s", who,
		    xfer__amount(t, amt, sizeof amt), xfer__broke(t));
	else if (t->pub.dir == CLIENT_SEND)
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "%s disconnected before answering%s", who, xfer__broke(t));
	else
		xfer__end(t, CLIENT_TRANSFER_CANCELLED,
		    "%s disconnected; the offer is withdrawn", who);
}

/*
 * peer_left: a transfer with a peer that left cannot finish. The relay
 * sends peer_gone for transfers it still holds, but one whose bridge already
 * closed (the peer's data connection went down first) is only explained by
 * the peer leaving.
 */
void
client__xfer_peers_left(struct transfer_engine *e, const uint64_t *ids,
    size_t n)
{
	struct transfer	*t, *next;
	size_t		 i;

	for (t = TAILQ_FIRST(&e->list); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (CLIENT_TRANSFER_ENDED(t->pub.state) || t->pub.peer_id == 0 ||
		    xfer__session_decides(t))
			continue;
		for (i = 0; i < n; i++) {
			if (ids[i] == t->pub.peer_id) {
				peer_gone(t);
				break;
			}
		}
	}
}

void
xfer__peer(struct transfer *t, const struct proto_peer *p)
{
	t->pub.peer_id = p->id;
	snprintf(t->pub.peer_name, sizeof t->pub.peer_name, "%s", p->name);
	snprintf(t->pub.peer_addr, sizeof t->pub.peer_addr, "%s", p->addr);
	/* The relay checked it in p's handshake; the session checks it again. */
	if (proto_hex_decode(p->key, t->peer_key, sizeof t->peer_key) == 0)
		t->flags |= TRANSFER_KEYED;
}

/* The relay says something went wrong with one of our transfers. */
static void
error_from_relay(struct transfer *t, const struct proto_msg *m)
{
	const char	*who = t->pub.peer_name;
	const char	*text = m->message[0] ? m->message : m->code;
	char		 amt[80];
	int		 code = proto_code_parse(m->code);
	bool		 flowing = t->pub.state >= CLIENT_TRANSFER_ACCEPTED;

	switch (code) {
	case PROTO_E_PEER_GONE:
		peer_gone(t);
		break;
	case PROTO_E_TIMEOUT:
		if (t->pub.dir == CLIENT_SEND)
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "%s did not answer in time", who);
		else
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "the offer from %s expired", who);
		break;
	case PROTO_E_NO_SUCH_PEER:
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "there is no peer \"%s\" on the relay %s", who, t->e->set.server);
		break;
	case PROTO_E_FORBIDDEN:
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "the relay refused: %s", text);
		break;
	default:
		if (flowing)
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "the relay stopped the transfer after %s: %s",
			    xfer__amount(t, amt, sizeof amt), text);
		else
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "the relay refused: %s", text);
		break;
	}
}

/* "bob declined the transfer" or "... : reason", skipping a bare "declined". */
void
xfer__remote_end(struct transfer *t, enum client_transfer_state s,
    const char *verb, const char *reason)
{
	bool	plain = reason[0] == '\0' || strcmp(reason, "declined") == 0 ||
		    strcmp(reason, "cancelled") == 0;
	char	amt[80];

	if (s == CLIENT_TRANSFER_CANCELLED &&
	    t->pub.state >= CLIENT_TRANSFER_TRANSFERRING)
		xfer__end(t, s, "%s %s the transfer after %s%s%s", t->pub.peer_name,
		    verb, xfer__amount(t, amt, sizeof amt), plain ? "" : ": ",
		    plain ? "" : reason);
	else
		xfer__end(t, s, "%s %s the transfer%s%s", t->pub.peer_name,
		    verb, plain ? "" : ": ", plain ? "" : reason);
}

int
client__xfer_control(struct transfer_engine *e, const struct proto_msg *m)
{
	struct transfer		*t;
	struct proto_msg	 x;

	switch (m->type) {
	case PROTO_MSG_OFFERED:
		if ((t = lookup(e, BY_REF, m->ref)) == NULL)
			return 1;
		t->pub.relay_id = m->transfer;
		if (t->flags & TRANSFER_WANT_CANCEL) {
			proto_msg_init(&x, PROTO_MSG_CANCEL);
			x.transfer = m->transfer;
			snprintf(x.reason, sizeof x.reason, "cancelled");
			(void)client__send(e->c, &x);
			t->flags |= TRANSFER_CANCEL_SENT;
			return 1;
		}
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			return 1;
		xfer__peer(t, &m->peer);
		xfer__set_state(t, CLIENT_TRANSFER_WAITING);
		client__update_active(e->c);
		return 1;
	case PROTO_MSG_INCOMING:
		xfer__incoming(e, m);
		return 1;
	case PROTO_MSG_DECLINE:
		t = lookup(e, BY_RELAY, m->transfer);
		if (t != NULL && t->pub.dir == CLIENT_SEND)
			xfer__remote_end(t, CLIENT_TRANSFER_DECLINED,
			    "declined", m->reason);
		return 1;
	case PROTO_MSG_CANCEL:
		if ((t = lookup(e, BY_RELAY, m->transfer)) != NULL &&
		    !CLIENT_TRANSFER_ENDED(t->pub.state))
			xfer__peer_cancel(t, m, false);
		return 1;
	case PROTO_MSG_READY:
		t = lookup(e, BY_RELAY, m->transfer);
		if (t != NULL && !CLIENT_TRANSFER_ENDED(t->pub.state))
			xfer__ready(t, m);
		return 1;
	case PROTO_MSG_ERROR:
		t = NULL;
		if (m->transfer != 0)
			t = lookup(e, BY_RELAY, m->transfer);
		else if (m->ref != 0)
			t = lookup(e, BY_REF, m->ref);
		else
			return 0;	/* about the connection */
		if (t != NULL && !CLIENT_TRANSFER_ENDED(t->pub.state) &&
		    !xfer__session_decides(t))
			error_from_relay(t, m);
		return 1;
	default:
		return 0;
	}
}

void
client__xfer_relay_lost(struct transfer_engine *e, const char *why)
{
	struct transfer	*t, *next;
	char		 amt[80];

	for (t = TAILQ_FIRST(&e->list); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			continue;
		if (t->pub.state >= CLIENT_TRANSFER_ACCEPTED)
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "lost the connection to the relay %s after %s%s%s%s",
			    e->set.server, xfer__amount(t, amt, sizeof amt),
			    why[0] ? ": " : "", why, xfer__broke(t));
		else
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "lost the connection to the relay %s%s%s%s",
			    e->set.server, why[0] ? ": " : "", why,
			    xfer__broke(t));
	}
}

/* --- the client's side of the interface (transfer.h) ------------------- */

int
client__xfer_new(struct client *c, const struct transfer_settings *set,
    struct transfer_engine **out)
{
	struct transfer_engine	*e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return UV_ENOMEM;
	e->c = c;
	e->set = *set;
	TAILQ_INIT(&e->list);
	*out = e;
	return 0;
}

void
client__xfer_free(struct transfer_engine *e)
{
	struct transfer	*t;

	if (e == NULL)
		return;
	while ((t = TAILQ_FIRST(&e->list)) != NULL) {
		TAILQ_REMOVE(&e->list, t, entry);
		free_transfer(t);
	}
	free(e);
}

const struct client_transfer *
client__xfer_next(const struct transfer_engine *e,
    const struct client_transfer *prev)
{
	const struct transfer	*t;

	if (prev == NULL)
		t = TAILQ_FIRST(&e->list);
	else
		t = TAILQ_NEXT((const struct transfer *)prev, entry);
	while (t != NULL && (t->flags & TRANSFER_LISTING))
		t = TAILQ_NEXT(t, entry);
	return t != NULL ? &t->pub : NULL;
}

const struct client_transfer *
client__xfer_find(const struct transfer_engine *e, uint64_t id)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	return t != NULL && !(t->flags & TRANSFER_LISTING) ? &t->pub : NULL;
}

size_t
client__xfer_count(const struct transfer_engine *e)
{
	return e->n - e->nhidden;
}

int
client__xfer_accept(struct transfer_engine *e, uint64_t id)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	return t != NULL ? xfer__accept(t) : UV_ENOENT;
}

int
client__xfer_take(struct transfer_engine *e, uint64_t id, size_t i, bool take)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	return t != NULL ? xfer__take(t, i, take) : UV_ENOENT;
}

int
client__xfer_decline(struct transfer_engine *e, uint64_t id,
    const char *reason)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	return t != NULL ? xfer__decline(t, reason) : UV_ENOENT;
}

int
client__xfer_cancel(struct transfer_engine *e, uint64_t id,
    const char *reason)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	return t != NULL ? xfer__cancel(t, reason) : UV_ENOENT;
}

int
client__xfer_forget(struct transfer_engine *e, uint64_t id)
{
	struct transfer	*t = lookup(e, BY_ID, id);

	if (t == NULL)
		return UV_ENOENT;
	return xfer__forget(t);
}

void
client__xfer_cancel_all(struct transfer_engine *e, const char *reason)
{
	struct transfer	*t, *next;

	for (t = TAILQ_FIRST(&e->list); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (!CLIENT_TRANSFER_ENDED(t->pub.state))
			xfer__cancel(t, reason);
	}
}
