/*
 * relay_transfer.c: the transfer table, a list because open transfers are
 * few per lookup that matters (bind, decline, cancel by id).
 */
#include <stdlib.h>
#include <string.h>

#include "relay_transfer.h"

void
relay_transfers_init(struct relay_transfers *x)
{
	TAILQ_INIT(&x->all);
	x->count = 0;
	x->last_id = 0;
}

void
relay_transfers_free(struct relay_transfers *x)
{
	struct relay_transfer	*t;

	while ((t = TAILQ_FIRST(&x->all)) != NULL)
		relay_transfer_free(x, t);
}

struct relay_transfer *
relay_transfer_new(struct relay_transfers *x, struct relay_peer *from,
    struct relay_peer *to, uint64_t deadline)
{
	struct relay_transfer	*t;

	/* Owned by the table; freed by relay_transfer_free(). */
	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->id = ++x->last_id;
	t->state = RELAY_XFER_READY;
	t->peer[RELAY_SIDE_SEND] = from;
	t->peer[RELAY_SIDE_RECEIVE] = to;
	t->deadline = deadline;
	TAILQ_INSERT_TAIL(&x->all, t, link);
	x->count++;
	return t;
}

void
relay_transfer_free(struct relay_transfers *x, struct relay_transfer *t)
{
	TAILQ_REMOVE(&x->all, t, link);
	x->count--;
	free(t);
}

struct relay_transfer *
relay_transfer_find(const struct relay_transfers *x, uint64_t id)
{
	struct relay_transfer	*t;

	TAILQ_FOREACH(t, &x->all, link) {
		if (t->id == id)
			return t;
	}
	return NULL;
}
