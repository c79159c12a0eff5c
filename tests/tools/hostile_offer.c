/*
 * hostile_offer.c: a deliberately bad sender for the e2e tests. It says
 * hello, then offers files with the names given on the command line (names
 * a real ferry would never send: "../x", "/etc/passwd", control characters,
 * 300 bytes), one offer per name, and prints the receiver's answer:
 *
 *	hostile_offer --server HOST:PORT --name NAME --to PEER [--size N]
 *	    [--identity FILE] [--with-good] [--together]
 *	    [--stream bad-digest|short|long] NAME...
 * (a NAME "dir:PATH" is offered as the folder PATH)
 *
 * (--together: all the names in one offer, to see every one judged) and
 * prints "declined: REASON" or "error: CODE: MESSAGE" or "accepted" per
 * offer, and exits 0 only when every offer was declined. With --stream, an
 * accepted offer is followed by lying data: the right bytes with a wrong
 * digest, one byte too few, or ten too many; the tool then prints
 * "receipt: ok|failed: MESSAGE", or "cancel: REASON" if the receiver
 * cancelled (inside the session, or on the control connection after
 * "data closed").
 *
 * It speaks protocol 2 (PROTOCOL.md): the control connection is TLS 1.3
 * with an Ed25519 identity, a new one per run unless --identity names a key
 * file (loaded, or created there, by the client's own rules). An offer
 * carries only count and size; after ready the data connection is claimed
 * with attach, slot and bind, and once attached the tool runs TLS as the
 * client inside the bridge with the same identity, checks that the
 * receiver's key is the one in offered.peer (else it prints "key mismatch:
 * ..." and exits 1), and only then sends the names, in `files`, and reads
 * the answer (and lies) inside that session, as a real sender would. The
 * relay's key is accepted without a pin: the tool attacks receivers, not
 * relays. Plain blocking sockets with a receive timeout keep it small; a
 * struct conn is one such socket, in clear or inside TLS, that reads and
 * writes frames.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "frame.h"
#include "keyfile.h"
#include "msg.h"
#include "proto.h"
#include "text.h"
#include "tls.h"

#define HO_BUF		65536	/* plain bytes read at once, per connection */

/* One blocking connection to the relay, in clear or inside TLS. */
struct conn {
	int			 fd;
	struct proto_tls	*tls;	/* owned; NULL on a data connection */
	struct proto_decoder	 dec;
	uint8_t			*buf;	/* owned: HO_BUF plain bytes read */
	size_t			 off, have;	/* unread bytes of buf */
};

static int
dial(const char *server)
{
	struct addrinfo	 hints, *res, *ai;
	struct timeval	 tv = { 15, 0 };
	char		 host[256], *colon;
	int		 fd = -1;

	snprintf(host, sizeof host, "%s", server);
	if ((colon = strrchr(host, ':')) == NULL)
		return -1;
	*colon = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends what TLS has waiting for the relay. */
static int
conn_flush(struct conn *c)
{
	uint8_t	out[16384];
	size_t	n;

	while (c->tls != NULL && proto_tls_pending(c->tls) > 0) {
		n = proto_tls_take(c->tls, out, sizeof out);
		if (n == 0 || write_all(c->fd, out, n) != 0)
			return -1;
	}
	return 0;
}

/* Reads what the relay sent into TLS. */
static int
conn_feed(struct conn *c)
{
	uint8_t	in[16384];
	ssize_t	n;

	if ((n = read(c->fd, in, sizeof in)) <= 0)
		return -1;
	return proto_tls_feed(c->tls, in, (size_t)n);
}

/*
 * Runs a TLS client handshake on c with ctx. Bytes already read past the
 * last frame (none, when the peer waits for our hello) are the session's.
 * 0, or -1 with c->tls still owned by c (conn_close frees it).
 */
static int
conn_tls(struct conn *c, struct proto_tls_ctx *ctx, const char *who)
{
	int	r, rounds;

	if (proto_tls_new(ctx, &c->tls) != 0)
		return -1;
	if (c->have > 0 && proto_tls_feed(c->tls, c->buf + c->off, c->have) != 0)
		return -1;
	c->off = c->have = 0;
	proto_decoder_free(&c->dec);
	proto_decoder_init(&c->dec);
	/* A TLS 1.3 handshake takes two round trips; 64 reads is plenty. */
	for (rounds = 0; rounds < 64; rounds++) {
		r = proto_tls_handshake(c->tls);
		if (conn_flush(c) != 0)
			break;
		if (r == 0)
			return 0;
		if (r < 0) {
			fprintf(stderr, "hostile_offer: %s: %s\n", who,
			    proto_tls_error(c->tls));
			return -1;
		}
		if (conn_feed(c) != 0)
			break;
	}
	fprintf(stderr, "hostile_offer: %s closed the TLS handshake\n", who);
	return -1;
}

/*
 * A connection to server: in clear when ctx is NULL, else a TLS client
 * session on ctx whose handshake is complete. 0, or -1 with nothing left
 * open.
 */
static int
conn_open(struct conn *c, const char *server, struct proto_tls_ctx *ctx)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	proto_decoder_init(&c->dec);
	if ((c->buf = malloc(HO_BUF)) == NULL)
		goto fail;
	if ((c->fd = dial(server)) < 0) {
		fprintf(stderr, "hostile_offer: cannot connect to %s\n", server);
		goto fail;
	}
	if (ctx == NULL || conn_tls(c, ctx, "the relay") == 0)
		return 0;
fail:
	proto_tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	proto_decoder_free(&c->dec);
	free(c->buf);
	c->fd = -1;
	c->tls = NULL;
	c->buf = NULL;
	return -1;
}

static void
conn_close(struct conn *c)
{
	if (c->tls != NULL) {
		proto_tls_close(c->tls);
		(void)conn_flush(c);	/* best effort: we are leaving */
		proto_tls_free(c->tls);
	}
	if (c->fd >= 0)
		close(c->fd);
	proto_decoder_free(&c->dec);
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

static int
conn_write(struct conn *c, const void *p, size_t len)
{
	if (c->tls == NULL)
		return write_all(c->fd, p, len);
	if (proto_tls_write(c->tls, p, len) != 0)
		return -1;
	return conn_flush(c);
}

/* Refills buf with the next plain bytes from the relay: 0, or -1 at the end. */
static int
conn_fill(struct conn *c)
{
	ssize_t	n;
	size_t	got;
	int	r;

	c->off = c->have = 0;
	if (c->tls == NULL) {
		if ((n = read(c->fd, c->buf, HO_BUF)) <= 0)
			return -1;
		c->have = (size_t)n;
		return 0;
	}
	for (;;) {
		r = proto_tls_read(c->tls, c->buf, HO_BUF, &got);
		if (conn_flush(c) != 0)
			return -1;
		if (r == 0) {
			c->have = got;
			return 0;
		}
		if (r != PROTO_TLS_WANT || conn_feed(c) != 0)
			return -1;
	}
}

static int
send_msg(struct conn *c, const struct proto_msg *m)
{
	uint8_t	*buf;
	size_t	 len;
	int	 r;

	if ((r = proto_msg_frame(m, &buf, &len)) != 0) {
		fprintf(stderr, "hostile_offer: cannot frame %s: %s\n",
		    proto_msg_type_name(m->type), proto_strerror(-r));
		return -1;
	}
	r = conn_write(c, buf, len);
	free(buf);
	return r;
}

/*
 * Reads the next control message into *m (the caller frees it). A decoded
 * payload may point into buf, so it is parsed before those bytes are
 * dropped.
 */
static int
recv_msg(struct conn *c, struct proto_msg *m)
{
	struct proto_frame	f;
	char			err[256];
	size_t			used;
	int			r;

	for (;;) {
		while (c->have > 0) {
			r = proto_decoder_feed(&c->dec, c->buf + c->off,
			    c->have, &used, &f);
			c->off += used;
			c->have -= used;
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			if (f.kind != PROTO_KIND_CONTROL)
				continue;
			if (proto_msg_decode(f.payload, f.len, m, err,
			    sizeof err) != 0) {
				fprintf(stderr, "hostile_offer: bad message: %s\n", err);
				return -1;
			}
			return 0;
		}
		if (conn_fill(c) != 0)
			return -1;
	}
}

/*
 * Claims a data connection for transfer: attach on it, the slot it is
 * given, bind on the control connection, then attached for this transfer.
 * 0 or -1.
 */
static int
claim(struct conn *data, struct conn *ctl, uint64_t transfer)
{
	struct proto_msg	m;
	char			slot[PROTO_SLOT_LEN + 1];
	bool			ok;

	proto_msg_init(&m, PROTO_MSG_ATTACH);
	if (send_msg(data, &m) != 0 || recv_msg(data, &m) != 0)
		return -1;
	ok = m.type == PROTO_MSG_SLOT;
	snprintf(slot, sizeof slot, "%s", m.slot);
	proto_msg_free(&m);
	if (!ok)
		return -1;
	proto_msg_init(&m, PROTO_MSG_BIND);
	m.transfer = transfer;
	snprintf(m.slot, sizeof m.slot, "%s", slot);
	if (send_msg(ctl, &m) != 0 || recv_msg(data, &m) != 0)
		return -1;
	ok = m.type == PROTO_MSG_ATTACHED && m.transfer == transfer;
	proto_msg_free(&m);
	return ok ? 0 : -1;
}

/* The key this run presents: from path, or a new one when path is NULL. */
static EVP_PKEY *
identity(const char *path)
{
	EVP_PKEY	*key = NULL;
	char		 err[256];
	bool		 created;

	if (path == NULL) {
		if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
			fprintf(stderr, "hostile_offer: cannot make a key\n");
		return key;
	}
	if (proto_keyfile_load(path, false, &key, &created, err, sizeof err) != 0) {
		fprintf(stderr, "hostile_offer: %s\n", err);
		return NULL;
	}
	return key;
}

/* What one offer came to. */
enum verdict {
	V_DECLINED,		/* the receiver said no: what the tool hopes for */
	V_OTHER,		/* accepted, an error, a connection that broke */
	V_FATAL,		/* key mismatch, or the relay went away: stop */
};

/*
 * The id of the peer called name, from a peers request (offer.to is an
 * id); peer events are skipped, a bounded number of messages read. 0 or -1.
 */
static int
peer_id(struct conn *ctl, const char *name, uint64_t *id)
{
	struct proto_msg	m;
	bool			more = true;

	proto_msg_init(&m, PROTO_MSG_PEERS);
	if (send_msg(ctl, &m) != 0)
		return -1;
	*id = 0;
	for (int k = 0; k < 10000 && more; k++) {
		if (recv_msg(ctl, &m) != 0)
			return -1;
		if (m.type == PROTO_MSG_PEER_LIST) {
			for (size_t j = 0; j < m.npeers; j++) {
				if (strcmp(m.peers[j].name, name) == 0)
					*id = m.peers[j].id;
			}
			more = m.more;
		}
		proto_msg_free(&m);
	}
	if (*id == 0) {
		fprintf(stderr, "hostile_offer: nobody called %s is here\n",
		    name);
		return -1;
	}
	return 0;
}

static void
set_timeout(struct conn *c, long secs)
{
	struct timeval	tv = { secs, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/*
 * The data connection ended without an answer inside it: a receiver that
 * declined before the bridge, or gave up, says why on the control
 * connection (decline, cancel, or the relay's error about the transfer),
 * which is read for 3 seconds. Prints what it found, or otherwise (when
 * not NULL) if nothing came.
 */
static enum verdict
ctl_says(struct conn *ctl, uint64_t transfer, const char *otherwise)
{
	struct proto_msg	m;
	enum verdict		v = V_OTHER;
	bool			found = false;
	int			n;

	set_timeout(ctl, 3);
	for (n = 0; n < 1000 && !found && recv_msg(ctl, &m) == 0; n++) {
		if (m.type == PROTO_MSG_DECLINE && m.transfer == transfer) {
			printf("declined: %s\n", m.reason);
			v = V_DECLINED;
			found = true;
		} else if (m.type == PROTO_MSG_CANCEL && m.transfer == transfer) {
			printf("cancel: %s\n", m.reason);
			found = true;
		} else if (m.type == PROTO_MSG_ERROR &&
		    (m.transfer == transfer || m.transfer == 0)) {
			printf("error: %s: %s\n", m.code, m.message);
			found = true;
		} else if (m.type == PROTO_MSG_PING) {
			proto_msg_free(&m);
			proto_msg_init(&m, PROTO_MSG_PONG);
			send_msg(ctl, &m);
		}
		proto_msg_free(&m);
	}
	set_timeout(ctl, 15);
	if (!found && otherwise != NULL)
		printf("%s\n", otherwise);
	return v;
}

/*
 * The receiver at the other end of the session must hold the key the
 * relay announced for it (offered.peer); anything else is somebody in
 * between. Prints "key mismatch: ..." (fingerprints, never keys) and
 * returns -1 when it is not.
 */
static int
check_key(struct conn *data, const struct proto_peer *want)
{
	struct proto_key_names	gn, wn;
	uint8_t			got[PROTO_TLS_KEY_LEN], exp[PROTO_TLS_KEY_LEN];

	if (proto_hex_decode(want->key, exp, sizeof exp) != 0 ||
	    proto_key_names_raw(exp, &wn) != 0) {
		printf("key mismatch: the relay announced no key for %s\n",
		    want->name);
		return -1;
	}
	if (proto_tls_peer_key(data->tls, got) != 0 ||
	    proto_key_names_raw(got, &gn) != 0) {
		printf("key mismatch: the other end presented no Ed25519 key, "
		    "the relay announced %s for %s\n", wn.short_fpr, want->name);
		return -1;
	}
	if (memcmp(got, exp, sizeof got) != 0) {
		printf("key mismatch: the other end's key is %s, the relay "
		    "announced %s for %s\n", gn.short_fpr, wn.short_fpr,
		    want->name);
		return -1;
	}
	return 0;
}

/*
 * After accept inside the session: one file's bytes, lying as mode says
 * (the right count with a wrong digest, one byte short, ten too many),
 * then file_end, and the receiver's receipt or its reason to stop.
 */
static void
lie(struct conn *data, struct conn *ctl, uint64_t transfer, uint64_t size,
    const char *mode)
{
	struct proto_msg	 m;
	uint8_t			 hdr[PROTO_HEADER_LEN], chunk[65536];
	uint64_t		 bytes = size, sent = 0;
	size_t			 n;
	bool			 got;

	if (strcmp(mode, "short") == 0)
		bytes = size > 0 ? size - 1 : 0;
	else if (strcmp(mode, "long") == 0)
		bytes = size + 10;
	memset(chunk, 'z', sizeof chunk);
	while (sent < bytes) {
		n = bytes - sent < sizeof chunk ? (size_t)(bytes - sent) : sizeof chunk;
		proto_header_encode(hdr, PROTO_KIND_DATA, (uint32_t)n);
		if (conn_write(data, hdr, sizeof hdr) != 0 ||
		    conn_write(data, chunk, n) != 0)
			break;
		sent += n;
	}
	proto_msg_init(&m, PROTO_MSG_FILE_END);
	m.index = 0;
	m.size = size;
	memset(m.sha256, '0', PROTO_SHA256_LEN);	/* never the real digest */
	send_msg(data, &m);
	got = recv_msg(data, &m) == 0;
	if (got && m.type == PROTO_MSG_RECEIPT) {
		printf("receipt: %s: %s\n", m.ok ? "ok" : "failed", m.message);
		proto_msg_free(&m);
		return;		/* the receipt said it all */
	}
	if (got && m.type == PROTO_MSG_CANCEL && m.transfer == transfer) {
		/* The receiver gave up inside the session (PROTOCOL.md 3.4). */
		printf("cancel: %s\n", m.reason);
		proto_msg_free(&m);
		return;
	}
	proto_msg_free(&m);
	printf("data closed\n");
	fflush(stdout);
	(void)ctl_says(ctl, transfer, NULL);
}

/*
 * One offer's data connection: claimed, then TLS as the client with the
 * receiver (who must hold want's key), the names in `files`, the answer,
 * and with mode the lie. Prints the outcome.
 */
static enum verdict
session(const char *server, struct conn *ctl, struct proto_tls_ctx *ctx,
    uint64_t transfer, const struct proto_peer *want,
    struct proto_file *files, size_t nfiles, const char *mode)
{
	struct conn		data;
	struct proto_msg	m;
	enum verdict		v = V_OTHER;

	if (conn_open(&data, server, NULL) != 0) {
		printf("data: cannot connect\n");
		return V_OTHER;
	}
	if (claim(&data, ctl, transfer) != 0) {
		v = ctl_says(ctl, transfer, "data: not attached");
		goto out;
	}
	if (conn_tls(&data, ctx, "the receiver") != 0) {
		v = ctl_says(ctl, transfer, "data: no session with the receiver");
		goto out;
	}
	if (check_key(&data, want) != 0) {
		v = V_FATAL;
		goto out;
	}
	proto_msg_init(&m, PROTO_MSG_FILES);
	m.transfer = transfer;
	m.files = files;	/* borrowed: m is not freed */
	m.nfiles = nfiles;
	if (send_msg(&data, &m) != 0) {
		v = ctl_says(ctl, transfer, "data closed");
		goto out;
	}
	if (recv_msg(&data, &m) != 0) {
		v = ctl_says(ctl, transfer, "data closed");
		goto out;
	}
	if (m.type == PROTO_MSG_DECLINE && m.transfer == transfer) {
		printf("declined: %s\n", m.reason);
		v = V_DECLINED;
	} else if (m.type == PROTO_MSG_ACCEPT && m.transfer == transfer) {
		printf("accepted\n");
		fflush(stdout);
		if (mode != NULL)
			lie(&data, ctl, transfer, files[0].size, mode);
	} else
		printf("data: the receiver answered %s\n",
		    proto_msg_type_name(m.type));
	proto_msg_free(&m);
out:
	conn_close(&data);
	return v;
}

/* NAME is a file of size bytes; "dir:NAME" a folder. Returns 1 for a folder. */
static int
put_entry(struct proto_file *f, char *arg, uint64_t size)
{
	if (strncmp(arg, "dir:", 4) == 0) {
		f->name = arg + 4;
		f->dir = true;
		f->size = 0;
		return 1;
	}
	f->name = arg;
	f->size = size;
	return 0;
}

int
main(int argc, char **argv)
{
	struct conn		 ctl;
	struct proto_tls_ctx	*ctx = NULL;
	struct proto_msg	 m;
	struct proto_file	*files = NULL;	/* owned; the names are argv's */
	struct proto_peer	 peer;
	EVP_PKEY		*key;
	enum verdict		 v;
	const char		*server = NULL, *name = "hostile", *to = NULL;
	const char		*mode = NULL, *idfile = NULL;
	uint64_t		 size = 10, transfer, ready, to_id;
	bool			 with_good = false, together = false;
	bool			 all_declined = true;
	char			 err[256];
	int			 i, ref = 0, st = 1;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
			server = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			size = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--identity") == 0 && i + 1 < argc)
			idfile = argv[++i];
		else if (strcmp(argv[i], "--with-good") == 0)
			with_good = true;
		else if (strcmp(argv[i], "--together") == 0)
			together = true;
		else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (server == NULL || to == NULL || i >= argc ||
	    argc - i > PROTO_FILES_MAX - 1 || size > (together ?
	    PROTO_INT_MAX / PROTO_FILES_MAX : with_good ? PROTO_INT_MAX / 2 :
	    PROTO_INT_MAX)) {
		fprintf(stderr, "usage: hostile_offer --server HOST:PORT --name NAME "
		    "--to PEER [--size N] [--identity FILE] [--with-good] "
		    "[--together] [--stream MODE] NAME...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((key = identity(idfile)) == NULL)
		return 1;
	if (proto_tls_ctx_new(false, key, &ctx, err, sizeof err) != 0) {
		fprintf(stderr, "hostile_offer: %s\n", err);
		EVP_PKEY_free(key);
		return 1;
	}
	EVP_PKEY_free(key);	/* the context holds its own reference */
	if (conn_open(&ctl, server, ctx) != 0) {
		proto_tls_ctx_free(ctx);
		return 1;
	}
	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "%s", name);
	if (send_msg(&ctl, &m) != 0)
		goto out;
	if (recv_msg(&ctl, &m) != 0) {
		fprintf(stderr, "hostile_offer: no welcome\n");
		goto out;
	}
	if (m.type != PROTO_MSG_WELCOME) {
		fprintf(stderr, "hostile_offer: no welcome (%s %s)\n",
		    proto_msg_type_name(m.type), m.code);
		proto_msg_free(&m);
		goto out;
	}
	proto_msg_free(&m);
	if (peer_id(&ctl, to, &to_id) != 0)
		goto out;
	if ((files = calloc((size_t)(argc - i) + 1, sizeof *files)) == NULL)
		goto out;

	for (; i < argc; i++) {
		size_t	n = 0, nfolders = 0;

		if (with_good) {
			files[n].name = (char *)"good.txt";
			files[n++].size = size;
		}
		nfolders += put_entry(&files[n++], argv[i], size);
		while (together && i + 1 < argc)
			nfolders += put_entry(&files[n++], argv[++i], size);
		proto_msg_init(&m, PROTO_MSG_OFFER);
		m.ref = (uint64_t)++ref;
		m.to = to_id;
		m.count = n;
		m.size = size * (n - nfolders);
		if (send_msg(&ctl, &m) != 0)
			goto out;
		/*
		 * offered (the receiver and its key) and ready come at once;
		 * an error or an early decline ends the offer. Peer events
		 * are skipped; a bounded number of messages is read.
		 */
		transfer = ready = 0;
		v = V_OTHER;
		for (int k = 0; k < 10000; k++) {
			if (recv_msg(&ctl, &m) != 0) {
				printf("closed\n");
				goto out;
			}
			if (m.type == PROTO_MSG_OFFERED && m.ref == (uint64_t)ref) {
				transfer = m.transfer;
				peer = m.peer;
			} else if (m.type == PROTO_MSG_READY)
				ready = m.transfer;
			else if (m.type == PROTO_MSG_DECLINE &&
			    m.transfer == transfer) {
				printf("declined: %s\n", m.reason);
				v = V_DECLINED;
				proto_msg_free(&m);
				break;
			} else if (m.type == PROTO_MSG_ERROR) {
				printf("error: %s: %s\n", m.code, m.message);
				proto_msg_free(&m);
				break;
			} else if (m.type == PROTO_MSG_PING) {
				proto_msg_free(&m);
				proto_msg_init(&m, PROTO_MSG_PONG);
				send_msg(&ctl, &m);
			}
			proto_msg_free(&m);
			if (transfer != 0 && ready == transfer) {
				v = session(server, &ctl, ctx, transfer, &peer,
				    files, n, mode);
				break;
			}
		}
		fflush(stdout);
		if (v == V_FATAL)
			goto out;
		if (v != V_DECLINED)
			all_declined = false;
	}
	st = all_declined ? 0 : 1;
out:
	fflush(stdout);
	free(files);
	conn_close(&ctl);
	proto_tls_ctx_free(ctx);
	return st;
}
