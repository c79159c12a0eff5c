/*
 * bridge.c: the data path. Once both sides of a transfer are attached, each
 * read lands in a 256 KiB chunk that goes to uv_write() on the other side as
 * it is (no copy) and comes back to a small freelist in the write callback.
 * Reading stops while the far side has too much unwritten (backpressure), so
 * memory stays flat whatever the size; an EOF is passed on as a shutdown
 * after what was queued, and a connection closes once both directions end.
 */
#include <stdlib.h>
#include <string.h>

#include "relay_conn.h"

struct relay_chunk *
relay_chunk_new(struct relay *r, size_t cap)
{
	struct relay_chunk	*ch;

	if (cap == RELAY_CHUNK_SIZE && r->free_chunks != NULL) {
		ch = r->free_chunks;
		r->free_chunks = ch->next;
		r->nfree--;
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
relay_chunk_put(struct relay *r, struct relay_chunk *ch)
{
	if (ch->cap == RELAY_CHUNK_SIZE && r->nfree < RELAY_FREE_CHUNKS &&
	    !(r->flags & RELAY_STOPPING)) {
		ch->next = r->free_chunks;
		r->free_chunks = ch;
		r->nfree++;
		return;
	}
	free(ch);
}

void
relay_chunk_free_all(struct relay *r)
{
	struct relay_chunk	*ch;

	while ((ch = r->free_chunks) != NULL) {
		r->free_chunks = ch->next;
		free(ch);
	}
	r->nfree = 0;
}

/* Too much queued for dst: stop reading its partner. */
static int
bridge_over_high(const struct relay_conn *dst)
{
	return dst->tcp.write_queue_size >= RELAY_HIGH_WATER ||
	    dst->inflight >= RELAY_INFLIGHT_MAX;
}

static int
bridge_under_low(const struct relay_conn *dst)
{
	return dst->tcp.write_queue_size <= RELAY_LOW_WATER &&
	    dst->inflight <= RELAY_INFLIGHT_MAX / 2;
}

/* Hands ch (read from src) to dst's socket; ch belongs to the request now. */
static int
bridge_write(struct relay_conn *src, struct relay_conn *dst,
    struct relay_chunk *ch)
{
	uv_buf_t	b;
	int		e;

	ch->bridged = 1;
	b = uv_buf_init((char *)ch->data, (unsigned)ch->len);
	if ((e = uv_write(&ch->req, (uv_stream_t *)&dst->tcp, &b, 1,
	    relay_after_write_cb)) != 0) {
		relay_chunk_put(src->relay, ch);
		dst->err = e;
		relay_conn_close(dst);
		return e;
	}
	dst->nwrites++;
	dst->inflight++;
	if (bridge_over_high(dst)) {
		relay_conn_read_stop(src);
		src->flags |= RELAY_CONN_PAUSED;
	}
	return 0;
}

void
relay_bridge_start(void *arg, struct relay_transfer *t)
{
	struct relay_conn	*c[2], *x, *y;
	struct relay_chunk	*ch;
	int			 s;

	(void)arg;
	c[0] = t->data[RELAY_SIDE_SEND]->owner;
	c[1] = t->data[RELAY_SIDE_RECEIVE]->owner;
	if ((c[0]->flags & RELAY_CONN_CLOSING) ||
	    (c[1]->flags & RELAY_CONN_CLOSING)) {
		relay_conn_close(c[0]);
		relay_conn_close(c[1]);
		return;
	}
	c[0]->partner = c[1];
	c[1]->partner = c[0];
	for (s = 0; s < 2; s++) {
		x = c[s];
		y = c[!s];
		x->mode = RELAY_MODE_BRIDGE;
		/* What it sent early follows the attached frame already queued. */
		if ((ch = x->pending) != NULL) {
			x->pending = NULL;
			x->peer.bytes += ch->len;
			if (bridge_write(x, y, ch) != 0)
				return;
		}
	}
	for (s = 0; s < 2; s++) {
		c[s]->flags &= ~RELAY_CONN_PAUSED;
		if (!bridge_over_high(c[!s]))
			relay_conn_read_start(c[s]);
		else
			c[s]->flags |= RELAY_CONN_PAUSED;
	}
}

int
relay_bridge_forward(struct relay_conn *c, const uint8_t *p, size_t n)
{
	struct relay_chunk	*ch;

	if (c->partner == NULL) {
		relay_conn_close(c);
		return UV_EPIPE;
	}
	if ((ch = relay_chunk_new(c->relay, n)) == NULL) {
		relay_conn_close(c);
		return UV_ENOMEM;
	}
	memcpy(ch->data, p, n);
	ch->len = n;
	c->peer.bytes += n;
	return bridge_write(c, c->partner, ch);
}

void
relay_bridge_alloc(struct relay_conn *c, uv_buf_t *buf)
{
	struct relay_chunk	*ch;

	/* Taken only when the socket is readable: idle bridges hold nothing. */
	if ((ch = relay_chunk_new(c->relay, RELAY_CHUNK_SIZE)) == NULL) {
		*buf = uv_buf_init(NULL, 0);	/* read_cb gets UV_ENOBUFS */
		return;
	}
	*buf = uv_buf_init((char *)ch->data, RELAY_CHUNK_SIZE);
}

void
relay_bridge_check(struct relay_conn *c)
{
	if (!(c->flags & RELAY_CONN_RD_EOF))
		return;
	if ((c->flags & RELAY_CONN_WR_DONE) ||
	    (c->partner == NULL && !(c->flags & RELAY_CONN_WR_SHUT)))
		relay_conn_close(c);
}

static void
bridge_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct relay_conn	*c = req->handle->data;

	if (c->flags & RELAY_CONN_CLOSING)
		return;
	c->flags |= RELAY_CONN_WR_DONE;
	if (status < 0) {
		c->err = status;
		relay_conn_close(c);
		return;
	}
	relay_bridge_check(c);
}

void
relay_bridge_read(struct relay_conn *c, ssize_t nread, const uv_buf_t *buf)
{
	struct relay		*r = c->relay;
	struct relay_chunk	*ch = NULL;
	struct relay_conn	*dst;
	int			 e;

	if (buf->base != NULL)
		ch = (struct relay_chunk *)(void *)(buf->base -
		    offsetof(struct relay_chunk, data));
	if (nread > 0) {
		dst = c->partner;
		if (dst == NULL || (dst->flags &
		    (RELAY_CONN_CLOSING | RELAY_CONN_WR_SHUT))) {
			/* Nowhere to deliver it: this side is over too. */
			relay_chunk_put(r, ch);
			relay_conn_close(c);
			return;
		}
		ch->len = (size_t)nread;
		c->peer.bytes += (uint64_t)nread;
		bridge_write(c, dst, ch);
		return;
	}
	if (ch != NULL)
		relay_chunk_put(r, ch);
	if (nread == 0)
		return;
	if (nread != UV_EOF) {
		c->err = (int)nread;
		relay_conn_close(c);
		return;
	}
	/* Half-close: pass the EOF on after what is queued, keep the other way. */
	c->flags |= RELAY_CONN_RD_EOF;
	relay_conn_read_stop(c);
	if ((dst = c->partner) != NULL && !(dst->flags & RELAY_CONN_WR_SHUT)) {
		dst->flags |= RELAY_CONN_WR_SHUT;
		if ((e = uv_shutdown(&dst->shut, (uv_stream_t *)&dst->tcp,
		    bridge_shutdown_cb)) != 0) {
			dst->err = e;
			relay_conn_close(dst);
			return;
		}
	}
	relay_bridge_check(c);
}

void
relay_bridge_drained(struct relay_conn *c)
{
	struct relay_conn	*src = c->partner;

	if (src == NULL || !(src->flags & RELAY_CONN_PAUSED) ||
	    !bridge_under_low(c))
		return;
	src->flags &= ~RELAY_CONN_PAUSED;
	if (!(src->flags & RELAY_CONN_RD_EOF))
		relay_conn_read_start(src);
}
