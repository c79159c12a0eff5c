/*
 * conn_tls.c: TLS over a client connection (conn.h): proto/tls.h over
 * memory buffers. What the socket brings is fed to the session, the
 * plaintext goes through the same frame logic as in clear (a data frame's
 * payload is decrypted straight into its owner's memory), and what the
 * session has for the peer is written out as it comes.
 */
#include "conn_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

/* Whether f is an error message: all a relay may say in clear (busy). */
bool
conn__clear_error(const struct proto_frame *f)
{
	struct proto_msg	m;
	char			err[64];
	bool			ok;

	if (f->kind != PROTO_KIND_CONTROL ||
	    proto_msg_decode(f->payload, f->len, &m, err, sizeof err) != 0)
		return false;
	ok = m.type == PROTO_MSG_ERROR;
	proto_msg_free(&m);
	return ok;
}

/* Writes what the TLS session has for the peer. 0 or a libuv error. */
int
conn__tls_flush(struct client_conn *c)
{
	uv_buf_t	 b;
	uint8_t		*out;
	size_t		 n;

	if ((n = proto_tls_pending(c->tls)) == 0)
		return 0;
	/* Owned by the write request from here: freed in conn_write_cb. */
	if ((out = malloc(n)) == NULL)
		return UV_ENOMEM;
	n = proto_tls_take(c->tls, out, n);
	b = uv_buf_init((char *)out, (unsigned int)n);
	return conn__write_raw(c, &b, 1, out, NULL, NULL);
}

/*
 * Frames out through the session: encrypted (the session copies them, so
 * the caller's buffer is released at once) and written as records. After
 * a refusal in clear nothing goes out at all.
 */
int
conn__tls_write(struct client_conn *c, uv_buf_t *bufs, unsigned nbufs,
    uint8_t *own, client_conn_release_cb release, void *rarg)
{
	unsigned	i;
	int		r = 0;

	if (c->flags & CONN_CLEAR_ERR)
		r = UV_EPROTO;
	else if (c->flags & CONN_CLOSING)
		r = UV_ECANCELED;
	else if (!(c->flags & CONN_TLS_UP))
		r = UV_EAGAIN;
	for (i = 0; r == 0 && i < nbufs; i++)
		if (proto_tls_write(c->tls, bufs[i].base, bufs[i].len) != 0) {
			snprintf(c->tls_err, sizeof c->tls_err, "%s",
			    proto_tls_error(c->tls));
			r = UV_ENOMEM;
		}
	if (release != NULL)
		release(own, rarg);
	else
		free(own);
	return r != 0 ? r : conn__tls_flush(c);
}

/* The session broke: say so once and close. */
static void
conn_tls_fail(struct client_conn *c, const char *why)
{
	if (c->tls_err[0] == '\0')
		snprintf(c->tls_err, sizeof c->tls_err, "%s", why);
	if (c->flags & CONN_TLS_UP) {
		conn__lost(c, CONN_E_TLS);
		return;
	}
	c->flags |= CONN_TLS_UP;	/* on_tls runs once */
	if (c->ops->on_tls != NULL)
		c->ops->on_tls(c, CONN_E_TLS, c->arg);
	client_conn_close(c);
}

/*
 * Bytes of the TLS stream: the handshake first, then records whose
 * plaintext goes where plain bytes would. A data frame's payload is
 * decrypted straight into the owner's memory. Everything the session can
 * give is taken now, even when the owner paused (as in clear: pausing
 * stops reading the socket, not what was read).
 */
void
conn__tls_in(struct client_conn *c, const uint8_t *p, size_t len)
{
	uint8_t	*dst;
	size_t	 room, got;
	int	 r;

	/*
	 * A relay too busy for us says so in clear, before any TLS (PROTOCOL.md
	 * 1.1): a frame's first byte is 0 where a TLS record's is 0x16. What
	 * it says can only be that error, and the connection ends after it.
	 */
	if ((c->flags & CONN_CLEAR_OK) && !(c->flags & (CONN_TLS_UP |
	    CONN_TLS_RX)) && len > 0 && p[0] == 0x00) {
		c->flags |= CONN_CLEAR_ERR;
		proto_tls_free(c->tls);
		c->tls = NULL;
		conn__plain(c, p, len);
		return;
	}
	c->flags |= CONN_TLS_RX;
	if (proto_tls_feed(c->tls, p, len) != 0) {
		conn_tls_fail(c, proto_tls_error(c->tls));
		return;
	}
	if (!(c->flags & CONN_TLS_UP)) {
		r = proto_tls_handshake(c->tls);
		if (conn__tls_flush(c) != 0 && r >= 0) {
			conn__lost(c, UV_ENOMEM);
			return;
		}
		if (r == PROTO_TLS_WANT)
			return;
		if (r < 0) {
			conn_tls_fail(c, proto_tls_error(c->tls));
			return;
		}
		c->flags |= CONN_TLS_UP;
		if (c->ops->on_tls != NULL)
			c->ops->on_tls(c, 0, c->arg);
	}
	while (!(c->flags & CONN_CLOSING)) {
		if (c->raw_left > 0) {
			if ((dst = c->ops->data_room(c, c->raw_len, c->raw_left,
			    0, &room, c->arg)) == NULL || room == 0 ||
			    (c->flags & CONN_CLOSING))
				return;
			if (room > c->raw_left)
				room = c->raw_left;
			if ((r = proto_tls_read(c->tls, dst, room, &got)) == 0) {
				if (conn__raw_got(c, got) != 0)
					return;
				continue;
			}
		} else {
			if (c->pbuf == NULL && (c->pbuf = malloc(CONN_READ_BUF)) == NULL) {
				conn__lost(c, UV_ENOMEM);
				return;
			}
			if ((r = proto_tls_read(c->tls, c->pbuf, CONN_READ_BUF,
			    &got)) == 0) {
				conn__plain(c, c->pbuf, got);
				continue;
			}
		}
		if (r == PROTO_TLS_CLOSED)
			conn__lost(c, UV_EOF);
		else if (r < 0)
			conn_tls_fail(c, proto_tls_error(c->tls));
		else if (conn__tls_flush(c) != 0)
			conn__lost(c, UV_ENOMEM);
		return;
	}
}

int
client_conn_start_tls(struct client_conn *c, struct proto_tls_ctx *ctx,
    const char *dns_name, bool clear_busy)
{
	struct proto_tls	*t;
	int			 r;

	if (c->tls != NULL)
		return UV_EALREADY;
	if ((c->flags & CONN_CLOSING) || !(c->flags & CONN_CONNECTED))
		return UV_ENOTCONN;
	if (proto_tls_new(ctx, &t) != 0)
		return UV_ENOMEM;
	if (dns_name != NULL && proto_tls_set_host(t, dns_name) != 0) {
		proto_tls_free(t);
		return UV_EINVAL;
	}
	c->tls = t;
	if (clear_busy)
		c->flags |= CONN_CLEAR_OK;
	if (c->flags & CONN_INREAD)
		c->flags |= CONN_TLS_NEW;
	/* A client's hello goes out now; a server's first call only waits. */
	r = proto_tls_handshake(t);
	if (r < 0) {
		snprintf(c->tls_err, sizeof c->tls_err, "%s", proto_tls_error(t));
		return UV_EPROTO;
	}
	return conn__tls_flush(c);
}

struct proto_tls *
client_conn_tls(struct client_conn *c)
{
	if (c->tls == NULL || !(c->flags & CONN_TLS_UP) || c->tls_err[0] != '\0')
		return NULL;
	return c->tls;
}

const char *
client_conn_tls_error(const struct client_conn *c)
{
	return c->tls_err;
}

