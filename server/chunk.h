/*
 * chunk.h: the relay's write buffers and their freelist. A chunk is a
 * uv_write_t with its bytes (a bridge read, or the unsent tail of a control
 * frame); chunks of the bridge's size come back to a short freelist, so a
 * busy bridge allocates nothing per read.
 */
#ifndef FERRY_RELAY_CHUNK_H
#define FERRY_RELAY_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/*
 * A write request with its buffer. Owned by the request until its callback
 * runs; then back through relay_chunk_put() (recycled or freed).
 */
struct relay_chunk {
	uv_write_t		 req;		/* first: the request is the chunk */
	struct relay_chunk	*next;		/* freelist */
	size_t			 cap;		/* bytes allocated in data */
	size_t			 len;		/* bytes used */
	int			 bridged;	/* counts in the target's inflight */
	uint8_t			 data[];
};

struct relay_chunks {
	struct relay_chunk	*free;		/* owned: kept for reuse */
	unsigned		 nfree;
	size_t			 size;		/* kept: chunks of this cap */
	int			 closed;	/* keep none (closed) */
};

void	relay_chunks_init(struct relay_chunks *pool, size_t size);
/* A chunk of cap bytes (recycled if cap is the pool's size); NULL: no memory. */
struct relay_chunk *relay_chunk_new(struct relay_chunks *pool, size_t cap);
/* Gives ch back: kept for reuse, or freed. */
void	relay_chunk_put(struct relay_chunks *pool, struct relay_chunk *ch);
/* Frees the kept chunks; from now on every chunk put back is freed. */
void	relay_chunks_close(struct relay_chunks *pool);

#endif /* FERRY_RELAY_CHUNK_H */
