/*
 * main.c: wire, a scriptable ferry protocol client for end-to-end tests and
 * benchmarks. One process holds any number of named connections to a relay
 * and runs a script against them, so multi-party flows (offer, ready,
 * attach, bind, bridge, checks) are deterministic and need no sleeps.
 * Control connections speak TLS 1.3 as the relay wants (each under its
 * own Ed25519 identity); data connections speak frames in clear.
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
 *	connect C [KEYFILE]	open a control connection named C: TCP, then
 *				the TLS 1.3 handshake, as the Ed25519 key in
 *				KEYFILE (created when missing; default a new
 *				key for each connection); sets ${C.key} (the
 *				key presented, 64 hex digits) and
 *				${C.relay_fpr} (the relay's short fingerprint,
 *				as ferryd logs it)
 *	connect-many P N [plain]
 *				connect P0 .. P<N-1>, each with its own key,
 *				and say nothing; with plain, only open them
 *				(as connect-plain), so no handshake waits
 *	connect-plain C		open a TCP connection named C that speaks
 *				frames in clear (a data connection, or a
 *				control connection without TLS)
 *	attach D		connect-plain D, send attach, expect slot;
 *				sets ${D.slot}. Then the control connection
 *				sends bind {transfer, slot:${D.slot}}
 *	close C			close it
 *	shut C			shutdown(SHUT_WR): send EOF, keep reading
 *	send C JSON		one control frame; the payload is the rest of
 *				the line as it is (so it can be malformed)
 *	raw C HEX		raw bytes, e.g. "ffffffff01" (a 4 GiB header)
 *				(send and raw go inside TLS on a control
 *				connection, whatever the bytes are)
 *	cork C | uncork C	on a control connection, hold what send and
 *				raw write until uncork, which sends it all
 *				at once (a flood the relay reads in one go)
 *	hello C NAME [ROOM]	send hello {version 2, NAME, and ROOM if
 *				given} and expect welcome with our own key
 *				(on a control connection); sets ${C.id} and
 *				${C.addr}. NAME* is NAME followed by C's own
 *				name (so hello P* x* names each apart)
 *	ping C			send ping and expect pong: C is still served
 *	expect C TYPE [K=V | K~V | K>VAR]...
 *				the next control frame on C has this type;
 *				K=V: field K is V, K~V: field K contains V,
 *				K>VAR: store field K in VAR
 *	expect-close C [notify]	C is closed by the relay (EOF or reset) with
 *				no further frame; with notify, by a TLS
 *				close_notify first
 *	quiet C MS		nothing arrives on C for MS milliseconds, and
 *				no presence event was set aside unread
 *	pair A[:NAME] B[:NAME] SIZE [offered|ready|attached]
 *				A offers B one file of SIZE bytes (offered
 *				to A, incoming to B), both hear ready, data
 *				connections Ad and Bd attach and A and B
 *				bind their slots, each step checked; the
 *				stage says where to stop (default attached;
 *				offered leaves the two readys unread). A or
 *				B not yet open is
 *				connected with hello NAME (default its own
 *				name). Sets ${A.transfer} ${B.transfer}
 *				${Ad.slot} ${Bd.slot}
 * The byte streams below are for data connections (pump and fill write to
 * the socket itself):
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
 * Fields for expect: type code message reason slot role name addr key id
 * ref transfer version more ok index size count sha256, peer (the peer's
 * name), peer.id, peer.addr, peer.key, peers (names joined by ","), keys
 * (the peers' keys joined by ","), id_of:NAME (the id of the peer
 * named NAME among them), npeers, ids (joined by ","), nids, files
 * (names joined by ","), nfiles. Absent numbers are 0.
 *
 * The files: main.c the flags and the script runner (variables, ${NAME},
 * dispatch), sock.c connections (with their TLS) and frames, stream.c
 * raw bytes and byte streams, expect.c the checks of control messages,
 * hello and pair; wire.h what they share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "msg.h"
#include "wire.h"

int
wire__fail(struct wire *w, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof w->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- variables --- */

const char *
wire__var_get(struct wire *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nvars; i++) {
		if (strcmp(w->vars[i].name, name) == 0)
			return w->vars[i].value;
	}
	return getenv(name);
}

int
wire__var_set(struct wire *w, const char *name, const char *value)
{
	struct wvar	*nv;
	char		*v;
	size_t		 i;

	if ((v = strdup(value)) == NULL)
		return wire__fail(w, "out of memory");
	for (i = 0; i < w->nvars; i++) {
		if (strcmp(w->vars[i].name, name) == 0) {
			free(w->vars[i].value);
			w->vars[i].value = v;
			return 0;
		}
	}
	if ((nv = realloc(w->vars, (w->nvars + 1) * sizeof *nv)) == NULL) {
		free(v);
		return wire__fail(w, "out of memory");
	}
	w->vars = nv;
	if ((nv[w->nvars].name = strdup(name)) == NULL) {
		free(v);
		return wire__fail(w, "out of memory");
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
		return wire__fail(w, "out of memory");
	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}')) != NULL) {
			n = (size_t)(end - p - 2);
			if (n >= sizeof name) {
				free(buf);
				return wire__fail(w, "variable name too long");
			}
			memcpy(name, p + 2, n);
			name[n] = '\0';
			if ((val = wire__var_get(w, name)) == NULL) {
				free(buf);
				return wire__fail(w, "no variable ${%s}", name);
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
				return wire__fail(w, "out of memory");
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

/* --- the script --- */

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
		return wire__fail(w, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, fieldname, flen) == 0 && line[flen] == ':') {
			kb = strtoull(line + flen + 1, NULL, 10);
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found)
		return wire__fail(w, "no %s in %s", fieldname, path);
	printf("# mem %s %s: %" PRIu64 " kB (limit %" PRIu64 " kB)\n", pid,
	    fieldname, kb, max);
	if (kb > max)
		return wire__fail(w, "%s of %s is %" PRIu64 " kB, over %" PRIu64
		    " kB", fieldname, pid, kb, max);
	return 0;
}


int
wire__parse_u64(const char *s, uint64_t *out)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
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
	if (wire__parse_u64(s, &n) == 0 && n < 65)
		return (int)n;
	return -1;
}

/* Commands that act on one connection, run for each match of "P*". */
static int
per_conn(struct wire *w, const char *cmd, struct wconn *c, char **args,
    int nargs, const char *rest)
{
	uint64_t	n, ms, seed = 1;
	char		*pong[1], hname[256];
	int		i, t;

	if (strcmp(cmd, "close") == 0) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return 0;
	}
	if (strcmp(cmd, "shut") == 0) {
		if (c->fd < 0 || shutdown(c->fd, SHUT_WR) != 0)
			return wire__fail(w, "shutdown %s: %s", c->name,
			    c->fd < 0 ? "closed" : strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "send") == 0)
		return wire__send_json(w, c, rest);
	if (strcmp(cmd, "cork") == 0) {
		if (c->tls == NULL)
			return wire__fail(w, "cork %s: not a TLS connection",
			    c->name);
		c->corked = 1;
		return 0;
	}
	if (strcmp(cmd, "uncork") == 0)
		return wire__conn_uncork(w, c);
	if (strcmp(cmd, "raw") == 0)
		return nargs < 1 ? wire__fail(w, "raw C HEX") :
		    wire__cmd_raw(w, c, args[0]);
	if (strcmp(cmd, "hello") == 0) {
		if (nargs < 1)
			return wire__fail(w, "hello C NAME [ROOM]");
		/* NAME*: NAME and the connection's name, for hello P*. */
		t = (int)strlen(args[0]);
		if (t > 0 && args[0][t - 1] == '*') {
			snprintf(hname, sizeof hname, "%.*s%s", t - 1, args[0],
			    c->name);
			return wire__cmd_hello(w, c, hname, nargs > 1 ?
			    args[1] : NULL);
		}
		return wire__cmd_hello(w, c, args[0], nargs > 1 ? args[1] : NULL);
	}
	if (strcmp(cmd, "expect") == 0)
		return wire__cmd_expect(w, c, args, nargs);
	if (strcmp(cmd, "ping") == 0) {
		pong[0] = (char *)"pong";
		if (wire__send_json(w, c, "{\"type\":\"ping\"}") != 0)
			return -1;
		return wire__cmd_expect(w, c, pong, 1);
	}
	if (strcmp(cmd, "ignore") == 0) {
		c->ignore = 0;
		for (i = 0; i < nargs; i++) {
			for (t = PROTO_MSG_NONE + 1; t < PROTO_MSG_COUNT; t++) {
				if (strcmp(args[i], proto_msg_type_name(t)) == 0)
					break;
			}
			if (t == PROTO_MSG_COUNT)
				return wire__fail(w, "no message type %s",
				    args[i]);
			c->ignore |= 1u << t;
		}
		wire__drop_ignored(c);
		return 0;
	}
	if (strcmp(cmd, "expect-close") == 0)
		return wire__cmd_expect_close(w, c, nargs > 0 &&
		    strcmp(args[0], "notify") == 0);
	if (strcmp(cmd, "quiet") == 0) {
		if (nargs < 1 || wire__parse_u64(args[0], &n) != 0)
			return wire__fail(w, "quiet C MS");
		return wire__cmd_quiet(w, c, (int)n);
	}
	if (strcmp(cmd, "fill") == 0) {
		if (nargs < 2 || wire__parse_u64(args[0], &n) != 0 ||
		    wire__parse_u64(args[1], &ms) != 0 ||
		    (nargs > 2 && wire__parse_u64(args[2], &seed) != 0))
			return wire__fail(w, "fill C N MS [SEED]");
		return wire__cmd_fill(w, c, n, (int)ms, seed);
	}
	if (strcmp(cmd, "drain") == 0) {
		if (nargs < 1 || wire__parse_u64(args[0], &n) != 0)
			return wire__fail(w, "drain C N");
		return wire__cmd_read(w, c, n, 0, 0);
	}
	if (strcmp(cmd, "write") == 0 || strcmp(cmd, "read") == 0) {
		if (nargs < 1 || wire__parse_u64(args[0], &n) != 0 ||
		    (nargs > 1 && wire__parse_u64(args[1], &seed) != 0))
			return wire__fail(w, "%s C N [SEED]", cmd);
		return cmd[0] == 'w' ? wire__cmd_write(w, c, n, seed) :
		    wire__cmd_read(w, c, n, seed, 1);
	}
	return wire__fail(w, "unknown command \"%s\"", cmd);
}

static int	run_line(struct wire *, char *);

/* Runs one script line made with printf, its ${NAME}s expanded. */
int
wire__run_fmt(struct wire *w, const char *fmt, ...)
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

#define WIRE_ARGS_MAX	32

static int
run_line(struct wire *w, char *line)
{
	char		*args[WIRE_ARGS_MAX], *p = line, *cmd, *rest = NULL;
	struct wconn	*c, *d;
	uint64_t	 n, seed = 1;
	size_t		 i, plen, matched = 0;
	char		 name[WIRE_NAME_MAX + 16];
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
		if (nargs < 1 || wire__parse_u64(args[0], &n) != 0)
			return wire__fail(w, "sleep MS");
		usleep((useconds_t)(n * 1000));
		return 0;
	}
	if (strcmp(cmd, "set") == 0) {
		if (nargs < 1)
			return wire__fail(w, "set VAR VALUE");
		return wire__var_set(w, args[0], rest != NULL ? rest : "");
	}
	if (strcmp(cmd, "autopong") == 0) {
		if (nargs < 1)
			return wire__fail(w, "autopong on|off");
		w->autopong = strcmp(args[0], "on") == 0;
		return 0;
	}
	if (strcmp(cmd, "kill") == 0) {
		if (nargs < 2 || wire__parse_u64(args[0], &n) != 0 || n == 0 ||
		    (sig = signum(args[1])) < 0)
			return wire__fail(w, "kill PID SIG");
		if (kill((pid_t)n, sig) != 0)
			return wire__fail(w, "kill %s: %s", args[0],
			    strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "mem") == 0) {
		if (nargs < 3 || wire__parse_u64(args[2], &n) != 0)
			return wire__fail(w, "mem PID FIELD MAXKB");
		return cmd_mem(w, args[0], args[1], n);
	}
	if (nargs < 1)
		return wire__fail(w, "%s needs a connection name", cmd);
	if (strcmp(cmd, "connect") == 0)
		return wire__conn_open(w, args[0], 1, nargs > 1 ? args[1] : NULL);
	if (strcmp(cmd, "connect-plain") == 0)
		return wire__conn_open(w, args[0], 0, NULL);
	if (strcmp(cmd, "attach") == 0) {
		if (wire__conn_open(w, args[0], 0, NULL) != 0 ||
		    wire__send_json(w, wire__conn_find(w, args[0]),
		    "{\"type\":\"attach\"}") != 0)
			return -1;
		return wire__run_fmt(w, "expect %s slot slot>%s.slot", args[0],
		    args[0]);
	}
	if (strcmp(cmd, "connect-many") == 0) {
		if (nargs < 2 || wire__parse_u64(args[1], &n) != 0)
			return wire__fail(w, "connect-many P N");
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "%s%zu", args[0], i);
			if (wire__conn_open(w, name, nargs < 3 ||
			    strcmp(args[2], "plain") != 0, NULL) != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(cmd, "pair") == 0)
		return wire__cmd_pair(w, args, nargs);
	if (strcmp(cmd, "pump") == 0) {
		if (nargs < 3 || wire__parse_u64(args[2], &n) != 0 ||
		    (nargs > 3 && wire__parse_u64(args[3], &seed) != 0))
			return wire__fail(w, "pump A B N [SEED]");
		if ((c = wire__conn_find(w, args[0])) == NULL ||
		    (d = wire__conn_find(w, args[1])) == NULL)
			return wire__fail(w, "pump: no such connection");
		return wire__cmd_pump(w, c, d, n, seed);
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
			return wire__fail(w, "no connection matches %s",
			    args[0]);
		return 0;
	}
	if ((c = wire__conn_find(w, args[0])) == NULL)
		return wire__fail(w, "no connection %s", args[0]);
	if (strcmp(cmd, "send") == 0 && rest == NULL)
		return wire__fail(w, "send C JSON");
	return per_conn(w, cmd, c, args + 1, nargs - 1, rest);
}

/*
 * The relay's address, "HOST:PORT" or "[V6]:PORT", split by ferry's one
 * HOST:PORT parser; wire needs a host to connect to, so it refuses the
 * parser's ":PORT" and "PORT".
 */
static int
relay_addr(struct wire *w, const char *s)
{
	if (proto_hostport_parse(s, &w->relay, NULL, 0) != 0 ||
	    w->relay.host[0] == '\0')
		return -1;
	snprintf(w->port, sizeof w->port, "%u", w->relay.port);
	return 0;
}

static void
wire_free(struct wire *w)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++)
		wire__conn_free(w->conns[i]);
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
	char		*line = NULL, *ex = NULL;
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
			if (wire__parse_u64(optarg, &t) != 0 || t == 0 ||
			    t > 3600000) {
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
	if (relay_addr(&w, argv[optind]) != 0) {
		fprintf(stderr, "wire: bad address %s\n", argv[optind]);
		return 2;
	}
	if (argc - optind == 2 && (f = fopen(argv[optind + 1], "r")) == NULL) {
		fprintf(stderr, "wire: %s: %s\n", argv[optind + 1],
		    strerror(errno));
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
	return rc;
}
