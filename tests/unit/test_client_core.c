/*
 * test_client_core.c: the client core's public API (client.h) as a front
 * end uses it, against a real relay running in the same libuv loop: peers
 * appear and leave, an offer is accepted and verified with the callbacks in
 * the right order and throttled progress, decline and cancel give reasons,
 * forget and close behave, and a client with reconnect on keeps retrying
 * with backoff until a relay appears.
 */
#include <sys/stat.h>

#include <dirent.h>
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
#include "digest.h"
#include "relay.h"
#include "tls.h"
#include "relay_log.h"
#include "scratch.h"
#include "store.h"
#include "client_fe.h"

struct two {
	struct fe	*a, *b;
};

static bool
both_see_each_other(void *arg)
{
	struct two	*w = arg;
	size_t		 na, nb;

	if (w->a->state != CLIENT_CONNECTED || w->b->state != CLIENT_CONNECTED)
		return false;
	client_peers(w->a->c, &na);
	client_peers(w->b->c, &nb);
	return na == 1 && nb == 1;
}

static void
test_peers_live(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct two			 w = { &a, &b };
	const struct client_peer	*p;
	size_t				 n;

	(void)state;
	start_relay();
	new_client(&a, "alice", core_dir, false);
	new_client(&b, "bob 🚢", core_dir, false);
	assert_true(run_until(both_see_each_other, &w, 5000));
	assert_true(client_peers_loaded(a.c));
	p = client_peers(a.c, &n);
	assert_string_equal(p[0].name, "bob 🚢");
	assert_int_equal(strncmp(p[0].addr, "127.0.0.1:", 10), 0);
	assert_int_equal(p[0].id, client_self_id(b.c));
	assert_string_equal(client_self_name(a.c), "alice");
	assert_string_equal(client_self_addr(b.c), p[0].addr);
	assert_ptr_equal(client_peer_find(a.c, "bob 🚢"), p);
	assert_ptr_equal(client_peer_find(a.c, p[0].addr), p);
	assert_null(client_peer_find(a.c, "carol"));
	assert_string_equal(client_server(a.c), core_server);
	assert_string_equal(client_dir(a.c), core_dir);

	/* bob leaves: alice's list follows. */
	close_client(&b);
	assert_true(run_until(both_see_each_other, &w, 300) == false);
	client_peers(a.c, &n);
	assert_int_equal(n, 0);
	close_client(&a);
}

struct pair {
	struct fe	*fe;
	uint64_t	 id;
};

static bool
ended(void *arg)
{
	struct pair			*p = arg;
	const struct client_transfer	*t;

	t = client_transfer_find(p->fe->c, p->id);
	return t != NULL && CLIENT_TRANSFER_ENDED(t->state);
}

/* p's transfer ends within ms, in state st, with this reason (when not NULL). */
static void
ends_as(struct pair *p, enum client_transfer_state st, const char *reason,
    uint64_t ms)
{
	const struct client_transfer	*t;

	assert_true(run_until(ended, p, ms));
	t = client_transfer_find(p->fe->c, p->id);
	assert_int_equal(t->state, st);
	if (reason != NULL)
		assert_string_equal(t->reason, reason);
}

static bool
receiver_ended(void *arg)
{
	struct fe			*fe = arg;
	const struct client_transfer	*t;

	if (fe->incoming == 0)
		return false;
	t = client_transfer_find(fe->c, fe->incoming);
	return t != NULL && CLIENT_TRANSFER_ENDED(t->state);
}

static void
connect_two(struct fe *a, struct fe *b, const char *bdir)
{
	struct two	w = { a, b };

	start_relay();
	new_client(a, "alice", core_dir, false);
	new_client(b, "bob", bdir, false);
	assert_true(run_until(both_see_each_other, &w, 5000));
}

static void
test_offer_accept(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct pair			 pa;
	const struct client_transfer	*ts, *tr;
	char				 src1[PATH_MAX + 16], src2[PATH_MAX + 16];
	char				 rx[PATH_MAX + 16], got[PATH_MAX + 64];
	char				 h1[65], h2[65], err[256];
	const char			*paths[2];
	uint64_t			 id;
	size_t				 big = 3 * CLIENT_CHUNK_SIZE + 12345;
	unsigned			 i;

	(void)state;
	snprintf(rx, sizeof rx, "%s/rx", core_dir);
	mkdir(rx, 0755);
	snprintf(src1, sizeof src1, "%s/empty", core_dir);
	snprintf(src2, sizeof src2, "%s/big.bin", core_dir);
	write_file(src1, 0);
	write_file(src2, big);
	b.answer = 1;
	connect_two(&a, &b, rx);

	paths[0] = src1;
	paths[1] = src2;
	assert_int_equal(client_offer(a.c, "bob", paths, 2, &id, err, sizeof err), 0);
	assert_true(id >= 1);
	ts = client_transfer_find(a.c, id);
	assert_non_null(ts);
	assert_int_equal(ts->dir, CLIENT_SEND);
	assert_int_equal(ts->nfiles, 2);
	assert_string_equal(ts->files[1].name, "big.bin");
	pa.fe = &a;
	pa.id = id;
	assert_true(run_until(ended, &pa, 20000));
	assert_true(run_until(receiver_ended, &b, 5000));

	ts = client_transfer_find(a.c, id);
	assert_int_equal(ts->state, CLIENT_TRANSFER_DONE);
	assert_int_equal(ts->bytes_done, big);
	assert_int_equal(ts->bytes_total, big);
	assert_true(ts->relay_id >= 1);
	assert_string_equal(ts->peer_name, "bob");
	tr = client_transfer_find(b.c, b.incoming);
	assert_int_equal(tr->state, CLIENT_TRANSFER_DONE);
	assert_int_equal(tr->relay_id, ts->relay_id);
	assert_string_equal(tr->peer_name, "alice");
	assert_int_equal(b.nincoming, 1);

	/* Digests agree on both sides and with the files on disk. */
	file_sha(src1, h1);
	file_sha(src2, h2);
	assert_string_equal(ts->files[0].sha256, h1);
	assert_string_equal(ts->files[1].sha256, h2);
	assert_string_equal(tr->files[0].sha256, h1);
	assert_string_equal(tr->files[1].sha256, h2);
	assert_string_equal(tr->files[1].saved_as, "big.bin");
	assert_string_equal(ts->files[1].saved_as, "big.bin");
	snprintf(got, sizeof got, "%s/big.bin", rx);
	file_sha(got, h1);
	assert_string_equal(h1, h2);

	/* The sender went through the states in order, and ended DONE. */
	for (i = 1; i < a.nseen; i++)
		assert_true(a.seen[i] > a.seen[i - 1]);
	assert_int_equal(a.seen[a.nseen - 1], CLIENT_TRANSFER_DONE);
	assert_int_equal(b.seen[b.nseen - 1], CLIENT_TRANSFER_DONE);
	/* Progress was throttled: a few MiB over loopback is a handful of calls. */
	assert_true(a.nprogress < 20);
	/* bob was marked busy in alice's list while it ran, and is idle now. */
	assert_int_equal(a.max_active, 1);
	assert_int_equal(client_peer_find(a.c, "bob")->active, 0);

	/* Ended transfers can be forgotten; the count follows. */
	assert_int_equal(client_transfer_count(a.c), 1);
	assert_ptr_equal(client_transfer_next(a.c, NULL), ts);
	assert_null(client_transfer_next(a.c, ts));
	assert_int_equal(client_transfer_forget(a.c, id), 0);
	assert_int_equal(client_transfer_count(a.c), 0);
	assert_null(client_transfer_find(a.c, id));
	assert_int_equal(client_transfer_forget(a.c, id), UV_ENOENT);

	/* The same file again: saved as "big (1).bin", never over the first. */
	assert_int_equal(client_offer(a.c, "bob", &paths[1], 1, &id, err, sizeof err), 0);
	pa.id = id;
	assert_true(run_until(ended, &pa, 20000));
	assert_int_equal(client_transfer_find(a.c, id)->state, CLIENT_TRANSFER_DONE);
	assert_string_equal(client_transfer_find(a.c, id)->files[0].saved_as,
	    "big (1).bin");
	close_client(&a);
	close_client(&b);
}

static void
test_decline(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct pair			 pa = { &a, 0 };
	const struct client_transfer	*t;
	char				 src[PATH_MAX + 16], err[256];
	const char			*p = src;

	(void)state;
	snprintf(src, sizeof src, "%s/x.txt", core_dir);
	write_file(src, 10);
	b.answer = -1;
	b.decline_reason = "not now";
	connect_two(&a, &b, core_dir);
	assert_int_equal(client_offer(a.c, "bob", &p, 1, &pa.id, err, sizeof err), 0);
	assert_true(run_until(ended, &pa, 5000));
	t = client_transfer_find(a.c, pa.id);
	assert_int_equal(t->state, CLIENT_TRANSFER_DECLINED);
	assert_string_equal(t->reason, "bob declined the transfer: not now");
	t = client_transfer_find(b.c, b.incoming);
	assert_int_equal(t->state, CLIENT_TRANSFER_DECLINED);
	/* A decided offer cannot be decided again. */
	assert_int_equal(client_accept(b.c, b.incoming), UV_EINVAL);
	assert_int_equal(client_decline(b.c, b.incoming, NULL), UV_EINVAL);
	assert_int_equal(client_cancel(b.c, b.incoming, NULL), UV_EINVAL);
	assert_int_equal(client_accept(b.c, 999), UV_ENOENT);

	/* Unknown peer: not in the list, so no offer, and the words say so. */
	assert_int_equal(client_offer(a.c, "nobody", &p, 1, &pa.id, err,
	    sizeof err), UV_ENOENT);
	assert_non_null(strstr(err, "there is no peer \"nobody\""));
	close_client(&a);
	close_client(&b);
}

static bool
waiting_offer(void *arg)
{
	return ((struct fe *)arg)->nincoming > 0;
}

static bool
bytes_flowing(void *arg)
{
	struct pair			*p = arg;
	const struct client_transfer	*t = client_transfer_find(p->fe->c, p->id);

	return t != NULL && t->bytes_done > 0;
}

/* Entries in path, and in its resume folder (kept parts and their records) instead of it. */
static int
count_entries(const char *path)
{
	struct dirent	*e;
	DIR		*d = opendir(path);
	char		 sub[PATH_MAX * 2];
	int		 n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strcmp(e->d_name, STORE_RESUME_DIR) == 0) {
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			n += count_entries(sub);
		} else
			n++;
	}
	closedir(d);
	return n;
}

static void
test_cancel(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct pair			 pa = { &a, 0 };
	const struct client_transfer	*t;
	struct client_options		 o;
	char				 src[PATH_MAX + 16], rx[PATH_MAX + 16], err[256];
	const char			*p = src;

	(void)state;
	snprintf(src, sizeof src, "%s/slow.bin", core_dir);
	snprintf(rx, sizeof rx, "%s/rx", core_dir);
	mkdir(rx, 0755);
	write_file(src, 8 * CLIENT_CHUNK_SIZE);
	connect_two(&a, &b, rx);

	/* Cancel while the receiver still decides. */
	assert_int_equal(client_offer(a.c, "bob", &p, 1, &pa.id, err, sizeof err), 0);
	assert_true(run_until(waiting_offer, &b, 5000));
	assert_int_equal(client_cancel(a.c, pa.id, "changed my mind"), 0);
	/* The session is up: the receiver's answer to the cancel ends it (PROTOCOL.md 3.4). */
	ends_as(&pa, CLIENT_TRANSFER_CANCELLED,
	    "cancelled: changed my mind; bob had not accepted them and kept nothing",
	    5000);
	assert_true(run_until(receiver_ended, &b, 5000));
	t = client_transfer_find(b.c, b.incoming);
	assert_int_equal(t->state, CLIENT_TRANSFER_CANCELLED);
	assert_string_equal(t->reason, "alice cancelled the transfer: changed my mind");
	close_client(&a);

	/* Cancel mid-stream (a slow sender): the receiver's part file goes. */
	memset(&o, 0, sizeof o);
	memset(&a, 0, sizeof a);
	o.server = core_server;
	o.name = "slow alice";
	o.rate_limit = 2 * CLIENT_CHUNK_SIZE;
	a.name = o.name;
	assert_int_equal(client_new(&core_loop, &o, &core_ops, &a, &a.c, err, sizeof err), 0);
	assert_int_equal(client_start(a.c), 0);
	assert_true(run_until(is_connected, &a, 5000));
	b.answer = 1;
	b.incoming = 0;
	pa.fe = &a;
	assert_int_equal(client_offer(a.c, "bob", &p, 1, &pa.id, err, sizeof err), 0);
	assert_true(run_until(bytes_flowing, &pa, 5000));
	assert_int_equal(client_cancel(a.c, pa.id, NULL), 0);
	ends_as(&pa, CLIENT_TRANSFER_CANCELLED, "cancelled; bob removed every file",
	    5000);
	t = client_transfer_find(a.c, pa.id);
	assert_true(t->bytes_done < t->bytes_total);
	assert_true(run_until(receiver_ended, &b, 5000));
	t = client_transfer_find(b.c, b.incoming);
	assert_int_equal(t->state, CLIENT_TRANSFER_CANCELLED);
	assert_non_null(strstr(t->reason, "slow alice cancelled the transfer after "));
	close_client(&a);
	close_client(&b);	/* its cleanup has run once it is closed */
	assert_int_equal(count_entries(rx), 0);
}

/* The last offer b got, or NULL. */
static const struct client_transfer *
rx_transfer(struct fe *b)
{
	return b->incoming != 0 ? client_transfer_find(b->c, b->incoming) : NULL;
}

/* The receiver verified the last file (its digest is out): the commit is decided next. */
static bool
rx_verified(void *arg)
{
	const struct client_transfer	*t = rx_transfer(arg);

	return t != NULL && t->nfiles > 0 &&
	    t->files[t->nfiles - 1].sha256[0] != '\0';
}

/*
 * One small transfer from a to b that stops once b verified it, with b's
 * commit held by FERRY_TEST_COMMIT_DELAY_MS=delay ("PRE,IN", transfer_recv.c).
 */
static void
verified_offer(struct fe *a, struct fe *b, struct pair *pa, const char *name,
    const char *delay)
{
	char		 src[PATH_MAX + 16], err[256];
	const char	*p = src;

	snprintf(src, sizeof src, "%s/%s", core_dir, name);
	write_file(src, 3000);
	assert_int_equal(setenv("FERRY_TEST_COMMIT_DELAY_MS", delay, 1), 0);
	b->incoming = 0;
	pa->fe = a;
	assert_int_equal(client_offer(a->c, "bob", &p, 1, &pa->id, err, sizeof err), 0);
	assert_true(run_until(rx_verified, b, 5000));
}

/*
 * A cancel against the receiver's commit (PROTOCOL.md 3.4, who wins), each
 * side of the moment the commit is decided, from either end: both ends
 * report the same outcome, and it is what the receiver's folder holds.
 */
static void
test_cancel_commit(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct pair			 pa = { &a, 0 }, pb = { &b, 0 };
	char				 rx[PATH_MAX + 16], path[PATH_MAX + 32];
	char				 want[DIGEST_HEX_LEN + 1], got[DIGEST_HEX_LEN + 1];

	(void)state;
	snprintf(rx, sizeof rx, "%s/rx", core_dir);
	mkdir(rx, 0755);
	connect_two(&a, &b, rx);
	b.answer = 1;

	/* The sender cancels before the commit is decided: nothing is kept. */
	verified_offer(&a, &b, &pa, "early.bin", "30000,0");
	pb.id = b.incoming;
	assert_int_equal(client_cancel(a.c, pa.id, "stop"), 0);
	ends_as(&pa, CLIENT_TRANSFER_CANCELLED,
	    "cancelled: stop; bob removed every file", 5000);
	ends_as(&pb, CLIENT_TRANSFER_CANCELLED, "alice cancelled the transfer "
	    "after 2.9 KiB of 2.9 KiB: stop; nothing was kept", 5000);

	/* The sender cancels after it was decided: kept, and both say so. */
	verified_offer(&a, &b, &pa, "late.bin", "0,1500");
	pb.id = b.incoming;
	assert_int_equal(client_cancel(a.c, pa.id, "stop"), 0);
	assert_int_equal(client_transfer_find(a.c, pa.id)->state,
	    CLIENT_TRANSFER_VERIFYING);	/* waits for the receipt */
	ends_as(&pa, CLIENT_TRANSFER_DONE,
	    "bob verified and saved every file before the cancel reached it", 10000);
	ends_as(&pb, CLIENT_TRANSFER_DONE, "saved every file from alice: the "
	    "cancel came after they were verified, too late to stop", 5000);
	snprintf(path, sizeof path, "%s/late.bin", rx);
	file_sha(path, got);
	snprintf(path, sizeof path, "%s/late.bin", core_dir);
	file_sha(path, want);
	assert_string_equal(got, want);

	/* The receiver's person cancels after it was decided: too late, saved. */
	verified_offer(&a, &b, &pa, "late2.bin", "0,1500");
	pb.id = b.incoming;
	assert_int_equal(client_cancel(b.c, pb.id, "stop"), 0);
	assert_false(CLIENT_TRANSFER_ENDED(rx_transfer(&b)->state));
	ends_as(&pb, CLIENT_TRANSFER_DONE, NULL, 10000);
	assert_non_null(strstr(rx_transfer(&b)->reason, "too late"));
	ends_as(&pa, CLIENT_TRANSFER_DONE, "bob verified every file", 5000);

	/* The receiver cancels before it was decided: removed on both ends. */
	verified_offer(&a, &b, &pa, "early2.bin", "30000,0");
	pb.id = b.incoming;
	assert_int_equal(client_cancel(b.c, pb.id, "stop"), 0);
	assert_int_equal(rx_transfer(&b)->state, CLIENT_TRANSFER_CANCELLED);
	ends_as(&pa, CLIENT_TRANSFER_CANCELLED,
	    "bob cancelled the transfer after 2.9 KiB of 2.9 KiB: stop", 5000);

	unsetenv("FERRY_TEST_COMMIT_DELAY_MS");
	close_client(&a);
	close_client(&b);	/* its cleanup has run once it is closed */
	/* The two kept files, and no part file of the two cancelled ones. */
	assert_int_equal(count_entries(rx), 2);
	snprintf(path, sizeof path, "%s/late2.bin", rx);
	assert_int_equal(access(path, F_OK), 0);
}

struct many {
	struct fe	*fe;
	uint64_t	 id[3];
};

static bool
all_ended(void *arg)
{
	struct many			*m = arg;
	const struct client_transfer	*t;
	int				 i;

	for (i = 0; i < 3; i++) {
		t = client_transfer_find(m->fe->c, m->id[i]);
		if (t == NULL || !CLIENT_TRANSFER_ENDED(t->state))
			return false;
	}
	return true;
}

/* Several offers in flight at once, two of them with the same file name. */
static void
test_concurrent_offers(void **state)
{
	struct fe			 a = { 0 }, b = { 0 };
	struct many			 m = { &a, { 0 } };
	const struct client_transfer	*t;
	char				 s1[PATH_MAX + 16], s2[PATH_MAX + 16];
	char				 rx[PATH_MAX + 16], err[256], h[65];
	const char			*p1 = s1, *p2 = s2;
	int				 i, n;

	(void)state;
	snprintf(rx, sizeof rx, "%s/rx", core_dir);
	mkdir(rx, 0755);
	snprintf(s1, sizeof s1, "%s/same.bin", core_dir);
	snprintf(s2, sizeof s2, "%s/other.bin", core_dir);
	write_file(s1, 2 * CLIENT_CHUNK_SIZE + 1);
	write_file(s2, CLIENT_CHUNK_SIZE - 1);
	b.answer = 1;
	connect_two(&a, &b, rx);
	assert_int_equal(client_offer(a.c, "bob", &p1, 1, &m.id[0], err, sizeof err), 0);
	assert_int_equal(client_offer(a.c, "bob", &p2, 1, &m.id[1], err, sizeof err), 0);
	assert_int_equal(client_offer(a.c, "bob", &p1, 1, &m.id[2], err, sizeof err), 0);
	assert_int_equal(client_transfer_count(a.c), 3);
	assert_true(run_until(all_ended, &m, 20000));
	for (i = 0; i < 3; i++) {
		t = client_transfer_find(a.c, m.id[i]);
		if (t->state != CLIENT_TRANSFER_DONE)
			print_message("transfer %d: %s\n", i, t->reason);
		assert_int_equal(t->state, CLIENT_TRANSFER_DONE);
		file_sha(i == 1 ? s2 : s1, h);
		assert_string_equal(t->files[0].sha256, h);
	}
	/* Both copies of same.bin were kept, under two names. */
	t = client_transfer_find(a.c, m.id[0]);
	n = strcmp(t->files[0].saved_as, client_transfer_find(a.c,
	    m.id[2])->files[0].saved_as);
	assert_int_not_equal(n, 0);
	assert_int_equal(count_entries(rx), 3);
	close_client(&a);
	close_client(&b);
}

static bool
retried_twice(void *arg)
{
	struct fe	*fe = arg;

	return fe->state == CLIENT_DISCONNECTED && fe->retry >= 2;
}

static void
test_reconnect(void **state)
{
	struct fe	a = { 0 };
	char		want[128];

	(void)state;
	new_client(&a, "alice", core_dir, true);
	assert_true(run_until(retried_twice, &a, 5000));
	snprintf(want, sizeof want, "cannot reach relay %s: connection refused",
	    core_server);
	assert_string_equal(a.reason, want);
	start_relay();
	assert_true(run_until(is_connected, &a, 5000));
	close_client(&a);
}

static void
test_api_errors(void **state)
{
	struct client_options	 o;
	struct client		*c;
	struct fe		 a = { 0 };
	char			 err[256];
	const char		*p = "/etc/hostname";
	uint64_t		 id;

	(void)state;
	memset(&o, 0, sizeof o);
	o.name = "";
	assert_int_equal(client_new(&core_loop, &o, &core_ops, NULL, &c, err, sizeof err),
	    UV_EINVAL);
	o.name = "x";
	o.server = "no-port";
	assert_int_equal(client_new(&core_loop, &o, &core_ops, NULL, &c, err, sizeof err),
	    UV_EINVAL);
	assert_non_null(strstr(err, "no-port"));
	o.server = "[::1]:7117";
	assert_int_equal(client_new(&core_loop, &o, NULL, NULL, &c, err, sizeof err), 0);
	/* Never started: it holds no handle and may be freed right away. */
	client_free(c);
	assert_int_equal(client_new(&core_loop, &o, &core_ops, &a, &c, err, sizeof err), 0);
	client_close(c);
	assert_true(a.closed);
	client_free(c);
	memset(&a, 0, sizeof a);

	new_client(&a, "alice", core_dir, false);
	/* Not connected yet. */
	assert_int_equal(client_offer(a.c, "bob", &p, 1, &id, err, sizeof err),
	    UV_ENOTCONN);
	start_relay();
	assert_true(run_until(is_connected, &a, 5000));
	assert_int_equal(client_offer(a.c, "bob", &p, 0, &id, err, sizeof err),
	    UV_EINVAL);
	assert_int_equal(client_offer(a.c, "", &p, 1, &id, err, sizeof err),
	    UV_EINVAL);
	assert_int_equal(client_start(a.c), UV_EALREADY);
	close_client(&a);
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(client_transfer_state_name(CLIENT_TRANSFER_WAITING),
	    "waiting");
	assert_string_equal(client_transfer_state_name(CLIENT_TRANSFER_DONE), "done");
	assert_string_equal(client_transfer_state_name(CLIENT_TRANSFER_FAILED),
	    "failed");
	assert_true(CLIENT_TRANSFER_ENDED(CLIENT_TRANSFER_DECLINED));
	assert_false(CLIENT_TRANSFER_ENDED(CLIENT_TRANSFER_VERIFYING));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_offers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
	};

	int	r = cmocka_run_group_tests(tests, NULL, NULL);

	proto_tls_ctx_free(core_relay_tls);
	return r;
}
