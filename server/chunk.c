/*
 * chunk.c: the relay's write buffers and the freelist that recycles the
 * bridge's chunks (chunk.h).
 */
#include <stdlib.h>

#include "chunk.h"

#define CHUNKS_KEPT	8		/* chunks kept for reuse, at most */

void
relay_chunks_init(struct relay_chunks *pool, size_t size)
{
	pool->free = NULL;
	pool->nfree = 0;
	pool->size = size;
	pool->closed = 0;
}

struct relay_chunk *
relay_chunk_new(struct relay_chunks *pool, size_t cap)
{
	struct relay_chunk	*ch;

	if (cap == pool->size && pool->free != NULL) {
		ch = pool->free;
		pool->free = ch->next;
		pool->nfree--;
	} else {
		/* Owned by whoever takes it; back through relay_chunk_put(). */
		if ((ch = malloc(sizeof *ch + cap)) == NULL)
			return NULL;
		ch->cap = cap;
	}
	ch->next = NULL;
	ch->len = 0;
	ch->bridged = 0;
	return ch;
}

void
relay_chunk_put(struct relay_chunks *pool, struct relay_chunk *ch)
{
	if (ch->cap == pool->size && pool->nfree < CHUNKS_KEPT &&
	    !pool->closed) {
		ch->next = pool->free;
		pool->free = ch;
		pool->nfree++;
		return;
	}
	free(ch);
}

void
relay_chunks_close(struct relay_chunks *pool)
{
	struct relay_chunk	*ch;

	while ((ch = pool->free) != NULL) {
		pool->free = ch->next;
		free(ch);
	}
	pool->nfree = 0;
	pool->closed = 1;
}
