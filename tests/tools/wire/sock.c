/*
 * sock.c: wire's connections to the relay: opening and closing them (a
 * control connection with its TLS 1.3 handshake, under an identity of its
 * own), waiting on a socket with a deadline, reading frames, writing bytes
 * (encrypted on a control connection, whatever they are).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "frame.h"
#include "keyfile.h"
#include "proto.h"
#include "tls.h"
#include "wire.h"

#define WIRE_TLS_IN	16384		/* ciphertext read at a time */

int64_t
wire__now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* --- connections --- */

struct wconn *
wire__conn_find(struct wire *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++) {
		if (strcmp(w->conns[i]->name, name) == 0)
			return w->conns[i];
	}
	return NULL;
}

void
wire__conn_free(struct wconn *c)
{
	size_t	i;

	if (c->fd >= 0)
		close(c->fd);
	proto_tls_free(c->tls);
	proto_tls_ctx_free(c->ctx);
	proto_decoder_free(&c->dec);
	free(c->ibuf);
	for (i = 0; i < c->naside; i++)
		free(c->aside[i].payload);
	free(c->aside);
	free(c);
}

static int	sock_write_all(struct wire *, struct wconn *, const uint8_t *,
		    size_t);

/* Sends what TLS has for the relay. */
static int
tls_flush(struct wire *w, struct wconn *c)
{
	uint8_t	buf[WIRE_TLS_IN];
	size_t	n;

	while ((n = proto_tls_take(c->tls, buf, sizeof buf)) > 0) {
		if (sock_write_all(w, c, buf, n) != 0)
			return -1;
	}
	return 0;
}

/* Reads ciphertext into c's session: 1 got some, 0 closed, -1 timeout, -2 error. */
static int
tls_pull(struct wire *w, struct wconn *c, int64_t deadline)
{
	uint8_t	buf[WIRE_TLS_IN];
	ssize_t	n;

	for (;;) {
		n = read(c->fd, buf, sizeof buf);
		if (n > 0) {
			if (proto_tls_feed(c->tls, buf, (size_t)n) != 0) {
				wire__fail(w, "%s: %s", c->name,
				    proto_tls_error(c->tls));
				return -2;
			}
			return 1;
		}
		if (n == 0 || errno == ECONNRESET)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			wire__fail(w, "read %s: %s", c->name, strerror(errno));
			return -2;
		}
		if (!wire__wait_fd(c->fd, POLLIN, deadline))
			return -1;
	}
}

/* A name for a value of c: "${C.key}" and the like. */
static int
conn_var(struct wire *w, struct wconn *c, const char *what, const char *value)
{
	char	var[WIRE_NAME_MAX + 32];

	snprintf(var, sizeof var, "%s.%s", c->name, what);
	return wire__var_set(w, var, value);
}

/*
 * The TLS handshake of a control connection, as the identity in keyfile
 * (an ephemeral Ed25519 key when NULL). Sets ${C.key} (the key we
 * present, 64 hex digits) and ${C.relay_fpr} (the relay's short
 * fingerprint, as ferryd logs it).
 */
static int
conn_handshake(struct wire *w, struct wconn *c, const char *keyfile)
{
	static const char	 hex[] = "0123456789abcdef";
	struct proto_key_names	 n;
	EVP_PKEY		*key = NULL;
	uint8_t			 raw[PROTO_KEY_RAW_LEN];
	size_t			 rawlen = sizeof raw, i;
	char			 err[512], khex[2 * PROTO_KEY_RAW_LEN + 1];
	int64_t			 deadline = wire__now_ms() + w->timeout;
	bool			 created;
	int			 r;

	if (keyfile != NULL) {
		if (proto_keyfile_load(keyfile, false, &key, &created, err,
		    sizeof err) != 0)
			return wire__fail(w, "%s: %s", c->name, err);
	} else if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return wire__fail(w, "%s: no Ed25519 key", c->name);
	r = EVP_PKEY_get_raw_public_key(key, raw, &rawlen) == 1 &&
	    proto_tls_ctx_new(false, key, &c->ctx, err, sizeof err) == 0 &&
	    proto_tls_new(c->ctx, &c->tls) == 0 ? 0 : -1;
	EVP_PKEY_free(key);
	if (r != 0)
		return wire__fail(w, "%s: cannot set up TLS", c->name);
	for (i = 0; i < rawlen; i++) {
		khex[2 * i] = hex[raw[i] >> 4];
		khex[2 * i + 1] = hex[raw[i] & 0xf];
	}
	khex[2 * rawlen] = '\0';
	for (;;) {
		r = proto_tls_handshake(c->tls);
		if (tls_flush(w, c) != 0)
			return -1;
		if (r == 0)
			break;
		if (r < 0)
			return wire__fail(w, "%s: TLS handshake failed: %s",
			    c->name, proto_tls_error(c->tls));
		if ((r = tls_pull(w, c, deadline)) == 0)
			return wire__fail(w, "%s: closed by the relay during "
			    "the TLS handshake", c->name);
		if (r == -1)
			return wire__fail(w, "%s: TLS handshake timed out",
			    c->name);
		if (r < 0)
			return -1;
	}
	if (proto_tls_peer_names(c->tls, &n) != 0)
		return wire__fail(w, "%s: the relay showed no key", c->name);
	if (conn_var(w, c, "key", khex) != 0 ||
	    conn_var(w, c, "relay_fpr", n.short_fpr) != 0)
		return -1;
	return 0;
}

int
wire__conn_open(struct wire *w, const char *name, int tls,
    const char *keyfile)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct wconn	*c, **nc;
	int		 fd = -1, one = 1, e;

	if (strlen(name) >= WIRE_NAME_MAX)
		return wire__fail(w, "connection name too long");
	if (wire__conn_find(w, name) != NULL)
		return wire__fail(w, "connection %s is already open", name);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(w->relay.host, w->port, &hints, &res)) != 0)
		return wire__fail(w, "%s: %s", w->relay.host, gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return wire__fail(w, "connect %s: %s", name, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->ibuf = malloc(WIRE_IBUF)) == NULL ||
	    (nc = realloc(w->conns, (w->nconns + 1) * sizeof *nc)) == NULL) {
		if (c != NULL)
			free(c->ibuf);
		free(c);
		close(fd);
		return wire__fail(w, "out of memory");
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	c->fd = fd;
	proto_decoder_init(&c->dec);
	w->conns = nc;
	w->conns[w->nconns++] = c;
	return tls ? conn_handshake(w, c, keyfile) : 0;
}

/* Waits for fd to be ready for events until deadline; 1 ready, 0 timeout. */
int
wire__wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		r;

	for (;;) {
		left = deadline - wire__now_ms();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return 1;	/* let the read/write report it */
	}
}

/* Decrypts more into c->ibuf: as wire__conn_fill. */
static int
tls_fill(struct wire *w, struct wconn *c, int64_t deadline)
{
	size_t	got;
	int	r;

	for (;;) {
		r = proto_tls_read(c->tls, c->ibuf + c->ilen, WIRE_IBUF - c->ilen,
		    &got);
		if (r == 0) {
			c->ilen += got;
			return 1;
		}
		if (r == PROTO_TLS_CLOSED) {
			c->eof = 2;
			return 0;
		}
		if (r < 0) {
			wire__fail(w, "%s: TLS from the relay: %s", c->name,
			    proto_tls_error(c->tls));
			return -2;
		}
		if (tls_flush(w, c) != 0)
			return -2;
		if ((r = tls_pull(w, c, deadline)) == 0)
			c->eof = 1;
		if (r <= 0)
			return r;
	}
}

/* Reads more into c->ibuf. 1 got bytes, 0 closed, -1 timed out, -2 error. */
int
wire__conn_fill(struct wire *w, struct wconn *c, int64_t deadline)
{
	ssize_t	n;

	if (c->eof || c->fd < 0)
		return 0;
	if (c->ipos > 0) {
		memmove(c->ibuf, c->ibuf + c->ipos, c->ilen - c->ipos);
		c->ilen -= c->ipos;
		c->ipos = 0;
	}
	if (c->ilen == WIRE_IBUF)
		return 1;
	if (c->tls != NULL)
		return tls_fill(w, c, deadline);
	for (;;) {
		n = read(c->fd, c->ibuf + c->ilen, WIRE_IBUF - c->ilen);
		if (n > 0) {
			c->ilen += (size_t)n;
			return 1;
		}
		if (n == 0 || errno == ECONNRESET) {
			c->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			wire__fail(w, "read %s: %s", c->name, strerror(errno));
			return -2;
		}
		if (!wire__wait_fd(c->fd, POLLIN, deadline))
			return -1;
	}
}

/*
 * The next frame on c: 1 with *f (payload valid until the next fill),
 * 0 when c was closed, -1 on timeout, -2 on an error (in w->why).
 */
int
wire__conn_frame(struct wire *w, struct wconn *c, struct proto_frame *f,
    int64_t deadline)
{
	size_t	used;
	int	r;

	for (;;) {
		if (c->ipos < c->ilen) {
			r = proto_decoder_feed(&c->dec, c->ibuf + c->ipos,
			    c->ilen - c->ipos, &used, f);
			c->ipos += used;
			if (r < 0) {
				wire__fail(w, "bad frame from the relay on %s: "
				    "%s", c->name, proto_strerror(r));
				return -2;
			}
			if (r == 1)
				return 1;
		}
		if ((r = wire__conn_fill(w, c, deadline)) <= 0)
			return r;
	}
}

/* Bytes for c's socket as they are. */
static int
sock_write_all(struct wire *w, struct wconn *c, const uint8_t *p, size_t n)
{
	int64_t	deadline = wire__now_ms() + w->timeout;
	ssize_t	r;

	if (c->fd < 0)
		return wire__fail(w, "%s is closed", c->name);
	while (n > 0) {
		r = send(c->fd, p, n, MSG_NOSIGNAL);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			deadline = wire__now_ms() + w->timeout;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (!wire__wait_fd(c->fd, POLLOUT, deadline))
				return wire__fail(w, "write %s: timed out",
				    c->name);
			continue;
		}
		return wire__fail(w, "write %s: %s", c->name, strerror(errno));
	}
	return 0;
}

int
wire__send_json(struct wire *w, struct wconn *c, const char *json)
{
	uint8_t	hdr[PROTO_HEADER_LEN];
	size_t	n = strlen(json);

	proto_header_encode(hdr, PROTO_KIND_CONTROL, (uint32_t)n);
	if (wire__write_all(w, c, hdr, sizeof hdr) != 0)
		return -1;
	return wire__write_all(w, c, (const uint8_t *)json, n);
}

int
wire__write_all(struct wire *w, struct wconn *c, const uint8_t *p, size_t n)
{
	if (c->tls == NULL)
		return sock_write_all(w, c, p, n);
	if (c->fd < 0)
		return wire__fail(w, "%s is closed", c->name);
	if (proto_tls_write(c->tls, p, n) != 0)
		return wire__fail(w, "%s: %s", c->name, proto_tls_error(c->tls));
	return c->corked ? 0 : tls_flush(w, c);
}

/* Sends what cork held back, in as few writes as the socket takes. */
int
wire__conn_uncork(struct wire *w, struct wconn *c)
{
	c->corked = 0;
	return tls_flush(w, c);
}
