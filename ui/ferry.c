/*
 * ferry.c: the client's main. Parses the command line, picks the front end
 * (the terminal UI with no command, or peers / send / receive) and turns
 * its result into the exit status: 0, 1 when something failed, 2 for a
 * usage error. The only place in the client that exits.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "client.h"
#include "headless.h"
#include "identity.h"
#include "room.h"
#include "trust.h"
#include "proto.h"
#include "text.h"
#include "ui.h"

#define FERRY_VERSION	"0.1.0"

static const char usage_text[] =
"usage: ferry [options]                      open the terminal UI\n"
"       ferry [options] peers                list the other peers\n"
"       ferry [options] send --to PEER FILE|FOLDER...\n"
"       ferry [options] receive [--dir DIR] [--from PEER] [--count N]\n"
"                               [--only GLOB]... [--exclude GLOB]...\n"
"       ferry [options] id                   show your identity (created on first use);\n"
"                                            its first line is what a relay's\n"
"                                            --allow-keys file takes\n"
"       ferry room new                       print a new unguessable room name to share\n"
"       ferry [options] trust NAME FINGERPRINT  you compared NAME's code or fingerprint:\n"
"                                            remember that key as NAME's, verified\n"
"\n"
"options:\n"
"  -s, --server HOST:PORT  relay to use (default $FERRY_SERVER, else " CLIENT_DEFAULT_SERVER ")\n"
"  -n, --name NAME         your name on the relay (default $FERRY_NAME, else user@host)\n"
"  -R, --room ROOM         meet only the peers in ROOM (default $FERRY_ROOM, else\n"
"                          none): you see and reach no one else, and no one else\n"
"                          sees you; `ferry room new` makes a name to share\n"
"  -d, --dir DIR           where received files go (default: the current folder)\n"
"  -i, --identity FILE     your key (default $XDG_CONFIG_HOME/ferry/identity.pem,\n"
"                          else ~/.config/ferry/identity.pem)\n"
"  -r, --relay-fingerprint FPR\n"
"                          the relay's key must have this fingerprint (as ferryd logs\n"
"                          it; 16 characters at least); pinned for later in\n"
"                          known_relays beside the default identity\n"
"  -q, --quiet             send: no progress bar and no summary\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"\n"
"send:\n"
"  -t, --to PEER           the receiver: a name or HOST:PORT as `ferry peers` shows it\n"
"  -l, --limit-rate RATE   send at most RATE bytes per second (suffixes K, M, G: KiB, MiB, GiB)\n"
"                          exits 0 only when the receiver has verified every file\n"
"      --retry-for SECONDS when a connection breaks, offer again (waiting 1, 2, 4\n"
"                          ... 30 s between tries) for up to SECONDS (default 300);\n"
"                          the receiver kept what arrived, so the files go on\n"
"                          from there once both digests of that part agree\n"
"      --no-retry          give up at once when a connection breaks\n"
"receive:\n"
"  -f, --from PEER         only take files from PEER (others are declined)\n"
"  -c, --count N           exit after N transfers saved (failed ones do not\n"
"                          count; default: run until interrupted)\n"
"  -o, --only GLOB         take only the files GLOB matches (a GLOB with a / matches\n"
"                          the path in the offer, one without it the last part; a\n"
"                          folder it matches is taken whole); may be repeated\n"
"  -x, --exclude GLOB      leave out what GLOB matches (the same way); may be repeated\n"
"      --keep-parts DAYS   remove the parts of broken transfers nobody resumed\n"
"                          for DAYS days (default 7; 0 removes them all), and say so\n"
"                          prints `verified NAME (SIZE bytes, sha256 HEX) from PEER` as\n"
"                          each file is verified, then `saved NAME (...) from PEER`\n"
"                          per file once all are (NAME: the name it was saved under)\n";

enum { OPT_DECLINE = 256, OPT_RETRY_FOR, OPT_NO_RETRY, OPT_KEEP_PARTS };

static const struct option long_opts[] = {
	{ "server",	required_argument,	NULL, 's' },
	{ "name",	required_argument,	NULL, 'n' },
	{ "room",	required_argument,	NULL, 'R' },
	{ "dir",	required_argument,	NULL, 'd' },
	{ "identity",	required_argument,	NULL, 'i' },
	{ "relay-fingerprint", required_argument, NULL, 'r' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "to",		required_argument,	NULL, 't' },
	{ "from",	required_argument,	NULL, 'f' },
	{ "count",	required_argument,	NULL, 'c' },
	{ "limit-rate",	required_argument,	NULL, 'l' },
	{ "only",	required_argument,	NULL, 'o' },
	{ "exclude",	required_argument,	NULL, 'x' },
	{ "retry-for",	required_argument,	NULL, OPT_RETRY_FOR },
	{ "no-retry",	no_argument,		NULL, OPT_NO_RETRY },
	{ "keep-parts",	required_argument,	NULL, OPT_KEEP_PARTS },
	{ "decline",	no_argument,		NULL, OPT_DECLINE },	/* tests: decline every offer */
	{ NULL,		0,			NULL, 0 }
};

struct args {
	const char	*server;
	const char	*name;
	const char	*room;
	const char	*dir;
	const char	*identity;
	const char	*relay_fpr;
	const char	*to;
	const char	*from;
	const char	*count;
	const char	*limit;
	const char	*retry_for;
	const char	*keep_parts;
#define ARGS_GLOBS_MAX	64
	const char	*only[ARGS_GLOBS_MAX];
	size_t		 nonly;
	const char	*exclude[ARGS_GLOBS_MAX];
	size_t		 nexclude;
	bool		 quiet;
	bool		 no_retry;
	bool		 decline;
	bool		 help;
	bool		 version;
};

static int
usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "ferry: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry 'ferry --help' for more information.\n");
	return 2;
}

/* One getopt pass; stops at the first operand when `stop` (the command). Returns 0 or 2. */
static int
parse(int argc, char **argv, struct args *a, bool stop)
{
	int	ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, stop ? "+:s:n:R:d:i:r:qhVt:f:c:l:o:x:" :
	    ":s:n:R:d:i:r:qhVt:f:c:l:o:x:", long_opts, NULL)) != -1) {
		switch (ch) {
		case 's': a->server = optarg; break;
		case 'n': a->name = optarg; break;
		case 'R': a->room = optarg; break;
		case 'd': a->dir = optarg; break;
		case 'i': a->identity = optarg; break;
		case 'r': a->relay_fpr = optarg; break;
		case 'q': a->quiet = true; break;
		case 'h': a->help = true; break;
		case 'V': a->version = true; break;
		case 't': a->to = optarg; break;
		case 'f': a->from = optarg; break;
		case 'c': a->count = optarg; break;
		case 'l': a->limit = optarg; break;
		case 'o':
		case 'x':
			if ((ch == 'o' ? a->nonly : a->nexclude) == ARGS_GLOBS_MAX)
				return usage_error("%s is given more than 64 times",
				    ch == 'o' ? "--only" : "--exclude");
			if (ch == 'o')
				a->only[a->nonly++] = optarg;
			else
				a->exclude[a->nexclude++] = optarg;
			break;
		case OPT_DECLINE: a->decline = true; break;
		case OPT_RETRY_FOR: a->retry_for = optarg; break;
		case OPT_NO_RETRY: a->no_retry = true; break;
		case OPT_KEEP_PARTS: a->keep_parts = optarg; break;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	return 0;
}

/* "4M" -> 4194304; 0 when it is not a positive number with an optional K, M or G. */
static uint64_t
parse_rate(const char *s)
{
	unsigned long long	 v;
	char			*end;
	int			 shift = 0;

	if (*s < '0' || *s > '9')
		return 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v == 0 || v > (1ULL << 40))
		return 0;
	return (uint64_t)v << shift;
}

/* $FERRY_NAME, else user@host, cut to the 64 bytes a name may have. */
static const char *
default_name(char *buf, size_t len)
{
	const char	*env = getenv("FERRY_NAME"), *user;
	struct passwd	*pw;
	char		 host[256];

	if (env != NULL && *env != '\0')
		return env;
	if ((user = getenv("USER")) == NULL || *user == '\0') {
		pw = getpwuid(getuid());
		user = pw != NULL ? pw->pw_name : "user";
	}
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%s@%s", user, host);
	buf[proto_utf8_cut(buf, strlen(buf), PROTO_PEER_NAME_MAX)] = '\0';
	return buf;
}

/*
 * A keepalive setting in ms from the environment, so tests can shorten the
 * keepalive of any front end; 0 (the client's default) when unset or not a
 * number of ms from 1 to a day.
 */
static uint64_t
env_ms(const char *name)
{
	const char		*s;
	char			*end;
	unsigned long long	 v;

	if ((s = getenv(name)) == NULL || *s < '0' || *s > '9')
		return 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 86400000ULL)
		return 0;
	return (uint64_t)v;
}

/*
 * A file in ferry's config folder: $XDG_CONFIG_HOME/ferry/ (an absolute
 * XDG_CONFIG_HOME only, as the XDG spec says), else ~/.config/ferry/.
 * Returns 0, or 1 after saying why on stderr.
 */
static int
config_path(const char *leaf, char *buf, size_t len)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct passwd	*pw;
	int		 n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/ferry/%s", xdg, leaf);
	else {
		if (home == NULL || home[0] != '/') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL) {
			fprintf(stderr, "ferry: no home folder to keep %s in; "
			    "set XDG_CONFIG_HOME%s\n", leaf,
			    strcmp(leaf, "identity.pem") == 0 ?
			    " or use --identity FILE" : "");
			return 1;
		}
		n = snprintf(buf, len, "%s/.config/ferry/%s", home, leaf);
	}
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "ferry: the path of %s is too long\n", leaf);
		return 1;
	}
	return 0;
}

/*
 * Where the identity lives: --identity, else identity.pem in the config
 * folder. *private_dir is set for the default folder, which the client
 * creates 0700 and refuses when others may enter it.
 */
static int
identity_path(const struct args *a, char *buf, size_t len, bool *private_dir)
{
	*private_dir = a->identity == NULL;
	if (a->identity == NULL)
		return config_path("identity.pem", buf, len);
	if ((size_t)snprintf(buf, len, "%s", a->identity) >= len) {
		fprintf(stderr, "ferry: the identity path is too long\n");
		return 1;
	}
	return 0;
}

/*
 * `ferry id`: the key line (what an allow list takes, as ssh-keygen -y
 * prints an authorized_keys line: type, key, and our name as the comment),
 * fingerprints, the file.
 */
static int
show_identity(const char *path, bool private_dir, const char *name)
{
	struct client_identity	*id;
	char			 err[PATH_MAX + 256];
	bool			 created;

	if (client_identity_load(path, private_dir, &id, &created, err,
	    sizeof err) != 0) {
		fprintf(stderr, "ferry: %s\n", err);
		return 1;
	}
	if (created)
		fprintf(stderr, "ferry: created a new identity in %s\n", path);
	printf("%s %s\n", id->names.keyline, name);
	printf("fingerprint %s\n", id->names.short_fpr);
	printf("full fingerprint %s\n", id->names.fingerprint);
	printf("key file %s\n", id->path);
	client_identity_free(id);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* `ferry room new`: one line on stdout (room.h says what it is made of). */
static int
new_room(void)
{
	char	room[CLIENT_ROOM_LEN + 1];

	if (client_room_new(room) != 0) {
		fprintf(stderr, "ferry: no random bytes for a room name\n");
		return 1;
	}
	printf("%s\n", room);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The terminal UI (ui/): exit 2 when there is no terminal to draw on. */
static int
run_tui(uv_loop_t *loop, const struct client_options *copts)
{
	char	err[512];
	int	r;

	if ((r = ui_main(loop, copts, NULL, err, sizeof err)) == 0)
		return 0;
	fprintf(stderr, "ferry: %s\n", err);
	return r == UV_ENOTTY ? 2 : 1;
}

int
main(int argc, char **argv)
{
	struct ui_headless_options	 o;
	struct args		 a;
	struct stat		 st;
	const char		*cmd = NULL;
	char			 namebuf[512], idpath[PATH_MAX], relays[PATH_MAX];
	char			 peers[PATH_MAX], msg[PATH_MAX + 256];
	char			*end;
	uv_loop_t		 loop;
	int			 r, status;

	/* A closed socket is an error to handle, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof a);
	if ((r = parse(argc, argv, &a, true)) != 0)
		return r;
	if (optind < argc) {
		cmd = argv[optind];
		/* Options may also follow the command: parse the rest. */
		argc -= optind;
		argv += optind;
		optind = 0;
		if ((r = parse(argc, argv, &a, false)) != 0)
			return r;
	} else {
		argc = 0;
	}
	if (a.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (a.version) {
		printf("ferry %s (protocol %d)\n", FERRY_VERSION, PROTO_VERSION);
		return 0;
	}

	memset(&o, 0, sizeof o);
	o.copts.server = a.server != NULL ? a.server : getenv("FERRY_SERVER");
	o.copts.name = a.name != NULL ? a.name : default_name(namebuf,
	    sizeof namebuf);
	o.copts.room = a.room != NULL ? a.room : getenv("FERRY_ROOM");
	o.copts.dir = a.dir;
	o.copts.ping_ms = env_ms("FERRY_PING_AFTER_MS");
	o.copts.idle_ms = env_ms("FERRY_IDLE_TIMEOUT_MS");
	if (identity_path(&a, idpath, sizeof idpath, &o.copts.identity_private) != 0)
		return 1;
	o.copts.identity = idpath;
	if (config_path("known_relays", relays, sizeof relays) != 0)
		return 1;
	o.copts.known_relays = relays;
	if (config_path("known_peers", peers, sizeof peers) != 0)
		return 1;
	o.copts.known_peers = peers;
	o.copts.relay_fingerprint = a.relay_fpr;
	o.quiet = a.quiet;
	o.progress = isatty(STDERR_FILENO);
	o.to = a.to;
	o.from = a.from;
	o.decline = a.decline;
	o.only = a.only;
	o.nonly = a.nonly;
	o.exclude = a.exclude;
	o.nexclude = a.nexclude;
	if (a.count != NULL) {
		o.count = strtoul(a.count, &end, 10);
		if (*a.count < '0' || *a.count > '9' || *end != '\0' ||
		    o.count == 0 || o.count == ULONG_MAX)
			return usage_error("--count needs a positive number, not \"%s\"",
			    a.count);
	}

	o.retry_s = a.no_retry ? 0 : 300;
	if (a.retry_for != NULL && !a.no_retry) {
		o.retry_s = strtoul(a.retry_for, &end, 10);
		if (*a.retry_for < '0' || *a.retry_for > '9' || *end != '\0' ||
		    o.retry_s > 7 * 86400)
			return usage_error("--retry-for needs seconds, up to a "
			    "week, not \"%s\"", a.retry_for);
	}
	o.keep_parts_s = 7 * 86400;
	if (a.keep_parts != NULL) {
		unsigned long days = strtoul(a.keep_parts, &end, 10);

		if (*a.keep_parts < '0' || *a.keep_parts > '9' || *end != '\0' ||
		    days > 36500)
			return usage_error("--keep-parts needs a number of days, "
			    "not \"%s\"", a.keep_parts);
		o.keep_parts_s = (uint64_t)days * 86400;
	}
	if (a.limit != NULL &&
	    (o.copts.rate_limit = parse_rate(a.limit)) == 0)
		return usage_error("--limit-rate needs a rate like 500K or 4M, not \"%s\"",
		    a.limit);

	if (cmd == NULL) {
		o.copts.reconnect = true;
		if (uv_loop_init(&loop) != 0)
			return 1;
		status = run_tui(&loop, &o.copts);
		uv_loop_close(&loop);
		return status;
	}
	if (strcmp(cmd, "peers") == 0) {
		if (optind < argc)
			return usage_error("peers takes no arguments, not \"%s\"",
			    argv[optind]);
	} else if (strcmp(cmd, "send") == 0) {
		/* After a break, the relay may come back: the retries need it. */
		o.copts.reconnect = o.retry_s > 0;
		if (a.to == NULL || *a.to == '\0')
			return usage_error("%s needs --to PEER", "send");
		if (optind >= argc)
			return usage_error("%s needs at least one FILE", "send");
		o.paths = (const char *const *)&argv[optind];
		o.npaths = (size_t)(argc - optind);
	} else if (strcmp(cmd, "id") == 0) {
		if (optind < argc)
			return usage_error("id takes no arguments, not \"%s\"",
			    argv[optind]);
		return show_identity(o.copts.identity, o.copts.identity_private,
		    o.copts.name);
	} else if (strcmp(cmd, "room") == 0) {
		if (argc - optind != 1 || strcmp(argv[optind], "new") != 0)
			return usage_error("%s takes one word: new", "room");
		return new_room();
	} else if (strcmp(cmd, "trust") == 0) {
		if (argc - optind != 2)
			return usage_error("%s needs NAME and FINGERPRINT", "trust");
		if (client_trust_verify(peers, argv[optind], argv[optind + 1],
		    msg, sizeof msg) != 0) {
			fprintf(stderr, "ferry: %s\n", msg);
			return 1;
		}
		printf("%s\n", msg);
		return 0;
	} else if (strcmp(cmd, "receive") == 0) {
		if (optind < argc)
			return usage_error("receive takes no FILE, not \"%s\"",
			    argv[optind]);
		if (a.dir != NULL && (stat(a.dir, &st) != 0 ||
		    !S_ISDIR(st.st_mode))) {
			fprintf(stderr, "ferry: %s is not a folder\n", a.dir);
			return 1;
		}
		if (a.dir != NULL && access(a.dir, W_OK | X_OK) != 0) {
			fprintf(stderr, "ferry: cannot write into %s\n", a.dir);
			return 1;
		}
	} else {
		return usage_error("unknown command \"%s\"", cmd);
	}

	if (uv_loop_init(&loop) != 0) {
		fprintf(stderr, "ferry: cannot start the event loop\n");
		return 1;
	}
	if (strcmp(cmd, "peers") == 0)
		status = ui_headless_peers(&loop, &o);
	else if (strcmp(cmd, "send") == 0)
		status = ui_headless_send(&loop, &o);
	else
		status = ui_headless_receive(&loop, &o);
	uv_loop_close(&loop);
	return status;
}
