/*
 * test_relay_hardening.c: the control logic's defences, on an exact clock: the
 * per-connection request bucket (peers and offer; PROTOCOL.md section 4),
 * the bucket of every other message, the pending offers per receiver, the
 * stall deadlines of bridges, the transfer table at thousands of entries,
 * and peer_gone for a bridge whose data connections closed before its
 * peer's control connection did (PROTOCOL.md 3.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "relay_control.h"
#include "relay_fake.h"
#include "relay_log.h"

#define NFAKES	8

/* The relay's defaults: 20 requests a second, 50 at once. */
static int
setup(void **state)
{
	*state = rfake_new(NFAKES, NULL, 5000);
	return 0;
}

/* n peers requests at one instant: how many were answered, how many refused. */
static void
peers_burst(struct rfake_harness *h, int i, int n, int *answered, int *refused)
{
	int	a0 = h->f[i].n[PROTO_MSG_PEER_LIST];
	int	r0 = h->f[i].n[PROTO_MSG_ERROR];

	while (n-- > 0)
		rfake_sayf(h, i, "{\"type\":\"peers\"}");
	*answered = h->f[i].n[PROTO_MSG_PEER_LIST] - a0;
	*refused = h->f[i].n[PROTO_MSG_ERROR] - r0;
}

static void
test_bucket_burst_then_rate(void **state)
{
	struct rfake_harness	*h = *state;
	int			 a, r;

	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	peers_burst(h, 0, 60, &a, &r);
	assert_int_equal(a, 50);			/* the burst */
	assert_int_equal(r, 10);
	assert_string_equal(h->f[0].code, "rate_limited");
	assert_int_equal(h->f[0].err_ref, 0);
	assert_int_equal(h->f[0].err_transfer, 0);
	assert_int_equal(h->f[0].closed, 0);		/* not a closing error */

	/* 20 a second: one token every 50 ms, none before. */
	h->now += 49;
	peers_burst(h, 0, 1, &a, &r);
	assert_int_equal(a, 0);
	h->now += 1;
	peers_burst(h, 0, 2, &a, &r);
	assert_int_equal(a, 1);
	assert_int_equal(r, 1);
	h->now += 1000;
	peers_burst(h, 0, 30, &a, &r);
	assert_int_equal(a, 20);
	/* A long pause fills the bucket to the burst, no more. */
	h->now += 3600 * 1000;
	peers_burst(h, 0, 60, &a, &r);
	assert_int_equal(a, 50);

	/* Everyone has a bucket of their own. */
	peers_burst(h, 1, 50, &a, &r);
	assert_int_equal(a, 50);
	assert_int_equal(r, 0);
}

static void
test_bucket_offers_by_ref(void **state)
{
	struct rfake_harness	*h = *state;
	int			 i;

	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	h->ctl.cfg.max_transfers = 1000;
	h->ctl.cfg.max_pending = 1000;
	for (i = 1; i <= 51; i++)
		rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":%d,\"to\":%llu,"
		    "\"count\":1,\"size\":1}", i,
		    (unsigned long long)h->f[1].p.id);
	assert_int_equal(h->f[0].n[PROTO_MSG_OFFERED], 50);
	assert_int_equal(h->f[0].n[PROTO_MSG_READY], 50);
	assert_int_equal(h->f[1].n[PROTO_MSG_INCOMING], 50);
	assert_int_equal(h->f[1].n[PROTO_MSG_READY], 50);
	assert_int_equal(h->f[0].n[PROTO_MSG_ERROR], 1);
	assert_string_equal(h->f[0].code, "rate_limited");
	assert_int_equal(h->f[0].err_ref, 51);
	/*
	 * Answers to offers are not in this bucket but in the one of every
	 * other message (400 at once): bob may decline all 50.
	 */
	for (i = 1; i <= 50; i++)
		rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%d,"
		    "\"reason\":\"no\"}", i);
	assert_int_equal(h->f[0].n[PROTO_MSG_DECLINE], 50);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 0);
	/* Nor are pings (they too are in the larger bucket). */
	for (i = 0; i < 100; i++)
		rfake_sayf(h, 0, "{\"type\":\"ping\"}");
	assert_int_equal(h->f[0].n[PROTO_MSG_PONG], 100);
}

static void
test_bucket_off(void **state)
{
	struct rfake_harness	*h = *state;
	int			 a, r;

	h->ctl.cfg.rate = 0;
	rfake_join(h, 0, "alice");
	peers_burst(h, 0, 500, &a, &r);
	assert_int_equal(a, 500);
	assert_int_equal(r, 0);
}

/*
 * alice -> bob, ready at once, both bound (fakes 2 and 3), some bytes one
 * way. Returns the transfer id.
 */
static uint64_t
bridged(struct rfake_harness *h, uint64_t sent, uint64_t back)
{
	uint64_t	id;

	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":1,\"to\":%llu,"
	    "\"count\":1,\"size\":100}", (unsigned long long)h->f[1].p.id);
	id = h->f[1].transfer;
	rfake_attach(h, 2);
	rfake_bind(h, 0, 2, id);
	rfake_attach(h, 3);
	rfake_bind(h, 1, 3, id);
	assert_int_equal(h->f[2].n[PROTO_MSG_ATTACHED], 1);
	h->f[2].p.bytes = sent;
	h->f[3].p.bytes = back;
	return id;
}

/* ... and both data connections closed, the control ones still open. */
static void
bridge_ended(struct rfake_harness *h, uint64_t sent, uint64_t back)
{
	bridged(h, sent, back);
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	relay_ctl_lost(&h->ctl, &h->f[3].p, h->now);
}

/* i offers j one file; the ref is ref. */
static void
offer_to(struct rfake_harness *h, int i, int j, int ref)
{
	rfake_sayf(h, i, "{\"type\":\"offer\",\"ref\":%d,\"to\":%llu,"
	    "\"count\":1,\"size\":1}", ref, (unsigned long long)h->f[j].p.id);
}

/* At most max_pending offers wait at one receiver; others are not touched. */
static void
test_pending_per_receiver(void **state)
{
	struct rfake_harness	*h = *state;
	int			 i;

	h->ctl.cfg.max_pending = 3;
	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	rfake_join(h, 2, "carol");
	for (i = 1; i <= 4; i++)
		offer_to(h, 0, 1, i);
	assert_int_equal(h->f[0].n[PROTO_MSG_OFFERED], 3);
	assert_int_equal(h->f[1].n[PROTO_MSG_INCOMING], 3);
	assert_int_equal(h->f[0].n[PROTO_MSG_ERROR], 1);
	assert_string_equal(h->f[0].code, "receiver_busy");
	assert_int_equal(h->f[0].err_ref, 4);
	assert_int_equal(h->f[0].closed, 0);
	/* Another sender meets the same cap at bob ... */
	offer_to(h, 2, 1, 9);
	assert_string_equal(h->f[2].code, "receiver_busy");
	assert_int_equal(h->f[2].err_ref, 9);
	/* ... but not at alice. */
	offer_to(h, 2, 0, 10);
	assert_int_equal(h->f[2].n[PROTO_MSG_OFFERED], 1);
	/* A decline frees a place. */
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"no\"}", (unsigned long long)h->f[1].transfer);
	assert_int_equal(h->f[1].p.npending, 2);
	offer_to(h, 0, 1, 5);
	assert_int_equal(h->f[0].n[PROTO_MSG_OFFERED], 4);
	assert_int_equal(h->f[1].p.npending, 3);
}

/*
 * A client that both sends and receives: ending one of its transfers, then
 * losing it, leaves the other lists whole (its sent and received ones are
 * kept apart; one list linked by two fields corrupted itself, found by ASan).
 */
static void
test_sender_and_receiver_at_once(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 sent;

	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	rfake_join(h, 2, "carol");
	offer_to(h, 0, 1, 1);		/* alice -> bob */
	sent = h->f[1].transfer;
	offer_to(h, 2, 0, 2);		/* carol -> alice */
	offer_to(h, 0, 1, 3);		/* alice -> bob again */
	assert_int_equal(h->ctl.xfers.count, 3);
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"no\"}", (unsigned long long)sent);
	assert_int_equal(h->ctl.xfers.count, 2);
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_true(TAILQ_EMPTY(&h->f[1].p.xfers[RELAY_SIDE_RECEIVE]));
	assert_true(TAILQ_EMPTY(&h->f[2].p.xfers[RELAY_SIDE_SEND]));
}

/* Every other message has a bucket too: pings, cancels, binds. */
static void
test_message_bucket(void **state)
{
	struct rfake_harness	*h = *state;
	int			 i;

	h->ctl.cfg.msg_rate = 10;
	h->ctl.cfg.msg_burst = 5;
	rfake_join(h, 0, "alice");
	for (i = 0; i < 7; i++)
		rfake_say(h, 0, "{\"type\":\"ping\"}");
	assert_int_equal(h->f[0].n[PROTO_MSG_PONG], 5);
	assert_int_equal(h->f[0].n[PROTO_MSG_ERROR], 2);
	assert_string_equal(h->f[0].code, "rate_limited");
	assert_int_equal(h->f[0].closed, 0);
	/* A cancel over the allowance is refused by its transfer. */
	rfake_say(h, 0, "{\"type\":\"cancel\",\"transfer\":77,\"reason\":\"x\"}");
	assert_string_equal(h->f[0].code, "rate_limited");
	assert_int_equal(h->f[0].err_transfer, 77);
	/* 10 a second: after 100 ms one more goes through (and is served). */
	h->now += 100;
	rfake_say(h, 0, "{\"type\":\"cancel\",\"transfer\":77,\"reason\":\"x\"}");
	assert_string_equal(h->f[0].code, "no_such_transfer");
	/* Offers and peers keep their own bucket. */
	rfake_say(h, 0, "{\"type\":\"peers\"}");
	assert_int_equal(h->f[0].n[PROTO_MSG_PEER_LIST], 1);
	/* Off. */
	h->ctl.cfg.msg_rate = 0;
	for (i = 0; i < 50; i++)
		rfake_say(h, 0, "{\"type\":\"ping\"}");
	assert_int_equal(h->f[0].n[PROTO_MSG_PONG], 55);
}

/* Control peers stay quiet-but-alive for the stall tests. */
static void
stall_cfg(struct rfake_harness *h, uint64_t idle, unsigned rate,
    uint64_t window)
{
	h->ctl.cfg.ping_ms = h->ctl.cfg.idle_ms = 100000000;
	h->ctl.cfg.bridge_idle_ms = idle;
	h->ctl.cfg.bridge_min_rate = rate;
	h->ctl.cfg.bridge_window_ms = window;
}

/* Both sides heard error{stalled, transfer} and the data fakes are closed. */
static void
assert_stalled(struct rfake_harness *h, uint64_t id, const char *why)
{
	int	s;

	for (s = 0; s < 2; s++) {
		assert_string_equal(h->f[s].code, "stalled");
		assert_int_equal(h->f[s].err_transfer, id);
		assert_int_equal(h->f[s].closed, 0);
		assert_int_not_equal(h->f[2 + s].closed, 0);
		assert_non_null(strstr(h->f[s].msgs[h->f[s].nmsgs - 1].message,
		    why));
	}
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[0].p.ntransfers + h->f[1].p.ntransfers, 0);
}

static void
test_bridge_idle_closes(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id, t0;

	stall_cfg(h, 1000, 0, 0);
	id = bridged(h, 0, 0);
	t0 = h->now;
	relay_ctl_tick(&h->ctl, t0 + 600);
	/* A byte moved: the second counts from here. */
	h->f[2].p.bytes = 10;
	relay_ctl_tick(&h->ctl, t0 + 700);
	relay_ctl_tick(&h->ctl, t0 + 1699);
	assert_int_equal(h->ctl.xfers.count, 1);
	assert_int_equal(h->f[0].n[PROTO_MSG_ERROR], 0);
	relay_ctl_tick(&h->ctl, t0 + 1700);
	assert_stalled(h, id, "no byte");
}

static void
test_bridge_min_rate(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id, t0, t;

	/* Grace 1 s, then at least 1000 bytes a second over 2 s. */
	stall_cfg(h, 1000, 1000, 2000);
	id = bridged(h, 0, 0);
	t0 = h->now;
	/* 1200 bytes a second: fine for as long as it goes on. */
	for (t = 100; t <= 8000; t += 100) {
		h->f[2].p.bytes += 120;
		relay_ctl_tick(&h->ctl, t0 + t);
	}
	assert_int_equal(h->ctl.xfers.count, 1);
	/* 200 a second: never idle, but slow; closed within a window. */
	for (t = 8100; t <= 11000 && h->ctl.xfers.count > 0; t += 100) {
		h->f[2].p.bytes += 20;
		relay_ctl_tick(&h->ctl, t0 + t);
	}
	assert_stalled(h, id, "bytes a second");
	/*
	 * Windows end at 3, 5, 7, 9 s: the one of 7 to 9 s averaged 700 a
	 * second (the loop stepped once more after the tick at 9 s).
	 */
	assert_int_equal(t, 9100);
}

/* Thousands of parked transfers: found by id, a peer's loss ends its own. */
static void
test_many_transfers(void **state)
{
	struct rfake_harness	*h = *state;
	int			 i, n = 5000;

	h->ctl.cfg.rate = 0;
	h->ctl.cfg.max_pending = h->ctl.cfg.max_transfers = 100000;
	h->f[0].record = h->f[1].record = 0;
	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	rfake_join(h, 2, "carol");
	for (i = 1; i <= n; i++)
		offer_to(h, 0, 1, i);
	offer_to(h, 2, 1, 1);
	assert_int_equal(h->ctl.xfers.count, n + 1);
	assert_true(h->ctl.xfers.nbuckets >= (size_t)n);
	assert_int_equal(h->f[1].p.npending, n + 1);
	for (i = 1; i <= n + 1; i++)
		assert_non_null(relay_transfer_find(&h->ctl.xfers, (uint64_t)i));
	assert_null(relay_transfer_find(&h->ctl.xfers, (uint64_t)n + 2));
	/* carol cancels hers (the last id), then leaves: alice's stay. */
	rfake_sayf(h, 2, "{\"type\":\"cancel\",\"transfer\":%d,\"reason\":\"x\"}",
	    n + 1);
	assert_int_equal(h->ctl.xfers.count, n);
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	assert_int_equal(h->ctl.xfers.count, n);
	/* The first one is found and cancelled as fast as the last. */
	rfake_say(h, 1, "{\"type\":\"cancel\",\"transfer\":1,\"reason\":\"x\"}");
	assert_null(relay_transfer_find(&h->ctl.xfers, 1));
	assert_int_equal(h->ctl.xfers.count, n - 1);
	/* alice leaves: all of hers end, bob hears peer_gone for each. */
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[1].p.npending, 0);
	assert_int_equal(h->f[1].p.ntransfers, 0);
	assert_true(TAILQ_EMPTY(&h->f[1].p.xfers[RELAY_SIDE_SEND]));
	assert_true(TAILQ_EMPTY(&h->f[1].p.xfers[RELAY_SIDE_RECEIVE]));
}

static void
test_peer_gone_after_data_first(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	id = bridged(h, 100, 0);
	/* alice dies: the relay handles her data socket, then bob's... */
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	relay_ctl_lost(&h->ctl, &h->f[3].p, h->now);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 0);
	/* ... and only then her control socket. */
	h->now += 10;
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 1);
	assert_string_equal(h->f[1].code, "peer_gone");
	assert_int_equal(h->f[1].err_transfer, id);
	assert_true(TAILQ_EMPTY(&h->ctl.tails));
	/* bob leaving afterwards changes nothing. */
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
}

static void
test_no_peer_gone_after_a_receipt(void **state)
{
	struct rfake_harness	*h = *state;

	bridge_ended(h, 100, 300);	/* bob answered: a receipt went by */
	assert_true(TAILQ_EMPTY(&h->ctl.tails));
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 0);
}

static void
test_tail_expires(void **state)
{
	struct rfake_harness	*h = *state;

	bridge_ended(h, 100, 0);
	assert_false(TAILQ_EMPTY(&h->ctl.tails));
	relay_ctl_tick(&h->ctl, h->now + h->ctl.cfg.tail_ms - 1);
	assert_false(TAILQ_EMPTY(&h->ctl.tails));
	h->now += h->ctl.cfg.tail_ms;
	relay_ctl_tick(&h->ctl, h->now);
	assert_true(TAILQ_EMPTY(&h->ctl.tails));
	/* Too late to be the reason: alice leaving is only a leave. */
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 0);
}

static void
test_tail_freed_with_ctl(void **state)
{
	struct rfake_harness	*h = *state;

	/* teardown frees the relay with a tail still held (LSan, valgrind). */
	bridge_ended(h, 100, 0);
	assert_false(TAILQ_EMPTY(&h->ctl.tails));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, rfake_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bucket_burst_then_rate),
		T(test_bucket_offers_by_ref),
		T(test_bucket_off),
		T(test_peer_gone_after_data_first),
		T(test_no_peer_gone_after_a_receipt),
		T(test_tail_expires),
		T(test_tail_freed_with_ctl),
		T(test_pending_per_receiver),
		T(test_sender_and_receiver_at_once),
		T(test_message_bucket),
		T(test_bridge_idle_closes),
		T(test_bridge_min_rate),
		T(test_many_transfers),
	};

	relay_log_set_level(RELAY_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
