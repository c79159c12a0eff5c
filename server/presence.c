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

/*
 * peer_list: every peer of p's room but p, in id order, in frames cut
 * from the objects the registry encoded once (msg_peers.h): a list costs
 * a copy of each object, not an encoding.
 */
int
relay__ctl_peers(struct relay_ctl *ctl, struct relay_peer *p)
{
	struct proto_peers_buf	 b;
	struct relay_peer	*q;
	size_t			 n;

	proto_peers_begin(&b, &ctl->reg.enc, PROTO_MSG_PEER_LIST, ctl->pbuf);
	TAILQ_FOREACH(q, &p->room->members, rlink) {
		if (q == p)
			continue;
		if (b.n > 0 && !proto_peers_room(&b, q->jlen)) {
			n = proto_peers_end(&b, true);
			ctl->ops->send(ctl->arg, p, b.buf, n);
			proto_peers_begin(&b, &ctl->reg.enc, PROTO_MSG_PEER_LIST,
			    ctl->pbuf);
		}
		proto_peers_add(&b, q->json, q->jlen);
	}
	n = proto_peers_end(&b, false);
	ctl->ops->send(ctl->arg, p, b.buf, n);
	p->listed = ctl->last_peer_id;	/* later pushes bring only the rest */
	p->lseq = ++ctl->evseq;
	return 0;
}

/*
 * peer_joined for one chunk of newly registered peers (in id order),
 * framed in f. Whoever has not listed any of them gets that one shared
 * frame; a member, or a peer whose peer_list already showed some, gets
 * only the others, in a frame of its own.
 */
static void
ctl_send_joined(struct relay_ctl *ctl, struct relay_room *rm,
    struct relay_peer **chunk, size_t n, const uint8_t *f, size_t flen)
{
	struct proto_peers_buf	 mine;
	struct relay_peer	*q;
	size_t			 i, len;

	TAILQ_FOREACH(q, &rm->members, rlink) {
		if (!(q->flags & RELAY_PEER_MARK) && q->listed < chunk[0]->id) {
			ctl->ops->send(ctl->arg, q, f, flen);
			continue;
		}
		proto_peers_begin(&mine, &ctl->reg.enc, PROTO_MSG_PEER_JOINED,
		    ctl->pbuf + PROTO_PEERS_BUF);
		for (i = 0; i < n; i++) {
			if (chunk[i] != q && chunk[i]->id > q->listed)
				proto_peers_add(&mine, chunk[i]->json,
				    chunk[i]->jlen);
		}
		/* A subset of the shared frame: it fits. */
		if ((len = proto_peers_end(&mine, false)) > 0)
			ctl->ops->send(ctl->arg, q, mine.buf, len);
	}
	for (i = 0; i < n; i++)
		chunk[i]->flags &= ~RELAY_PEER_MARK;
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
	struct proto_peers_buf	 b;
	struct relay_peer	*q;
	size_t			 n, flen;

	while (!TAILQ_EMPTY(&rm->joins)) {
		n = 0;
		proto_peers_begin(&b, &ctl->reg.enc, PROTO_MSG_PEER_JOINED,
		    ctl->pbuf);
		while ((q = TAILQ_FIRST(&rm->joins)) != NULL &&
		    (n == 0 || proto_peers_room(&b, q->jlen))) {
			TAILQ_REMOVE(&rm->joins, q, join);
			q->join.tqe_prev = NULL;
			q->aseq = ctl->flush_seq;
			q->flags |= RELAY_PEER_MARK;
			proto_peers_add(&b, q->json, q->jlen);
			chunk[n++] = q;
		}
		flen = proto_peers_end(&b, false);
		ctl_send_joined(ctl, rm, chunk, n, b.buf, flen);
	}
}
