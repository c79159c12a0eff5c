/*
 * stream.c: wire's byte commands: raw bytes, and the pseudo-random byte
 * streams written, read and checked, pumped through a bridge, or filled
 * until backpressure stops them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "text.h"
#include "wire.h"

/* --- the pseudo-random stream: byte i of stream s is a function of (s, i) --- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t n)
{
	uint64_t	v;
	unsigned	i;

	while (n > 0) {
		v = mix64(seed * 0x9e3779b97f4a7c15ULL + off / 8);
		i = (unsigned)(off % 8);
		if (i == 0 && n >= 8) {
			memcpy(buf, &v, 8);
			buf += 8;
			off += 8;
			n -= 8;
			continue;
		}
		for (; i < 8 && n > 0; i++, n--, off++)
			*buf++ = (uint8_t)(v >> (i * 8));
	}
}

/* Checks n bytes read at stream offset off; scratch holds at least n bytes. */
static int
stream_check(struct wire *w, const char *name, uint64_t seed, uint64_t off,
    const uint8_t *got, size_t n, uint8_t *scratch)
{
	size_t	i;

	stream_fill(seed, off, scratch, n);
	if (memcmp(got, scratch, n) == 0)
		return 0;
	for (i = 0; i < n && got[i] == scratch[i]; i++)
		;
	return wire__fail(w, "%s: byte %" PRIu64 " is 0x%02x, expected 0x%02x",
	    name, off + i, got[i], scratch[i]);
}

/* --- byte streams --- */

int
wire__cmd_write(struct wire *w, struct wconn *c, uint64_t n, uint64_t seed)
{
	uint8_t		*buf;
	uint64_t	 off = 0;
	size_t		 k;
	int		 r = 0;

	if ((buf = malloc(WIRE_IBUF)) == NULL)
		return wire__fail(w, "out of memory");
	while (off < n && r == 0) {
		k = n - off < WIRE_IBUF ? (size_t)(n - off) : WIRE_IBUF;
		stream_fill(seed, off, buf, k);
		r = wire__write_all(w, c, buf, k);
		off += k;
	}
	free(buf);
	return r;
}

/*
 * Reads n bytes on c: with check, they must be stream seed; without, they
 * are dropped whatever they are (drain: the bytes a real client framed).
 */
int
wire__cmd_read(struct wire *w, struct wconn *c, uint64_t n, uint64_t seed,
    int check)
{
	uint8_t		*scratch = NULL;
	uint64_t	 off = 0;
	size_t		 k;
	int		 r = 0;

	if (check && (scratch = malloc(WIRE_IBUF)) == NULL)
		return wire__fail(w, "out of memory");
	while (off < n && r == 0) {
		if (c->ipos == c->ilen) {
			r = wire__conn_fill(w, c, wire__now_ms() + w->timeout);
			if (r == 0 || r == -1)
				r = wire__fail(w, "%s: %s after %" PRIu64
				    " of %" PRIu64 " bytes", c->name, r == 0 ?
				    "closed" : "timed out", off, n);
			else
				r = r < 0 ? -1 : 0;
			continue;
		}
		k = c->ilen - c->ipos;
		if (k > n - off)
			k = (size_t)(n - off);
		if (check)
			r = stream_check(w, c->name, seed, off, c->ibuf +
			    c->ipos, k, scratch);
		c->ipos += k;
		off += k;
	}
	free(scratch);
	return r;
}

/* Writes on a and reads on b at once, so neither side's buffers fill up. */
int
wire__cmd_pump(struct wire *w, struct wconn *a, struct wconn *b, uint64_t n,
    uint64_t seed)
{
	struct pollfd	 pfd[2];
	uint8_t		*wbuf, *scratch;
	uint64_t	 woff = 0, roff = 0;
	size_t		 wpos = 0, wlen = 0, k;
	int64_t		 t0 = wire__now_ms(), deadline = t0 + w->timeout, dt;
	ssize_t		 r;
	int		 rc = 0;

	if (a->fd < 0 || b->fd < 0)
		return wire__fail(w, "pump: a connection is closed");
	wbuf = malloc(WIRE_IBUF);
	scratch = malloc(WIRE_IBUF);
	if (wbuf == NULL || scratch == NULL) {
		free(wbuf);
		free(scratch);
		return wire__fail(w, "out of memory");
	}
	/* Bytes b had already read (after its attached frame) come first. */
	while (roff < n && rc == 0) {
		if (b->ipos < b->ilen) {
			k = b->ilen - b->ipos;
			if (k > n - roff)
				k = (size_t)(n - roff);
			rc = stream_check(w, b->name, seed, roff, b->ibuf +
			    b->ipos, k, scratch);
			b->ipos += k;
			roff += k;
			deadline = wire__now_ms() + w->timeout;
			continue;
		}
		if (wire__now_ms() > deadline) {
			rc = wire__fail(w, "pump: stalled after %" PRIu64
			    " of %" PRIu64 " bytes written, %" PRIu64 " read",
			    woff, n, roff);
			break;
		}
		pfd[0].fd = a->fd;
		pfd[0].events = woff < n ? POLLOUT : 0;
		pfd[1].fd = b->fd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, 100) < 0 && errno != EINTR) {
			rc = wire__fail(w, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents != 0 && woff < n) {
			if (wpos == wlen) {
				wlen = n - woff < WIRE_IBUF ? (size_t)(n - woff) :
				    WIRE_IBUF;
				stream_fill(seed, woff, wbuf, wlen);
				wpos = 0;
			}
			r = send(a->fd, wbuf + wpos, wlen - wpos, MSG_NOSIGNAL);
			if (r > 0) {
				wpos += (size_t)r;
				woff += (uint64_t)r;
				deadline = wire__now_ms() + w->timeout;
			} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
				rc = wire__fail(w, "pump: write %s: %s",
				    a->name, strerror(errno));
				break;
			}
		}
		if (pfd[1].revents != 0) {
			if ((r = wire__conn_fill(w, b, wire__now_ms())) == 0)
				rc = wire__fail(w, "pump: %s closed after %"
				    PRIu64 " of %" PRIu64 " bytes", b->name,
				    roff, n);
			else if (r == -2)
				rc = -1;
		}
	}
	dt = wire__now_ms() - t0;
	if (rc == 0 && n >= 1048576)
		printf("# pump %s->%s: %" PRIu64 " bytes in %.3f s, %.1f MiB/s\n",
		    a->name, b->name, n, (double)dt / 1000.0, dt > 0 ?
		    (double)n / 1048576.0 / ((double)dt / 1000.0) : 0.0);
	fflush(stdout);
	free(wbuf);
	free(scratch);
	return rc;
}

/* Writes until the other end stops taking bytes for ms: how much fits in flight. */
int
wire__cmd_fill(struct wire *w, struct wconn *c, uint64_t n, int ms,
    uint64_t seed)
{
	uint8_t		*buf;
	uint64_t	 off = 0;
	size_t		 k, pos = 0, len = 0;
	ssize_t		 r;
	char		 var[WIRE_NAME_MAX + 16], val[32];
	int		 rc = 0;

	if (c->fd < 0)
		return wire__fail(w, "%s is closed", c->name);
	if ((buf = malloc(WIRE_IBUF)) == NULL)
		return wire__fail(w, "out of memory");
	while (off < n) {
		if (pos == len) {
			k = n - off < WIRE_IBUF ? (size_t)(n - off) : WIRE_IBUF;
			stream_fill(seed, off, buf, k);
			pos = 0;
			len = k;
		}
		r = send(c->fd, buf + pos, len - pos, MSG_NOSIGNAL);
		if (r > 0) {
			pos += (size_t)r;
			off += (uint64_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (!wire__wait_fd(c->fd, POLLOUT, wire__now_ms() + ms))
				break;
			continue;
		}
		rc = wire__fail(w, "fill %s: %s", c->name, strerror(errno));
		break;
	}
	free(buf);
	if (rc != 0)
		return rc;
	printf("# fill %s: %" PRIu64 " bytes taken before it stalled\n",
	    c->name, off);
	snprintf(var, sizeof var, "%s.written", c->name);
	snprintf(val, sizeof val, "%" PRIu64, off);
	return wire__var_set(w, var, val);
}

int
wire__cmd_raw(struct wire *w, struct wconn *c, const char *hex)
{
	uint8_t	*buf;
	size_t	 n = strlen(hex);
	int	 r;

	if (n % 2 != 0)
		return wire__fail(w, "raw: odd number of hex digits");
	if ((buf = malloc(n / 2 + 1)) == NULL)
		return wire__fail(w, "out of memory");
	if (proto_hex_decode(hex, buf, n / 2) != 0) {
		free(buf);
		return wire__fail(w, "raw: not hex: %s", hex);
	}
	r = wire__write_all(w, c, buf, n / 2);
	free(buf);
	return r;
}

