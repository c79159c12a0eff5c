/*
 * test_relay_transfers.c: the relay's routing of transfers
 * (server/routing.c, bridge start, binds and slots) with no loop and no
 * socket, through the fake connections of relay_fake.h: offers and their
 * refusals, answers, cancels, attaching, binding, peers that go, and the
 * deadlines of binds and slots.
 */
#include <stdarg.h>
#include <stddef.h>
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

/* A few connections are plenty here, and at most 4 open transfers a client. */
static int
setup(void **state)
{
	struct relay_config	cfg;

	relay_config_default(&cfg);
	cfg.max_transfers = 4;
	*state = rfake_new(16, &cfg, 1000);
	return 0;
}

static void
test_offer_refusals_keep_connection(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	int			 i;

	rfake_two(h);
	rfake_say(h, 0, "{\"type\":\"offer\",\"ref\":4,\"to\":424242,"
	    "\"count\":1,\"size\":1}");
	m = rfake_heard_error(h, 0, "no_such_peer");
	assert_int_equal(m->ref, 4);
	rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":5,\"to\":%llu,"
	    "\"count\":1,\"size\":1}", (unsigned long long)h->f[0].p.id);
	m = rfake_heard_error(h, 0, "forbidden");
	assert_int_equal(m->ref, 5);
	/* max_transfers is 4 in this harness */
	for (i = 0; i < 4; i++)
		rfake_offer(h);
	rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":6,\"to\":%llu,"
	    "\"count\":1,\"size\":1}", (unsigned long long)h->f[1].p.id);
	m = rfake_heard_error(h, 0, "rate_limited");
	assert_int_equal(m->ref, 6);
	rfake_silent(h, 1);
	assert_int_equal(h->f[0].closed, 0);
	/* The metrics count each code sent, once. */
	assert_int_equal(h->ctl.stats.errors[PROTO_E_NO_SUCH_PEER], 1);
	assert_int_equal(h->ctl.stats.errors[PROTO_E_FORBIDDEN], 1);
	assert_int_equal(h->ctl.stats.errors[PROTO_E_RATE_LIMITED], 1);
	assert_int_equal(h->ctl.stats.errors[PROTO_E_BAD_STATE], 0);
}

/*
 * decline on the control connection: only the receiver, only before the
 * bridge (then bad_state about that transfer, the connection stays open).
 */
static void
test_decline_rules(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	rfake_join(h, 2, "carol");
	relay_ctl_flush(&h->ctl);
	rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	id = rfake_offer(h);
	rfake_sayf(h, 2, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"x\"}", (unsigned long long)id);
	rfake_heard_error_on(h, 2, "forbidden", id);
	rfake_sayf(h, 0, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"x\"}", (unsigned long long)id);
	rfake_heard_error_on(h, 0, "forbidden", id);
	rfake_sayf(h, 2, "{\"type\":\"cancel\",\"transfer\":%llu,\"reason\":\"x\"}",
	    (unsigned long long)id);
	rfake_heard_error_on(h, 2, "forbidden", id);
	rfake_say(h, 1, "{\"type\":\"decline\",\"transfer\":999,"
	    "\"reason\":\"x\"}");
	rfake_heard_error_on(h, 1, "no_such_transfer", 999);
	rfake_silent(h, 0);
	rfake_silent(h, 1);
	assert_int_equal(h->f[0].closed + h->f[1].closed + h->f[2].closed, 0);

	/* One side bound is not a bridge yet: decline still works. */
	rfake_pair(h, 1, 3, id);
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"not from you\"}", (unsigned long long)id);
	m = rfake_heard_on(h, 0, PROTO_MSG_DECLINE, id);
	assert_string_equal(m->reason, "not from you");
	assert_int_equal(h->f[3].closed, 1 + RELAY_CLOSE_NOW);
	assert_int_equal(h->ctl.xfers.count, 0);

	/* Bridged: the answer is the session's. */
	id = rfake_offer(h);
	rfake_pair(h, 0, 4, id);
	rfake_pair(h, 1, 5, id);
	rfake_heard_on(h, 4, PROTO_MSG_ATTACHED, id);
	rfake_heard_on(h, 5, PROTO_MSG_ATTACHED, id);
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"x\"}", (unsigned long long)id);
	rfake_heard_error_on(h, 1, "bad_state", id);
	rfake_silent(h, 0);
	assert_int_equal(h->f[1].closed, 0);
	assert_int_equal(h->f[4].closed + h->f[5].closed, 0);
	assert_int_equal(h->ctl.xfers.count, 1);
	rfake_say(h, 1, "{\"type\":\"ping\"}");
	rfake_heard(h, 1, PROTO_MSG_PONG);
}

/*
 * accept exists only inside the end-to-end session: on a control
 * connection it is bad_state and closes it, which ends its transfers.
 */
static void
test_accept_on_control_closes(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_sayf(h, 1, "{\"type\":\"accept\",\"transfer\":%llu}",
	    (unsigned long long)id);
	m = rfake_heard_error(h, 1, "bad_state");
	assert_int_equal(m->transfer, 0);
	assert_int_equal(h->f[1].closed, 1 + RELAY_CLOSE_FLUSH);
	rfake_heard_error_on(h, 0, "peer_gone", id);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[0].closed, 0);
	/* From the sender, or for no transfer at all, the same. */
	rfake_join(h, 2, "carol");
	rfake_say(h, 2, "{\"type\":\"accept\",\"transfer\":999}");
	rfake_heard_error(h, 2, "bad_state");
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_FLUSH);
}

static void
test_decline_forwarded(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"no_space: 3 bytes free\"}", (unsigned long long)id);
	m = rfake_heard_on(h, 0, PROTO_MSG_DECLINE, id);
	assert_string_equal(m->reason, "no_space: 3 bytes free");
	rfake_silent(h, 1);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[0].p.ntransfers, 0);
	assert_int_equal(h->f[1].p.ntransfers, 0);
	/* Counted for the metrics as one declined transfer, nothing bridged. */
	assert_int_equal(h->ctl.stats.transfers[RELAY_OUT_DECLINED], 1);
	assert_int_equal(h->ctl.stats.transfers[RELAY_OUT_DONE], 0);
	assert_int_equal(h->ctl.stats.transfers[RELAY_OUT_CANCELLED], 0);
	assert_int_equal(h->ctl.stats.transfers[RELAY_OUT_FAILED], 0);
	assert_int_equal(h->ctl.stats.bytes, 0);
	rfake_sayf(h, 1, "{\"type\":\"decline\",\"transfer\":%llu,"
	    "\"reason\":\"x\"}", (unsigned long long)id);
	rfake_heard_error_on(h, 1, "no_such_transfer", id);
	assert_int_equal(h->f[1].closed, 0);
}

static void
test_cancel_forwarded_both_ways(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_sayf(h, 0, "{\"type\":\"cancel\",\"transfer\":%llu,\"reason\":\"oops\"}",
	    (unsigned long long)id);
	m = rfake_heard_on(h, 1, PROTO_MSG_CANCEL, id);
	assert_string_equal(m->reason, "oops");
	rfake_silent(h, 0);

	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	rfake_sayf(h, 1, "{\"type\":\"cancel\",\"transfer\":%llu,\"reason\":\"stop\"}",
	    (unsigned long long)id);
	m = rfake_heard(h, 0, PROTO_MSG_CANCEL);
	assert_string_equal(m->reason, "stop");
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_NOW);
	assert_int_equal(h->ctl.xfers.count, 0);
	/* The other side's bind comes too late: the transfer is gone. */
	rfake_pair(h, 1, 3, id);
	rfake_heard_error_on(h, 1, "no_such_transfer", id);
	assert_int_equal(h->f[1].closed, 0);
}

/* --- attach, slots and bind --- */

static void
test_attach_pairs_and_bridges(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id, id2;
	size_t			 i;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_pair(h, 1, 3, id);		/* the receiver comes first */
	for (i = 0; i < PROTO_SLOT_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", h->f[3].slot[i]));
	rfake_silent(h, 1);
	rfake_silent(h, 3);
	assert_int_equal(h->f[3].p.state, RELAY_PEER_DATA);
	assert_int_equal(h->nbridged, 0);
	rfake_pair(h, 0, 2, id);
	assert_string_not_equal(h->f[2].slot, h->f[3].slot);
	rfake_heard_on(h, 2, PROTO_MSG_ATTACHED, id);
	rfake_heard_on(h, 3, PROTO_MSG_ATTACHED, id);
	assert_int_equal(h->nbridged, 1);
	assert_int_equal(h->bridged, id);
	assert_int_equal(h->ctl.slots.count, 0);
	/* Data peers are not peers: the list and the pushes leave them out. */
	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 0);
	assert_int_equal(h->ctl.reg.count, 2);

	/* A slot binds once, and an unknown one binds nothing. */
	id2 = rfake_offer(h);
	rfake_bind(h, 0, 2, id2);
	rfake_heard_error_on(h, 0, "bad_slot", id2);
	rfake_say(h, 0, "{\"type\":\"bind\",\"transfer\":2,\"slot\":"
	    "\"ffffffffffffffffffffffffffffffff\"}");
	rfake_heard_error_on(h, 0, "bad_slot", id2);
	assert_int_equal(h->f[0].closed, 0);
	assert_int_equal(h->f[2].closed, 0);

	/* Both data connections close: the transfer is over, quietly. */
	h->f[2].p.bytes = 1234;
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	assert_int_equal(h->ctl.xfers.count, 2);
	relay_ctl_lost(&h->ctl, &h->f[3].p, h->now);
	assert_int_equal(h->ctl.xfers.count, 1);
	rfake_silent(h, 0);
	rfake_silent(h, 1);
	assert_int_equal(h->f[0].p.ntransfers, 1);
	assert_int_equal(h->f[1].p.ntransfers, 1);
}

static void
test_binds_do_not_cross_transfers(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id1, id2;

	rfake_two(h);
	id1 = rfake_offer(h);
	id2 = rfake_offer(h);
	assert_int_not_equal(id1, id2);
	rfake_pair(h, 0, 2, id1);
	rfake_pair(h, 1, 3, id2);
	assert_int_equal(h->nbridged, 0);	/* one side of each: no pair */
	rfake_pair(h, 0, 4, id2);
	assert_int_equal(h->nbridged, 1);
	assert_int_equal(h->bridged, id2);
	rfake_heard_on(h, 4, PROTO_MSG_ATTACHED, id2);
	rfake_heard_on(h, 3, PROTO_MSG_ATTACHED, id2);
	rfake_silent(h, 2);
	rfake_pair(h, 1, 5, id1);
	assert_int_equal(h->bridged, id1);
	rfake_heard(h, 2, PROTO_MSG_ATTACHED);
	rfake_heard(h, 5, PROTO_MSG_ATTACHED);
	rfake_silent(h, 0);
	rfake_silent(h, 1);
}

/* Who may bind, and when: each refusal is about that transfer only. */
static void
test_bind_refusals(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	rfake_two(h);
	rfake_join(h, 6, "mallory");
	relay_ctl_flush(&h->ctl);
	rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	id = rfake_offer(h);
	rfake_attach(h, 2);
	/* Not a party to it. */
	rfake_bind(h, 6, 2, id);
	rfake_heard_error_on(h, 6, "forbidden", id);
	/* An unknown transfer. */
	rfake_bind(h, 0, 2, id + 100);
	rfake_heard_error_on(h, 0, "no_such_transfer", id + 100);
	/* Twice for the same side, even with another slot. */
	rfake_bind(h, 0, 2, id);
	rfake_silent(h, 0);
	rfake_attach(h, 3);
	rfake_bind(h, 0, 3, id);
	rfake_heard_error_on(h, 0, "bad_state", id);
	assert_int_equal(h->ctl.slots.count, 1);	/* 3 still waits */
	assert_int_equal(h->f[0].closed + h->f[1].closed + h->f[6].closed, 0);
	assert_int_equal(h->f[2].closed + h->f[3].closed, 0);
	assert_int_equal(h->nbridged, 0);
	assert_int_equal(h->ctl.xfers.count, 1);
}

/*
 * PROTOCOL.md 3.3: somebody who saw a slot binds it to a transfer of his
 * own. The victim's bind then gets bad_slot; nothing else is disturbed.
 */
static void
test_stolen_slot(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id, mine;

	rfake_two(h);
	rfake_join(h, 6, "mallory");
	rfake_join(h, 7, "accomplice");
	h->f[6].record = h->f[7].record = 0;
	id = rfake_offer(h);
	rfake_attach(h, 2);			/* alice's data connection */
	/* mallory offers accomplice: a transfer of his own, ready at once. */
	h->f[6].record = h->f[7].record = 1;
	h->f[6].head = h->f[6].nmsgs;
	h->f[7].head = h->f[7].nmsgs;
	rfake_sayf(h, 6, "{\"type\":\"offer\",\"ref\":1,\"to\":%llu,"
	    "\"count\":1,\"size\":1}", (unsigned long long)h->f[7].p.id);
	mine = rfake_heard(h, 6, PROTO_MSG_OFFERED)->transfer;
	rfake_heard_on(h, 7, PROTO_MSG_INCOMING, mine);
	rfake_heard_on(h, 6, PROTO_MSG_READY, mine);
	rfake_heard_on(h, 7, PROTO_MSG_READY, mine);
	rfake_bind(h, 6, 2, mine);		/* the theft */
	rfake_silent(h, 6);
	rfake_bind(h, 0, 2, id);		/* the victim, too late */
	rfake_heard_error_on(h, 0, "bad_slot", id);
	assert_int_equal(h->f[0].closed, 0);
	assert_int_equal(h->f[2].closed, 0);
	/* A bystander is served as ever, and the victim's transfer waits. */
	rfake_say(h, 1, "{\"type\":\"ping\"}");
	rfake_heard(h, 1, PROTO_MSG_PONG);
	assert_int_equal(h->ctl.xfers.count, 2);
	/* It can start again with a new data connection. */
	rfake_pair(h, 0, 3, id);
	rfake_pair(h, 1, 4, id);
	rfake_heard_on(h, 3, PROTO_MSG_ATTACHED, id);
	rfake_heard_on(h, 4, PROTO_MSG_ATTACHED, id);
}

static void
test_data_lost_before_pairing(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	rfake_heard_error_on(h, 1, "peer_gone", id);
	rfake_silent(h, 0);
	rfake_pair(h, 1, 3, id);
	rfake_heard_error_on(h, 1, "no_such_transfer", id);
	/* An unbound data connection that goes concerns nobody. */
	relay_ctl_lost(&h->ctl, &h->f[3].p, h->now);
	assert_int_equal(h->ctl.slots.count, 0);
	rfake_silent(h, 0);
	rfake_silent(h, 1);
}

static void
test_peer_gone_when_sender_leaves(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	m = rfake_heard_error_on(h, 1, "peer_gone", id);
	assert_string_equal(m->message, "alice disconnected");
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_equal(h->f[1].closed, 0);
}

static void
test_peer_gone_when_receiver_leaves_mid_bridge(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	rfake_pair(h, 1, 3, id);
	rfake_heard(h, 2, PROTO_MSG_ATTACHED);
	rfake_heard(h, 3, PROTO_MSG_ATTACHED);
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	m = rfake_heard_error_on(h, 0, "peer_gone", id);
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_NOW);
	assert_int_equal(h->f[3].closed, 1 + RELAY_CLOSE_NOW);
	/* Their close callbacks come later and change nothing. */
	relay_ctl_lost(&h->ctl, &h->f[2].p, h->now);
	relay_ctl_lost(&h->ctl, &h->f[3].p, h->now);
	rfake_silent(h, 0);
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->ids[0], h->f[1].p.id);
}

/* --- deadlines --- */

/*
 * The relay has no answer deadline: once bridged, a transfer lasts as long
 * as its data connections, however long the clients take to answer.
 */
static void
test_bridge_has_no_deadline(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	rfake_two(h);
	h->ctl.cfg.ping_ms = h->ctl.cfg.idle_ms = 10000000;
	/* Without the stall limits (test_relay_hardening.c has them). */
	h->ctl.cfg.bridge_idle_ms = 0;
	h->ctl.cfg.bridge_min_rate = 0;
	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	rfake_pair(h, 1, 3, id);
	rfake_heard_on(h, 2, PROTO_MSG_ATTACHED, id);
	rfake_heard_on(h, 3, PROTO_MSG_ATTACHED, id);
	relay_ctl_tick(&h->ctl, h->now + 1000000);
	rfake_silent(h, 0);
	rfake_silent(h, 1);
	rfake_silent(h, 2);
	assert_int_equal(h->ctl.xfers.count, 1);
	assert_int_equal(h->f[2].closed + h->f[3].closed, 0);
}

static void
test_binds_expire(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	rfake_two(h);
	h->ctl.cfg.ping_ms = h->ctl.cfg.idle_ms = 10000000;
	h->ctl.cfg.slot_ms = 10000000;
	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	relay_ctl_tick(&h->ctl, h->now + h->ctl.cfg.bind_ms - 1);
	rfake_silent(h, 0);
	relay_ctl_tick(&h->ctl, h->now + h->ctl.cfg.bind_ms);
	rfake_heard_error_on(h, 0, "timeout", id);
	rfake_heard_error_on(h, 1, "timeout", id);
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_NOW);
	assert_int_equal(h->f[0].closed + h->f[1].closed, 0);
	rfake_pair(h, 1, 3, id);
	rfake_heard_error_on(h, 1, "no_such_transfer", id);
}

static void
test_slot_expires(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_attach(h, 0);
	h->now += 5000;
	rfake_attach(h, 1);
	h->now += h->ctl.cfg.slot_ms - 5000 - 1;
	relay_ctl_tick(&h->ctl, h->now);
	assert_int_equal(h->f[0].closed, 0);
	h->now += 1;
	relay_ctl_tick(&h->ctl, h->now);
	rfake_heard_error(h, 0, "idle");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[1].closed, 0);
	assert_int_equal(h->ctl.slots.count, 1);
	/* Slots count with the connections that have not said hello. */
	rfake_conn(h, 2);
	assert_int_equal(relay_ctl_unknown(&h->ctl), 2);
}

/* --- size --- */

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, rfake_teardown)
		T(test_offer_refusals_keep_connection),
		T(test_decline_rules),
		T(test_accept_on_control_closes),
		T(test_decline_forwarded),
		T(test_cancel_forwarded_both_ways),
		T(test_attach_pairs_and_bridges),
		T(test_binds_do_not_cross_transfers),
		T(test_bind_refusals),
		T(test_stolen_slot),
		T(test_data_lost_before_pairing),
		T(test_peer_gone_when_sender_leaves),
		T(test_peer_gone_when_receiver_leaves_mid_bridge),
		T(test_bridge_has_no_deadline),
		T(test_binds_expire),
		T(test_slot_expires),
#undef T
	};

	relay_log_set_level(RELAY_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
