/*
 * wire.c: a scriptable ferry protocol client for end-to-end tests and
 * benchmarks. One process holds any number of named connections to a relay
 * and runs a script against them, so multi-party flows (offer, accept,
 * attach, bridge, checks) are deterministic and need no sleeps.
 *
 * usage: wire [-t MS] [-v] HOST:PORT [SCRIPT]
 *	Runs SCRIPT (default: stdin), one command per line; '#' starts a
 *	comment line. ${NAME} expands a variable set by `set` or a K>NAME
 *	capture, else from the environment. -t sets how long any wait may
 *	last without progress (default 10000 ms); -v echoes each command.
 *	Exits 0 when every command passed, 1 at the first failure (said on
 *	stderr with the line), 2 on a usage error or a script with no command.
 *
 * Commands (C names a connection; "P*" stands for every connection whose
 * name starts with P, in the order they were opened):
 *	connect C		open a TCP connection named C
 *	connect-many P N	open N connections P0 .. P<N-1>, say nothing
 *	attach C TOKEN		open C as a data connection: send attach TOKEN
 *	close C			close it
 *	shut C			shutdown(SHUT_WR): send EOF, keep reading
 *	send C JSON		one control frame; the payload is the rest of
 *				the line as it is (so it can be malformed)
 *	raw C HEX		raw bytes, e.g. "ffffffff01" (a 4 GiB header)
 *	hello C NAME		send hello {version 1, NAME} and expect welcome;
 *				sets ${C.id} and ${C.addr}
 *	ping C			send ping and expect pong: C is still served
 *	expect C TYPE [K=V | K~V | K>VAR]...
 *				the next control frame on C has this type;
 *				K=V: field K is V, K~V: field K contains V,
 *				K>VAR: store field K in VAR
 *	expect-close C		C is closed by the relay (EOF or reset) with
 *				no further frame
 *	quiet C MS		nothing arrives on C for MS milliseconds, and
 *				no presence event was set aside unread
 *	pair A[:NAME] B[:NAME] SIZE [offered|ready|attached]
 *				A offers B one file "f" of SIZE bytes, B
 *				accepts, data connections Ad and Bd attach,
 *				each step checked; the stage says where to stop
 *				(default attached). A or B not yet open is
 *				opened with hello NAME (default its own name).
 *				Sets ${A.transfer} ${B.transfer} ${A.token}
 *				${B.token}
 *	write C N [SEED]	write N bytes of pseudo-random stream SEED
 *	read C N [SEED]		read N bytes; they must be that stream
 *	drain C N		read N bytes, whatever they are (a slow
 *				reader: drain, sleep, drain ...)
 *	pump A B N [SEED]	write N bytes on A while reading and checking
 *				them on B; prints "# pump: ... MiB/s"
 *	fill C N MS [SEED]	write up to N bytes of the stream on C until
 *				it takes nothing for MS ms (backpressure);
 *				sets ${C.written}
 *	mem PID FIELD MAXKB	FIELD of /proc/PID/status (VmRSS, VmHWM) is
 *				at most MAXKB kB; prints it
 *	autopong on|off		while expecting something else, answer a
 *				relay ping with pong (on, default) or skip it
 *	ignore C TYPE...	while expecting another type on C, drop these
 *				(e.g. peer_list error); "ignore C" clears
 *	sleep MS | set VAR VALUE | echo TEXT
 *	kill PID SIG		send a signal (TERM, INT, KILL or a number)
 *
 * Pushed presence events (peer_joined, peer_left) come when the relay's
 * batching sends them, so no check may depend on where they fall between
 * other messages: expect, expect-close and hello set them aside, and an
 * expect of peer_joined or peer_left takes the oldest one, set aside or
 * still to come, whose checks hold. quiet counts them, unless ignored.
 *
 * Fields for expect: type code message reason token role name addr id ref
 * transfer version more ok index size sha256, peer (the peer's name),
 * peer.id, peer.addr, peers (names joined by ","), npeers, ids (joined by
 * ","), nids, files (names joined by ","), nfiles. Absent numbers are 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "msg.h"
#include "proto.h"

#define WIRE_IBUF	(256 * 1024)	/* read size */
#define WIRE_NAME_MAX	64
#define WIRE_ASIDE_MAX	1024		/* presence events set aside, per connection */

/* A presence event set aside until the script expects one. */
struct waside {
	enum proto_msg_type	 type;
	uint8_t			*payload;	/* owned: the frame's JSON */
	size_t			 len;
};

struct wconn {
	char			 name[WIRE_NAME_MAX];
	int			 fd;		/* -1 once closed */
	int			 eof;		/* the relay closed it */
	uint32_t		 ignore;	/* bit per enum proto_msg_type: skip it */
	char			 hello[WIRE_NAME_MAX + 1];	/* its hello's name */
	struct waside		*aside;		/* owned, with each payload; oldest first */
	size_t			 naside;
	uint8_t			*ibuf;		/* owned: bytes read, not consumed */
	size_t			 ipos, ilen;
	struct proto_decoder	 dec;
};

struct wvar {
	char	*name;		/* owned */
	char	*value;		/* owned */
};

struct wire {
	const char	*host;
	const char	*port;
	int		 timeout;	/* ms without progress */
	int		 verbose;
	int		 autopong;
	struct wconn	**conns;	/* owned, with each element */
	size_t		 nconns;
	struct wvar	*vars;		/* owned */
	size_t		 nvars;
	int		 line;
	int		 ncmds;		/* commands run, comments aside */
	int		 nrefs;		/* offers made by pair */
	char		 why[1024];	/* the failure, for people */
};

static int	wire_fail(struct wire *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
wire_fail(struct wire *w, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof w->why, fmt, ap);
	va_end(ap);
	return -1;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- variables --- */

static const char *
var_get(struct wire *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nvars; i++) {
		if (strcmp(w->vars[i].name, name) == 0)
			return w->vars[i].value;
	}
	return getenv(name);
}

static int
var_set(struct wire *w, const char *name, const char *value)
{
	struct wvar	*nv;
	char		*v;
	size_t		 i;

	if ((v = strdup(value)) == NULL)
		return wire_fail(w, "out of memory");
	for (i = 0; i < w->nvars; i++) {
		if (strcmp(w->vars[i].name, name) == 0) {
			free(w->vars[i].value);
			w->vars[i].value = v;
			return 0;
		}
	}
	if ((nv = realloc(w->vars, (w->nvars + 1) * sizeof *nv)) == NULL) {
		free(v);
		return wire_fail(w, "out of memory");
	}
	w->vars = nv;
	if ((nv[w->nvars].name = strdup(name)) == NULL) {
		free(v);
		return wire_fail(w, "out of memory");
	}
	nv[w->nvars++].value = v;
	return 0;
}

/* Expands ${NAME} in line into a malloc'd string (*out, freed by the caller). */
static int
expand(struct wire *w, const char *line, char **out)
{
	const char	*p = line, *end, *val;
	char		 name[128];
	char		*buf, *nb;
	size_t		 len = 0, cap = strlen(line) + 64, n;

	if ((buf = malloc(cap)) == NULL)
		return wire_fail(w, "out of memory");
	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}')) != NULL) {
			n = (size_t)(end - p - 2);
			if (n >= sizeof name) {
				free(buf);
				return wire_fail(w, "variable name too long");
			}
			memcpy(name, p + 2, n);
			name[n] = '\0';
			if ((val = var_get(w, name)) == NULL) {
				free(buf);
				return wire_fail(w, "no variable ${%s}", name);
			}
			p = end + 1;
		} else {
			val = NULL;
			n = 1;
		}
		n = val != NULL ? strlen(val) : 1;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return wire_fail(w, "out of memory");
			}
			buf = nb;
		}
		if (val != NULL)
			memcpy(buf + len, val, n);
		else
			buf[len] = *p++;
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* --- connections --- */

static struct wconn *
conn_find(struct wire *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++) {
		if (strcmp(w->conns[i]->name, name) == 0)
			return w->conns[i];
	}
	return NULL;
}

static void
conn_free(struct wconn *c)
{
	size_t	i;

	for (i = 0; i < c->naside; i++)
		free(c->aside[i].payload);
	free(c->aside);
	if (c->fd >= 0)
		close(c->fd);
	proto_decoder_free(&c->dec);
	free(c->ibuf);
	free(c);
}

static int
conn_open(struct wire *w, const char *name)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct wconn	*c, **nc;
	int		 fd = -1, one = 1, e;

	if (strlen(name) >= WIRE_NAME_MAX)
		return wire_fail(w, "connection name too long");
	if (conn_find(w, name) != NULL)
		return wire_fail(w, "connection %s is already open", name);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(w->host, w->port, &hints, &res)) != 0)
		return wire_fail(w, "%s: %s", w->host, gai_strerror(e));
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
		return wire_fail(w, "connect %s: %s", name, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->ibuf = malloc(WIRE_IBUF)) == NULL ||
	    (nc = realloc(w->conns, (w->nconns + 1) * sizeof *nc)) == NULL) {
		if (c != NULL)
			free(c->ibuf);
		free(c);
		close(fd);
		return wire_fail(w, "out of memory");
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	c->fd = fd;
	proto_decoder_init(&c->dec);
	w->conns = nc;
	w->conns[w->nconns++] = c;
	return 0;
}

/* Waits for fd to be ready for events until deadline; 1 ready, 0 timeout. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		r;

	for (;;) {
		left = deadline - now_ms();
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
static int
conn_fill(struct wire *w, struct wconn *c, int64_t deadline)
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
			wire_fail(w, "read %s: %s", c->name, strerror(errno));
			return -2;
		}
		if (!wait_fd(c->fd, POLLIN, deadline))
			return -1;
	}
}

/*
 * The next frame on c: 1 with *f (payload valid until the next fill),
 * 0 when c was closed, -1 on timeout, -2 on an error (in w->why).
 */
static int
conn_frame(struct wire *w, struct wconn *c, struct proto_frame *f,
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
				wire_fail(w, "bad frame from the relay on %s: %s",
				    c->name, proto_strerror(r));
				return -2;
			}
			if (r == 1)
				return 1;
		}
		if ((r = conn_fill(w, c, deadline)) <= 0)
			return r;
	}
}

static int
write_all(struct wire *w, struct wconn *c, const uint8_t *p, size_t n)
{
	int64_t	deadline = now_ms() + w->timeout;
	ssize_t	r;

	if (c->fd < 0)
		return wire_fail(w, "%s is closed", c->name);
	while (n > 0) {
		r = send(c->fd, p, n, MSG_NOSIGNAL);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			deadline = now_ms() + w->timeout;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (!wait_fd(c->fd, POLLOUT, deadline))
				return wire_fail(w, "write %s: timed out",
				    c->name);
			continue;
		}
		return wire_fail(w, "write %s: %s", c->name, strerror(errno));
	}
	return 0;
}

static int
send_json(struct wire *w, struct wconn *c, const char *json)
{
	uint8_t	hdr[PROTO_HEADER_LEN];
	size_t	n = strlen(json);

	proto_header_encode(hdr, PROTO_KIND_CONTROL, (uint32_t)n);
	if (write_all(w, c, hdr, sizeof hdr) != 0)
		return -1;
	return write_all(w, c, (const uint8_t *)json, n);
}

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
	return wire_fail(w, "%s: byte %" PRIu64 " is 0x%02x, expected 0x%02x",
	    name, off + i, got[i], scratch[i]);
}

/* --- expect --- */

static void
join_peers(char *out, size_t len, const struct proto_peer *p, size_t n)
{
	size_t	i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		    p[i].name);
}

/* The text of field k of m; -1 when there is no such field. */
static int
field(const struct proto_msg *m, const char *k, char *out, size_t len)
{
	size_t	i, o = 0;

#define NUM(name, v) if (strcmp(k, name) == 0) { \
	snprintf(out, len, "%" PRIu64, (uint64_t)(v)); return 0; }
#define STR(name, v) if (strcmp(k, name) == 0) { \
	snprintf(out, len, "%s", v); return 0; }
	STR("type", proto_msg_type_name(m->type));
	STR("code", m->code);
	STR("message", m->message);
	STR("reason", m->reason);
	STR("token", m->token);
	STR("name", m->name);
	STR("addr", m->addr);
	STR("sha256", m->sha256);
	STR("peer", m->peer.name);
	STR("peer.addr", m->peer.addr);
	STR("role", m->role == PROTO_ROLE_SEND ? "send" :
	    m->role == PROTO_ROLE_RECEIVE ? "receive" : "");
	STR("more", m->more ? "true" : "false");
	STR("ok", m->ok ? "true" : "false");
	NUM("id", m->id);
	NUM("ref", m->ref);
	NUM("transfer", m->transfer);
	NUM("version", m->version);
	NUM("index", m->index);
	NUM("size", m->size);
	NUM("peer.id", m->peer.id);
	NUM("npeers", m->npeers);
	NUM("nids", m->nids);
	NUM("nfiles", m->nfiles);
#undef NUM
#undef STR
	if (strcmp(k, "peers") == 0) {
		join_peers(out, len, m->peers, m->npeers);
		return 0;
	}
	if (strcmp(k, "ids") == 0) {
		out[0] = '\0';
		for (i = 0; i < m->nids && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%" PRIu64,
			    i ? "," : "", m->ids[i]);
		return 0;
	}
	if (strcmp(k, "files") == 0) {
		out[0] = '\0';
		for (i = 0; i < m->nfiles && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    i ? "," : "", m->files[i].name);
		return 0;
	}
	return -1;
}

/* The payload as text for a failure message, cut short. */
static void
shown(char *out, size_t len, const struct proto_frame *f)
{
	size_t	n = f->len < len - 1 ? f->len : len - 1, i;

	for (i = 0; i < n; i++)
		out[i] = f->payload[i] >= 0x20 && f->payload[i] < 0x7f ?
		    (char)f->payload[i] : '.';
	out[n] = '\0';
}

static int
is_presence(enum proto_msg_type t)
{
	return t == PROTO_MSG_PEER_JOINED || t == PROTO_MSG_PEER_LEFT;
}

/* Keeps a copy of a presence event's frame for a later expect of it. */
static int
set_aside(struct wire *w, struct wconn *c, enum proto_msg_type t,
    const struct proto_frame *f)
{
	struct waside	*na;
	uint8_t		*p;

	if (c->naside == WIRE_ASIDE_MAX)
		return wire_fail(w, "%s: %d presence events set aside unread "
		    "(expect or ignore them)", c->name, WIRE_ASIDE_MAX);
	if ((p = malloc(f->len > 0 ? f->len : 1)) == NULL)
		return wire_fail(w, "out of memory");
	if ((na = realloc(c->aside, (c->naside + 1) * sizeof *na)) == NULL) {
		free(p);
		return wire_fail(w, "out of memory");
	}
	memcpy(p, f->payload, f->len);
	c->aside = na;
	na[c->naside].type = t;
	na[c->naside].payload = p;
	na[c->naside++].len = f->len;
	return 0;
}

/* Drops what c has set aside of the types it now ignores. */
static void
drop_ignored(struct wconn *c)
{
	size_t	i, o = 0;

	for (i = 0; i < c->naside; i++) {
		if (c->ignore & (1u << c->aside[i].type))
			free(c->aside[i].payload);
		else
			c->aside[o++] = c->aside[i];
	}
	c->naside = o;
}

/*
 * The next control message on c into m, by deadline: 1, or 0 when c was
 * closed, -1 on timeout, -2 on an error (in w->why). Unless want names
 * them, it passes over ignored types and pings (answered under autopong);
 * want NULL names nothing. Presence events are set aside, and 2 (m left
 * empty) says one of type want was.
 */
static int
next_msg(struct wire *w, struct wconn *c, const char *want,
    struct proto_msg *m, char *text, size_t textlen, int64_t deadline)
{
	struct proto_frame	f;
	char			err[256];
	int			r, wanted;

	for (;;) {
		if ((r = conn_frame(w, c, &f, deadline)) != 1)
			return r;
		shown(text, textlen, &f);
		if (f.kind != PROTO_KIND_CONTROL) {
			wire_fail(w, "%s: got a data frame of %" PRIu32
			    " bytes while waiting for %s", c->name, f.len,
			    want != NULL ? want : "nothing");
			return -2;
		}
		if (proto_msg_decode(f.payload, f.len, m, err,
		    sizeof err) != 0) {
			wire_fail(w, "%s: undecodable message (%s): %s",
			    c->name, err, text);
			return -2;
		}
		wanted = want != NULL &&
		    strcmp(want, proto_msg_type_name(m->type)) == 0;
		if (wanted && !is_presence(m->type))
			return 1;
		if (!wanted && m->type < 32 && (c->ignore & (1u << m->type))) {
			proto_msg_free(m);
			continue;
		}
		if (m->type == PROTO_MSG_PING) {
			proto_msg_free(m);
			if (w->autopong &&
			    send_json(w, c, "{\"type\":\"pong\"}") != 0)
				return -2;
			continue;
		}
		if (is_presence(m->type)) {
			r = set_aside(w, c, m->type, &f);
			proto_msg_free(m);
			if (r != 0)
				return -2;
			if (wanted)
				return 2;
			continue;
		}
		return 1;
	}
}

/* The next message of type want on c (not a presence event) into m. */
static int
expect_msg(struct wire *w, struct wconn *c, const char *want,
    struct proto_msg *m, char *text, size_t textlen)
{
	int	r;

	r = next_msg(w, c, want, m, text, textlen, now_ms() + w->timeout);
	if (r == -1)
		return wire_fail(w, "%s: timed out waiting for %s", c->name,
		    want);
	if (r == 0)
		return wire_fail(w, "%s: closed while waiting for %s", c->name,
		    want);
	return r == 1 ? 0 : -1;
}

/*
 * The checks of an expect on m: 0 all hold (and with capture, K>VAR is
 * stored), 1 one does not (said in w->why), -1 a check is malformed.
 */
static int
checks(struct wire *w, struct wconn *c, const struct proto_msg *m,
    char **args, int nargs, const char *text, int capture)
{
	char	val[4096], check[1024], *k, *v, op;
	int	i;

	for (i = 1; i < nargs; i++) {
		/* A copy: with "P*" the same words serve every connection. */
		snprintf(check, sizeof check, "%s", args[i]);
		k = check;
		if ((v = strpbrk(k, "=~>")) == NULL)
			return wire_fail(w, "check \"%s\" has no =, ~ or >", k);
		op = *v;
		*v++ = '\0';
		if (field(m, k, val, sizeof val) != 0)
			return wire_fail(w, "no field \"%s\"", k);
		if (op == '>') {
			if (capture && var_set(w, v, val) != 0)
				return -1;
		} else if ((op == '=' && strcmp(val, v) != 0) ||
		    (op == '~' && strstr(val, v) == NULL)) {
			wire_fail(w, "%s: %s: %s is \"%s\", wanted %s\"%s\" "
			    "in %s", c->name, args[0], k, val, op == '~' ?
			    "something containing " : "", v, text);
			return 1;
		}
	}
	return 0;
}

/*
 * expect C TYPE for a presence event: the oldest one set aside, or to
 * come, whose checks hold; the others stay set aside. Anything else that
 * arrives meanwhile (not ignored) fails it.
 */
static int
expect_presence(struct wire *w, struct wconn *c, enum proto_msg_type t,
    char **args, int nargs)
{
	struct proto_frame	f;
	struct proto_msg	m;
	char			text[600], err[256];
	char			miss[sizeof w->why] = "";
	size_t			i, from = 0;
	int			r;

	for (;;) {
		for (i = from; i < c->naside; i++) {
			if (c->aside[i].type != t)
				continue;
			f.kind = PROTO_KIND_CONTROL;
			f.payload = c->aside[i].payload;
			f.len = (uint32_t)c->aside[i].len;
			shown(text, sizeof text, &f);
			if (proto_msg_decode(f.payload, f.len, &m, err,
			    sizeof err) != 0)
				return wire_fail(w, "%s: undecodable message "
				    "(%s): %s", c->name, err, text);
			if ((r = checks(w, c, &m, args, nargs, text, 0)) == 0)
				r = checks(w, c, &m, args, nargs, text, 1);
			proto_msg_free(&m);
			if (r < 0)
				return -1;
			if (r == 1) {
				snprintf(miss, sizeof miss, "%s", w->why);
				continue;
			}
			free(c->aside[i].payload);
			memmove(c->aside + i, c->aside + i + 1,
			    (c->naside - i - 1) * sizeof *c->aside);
			c->naside--;
			return 0;
		}
		from = c->naside;
		r = next_msg(w, c, args[0], &m, text, sizeof text,
		    now_ms() + w->timeout);
		if (r == 2)
			continue;
		if (r == 1) {
			proto_msg_free(&m);
			return wire_fail(w, "%s: expected %s, got %s", c->name,
			    args[0], text);
		}
		if (r == 0 || r == -1)
			return wire_fail(w, "%s: %s while waiting for %s%s%s",
			    c->name, r == 0 ? "closed" : "timed out", args[0],
			    miss[0] != '\0' ? "; the last one set aside: " : "",
			    miss);
		return -1;
	}
}

static int
cmd_expect(struct wire *w, struct wconn *c, char **args, int nargs)
{
	struct proto_msg	 m;
	char			 text[600];
	const char		*tn;
	int			 t, r;

	if (nargs < 1)
		return wire_fail(w, "expect C TYPE [checks]");
	for (t = PROTO_MSG_NONE + 1; t < PROTO_MSG_COUNT; t++) {
		if (strcmp(args[0], proto_msg_type_name(t)) == 0)
			break;
	}
	if (t < PROTO_MSG_COUNT && is_presence(t))
		return expect_presence(w, c, t, args, nargs);
	if (expect_msg(w, c, args[0], &m, text, sizeof text) != 0)
		return -1;
	tn = proto_msg_type_name(m.type);
	if (tn == NULL || strcmp(tn, args[0]) != 0)
		r = wire_fail(w, "%s: expected %s, got %s", c->name, args[0],
		    text);
	else
		r = checks(w, c, &m, args, nargs, text, 1) == 0 ? 0 : -1;
	proto_msg_free(&m);
	return r;
}

static int
cmd_expect_close(struct wire *w, struct wconn *c)
{
	struct proto_msg	m;
	char			text[600];
	int			r;

	r = next_msg(w, c, NULL, &m, text, sizeof text, now_ms() + w->timeout);
	if (r == 0)
		return 0;
	if (r == -1)
		return wire_fail(w, "%s: still open", c->name);
	if (r == 1) {
		proto_msg_free(&m);
		return wire_fail(w, "%s: expected the relay to close it, got "
		    "%s", c->name, text);
	}
	return -1;
}

static int
cmd_quiet(struct wire *w, struct wconn *c, int ms)
{
	struct proto_msg	m;
	struct proto_frame	f;
	char			text[600];
	int			r = -1;

	/* Presence events count here: set aside before, or during, the wait. */
	if (c->naside == 0)
		r = next_msg(w, c, NULL, &m, text, sizeof text, now_ms() + ms);
	if (r == 1)
		proto_msg_free(&m);
	if (r == -1 && c->naside > 0) {
		f.kind = PROTO_KIND_CONTROL;
		f.payload = c->aside[0].payload;
		f.len = (uint32_t)c->aside[0].len;
		shown(text, sizeof text, &f);
		r = 1;
	}
	if (r == -1)
		return 0;
	if (r == 0)
		return wire_fail(w, "%s: closed during quiet", c->name);
	if (r == 1)
		return wire_fail(w, "%s: expected nothing, got %s", c->name,
		    text);
	return -1;
}

/* --- byte streams --- */

static int
cmd_write(struct wire *w, struct wconn *c, uint64_t n, uint64_t seed)
{
	uint8_t		*buf;
	uint64_t	 off = 0;
	size_t		 k;
	int		 r = 0;

	if ((buf = malloc(WIRE_IBUF)) == NULL)
		return wire_fail(w, "out of memory");
	while (off < n && r == 0) {
		k = n - off < WIRE_IBUF ? (size_t)(n - off) : WIRE_IBUF;
		stream_fill(seed, off, buf, k);
		r = write_all(w, c, buf, k);
		off += k;
	}
	free(buf);
	return r;
}

/*
 * Reads n bytes on c: with check, they must be stream seed; without, they
 * are dropped whatever they are (drain: the bytes a real client framed).
 */
static int
cmd_read(struct wire *w, struct wconn *c, uint64_t n, uint64_t seed,
    int check)
{
	uint8_t		*scratch = NULL;
	uint64_t	 off = 0;
	size_t		 k;
	int		 r = 0;

	if (check && (scratch = malloc(WIRE_IBUF)) == NULL)
		return wire_fail(w, "out of memory");
	while (off < n && r == 0) {
		if (c->ipos == c->ilen) {
			r = conn_fill(w, c, now_ms() + w->timeout);
			if (r == 0 || r == -1)
				r = wire_fail(w, "%s: %s after %" PRIu64 " of %"
				    PRIu64 " bytes", c->name, r == 0 ? "closed" :
				    "timed out", off, n);
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
static int
cmd_pump(struct wire *w, struct wconn *a, struct wconn *b, uint64_t n,
    uint64_t seed)
{
	struct pollfd	 pfd[2];
	uint8_t		*wbuf, *scratch;
	uint64_t	 woff = 0, roff = 0;
	size_t		 wpos = 0, wlen = 0, k;
	int64_t		 t0 = now_ms(), deadline = t0 + w->timeout, dt;
	ssize_t		 r;
	int		 rc = 0;

	if (a->fd < 0 || b->fd < 0)
		return wire_fail(w, "pump: a connection is closed");
	wbuf = malloc(WIRE_IBUF);
	scratch = malloc(WIRE_IBUF);
	if (wbuf == NULL || scratch == NULL) {
		free(wbuf);
		free(scratch);
		return wire_fail(w, "out of memory");
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
			deadline = now_ms() + w->timeout;
			continue;
		}
		if (now_ms() > deadline) {
			rc = wire_fail(w, "pump: stalled after %" PRIu64 " of %"
			    PRIu64 " bytes written, %" PRIu64 " read", woff, n,
			    roff);
			break;
		}
		pfd[0].fd = a->fd;
		pfd[0].events = woff < n ? POLLOUT : 0;
		pfd[1].fd = b->fd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, 100) < 0 && errno != EINTR) {
			rc = wire_fail(w, "poll: %s", strerror(errno));
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
				deadline = now_ms() + w->timeout;
			} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
				rc = wire_fail(w, "pump: write %s: %s", a->name,
				    strerror(errno));
				break;
			}
		}
		if (pfd[1].revents != 0) {
			if ((r = conn_fill(w, b, now_ms())) == 0)
				rc = wire_fail(w, "pump: %s closed after %" PRIu64
				    " of %" PRIu64 " bytes", b->name, roff, n);
			else if (r == -2)
				rc = -1;
		}
	}
	dt = now_ms() - t0;
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
static int
cmd_fill(struct wire *w, struct wconn *c, uint64_t n, int ms, uint64_t seed)
{
	uint8_t		*buf;
	uint64_t	 off = 0;
	size_t		 k, pos = 0, len = 0;
	ssize_t		 r;
	char		 var[WIRE_NAME_MAX + 16], val[32];
	int		 rc = 0;

	if (c->fd < 0)
		return wire_fail(w, "%s is closed", c->name);
	if ((buf = malloc(WIRE_IBUF)) == NULL)
		return wire_fail(w, "out of memory");
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
			if (!wait_fd(c->fd, POLLOUT, now_ms() + ms))
				break;
			continue;
		}
		rc = wire_fail(w, "fill %s: %s", c->name, strerror(errno));
		break;
	}
	free(buf);
	if (rc != 0)
		return rc;
	printf("# fill %s: %" PRIu64 " bytes taken before it stalled\n",
	    c->name, off);
	snprintf(var, sizeof var, "%s.written", c->name);
	snprintf(val, sizeof val, "%" PRIu64, off);
	return var_set(w, var, val);
}

static int
cmd_mem(struct wire *w, const char *pid, const char *fieldname, uint64_t max)
{
	FILE		*f;
	char		 path[64], line[256];
	size_t		 flen = strlen(fieldname);
	uint64_t	 kb = 0;
	int		 found = 0;

	snprintf(path, sizeof path, "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return wire_fail(w, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, fieldname, flen) == 0 && line[flen] == ':') {
			kb = strtoull(line + flen + 1, NULL, 10);
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found)
		return wire_fail(w, "no %s in %s", fieldname, path);
	printf("# mem %s %s: %" PRIu64 " kB (limit %" PRIu64 " kB)\n", pid,
	    fieldname, kb, max);
	if (kb > max)
		return wire_fail(w, "%s of %s is %" PRIu64 " kB, over %" PRIu64
		    " kB", fieldname, pid, kb, max);
	return 0;
}

/* --- the script --- */

static int
parse_u64(const char *s, uint64_t *out)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
cmd_raw(struct wire *w, struct wconn *c, const char *hex)
{
	uint8_t	*buf;
	size_t	 n = strlen(hex), i;
	int	 r;

	if (n % 2 != 0)
		return wire_fail(w, "raw: odd number of hex digits");
	if ((buf = malloc(n / 2 + 1)) == NULL)
		return wire_fail(w, "out of memory");
	for (i = 0; i < n / 2; i++) {
		if (hexval(hex[2 * i]) < 0 || hexval(hex[2 * i + 1]) < 0) {
			free(buf);
			return wire_fail(w, "raw: not hex: %s", hex);
		}
		buf[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	}
	r = write_all(w, c, buf, n / 2);
	free(buf);
	return r;
}

static int
cmd_hello(struct wire *w, struct wconn *c, const char *name)
{
	struct proto_msg	 m;
	char			 json[256], text[600], var[WIRE_NAME_MAX + 8];
	int			 r;

	snprintf(json, sizeof json, "{\"type\":\"hello\",\"version\":%d,"
	    "\"name\":\"%s\"}", PROTO_VERSION, name);
	if (send_json(w, c, json) != 0 ||
	    expect_msg(w, c, "welcome", &m, text, sizeof text) != 0)
		return -1;
	if (m.type != PROTO_MSG_WELCOME || strcmp(m.name, name) != 0)
		r = wire_fail(w, "%s: expected welcome for %s, got %s", c->name,
		    name, text);
	else {
		snprintf(c->hello, sizeof c->hello, "%s", name);
		snprintf(var, sizeof var, "%s.id", c->name);
		snprintf(text, sizeof text, "%" PRIu64, m.id);
		r = var_set(w, var, text);
		snprintf(var, sizeof var, "%s.addr", c->name);
		if (r == 0)
			r = var_set(w, var, m.addr);
	}
	proto_msg_free(&m);
	return r;
}

static int
signum(const char *s)
{
	uint64_t	n;

	if (strcmp(s, "TERM") == 0 || strcmp(s, "SIGTERM") == 0)
		return SIGTERM;
	if (strcmp(s, "INT") == 0 || strcmp(s, "SIGINT") == 0)
		return SIGINT;
	if (strcmp(s, "KILL") == 0 || strcmp(s, "SIGKILL") == 0)
		return SIGKILL;
	if (parse_u64(s, &n) == 0 && n < 65)
		return (int)n;
	return -1;
}

/* Commands that act on one connection, run for each match of "P*". */
static int
per_conn(struct wire *w, const char *cmd, struct wconn *c, char **args,
    int nargs, const char *rest)
{
	uint64_t	n, ms, seed = 1;
	char		*pong[1];
	int		i, t;

	if (strcmp(cmd, "close") == 0) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return 0;
	}
	if (strcmp(cmd, "shut") == 0) {
		if (c->fd < 0 || shutdown(c->fd, SHUT_WR) != 0)
			return wire_fail(w, "shutdown %s: %s", c->name,
			    c->fd < 0 ? "closed" : strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "send") == 0)
		return send_json(w, c, rest);
	if (strcmp(cmd, "raw") == 0)
		return nargs < 1 ? wire_fail(w, "raw C HEX") :
		    cmd_raw(w, c, args[0]);
	if (strcmp(cmd, "hello") == 0)
		return nargs < 1 ? wire_fail(w, "hello C NAME") :
		    cmd_hello(w, c, args[0]);
	if (strcmp(cmd, "expect") == 0)
		return cmd_expect(w, c, args, nargs);
	if (strcmp(cmd, "ping") == 0) {
		pong[0] = (char *)"pong";
		if (send_json(w, c, "{\"type\":\"ping\"}") != 0)
			return -1;
		return cmd_expect(w, c, pong, 1);
	}
	if (strcmp(cmd, "ignore") == 0) {
		c->ignore = 0;
		for (i = 0; i < nargs; i++) {
			for (t = PROTO_MSG_NONE + 1; t < PROTO_MSG_COUNT; t++) {
				if (strcmp(args[i], proto_msg_type_name(t)) == 0)
					break;
			}
			if (t == PROTO_MSG_COUNT)
				return wire_fail(w, "no message type %s", args[i]);
			c->ignore |= 1u << t;
		}
		drop_ignored(c);
		return 0;
	}
	if (strcmp(cmd, "expect-close") == 0)
		return cmd_expect_close(w, c);
	if (strcmp(cmd, "quiet") == 0) {
		if (nargs < 1 || parse_u64(args[0], &n) != 0)
			return wire_fail(w, "quiet C MS");
		return cmd_quiet(w, c, (int)n);
	}
	if (strcmp(cmd, "fill") == 0) {
		if (nargs < 2 || parse_u64(args[0], &n) != 0 ||
		    parse_u64(args[1], &ms) != 0 ||
		    (nargs > 2 && parse_u64(args[2], &seed) != 0))
			return wire_fail(w, "fill C N MS [SEED]");
		return cmd_fill(w, c, n, (int)ms, seed);
	}
	if (strcmp(cmd, "drain") == 0) {
		if (nargs < 1 || parse_u64(args[0], &n) != 0)
			return wire_fail(w, "drain C N");
		return cmd_read(w, c, n, 0, 0);
	}
	if (strcmp(cmd, "write") == 0 || strcmp(cmd, "read") == 0) {
		if (nargs < 1 || parse_u64(args[0], &n) != 0 ||
		    (nargs > 1 && parse_u64(args[1], &seed) != 0))
			return wire_fail(w, "%s C N [SEED]", cmd);
		return cmd[0] == 'w' ? cmd_write(w, c, n, seed) :
		    cmd_read(w, c, n, seed, 1);
	}
	return wire_fail(w, "unknown command \"%s\"", cmd);
}

static int	run_line(struct wire *, char *);
static int	run_fmt(struct wire *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Runs one script line made with printf, its ${NAME}s expanded. */
static int
run_fmt(struct wire *w, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[512], *ex;
	int	 r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (expand(w, line, &ex) != 0)
		return -1;
	r = run_line(w, ex);
	free(ex);
	return r;
}

/*
 * For pair: the connection of "C[:NAME]" (the word is cut at the colon),
 * opened with hello NAME (default C) when it is not open yet.
 */
static struct wconn *
pair_conn(struct wire *w, char *word)
{
	struct wconn	*c;
	char		*name;

	if ((name = strchr(word, ':')) != NULL)
		*name++ = '\0';
	if ((c = conn_find(w, word)) == NULL) {
		if (conn_open(w, word) != 0 ||
		    (c = conn_find(w, word)) == NULL ||
		    cmd_hello(w, c, name != NULL ? name : word) != 0)
			return NULL;
		return c;
	}
	if (c->hello[0] == '\0' ||
	    (name != NULL && strcmp(name, c->hello) != 0)) {
		wire_fail(w, "%s is open but did not say hello%s%s", word,
		    name != NULL ? " as " : "", name != NULL ? name : "");
		return NULL;
	}
	return c;
}

/*
 * pair A[:NAME] B[:NAME] SIZE [offered|ready|attached]: the steps every
 * transfer test starts with, each one checked, run as the script lines
 * they stand for.
 */
static int
cmd_pair(struct wire *w, char **args, int nargs)
{
	static const char	*stages[] = { "offered", "ready", "attached" };
	struct wconn		*a, *b;
	const char		*A, *B;
	char			 why[sizeof w->why];
	uint64_t		 size;
	int			 upto = 2, ref, r;

	if (nargs < 3 || parse_u64(args[2], &size) != 0)
		return wire_fail(w, "pair A[:NAME] B[:NAME] SIZE "
		    "[offered|ready|attached]");
	if (nargs > 3) {
		for (upto = 0; upto < 3; upto++) {
			if (strcmp(args[3], stages[upto]) == 0)
				break;
		}
		if (upto == 3)
			return wire_fail(w, "pair: no stage %s", args[3]);
	}
	if ((a = pair_conn(w, args[0])) == NULL ||
	    (b = pair_conn(w, args[1])) == NULL) {
		snprintf(why, sizeof why, "%s", w->why);
		return wire_fail(w, "pair: %s", why);
	}
	A = a->name;
	B = b->name;
	ref = ++w->nrefs;
	r = run_fmt(w, "send %s {\"type\":\"offer\",\"ref\":%d,\"to\":\"%s\","
	    "\"files\":[{\"name\":\"f\",\"size\":%" PRIu64 "}]}", A, ref,
	    b->hello, size);
	if (r == 0)
		r = run_fmt(w, "expect %s offered ref=%d peer=%s "
		    "transfer>%s.transfer", A, ref, b->hello, A);
	if (r == 0)
		r = run_fmt(w, "expect %s incoming transfer=${%s.transfer} "
		    "peer=%s files=f nfiles=1 transfer>%s.transfer", B, A,
		    a->hello, B);
	if (r == 0 && upto >= 1)
		r = run_fmt(w, "send %s {\"type\":\"accept\",\"transfer\":"
		    "${%s.transfer}}", B, B);
	if (r == 0 && upto >= 1)
		r = run_fmt(w, "expect %s ready transfer=${%s.transfer} "
		    "role=send token>%s.token", A, A, A);
	if (r == 0 && upto >= 1)
		r = run_fmt(w, "expect %s ready transfer=${%s.transfer} "
		    "role=receive token>%s.token", B, B, B);
	if (r == 0 && upto >= 2)
		r = run_fmt(w, "attach %sd ${%s.token}", A, A);
	if (r == 0 && upto >= 2)
		r = run_fmt(w, "attach %sd ${%s.token}", B, B);
	if (r == 0 && upto >= 2)
		r = run_fmt(w, "expect %sd attached "
		    "transfer=${%s.transfer}", A, A);
	if (r == 0 && upto >= 2)
		r = run_fmt(w, "expect %sd attached "
		    "transfer=${%s.transfer}", B, B);
	if (r != 0) {
		snprintf(why, sizeof why, "%s", w->why);
		wire_fail(w, "pair %s %s: %s", A, B, why);
	}
	return r;
}

#define WIRE_ARGS_MAX	32

static int
run_line(struct wire *w, char *line)
{
	char		*args[WIRE_ARGS_MAX], *p = line, *cmd, *rest = NULL;
	struct wconn	*c, *d;
	uint64_t	 n, seed = 1;
	size_t		 i, plen, matched = 0;
	char		 name[WIRE_NAME_MAX + 16], json[256];
	int		 nargs = 0, sig;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	w->ncmds++;
	/* Split into words; `send C JSON` keeps the rest of the line whole. */
	cmd = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	while (*p != '\0' && nargs < WIRE_ARGS_MAX) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if ((strcmp(cmd, "send") == 0 || strcmp(cmd, "echo") == 0 ||
		    strcmp(cmd, "set") == 0) && nargs == 1) {
			rest = p;
			break;
		}
		args[nargs++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (w->verbose)
		printf("# > %s%s%s\n", cmd, nargs ? " " : "", nargs ? args[0] : "");

	if (strcmp(cmd, "echo") == 0) {
		printf("# %s%s%s\n", nargs ? args[0] : "", rest ? " " : "",
		    rest ? rest : "");
		return 0;
	}
	if (strcmp(cmd, "sleep") == 0) {
		if (nargs < 1 || parse_u64(args[0], &n) != 0)
			return wire_fail(w, "sleep MS");
		usleep((useconds_t)(n * 1000));
		return 0;
	}
	if (strcmp(cmd, "set") == 0) {
		if (nargs < 1)
			return wire_fail(w, "set VAR VALUE");
		return var_set(w, args[0], rest != NULL ? rest : "");
	}
	if (strcmp(cmd, "autopong") == 0) {
		if (nargs < 1)
			return wire_fail(w, "autopong on|off");
		w->autopong = strcmp(args[0], "on") == 0;
		return 0;
	}
	if (strcmp(cmd, "kill") == 0) {
		if (nargs < 2 || parse_u64(args[0], &n) != 0 || n == 0 ||
		    (sig = signum(args[1])) < 0)
			return wire_fail(w, "kill PID SIG");
		if (kill((pid_t)n, sig) != 0)
			return wire_fail(w, "kill %s: %s", args[0], strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "mem") == 0) {
		if (nargs < 3 || parse_u64(args[2], &n) != 0)
			return wire_fail(w, "mem PID FIELD MAXKB");
		return cmd_mem(w, args[0], args[1], n);
	}
	if (nargs < 1)
		return wire_fail(w, "%s needs a connection name", cmd);
	if (strcmp(cmd, "connect") == 0)
		return conn_open(w, args[0]);
	if (strcmp(cmd, "attach") == 0) {
		if (nargs < 2)
			return wire_fail(w, "attach C TOKEN");
		snprintf(json, sizeof json, "{\"type\":\"attach\","
		    "\"token\":\"%s\"}", args[1]);
		if (conn_open(w, args[0]) != 0)
			return -1;
		return send_json(w, conn_find(w, args[0]), json);
	}
	if (strcmp(cmd, "connect-many") == 0) {
		if (nargs < 2 || parse_u64(args[1], &n) != 0)
			return wire_fail(w, "connect-many P N");
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "%s%zu", args[0], i);
			if (conn_open(w, name) != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(cmd, "pair") == 0)
		return cmd_pair(w, args, nargs);
	if (strcmp(cmd, "pump") == 0) {
		if (nargs < 3 || parse_u64(args[2], &n) != 0 ||
		    (nargs > 3 && parse_u64(args[3], &seed) != 0))
			return wire_fail(w, "pump A B N [SEED]");
		if ((c = conn_find(w, args[0])) == NULL ||
		    (d = conn_find(w, args[1])) == NULL)
			return wire_fail(w, "pump: no such connection");
		return cmd_pump(w, c, d, n, seed);
	}
	plen = strlen(args[0]);
	if (plen > 0 && args[0][plen - 1] == '*') {
		for (i = 0; i < w->nconns; i++) {
			if (strncmp(w->conns[i]->name, args[0], plen - 1) != 0)
				continue;
			matched++;
			if (per_conn(w, cmd, w->conns[i], args + 1, nargs - 1,
			    rest) != 0)
				return -1;
		}
		if (matched == 0)
			return wire_fail(w, "no connection matches %s", args[0]);
		return 0;
	}
	if ((c = conn_find(w, args[0])) == NULL)
		return wire_fail(w, "no connection %s", args[0]);
	if (strcmp(cmd, "send") == 0 && rest == NULL)
		return wire_fail(w, "send C JSON");
	return per_conn(w, cmd, c, args + 1, nargs - 1, rest);
}

/* Splits "HOST:PORT" or "[V6]:PORT" into w->host and w->port (in place). */
static int
split_addr(struct wire *w, char *addr)
{
	char	*colon;

	if (addr[0] == '[') {
		if ((colon = strstr(addr, "]:")) == NULL)
			return -1;
		*colon = '\0';
		w->host = addr + 1;
		w->port = colon + 2;
		return 0;
	}
	if ((colon = strrchr(addr, ':')) == NULL)
		return -1;
	*colon = '\0';
	w->host = addr;
	w->port = colon + 1;
	return 0;
}

static void
wire_free(struct wire *w)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++)
		conn_free(w->conns[i]);
	free(w->conns);
	for (i = 0; i < w->nvars; i++) {
		free(w->vars[i].name);
		free(w->vars[i].value);
	}
	free(w->vars);
}

int
main(int argc, char **argv)
{
	struct wire	 w;
	FILE		*f = stdin;
	char		*line = NULL, *ex = NULL, *addr;
	size_t		 cap = 0;
	ssize_t		 n;
	uint64_t	 t;
	int		 opt, rc = 0;

	memset(&w, 0, sizeof w);
	w.timeout = 10000;
	w.autopong = 1;
	while ((opt = getopt(argc, argv, "t:v")) != -1) {
		switch (opt) {
		case 't':
			if (parse_u64(optarg, &t) != 0 || t == 0 || t > 3600000) {
				fprintf(stderr, "wire: -t wants milliseconds\n");
				return 2;
			}
			w.timeout = (int)t;
			break;
		case 'v':
			w.verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: wire [-t MS] [-v] HOST:PORT "
			    "[SCRIPT]\n");
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "usage: wire [-t MS] [-v] HOST:PORT [SCRIPT]\n");
		return 2;
	}
	if ((addr = strdup(argv[optind])) == NULL || split_addr(&w, addr) != 0) {
		fprintf(stderr, "wire: bad address %s\n", argv[optind]);
		free(addr);
		return 2;
	}
	if (argc - optind == 2 && (f = fopen(argv[optind + 1], "r")) == NULL) {
		fprintf(stderr, "wire: %s: %s\n", argv[optind + 1],
		    strerror(errno));
		free(addr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	while ((n = getline(&line, &cap, f)) > 0) {
		w.line++;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (expand(&w, line, &ex) != 0 || run_line(&w, ex) != 0) {
			fprintf(stderr, "wire: line %d: %s\n    %s\n", w.line,
			    w.why, line);
			rc = 1;
			free(ex);
			ex = NULL;
			break;
		}
		free(ex);
		ex = NULL;
		fflush(stdout);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (rc == 0 && w.ncmds == 0) {
		fprintf(stderr, "wire: the script has no command\n");
		rc = 2;
	}
	wire_free(&w);
	free(addr);
	return rc;
}
