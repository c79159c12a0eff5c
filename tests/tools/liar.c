/*
 * liar.c: a lying relay for the e2e tests, a man in the middle that the
 * clients trust (they pinned its key). It shows what the end-to-end check
 * of PROTOCOL.md section 3.4 is for: a relay that announces the wrong key
 * for a peer, or bridges a sender to someone else, is caught by the
 * clients, however well it lies on the control connection.
 *
 *	liar --upstream HOST:PORT --key FILE [--substitute NAME]
 *	    [--misroute FROM:TO:INSTEAD]
 *
 * It listens on 127.0.0.1 (an ephemeral port) and prints "listening on
 * 127.0.0.1:PORT" and "host key SHORT in FILE" (its own Ed25519 key, made
 * in FILE when missing) on stderr, as ferryd does, so a test pins it the
 * same way. Each control connection (its first byte is a TLS record) is
 * terminated here, as a TLS server with the liar's key that requires the
 * client's certificate, so the liar learns every client's real key; for
 * each it opens its own TLS control connection to the real relay, with a
 * new key of its own, and passes the frames both ways, rewriting:
 *
 *   - welcome.key and the key of every peer object (peer_list,
 *     peer_joined, offered, incoming) become the real key the liar saw for
 *     that name, so an honest run works end to end through it;
 *   - --substitute NAME: NAME's peer objects carry a fresh random key
 *     instead (one per run);
 *   - --misroute FROM:TO:INSTEAD: FROM's offers to TO (named by its name,
 *     addr or id) go to INSTEAD, and their offered.peer is made to look
 *     like TO (id, name, addr, key).
 *
 * Data connections (the first byte is a frame) are passed to the real
 * relay byte for byte: they are in clear only until attached, and what
 * follows is the clients' own session. Every rewrite is logged (names,
 * never keys). One thread per control connection (poll on both sockets),
 * two per data connection (one per direction), blocking calls; they all
 * end with the process.
 */
#define _GNU_SOURCE	/* accept4 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "addr.h"
#include "frame.h"
#include "keyfile.h"
#include "msg.h"
#include "proto.h"
#include "text.h"
#include "tls.h"

#define LIAR_NAMES	256	/* clients the liar remembers */
#define LIAR_CONNS	256	/* connections handled at once */
#define LIAR_IDLE_MS	120000	/* a control connection silent this long is closed */
#define LIAR_REFS	64	/* misrouted offers remembered per connection */

/* A name the liar has seen: the key its client showed, its peer object. */
struct known {
	char			name[PROTO_PEER_NAME_MAX + 1];
	char			key[PROTO_KEY_HEX + 1];	/* "" until it said hello here */
	struct proto_peer	peer;	/* the relay's object for it, keys rewritten */
	bool			has_peer;
};

/* What every thread reads (set before the first accept) and the shared table. */
static struct {
	char			 host[PROTO_HOST_MAX + 1], port[16];	/* upstream */
	struct proto_tls_ctx	*server;	/* the liar's face to clients */
	const char		*substitute;	/* NULL, or the name to lie about */
	char			 fake[PROTO_KEY_HEX + 1];	/* its fake key */
	char			 mr_from[PROTO_PEER_NAME_MAX + 1];
	char			 mr_to[PROTO_PEER_NAME_MAX + 1];
	char			 mr_instead[PROTO_PEER_NAME_MAX + 1];
	bool			 misroute;

	pthread_mutex_t		 lock;		/* guards what follows */
	struct known		 names[LIAR_NAMES];
	size_t			 nnames;
	int			 nconns;
	unsigned		 nextid;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One end of a control connection: a socket, its TLS session, its frames. */
struct side {
	int			 fd;
	struct proto_tls	*tls;	/* owned */
	struct proto_decoder	 dec;
	const char		*what;	/* "client" or "relay", for the log */
};

/* A control connection: the client's side and the liar's own to the relay. */
struct ctl {
	unsigned	id;
	struct side	client, relay;
	char		key[PROTO_KEY_HEX + 1];	/* the client's real key */
	char		name[PROTO_PEER_NAME_MAX + 1];	/* from its hello */
	uint64_t	refs[LIAR_REFS];	/* offers misrouted, by ref */
	size_t		nrefs;
};

static void
say(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "liar: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

static int
write_all(int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A connection to the real relay, or -1. */
static int
dial(void)
{
	struct addrinfo	hints, *res, *ai;
	int		fd = -1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(g.host, g.port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* --- data connections: bytes both ways, untouched ------------------------- */

struct pipe_dir {
	int	from, to;
};

/* Copies one direction until its end, then passes the half-close on. */
static void *
copy_dir(void *arg)
{
	struct pipe_dir	*d = arg;
	uint8_t		 buf[65536];
	ssize_t		 n;

	while ((n = read(d->from, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write_all(d->to, buf, (size_t)n) != 0)
			break;
	shutdown(d->to, SHUT_WR);
	return NULL;
}

static void
data_conn(int cfd)
{
	struct pipe_dir	up, down;
	pthread_t	th;
	int		rfd;

	if ((rfd = dial()) < 0) {
		say("data: cannot reach the relay");
		return;
	}
	up.from = cfd;
	up.to = rfd;
	down.from = rfd;
	down.to = cfd;
	if (pthread_create(&th, NULL, copy_dir, &down) != 0) {
		close(rfd);
		return;
	}
	copy_dir(&up);
	pthread_join(th, NULL);
	close(rfd);
}

/* --- control connections: TLS on both sides, frames rewritten ------------- */

static int
side_flush(struct side *s)
{
	uint8_t	out[16384];
	size_t	n;

	while (proto_tls_pending(s->tls) > 0) {
		n = proto_tls_take(s->tls, out, sizeof out);
		if (n == 0 || write_all(s->fd, out, n) != 0)
			return -1;
	}
	return 0;
}

/* Reads once from the socket into TLS: 0, or -1 at its end. */
static int
side_feed(struct side *s)
{
	uint8_t	in[16384];
	ssize_t	n;

	while ((n = read(s->fd, in, sizeof in)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return -1;
	return proto_tls_feed(s->tls, in, (size_t)n);
}

/* The whole handshake on a new session of ctx (a few round trips). 0 or -1. */
static int
side_handshake(struct side *s, struct proto_tls_ctx *ctx)
{
	int	r, rounds;

	if (proto_tls_new(ctx, &s->tls) != 0)
		return -1;
	for (rounds = 0; rounds < 64; rounds++) {
		r = proto_tls_handshake(s->tls);
		if (side_flush(s) != 0)
			return -1;
		if (r == 0)
			return 0;
		if (r < 0) {
			say("TLS with the %s failed: %s", s->what,
			    proto_tls_error(s->tls));
			return -1;
		}
		if (side_feed(s) != 0)
			return -1;
	}
	return -1;
}

static void
side_close(struct side *s)
{
	if (s->tls != NULL) {
		proto_tls_close(s->tls);
		(void)side_flush(s);
		proto_tls_free(s->tls);
	}
	if (s->fd >= 0)
		close(s->fd);
	proto_decoder_free(&s->dec);
	s->tls = NULL;
	s->fd = -1;
}

/* The table entry for name, made when missing; NULL when the table is full. Locked. */
static struct known *
known_get(const char *name)
{
	struct known	*k;
	size_t		 i;

	for (i = 0; i < g.nnames; i++)
		if (strcmp(g.names[i].name, name) == 0)
			return &g.names[i];
	if (g.nnames == LIAR_NAMES)
		return NULL;
	k = &g.names[g.nnames++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	return k;
}

/*
 * A peer object from the relay, on its way to a client: the key becomes
 * the real one the liar saw for that name (a peer that did not come
 * through the liar keeps its own), remembered so that a misroute can
 * forge it; then the lie about --substitute, if it is this peer. Returns
 * whether the key was substituted.
 */
static bool
map_peer(struct proto_peer *p)
{
	struct known	*k;

	pthread_mutex_lock(&g.lock);
	if ((k = known_get(p->name)) != NULL) {
		if (k->key[0] != '\0')
			memcpy(p->key, k->key, sizeof p->key);
		k->peer = *p;
		k->has_peer = true;
	}
	pthread_mutex_unlock(&g.lock);
	if (g.substitute == NULL || strcmp(p->name, g.substitute) != 0)
		return false;
	memcpy(p->key, g.fake, sizeof p->key);
	return true;
}

/* What TO looks like to its peers (the relay's object, keys rewritten). 0 or -1. */
static int
peer_of(const char *name, struct proto_peer *out)
{
	struct known	*k;
	int		 r = -1;

	pthread_mutex_lock(&g.lock);
	if ((k = known_get(name)) != NULL && k->has_peer) {
		*out = k->peer;
		r = 0;
	}
	pthread_mutex_unlock(&g.lock);
	return r;
}

/* Whether an offer's `to` (a peer id) is TO of --misroute. */
static bool
names_to(uint64_t to)
{
	struct proto_peer	p;

	return peer_of(g.mr_to, &p) == 0 && p.id == to;
}

/*
 * One message from the client, on its way to the relay: hello names the
 * client (and its real key); an offer of FROM to TO may go to INSTEAD.
 * Returns whether m was changed.
 */
static bool
rewrite_up(struct ctl *c, struct proto_msg *m)
{
	struct known		*k;
	struct proto_peer	 instead;

	switch (m->type) {
	case PROTO_MSG_HELLO:
		snprintf(c->name, sizeof c->name, "%s", m->name);
		pthread_mutex_lock(&g.lock);
		if ((k = known_get(m->name)) != NULL)
			memcpy(k->key, c->key, sizeof k->key);
		pthread_mutex_unlock(&g.lock);
		say("%u: the client is %s", c->id, c->name);
		return false;
	case PROTO_MSG_OFFER:
		if (!g.misroute || strcmp(c->name, g.mr_from) != 0 ||
		    !names_to(m->to) || c->nrefs == LIAR_REFS)
			return false;
		if (peer_of(g.mr_instead, &instead) != 0) {
			say("%u: %s is not here to misroute into", c->id,
			    g.mr_instead);
			return false;
		}
		c->refs[c->nrefs++] = m->ref;
		m->to = instead.id;
		say("%u: misrouted %s's offer %llu to %s into %s", c->id,
		    c->name, (unsigned long long)m->ref, g.mr_to, g.mr_instead);
		return true;
	default:
		return false;
	}
}

/* One message from the relay, on its way to the client. Returns whether m was changed. */
static bool
rewrite_down(struct ctl *c, struct proto_msg *m)
{
	const char	*t = proto_msg_type_name(m->type);
	size_t		 i, subs = 0;
	bool		 mapped = true;

	switch (m->type) {
	case PROTO_MSG_WELCOME:
		memcpy(m->key, c->key, sizeof m->key);
		break;
	case PROTO_MSG_PEER_LIST:
	case PROTO_MSG_PEER_JOINED:
		for (i = 0; i < m->npeers; i++)
			subs += map_peer(&m->peers[i]);
		break;
	case PROTO_MSG_INCOMING:
		subs += map_peer(&m->peer);
		break;
	case PROTO_MSG_OFFERED:
		subs += map_peer(&m->peer);
		for (i = 0; i < c->nrefs && c->refs[i] != m->ref; i++)
			;
		if (i == c->nrefs)
			break;
		if (peer_of(g.mr_to, &m->peer) != 0) {
			say("%u: no peer object for %s to forge", c->id, g.mr_to);
			break;
		}
		say("%u: offered %llu made to look like %s", c->id,
		    (unsigned long long)m->transfer, g.mr_to);
		break;
	default:
		mapped = false;
	}
	if (subs > 0)
		say("%u: substituted %s's key in %s to %s", c->id, g.substitute,
		    t, c->name);
	return mapped;
}

/* Sends a frame into to's session, rebuilt from m or as it came. 0 or -1. */
static int
pass(struct side *to, const struct proto_frame *f, const struct proto_msg *m)
{
	uint8_t	 hdr[PROTO_HEADER_LEN], *buf;
	size_t	 len;
	int	 r;

	if (m != NULL) {
		if (proto_msg_frame(m, &buf, &len) != 0)
			return -1;
		r = proto_tls_write(to->tls, buf, len);
		free(buf);
	} else {
		proto_header_encode(hdr, f->kind, f->len);
		r = proto_tls_write(to->tls, hdr, sizeof hdr);
		if (r == 0)
			r = proto_tls_write(to->tls, f->payload, f->len);
	}
	return r;
}

/* One frame from one side for the other, rewritten if it is one to lie in. */
static int
handle(struct ctl *c, struct side *from, struct side *to,
    const struct proto_frame *f)
{
	struct proto_msg	m;
	char			err[256];
	bool			changed;
	int			r;

	if (f->kind != PROTO_KIND_CONTROL ||
	    proto_msg_decode(f->payload, f->len, &m, err, sizeof err) != 0)
		return pass(to, f, NULL);	/* not ours to judge */
	changed = from == &c->client ? rewrite_up(c, &m) : rewrite_down(c, &m);
	r = pass(to, f, changed ? &m : NULL);
	proto_msg_free(&m);
	return r;
}

/*
 * What from's session holds: decrypted, split into frames, each passed to
 * the other side. 0, 1 when from ended its session, -1 on an error.
 */
static int
drain(struct ctl *c, struct side *from, struct side *to)
{
	struct proto_frame	f;
	uint8_t			buf[16384];
	const uint8_t		*p;
	size_t			got, used, left;
	int			r;

	for (;;) {
		r = proto_tls_read(from->tls, buf, sizeof buf, &got);
		if (side_flush(from) != 0)
			return -1;
		if (r == PROTO_TLS_WANT)
			break;
		if (r == PROTO_TLS_CLOSED)
			return 1;
		if (r != 0)
			return -1;
		for (p = buf, left = got; left > 0; p += used, left -= used) {
			r = proto_decoder_feed(&from->dec, p, left, &used, &f);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			if (handle(c, from, to, &f) != 0)
				return -1;
		}
	}
	return side_flush(to);
}

/* What arrived on from's socket, through drain. */
static int
pump(struct ctl *c, struct side *from, struct side *to)
{
	if (side_feed(from) != 0)
		return 1;
	return drain(c, from, to);
}

static void
ctl_conn(struct ctl *c, int cfd)
{
	struct pollfd		 pfd[2];
	struct proto_tls_ctx	*up = NULL;
	EVP_PKEY		*key = NULL;
	uint8_t			 raw[PROTO_TLS_KEY_LEN];
	char			 err[256];
	int			 r = 0, n;

	c->client.fd = cfd;
	c->client.what = "client";
	c->relay.fd = -1;
	c->relay.what = "relay";
	proto_decoder_init(&c->client.dec);
	proto_decoder_init(&c->relay.dec);
	if (side_handshake(&c->client, g.server) != 0 ||
	    proto_tls_peer_key(c->client.tls, raw) != 0)
		goto out;
	proto_fmt_hex(raw, sizeof raw, c->key);
	/* Upstream the liar is a client of its own, with a key of its own. */
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    proto_tls_ctx_new(false, key, &up, err, sizeof err) != 0 ||
	    (c->relay.fd = dial()) < 0 ||
	    side_handshake(&c->relay, up) != 0) {
		say("%u: cannot reach the relay", c->id);
		goto out;
	}
	pfd[0].fd = c->client.fd;
	pfd[1].fd = c->relay.fd;
	pfd[0].events = pfd[1].events = POLLIN;
	/* The client may have sent hello with its last handshake bytes. */
	if ((r = drain(c, &c->client, &c->relay)) == 0)
		r = drain(c, &c->relay, &c->client);
	while (r == 0) {
		if ((n = poll(pfd, 2, LIAR_IDLE_MS)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pfd[0].revents != 0)
			r = pump(c, &c->client, &c->relay);
		if (r == 0 && pfd[1].revents != 0)
			r = pump(c, &c->relay, &c->client);
	}
out:
	if (c->name[0] != '\0')
		say("%u: %s's control connection ended", c->id, c->name);
	side_close(&c->relay);
	side_close(&c->client);
	proto_tls_ctx_free(up);
	EVP_PKEY_free(key);
}

/* A connection's thread: control or data, told by its first byte. */
static void *
conn_main(void *arg)
{
	struct ctl	*c = arg;
	uint8_t		 first;
	int		 fd = c->client.fd;

	if (recv(fd, &first, 1, MSG_PEEK) == 1) {
		if (first == 0x16)
			ctl_conn(c, fd);	/* closes fd */
		else {
			data_conn(fd);
			close(fd);
		}
	} else
		close(fd);
	free(c);
	pthread_mutex_lock(&g.lock);
	g.nconns--;
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

/* The liar's key from path (made there when missing), and its log line. */
static EVP_PKEY *
load_key(const char *path)
{
	struct proto_key_names	 n;
	EVP_PKEY		*key = NULL;
	char			 err[512];
	bool			 created;

	if (proto_keyfile_load(path, false, &key, &created, err, sizeof err) != 0) {
		say("%s", err);
		return NULL;
	}
	if (proto_key_describe(key, &n) != 0) {
		EVP_PKEY_free(key);
		return NULL;
	}
	fprintf(stderr, "host key %s in %s%s\n", n.short_fpr, path,
	    created ? " (new)" : "");
	return key;
}

/* The fake key for --substitute: a real Ed25519 public key nobody here holds. */
static int
make_fake(void)
{
	EVP_PKEY	*k;
	uint8_t		 raw[PROTO_TLS_KEY_LEN];
	size_t		 len = sizeof raw;
	int		 r = -1;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(k, raw, &len) == 1 && len == sizeof raw) {
		proto_fmt_hex(raw, sizeof raw, g.fake);
		r = 0;
	}
	EVP_PKEY_free(k);
	return r;
}

/* FROM:TO:INSTEAD into the three names. 0 or -1. */
static int
parse_misroute(const char *s)
{
	const char	*a, *b;

	if ((a = strchr(s, ':')) == NULL || (b = strchr(a + 1, ':')) == NULL ||
	    a == s || b == a + 1 || b[1] == '\0' ||
	    (size_t)(a - s) > PROTO_PEER_NAME_MAX ||
	    (size_t)(b - a - 1) > PROTO_PEER_NAME_MAX ||
	    strlen(b + 1) > PROTO_PEER_NAME_MAX)
		return -1;
	snprintf(g.mr_from, sizeof g.mr_from, "%.*s", (int)(a - s), s);
	snprintf(g.mr_to, sizeof g.mr_to, "%.*s", (int)(b - a - 1), a + 1);
	snprintf(g.mr_instead, sizeof g.mr_instead, "%s", b + 1);
	g.misroute = true;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: liar --upstream HOST:PORT --key FILE "
	    "[--substitute NAME] [--misroute FROM:TO:INSTEAD]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct proto_hostport	 hp;
	struct ctl		*c;
	pthread_attr_t		 attr;
	pthread_t		 th;
	EVP_PKEY		*key;
	socklen_t		 len = sizeof sin;
	const char		*upstream = NULL, *keyfile = NULL;
	char			 err[256];
	int			 i, lfd, cfd, one = 1;
	bool			 full;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--upstream") == 0 && i + 1 < argc)
			upstream = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			keyfile = argv[++i];
		else if (strcmp(argv[i], "--substitute") == 0 && i + 1 < argc)
			g.substitute = argv[++i];
		else if (strcmp(argv[i], "--misroute") == 0 && i + 1 < argc) {
			if (parse_misroute(argv[++i]) != 0)
				return usage();
		} else
			return usage();
	}
	if (upstream == NULL || keyfile == NULL ||
	    proto_hostport_parse(upstream, &hp, err, sizeof err) != 0 ||
	    hp.host[0] == '\0')
		return usage();
	snprintf(g.host, sizeof g.host, "%s", hp.host);
	snprintf(g.port, sizeof g.port, "%u", hp.port);
	signal(SIGPIPE, SIG_IGN);
	if (g.substitute != NULL && make_fake() != 0)
		return 1;
	if ((key = load_key(keyfile)) == NULL)
		return 1;
	if (proto_tls_ctx_new(true, key, &g.server, err, sizeof err) != 0) {
		say("%s", err);
		EVP_PKEY_free(key);
		return 1;
	}
	EVP_PKEY_free(key);	/* the context holds its own reference */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("liar: listen");
		return 1;
	}
	fprintf(stderr, "listening on 127.0.0.1:%u\n", ntohs(sin.sin_port));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("liar: accept");
			return 1;
		}
		pthread_mutex_lock(&g.lock);
		if ((full = g.nconns == LIAR_CONNS) == false) {
			g.nconns++;
			g.nextid++;
		}
		pthread_mutex_unlock(&g.lock);
		if (full || (c = calloc(1, sizeof *c)) == NULL) {
			close(cfd);
			if (!full) {
				pthread_mutex_lock(&g.lock);
				g.nconns--;
				pthread_mutex_unlock(&g.lock);
			}
			continue;
		}
		c->id = g.nextid;	/* only this thread writes it */
		c->client.fd = cfd;
		if (pthread_create(&th, &attr, conn_main, c) != 0) {
			close(cfd);
			free(c);
			pthread_mutex_lock(&g.lock);
			g.nconns--;
			pthread_mutex_unlock(&g.lock);
		}
	}
}
