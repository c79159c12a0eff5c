/*
 * presence.c: who is on the relay, as its peers hear it: peer_list in
 * chunks, and the joins and leaves of a moment batched into few
 * peer_joined/peer_left frames, each recipient told exactly what it has
 * not heard yet (relay_control.h says how). All of it per room: a peer
 * lists and hears of the members of its own room only, and a join or a
 * leave costs one look at each member of that room, none at the others.
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

/* rm has news for the next flush. */
static void
ctl_room_dirty(struct relay_ctl *ctl, struct relay_room *rm)
{
	if (rm->dirty.tqe_prev == NULL)
		TAILQ_INSERT_TAIL(&ctl->reg.dirty, rm, dirty);
}

void
relay__ctl_queue_join(struct relay_ctl *ctl, struct relay_peer *p)
{
	TAILQ_INSERT_TAIL(&p->room->joins, p, join);
	ctl_room_dirty(ctl, p->room);
}

void
relay__ctl_queue_left(struct relay_ctl *ctl, const struct relay_peer *p)
{
	struct relay_room	*rm = p->room;
	struct relay_gone	*nl;
	size_t			 cap;

	if (rm->count <= 1)
		return;		/* p was alone: nobody to tell */
	if (rm->nleft == rm->leftcap) {
		cap = rm->leftcap != 0 ? rm->leftcap * 2 : 16;
		/* Owned by the room, freed with it (registry.c). */
		if ((nl = realloc(rm->left, cap * sizeof *nl)) == NULL) {
			relay_log(RELAY_LOG_ERROR, NULL, "out of memory: peer %"
			    PRIu64 " left unannounced", p->id);
			return;
		}
		rm->left = nl;
		rm->leftcap = cap;
	}
	rm->left[rm->nleft].id = p->id;
	rm->left[rm->nleft].aseq = p->aseq;
	rm->left[rm->nleft].gseq = ++ctl->evseq;
	rm->nleft++;
	ctl_room_dirty(ctl, rm);
}

/* peer_list: every peer of p's room but p, in id order, in chunks. */
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
	TAILQ_FOREACH(q, &p->room->members, rlink) {
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
ctl_send_joined(struct relay_ctl *ctl, struct relay_room *rm,
    struct relay_peer **chunk, size_t n)
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
	TAILQ_FOREACH(q, &rm->members, rlink) {
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

static void	ctl_flush_joins(struct relay_ctl *, struct relay_room *,
		    struct relay_peer **);

/* peer_left in chunks to rm's members; each hears only of peers it knew. */
static void
ctl_flush_left(struct relay_ctl *ctl, struct relay_room *rm)
{
	struct proto_msg	 m, mine;
	struct relay_peer	*q;
	struct relay_gone	*g;
	uint64_t		 ids[PROTO_PEERS_MAX];
	uint8_t			*f;
	size_t			 flen, off, n, i, k;

	for (off = 0; off < rm->nleft; off += n) {
		n = rm->nleft - off;
		if (n > PROTO_PEERS_MAX)
			n = PROTO_PEERS_MAX;
		g = rm->left + off;
		for (i = 0; i < n; i++)
			ids[i] = g[i].id;
		proto_msg_init(&m, PROTO_MSG_PEER_LEFT);
		m.ids = ids;		/* borrowed: m is not freed */
		m.nids = n;
		if (proto_msg_frame(&m, &f, &flen) != 0) {
			relay_log(RELAY_LOG_ERROR, NULL, "cannot encode peer_left");
			continue;
		}
		TAILQ_FOREACH(q, &rm->members, rlink) {
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
	rm->nleft = 0;
	if (rm->leftcap > 4096) {	/* after a storm, give the memory back */
		free(rm->left);
		rm->left = NULL;
		rm->leftcap = 0;
	}
}

int
relay_ctl_pending(const struct relay_ctl *ctl)
{
	return !TAILQ_EMPTY(&ctl->reg.dirty);
}

void
relay_ctl_flush(struct relay_ctl *ctl)
{
	struct relay_peer	*chunk[PROTO_PEERS_MAX];
	struct relay_room	*rm;

	if (!relay_ctl_pending(ctl))
		return;
	ctl->flush_seq++;
	/* Sending never forgets a peer (relay_control.h), so rooms stay. */
	while ((rm = TAILQ_FIRST(&ctl->reg.dirty)) != NULL) {
		TAILQ_REMOVE(&ctl->reg.dirty, rm, dirty);
		rm->dirty.tqe_prev = NULL;
		if (rm->nleft > 0)
			ctl_flush_left(ctl, rm);
		ctl_flush_joins(ctl, rm, chunk);
	}
}

/*
 * Joins of a moment go out together: during a connect storm that is far
 * fewer messages than one per join per client. chunk: PROTO_PEERS_MAX.
 */
static void
ctl_flush_joins(struct relay_ctl *ctl, struct relay_room *rm,
    struct relay_peer **chunk)
{
	struct relay_peer	*q;
	size_t			 n, est, w;

	while (!TAILQ_EMPTY(&rm->joins)) {
		n = 0;
		est = 0;
		while ((q = TAILQ_FIRST(&rm->joins)) != NULL &&
		    n < PROTO_PEERS_MAX) {
			w = ctl_peer_weight(q);
			if (n > 0 && est + w > PEERS_BUDGET)
				break;
			TAILQ_REMOVE(&rm->joins, q, join);
			q->join.tqe_prev = NULL;
			q->aseq = ctl->flush_seq;
			q->flags |= RELAY_PEER_MARK;
			chunk[n++] = q;
			est += w;
		}
		ctl_send_joined(ctl, rm, chunk, n);
	}
}
