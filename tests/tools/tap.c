/*
 * tap.c: a recording TCP proxy for the e2e tests, to see what the network
 * sees. It listens on 127.0.0.1 (an ephemeral port), forwards every
 * connection to the relay, and writes each direction of each connection to
 * its own file, byte for byte:
 *
 *	tap HOST:PORT DIR [LISTEN_PORT]
 *
 * (LISTEN_PORT: that port instead of an ephemeral one, so a test can kill
 * the tap, the "network", and bring it back where the clients look)
 * prints "listening on 127.0.0.1:PORT" on stdout once it accepts, then
 * runs until killed. Connection N goes to DIR/N.up (client to relay) and
 * DIR/N.down (relay to client). Each direction is one child process
 * copying with blocking calls, so a stalled direction never holds up the
 * other; children die with the tap (PR_SET_PDEATHSIG) and exit at EOF,
 * passing the half-close on.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

/* Copies from in to out, appending everything to the file at path; exits. */
static void
pump(int in, int out, const char *path)
{
	char	buf[65536];
	ssize_t	n, w, off;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		_exit(1);
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			_exit(1);
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) <= 0)
				_exit(0);
	}
	shutdown(out, SHUT_WR);
	_exit(0);
}

/* A connection to host:port, or -1. */
static int
dial(const char *host, const char *port)
{
	struct addrinfo	hints, *res, *ai;
	int		fd = -1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
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

/* One child per direction: from, to, recorded in DIR/N.SUFFIX. */
static void
spawn(int from, int to, const char *dir, unsigned n, const char *suffix,
    pid_t parent)
{
	char	path[4096];

	if (fork() != 0)
		return;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(0);
	snprintf(path, sizeof path, "%s/%u.%s", dir, n, suffix);
	pump(from, to, path);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	sin;
	struct sigaction	sa;
	struct proto_hostport	hp;
	socklen_t		len = sizeof sin;
	char			port[16], err[128];
	unsigned		n = 0;
	pid_t			self = getpid();
	int			lfd, cfd, rfd, one = 1;

	if ((argc != 3 && argc != 4) || proto_hostport_parse(argv[1], &hp, err,
	    sizeof err) != 0 || hp.host[0] == '\0') {
		fprintf(stderr, "usage: tap HOST:PORT DIR [LISTEN_PORT]\n");
		return 2;
	}
	snprintf(port, sizeof port, "%u", hp.port);
	/* Children are not waited for: they must not linger as zombies. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc == 4)
		sin.sin_port = htons((uint16_t)strtoul(argv[3], NULL, 10));
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("tap: listen");
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR)
				continue;
			perror("tap: accept");
			return 1;
		}
		if ((rfd = dial(hp.host, port)) < 0) {
			close(cfd);
			continue;
		}
		n++;
		spawn(cfd, rfd, argv[2], n, "up", self);
		spawn(rfd, cfd, argv[2], n, "down", self);
		close(cfd);
		close(rfd);
	}
}
