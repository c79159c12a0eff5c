/*
 * relay_transfer.c: the transfer table: a chained hash table by id that
 * grows with the count (ids are issued in sequence, so the low bits spread
 * them evenly), the queues by state, and each peer's own list, so that
 * bind, decline and cancel by id, a peer's loss and the bind deadline cost
 * the same with 15,000 transfers parked as with one.
 */
#include <stdlib.h>
#include <string.h>

#include "relay_transfer.h"

#define XFER_MIN_BUCKETS	64

void
relay_transfers_init(struct relay_transfers *x)
{
	memset(x, 0, sizeof *x);
	TAILQ_INIT(&x->all);
	TAILQ_INIT(&x->ready);
	TAILQ_INIT(&x->bridging);
}

void
relay_transfers_free(struct relay_transfers *x)
{
	struct relay_transfer	*t;

	while ((t = TAILQ_FIRST(&x->all)) != NULL)
		relay_transfer_free(x, t);
	free(x->by_id);
	x->by_id = NULL;
	x->nbuckets = 0;
}

/* Doubles the table (or makes the first); on failure the old one stays. */
static int
xfer_grow(struct relay_transfers *x)
{
	struct relay_transfer	**b, *t;
	size_t			  nb = x->nbuckets ? x->nbuckets * 2 :
				    XFER_MIN_BUCKETS, i;

	/* Owned by x; freed in relay_transfers_free(). */
	if ((b = calloc(nb, sizeof *b)) == NULL)
		return -PROTO_E_NOMEM;
	free(x->by_id);
	x->by_id = b;
	x->nbuckets = nb;
	TAILQ_FOREACH(t, &x->all, link) {
		i = (size_t)t->id & (nb - 1);
		t->hnext = b[i];
		b[i] = t;
	}
	return 0;
}

struct relay_transfer *
relay_transfer_new(struct relay_transfers *x, struct relay_peer *from,
    struct relay_peer *to, uint64_t deadline)
{
	struct relay_transfer	*t;
	size_t			 i;

	if ((x->nbuckets == 0 || x->count >= x->nbuckets) && xfer_grow(x) != 0 &&
	    (x->nbuckets == 0 || x->count >= 4 * x->nbuckets))
		return NULL;	/* chains would get long; refuse instead */
	/* Owned by the table; freed by relay_transfer_free(). */
	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->id = ++x->last_id;
	t->state = RELAY_XFER_READY;
	t->peer[RELAY_SIDE_SEND] = from;
	t->peer[RELAY_SIDE_RECEIVE] = to;
	t->deadline = deadline;
	i = (size_t)t->id & (x->nbuckets - 1);
	t->hnext = x->by_id[i];
	x->by_id[i] = t;
	TAILQ_INSERT_TAIL(&x->all, t, link);
	TAILQ_INSERT_TAIL(&x->ready, t, qlink);
	TAILQ_INSERT_TAIL(&from->xfers[RELAY_SIDE_SEND], t,
	    plink[RELAY_SIDE_SEND]);
	TAILQ_INSERT_TAIL(&to->xfers[RELAY_SIDE_RECEIVE], t,
	    plink[RELAY_SIDE_RECEIVE]);
	x->count++;
	return t;
}

void
relay_transfer_bridged(struct relay_transfers *x, struct relay_transfer *t,
    uint64_t now)
{
	if (t->state != RELAY_XFER_READY)
		return;
	TAILQ_REMOVE(&x->ready, t, qlink);
	t->state = RELAY_XFER_BRIDGING;
	t->started = now;
	t->win_at = t->moved_at = now;
	t->win_bytes = t->moved_bytes = 0;
	TAILQ_INSERT_TAIL(&x->bridging, t, qlink);
}

void
relay_transfer_free(struct relay_transfers *x, struct relay_transfer *t)
{
	struct relay_transfer	**pp;

	for (pp = &x->by_id[(size_t)t->id & (x->nbuckets - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			break;
		}
	}
	TAILQ_REMOVE(&x->all, t, link);
	TAILQ_REMOVE(t->state == RELAY_XFER_READY ? &x->ready : &x->bridging,
	    t, qlink);
	TAILQ_REMOVE(&t->peer[RELAY_SIDE_SEND]->xfers[RELAY_SIDE_SEND], t,
	    plink[RELAY_SIDE_SEND]);
	TAILQ_REMOVE(&t->peer[RELAY_SIDE_RECEIVE]->xfers[RELAY_SIDE_RECEIVE],
	    t, plink[RELAY_SIDE_RECEIVE]);
	x->count--;
	free(t);
}

struct relay_transfer *
relay_transfer_find(const struct relay_transfers *x, uint64_t id)
{
	struct relay_transfer	*t;

	if (x->nbuckets == 0)
		return NULL;
	for (t = x->by_id[(size_t)id & (x->nbuckets - 1)]; t != NULL;
	    t = t->hnext) {
		if (t->id == id)
			return t;
	}
	return NULL;
}
