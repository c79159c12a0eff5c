/*
 * conn.c: a framed TCP connection to the relay: resolve, connect, read
 * frames (or a data frame's payload straight into its owner's memory),
 * write, close. TLS over it is conn_tls.c. The struct embeds its uv_tcp_t
 * first and is freed only after the handle's close callback and any
 * pending getaddrinfo have both finished (STYLE.md 10.4, 10.11).
 */
#include "conn_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

/* A write request owns the buffers it writes until its callback runs. */
struct client_conn_wreq {
	uv_write_t	 req;
	uint8_t		*buf;		/* freed (or released) in the write callback */
	client_conn_release_cb	 release;	/* NULL: free(buf) */
	void		*rarg;
};

static void	conn_gai_cb(uv_getaddrinfo_t *, int, struct addrinfo *);
static void	conn_connect_cb(uv_connect_t *, int);
static void	conn_close_cb(uv_handle_t *);
static void	conn_try(struct client_conn *);

static const struct client_conn_ops conn_no_ops;

static void
conn_unref(struct client_conn *c)
{
	if (--c->refs > 0)
		return;
	if (c->ops->on_closed != NULL)
		c->ops->on_closed(c, c->arg);
	if (c->ai != NULL)
		uv_freeaddrinfo(c->ai);
	proto_decoder_free(&c->dec);
	proto_tls_free(c->tls);
	free(c->pbuf);
	free(c->rbuf);
	free(c);
}

/* The stream broke or ended on its own: tell the owner once, then close. */
void
conn__lost(struct client_conn *c, int status)
{
	if (c->flags & CONN_CLOSING)
		return;
	c->flags |= CONN_CLOSING;
	if (c->ops->on_lost != NULL)
		c->ops->on_lost(c, status, c->arg);
	c->flags &= ~CONN_CLOSING;
	client_conn_close(c);
}

int
client_conn_open(uv_loop_t *loop, const char *host, const char *port,
    const struct client_conn_ops *ops, void *arg, struct client_conn **out)
{
	struct addrinfo	 hints;
	struct client_conn	*c;
	int		 r;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return UV_ENOMEM;
	c->loop = loop;
	c->ops = ops;
	c->arg = arg;
	proto_decoder_init(&c->dec);
	if ((r = uv_tcp_init(loop, &c->tcp)) != 0) {
		free(c);
		return r;
	}
	c->tcp.data = c;
	c->refs = 1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	c->gai.data = c;
	r = uv_getaddrinfo(loop, &c->gai, conn_gai_cb, host, port, &hints);
	if (r != 0) {
		/* Nothing was started: close the handle quietly, no callbacks. */
		c->ops = &conn_no_ops;
		c->flags |= CONN_CLOSING;
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
		return r;
	}
	c->refs++;
	c->flags |= CONN_RESOLVING;
	*out = c;
	return 0;
}

static void
conn_gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct client_conn	*c = req->data;

	c->flags &= ~CONN_RESOLVING;
	if (c->flags & CONN_CLOSING) {
		if (res != NULL)
			uv_freeaddrinfo(res);
		conn_unref(c);
		return;
	}
	c->refs--;	/* the handle's reference remains */
	if (status < 0) {
		if (c->ops->on_connect != NULL)
			c->ops->on_connect(c, status, c->arg);
		client_conn_close(c);
		return;
	}
	c->ai = res;
	c->ai_next = res;
	conn_try(c);
}

/* Connects to c->ai_next. */
static void
conn_try(struct client_conn *c)
{
	int	r;

	r = uv_tcp_connect(&c->creq, &c->tcp, c->ai_next->ai_addr,
	    conn_connect_cb);
	if (r != 0) {
		if (c->ops->on_connect != NULL)
			c->ops->on_connect(c, r, c->arg);
		client_conn_close(c);
	}
}

static void
conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct client_conn	*c = h->data;
	uint8_t			*p;
	size_t			 room = 0, len = CONN_READ_BUF;

	(void)hint;
	c->direct = NULL;
	/* With TLS the socket brings records, never bare payload: all into rbuf. */
	if (c->ops->data_room != NULL && c->tls == NULL &&
	    !(c->flags & CONN_CLOSING)) {
		/*
		 * A data frame's payload: read it where its owner keeps it.
		 * libuv forbids closing here, so this only probes; on NULL
		 * the bytes come through rbuf and data_room may refuse them.
		 */
		if (c->raw_left > 0 && (p = c->ops->data_room(c, c->raw_len,
		    c->raw_left, 1, &room, c->arg)) != NULL && room > 0) {
			c->direct = p;
			*buf = uv_buf_init((char *)p, (unsigned int)(room <
			    c->raw_left ? room : c->raw_left));
			return;
		}
		if (c->raw_left > 0 && c->raw_left < len)
			len = c->raw_left;
		/* Between frames: only the header, so no payload lands here. */
		if (c->raw_left == 0 && c->dec.hdr_have < PROTO_HEADER_LEN)
			len = PROTO_HEADER_LEN - c->dec.hdr_have;
	}
	if (c->rbuf == NULL)
		c->rbuf = malloc(CONN_READ_BUF);
	buf->base = (char *)c->rbuf;
	buf->len = c->rbuf != NULL ? len : 0;
}

/*
 * n payload bytes of the current raw data frame arrived at the place
 * data_room gave. Returns 0, or -1 when the owner closed the conn.
 */
int
conn__raw_got(struct client_conn *c, size_t n)
{
	c->raw_left -= n;
	if (c->ops->data_got(c, n, c->arg) < 0 || (c->flags & CONN_CLOSING))
		return -1;
	return 0;
}

/*
 * Bytes from the conn's own buffer while a data frame is read raw: copied
 * into the owner's memory. Returns how many it took, or -1.
 */
static ssize_t
conn_raw_copy(struct client_conn *c, const uint8_t *p, size_t len)
{
	uint8_t	*dst;
	size_t	 room = 0, n, done = 0;

	while (done < len && c->raw_left > 0) {
		if ((dst = c->ops->data_room(c, c->raw_len, c->raw_left, 0,
		    &room, c->arg)) == NULL || room == 0 ||
		    (c->flags & CONN_CLOSING))
			return -1;
		n = len - done;
		if (n > c->raw_left)
			n = c->raw_left;
		if (n > room)
			n = room;
		memcpy(dst, p + done, n);
		done += n;
		if (conn__raw_got(c, n) != 0)
			return -1;
	}
	return (ssize_t)done;
}

/*
 * Plaintext from the socket or from TLS: frames to on_frame, a data
 * frame's payload to data_room. When on_frame started TLS, what follows
 * the frame is the handshake's.
 */
void
conn__plain(struct client_conn *c, const uint8_t *p, size_t len)
{
	struct proto_frame	 f;
	size_t			 used, take;
	ssize_t			 k;
	int			 r, raw = c->ops->data_room != NULL;

	while (len > 0) {
		if (c->raw_left > 0) {
			if ((k = conn_raw_copy(c, p, len)) < 0)
				return;
			p += k;
			len -= (size_t)k;
			continue;
		}
		/* With a data sink, feed the header alone and look at it. */
		take = len;
		if (raw && c->dec.hdr_have < PROTO_HEADER_LEN &&
		    take > PROTO_HEADER_LEN - c->dec.hdr_have)
			take = PROTO_HEADER_LEN - c->dec.hdr_have;
		r = proto_decoder_feed(&c->dec, p, take, &used, &f);
		p += used;
		len -= used;
		if (r < 0) {
			conn__lost(c, CONN_E_PROTO(-r));
			return;
		}
		if (r == 0 && raw && c->dec.hdr_have == PROTO_HEADER_LEN &&
		    c->dec.have == 0 && c->dec.kind == PROTO_KIND_DATA) {
			/* Its payload goes to data_room, not through the decoder. */
			c->raw_len = c->raw_left = c->dec.need;
			proto_decoder_reset(&c->dec);
			continue;
		}
		if (r == 0 && used == take && take < len + used)
			continue;	/* only the header was fed: go on */
		if (r == 0)
			return;
		if ((c->flags & CONN_CLEAR_ERR) && !conn__clear_error(&f)) {
			snprintf(c->tls_err, sizeof c->tls_err, "the relay spoke in "
			    "clear where TLS was due");
			conn__lost(c, CONN_E_TLS);
			return;
		}
		if (c->ops->on_frame(c, &f, c->arg) < 0 ||
		    (c->flags & CONN_CLOSING))
			return;
		if (c->flags & CONN_TLS_NEW) {
			c->flags &= ~CONN_TLS_NEW;
			conn__tls_in(c, p, len);
			return;
		}
	}
}

static void
conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client_conn	*c = s->data;
	size_t			 len;

	/* buf->base is c->rbuf or the owner's memory: nothing to free here. */
	if (nread < 0 && (c->flags & CONN_FINISHING)) {
		/* The peer's end after ours: now the connection is over. */
		c->flags |= CONN_RD_EOF;
		uv_read_stop(s);
		if ((c->flags & CONN_WR_DONE) && !uv_is_closing((uv_handle_t *)&c->tcp))
			uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
		return;
	}
	if (nread == 0 || (c->flags & CONN_CLOSING))
		return;
	if (nread < 0) {
		conn__lost(c, (int)nread);
		return;
	}
	len = (size_t)nread;
	c->flags |= CONN_INREAD;
	if (c->direct != NULL && buf->base == (char *)c->direct) {
		/* Read straight into the owner's memory: only account for it. */
		c->direct = NULL;
		(void)conn__raw_got(c, len);
	} else if (c->tls != NULL)
		conn__tls_in(c, (const uint8_t *)buf->base, len);
	else
		conn__plain(c, (const uint8_t *)buf->base, len);
	c->flags &= ~CONN_INREAD;
}

static void
conn_connect_cb(uv_connect_t *req, int status)
{
	struct client_conn	*c = req->handle->data;
	int		 r;

	if (status == UV_ECANCELED || (c->flags & CONN_CLOSING))
		return;
	if (status < 0 && c->ai_next != NULL && c->ai_next->ai_next != NULL) {
		/* A refused address; the handle must be new for the next one. */
		c->ai_next = c->ai_next->ai_next;
		c->flags |= CONN_RETRY;
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
		return;
	}
	if (status < 0) {
		if (c->ops->on_connect != NULL)
			c->ops->on_connect(c, status, c->arg);
		client_conn_close(c);
		return;
	}
	uv_freeaddrinfo(c->ai);
	c->ai = c->ai_next = NULL;
	c->flags |= CONN_CONNECTED;
	uv_tcp_nodelay(&c->tcp, 1);
	if (c->ops->on_connect != NULL)
		c->ops->on_connect(c, 0, c->arg);
	if (c->flags & CONN_CLOSING)
		return;
	if (!(c->flags & CONN_PAUSED)) {
		r = uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb,
		    conn_read_cb);
		if (r != 0)
			conn__lost(c, r);
	}
}

static void
conn_linger_close_cb(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void
conn_close_cb(uv_handle_t *h)
{
	struct client_conn	*c = h->data;

	if (c->flags & CONN_RETRY) {
		c->flags &= ~CONN_RETRY;
		if (c->flags & CONN_CLOSING) {
			conn_unref(c);
			return;
		}
		if (uv_tcp_init(c->loop, &c->tcp) != 0) {
			c->flags |= CONN_CLOSING;
			if (c->ops->on_connect != NULL)
				c->ops->on_connect(c, UV_ENOMEM, c->arg);
			conn_unref(c);
			return;
		}
		c->tcp.data = c;
		conn_try(c);
		return;
	}
	if ((c->flags & CONN_LINGER) && !uv_is_closing((uv_handle_t *)&c->linger))
		uv_close((uv_handle_t *)&c->linger, conn_linger_close_cb);
	conn_unref(c);
}

static void
conn_write_cb(uv_write_t *req, int status)
{
	struct client_conn_wreq	*w = (struct client_conn_wreq *)req;
	struct client_conn		*c = req->handle->data;

	if (w->release != NULL)
		w->release(w->buf, w->rarg);
	else
		free(w->buf);
	free(w);
	if (c->flags & CONN_CLOSING)
		return;
	if (status < 0) {
		conn__lost(c, status);
		return;
	}
	if (c->ops->on_written != NULL)
		c->ops->on_written(c, c->arg);
}

/* Queues bufs on the socket as they are; own goes with the request. */
int
conn__write_raw(struct client_conn *c, uv_buf_t *bufs, unsigned nbufs, uint8_t *own,
    client_conn_release_cb release, void *rarg)
{
	struct client_conn_wreq	*w;
	int			 r;

	if ((c->flags & CONN_CLOSING) || !(c->flags & CONN_CONNECTED))
		r = (c->flags & CONN_CLOSING) ? UV_ECANCELED : UV_ENOTCONN;
	else if ((w = malloc(sizeof *w)) == NULL)
		r = UV_ENOMEM;
	else {
		w->buf = own;
		w->release = release;
		w->rarg = rarg;
		r = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, nbufs,
		    conn_write_cb);
		if (r == 0)
			return 0;
		free(w);
	}
	if (release != NULL)
		release(own, rarg);
	else
		free(own);
	return r;
}

/* Frames out: in clear, or through the TLS session (conn_tls.c). */
static int
conn_write(struct client_conn *c, uv_buf_t *bufs, unsigned nbufs, uint8_t *own,
    client_conn_release_cb release, void *rarg)
{
	if (c->tls == NULL && !(c->flags & CONN_CLEAR_ERR))
		return conn__write_raw(c, bufs, nbufs, own, release, rarg);
	return conn__tls_write(c, bufs, nbufs, own, release, rarg);
}

int
client_conn_send(struct client_conn *c, uint8_t *buf, size_t len)
{
	uv_buf_t	b = uv_buf_init((char *)buf, (unsigned int)len);

	return conn_write(c, &b, 1, buf, NULL, NULL);
}

int
client_conn_send_msg(struct client_conn *c, const struct proto_msg *m)
{
	uint8_t	*buf;
	size_t	 len;
	int	 r;

	if ((r = proto_msg_frame(m, &buf, &len)) != 0)
		return r;
	return client_conn_send(c, buf, len);
}

int
client_conn_send_data(struct client_conn *c, uint8_t *hdr, uint8_t *buf, size_t len,
    client_conn_release_cb release, void *rarg)
{
	uv_buf_t	b[2];

	proto_header_encode(hdr, PROTO_KIND_DATA, (uint32_t)len);
	b[0] = uv_buf_init((char *)hdr, PROTO_HEADER_LEN);
	b[1] = uv_buf_init((char *)buf, (unsigned int)len);
	return conn_write(c, b, 2, buf, release, rarg);
}

size_t
client_conn_queued(const struct client_conn *c)
{
	return c->tcp.write_queue_size;
}

void
client_conn_pause(struct client_conn *c)
{
	if (c->flags & CONN_PAUSED)
		return;
	c->flags |= CONN_PAUSED;
	if ((c->flags & CONN_CONNECTED) && !(c->flags & CONN_CLOSING))
		uv_read_stop((uv_stream_t *)&c->tcp);
}

void
client_conn_resume(struct client_conn *c)
{
	int	r;

	if (!(c->flags & CONN_PAUSED))
		return;
	c->flags &= ~CONN_PAUSED;
	if (!(c->flags & CONN_CONNECTED) || (c->flags & CONN_CLOSING))
		return;
	r = uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb);
	if (r != 0)
		conn__lost(c, r);
}

void
client_conn_close(struct client_conn *c)
{
	if (c->flags & CONN_CLOSING)
		return;
	c->flags |= CONN_CLOSING;
	if (c->flags & CONN_RESOLVING)
		uv_cancel((uv_req_t *)&c->gai);
	if (c->flags & CONN_RETRY)
		return;		/* the handle is already closing */
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

/*
 * Our end is written. Close once the peer's end arrives too (so whatever
 * it still had to say, a receipt, reached it before we vanish), or at
 * once if it already did or the shutdown failed; the linger timer bounds
 * the wait.
 */
static void
conn_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct client_conn	*c = req->handle->data;

	c->flags |= CONN_WR_DONE;
	if ((status == 0 && !(c->flags & CONN_RD_EOF)) ||
	    uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void
conn_linger_cb(uv_timer_t *t)
{
	struct client_conn	*c = t->data;

	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

void
client_conn_finish(struct client_conn *c)
{
	if (c->flags & CONN_CLOSING)
		return;
	if (!(c->flags & CONN_CONNECTED)) {
		client_conn_close(c);
		return;
	}
	if (c->tls != NULL && (c->flags & CONN_TLS_UP) && c->tls_err[0] == '\0') {
		proto_tls_close(c->tls);
		(void)conn__tls_flush(c);
	}
	c->flags |= CONN_CLOSING | CONN_FINISHING;
	/* Read on (discarding) to see the peer's end; see conn_shutdown_cb. */
	if ((c->flags & CONN_PAUSED) && uv_read_start((uv_stream_t *)&c->tcp,
	    conn_alloc_cb, conn_read_cb) != 0)
		c->flags |= CONN_RD_EOF;
	if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp,
	    conn_shutdown_cb) != 0) {
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
		return;
	}
	/* A peer that stopped reading must not keep us from closing. */
	if (uv_timer_init(c->loop, &c->linger) == 0) {
		c->linger.data = c;
		c->flags |= CONN_LINGER;
		c->refs++;
		uv_timer_start(&c->linger, conn_linger_cb, CONN_LINGER_MS, 0);
	}
}

int
client_conn_closing(const struct client_conn *c)
{
	return (c->flags & CONN_CLOSING) != 0;
}
