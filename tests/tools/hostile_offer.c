/*
 * hostile_offer.c: a deliberately bad sender for the e2e tests. It says
 * hello, then offers files with the names given on the command line (names
 * a real ferry would never send: "../x", "/etc/passwd", control characters,
 * 300 bytes), one offer per name, and prints the receiver's answer:
 *
 *	hostile_offer --server HOST:PORT --name NAME --to PEER [--size N]
 *	    [--with-good] [--stream bad-digest|short|long] NAME...
 *
 * prints "declined: REASON" or "error: CODE: MESSAGE" or "accepted" per
 * offer, and exits 0 only when every offer was declined. With --stream, an
 * accepted offer is followed by a lying data connection: the right bytes
 * with a wrong digest, one byte too few, or ten too many; the tool then
 * prints "receipt: ok|failed: MESSAGE" or "data closed", and "cancel:
 * REASON" if the receiver cancelled. Plain blocking sockets with a receive
 * timeout keep it small.
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

#include "frame.h"
#include "msg.h"
#include "proto.h"

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
send_msg(int fd, const struct proto_msg *m)
{
	uint8_t	*buf;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 r;

	if ((r = proto_msg_frame(m, &buf, &len)) != 0) {
		fprintf(stderr, "hostile_offer: cannot frame %s: %s\n",
		    proto_msg_type_name(m->type), proto_strerror(-r));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) <= 0) {
			free(buf);
			return -1;
		}
		off += (size_t)n;
	}
	free(buf);
	return 0;
}

/*
 * Reads the next control message into *m (the caller frees it). buf holds
 * *have unread bytes from *off; a decoded payload may point into buf, so it
 * is parsed before those bytes are dropped.
 */
static int
recv_msg(int fd, struct proto_decoder *d, uint8_t *buf, size_t *off,
    size_t *have, struct proto_msg *m)
{
	struct proto_frame	f;
	char			err[256];
	size_t			used;
	ssize_t			n;
	int			r;

	for (;;) {
		while (*have > 0) {
			r = proto_decoder_feed(d, buf + *off, *have, &used, &f);
			*off += used;
			*have -= used;
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
		if ((n = read(fd, buf, 65536)) <= 0)
			return -1;
		*off = 0;
		*have = (size_t)n;
	}
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

/* The data connection of an accepted offer, lying as mode says. */
static void
stream(const char *server, const char *token, uint64_t size, const char *mode,
    int ctl, struct proto_decoder *cd, uint8_t *cbuf, size_t *coff,
    size_t *chave)
{
	struct proto_decoder	 d;
	struct proto_msg	 m;
	struct timeval		 tv = { 3, 0 };
	uint8_t			*buf, hdr[PROTO_HEADER_LEN], chunk[65536];
	uint64_t		 bytes = size, sent = 0;
	size_t			 off = 0, have = 0, n;
	int			 fd;

	if (strcmp(mode, "short") == 0)
		bytes = size > 0 ? size - 1 : 0;
	else if (strcmp(mode, "long") == 0)
		bytes = size + 10;
	if ((fd = dial(server)) < 0 || (buf = malloc(65536)) == NULL) {
		printf("data: cannot connect\n");
		return;
	}
	proto_decoder_init(&d);
	proto_msg_init(&m, PROTO_MSG_ATTACH);
	snprintf(m.token, sizeof m.token, "%s", token);
	send_msg(fd, &m);
	if (recv_msg(fd, &d, buf, &off, &have, &m) != 0 ||
	    m.type != PROTO_MSG_ATTACHED) {
		printf("data: not attached\n");
		goto out;
	}
	proto_msg_free(&m);
	memset(chunk, 'z', sizeof chunk);
	while (sent < bytes) {
		n = bytes - sent < sizeof chunk ? (size_t)(bytes - sent) : sizeof chunk;
		proto_header_encode(hdr, PROTO_KIND_DATA, (uint32_t)n);
		if (write_all(fd, hdr, sizeof hdr) != 0 ||
		    write_all(fd, chunk, n) != 0)
			break;
		sent += n;
	}
	proto_msg_init(&m, PROTO_MSG_FILE_END);
	m.index = 0;
	m.size = size;
	memset(m.sha256, '0', PROTO_SHA256_LEN);	/* never the real digest */
	send_msg(fd, &m);
	if (recv_msg(fd, &d, buf, &off, &have, &m) == 0 &&
	    m.type == PROTO_MSG_RECEIPT) {
		printf("receipt: %s: %s\n", m.ok ? "ok" : "failed", m.message);
		proto_msg_free(&m);
		goto out;	/* the receipt said it all */
	}
	printf("data closed\n");
	/* A receiver that gave up says why on the control connection. */
	setsockopt(ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (recv_msg(ctl, cd, cbuf, coff, chave, &m) == 0) {
		if (m.type == PROTO_MSG_CANCEL) {
			printf("cancel: %s\n", m.reason);
			proto_msg_free(&m);
			break;
		}
		proto_msg_free(&m);
	}
out:
	proto_decoder_free(&d);
	free(buf);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct proto_decoder	 d;
	struct proto_msg	 m;
	struct proto_file	 files[2];
	const char		*server = NULL, *name = "hostile", *to = NULL;
	const char		*mode = NULL;
	uint64_t		 size = 10;
	bool			 with_good = false, all_declined = true;
	uint8_t			*buf;
	size_t			 have = 0, off = 0;
	int			 i, fd, ref = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
			server = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			size = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--with-good") == 0)
			with_good = true;
		else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (server == NULL || to == NULL || i >= argc) {
		fprintf(stderr, "usage: hostile_offer --server HOST:PORT --name NAME "
		    "--to PEER [--size N] [--with-good] [--stream MODE] NAME...\n");
		return 2;
	}
	if ((fd = dial(server)) < 0) {
		fprintf(stderr, "hostile_offer: cannot connect to %s\n", server);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	buf = malloc(65536);
	proto_decoder_init(&d);
	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "%s", name);
	if (buf == NULL || send_msg(fd, &m) != 0)
		return 1;
	if (recv_msg(fd, &d, buf, &off, &have, &m) != 0 || m.type != PROTO_MSG_WELCOME) {
		fprintf(stderr, "hostile_offer: no welcome\n");
		return 1;
	}
	proto_msg_free(&m);

	for (; i < argc; i++) {
		size_t	n = 0;

		memset(files, 0, sizeof files);
		if (with_good) {
			files[n].name = (char *)"good.txt";
			files[n++].size = size;
		}
		files[n].name = argv[i];
		files[n++].size = size;
		proto_msg_init(&m, PROTO_MSG_OFFER);
		m.ref = (uint64_t)++ref;
		snprintf(m.to, sizeof m.to, "%s", to);
		m.files = files;	/* borrowed: not freed below */
		m.nfiles = n;
		if (send_msg(fd, &m) != 0)
			return 1;
		/* Wait for this offer's answer, skipping peer events. */
		for (;;) {
			if (recv_msg(fd, &d, buf, &off, &have, &m) != 0) {
				printf("closed\n");
				return 1;
			}
			if (m.type == PROTO_MSG_DECLINE) {
				printf("declined: %s\n", m.reason);
				proto_msg_free(&m);
				break;
			}
			if (m.type == PROTO_MSG_ERROR) {
				printf("error: %s: %s\n", m.code, m.message);
				all_declined = false;
				proto_msg_free(&m);
				break;
			}
			if (m.type == PROTO_MSG_READY) {
				printf("accepted\n");
				fflush(stdout);
				all_declined = false;
				if (mode != NULL)
					stream(server, m.token, size, mode, fd, &d,
					    buf, &off, &have);
				proto_msg_free(&m);
				break;
			}
			if (m.type == PROTO_MSG_PING) {
				proto_msg_free(&m);
				proto_msg_init(&m, PROTO_MSG_PONG);
				send_msg(fd, &m);
				continue;
			}
			proto_msg_free(&m);
		}
		fflush(stdout);
	}
	proto_decoder_free(&d);
	free(buf);
	close(fd);
	return all_declined ? 0 : 1;
}
