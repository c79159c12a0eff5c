/*
 * test_relay_hardening.c: the control logic's defences, on an exact clock: the
 * per-connection request bucket (peers and offer; PROTOCOL.md section 4)
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
	/* Answers to offers are never counted: bob may decline all 50. */
	for (i = 1; i <= 50; i++)
		rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%d,"
		    "\"reason\":\"no\"}", i);
	assert_int_equal(h->f[0].n[PROTO_MSG_DECLINE], 50);
	assert_int_equal(h->f[1].n[PROTO_MSG_ERROR], 0);
	/* Nor are pings. */
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
	};

	relay_log_set_level(RELAY_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
