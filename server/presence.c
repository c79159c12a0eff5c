/*
 * presence.c: who is on the relay, as its peers hear it: peer_list in
 * chunks, and the joins and leaves of a moment batched into few
 * peer_joined/peer_left frames, each recipient told exactly what it has
 * not heard yet (relay_control.h says how).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "relay_ctl_int.h"
#include "text.h"
#include "relay_log.h"

/* JSON bytes aimed at per peer_list/peer_joined, under PROTO_CONTROL_MAX. */
#define PEERS_BUDGET	60000

/* One peer object as it goes on the wire. */
void
relay__ctl_peer_obj(struct proto_peer *o, const struct relay_peer *p)
{
	o->id = p->id;
	memcpy(o->name, p->name, sizeof o->name);
	memcpy(o->addr, p->addr, sizeof o->addr);
	proto_fmt_hex(p->key, sizeof p->key, o->key);
}

/*
 * An upper bound of the JSON one peer object takes (quotes may double):
 * the frame of one with empty strings, the strings, and ,"key":"" with its
 * 64 digits.
 */
static size_t
ctl_peer_weight(const struct relay_peer *p)
{
	return 48 + 2 * strlen(p->name) + strlen(p->addr) + 9 + PROTO_KEY_HEX;
}

void
relay__ctl_queue_left(struct relay_ctl *ctl, const struct relay_peer *p)
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

/* peer_list: every registered peer but p, in id order, in chunks. */
int
relay__ctl_peers(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct proto_msg	 m;
	struct relay_peer	*q;
	size_t			 est = 0, w;

	proto_msg_init(&m, PROTO_MSG_PEER_LIST);
	/* Owned by m until proto_msg_free() below. */
	if ((m.peers = calloc(PROTO_PEERS_MAX, sizeof *m.peers)) == NULL)
		return -PROTO_E_NOMEM;
	TAILQ_FOREACH(q, &ctl->reg.all, reg) {
		if (q == p)
			continue;
		w = ctl_peer_weight(q);
		if (m.npeers == PROTO_PEERS_MAX ||
		    (m.npeers > 0 && est + w > PEERS_BUDGET)) {
			m.more = true;
			relay__ctl_send(ctl, p, &m);
			m.npeers = 0;
			est = 0;
		}
		relay__ctl_peer_obj(&m.peers[m.npeers++], q);
		est += w;
	}
	m.more = false;
	relay__ctl_send(ctl, p, &m);
	proto_msg_free(&m);
	p->listed = ctl->last_peer_id;	/* later pushes bring only the rest */
	p->lseq = ++ctl->evseq;
	return 0;
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
		relay__ctl_peer_obj(&m.peers[i], chunk[i]);
	m.npeers = n;
	if (proto_msg_frame(&m, &f, &flen) != 0) {
		relay_log(RELAY_LOG_ERROR, NULL, "cannot encode peer_joined");
		goto out;
	}
	TAILQ_FOREACH(q, &ctl->reg.all, reg) {
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
			relay__ctl_send(ctl, q, &mine);
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
		TAILQ_FOREACH(q, &ctl->reg.all, reg) {
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
			relay__ctl_send(ctl, q, &mine);
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
	return ctl->nleft > 0 || !TAILQ_EMPTY(&ctl->joins);
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
	while (!TAILQ_EMPTY(&ctl->joins)) {
		n = 0;
		est = 0;
		while ((q = TAILQ_FIRST(&ctl->joins)) != NULL &&
		    n < PROTO_PEERS_MAX) {
			w = ctl_peer_weight(q);
			if (n > 0 && est + w > PEERS_BUDGET)
				break;
			TAILQ_REMOVE(&ctl->joins, q, join);
			q->join.tqe_prev = NULL;
			q->aseq = ctl->flush_seq;
			q->flags |= RELAY_PEER_MARK;
			chunk[n++] = q;
			est += w;
		}
		ctl_send_joined(ctl, chunk, n);
	}
}
