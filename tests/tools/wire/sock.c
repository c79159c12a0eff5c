/*
 * sock.c: wire's connections to the relay: opening and closing them,
 * waiting on a socket with a deadline, reading frames, writing bytes.
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

#include "frame.h"
#include "proto.h"
#include "wire.h"

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
	proto_decoder_free(&c->dec);
	free(c->ibuf);
	for (i = 0; i < c->naside; i++)
		free(c->aside[i].payload);
	free(c->aside);
	free(c);
}

int
wire__conn_open(struct wire *w, const char *name)
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
	return 0;
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

int
wire__write_all(struct wire *w, struct wconn *c, const uint8_t *p, size_t n)
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
