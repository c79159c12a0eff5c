/*
 * relay_conn.c: one TCP connection of the relay, from accept (with the
 * EMFILE pause and admission, relay_admit.c's) to the uv_close callback that frees it. The
 * first byte tells the two kinds apart: a TLS record (0x16) makes a
 * control connection, whose bytes go through its TLS session (memory
 * buffers: libuv reads, OpenSSL decrypts, the same frame logic runs on
 * the plaintext); anything else is read as frames in clear and must be a
 * data connection. Reads share one relay-wide buffer, and so do the
 * plaintext and the ciphertext on their way (an idle connection holds no
 * buffer of ours); frames go through the decoder into the control logic;
 * after an error the connection drains (with close_notify inside TLS) and
 * closes. Once paired the bridge reads it with its own callbacks and hears
 * of it through its hooks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "relay_int.h"
#include "relay_log.h"
#include "tls.h"

#define TLS_RECORD_HANDSHAKE	0x16	/* the first byte of a ClientHello */

static void	conn_alloc_cb(uv_handle_t *, size_t, uv_buf_t *);
static void	conn_read_cb(uv_stream_t *, ssize_t, const uv_buf_t *);
static void	conn_written_cb(uv_write_t *, int);

void
relay__conn_read(struct relay_conn *c, uv_alloc_cb alloc_cb, uv_read_cb read_cb)
{
	int	e;

	if (c->flags & (RELAY_CONN_READING | RELAY_CONN_CLOSING))
		return;
	if ((e = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb)) != 0) {
		c->err = e;
		relay__conn_close(c);
		return;
	}
	c->flags |= RELAY_CONN_READING;
}

/* Reading with the connection's own callbacks (frames, wait, drain). */
static void
conn_read_start(struct relay_conn *c)
{
	relay__conn_read(c, conn_alloc_cb, conn_read_cb);
}

void
relay__conn_read_stop(struct relay_conn *c)
{
	if (!(c->flags & RELAY_CONN_READING))
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->flags &= ~RELAY_CONN_READING;
}

/* Every handle of c is closed: tell the control logic, free. */
static void
conn_free(struct relay_conn *c)
{
	struct relay		*r = c->relay;
	const char		*state;

	switch (c->peer.state) {
	case RELAY_PEER_CONTROL:
		state = "peer";
		break;
	case RELAY_PEER_DATA:
		state = "data connection";
		break;
	default:
		state = "";
		break;
	}
	if (c->peer.id != 0) {
		relay_log(RELAY_LOG_INFO, c->peer.addr, "disconnected: %s (id %"
		    PRIu64 ")%s%s", c->peer.name, c->peer.id,
		    c->err != 0 && c->err != UV_EOF ? ": " : "",
		    c->err != 0 && c->err != UV_EOF ? uv_strerror(c->err) : "");
	} else {
		relay_log(RELAY_LOG_INFO, c->peer.addr, "disconnected%s%s%s%s",
		    *state != '\0' ? " " : "", state,
		    c->err != 0 && c->err != UV_EOF ? ": " : "",
		    c->err != 0 && c->err != UV_EOF ? uv_strerror(c->err) : "");
	}
	/* Only now does the control logic hear of it: nothing refers to c after. */
	relay_ctl_lost(&r->ctl, &c->peer, uv_now(r->loop));
	relay__admit_release(c);
	proto_decoder_free(&c->dec);
	proto_tls_free(c->tls);
	if (c->pending != NULL)
		relay_chunk_put(&r->chunks, c->pending);
	TAILQ_REMOVE(&r->conns, c, link);
	r->nconns--;
	free(c);
}

void
relay__conn_handle_closed(struct relay_conn *c)
{
	if (--c->nhandles == 0)
		conn_free(c);
}

static void
conn_close_cb(uv_handle_t *h)
{
	relay__conn_handle_closed(h->data);
}

void
relay__conn_close(struct relay_conn *c)
{
	if (c->flags & RELAY_CONN_CLOSING)
		return;
	c->flags |= RELAY_CONN_CLOSING;
	c->flags &= ~RELAY_CONN_READING;
	/* The bridge's handles count from here too (its hook adds them). */
	c->nhandles = 1;
	if (c->bridge != NULL)
		c->bridge->closing(c);
	/* Pending writes get their callbacks (UV_ECANCELED) before conn_close_cb. */
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

void
relay__conn_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct relay_conn	*c = req->handle->data;

	if (c->flags & RELAY_CONN_CLOSING)
		return;
	c->flags |= RELAY_CONN_WR_DONE;
	if (status < 0 || (c->flags & RELAY_CONN_RD_EOF)) {
		if (status < 0)
			c->err = status;
		relay__conn_close(c);
	}
}

static int	conn_tls_flush(struct relay_conn *);

/*
 * After a connection-fatal error frame: send FIN once it is written (after
 * a close_notify inside TLS), and read (and drop) what the client still
 * sends until it closes or linger runs out, so our close does not turn
 * into a reset that eats the error.
 */
static void
conn_drain(struct relay_conn *c)
{
	struct relay	*r = c->relay;
	int		 e;

	if (c->mode == RELAY_MODE_DRAIN || (c->flags & RELAY_CONN_CLOSING))
		return;
	if (c->partner != NULL || (c->flags & RELAY_CONN_WR_SHUT)) {
		relay__conn_close(c);
		return;
	}
	if (c->tls != NULL && (c->flags & RELAY_CONN_SECURE)) {
		proto_tls_close(c->tls);
		if (conn_tls_flush(c) != 0)
			return;
	}
	c->mode = RELAY_MODE_DRAIN;
	if (c->pending != NULL) {
		relay_chunk_put(&r->chunks, c->pending);
		c->pending = NULL;
	}
	c->linger = uv_now(r->loop) + r->cfg.linger_ms;
	c->flags &= ~RELAY_CONN_PAUSED;
	if (!(c->flags & RELAY_CONN_RD_EOF))
		conn_read_start(c);
	c->flags |= RELAY_CONN_WR_SHUT;
	if ((e = uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp,
	    relay__conn_shutdown_cb)) != 0) {
		c->err = e;
		relay__conn_close(c);
	}
}

void
relay__conn_close_peer(void *arg, struct relay_peer *p, int how)
{
	struct relay_conn	*c = p->owner;

	(void)arg;
	if (how == RELAY_CLOSE_FLUSH)
		conn_drain(c);
	else
		relay__conn_close(c);
}

/*
 * Writes bytes for the peer: straight to the socket when nothing is queued
 * (the common case: no allocation), the unsent tail copied into a chunk.
 * 0, or -1 when c was closed.
 */
static int
conn_put(struct relay_conn *c, const uint8_t *p, size_t len)
{
	struct relay_chunk	*ch;
	uv_buf_t		 b;
	size_t			 done = 0;
	int			 n;

	if (c->tcp.write_queue_size > RELAY_CTRL_QUEUE_MAX) {
		relay_log(RELAY_LOG_WARN, c->peer.addr, "over %d bytes unread "
		    "by the client; closing", RELAY_CTRL_QUEUE_MAX);
		relay__conn_close(c);
		return -1;
	}
	if (c->tcp.write_queue_size == 0) {
		b = uv_buf_init((char *)(uintptr_t)p, (unsigned)len);
		n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (n >= 0 && (size_t)n == len)
			return 0;
		if (n < 0 && n != UV_EAGAIN) {
			c->err = n;
			relay__conn_close(c);
			return -1;
		}
		done = n > 0 ? (size_t)n : 0;
	}
	if ((ch = relay_chunk_new(&c->relay->chunks, len - done)) == NULL) {
		relay_log(RELAY_LOG_ERROR, c->peer.addr, "out of memory; "
		    "closing");
		relay__conn_close(c);
		return -1;
	}
	memcpy(ch->data, p + done, len - done);
	ch->len = len - done;
	if (relay__conn_write(c, ch) != 0)
		return -1;
	return relay__admit_queued(c, len - done);
}

/*
 * What TLS has for the peer (records, alerts, close_notify) into the
 * shared ciphertext buffer after the *have bytes already there, written to
 * the socket whenever less than a record's room is left in it (with last,
 * all of it). 0, or -1 when c was closed.
 */
static int
conn_tls_gather(struct relay_conn *c, size_t *have, int last)
{
	uint8_t	*buf = c->relay->cbuf;
	size_t	 n;

	while ((n = proto_tls_take(c->tls, buf + *have,
	    RELAY_CBUF_SIZE - *have)) > 0) {
		*have += n;
		if (RELAY_CBUF_SIZE - *have < RELAY_TLS_STEP + 1024) {
			n = *have;
			*have = 0;
			if (conn_put(c, buf, n) != 0)
				return -1;
		}
	}
	if (last && *have > 0) {
		n = *have;
		*have = 0;
		return conn_put(c, buf, n);
	}
	return 0;
}

static int
conn_tls_flush(struct relay_conn *c)
{
	size_t	have = 0;

	return conn_tls_gather(c, &have, 1);
}

/*
 * Writes a control frame: encrypted on a control connection, a few KiB at
 * a time so that TLS's output buffer (which keeps its largest size) stays
 * small; in clear on any other.
 */
void
relay__conn_send(void *arg, struct relay_peer *p, const uint8_t *frame,
    size_t len)
{
	struct relay_conn	*c = p->owner;
	size_t			 off, n, have = 0;

	(void)arg;
	if ((c->flags & (RELAY_CONN_CLOSING | RELAY_CONN_WR_SHUT)) ||
	    c->mode == RELAY_MODE_DRAIN || c->mode == RELAY_MODE_BRIDGE)
		return;
	if (c->tls == NULL) {
		(void)conn_put(c, frame, len);
		return;
	}
	if (!(c->flags & RELAY_CONN_SECURE)) {
		relay_log(RELAY_LOG_DEBUG, p->addr, "a frame for a connection "
		    "still in its TLS handshake is dropped");
		return;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < RELAY_TLS_STEP ? len - off : RELAY_TLS_STEP;
		if (proto_tls_write(c->tls, frame + off, n) != 0) {
			relay_log(RELAY_LOG_ERROR, p->addr, "TLS: %s; closing",
			    proto_tls_error(c->tls));
			relay__conn_close(c);
			return;
		}
		if (conn_tls_gather(c, &have, off + n == len) != 0)
			return;
	}
}

int
relay__conn_write(struct relay_conn *c, struct relay_chunk *ch)
{
	uv_buf_t	b;
	int		e;

	b = uv_buf_init((char *)ch->data, (unsigned)ch->len);
	if ((e = uv_write(&ch->req, (uv_stream_t *)&c->tcp, &b, 1,
	    conn_written_cb)) != 0) {
		relay_chunk_put(&c->relay->chunks, ch);
		c->err = e;
		relay__conn_close(c);
		return e;
	}
	c->nwrites++;
	if (ch->bridged)
		c->inflight++;
	return 0;
}

static void
conn_written_cb(uv_write_t *req, int status)
{
	struct relay_chunk	*ch = (struct relay_chunk *)(void *)req;
	struct relay_conn	*c = req->handle->data;
	int			 bridged = ch->bridged;

	if (!bridged)
		relay__admit_unqueued(c, ch->len);
	relay_chunk_put(&c->relay->chunks, ch);
	c->nwrites--;
	if (bridged)
		c->inflight--;
	if (status < 0) {
		if (status != UV_ECANCELED) {
			c->err = status;
			relay__conn_close(c);
		}
		return;
	}
	if (c->bridge != NULL)
		c->bridge->written(c, bridged);
}

/* An attached data connection waits for its partner: keep what it sends. */
static void
conn_pend(struct relay_conn *c, const uint8_t *p, size_t n)
{
	struct relay	*r = c->relay;

	if (c->pending == NULL) {
		/* One more read always fits: reading stops at RELAY_PENDING_MAX. */
		c->pending = relay_chunk_new(&r->chunks,
		    RELAY_PENDING_MAX + RELAY_RBUF_SIZE);
		if (c->pending == NULL) {
			relay__conn_close(c);
			return;
		}
	}
	if (n > c->pending->cap - c->pending->len) {
		relay__conn_close(c);
		return;
	}
	memcpy(c->pending->data + c->pending->len, p, n);
	c->pending->len += n;
	if (c->pending->len >= RELAY_PENDING_MAX) {
		relay__conn_read_stop(c);
		c->flags |= RELAY_CONN_PAUSED;
	}
}

/* Frames from a new or control connection, one message at a time. */
static void
conn_frames(struct relay_conn *c, const uint8_t *p, size_t n)
{
	struct relay		*r = c->relay;
	struct proto_frame	 f;
	struct proto_msg	 m;
	uint64_t		 now = uv_now(r->loop);
	size_t			 used;
	char			 err[256];
	int			 rc;

	while (n > 0 && c->mode == RELAY_MODE_FRAMES &&
	    !(c->flags & RELAY_CONN_CLOSING)) {
		rc = proto_decoder_feed(&c->dec, p, n, &used, &f);
		p += used;
		n -= used;
		if (rc < 0) {
			if (rc == -PROTO_E_TOO_LARGE)
				snprintf(err, sizeof err, "frame length over the "
				    "limit (control %d, data %d bytes)",
				    PROTO_CONTROL_MAX, PROTO_DATA_MAX);
			else if (rc == -PROTO_E_BAD_FRAME)
				snprintf(err, sizeof err, "malformed frame "
				    "(zero length, unknown kind or empty data)");
			else
				snprintf(err, sizeof err, "%s", proto_strerror(rc));
			relay_ctl_fail(&r->ctl, &c->peer, -rc, err);
			break;
		}
		if (rc == 0)
			break;
		if (f.kind != PROTO_KIND_CONTROL) {
			relay_ctl_fail(&r->ctl, &c->peer, PROTO_E_BAD_STATE,
			    "data frames belong on a bridged data connection");
			break;
		}
		if ((rc = proto_msg_decode(f.payload, f.len, &m, err,
		    sizeof err)) != 0) {
			relay_ctl_fail(&r->ctl, &c->peer, -rc, err);
			break;
		}
		relay_ctl_message(&r->ctl, &c->peer, &m, now);
		proto_msg_free(&m);
		/* attach made it a data connection; the pairing may have bridged it. */
		if (c->peer.state == RELAY_PEER_DATA && c->mode == RELAY_MODE_FRAMES)
			c->mode = RELAY_MODE_WAIT;
	}
	if (c->mode != RELAY_MODE_FRAMES) {
		proto_decoder_free(&c->dec);
		proto_decoder_init(&c->dec);
	} else if (proto_decoder_idle(&c->dec) && c->dec.cap > 0) {
		/*
		 * A frame came split: do not keep its buffer while idle (an
		 * idle client costs the relay what it holds; a split frame
		 * is rare enough that one malloc for the next is nothing).
		 */
		proto_decoder_free(&c->dec);
		proto_decoder_init(&c->dec);
	}
	if (n == 0 || (c->flags & RELAY_CONN_CLOSING))
		return;
	/* Bytes after attach in the same read belong to the bridge. */
	if (c->mode == RELAY_MODE_WAIT)
		conn_pend(c, p, n);
	else if (c->mode == RELAY_MODE_BRIDGE && c->bridge != NULL)
		c->bridge->forward(c, p, n);
}

/* The TLS handshake of c is done: c may say hello now. 0 or -1 (drained). */
static int
conn_tls_ready(struct relay_conn *c)
{
	if (proto_tls_peer_key(c->tls, c->peer.key) != 0) {
		relay_log(RELAY_LOG_INFO, c->peer.addr, "TLS: %s; closing",
		    proto_tls_error(c->tls));
		conn_drain(c);
		return -1;
	}
	c->flags |= RELAY_CONN_SECURE;
	c->peer.flags |= RELAY_PEER_TLS;
	relay_log(RELAY_LOG_DEBUG, c->peer.addr, "TLS handshake done (%s)",
	    proto_tls_cipher(c->tls));
	return 0;
}

/*
 * Ciphertext from a control connection: fed to TLS a few KiB at a time
 * (its input buffer keeps its largest size too), the handshake advanced,
 * and what it decrypts run through the frame logic.
 */
static void
conn_tls_in(struct relay_conn *c, const uint8_t *p, size_t n)
{
	struct relay	*r = c->relay;
	size_t		 k, got;
	int		 rc;

	while (n > 0 && c->mode == RELAY_MODE_FRAMES &&
	    !(c->flags & RELAY_CONN_CLOSING)) {
		k = n < RELAY_TLS_STEP ? n : RELAY_TLS_STEP;
		if (proto_tls_feed(c->tls, p, k) != 0) {
			relay_log(RELAY_LOG_ERROR, c->peer.addr, "TLS: %s; "
			    "closing", proto_tls_error(c->tls));
			relay__conn_close(c);
			return;
		}
		p += k;
		n -= k;
		if (!(c->flags & RELAY_CONN_SECURE)) {
			rc = proto_tls_handshake(c->tls);
			/* Our flight, or the alert that says why not. */
			if (conn_tls_flush(c) != 0)
				return;
			if (rc == PROTO_TLS_WANT)
				continue;
			if (rc != 0) {
				/* "TLS handshake failed: " and OpenSSL's why. */
				relay_log(RELAY_LOG_INFO, c->peer.addr, "%s",
				    proto_tls_error(c->tls));
				conn_drain(c);
				return;
			}
			if (conn_tls_ready(c) != 0)
				return;
		}
		while (c->mode == RELAY_MODE_FRAMES &&
		    !(c->flags & RELAY_CONN_CLOSING)) {
			rc = proto_tls_read(c->tls, r->pbuf, RELAY_PBUF_SIZE,
			    &got);
			if (rc == PROTO_TLS_WANT)
				break;
			if (rc == PROTO_TLS_CLOSED) {
				/* close_notify: as good as EOF. */
				relay__conn_close(c);
				return;
			}
			if (rc != 0) {
				relay_log(RELAY_LOG_INFO, c->peer.addr, "TLS: %s; "
				    "closing", proto_tls_error(c->tls));
				relay__conn_close(c);
				return;
			}
			conn_frames(c, r->pbuf, got);
		}
		if (!(c->flags & RELAY_CONN_CLOSING) &&
		    c->mode != RELAY_MODE_DRAIN && conn_tls_flush(c) != 0)
			return;
	}
}

/* The first bytes of c: a TLS session for a control connection, or frames. */
static int
conn_classify(struct relay_conn *c, uint8_t first)
{
	struct relay	*r = c->relay;

	if (first != TLS_RECORD_HANDSHAKE) {
		c->flags |= RELAY_CONN_PLAIN;
		return 0;
	}
	if (r->cfg.tls == NULL) {
		relay_log(RELAY_LOG_WARN, c->peer.addr, "a TLS connection, and "
		    "this relay has no TLS set up; closing");
		relay__conn_close(c);
		return -1;
	}
	/* Owned by c; freed in conn_free(). */
	if (proto_tls_new(r->cfg.tls, &c->tls) != 0) {
		relay_log(RELAY_LOG_ERROR, c->peer.addr, "out of memory for a "
		    "TLS session; closing");
		relay__conn_close(c);
		return -1;
	}
	return 0;
}

static void
conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct relay_conn	*c = h->data;
	struct relay		*r = c->relay;

	(void)suggested;
	/*
	 * libuv calls alloc only when the socket is readable and hands the
	 * buffer back in the read callback right after, which consumes it
	 * whole: so one buffer serves every control connection.
	 */
	if (r->rbuf_busy) {
		*buf = uv_buf_init(NULL, 0);	/* read_cb gets UV_ENOBUFS */
		return;
	}
	r->rbuf_busy = 1;
	*buf = uv_buf_init((char *)r->rbuf, RELAY_RBUF_SIZE);
}

static void
conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct relay_conn	*c = s->data;
	struct relay		*r = c->relay;

	if (buf->base != NULL)
		r->rbuf_busy = 0;	/* nothing below keeps a pointer into it */
	if (nread == 0)
		return;
	if (nread < 0) {
		if (nread == UV_EOF && c->mode == RELAY_MODE_FRAMES &&
		    !proto_decoder_idle(&c->dec))
			relay_log(RELAY_LOG_INFO, c->peer.addr, "closed in the "
			    "middle of a frame");
		c->flags |= RELAY_CONN_RD_EOF;
		relay__conn_read_stop(c);
		c->err = (int)nread;
		/* Draining: the error may still be on its way; shutdown_cb closes. */
		if (c->mode == RELAY_MODE_DRAIN && nread == UV_EOF &&
		    !(c->flags & RELAY_CONN_WR_DONE))
			return;
		relay__conn_close(c);
		return;
	}
	switch (c->mode) {
	case RELAY_MODE_FRAMES:
		if (c->tls == NULL && !(c->flags & RELAY_CONN_PLAIN) &&
		    conn_classify(c, (uint8_t)buf->base[0]) != 0)
			break;
		if (c->tls != NULL)
			conn_tls_in(c, (const uint8_t *)buf->base,
			    (size_t)nread);
		else
			conn_frames(c, (const uint8_t *)buf->base,
			    (size_t)nread);
		break;
	case RELAY_MODE_WAIT:
		conn_pend(c, (const uint8_t *)buf->base, (size_t)nread);
		break;
	default:
		/*
		 * DRAIN: after an error nothing it says matters. (A BRIDGE
		 * connection is read by the bridge's own callbacks.)
		 */
		break;
	}
}

static void	pause_accept(struct relay *);

/* Accepts one connection from the listener (its callback said so). */
static void
conn_accept(struct relay *r)
{
	struct relay_conn	*c;
	struct sockaddr_storage	 ss;
	char			 addr[PROTO_ADDR_MAX + 1];
	const char		*why;
	int			 len = sizeof ss, e;

	/* Owned by the loop from here: freed in conn_close_cb(). */
	if ((c = calloc(1, sizeof *c)) == NULL) {
		relay_log(RELAY_LOG_ERROR, NULL, "out of memory; pausing accept");
		/* Not accepting leaves it queued in libuv, which stops polling. */
		r->flags |= RELAY_ACCEPT_PENDING;
		pause_accept(r);
		return;
	}
	uv_tcp_init(r->loop, &c->tcp);
	c->tcp.data = c;
	c->relay = r;
	c->peer.owner = c;
	c->peer.state = RELAY_PEER_GONE;	/* until relay_ctl_accept() */
	proto_decoder_init(&c->dec);
	TAILQ_INSERT_TAIL(&r->conns, c, link);
	r->nconns++;
	snprintf(c->peer.addr, sizeof c->peer.addr, "?");
	if ((e = uv_accept((uv_stream_t *)&r->listener, (uv_stream_t *)&c->tcp))
	    != 0) {
		relay_log(RELAY_LOG_WARN, NULL, "accept: %s", uv_strerror(e));
		relay__conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		relay_format_addr((struct sockaddr *)&ss, addr, sizeof addr);
	else
		snprintf(addr, sizeof addr, "?");
	snprintf(c->peer.addr, sizeof c->peer.addr, "%s", addr);

	if (r->flags & RELAY_STOPPING) {
		relay__conn_close(c);
		return;
	}
	/* Admission before state: refused ones hear busy in clear. */
	if ((why = relay__admit(r, c, addr)) != NULL) {
		relay_log(RELAY_LOG_WARN, addr, "refused: %s", why);
		r->ctl.stats.errors[PROTO_E_BUSY]++;	/* counted as sent */
		relay__conn_send(r, &c->peer, r->busy_frame, r->busy_len);
		conn_drain(c);
		return;
	}
	relay_ctl_accept(&r->ctl, &c->peer, addr, uv_now(r->loop));
	relay_log(RELAY_LOG_INFO, addr, "connected");
	conn_read_start(c);
}

void
relay__conn_tick(struct relay *r, uint64_t now)
{
	struct relay_conn	*c, *next;

	for (c = TAILQ_FIRST(&r->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->mode == RELAY_MODE_DRAIN && now >= c->linger &&
		    !(c->flags & RELAY_CONN_CLOSING))
			relay__conn_close(c);
	}
}

static void
conn_pause_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;

	r->flags &= ~RELAY_ACCEPT_PAUSED;
	if ((r->flags & RELAY_ACCEPT_PENDING) && !(r->flags & RELAY_STOPPING)) {
		r->flags &= ~RELAY_ACCEPT_PENDING;
		conn_accept(r);		/* uv_accept() also resumes polling */
	}
}

/* Stop accepting for RELAY_ACCEPT_PAUSE_MS. */
static void
pause_accept(struct relay *r)
{
	if ((r->flags & RELAY_ACCEPT_PAUSED) || (r->flags & RELAY_STOPPING))
		return;
	r->flags |= RELAY_ACCEPT_PAUSED;
	uv_timer_start(&r->pause, conn_pause_cb, RELAY_ACCEPT_PAUSE_MS, 0);
}

void
relay__conn_connection_cb(uv_stream_t *server, int status)
{
	struct relay	*r = server->data;

	if (status < 0) {
		relay_log(RELAY_LOG_WARN, NULL, "accept failed: %s; pausing "
		    "%d ms", uv_strerror(status), RELAY_ACCEPT_PAUSE_MS);
		pause_accept(r);
		return;
	}
	/*
	 * While paused, leaving the connection un-accepted makes libuv stop
	 * polling the listener until conn_pause_cb() accepts it.
	 */
	if (r->flags & RELAY_ACCEPT_PAUSED) {
		r->flags |= RELAY_ACCEPT_PENDING;
		return;
	}
	conn_accept(r);
}
