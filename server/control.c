/*
 * control.c: what the relay does with each control message, each lost
 * connection and each clock tick: the registry, routing, tokens, deadlines
 * and the batched peer_joined/peer_left pushes. No sockets here (control.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "relay_control.h"
#include "relay_log.h"
#include "name.h"

/* JSON bytes aimed at per peer_list/peer_joined, under PROTO_CONTROL_MAX. */
#define RELAY_PEERS_BUDGET	60000

static void	ctl_forget(struct relay_ctl *, struct relay_peer *);

int
relay_ctl_init(struct relay_ctl *ctl, const struct relay_config *cfg,
    const struct relay_ops *ops, void *arg)
{
	memset(ctl, 0, sizeof *ctl);
	ctl->cfg = *cfg;
	ctl->ops = ops;
	ctl->arg = arg;
	relay_list_init(&ctl->fresh);
	relay_list_init(&ctl->live);
	relay_list_init(&ctl->joins);
	relay_list_init(&ctl->tails);
	relay_transfers_init(&ctl->xfers);
	return relay_registry_init(&ctl->reg);
}

/* Drops tail entries: all of them, or those that expired by now. */
static void
ctl_tails_expire(struct relay_ctl *ctl, int all)
{
	struct relay_tail	*tl;

	while (!relay_list_empty(&ctl->tails)) {
		tl = relay_list_entry(ctl->tails.next, struct relay_tail, link);
		if (!all && ctl->now < tl->until)
			break;
		relay_list_remove(&tl->link);
		free(tl);
	}
}

void
relay_ctl_free(struct relay_ctl *ctl)
{
	ctl_tails_expire(ctl, 1);
	relay_transfers_free(&ctl->xfers);
	relay_registry_free(&ctl->reg);
	free(ctl->left);
	ctl->left = NULL;
	ctl->nleft = ctl->leftcap = 0;
}

/* "10 s" or "250 ms", for messages people read. */
static const char *
ctl_dur(char *buf, size_t len, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	return buf;
}

/* Encodes m and queues it for p. */
static int
ctl_send(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	uint8_t	*f;
	size_t	 n;
	char	 err[160];
	int	 r;

	if ((r = proto_msg_frame_err(m, &f, &n, err, sizeof err)) != 0) {
		relay_log(RELAY_LOG_ERROR, p->addr, "cannot encode %s: %s",
		    proto_msg_type_name(m->type), err);
		return r;
	}
	ctl->ops->send(ctl->arg, p, f, n);
	free(f);
	return 0;
}

/* error{code, message, transfer, ref} to p; the connection stays as it is. */
static void ctl_error(struct relay_ctl *, struct relay_peer *, int, uint64_t,
    uint64_t, const char *, ...) __attribute__((format(printf, 6, 7)));
static void
ctl_error(struct relay_ctl *ctl, struct relay_peer *p, int err,
    uint64_t transfer, uint64_t ref, const char *fmt, ...)
{
	char	 msg[PROTO_TEXT_MAX + 1];
	uint8_t	*f;
	size_t	 n;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (proto_error_frame(err, msg, transfer, ref, &f, &n) != 0) {
		relay_log(RELAY_LOG_ERROR, p->addr, "cannot encode error %s",
		    proto_code_name(err));
		return;
	}
	relay_log(RELAY_LOG_DEBUG, p->addr, "error %s sent: %s",
	    proto_code_name(err), msg);
	ctl->ops->send(ctl->arg, p, f, n);
	free(f);
}

void
relay_ctl_fail(struct relay_ctl *ctl, struct relay_peer *p, int err,
    const char *message)
{
	if (p->state == RELAY_PEER_GONE)
		return;
	if (message == NULL)
		message = proto_strerror(err);
	relay_log(err == PROTO_E_SHUTDOWN ? RELAY_LOG_DEBUG : RELAY_LOG_INFO,
	    p->addr, "closing with error %s: %s", proto_code_name(err), message);
	ctl_error(ctl, p, err, 0, 0, "%s", message);
	ctl_forget(ctl, p);
	ctl->ops->close(ctl->arg, p, RELAY_CLOSE_FLUSH);
}

/* One peer object as it goes on the wire. */
static void
ctl_peer_obj(struct proto_peer *o, const struct relay_peer *p)
{
	o->id = p->id;
	memcpy(o->name, p->name, sizeof o->name);
	memcpy(o->addr, p->addr, sizeof o->addr);
}

/* An upper bound of the JSON one peer object takes (quotes may double). */
static size_t
ctl_peer_weight(const struct relay_peer *p)
{
	return 48 + 2 * strlen(p->name) + strlen(p->addr);
}

/*
 * Ends a transfer: detach and close its data connections, release the
 * peers' counts, log, free. The caller has told whoever needs telling.
 */
static void
ctl_end(struct relay_ctl *ctl, struct relay_transfer *t, const char *why)
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
	if (t->state == RELAY_XFER_BRIDGING) {
		secs = (double)(ctl->now - t->started) / 1000.0;
		relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr,
		    "transfer %" PRIu64 " %s: %" PRIu64 " bytes %s -> %s, %"
		    PRIu64 " bytes back, %.3f s, %.1f MiB/s", t->id, why,
		    t->bytes[RELAY_SIDE_SEND], t->peer[RELAY_SIDE_SEND]->name,
		    t->peer[RELAY_SIDE_RECEIVE]->name,
		    t->bytes[RELAY_SIDE_RECEIVE], secs, secs > 0 ?
		    (double)t->bytes[RELAY_SIDE_SEND] / secs / 1048576.0 : 0.0);
	} else {
		relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr,
		    "transfer %" PRIu64 " %s -> %s ended: %s", t->id,
		    t->peer[RELAY_SIDE_SEND]->name,
		    t->peer[RELAY_SIDE_RECEIVE]->name, why);
	}
	relay_transfer_free(&ctl->xfers, t);
	/* The callbacks never re-enter ctl, so t may be gone by now. */
	for (s = 0; s < 2; s++) {
		if (d[s] != NULL)
			ctl->ops->close(ctl->arg, d[s], RELAY_CLOSE_NOW);
	}
}

/* p's control connection is gone: the other side of each transfer hears so. */
static void
ctl_drop_transfers(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct relay_list	*n, *next;
	struct relay_transfer	*t;
	struct relay_peer	*other;

	for (n = ctl->xfers.all.next; n != &ctl->xfers.all; n = next) {
		next = n->next;
		t = relay_list_entry(n, struct relay_transfer, link);
		if (t->peer[0] != p && t->peer[1] != p)
			continue;
		other = t->peer[0] == p ? t->peer[1] : t->peer[0];
		if (!ctl->stopping) {
			ctl_error(ctl, other, PROTO_E_PEER_GONE, t->id, 0,
			    "%s disconnected", p->name);
		}
		ctl_end(ctl, t, "peer gone");
		/* ctl_end() only frees t and closes data peers: next is intact. */
	}
}

/*
 * Remembers a bridge that ended before the receiver answered: a process that
 * died closes its data and control sockets at once, and when its data socket
 * is handled first the transfer is gone by the time its control socket
 * says who left. The tail lets ctl_forget() still send peer_gone for it.
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
	relay_list_insert_tail(&ctl->tails, &tl->link);
}

/* p's control connection is gone: peer_gone for its recently ended bridges. */
static void
ctl_tails_gone(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct relay_list	*n, *next;
	struct relay_tail	*tl;
	struct relay_peer	*other;

	for (n = ctl->tails.next; n != &ctl->tails; n = next) {
		next = n->next;
		tl = relay_list_entry(n, struct relay_tail, link);
		if (tl->peer[0] != p && tl->peer[1] != p)
			continue;
		other = tl->peer[0] == p ? tl->peer[1] : tl->peer[0];
		if (!ctl->stopping && other->state == RELAY_PEER_CONTROL) {
			ctl_error(ctl, other, PROTO_E_PEER_GONE, tl->id, 0,
			    "%s disconnected", p->name);
		}
		relay_list_remove(&tl->link);
		free(tl);
	}
}

/* A data connection closed: the end of a bridge, or of a pairing that never was. */
static void
ctl_data_gone(struct relay_ctl *ctl, struct relay_peer *d)
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
		ctl_end(ctl, t, t->bytes[RELAY_SIDE_RECEIVE] == 0 ?
		    "ended with nothing back" : "done");
		return;
	}
	if (!ctl->stopping) {
		ctl_error(ctl, t->peer[!s], PROTO_E_PEER_GONE, t->id, 0,
		    "%s's data connection closed before the transfer started",
		    t->peer[s]->name);
	}
	ctl_end(ctl, t, "data connection closed before both sides attached");
}

static void
ctl_queue_left(struct relay_ctl *ctl, const struct relay_peer *p)
{
	struct relay_gone	*nl;
	size_t			 cap;

	if (ctl->nleft == ctl->leftcap) {
		cap = ctl->leftcap != 0 ? ctl->leftcap * 2 : 64;
		/* Owned by ctl, freed in relay_ctl_free(). */
		if ((nl = realloc(ctl->left, cap * sizeof *nl)) == NULL) {
			relay_log(RELAY_LOG_ERROR, NULL, "out of memory: peer %"
			    PRIu64 " left unannounced", p->id);
			return;
		}
		ctl->left = nl;
		ctl->leftcap = cap;
	}
	ctl->left[ctl->nleft].id = p->id;
	ctl->left[ctl->nleft].aseq = p->aseq;
	ctl->left[ctl->nleft].gseq = ++ctl->evseq;
	ctl->nleft++;
}

/* Takes p out of every list and table; afterwards nothing refers to it. */
static void
ctl_forget(struct relay_ctl *ctl, struct relay_peer *p)
{
	switch (p->state) {
	case RELAY_PEER_NEW:
		relay_list_remove(&p->link);
		ctl->nfresh--;
		break;
	case RELAY_PEER_CONTROL:
		relay_list_remove(&p->link);
		relay_registry_remove(&ctl->reg, p);
		relay_list_remove(&p->join);	/* not announced: only lists knew it */
		if (!ctl->stopping)
			ctl_queue_left(ctl, p);
		p->state = RELAY_PEER_GONE;
		ctl_drop_transfers(ctl, p);
		ctl_tails_gone(ctl, p);
		break;
	case RELAY_PEER_DATA:
		p->state = RELAY_PEER_GONE;
		ctl_data_gone(ctl, p);
		break;
	case RELAY_PEER_GONE:
		break;
	}
	p->state = RELAY_PEER_GONE;
}

void
relay_ctl_accept(struct relay_ctl *ctl, struct relay_peer *p, const char *addr,
    uint64_t now)
{
	ctl->now = now;
	p->state = RELAY_PEER_NEW;
	p->since = now;
	p->rx = now;
	snprintf(p->addr, sizeof p->addr, "%s", addr);
	relay_list_init(&p->reg);
	relay_list_init(&p->join);
	relay_list_insert_tail(&ctl->fresh, &p->link);
	ctl->nfresh++;
}

void
relay_ctl_lost(struct relay_ctl *ctl, struct relay_peer *p, uint64_t now)
{
	ctl->now = now;
	ctl_forget(ctl, p);
}

static void
ctl_hello(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct proto_msg	 w;
	const char		*why;
	char			 msg[PROTO_TEXT_MAX + 1];
	int			 r;

	if (m->version != PROTO_VERSION) {
		snprintf(msg, sizeof msg, "this relay speaks protocol version "
		    "%d, not %u", PROTO_VERSION, (unsigned)m->version);
		relay_ctl_fail(ctl, p, PROTO_E_VERSION, msg);
		return;
	}
	if ((why = proto_peer_name_problem(m->name)) != NULL) {
		snprintf(msg, sizeof msg, "hello: the name %s", why);
		relay_ctl_fail(ctl, p, PROTO_E_BAD_MESSAGE, msg);
		return;
	}
	if (ctl->reg.count >= ctl->cfg.max_clients) {
		snprintf(msg, sizeof msg, "the relay is full (%u clients)",
		    ctl->cfg.max_clients);
		relay_ctl_fail(ctl, p, PROTO_E_BUSY, msg);
		return;
	}
	if (relay_registry_by_name(&ctl->reg, m->name) != NULL) {
		snprintf(msg, sizeof msg, "the name \"%s\" is taken", m->name);
		relay_ctl_fail(ctl, p, PROTO_E_NAME_TAKEN, msg);
		return;
	}
	memcpy(p->name, m->name, sizeof p->name);
	p->id = ctl->last_peer_id + 1;
	if ((r = relay_registry_add(&ctl->reg, p)) != 0) {
		p->id = 0;
		relay_ctl_fail(ctl, p, -r, NULL);
		return;
	}
	ctl->last_peer_id = p->id;
	p->rseq = ctl->flush_seq;
	p->rl_tokens = (uint64_t)(ctl->cfg.burst > 0 ? ctl->cfg.burst : 1) * 1000;
	p->rl_at = ctl->now;
	relay_list_remove(&p->link);
	ctl->nfresh--;
	p->state = RELAY_PEER_CONTROL;
	relay_list_insert_tail(&ctl->live, &p->link);
	relay_list_insert_tail(&ctl->joins, &p->join);

	proto_msg_init(&w, PROTO_MSG_WELCOME);
	w.id = p->id;
	memcpy(w.name, p->name, sizeof w.name);
	memcpy(w.addr, p->addr, sizeof w.addr);
	ctl_send(ctl, p, &w);
	relay_log(RELAY_LOG_INFO, p->addr, "hello from \"%s\": id %" PRIu64,
	    p->name, p->id);
}

/*
 * The token bucket of p's requests (peers, offer): cfg.rate a second, up to
 * cfg.burst at once. True when this request may go on, and takes its token.
 */
static int
ctl_rate_ok(struct relay_ctl *ctl, struct relay_peer *p)
{
	uint64_t	cap, add, elapsed;

	if (ctl->cfg.rate == 0)
		return 1;
	cap = (uint64_t)(ctl->cfg.burst > 0 ? ctl->cfg.burst : 1) * 1000;
	elapsed = ctl->now > p->rl_at ? ctl->now - p->rl_at : 0;
	p->rl_at = ctl->now;
	/* ms * requests/s = thousandths of a request; no overflow past cap. */
	add = elapsed >= cap ? cap : elapsed * ctl->cfg.rate;
	p->rl_tokens = cap - p->rl_tokens <= add ? cap : p->rl_tokens + add;
	if (p->rl_tokens < 1000)
		return 0;
	p->rl_tokens -= 1000;
	return 1;
}

/* peer_list: every registered peer but p, in id order, in chunks. */
static void
ctl_peers(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct proto_msg	 m;
	struct relay_list	*n;
	struct relay_peer	*q;
	size_t			 est = 0, w;

	proto_msg_init(&m, PROTO_MSG_PEER_LIST);
	/* Owned by m until proto_msg_free() below. */
	if ((m.peers = calloc(PROTO_PEERS_MAX, sizeof *m.peers)) == NULL) {
		relay_ctl_fail(ctl, p, PROTO_E_NOMEM, NULL);
		return;
	}
	for (n = ctl->reg.all.next; n != &ctl->reg.all; n = n->next) {
		q = relay_list_entry(n, struct relay_peer, reg);
		if (q == p)
			continue;
		w = ctl_peer_weight(q);
		if (m.npeers == PROTO_PEERS_MAX ||
		    (m.npeers > 0 && est + w > RELAY_PEERS_BUDGET)) {
			m.more = true;
			ctl_send(ctl, p, &m);
			m.npeers = 0;
			est = 0;
		}
		ctl_peer_obj(&m.peers[m.npeers++], q);
		est += w;
	}
	m.more = false;
	ctl_send(ctl, p, &m);
	proto_msg_free(&m);
	p->listed = ctl->last_peer_id;	/* later pushes bring only the rest */
	p->lseq = ++ctl->evseq;
}

/*
 * peer_joined for one chunk of newly registered peers (in id order).
 * Whoever has not listed any of them gets one shared frame; a member, or a
 * peer whose peer_list already showed some, gets only the others.
 */
static void
ctl_send_joined(struct relay_ctl *ctl, struct relay_peer **chunk, size_t n)
{
	struct proto_msg	 m, mine;
	struct relay_list	*l;
	struct relay_peer	*q;
	uint8_t			*f = NULL;
	size_t			 flen = 0, i;

	proto_msg_init(&m, PROTO_MSG_PEER_JOINED);
	proto_msg_init(&mine, PROTO_MSG_PEER_JOINED);
	/* Both owned here, freed below. */
	m.peers = calloc(n, sizeof *m.peers);
	mine.peers = calloc(n, sizeof *mine.peers);
	if (m.peers == NULL || mine.peers == NULL) {
		relay_log(RELAY_LOG_ERROR, NULL, "out of memory: %zu joins "
		    "unannounced", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		ctl_peer_obj(&m.peers[i], chunk[i]);
	m.npeers = n;
	if (proto_msg_frame(&m, &f, &flen) != 0) {
		relay_log(RELAY_LOG_ERROR, NULL, "cannot encode peer_joined");
		goto out;
	}
	for (l = ctl->reg.all.next; l != &ctl->reg.all; l = l->next) {
		q = relay_list_entry(l, struct relay_peer, reg);
		if (!(q->flags & RELAY_PEER_MARK) && q->listed < chunk[0]->id) {
			ctl->ops->send(ctl->arg, q, f, flen);
			continue;
		}
		mine.npeers = 0;
		for (i = 0; i < n; i++) {
			if (chunk[i] != q && chunk[i]->id > q->listed)
				mine.peers[mine.npeers++] = m.peers[i];
		}
		if (mine.npeers > 0)
			ctl_send(ctl, q, &mine);
	}
out:
	for (i = 0; i < n; i++)
		chunk[i]->flags &= ~RELAY_PEER_MARK;
	free(f);
	proto_msg_free(&m);
	proto_msg_free(&mine);
}

/* Did q hear of the peer that left? From a list, or from a push. */
static int
ctl_knew(const struct relay_peer *q, const struct relay_gone *g)
{
	return (g->id <= q->listed && g->gseq > q->lseq) ||
	    (g->aseq != 0 && g->aseq > q->rseq);
}

/* peer_left in chunks; each recipient hears only of peers it knew. */
static void
ctl_flush_left(struct relay_ctl *ctl)
{
	struct proto_msg	 m, mine;
	struct relay_list	*l;
	struct relay_peer	*q;
	struct relay_gone	*g;
	uint64_t		 ids[PROTO_PEERS_MAX];
	uint8_t			*f;
	size_t			 flen, off, n, i, k;

	for (off = 0; off < ctl->nleft; off += n) {
		n = ctl->nleft - off;
		if (n > PROTO_PEERS_MAX)
			n = PROTO_PEERS_MAX;
		g = ctl->left + off;
		for (i = 0; i < n; i++)
			ids[i] = g[i].id;
		proto_msg_init(&m, PROTO_MSG_PEER_LEFT);
		m.ids = ids;		/* borrowed: m is not freed */
		m.nids = n;
		if (proto_msg_frame(&m, &f, &flen) != 0) {
			relay_log(RELAY_LOG_ERROR, NULL, "cannot encode peer_left");
			continue;
		}
		for (l = ctl->reg.all.next; l != &ctl->reg.all; l = l->next) {
			q = relay_list_entry(l, struct relay_peer, reg);
			for (i = k = 0; i < n; i++)
				k += ctl_knew(q, &g[i]) != 0;
			if (k == n) {
				ctl->ops->send(ctl->arg, q, f, flen);
				continue;
			}
			if (k == 0)
				continue;
			proto_msg_init(&mine, PROTO_MSG_PEER_LEFT);
			mine.ids = calloc(k, sizeof *mine.ids);
			if (mine.ids == NULL)
				continue;
			for (i = 0; i < n; i++) {
				if (ctl_knew(q, &g[i]))
					mine.ids[mine.nids++] = g[i].id;
			}
			ctl_send(ctl, q, &mine);
			proto_msg_free(&mine);
		}
		free(f);
	}
	ctl->nleft = 0;
	if (ctl->leftcap > 4096) {	/* after a storm, give the memory back */
		free(ctl->left);
		ctl->left = NULL;
		ctl->leftcap = 0;
	}
}

int
relay_ctl_pending(const struct relay_ctl *ctl)
{
	return ctl->nleft > 0 || !relay_list_empty(&ctl->joins);
}

void
relay_ctl_flush(struct relay_ctl *ctl)
{
	struct relay_peer	*chunk[PROTO_PEERS_MAX];
	struct relay_peer	*q;
	size_t			 n, est, w;

	if (!relay_ctl_pending(ctl))
		return;
	ctl->flush_seq++;
	if (ctl->nleft > 0)
		ctl_flush_left(ctl);
	/*
	 * Joins of a moment go out together: during a connect storm that is
	 * far fewer messages than one per join per client.
	 */
	while (!relay_list_empty(&ctl->joins)) {
		n = 0;
		est = 0;
		while (!relay_list_empty(&ctl->joins) && n < PROTO_PEERS_MAX) {
			q = relay_list_entry(ctl->joins.next, struct relay_peer,
			    join);
			w = ctl_peer_weight(q);
			if (n > 0 && est + w > RELAY_PEERS_BUDGET)
				break;
			relay_list_remove(&q->join);
			q->aseq = ctl->flush_seq;
			q->flags |= RELAY_PEER_MARK;
			chunk[n++] = q;
			est += w;
		}
		ctl_send_joined(ctl, chunk, n);
	}
}

static void
ctl_offer(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct relay_peer	*q;
	struct proto_msg	 in, out;
	uint8_t			*f;
	size_t			 flen, i;
	int			 r;

	if ((q = relay_registry_resolve(&ctl->reg, m->to)) == NULL) {
		ctl_error(ctl, p, PROTO_E_NO_SUCH_PEER, 0, m->ref,
		    "nobody called \"%s\" is here", m->to);
		return;
	}
	if (q == p) {
		ctl_error(ctl, p, PROTO_E_FORBIDDEN, 0, m->ref,
		    "you cannot offer files to yourself");
		return;
	}
	if (p->ntransfers >= ctl->cfg.max_transfers) {
		ctl_error(ctl, p, PROTO_E_RATE_LIMITED, 0, m->ref,
		    "too many open transfers (%u)", ctl->cfg.max_transfers);
		return;
	}
	if ((t = relay_transfer_new(&ctl->xfers, p, q, ctl->now)) == NULL) {
		ctl_error(ctl, p, PROTO_E_NOMEM, 0, m->ref,
		    "the relay is out of memory");
		return;
	}
	t->deadline = ctl->now + ctl->cfg.offer_ms;
	t->nfiles = m->nfiles;
	for (i = 0; i < m->nfiles; i++)
		t->size += m->files[i].size;

	/* Encode incoming first: with the sender's peer object it may not fit. */
	proto_msg_init(&in, PROTO_MSG_INCOMING);
	in.transfer = t->id;
	ctl_peer_obj(&in.peer, p);
	in.files = m->files;		/* borrowed from m: in is not freed */
	in.nfiles = m->nfiles;
	r = proto_msg_frame(&in, &f, &flen);
	if (r != 0) {
		relay_transfer_free(&ctl->xfers, t);
		ctl_error(ctl, p, r == -PROTO_E_TOO_LARGE ? PROTO_E_TOO_LARGE :
		    PROTO_E_INTERNAL, 0, m->ref, "the offer cannot be forwarded: %s",
		    proto_strerror(r));
		return;
	}
	p->ntransfers++;
	q->ntransfers++;

	proto_msg_init(&out, PROTO_MSG_OFFERED);
	out.ref = m->ref;
	out.transfer = t->id;
	ctl_peer_obj(&out.peer, q);
	ctl_send(ctl, p, &out);
	ctl->ops->send(ctl->arg, q, f, flen);
	free(f);
	relay_log(RELAY_LOG_INFO, p->addr, "offer %" PRIu64 ": %s -> %s, %zu "
	    "file%s, %" PRIu64 " bytes", t->id, p->name, q->name, t->nfiles,
	    t->nfiles == 1 ? "" : "s", t->size);
}

/*
 * The transfer a message names, when p may act on it: receiver_only for
 * accept and decline, either side for cancel. Answers the error itself.
 */
static struct relay_transfer *
ctl_transfer_for(struct relay_ctl *ctl, struct relay_peer *p, uint64_t id,
    int receiver_only, const char *verb)
{
	struct relay_transfer	*t;

	if ((t = relay_transfer_find(&ctl->xfers, id)) == NULL) {
		ctl_error(ctl, p, PROTO_E_NO_SUCH_TRANSFER, id, 0,
		    "there is no transfer %" PRIu64, id);
		return NULL;
	}
	if (receiver_only ? t->peer[RELAY_SIDE_RECEIVE] != p :
	    t->peer[0] != p && t->peer[1] != p) {
		ctl_error(ctl, p, PROTO_E_FORBIDDEN, id, 0,
		    "only %s may %s transfer %" PRIu64, receiver_only ?
		    "its receiver" : "its sender or receiver", verb, id);
		return NULL;
	}
	return t;
}

static void
ctl_accept(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct proto_msg	 r;
	int			 s, err;

	if ((t = ctl_transfer_for(ctl, p, m->transfer, 1, "accept")) == NULL)
		return;
	if (t->state != RELAY_XFER_OFFERED) {
		ctl_error(ctl, p, PROTO_E_BAD_STATE, t->id, 0,
		    "transfer %" PRIu64 " was already accepted", t->id);
		return;
	}
	if ((err = relay_transfer_issue_tokens(t)) != 0) {
		relay_log(RELAY_LOG_ERROR, p->addr, "no random bytes for "
		    "tokens: %s", uv_strerror(err));
		for (s = 0; s < 2; s++) {
			ctl_error(ctl, t->peer[s], PROTO_E_INTERNAL, t->id, 0,
			    "the relay could not make a token");
		}
		ctl_end(ctl, t, "no token");
		return;
	}
	t->state = RELAY_XFER_READY;
	t->deadline = ctl->now + ctl->cfg.token_ms;
	for (s = 0; s < 2; s++) {
		proto_msg_init(&r, PROTO_MSG_READY);
		r.transfer = t->id;
		memcpy(r.token, t->token[s], sizeof r.token);
		r.role = s == RELAY_SIDE_SEND ? PROTO_ROLE_SEND :
		    PROTO_ROLE_RECEIVE;
		ctl_send(ctl, t->peer[s], &r);
	}
	memset(r.token, 0, sizeof r.token);
	relay_log(RELAY_LOG_INFO, p->addr, "transfer %" PRIu64 " accepted by %s",
	    t->id, p->name);
}

static void
ctl_decline(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct proto_msg	 d;

	if ((t = ctl_transfer_for(ctl, p, m->transfer, 1, "decline")) == NULL)
		return;
	if (t->state != RELAY_XFER_OFFERED) {
		ctl_error(ctl, p, PROTO_E_BAD_STATE, t->id, 0,
		    "transfer %" PRIu64 " was already accepted; cancel it instead",
		    t->id);
		return;
	}
	proto_msg_init(&d, PROTO_MSG_DECLINE);
	d.transfer = t->id;
	memcpy(d.reason, m->reason, sizeof d.reason);
	ctl_send(ctl, t->peer[RELAY_SIDE_SEND], &d);
	ctl_end(ctl, t, "declined");
}

static void
ctl_cancel(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct proto_msg	 c;

	if ((t = ctl_transfer_for(ctl, p, m->transfer, 0, "cancel")) == NULL)
		return;
	proto_msg_init(&c, PROTO_MSG_CANCEL);
	c.transfer = t->id;
	memcpy(c.reason, m->reason, sizeof c.reason);
	ctl_send(ctl, t->peer[RELAY_SIDE_SEND] == p ?
	    t->peer[RELAY_SIDE_RECEIVE] : t->peer[RELAY_SIDE_SEND], &c);
	ctl_end(ctl, t, p == t->peer[RELAY_SIDE_SEND] ? "cancelled by sender" :
	    "cancelled by receiver");
}

/* attach{token} as the first message: this connection is a data connection. */
static void
ctl_attach(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct relay_transfer	*t;
	struct proto_msg	 a;
	int			 s;

	if ((t = relay_transfer_by_token(&ctl->xfers, m->token, &s)) == NULL) {
		relay_ctl_fail(ctl, p, PROTO_E_BAD_TOKEN,
		    "unknown, used or expired token");
		return;
	}
	memset(t->token[s], 0, sizeof t->token[s]);	/* single use */
	relay_list_remove(&p->link);
	ctl->nfresh--;
	p->state = RELAY_PEER_DATA;
	p->xfer = t;
	p->side = s;
	p->bytes = 0;
	t->data[s] = p;
	relay_log(RELAY_LOG_DEBUG, p->addr, "transfer %" PRIu64 ": %s attached",
	    t->id, s == RELAY_SIDE_SEND ? "sender" : "receiver");
	if (t->data[!s] == NULL)
		return;

	t->state = RELAY_XFER_BRIDGING;
	t->started = ctl->now;
	for (s = 0; s < 2; s++) {
		proto_msg_init(&a, PROTO_MSG_ATTACHED);
		a.transfer = t->id;
		ctl_send(ctl, t->data[s], &a);
	}
	relay_log(RELAY_LOG_INFO, t->peer[RELAY_SIDE_SEND]->addr, "transfer %"
	    PRIu64 " started: %s -> %s, %zu file%s, %" PRIu64 " bytes", t->id,
	    t->peer[RELAY_SIDE_SEND]->name, t->peer[RELAY_SIDE_RECEIVE]->name,
	    t->nfiles, t->nfiles == 1 ? "" : "s", t->size);
	ctl->ops->bridge(ctl->arg, t);
}

void
relay_ctl_message(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m, uint64_t now)
{
	struct proto_msg	 pong;
	char			 msg[128];
	const char		*type = proto_msg_type_name(m->type);

	ctl->now = now;
	if (p->state != RELAY_PEER_NEW && p->state != RELAY_PEER_CONTROL)
		return;
	p->rx = now;
	p->flags &= ~RELAY_PEER_PINGED;
	if (type == NULL)
		type = "?";

	if (p->state == RELAY_PEER_NEW) {
		if (m->type == PROTO_MSG_HELLO)
			ctl_hello(ctl, p, m);
		else if (m->type == PROTO_MSG_ATTACH)
			ctl_attach(ctl, p, m);
		else {
			snprintf(msg, sizeof msg, "the first message must be "
			    "hello or attach, not %s", type);
			relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, msg);
		}
		return;
	}

	/* Keep live ordered by silence: the ping scan stops at the first recent one. */
	relay_list_remove(&p->link);
	relay_list_insert_tail(&ctl->live, &p->link);
	switch (m->type) {
	case PROTO_MSG_PEERS:
		if (!ctl_rate_ok(ctl, p)) {
			ctl_error(ctl, p, PROTO_E_RATE_LIMITED, 0, 0, "too many "
			    "requests (at most %u a second, %u at once): this "
			    "peers was not answered", ctl->cfg.rate, ctl->cfg.burst);
			break;
		}
		ctl_peers(ctl, p);
		break;
	case PROTO_MSG_OFFER:
		if (!ctl_rate_ok(ctl, p)) {
			ctl_error(ctl, p, PROTO_E_RATE_LIMITED, 0, m->ref, "too "
			    "many requests (at most %u a second, %u at once): "
			    "this offer was not forwarded", ctl->cfg.rate,
			    ctl->cfg.burst);
			break;
		}
		ctl_offer(ctl, p, m);
		break;
	case PROTO_MSG_ACCEPT:
		ctl_accept(ctl, p, m);
		break;
	case PROTO_MSG_DECLINE:
		ctl_decline(ctl, p, m);
		break;
	case PROTO_MSG_CANCEL:
		ctl_cancel(ctl, p, m);
		break;
	case PROTO_MSG_PING:
		proto_msg_init(&pong, PROTO_MSG_PONG);
		ctl_send(ctl, p, &pong);
		break;
	case PROTO_MSG_PONG:
		break;
	case PROTO_MSG_HELLO:
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, "hello was already said");
		break;
	case PROTO_MSG_ATTACH:
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE,
		    "attach belongs on a new data connection, not the control "
		    "connection");
		break;
	default:
		snprintf(msg, sizeof msg, "%s is not a message a client sends "
		    "to the relay", type);
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, msg);
		break;
	}
}

void
relay_ctl_tick(struct relay_ctl *ctl, uint64_t now)
{
	struct relay_list	*n, *next;
	struct relay_peer	*p;
	struct relay_transfer	*t;
	struct proto_msg	 ping;
	char			 d[32], msg[128];
	int			 s;

	ctl->now = now;
	/* fresh is in arrival order: stop at the first one still in time. */
	while (!relay_list_empty(&ctl->fresh)) {
		p = relay_list_entry(ctl->fresh.next, struct relay_peer, link);
		if (now - p->since < ctl->cfg.hello_ms)
			break;
		snprintf(msg, sizeof msg, "no hello within %s",
		    ctl_dur(d, sizeof d, ctl->cfg.hello_ms));
		relay_ctl_fail(ctl, p, PROTO_E_IDLE, msg);
	}
	/* live is in order of silence: stop at the first recent one. */
	for (n = ctl->live.next; n != &ctl->live; n = next) {
		next = n->next;
		p = relay_list_entry(n, struct relay_peer, link);
		if (now - p->rx < ctl->cfg.ping_ms && now - p->rx < ctl->cfg.idle_ms)
			break;
		if (now - p->rx >= ctl->cfg.idle_ms) {
			snprintf(msg, sizeof msg, "silent for %s",
			    ctl_dur(d, sizeof d, ctl->cfg.idle_ms));
			relay_ctl_fail(ctl, p, PROTO_E_IDLE, msg);
		} else if (!(p->flags & RELAY_PEER_PINGED)) {
			p->flags |= RELAY_PEER_PINGED;
			proto_msg_init(&ping, PROTO_MSG_PING);
			ctl_send(ctl, p, &ping);
		}
	}
	ctl_tails_expire(ctl, 0);
	for (n = ctl->xfers.all.next; n != &ctl->xfers.all; n = next) {
		next = n->next;
		t = relay_list_entry(n, struct relay_transfer, link);
		if (t->state == RELAY_XFER_BRIDGING || now < t->deadline)
			continue;
		for (s = 0; s < 2; s++) {
			if (t->state == RELAY_XFER_OFFERED)
				ctl_error(ctl, t->peer[s], PROTO_E_TIMEOUT, t->id, 0,
				    "nobody answered the offer within %s",
				    ctl_dur(d, sizeof d, ctl->cfg.offer_ms));
			else
				ctl_error(ctl, t->peer[s], PROTO_E_TIMEOUT, t->id, 0,
				    "the data connections were not opened within %s",
				    ctl_dur(d, sizeof d, ctl->cfg.token_ms));
		}
		ctl_end(ctl, t, t->state == RELAY_XFER_OFFERED ?
		    "offer expired" : "tokens expired");
	}
}

void
relay_ctl_shutdown(struct relay_ctl *ctl)
{
	struct relay_peer	*p;

	ctl->stopping = 1;
	while (!relay_list_empty(&ctl->fresh)) {
		p = relay_list_entry(ctl->fresh.next, struct relay_peer, link);
		relay_ctl_fail(ctl, p, PROTO_E_SHUTDOWN, "the relay is shutting down");
	}
	while (!relay_list_empty(&ctl->live)) {
		p = relay_list_entry(ctl->live.next, struct relay_peer, link);
		relay_ctl_fail(ctl, p, PROTO_E_SHUTDOWN, "the relay is shutting down");
	}
	/* Every transfer had two control peers, so none should be left. */
	while (!relay_list_empty(&ctl->xfers.all))
		ctl_end(ctl, relay_list_entry(ctl->xfers.all.next,
		    struct relay_transfer, link), "relay shutting down");
	ctl_tails_expire(ctl, 1);
	ctl->nleft = 0;
}
