/*
 * client_fe.c: the harness client_fe.h describes, for test_client_core.c.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <uv.h>

#include "client.h"
#include "client_fe.h"
#include "digest.h"
#include "relay.h"
#include "tls.h"
#include "relay_log.h"
#include "scratch.h"

uv_loop_t	 core_loop;
static struct relay	*relay;
struct proto_tls_ctx *core_relay_tls;	/* the relay's side: a key for this run */
char		 core_server[64];
char		 core_dir[PATH_MAX];

static void
on_state(struct client *c, enum client_state s, const char *reason,
    unsigned retry, void *arg)
{
	struct fe	*fe = arg;

	(void)c;
	fe->state = s;
	fe->retry = retry;
	fe->nstates++;
	snprintf(fe->reason, sizeof fe->reason, "%s", reason);
	if (s == CLIENT_CLOSED)
		fe->closed = true;
}

static void
on_peers(struct client *c, void *arg)
{
	struct fe			*fe = arg;
	const struct client_peer	*p;
	size_t				 n, i;

	fe->npeers_cb++;
	p = client_peers(c, &n);
	for (i = 0; i < n; i++) {
		if (p[i].active > fe->max_active)
			fe->max_active = p[i].active;
	}
}

static void
on_incoming(struct client *c, const struct client_transfer *t, void *arg)
{
	struct fe	*fe = arg;

	fe->nincoming++;
	fe->incoming = t->id;
	assert_int_equal(t->state, CLIENT_TRANSFER_WAITING);
	assert_int_equal(t->dir, CLIENT_RECEIVE);
	if (fe->answer > 0)
		assert_int_equal(client_accept(c, t->id), 0);
	else if (fe->answer < 0)
		assert_int_equal(client_decline(c, t->id, fe->decline_reason), 0);
}

static void
on_transfer(struct client *c, const struct client_transfer *t, void *arg)
{
	struct fe	*fe = arg;

	(void)c;
	fe->ntransfer_cb++;
	if (t->state == CLIENT_TRANSFER_TRANSFERRING)
		fe->nprogress++;
	if ((fe->nseen == 0 || fe->seen[fe->nseen - 1] != t->state) &&
	    fe->nseen < MAXSEEN)
		fe->seen[fe->nseen++] = t->state;
	assert_true(t->bytes_done <= t->bytes_total);
}

static void
on_message(struct client *c, const char *line, void *arg)
{
	(void)c;
	(void)arg;
	fprintf(stderr, "# message: %s\n", line);
}

const struct client_ops core_ops = {
	on_state, on_peers, on_incoming, on_transfer, on_message
};

static void
deadline_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Runs the loop until cond(arg) holds; false after ms milliseconds. */
bool
run_until(bool (*cond)(void *), void *arg, uint64_t ms)
{
	uv_timer_t	tm;
	bool		late = false, ok;

	uv_timer_init(&core_loop, &tm);
	tm.data = &late;
	uv_timer_start(&tm, deadline_cb, ms, 0);
	while (!(ok = cond(arg)) && !late)
		uv_run(&core_loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tm, NULL);
	uv_run(&core_loop, UV_RUN_NOWAIT);
	return ok;
}

bool
is_connected(void *arg)
{
	return ((struct fe *)arg)->state == CLIENT_CONNECTED;
}

bool
is_closed(void *arg)
{
	return ((struct fe *)arg)->closed;
}

/* A free port on 127.0.0.1 (closed again: the relay binds it next). */
static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

void
start_relay(void)
{
	struct relay_config	cfg;
	char			err[256];

	relay_config_default(&cfg);
	cfg.listen = core_server;
	cfg.tls = core_relay_tls;
	assert_int_equal(relay_new(&core_loop, &cfg, &relay), 0);
	assert_int_equal(relay_listen(relay, err, sizeof err), 0);
}

int
setup(void **state)
{
	(void)state;
	relay_log_set_level(RELAY_LOG_ERROR);
	assert_int_equal(uv_loop_init(&core_loop), 0);
	snprintf(core_server, sizeof core_server, "127.0.0.1:%d", free_port());
	assert_int_equal(scratch_make(core_dir, sizeof core_dir, "core"), 0);
	relay = NULL;
	if (core_relay_tls == NULL) {
		EVP_PKEY	*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		char		 err[256];

		assert_non_null(key);
		assert_int_equal(proto_tls_ctx_new(true, key, &core_relay_tls, err,
		    sizeof err), 0);
		EVP_PKEY_free(key);
	}
	return 0;
}

static void
walk_close_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * After a failed assertion a test's clients are still open (their timers
 * keep the loop alive): the relay gets 5 s to shut down, then every handle
 * is closed, so a failure is reported instead of hanging here.
 */
int
teardown(void **state)
{
	uv_timer_t	tm;
	bool		late = false;

	(void)state;
	if (relay != NULL) {
		relay_shutdown(relay);
		uv_timer_init(&core_loop, &tm);
		tm.data = &late;
		uv_timer_start(&tm, deadline_cb, 5000, 0);
		uv_unref((uv_handle_t *)&tm);	/* not what keeps the loop alive */
		while (uv_loop_alive(&core_loop) && !late)
			uv_run(&core_loop, UV_RUN_ONCE);
		uv_close((uv_handle_t *)&tm, NULL);
		relay_free(relay);
		relay = NULL;
	}
	uv_walk(&core_loop, walk_close_cb, NULL);
	uv_run(&core_loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&core_loop), 0);
	return scratch_remove(core_dir);
}

void
new_client(struct fe *fe, const char *name, const char *rxdir, bool reconnect)
{
	struct client_options	o;
	char			err[256];

	memset(&o, 0, sizeof o);
	o.server = core_server;
	o.name = name;
	o.dir = rxdir;
	o.reconnect = reconnect;
	o.progress_hz = 5;
	fe->name = name;
	assert_int_equal(client_new(&core_loop, &o, &core_ops, fe, &fe->c, err, sizeof err), 0);
	assert_int_equal(client_state(fe->c), CLIENT_IDLE);
	assert_int_equal(client_start(fe->c), 0);
}

void
close_client(struct fe *fe)
{
	client_close(fe->c);
	client_close(fe->c);		/* idempotent */
	assert_true(run_until(is_closed, fe, 5000));
	assert_int_equal(client_state(fe->c), CLIENT_CLOSED);
	client_free(fe->c);
	fe->c = NULL;
}

void
write_file(const char *path, size_t size)
{
	FILE	*f = fopen(path, "w");
	size_t	 i;

	assert_non_null(f);
	for (i = 0; i < size; i++)
		fputc((int)((i * 2654435761u) >> 13) & 0xff, f);
	fclose(f);
}

void
file_sha(const char *path, char *hex)
{
	struct client_digest	d;
	char			buf[65536];
	size_t			n;
	FILE			*f = fopen(path, "r");

	assert_non_null(f);
	assert_int_equal(client_digest_init(&d), 0);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		client_digest_update(&d, buf, n);
	fclose(f);
	assert_int_equal(client_digest_final(&d, hex), 0);
}
