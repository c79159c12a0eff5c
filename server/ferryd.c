/*
 * ferryd.c: the relay's main: flags, the loop, SIGINT/SIGTERM for a
 * graceful stop, SIGHUP to re-read --allow-keys. The only place in the
 * relay that exits.
 *
 * Test-only flags (not in --help's main list, shown under "Testing"):
 * --hello-timeout-ms, --bind-timeout-ms, --slot-timeout-ms,
 * --ping-after-ms, --idle-timeout-ms, --linger-ms shorten the protocol's
 * deadlines so tests can watch them expire in well under a second;
 * --rate-limit and --rate-burst set the per-client request bucket.
 *
 * Benchmark knobs, from the environment: FERRY_RELAY_SPLICE=0 bridges by
 * copy, FERRY_RELAY_CHUNK and FERRY_RELAY_PIPE size its buffers (bytes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <limits.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <uv.h>

#include "keyfile.h"
#include "tls.h"
#include "relay_log.h"
#include "proto.h"
#include "relay.h"
#include "relay_allow.h"
#include "relay_metrics.h"

#define FERRYD_VERSION	"0.1.0"

struct ferryd {
	struct relay	*relay;
	uv_signal_t	 sigint;
	uv_signal_t	 sigterm;
	uv_signal_t	 sighup;
	const char	*allow_keys;	/* --allow-keys FILE, or NULL */
	struct relay_metrics *metrics;	/* --metrics-listen's endpoint, or NULL */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: ferryd [--listen HOST:PORT] [--max-clients N] [--state-dir DIR]\n"
"              [--tls-cert FILE --tls-key FILE]\n"
"              [--allow-keys FILE] [--require-room]\n"
"              [--metrics-listen HOST:PORT]\n"
"              [--log-level error|warn|info|debug] [--help] [--version]\n"
"\n"
"The ferry relay: clients connect, see each other and stream files to\n"
"each other through it. It stores nothing. Logs go to stderr.\n"
"\n"
"  --listen HOST:PORT   where to listen (default %s); [::1]:7117 for IPv6,\n"
"                       port 0 picks a free port (the log says which)\n"
"  --max-clients N      clients that may be connected at once (default 65536);\n"
"                       the next one gets error{busy}\n"
"  --state-dir DIR      where the relay keeps its host key, created on first\n"
"                       start (folder 700, key 600); default $STATE_DIRECTORY\n"
"                       (systemd), else /var/lib/ferryd as root, else\n"
"                       $XDG_STATE_HOME/ferryd or ~/.local/state/ferryd\n"
"  --tls-cert FILE      present this certificate chain (PEM, leaf first: a\n"
"                       CA-signed certificate for the relay's DNS name)\n"
"                       instead of the host key; needs --tls-key\n"
"  --tls-key FILE       the certificate's private key (PEM, mode 600)\n"
"  --allow-keys FILE    admit only the clients whose keys FILE lists, one a\n"
"                       line as the first line of `ferry id` prints it ('#'\n"
"                       comments and blank lines allowed); SIGHUP re-reads\n"
"                       it (a bad file keeps the old list) and closes the\n"
"                       clients taken off it; others get error{not_allowed}\n"
"  --require-room       refuse a client without --room (error{room_required}):\n"
"                       on a public relay, strangers never see each other\n"
"  --metrics-listen HOST:PORT\n"
"                       serve Prometheus metrics (text format 0.0.4) at\n"
"                       http://HOST:PORT/metrics, e.g. 127.0.0.1:9117; port 0\n"
"                       picks one (the log says \"metrics on\"); no\n"
"                       authentication: keep it on a loopback address\n"
"  --log-level LEVEL    error, warn, info (default) or debug\n"
"  --help               this text\n"
"  --version            the version and protocol version\n"
"\n"
"Testing (milliseconds): --hello-timeout-ms N (10000), --bind-timeout-ms N\n"
"(ready to both bound, 30000), --slot-timeout-ms N (slot to bind, 30000),\n"
"--ping-after-ms N (30000), --idle-timeout-ms N (60000), --linger-ms N (2000).\n"
"Requests: --rate-limit N (peers and offer a second per client, 20; 0: no\n"
"limit), --rate-burst N (50).\n"
"\n"
"Abuse limits (PROTOCOL.md section 5; each on by default):\n"
"  --max-transfers N    open transfers one client is in (256): rate_limited\n"
"  --max-pending N      offers waiting for their binds at one receiver (16):\n"
"                       the next sender gets receiver_busy\n"
"  --msg-rate-limit N   control messages other than peers and offer a second\n"
"                       per client (200; 0: no limit): rate_limited\n"
"  --msg-rate-burst N   ... of which this many at once (400)\n"
"  --bridge-idle-ms N   close a bridge that moved no byte for so long\n"
"                       (150000; 0: never): stalled\n"
"  --bridge-min-rate N  ... or that averaged under N bytes a second (1024;\n"
"                       0: any) over --bridge-window-ms N (60000)\n"
"  --output-budget N    control bytes queued for all clients together\n"
"                       (67108864): past it the largest backlogs are dropped\n"
"  --max-unhello N      connections that have not said hello nor hold a\n"
"                       slot (1024, at most max(--max-clients, 64)): busy\n"
"  --max-per-addr N     open connections from one source address (64): busy\n"
"  --fd-reserve N       descriptors kept free below the limit (32): a new\n"
"                       connection past them hears busy\n",
	    RELAY_DEFAULT_LISTEN);
}

/* A whole decimal number in [lo, hi], or -1. */
static int
parse_num(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out)
{
	unsigned long long	 v;
	char			*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* --NAME's number in [lo, hi]; else a line for people and -1. */
static int
opt_num(const char *name, const char *arg, unsigned long long lo,
    unsigned long long hi, unsigned long long *out)
{
	if (parse_num(arg, lo, hi, out) == 0)
		return 0;
	fprintf(stderr, "ferryd: --%s wants a number from %llu to %llu, not "
	    "\"%s\"\n", name, lo, hi, arg);
	return -1;
}

/* --NAME's milliseconds, 1 to a day; else a line for people and -1. */
static int
opt_ms(const char *name, const char *arg, unsigned long long *out)
{
	if (parse_num(arg, 1, 86400000, out) == 0)
		return 0;
	fprintf(stderr, "ferryd: --%s wants milliseconds from 1 to 86400000, "
	    "not \"%s\"\n", name, arg);
	return -1;
}

/* --- the abuse limits' flags, in one block --------------------------------- */

enum {
	OPT_LIMITS = 512,	/* above main()'s own */
	OPT_MAX_TRANSFERS = OPT_LIMITS, OPT_MAX_PENDING, OPT_MSG_RATE,
	OPT_MSG_BURST, OPT_BRIDGE_IDLE, OPT_BRIDGE_RATE, OPT_BRIDGE_WINDOW,
	OPT_OUTPUT_BUDGET, OPT_MAX_UNHELLO, OPT_MAX_PER_ADDR, OPT_FD_RESERVE,
	OPT_LIMITS_END,
};

#define LIMIT_OPTIONS							\
	{ "max-transfers",	required_argument, NULL, OPT_MAX_TRANSFERS }, \
	{ "max-pending",	required_argument, NULL, OPT_MAX_PENDING }, \
	{ "msg-rate-limit",	required_argument, NULL, OPT_MSG_RATE },	\
	{ "msg-rate-burst",	required_argument, NULL, OPT_MSG_BURST },	\
	{ "bridge-idle-ms",	required_argument, NULL, OPT_BRIDGE_IDLE }, \
	{ "bridge-min-rate",	required_argument, NULL, OPT_BRIDGE_RATE }, \
	{ "bridge-window-ms",	required_argument, NULL, OPT_BRIDGE_WINDOW }, \
	{ "output-budget",	required_argument, NULL, OPT_OUTPUT_BUDGET }, \
	{ "max-unhello",	required_argument, NULL, OPT_MAX_UNHELLO }, \
	{ "max-per-addr",	required_argument, NULL, OPT_MAX_PER_ADDR }, \
	{ "fd-reserve",		required_argument, NULL, OPT_FD_RESERVE },

/* One of the flags above into cfg; 0, or -1 after a line for people. */
static int
limit_opt(int c, const char *name, const char *arg, struct relay_config *cfg)
{
	unsigned long long	v;
	/* 0 turns off the rates and the bridge deadlines; not the caps. */
	int			zero = c == OPT_MSG_RATE || c == OPT_BRIDGE_IDLE ||
				    c == OPT_BRIDGE_RATE || c == OPT_FD_RESERVE;

	if (opt_num(name, arg, zero ? 0 : 1, c == OPT_OUTPUT_BUDGET ?
	    (1ULL << 40) : c == OPT_BRIDGE_IDLE || c == OPT_BRIDGE_WINDOW ?
	    86400000 : 1000000, &v) != 0)
		return -1;
	switch (c) {
	case OPT_MAX_TRANSFERS: cfg->max_transfers = (unsigned)v; break;
	case OPT_MAX_PENDING: cfg->max_pending = (unsigned)v; break;
	case OPT_MSG_RATE: cfg->msg_rate = (unsigned)v; break;
	case OPT_MSG_BURST: cfg->msg_burst = (unsigned)v; break;
	case OPT_BRIDGE_IDLE: cfg->bridge_idle_ms = v; break;
	case OPT_BRIDGE_RATE: cfg->bridge_min_rate = (unsigned)v; break;
	case OPT_BRIDGE_WINDOW: cfg->bridge_window_ms = v; break;
	case OPT_OUTPUT_BUDGET: cfg->ctl_budget = (size_t)v; break;
	case OPT_MAX_UNHELLO: cfg->max_unhello = (unsigned)v; break;
	case OPT_MAX_PER_ADDR: cfg->max_per_addr = (unsigned)v; break;
	default: cfg->fd_reserve = (unsigned)v; break;
	}
	return 0;
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct ferryd	*d = s->data;

	relay_log(RELAY_LOG_NOTICE, NULL, "%s received",
	    signum == SIGINT ? "SIGINT" : "SIGTERM");
	relay_shutdown(d->relay);
	relay_metrics_close(d->metrics);
	d->metrics = NULL;
	/* A second signal gets the default action: a stuck stop can be forced. */
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	if (d->allow_keys != NULL)
		uv_close((uv_handle_t *)&d->sighup, NULL);
}

/*
 * --allow-keys: (re)reads the file into the relay. On failure the relay
 * keeps the list it had; at start (first) that is fatal. 0 or -1.
 */
static int
allow_load(struct ferryd *d, int first)
{
	struct relay_allow	*a;
	char			 err[PATH_MAX + 256];
	size_t			 n, dropped;

	if (relay_allow_load(d->allow_keys, &a, err, sizeof err) != 0) {
		if (first)
			fprintf(stderr, "ferryd: --allow-keys %s\n", err);
		else
			relay_log(RELAY_LOG_ERROR, NULL, "allow list not "
			    "reloaded, the old one stays: %s", err);
		return -1;
	}
	n = a->n;
	dropped = relay_set_allow(d->relay, a);
	relay_log(RELAY_LOG_NOTICE, NULL, "allow list %s: %zu key%s%s",
	    d->allow_keys, n, n == 1 ? "" : "s", first ? "" : " (reloaded)");
	if (dropped > 0)
		relay_log(RELAY_LOG_NOTICE, NULL, "closed %zu client%s no "
		    "longer on the allow list", dropped, dropped == 1 ? "" : "s");
	return 0;
}

static void
sighup_cb(uv_signal_t *s, int signum)
{
	(void)signum;
	relay_log(RELAY_LOG_NOTICE, NULL, "SIGHUP received: re-reading the "
	    "allow list");
	(void)allow_load(s->data, 0);
}

/* An environment number in [lo, hi] into *out; anything else leaves it. */
static void
env_size(const char *name, long long lo, long long hi, size_t *out)
{
	const char	*v;
	long long	 n;

	if ((v = getenv(name)) != NULL && (n = strtoll(v, NULL, 10)) >= lo &&
	    n <= hi)
		*out = (size_t)n;
}

/* The benchmark's buffer sweep; the defaults are its result. */
static void
env_config(struct relay_config *cfg)
{
	const char	*v;

	if ((v = getenv("FERRY_RELAY_SPLICE")) != NULL && strcmp(v, "0") == 0)
		cfg->splice = 0;
	env_size("FERRY_RELAY_CHUNK", RELAY_CHUNK_MIN, RELAY_CHUNK_MAX,
	    &cfg->chunk_size);
	env_size("FERRY_RELAY_PIPE", RELAY_PIPE_KNOB_MIN, RELAY_CHUNK_MAX,
	    &cfg->pipe_size);
}

/* 10,000 clients need more descriptors than the usual soft limit of 1024. */
static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The relay's host key, the identity clients will pin (issue 11): in
 * --state-dir, else $STATE_DIRECTORY (what systemd's StateDirectory= sets),
 * else /var/lib/ferryd for root, else $XDG_STATE_HOME/ferryd (absolute
 * only), else ~/.local/state/ferryd; created on first start. line gets
 * the log line that names it.
 */
static int
load_host_key(const char *dir, EVP_PKEY **key, char *line, size_t linelen)
{
	struct proto_key_names	 n;
	const char		*env, *home;
	char			 path[PATH_MAX], err[PATH_MAX + 256];
	bool			 created;
	int			 len;

	if (dir != NULL)
		len = snprintf(path, sizeof path, "%s/host_key.pem", dir);
	else if ((env = getenv("STATE_DIRECTORY")) != NULL && env[0] == '/')
		len = snprintf(path, sizeof path, "%s/host_key.pem", env);
	else if (geteuid() == 0)
		len = snprintf(path, sizeof path, "/var/lib/ferryd/host_key.pem");
	else if ((env = getenv("XDG_STATE_HOME")) != NULL && env[0] == '/')
		len = snprintf(path, sizeof path, "%s/ferryd/host_key.pem", env);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/')
		len = snprintf(path, sizeof path, "%s/.local/state/ferryd/host_key.pem",
		    home);
	else {
		fprintf(stderr, "ferryd: no home folder to keep the host key "
		    "in; use --state-dir DIR\n");
		return -1;
	}
	if (len < 0 || (size_t)len >= sizeof path) {
		fprintf(stderr, "ferryd: the state folder's path is too long\n");
		return -1;
	}
	if (proto_keyfile_load(path, true, key, &created, err, sizeof err) != 0) {
		fprintf(stderr, "ferryd: %s\n", err);
		return -1;
	}
	if (proto_key_describe(*key, &n) != 0) {
		fprintf(stderr, "ferryd: cannot read the host key in %s\n", path);
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	/* Logged once the relay listens, so a bad --listen still fails in one line. */
	snprintf(line, linelen, "host key %s in %s%s", n.short_fpr, path,
	    created ? " (new)" : "");
	return 0;
}

/*
 * The server context from --tls-cert and --tls-key, and the log line that
 * names the certificate's key by the fingerprint clients compute: of the
 * raw key for Ed25519, of the DER SubjectPublicKeyInfo for any other.
 */
static int
load_cert(const char *cert_file, const char *key_file,
    struct proto_tls_ctx **ctx, char *line, size_t linelen)
{
	struct proto_key_names	 n;
	FILE			*f;
	X509			*cert = NULL;
	EVP_PKEY		*pk;
	unsigned char		*der = NULL;
	uint8_t			 md[32];
	unsigned		 mdlen = sizeof md;
	char			 err[PATH_MAX + 256];
	int			 len, ok = 0;

	if (proto_tls_ctx_new_files(cert_file, key_file, ctx, err,
	    sizeof err) != 0) {
		fprintf(stderr, "ferryd: %s\n", err);
		return -1;
	}
	if ((f = fopen(cert_file, "r")) != NULL) {
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (cert != NULL && (pk = X509_get0_pubkey(cert)) != NULL) {
		if (EVP_PKEY_get_id(pk) == EVP_PKEY_ED25519)
			ok = proto_key_describe(pk, &n) == 0;
		else if ((len = i2d_PUBKEY(pk, &der)) > 0 &&
		    EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(),
		    NULL) == 1) {
			proto_key_names_digest(md, &n);
			ok = 1;
		}
	}
	OPENSSL_free(der);
	X509_free(cert);
	if (!ok) {
		fprintf(stderr, "ferryd: %s: cannot read the certificate's "
		    "key\n", cert_file);
		proto_tls_ctx_free(*ctx);
		*ctx = NULL;
		return -1;
	}
	snprintf(line, linelen, "certificate %s, key %s", cert_file,
	    n.short_fpr);
	return 0;
}

int
main(int argc, char **argv)
{
	enum {
		OPT_MAX_CLIENTS = 256, OPT_RATE, OPT_BURST, OPT_LOG_LEVEL,
		OPT_HELLO, OPT_BIND, OPT_SLOT, OPT_PING, OPT_IDLE,
		OPT_LINGER, OPT_STATE_DIR, OPT_TLS_CERT, OPT_TLS_KEY,
		OPT_ALLOW_KEYS, OPT_REQUIRE_ROOM, OPT_METRICS,
	};
	static const struct option	opts[] = {
		{ "listen",		required_argument, NULL, 'l' },
		{ "max-clients",	required_argument, NULL, OPT_MAX_CLIENTS },
		{ "log-level",		required_argument, NULL, OPT_LOG_LEVEL },
		{ "state-dir",		required_argument, NULL, OPT_STATE_DIR },
		{ "tls-cert",		required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key",		required_argument, NULL, OPT_TLS_KEY },
		/* Access and rooms. */
		{ "allow-keys",		required_argument, NULL, OPT_ALLOW_KEYS },
		{ "require-room",	no_argument,	   NULL, OPT_REQUIRE_ROOM },
		{ "metrics-listen",	required_argument, NULL, OPT_METRICS },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ "hello-timeout-ms",	required_argument, NULL, OPT_HELLO },
		{ "bind-timeout-ms",	required_argument, NULL, OPT_BIND },
		{ "slot-timeout-ms",	required_argument, NULL, OPT_SLOT },
		{ "ping-after-ms",	required_argument, NULL, OPT_PING },
		{ "idle-timeout-ms",	required_argument, NULL, OPT_IDLE },
		{ "linger-ms",		required_argument, NULL, OPT_LINGER },
		{ "rate-limit",		required_argument, NULL, OPT_RATE },
		{ "rate-burst",		required_argument, NULL, OPT_BURST },
		LIMIT_OPTIONS
		{ NULL, 0, NULL, 0 },
	};
	struct relay_config	 cfg;
	struct ferryd		 d;
	uv_loop_t		 loop;
	/* The values of OPT_MAX_CLIENTS ... OPT_BURST, and of OPT_HELLO ... */
	unsigned		*num[] = { &cfg.max_clients, &cfg.rate,
	    &cfg.burst };
	uint64_t		*ms[] = { &cfg.hello_ms, &cfg.bind_ms,
	    &cfg.slot_ms, &cfg.ping_ms, &cfg.idle_ms, &cfg.linger_ms };
	unsigned long long	 v;
	const char		*state_dir = NULL, *cert_file = NULL;
	const char		*key_file = NULL, *metrics = NULL;
	EVP_PKEY		*host_key = NULL;
	struct proto_tls_ctx	*tls = NULL;
	char			 err[PATH_MAX + 256], keyline[PATH_MAX + 64];
	int			 c, level, e, loopback, idx = 0;

	memset(&d, 0, sizeof d);
	relay_config_default(&cfg);
	env_config(&cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:hV", opts, &idx)) != -1) {
		if (c >= OPT_LIMITS && c < OPT_LIMITS_END) {
			if (limit_opt(c, opts[idx].name, optarg, &cfg) != 0)
				return 2;
			continue;
		}
		switch (c) {
		case 'l':
			cfg.listen = optarg;
			break;
		case OPT_STATE_DIR:
			state_dir = optarg;
			break;
		case OPT_TLS_CERT:
			cert_file = optarg;
			break;
		case OPT_TLS_KEY:
			key_file = optarg;
			break;
		/* Access and rooms. */
		case OPT_ALLOW_KEYS:
			d.allow_keys = optarg;
			break;
		case OPT_REQUIRE_ROOM:
			cfg.require_room = 1;
			break;
		case OPT_METRICS:
			metrics = optarg;
			break;
		case OPT_MAX_CLIENTS:
		case OPT_RATE:
		case OPT_BURST:
			/* --rate-limit 0 turns the bucket off; the others need 1. */
			if (opt_num(opts[idx].name, optarg, c == OPT_RATE ? 0 : 1,
			    1000000, &v) != 0)
				return 2;
			*num[c - OPT_MAX_CLIENTS] = (unsigned)v;
			break;
		case OPT_LOG_LEVEL:
			if ((level = relay_log_parse_level(optarg)) < 0) {
				fprintf(stderr, "ferryd: --log-level wants error, "
				    "warn, info or debug, not \"%s\"\n", optarg);
				return 2;
			}
			relay_log_set_level((enum relay_log_level)level);
			break;
		case OPT_HELLO:
		case OPT_BIND:
		case OPT_SLOT:
		case OPT_PING:
		case OPT_IDLE:
		case OPT_LINGER:
			if (opt_ms(opts[idx].name, optarg, &v) != 0)
				return 2;
			*ms[c - OPT_HELLO] = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ferryd %s (protocol %d)\n", FERRYD_VERSION,
			    PROTO_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "ferryd: %s needs a value (try --help)\n",
			    argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "ferryd: unknown option \"%s\" (try "
			    "--help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ferryd: unexpected argument \"%s\" (try "
		    "--help)\n", argv[optind]);
		return 2;
	}

	if ((cert_file == NULL) != (key_file == NULL)) {
		fprintf(stderr, "ferryd: --tls-cert and --tls-key go together "
		    "(try --help)\n");
		return 2;
	}
	if (cert_file != NULL) {
		if (load_cert(cert_file, key_file, &tls, keyline,
		    sizeof keyline) != 0)
			return 1;
	} else {
		if (load_host_key(state_dir, &host_key, keyline,
		    sizeof keyline) != 0)
			return 1;
		if (proto_tls_ctx_new(true, host_key, &tls, err,
		    sizeof err) != 0) {
			fprintf(stderr, "ferryd: %s\n", err);
			EVP_PKEY_free(host_key);
			return 1;
		}
		/* The context holds its own reference. */
		EVP_PKEY_free(host_key);
	}
	cfg.tls = tls;
	signal(SIGPIPE, SIG_IGN);	/* a vanished client is an error value */
	raise_nofile();
	if ((e = uv_loop_init(&loop)) != 0) {
		fprintf(stderr, "ferryd: %s\n", uv_strerror(e));
		proto_tls_ctx_free(tls);
		return 1;
	}
	if (relay_new(&loop, &cfg, &d.relay) != 0) {
		fprintf(stderr, "ferryd: out of memory\n");
		proto_tls_ctx_free(tls);
		uv_loop_close(&loop);
		return 1;
	}
	/* Before listening: no client gets in before the list is there. */
	if (d.allow_keys != NULL && allow_load(&d, 1) != 0) {
		relay_free(d.relay);
		proto_tls_ctx_free(tls);
		uv_loop_close(&loop);
		return 1;
	}
	/* Before listening, so a SIGHUP after "listening on" is never fatal. */
	if (d.allow_keys != NULL) {
		uv_signal_init(&loop, &d.sighup);
		d.sighup.data = &d;
		uv_signal_start(&d.sighup, sighup_cb, SIGHUP);
	}
	if (relay_listen(d.relay, err, sizeof err) != 0) {
		fprintf(stderr, "ferryd: %s\n", err);
		if (d.allow_keys != NULL) {
			uv_close((uv_handle_t *)&d.sighup, NULL);
			uv_run(&loop, UV_RUN_NOWAIT);
		}
		relay_free(d.relay);
		proto_tls_ctx_free(tls);
		uv_loop_close(&loop);
		return 2;
	}
	relay_log(RELAY_LOG_NOTICE, NULL, "%s", keyline);
	if (metrics != NULL) {
		loopback = 1;
		e = relay_metrics_start(d.relay, metrics, &d.metrics, &loopback,
		    err, sizeof err);
		if (!loopback)
			relay_log(RELAY_LOG_WARN, NULL, "metrics on %s are not "
			    "authenticated: anyone who reaches it reads them",
			    metrics);
		if (e != 0) {
			fprintf(stderr, "ferryd: --metrics-listen: %s\n", err);
			if (d.allow_keys != NULL)
				uv_close((uv_handle_t *)&d.sighup, NULL);
			relay_free(d.relay);	/* runs the loop: the closes finish */
			proto_tls_ctx_free(tls);
			uv_loop_close(&loop);
			return 1;
		}
	}
	uv_signal_init(&loop, &d.sigint);
	uv_signal_init(&loop, &d.sigterm);
	d.sigint.data = &d;
	d.sigterm.data = &d;
	uv_signal_start(&d.sigint, signal_cb, SIGINT);
	uv_signal_start(&d.sigterm, signal_cb, SIGTERM);

	uv_run(&loop, UV_RUN_DEFAULT);

	relay_free(d.relay);
	proto_tls_ctx_free(tls);
	if ((e = uv_loop_close(&loop)) != 0)
		relay_log(RELAY_LOG_WARN, NULL, "loop close: %s", uv_strerror(e));
	relay_log(RELAY_LOG_NOTICE, NULL, "stopped");
	return 0;
}
