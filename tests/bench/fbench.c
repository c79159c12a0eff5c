/*
 * fbench.c: the load generator behind `make bench`. It pumps bytes through
 * a relay (ferryd, socat, the magic-wormhole transit relay, or none) with
 * one sender and one receiver process, opens thousands of clients that say
 * hello and follow the peer list, and reads the relay's CPU time and memory
 * from /proc. It prints one line of key=value figures; tests/bench/bench.sh
 * turns those into the table.
 *
 * It speaks ferry's protocol 2 (proto/PROTOCOL.md): control connections are
 * TLS 1.3, all of them with one client context and one Ed25519 key made
 * for the run (the relay refuses a repeated name, not a repeated key), and
 * the relay's key is taken without a pin (a benchmark trusts its relay);
 * data connections are in clear and claimed with attach, slot and bind.
 *
 * usage:
 *	fbench pump MODE [-n BYTES] [-k PAIRS] [-p PID] [ADDR...]
 *		MODE direct (no ADDR: a socket pair through the kernel only),
 *		ferryd ADDR (hello, offer, accept, attach, slot, bind, then
 *		raw bytes through the bridge),
 *		socat ADDR_A ADDR_B (socat listening on both), transit ADDR.
 *		PAIRS transfers at once (default 1), BYTES each (default 1 GiB).
 *		PID is the relay, whose CPU time over the pump and VmHWM are
 *		reported.
 *	fbench clients ADDR N [-p PID] [-w WINDOW] [-s SETTLE_MS] [-x]
 *		N clients connect (at most WINDOW not yet welcomed, default N),
 *		each completes its TLS handshake, sends hello and peers and
 *		follows peer_joined/peer_left until every one of them knows the
 *		N-1 others; reports the time and the relay's RSS per client.
 *		Up to 2000 clients every frame is also decoded by the real
 *		decoder and its count compared with the scan's; -x scans only,
 *		so that the time is the relay's more than this tool's.
 *	fbench idle ADDR N [-p PID] [-t|-T] [-w WINDOW]
 *		N connections that say nothing (-t: the transit relay's
 *		handshake, then nothing; -T: a whole TLS handshake with ferryd,
 *		then nothing), WINDOW connecting at a time (256); reports the
 *		relay's RSS per connection.
 *	fbench freeport
 *		prints a TCP port that was free on 127.0.0.1 a moment ago.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "tls.h"

#define FB_IO		(1024 * 1024)	/* sender and receiver: bytes per call */
#define FB_RBUF		(256 * 1024)	/* control reads */
#define FB_MAXPAIRS	64
#define FB_SETUP_MS	20000		/* any setup step, at most */
#define FB_TLS_IO	16384		/* TLS bytes moved per call */

static void	die(const char *, ...) __attribute__((format(printf, 1, 2),
		    noreturn));

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- /proc ------------------------------------------------------------- */

/* CPU time of every thread of pid in ns (schedstat), or -1. */
static int64_t
proc_cpu_ns(pid_t pid)
{
	char		 path[64], line[128];
	DIR		*d;
	struct dirent	*e;
	FILE		*f;
	int64_t		 sum = 0;
	long long	 v;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.16s/schedstat",
		    (int)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL &&
		    sscanf(line, "%lld", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/*
 * CPU seconds the whole machine spent busy (user, system, irq, softirq,
 * steal) from /proc/stat: it also counts the softirq work of loopback TCP
 * that the kernel charges to no process.
 */
static double
machine_busy(void)
{
	unsigned long long	v[8] = { 0 };
	FILE			*f;
	double			 hz = (double)sysconf(_SC_CLK_TCK);

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1.0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
		fclose(f);
		return -1.0;
	}
	fclose(f);
	/* user nice system idle iowait irq softirq steal: all but idle, iowait */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

/* A "VmRSS:"-style field of /proc/pid/status in kB, or -1. */
static long
proc_kb(pid_t pid, const char *field)
{
	char	 path[64], line[256];
	FILE	*f;
	size_t	 n = strlen(field);
	long	 v = -1;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* --- sockets ----------------------------------------------------------- */

static void
split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char	*c = strrchr(addr, ':');

	if (c == NULL)
		die("bad address %s (HOST:PORT)", addr);
	snprintf(host, hlen, "%.*s", (int)(c - addr), addr);
	snprintf(port, plen, "%s", c + 1);
}

static int
resolve(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo	 hints, *res;
	char		 host[256], port[16];

	split_addr(addr, host, sizeof host, port, sizeof port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A blocking connection to addr; retries refusals for up to ms (socat). */
static int
dial(const char *addr, int ms)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int64_t			end = now_ns() + (int64_t)ms * 1000000;
	int			fd;

	if (resolve(addr, &ss, &sslen) != 0)
		die("cannot resolve %s", addr);
	for (;;) {
		if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&ss, sslen) == 0)
			return fd;
		close(fd);
		if (errno != ECONNREFUSED || now_ns() > end)
			die("connect %s: %s", addr, strerror(errno));
		usleep(1000);
	}
}

static void
write_all(int fd, const void *p, size_t n)
{
	const uint8_t	*b = p;
	ssize_t		 r;

	while (n > 0) {
		if ((r = write(fd, b, n)) < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		b += r;
		n -= (size_t)r;
	}
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* --- TLS ------------------------------------------------------------------ */

static struct proto_tls_ctx	*fb_tls;	/* the client context of the run */

/* The one client context, with a key made for this run. */
static struct proto_tls_ctx *
tls_ctx(void)
{
	EVP_PKEY	*key;
	char		 err[256];

	if (fb_tls != NULL)
		return fb_tls;
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		die("cannot make an Ed25519 key");
	if (proto_tls_ctx_new(false, key, &fb_tls, err, sizeof err) != 0)
		die("%s", err);
	EVP_PKEY_free(key);	/* the context holds its own reference */
	return fb_tls;
}

static struct proto_tls *
tls_session(void)
{
	struct proto_tls	*t;

	if (proto_tls_new(tls_ctx(), &t) != 0)
		die("out of memory");
	return t;
}

/* Blocking: sends everything TLS has for the relay. */
static void
tls_flush(int fd, struct proto_tls *t)
{
	uint8_t	out[FB_TLS_IO];
	size_t	n;

	while ((n = proto_tls_take(t, out, sizeof out)) > 0)
		write_all(fd, out, n);
}

/* Blocking: feeds TLS what the relay sends next, waiting for it as long as setup may. */
static void
tls_feed_wait(int fd, struct proto_tls *t, const char *what)
{
	uint8_t		in[FB_TLS_IO];
	struct pollfd	pfd;
	ssize_t		n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, FB_SETUP_MS) <= 0)
		die("timed out waiting for %s", what);
	if ((n = read(fd, in, sizeof in)) <= 0)
		die("the relay closed the connection while we waited for %s",
		    what);
	if (proto_tls_feed(t, in, (size_t)n) != 0)
		die("out of memory");
}

/* --- a blocking framed connection, for setting transfers up ------------ */

struct fconn {
	int			 fd;
	struct proto_tls	*tls;		/* owned; NULL on a data connection */
	struct proto_decoder	 dec;
	uint8_t			 buf[FB_RBUF];	/* plain bytes from the relay */
	size_t			 pos, len;
};

/* A control connection (TLS, handshake done) when tls, else a data connection. */
static struct fconn *
fconn_open(const char *addr, int tls)
{
	struct fconn	*c;
	int		 r;

	if ((c = calloc(1, sizeof *c)) == NULL)
		die("out of memory");
	c->fd = dial(addr, 0);
	proto_decoder_init(&c->dec);
	if (!tls)
		return c;
	c->tls = tls_session();
	for (;;) {
		r = proto_tls_handshake(c->tls);
		tls_flush(c->fd, c->tls);
		if (r == 0)
			return c;
		if (r < 0)
			die("%s", proto_tls_error(c->tls));
		tls_feed_wait(c->fd, c->tls, "the TLS handshake");
	}
}

static void
fconn_send(struct fconn *c, const struct proto_msg *m)
{
	uint8_t	*f;
	size_t	 n;

	if (proto_msg_frame(m, &f, &n) != 0)
		die("cannot encode %s", proto_msg_type_name(m->type));
	if (c->tls == NULL)
		write_all(c->fd, f, n);
	else {
		if (proto_tls_write(c->tls, f, n) != 0)
			die("%s", proto_tls_error(c->tls));
		tls_flush(c->fd, c->tls);
	}
	free(f);
}

/* Refills buf with the next plain bytes from the relay, waiting for want. */
static void
fconn_fill(struct fconn *c, enum proto_msg_type want)
{
	const char	*what = proto_msg_type_name(want);
	struct pollfd	 pfd;
	ssize_t		 n;
	size_t		 got;
	int		 r;

	c->pos = c->len = 0;
	if (c->tls == NULL) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, FB_SETUP_MS) <= 0)
			die("timed out waiting for %s", what);
		if ((n = read(c->fd, c->buf, sizeof c->buf)) <= 0)
			die("the relay closed the connection while we waited "
			    "for %s", what);
		c->len = (size_t)n;
		return;
	}
	for (;;) {
		r = proto_tls_read(c->tls, c->buf, sizeof c->buf, &got);
		tls_flush(c->fd, c->tls);
		if (r == 0) {
			c->len = got;
			return;
		}
		if (r == PROTO_TLS_CLOSED)
			die("the relay ended TLS while we waited for %s", what);
		if (r < 0)
			die("%s", proto_tls_error(c->tls));
		tls_feed_wait(c->fd, c->tls, what);
	}
}

/* The next message of type want (skipping pushes, answering pings). */
static void
fconn_expect(struct fconn *c, enum proto_msg_type want, struct proto_msg *m)
{
	struct proto_frame	f;
	struct proto_msg	pong;
	char			err[256];
	size_t			used;
	int			r;

	for (;;) {
		while (c->pos < c->len) {
			r = proto_decoder_feed(&c->dec, c->buf + c->pos,
			    c->len - c->pos, &used, &f);
			c->pos += used;
			if (r < 0)
				die("bad frame from the relay");
			if (r == 0)
				break;
			if (f.kind != PROTO_KIND_CONTROL)
				die("data frame during setup");
			if (proto_msg_decode(f.payload, f.len, m, err,
			    sizeof err) != 0)
				die("bad message from the relay: %s", err);
			if (m->type == want)
				return;
			if (m->type == PROTO_MSG_ERROR)
				die("relay error %s: %s", m->code, m->message);
			if (m->type == PROTO_MSG_PING) {
				proto_msg_init(&pong, PROTO_MSG_PONG);
				fconn_send(c, &pong);
			}
			proto_msg_free(m);
		}
		fconn_fill(c, want);
	}
}

static void
fconn_free(struct fconn *c)
{
	if (c == NULL)
		return;
	proto_tls_free(c->tls);
	close(c->fd);
	proto_decoder_free(&c->dec);
	free(c);
}

/* hello and welcome; returns the id the relay gave c. */
static uint64_t
fconn_hello(struct fconn *c, const char *name)
{
	struct proto_msg	m;
	uint64_t		id;

	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "%s", name);
	fconn_send(c, &m);
	fconn_expect(c, PROTO_MSG_WELCOME, &m);
	id = m.id;
	proto_msg_free(&m);
	return id;
}

/* --- pump ---------------------------------------------------------------- */

struct pair {
	int		 tx, rx;	/* data sockets: the sender writes, the receiver reads */
	struct fconn	*ctl[2];	/* owned: ferryd's control connections, open through the pump */
};

static void
setup_direct(struct pair *p, int k)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	char			addr[64];
	int			lfd, i;

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0)
		die("listen: %s", strerror(errno));
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	for (i = 0; i < k; i++) {
		p[i].tx = dial(addr, 0);
		if ((p[i].rx = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			die("accept: %s", strerror(errno));
	}
	close(lfd);
}

static void
setup_socat(struct pair *p, int k, const char *a, const char *b)
{
	if (k != 1)
		die("socat bridges one pair");
	/* socat opens its second address only once the first has a client. */
	p[0].tx = dial(a, FB_SETUP_MS);
	p[0].rx = dial(b, FB_SETUP_MS);
}

static void
transit_hello(int fd, const char *token, const char *side)
{
	char	line[160];
	size_t	n;

	n = (size_t)snprintf(line, sizeof line, "please relay %s for side %s\n",
	    token, side);
	write_all(fd, line, n);
}

static void
transit_ok(int fd)
{
	char		buf[8];
	size_t		got = 0;
	ssize_t		n;
	struct pollfd	pfd;

	while (got < 3) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, FB_SETUP_MS) <= 0)
			die("transit relay: no ok");
		if ((n = read(fd, buf + got, 3 - got)) <= 0)
			die("transit relay closed the connection");
		got += (size_t)n;
	}
	if (memcmp(buf, "ok\n", 3) != 0)
		die("transit relay said %.3s", buf);
}

static void
random_hex(char *out, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++)
		out[i] = hex[random() & 15];
	out[n] = '\0';
}

static void
setup_transit(struct pair *p, int k, const char *addr)
{
	char	token[65], s1[17], s2[17];
	int	i;

	for (i = 0; i < k; i++) {
		random_hex(token, 64);
		random_hex(s1, 16);
		do
			random_hex(s2, 16);
		while (strcmp(s1, s2) == 0);
		p[i].tx = dial(addr, 0);
		transit_hello(p[i].tx, token, s1);
		p[i].rx = dial(addr, 0);
		transit_hello(p[i].rx, token, s2);
		transit_ok(p[i].tx);
		transit_ok(p[i].rx);
	}
}

/* A data connection's slot, bound on its control connection ctl. */
static void
bind_slot(struct fconn *data, struct fconn *ctl, uint64_t xfer)
{
	struct proto_msg	m;
	char			slot[PROTO_SLOT_LEN + 1];

	fconn_expect(data, PROTO_MSG_SLOT, &m);
	snprintf(slot, sizeof slot, "%s", m.slot);
	proto_msg_free(&m);
	proto_msg_init(&m, PROTO_MSG_BIND);
	m.transfer = xfer;
	snprintf(m.slot, sizeof m.slot, "%s", slot);
	fconn_send(ctl, &m);
}

/* Waits for attached {xfer} on a data connection; nothing may follow it yet. */
static void
attached(struct fconn *data, uint64_t xfer)
{
	struct proto_msg	m;

	fconn_expect(data, PROTO_MSG_ATTACHED, &m);
	if (m.transfer != xfer)
		die("attached to transfer %" PRIu64 ", not %" PRIu64,
		    m.transfer, xfer);
	proto_msg_free(&m);
	if (data->pos != data->len)
		die("bytes after attached");
}

/* Two control clients per pair stay open (and unread) during the pump. */
static void
setup_ferryd(struct pair *p, int k, const char *addr, uint64_t bytes)
{
	struct fconn		*s, *r, *sd, *rd;
	struct proto_msg	 m;
	char			 sname[64], rname[64];
	uint64_t		 xfer, rid;
	int			 i;

	for (i = 0; i < k; i++) {
		snprintf(sname, sizeof sname, "bench-tx%d-%d", (int)getpid(), i);
		snprintf(rname, sizeof rname, "bench-rx%d-%d", (int)getpid(), i);
		s = fconn_open(addr, 1);
		fconn_hello(s, sname);
		r = fconn_open(addr, 1);
		rid = fconn_hello(r, rname);

		/* Protocol 2: count and size only; ready comes at once. */
		proto_msg_init(&m, PROTO_MSG_OFFER);
		m.ref = (uint64_t)i + 1;
		m.to = rid;
		m.count = 1;
		m.size = bytes;
		fconn_send(s, &m);
		fconn_expect(s, PROTO_MSG_OFFERED, &m);
		xfer = m.transfer;
		proto_msg_free(&m);
		fconn_expect(r, PROTO_MSG_INCOMING, &m);
		proto_msg_free(&m);
		fconn_expect(s, PROTO_MSG_READY, &m);
		proto_msg_free(&m);
		fconn_expect(r, PROTO_MSG_READY, &m);
		proto_msg_free(&m);

		/* Data connections in clear, claimed on the TLS control ones. */
		sd = fconn_open(addr, 0);
		rd = fconn_open(addr, 0);
		proto_msg_init(&m, PROTO_MSG_ATTACH);
		fconn_send(sd, &m);
		fconn_send(rd, &m);
		bind_slot(sd, s, xfer);
		bind_slot(rd, r, xfer);
		attached(sd, xfer);
		attached(rd, xfer);
		p[i].tx = sd->fd;
		p[i].rx = rd->fd;
		/* The control connections stay open (and unread) until the end. */
		p[i].ctl[0] = s;
		p[i].ctl[1] = r;
		proto_decoder_free(&sd->dec);
		proto_decoder_free(&rd->dec);
		free(sd);
		free(rd);
	}
}

/* Moves bytes on k sockets: writes (tx) or reads and drops (rx) n on each. */
static void
pump_io(int *fds, int k, uint64_t n, int tx, uint8_t *buf)
{
	struct pollfd	pfd[FB_MAXPAIRS];
	uint64_t	left[FB_MAXPAIRS];
	size_t		want;
	ssize_t		r;
	int		i, active = k;

	for (i = 0; i < k; i++)
		left[i] = n;
	if (k == 1) {
		/* One socket: plain blocking calls, no poll in between. */
		while (left[0] > 0) {
			want = left[0] < FB_IO ? (size_t)left[0] : FB_IO;
			r = tx ? send(fds[0], buf, want, MSG_NOSIGNAL) :
			    read(fds[0], buf, want);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die("%s: %s after %" PRIu64 " bytes", tx ?
				    "send" : "read", r == 0 ? "closed" :
				    strerror(errno), n - left[0]);
			left[0] -= (uint64_t)r;
		}
		return;
	}
	for (i = 0; i < k; i++)
		set_nonblock(fds[i]);
	while (active > 0) {
		for (i = 0; i < k; i++) {
			pfd[i].fd = left[i] > 0 ? fds[i] : -1;
			pfd[i].events = tx ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)k, 60000) <= 0)
			die("poll: stalled");
		for (i = 0; i < k; i++) {
			if (pfd[i].revents == 0 || left[i] == 0)
				continue;
			want = left[i] < FB_IO ? (size_t)left[i] : FB_IO;
			r = tx ? send(fds[i], buf, want, MSG_NOSIGNAL) :
			    read(fds[i], buf, want);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0)
				die("%s %d: %s", tx ? "send" : "read", i,
				    r == 0 ? "closed" : strerror(errno));
			left[i] -= (uint64_t)r;
			if (left[i] == 0)
				active--;
		}
	}
}

static int
cmd_pump(int argc, char **argv)
{
	struct pair	 p[FB_MAXPAIRS];
	uint64_t	 bytes = 1ULL << 30;
	const char	*mode;
	uint8_t		*buf;
	int64_t		 t0, t1, cpu0, cpu1;
	pid_t		 relay = 0, child;
	int		 k = 1, fds[FB_MAXPAIRS], pfd[2], i, c, st;
	double		 secs, gib, ends, mach0, mach1;
	struct rusage	 ru0, ru1, ruc;

	while ((c = getopt(argc, argv, "n:k:p:")) != -1) {
		switch (c) {
		case 'n':
			bytes = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 'p':
			relay = (pid_t)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc || k < 1 || k > FB_MAXPAIRS || bytes == 0)
		die("usage: fbench pump MODE [-n BYTES] [-k PAIRS] [-p PID] [ADDR...]");
	mode = argv[optind++];
	memset(p, 0, sizeof p);
	if (strcmp(mode, "direct") == 0)
		setup_direct(p, k);
	else if (strcmp(mode, "ferryd") == 0 && optind < argc)
		setup_ferryd(p, k, argv[optind], bytes);
	else if (strcmp(mode, "socat") == 0 && optind + 1 < argc)
		setup_socat(p, k, argv[optind], argv[optind + 1]);
	else if (strcmp(mode, "transit") == 0 && optind < argc)
		setup_transit(p, k, argv[optind]);
	else
		die("unknown mode %s or missing address", mode);

	/* Incompressible and never touched again: the cost is only the I/O. */
	if ((buf = malloc(FB_IO)) == NULL)
		die("out of memory");
	for (i = 0; i < FB_IO; i++)
		buf[i] = (uint8_t)random();
	if (pipe(pfd) != 0)
		die("pipe: %s", strerror(errno));
	if ((child = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		/* The receiver: read everything, say when the last byte came. */
		close(pfd[0]);
		for (i = 0; i < k; i++) {
			close(p[i].tx);
			fds[i] = p[i].rx;
		}
		pump_io(fds, k, bytes, 0, buf);
		t1 = now_ns();
		write_all(pfd[1], &t1, sizeof t1);
		_exit(0);
	}
	close(pfd[1]);
	for (i = 0; i < k; i++) {
		close(p[i].rx);
		fds[i] = p[i].tx;
	}
	cpu0 = proc_cpu_ns(relay);
	getrusage(RUSAGE_SELF, &ru0);
	mach0 = machine_busy();
	t0 = now_ns();
	pump_io(fds, k, bytes, 1, buf);
	if (read(pfd[0], &t1, sizeof t1) != (ssize_t)sizeof t1)
		die("the receiver failed");
	cpu1 = proc_cpu_ns(relay);
	mach1 = machine_busy();
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("the receiver failed");
	getrusage(RUSAGE_SELF, &ru1);
	getrusage(RUSAGE_CHILDREN, &ruc);
	/* The endpoints: the sender's pump and the whole receiver process. */
#define TV(t)	((double)(t).tv_sec + (double)(t).tv_usec / 1e6)
	ends = TV(ru1.ru_utime) - TV(ru0.ru_utime) + TV(ru1.ru_stime) -
	    TV(ru0.ru_stime) + TV(ruc.ru_utime) + TV(ruc.ru_stime);
#undef TV
	secs = (double)(t1 - t0) / 1e9;
	gib = (double)bytes * k / 1073741824.0;
	printf("mode=%s pairs=%d bytes=%" PRIu64 " secs=%.4f mbps=%.1f "
	    "cpu=%.4f cpu_per_gib=%.4f ends_cpu_per_gib=%.4f "
	    "machine_cpu_per_gib=%.4f hwm_kb=%ld\n", mode, k,
	    bytes * (uint64_t)k, secs, (double)bytes * k / secs / 1e6,
	    cpu0 >= 0 ? (double)(cpu1 - cpu0) / 1e9 : -1.0,
	    cpu0 >= 0 ? (double)(cpu1 - cpu0) / 1e9 / gib : -1.0, ends / gib,
	    mach0 >= 0 ? (mach1 - mach0) / gib : -1.0, proc_kb(relay, "VmHWM"));
	for (i = 0; i < k; i++) {
		close(p[i].tx);
		fconn_free(p[i].ctl[0]);
		fconn_free(p[i].ctl[1]);
	}
	free(buf);
	return 0;
}

/* --- clients: many control connections that follow the peer list ------- */

struct client {
	int			 fd;
	int			 state;
#define CL_CONNECTING	0
#define CL_HANDSHAKE	1	/* TLS handshake under way */
#define CL_HELLO	2	/* hello and peers sent */
#define CL_WELCOMED	3
#define CL_DONE		4	/* knows every other client */
	int			 want_out;	/* EPOLLOUT asked for */
	uint64_t		 id;
	uint32_t		 known;	/* distinct peers it was told of */
	struct proto_tls	*tls;		/* owned: its own session */
	uint8_t			*out;		/* owned: TLS bytes the socket refused */
	size_t			 outlen;
	struct proto_decoder	 dec;
};

struct crowd {
	struct client	*cl;
	size_t		 n;
	uint64_t	*bits;		/* owned: n rows of words, bit per peer id */
	size_t		 words;		/* per row */
	uint64_t	 maxid;		/* ids above are not ours */
	size_t		 ndone, nwelcomed;
	uint64_t	 dups, frames, bytes, lefts;
	int		 check;		/* also decode with proto_msg_decode */
};

static int
crowd_mark(struct crowd *cw, struct client *c, uint64_t id, int set)
{
	uint64_t	*row = cw->bits + (size_t)(c - cw->cl) * cw->words;
	uint64_t	 bit;

	if (id == 0 || id > cw->maxid)
		die("peer id %" PRIu64 " is not one of ours", id);
	if (id == c->id)
		die("client %" PRIu64 " was told of itself", id);
	bit = 1ULL << ((id - 1) % 64);
	if (set) {
		if (row[(id - 1) / 64] & bit) {
			cw->dups++;
			return 0;
		}
		row[(id - 1) / 64] |= bit;
		c->known++;
		return 1;
	}
	if (row[(id - 1) / 64] & bit) {
		row[(id - 1) / 64] &= ~bit;
		c->known--;
	}
	cw->lefts++;
	return 0;
}

/*
 * Reads the ids out of a peer_list/peer_joined ("{"id":N,...") or a
 * peer_left ("ids":[N,N]) without a JSON parser: at 10,000 clients the
 * lists add up to gigabytes. The names here never contain quotes.
 */
static size_t
scan_ids(struct crowd *cw, struct client *c, const uint8_t *p, size_t len,
    int left)
{
	const uint8_t	*end = p + len, *q;
	const char	*key = left ? "\"ids\":[" : "{\"id\":";
	size_t		 klen = strlen(key), count = 0;
	uint64_t	 v;

	while ((q = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
		p = q + klen;
		for (;;) {
			v = 0;
			while (p < end && *p >= '0' && *p <= '9')
				v = v * 10 + (uint64_t)(*p++ - '0');
			crowd_mark(cw, c, v, !left);
			count++;
			if (!left || p >= end || *p != ',')
				break;
			p++;
		}
		if (left)
			break;
	}
	return count;
}

/* Queues m inside the client's TLS session; crowd_flush sends it. */
static void
crowd_send(struct client *c, const struct proto_msg *m)
{
	uint8_t	*f;
	size_t	 n;

	if (proto_msg_frame(m, &f, &n) != 0)
		die("encode");
	if (proto_tls_write(c->tls, f, n) != 0)
		die("%s", proto_tls_error(c->tls));
	free(f);
}

/* Sends what the socket takes now: 1 when bytes are left for EPOLLOUT, else 0. */
static int
crowd_sendbuf(struct client *c, const uint8_t *p, size_t n, size_t *sent)
{
	ssize_t	w;

	*sent = 0;
	while (*sent < n) {
		w = send(c->fd, p + *sent, n - *sent, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 1;
		if (w < 0)
			die("send: %s", strerror(errno));
		*sent += (size_t)w;
	}
	return 0;
}

/*
 * Sends what the client's TLS session holds, first what the socket refused
 * before; keeps the rest (and asks for EPOLLOUT) when the socket is full.
 */
static void
crowd_flush(int ep, struct client *c)
{
	struct epoll_event	ev;
	uint8_t			tmp[FB_TLS_IO];
	size_t			n, sent, more;
	int			full = 0;

	if (c->outlen > 0) {
		full = crowd_sendbuf(c, c->out, c->outlen, &sent);
		memmove(c->out, c->out + sent, c->outlen - sent);
		c->outlen -= sent;
		if (c->outlen == 0) {
			free(c->out);
			c->out = NULL;
		}
	}
	while (!full && (n = proto_tls_take(c->tls, tmp, sizeof tmp)) > 0) {
		if ((full = crowd_sendbuf(c, tmp, n, &sent)) == 0)
			continue;
		more = proto_tls_pending(c->tls);
		if ((c->out = malloc(n - sent + more)) == NULL)
			die("out of memory");
		memcpy(c->out, tmp + sent, n - sent);
		c->outlen = n - sent + proto_tls_take(c->tls, c->out + n - sent,
		    more);
	}
	if (full != c->want_out) {
		c->want_out = full;
		ev.events = EPOLLIN | (full ? EPOLLOUT : 0);
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
			die("epoll_ctl: %s", strerror(errno));
	}
}

static void
crowd_frame(struct crowd *cw, struct client *c, const struct proto_frame *f)
{
	const char		*p = (const char *)f->payload;
	struct proto_msg	 m;
	char			 err[256];
	size_t			 n = 0, want = 0;
	int			 kind;

	cw->frames++;
	if (f->kind != PROTO_KIND_CONTROL || f->len < 12 ||
	    strncmp(p, "{\"type\":\"", 9) != 0)
		die("unexpected frame");
	p += 9;
	if (strncmp(p, "peer_joined\"", 12) == 0 ||
	    strncmp(p, "peer_list\"", 10) == 0)
		kind = 1;
	else if (strncmp(p, "peer_left\"", 10) == 0)
		kind = 2;
	else
		kind = 0;
	if (kind != 0)
		n = scan_ids(cw, c, f->payload, f->len, kind == 2);
	if (cw->check || kind == 0) {
		if (proto_msg_decode(f->payload, f->len, &m, err, sizeof err) != 0)
			die("bad message: %s", err);
		want = m.type == PROTO_MSG_PEER_LEFT ? m.nids : m.npeers;
		if (kind != 0 && want != n)
			die("%s: scanned %zu ids, decoded %zu",
			    proto_msg_type_name(m.type), n, want);
		if (m.type == PROTO_MSG_WELCOME) {
			c->id = m.id;
			c->state = CL_WELCOMED;
			cw->nwelcomed++;
		} else if (m.type == PROTO_MSG_PING) {
			proto_msg_free(&m);
			proto_msg_init(&m, PROTO_MSG_PONG);
			crowd_send(c, &m);
		} else if (m.type == PROTO_MSG_ERROR)
			die("relay error %s: %s", m.code, m.message);
		proto_msg_free(&m);
	}
	if (c->state == CL_WELCOMED && c->known == cw->n - 1) {
		c->state = CL_DONE;
		cw->ndone++;
	} else if (c->state == CL_DONE && c->known != cw->n - 1) {
		c->state = CL_WELCOMED;
		cw->ndone--;
	}
}

static int
crowd_connect(int ep, const struct sockaddr_storage *ss, socklen_t sslen,
    struct client *c)
{
	struct epoll_event	ev;

	if ((c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s (raise ulimit -n)", strerror(errno));
	if (connect(c->fd, (const struct sockaddr *)ss, sslen) != 0 &&
	    errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	c->state = CL_CONNECTING;
	c->want_out = 1;
	proto_decoder_init(&c->dec);
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* hello and peers, pipelined as ferry does, once the handshake is done. */
static void
crowd_hello(struct crowd *cw, struct client *c)
{
	struct proto_msg	m;

	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "c%zu", (size_t)(c - cw->cl));
	crowd_send(c, &m);
	proto_msg_init(&m, PROTO_MSG_PEERS);
	crowd_send(c, &m);
	c->state = CL_HELLO;
}

/*
 * Everything the socket holds: into TLS, through the handshake, and the
 * plain bytes through the frame decoder. rbuf and pbuf are FB_RBUF bytes
 * of scratch for the TLS and the plain bytes.
 */
static void
crowd_input(struct crowd *cw, struct client *c, uint8_t *rbuf, uint8_t *pbuf)
{
	struct proto_frame	f;
	size_t			got, p, used;
	ssize_t			r;
	int			tr, fr;

	for (;;) {
		r = read(c->fd, rbuf, FB_RBUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0)
			die("client %zu: the relay closed it (%s)",
			    (size_t)(c - cw->cl), r == 0 ? "EOF" :
			    strerror(errno));
		if (proto_tls_feed(c->tls, rbuf, (size_t)r) != 0)
			die("out of memory");
		if (r < FB_RBUF)
			break;
	}
	if (c->state == CL_HANDSHAKE) {
		if ((tr = proto_tls_handshake(c->tls)) < 0)
			die("client %zu: %s", (size_t)(c - cw->cl),
			    proto_tls_error(c->tls));
		if (tr != 0)
			return;
		crowd_hello(cw, c);
	}
	for (;;) {
		tr = proto_tls_read(c->tls, pbuf, FB_RBUF, &got);
		if (tr == PROTO_TLS_WANT)
			break;
		if (tr != 0)
			die("client %zu: %s", (size_t)(c - cw->cl), tr < 0 ?
			    proto_tls_error(c->tls) : "the relay ended TLS");
		cw->bytes += got;
		for (p = 0; p < got; p += used) {
			fr = proto_decoder_feed(&c->dec, pbuf + p, got - p,
			    &used, &f);
			if (fr < 0)
				die("bad frame");
			if (fr == 0)
				break;
			crowd_frame(cw, c, &f);
		}
	}
	if (proto_decoder_idle(&c->dec) && c->dec.cap > 4096) {
		proto_decoder_free(&c->dec);
		proto_decoder_init(&c->dec);
	}
}

static int
cmd_clients(int argc, char **argv)
{
	struct crowd		 cw;
	struct epoll_event	 evs[256];
	struct sockaddr_storage	 ss;
	struct client		*c;
	socklen_t		 sslen, elen;
	uint8_t			*rbuf, *pbuf;
	size_t			 next = 0, i;
	int64_t			 t0, tc = 0, t1, last = 0;
	long			 rss0, rss, hwm;
	pid_t			 relay = 0;
	int			 ep, n, j, ch, err, window = 0, settle = 500;
	int			 scan_only = 0;

	while ((ch = getopt(argc, argv, "p:w:s:x")) != -1) {
		switch (ch) {
		case 'p':
			relay = (pid_t)atoi(optarg);
			break;
		case 'w':
			window = atoi(optarg);
			break;
		case 's':
			settle = atoi(optarg);
			break;
		case 'x':
			scan_only = 1;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2)
		die("usage: fbench clients ADDR N [-p PID] [-w WINDOW] [-s MS] [-x]");
	memset(&cw, 0, sizeof cw);
	cw.n = strtoul(argv[optind + 1], NULL, 10);
	if (cw.n < 2)
		die("N must be at least 2");
	if (window <= 0)
		window = (int)cw.n;
	cw.check = cw.n <= 2000 && !scan_only;
	cw.maxid = cw.n * 2 + 1024;
	cw.words = (size_t)(cw.maxid + 63) / 64;
	if ((cw.cl = calloc(cw.n, sizeof *cw.cl)) == NULL ||
	    (cw.bits = calloc(cw.n * cw.words, sizeof *cw.bits)) == NULL ||
	    (rbuf = malloc(FB_RBUF)) == NULL || (pbuf = malloc(FB_RBUF)) == NULL)
		die("out of memory");
	if (resolve(argv[optind], &ss, &sslen) != 0)
		die("cannot resolve %s", argv[optind]);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll: %s", strerror(errno));
	(void)tls_ctx();	/* the key is made before the clock starts */
	rss0 = proc_kb(relay, "VmRSS");
	t0 = now_ns();
	while (cw.ndone < cw.n) {
		/* Keep at most window clients between connect and welcome. */
		while (next < cw.n &&
		    (int)(next - cw.nwelcomed) < window) {
			if (crowd_connect(ep, &ss, sslen, &cw.cl[next]) != 0)
				die("epoll_ctl: %s", strerror(errno));
			next++;
		}
		if (next == cw.n && tc == 0 && cw.nwelcomed == cw.n)
			tc = now_ns();
		n = epoll_wait(ep, evs, 256, 1000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		if (n <= 0) {
			if (now_ns() - last > 120 * 1000000000LL && last != 0)
				die("stalled: %zu of %zu welcomed, %zu done",
				    cw.nwelcomed, cw.n, cw.ndone);
			continue;
		}
		last = now_ns();
		for (j = 0; j < n; j++) {
			c = evs[j].data.ptr;
			if (c->state == CL_CONNECTING) {
				elen = sizeof err;
				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
				    &elen) != 0 || err != 0)
					die("connect: %s", strerror(err));
				/* Each client its own session, on the one context. */
				c->tls = tls_session();
				c->state = CL_HANDSHAKE;
				if (proto_tls_handshake(c->tls) < 0)
					die("%s", proto_tls_error(c->tls));
			} else if (evs[j].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				crowd_input(&cw, c, rbuf, pbuf);
			crowd_flush(ep, c);
		}
	}
	t1 = now_ns();
	if (tc == 0)
		tc = t1;
	/* Let the relay finish writing and freeing before it is measured. */
	usleep((useconds_t)settle * 1000);
	rss = proc_kb(relay, "VmRSS");
	hwm = proc_kb(relay, "VmHWM");
	printf("clients=%zu secs=%.3f connect_secs=%.3f frames=%" PRIu64
	    " bytes=%" PRIu64 " dups=%" PRIu64 " lefts=%" PRIu64 " rss0_kb=%ld "
	    "rss_kb=%ld hwm_kb=%ld per_client_b=%.0f\n", cw.n,
	    (double)(t1 - t0) / 1e9, (double)(tc - t0) / 1e9, cw.frames,
	    cw.bytes, cw.dups, cw.lefts, rss0, rss, hwm, rss0 >= 0 ?
	    (double)(rss - rss0) * 1024.0 / (double)cw.n : -1.0);
	fflush(stdout);
	for (i = 0; i < cw.n; i++) {
		close(cw.cl[i].fd);
		proto_tls_free(cw.cl[i].tls);
		free(cw.cl[i].out);
		proto_decoder_free(&cw.cl[i].dec);
	}
	free(cw.cl);
	free(cw.bits);
	free(rbuf);
	free(pbuf);
	close(ep);
	return cw.dups == 0 ? 0 : 1;
}

/* --- idle connections ---------------------------------------------------- */

/* A non-blocking connect for the idle crowd. */
static void
idle_dial(struct pollfd *pf, const struct sockaddr_storage *ss, socklen_t sslen)
{
	if ((pf->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s (raise ulimit -n)", strerror(errno));
	if (connect(pf->fd, (const struct sockaddr *)ss, sslen) != 0 &&
	    errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	pf->events = POLLOUT;
	pf->revents = 0;
}

/*
 * One step of an idle connection's TLS handshake, when the relay sent
 * something: 1 once it is complete (the session is freed: the relay keeps
 * its half, which is what is measured), else 0.
 */
static int
idle_tls_step(struct pollfd *pf, struct proto_tls **t)
{
	uint8_t	in[FB_TLS_IO];
	ssize_t	n;
	int	r;

	if ((n = read(pf->fd, in, sizeof in)) < 0 && (errno == EAGAIN ||
	    errno == EINTR))
		return 0;
	if (n <= 0)
		die("the relay closed a connection in its TLS handshake (%s)",
		    n == 0 ? "EOF" : strerror(errno));
	if (proto_tls_feed(*t, in, (size_t)n) != 0)
		die("out of memory");
	if ((r = proto_tls_handshake(*t)) < 0)
		die("%s", proto_tls_error(*t));
	tls_flush(pf->fd, *t);	/* a few hundred bytes: the socket takes them */
	if (r != 0)
		return 0;
	proto_tls_free(*t);
	*t = NULL;
	return 1;
}

static int
cmd_idle(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct pollfd		*pf;
	struct proto_tls	**ts = NULL;	/* owned: -T, sessions in handshake */
	char			 token[65], side[17], line[160];
	size_t			 n, i, open = 0, k;
	long			 rss0, rss, prev = -1;
	pid_t			 relay = 0;
	int			 transit = 0, tls = 0, ch, e, tries;
	size_t			 window = 256, redials = 0;
	socklen_t		 elen;
	int64_t			 t0, tc, end;

	while ((ch = getopt(argc, argv, "p:tTw:")) != -1) {
		switch (ch) {
		case 'p':
			relay = (pid_t)atoi(optarg);
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 't':
			transit = 1;
			break;
		case 'T':
			tls = 1;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || (transit && tls))
		die("usage: fbench idle ADDR N [-p PID] [-t|-T] [-w WINDOW]");
	n = strtoul(argv[optind + 1], NULL, 10);
	if (window == 0)
		window = 1;
	if (resolve(argv[optind], &ss, &sslen) != 0)
		die("cannot resolve %s", argv[optind]);
	if ((pf = calloc(n, sizeof *pf)) == NULL ||
	    (tls && (ts = calloc(n, sizeof *ts)) == NULL))
		die("out of memory");
	if (tls)
		(void)tls_ctx();	/* the key is made before the clock starts */
	rss0 = proc_kb(relay, "VmRSS");
	t0 = now_ns();
	/*
	 * Connect in windows. A relay that accepts slowly (a listen backlog
	 * of 50) drops SYNs, and the kernel would retry only after a second:
	 * a connection still pending after 30 ms is dialled again instead.
	 * With -T a connection counts once its handshake is complete.
	 */
	for (i = 0; i < n; i += k) {
		k = n - i < window ? n - i : window;
		for (size_t j = i; j < i + k; j++)
			idle_dial(&pf[j], &ss, sslen);
		end = now_ns() + (tls ? 30 : 10) * 1000000000LL;
		for (tries = 0; now_ns() < end; tries++) {
			size_t done = 0;

			if (poll(pf + i, (nfds_t)k, 10) < 0 && errno != EINTR)
				die("poll: %s", strerror(errno));
			for (size_t j = i; j < i + k; j++) {
				if (pf[j].events == 0) {
					done++;
					continue;
				}
				if (tls && ts[j] != NULL) {
					if (pf[j].revents != 0 &&
					    idle_tls_step(&pf[j], &ts[j])) {
						pf[j].events = 0;
						open++;
						done++;
					}
					continue;
				}
				if (pf[j].revents == 0) {
					if (tries % 3 == 2) {
						close(pf[j].fd);
						idle_dial(&pf[j], &ss, sslen);
						redials++;
					}
					continue;
				}
				elen = sizeof e;
				if (getsockopt(pf[j].fd, SOL_SOCKET, SO_ERROR, &e,
				    &elen) != 0 || e != 0)
					die("connect: %s", strerror(e));
				if (transit) {
					random_hex(token, 64);
					random_hex(side, 16);
					snprintf(line, sizeof line, "please relay "
					    "%s for side %s\n", token, side);
					write_all(pf[j].fd, line, strlen(line));
				}
				if (tls) {
					/* Its own session; the ClientHello goes now. */
					ts[j] = tls_session();
					if (proto_tls_handshake(ts[j]) < 0)
						die("%s", proto_tls_error(ts[j]));
					tls_flush(pf[j].fd, ts[j]);
					pf[j].events = POLLIN;
					continue;
				}
				pf[j].events = 0;
				open++;
				done++;
			}
			if (done == k)
				break;
		}
		if (now_ns() >= end)
			die("connections did not complete");
	}
	tc = now_ns();
	/* The relay takes its time with the last ones: wait until RSS holds. */
	for (tries = 0; tries < 50; tries++) {
		usleep(200000);
		rss = proc_kb(relay, "VmRSS");
		if (rss == prev)
			break;
		prev = rss;
	}
	rss = proc_kb(relay, "VmRSS");
	printf("conns=%zu redials=%zu connect_secs=%.3f settle_secs=%.3f "
	    "rss0_kb=%ld rss_kb=%ld per_conn_b=%.0f\n", open, redials,
	    (double)(tc - t0) / 1e9,
	    (double)(now_ns() - tc) / 1e9, rss0, rss, rss0 >= 0 ?
	    (double)(rss - rss0) * 1024.0 / (double)n : -1.0);
	for (i = 0; i < n; i++)
		close(pf[i].fd);
	free(pf);
	free(ts);	/* every session was freed when its handshake ended */
	return 0;
}

static int
cmd_freeport(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		die("bind: %s", strerror(errno));
	printf("%u\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)(getpid() ^ (unsigned)now_ns()));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		die("usage: fbench pump|clients|idle|freeport ...");
	if (strcmp(argv[1], "pump") == 0)
		return cmd_pump(argc - 1, argv + 1);
	if (strcmp(argv[1], "clients") == 0)
		return cmd_clients(argc - 1, argv + 1);
	if (strcmp(argv[1], "idle") == 0)
		return cmd_idle(argc - 1, argv + 1);
	if (strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	die("unknown command %s", argv[1]);
}
