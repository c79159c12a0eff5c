/*
 * test_relay_control.c: the relay's protocol logic (server/session.c,
 * presence.c) with no loop and no socket, through the fake connections of
 * relay_fake.h: each test reads like a conversation. Hellos, the roster,
 * deadlines and shutdown here; transfers in test_relay_transfers.c.
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

#define NPEERS	1600

static int
setup(void **state)
{
	struct relay_config	cfg;

	relay_config_default(&cfg);
	cfg.max_clients = NPEERS;
	cfg.max_transfers = 4;
	*state = rfake_new(NPEERS, &cfg, 1000);
	return 0;
}

/* --- joining --- */

static void
test_hello_welcome_and_joins(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;

	rfake_join(h, 0, "alice");
	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 0);
	rfake_join(h, 1, "bob");
	assert_int_not_equal(h->f[0].p.id, h->f[1].p.id);
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	assert_int_equal(m->npeers, 1);
	assert_string_equal(m->peers[0].name, "bob");
	assert_int_equal(m->peers[0].id, h->f[1].p.id);
	assert_string_equal(m->peers[0].addr, h->f[1].p.addr);
	rfake_silent(h, 1);		/* a batch of one: bob hears nothing of himself */

	rfake_say(h, 0, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 1);
	assert_string_equal(m->peers[0].name, "bob");
	assert_false(m->more);
	rfake_say(h, 1, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 1, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 1);
	assert_string_equal(m->peers[0].name, "alice");
}

static void
test_joins_in_one_iteration_are_batched(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;

	rfake_join(h, 0, "alice");
	relay_ctl_flush(&h->ctl);
	rfake_join(h, 1, "bob");
	rfake_join(h, 2, "carol");
	rfake_join(h, 3, "dave");
	/* A list is complete: it shows peers whose join was not pushed yet. */
	rfake_say(h, 2, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 2, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 3);
	assert_string_equal(m->peers[0].name, "alice");
	assert_string_equal(m->peers[1].name, "bob");
	assert_string_equal(m->peers[2].name, "dave");
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	assert_int_equal(m->npeers, 3);
	m = rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	assert_int_equal(m->npeers, 2);		/* not himself */
	assert_string_equal(m->peers[0].name, "carol");
	assert_string_equal(m->peers[1].name, "dave");
	m = rfake_heard(h, 3, PROTO_MSG_PEER_JOINED);
	assert_int_equal(m->npeers, 2);
	assert_string_equal(m->peers[0].name, "bob");
	assert_string_equal(m->peers[1].name, "carol");
	rfake_silent(h, 2);		/* carol's list already showed them all */
	rfake_silent(h, 0);
	rfake_silent(h, 1);
	rfake_silent(h, 3);
}

static void
test_leave_is_pushed(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 bob;

	rfake_two(h);
	bob = h->f[1].p.id;
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);	/* idempotent */
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->nids, 1);
	assert_int_equal(m->ids[0], bob);
	rfake_say(h, 0, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 0);
	/* The name is free again. */
	rfake_join(h, 2, "bob");
	assert_true(h->f[2].p.id > bob);
}

static void
test_join_and_leave_unseen(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_join(h, 0, "alice");
	relay_ctl_flush(&h->ctl);
	rfake_join(h, 1, "bob");
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 0);		/* bob came and went between two pushes */
}

static void
test_listed_then_left_before_push(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;

	rfake_join(h, 0, "alice");
	relay_ctl_flush(&h->ctl);
	rfake_join(h, 1, "bob");
	rfake_say(h, 0, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LIST);
	assert_string_equal(m->peers[0].name, "bob");
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	relay_ctl_flush(&h->ctl);
	/* alice saw bob in her list, so she hears that he left, and nothing else. */
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->ids[0], h->f[1].p.id);
	rfake_silent(h, 0);
}

static void
test_no_left_for_a_stranger(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;

	rfake_two(h);
	rfake_join(h, 2, "carol");		/* never asks for the list */
	relay_ctl_flush(&h->ctl);
	rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	rfake_silent(h, 2);
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->nids, 1);
	rfake_silent(h, 2);		/* carol never heard of bob */
	/* Once carol lists, she hears of the next leave. */
	rfake_say(h, 2, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 2, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 1);
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 2, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->ids[0], h->f[0].p.id);
}

static void
test_no_left_for_one_gone_before_the_list(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;

	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);	/* before any push */
	rfake_say(h, 1, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 1, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 0);
	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 1);		/* bob never saw alice: no peer_left for her */
}

static void
test_hello_refusals(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_join(h, 0, "alice");
	rfake_conn(h, 1);
	rfake_say(h, 1, "{\"type\":\"hello\",\"version\":2,\"name\":\"alice\"}");
	rfake_heard_error(h, 1, "name_taken");
	assert_int_equal(h->f[1].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[1].p.state, RELAY_PEER_GONE);

	rfake_conn(h, 2);
	rfake_say(h, 2, "{\"type\":\"hello\",\"version\":1,\"name\":\"bob\"}");
	rfake_heard_error(h, 2, "version");
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_FLUSH);

	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 0);		/* refused peers were never announced */
	assert_int_equal(h->ctl.reg.count, 1);
	assert_int_equal(h->ctl.nfresh, 0);
}

static void
test_busy_at_max_clients(void **state)
{
	struct rfake_harness	*h = *state;

	h->ctl.cfg.max_clients = 2;
	rfake_join(h, 0, "a");
	rfake_join(h, 1, "b");
	rfake_conn(h, 2);
	rfake_say(h, 2, "{\"type\":\"hello\",\"version\":2,\"name\":\"c\"}");
	rfake_heard_error(h, 2, "busy");
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_FLUSH);
	relay_ctl_lost(&h->ctl, &h->f[1].p, h->now);
	rfake_join(h, 3, "c");	/* room again */
}

static void
test_out_of_order(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_conn(h, 0);
	rfake_say(h, 0, "{\"type\":\"offer\",\"ref\":1,\"to\":1,"
	    "\"count\":1,\"size\":1}");
	rfake_heard_error(h, 0, "bad_state");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);

	rfake_conn(h, 1);
	rfake_say(h, 1, "{\"type\":\"peers\"}");
	rfake_heard_error(h, 1, "bad_state");

	rfake_join(h, 2, "carol");
	rfake_say(h, 2, "{\"type\":\"hello\",\"version\":2,\"name\":\"carol2\"}");
	rfake_heard_error(h, 2, "bad_state");
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_FLUSH);

	rfake_join(h, 3, "dave");
	rfake_say(h, 3, "{\"type\":\"attach\"}");
	rfake_heard_error(h, 3, "bad_state");
	assert_int_equal(h->f[3].closed, 1 + RELAY_CLOSE_FLUSH);

	rfake_join(h, 4, "erin");
	rfake_say(h, 4, "{\"type\":\"welcome\",\"id\":1,\"name\":\"x\",\"addr\":\"y\","
	    "\"key\":\"00000000000000000000000000000000"
	    "00000000000000000000000000000000\"}");
	rfake_heard_error(h, 4, "bad_state");

	rfake_join(h, 5, "frank");
	rfake_say(h, 5, "{\"type\":\"ping\"}");
	rfake_heard(h, 5, PROTO_MSG_PONG);
	rfake_say(h, 5, "{\"type\":\"pong\"}");
	rfake_silent(h, 5);
	assert_int_equal(h->f[5].closed, 0);
	assert_int_equal(h->ctl.reg.count, 1);
}

/* --- routing --- */

/* Control connections are TLS, data connections are not. */
static void
test_tls_or_clear(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_plain(h, 0);
	rfake_say(h, 0, "{\"type\":\"hello\",\"version\":2,\"name\":\"plain\"}");
	rfake_heard_error(h, 0, "bad_state");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	rfake_conn(h, 1);
	rfake_say(h, 1, "{\"type\":\"attach\"}");
	rfake_heard_error(h, 1, "bad_state");
	assert_int_equal(h->f[1].closed, 1 + RELAY_CLOSE_FLUSH);
	rfake_plain(h, 2);
	rfake_say(h, 2, "{\"type\":\"ping\"}");
	rfake_heard_error(h, 2, "bad_state");
	assert_int_equal(h->ctl.reg.count, 0);
	assert_int_equal(h->ctl.slots.count, 0);
}

/* The key of each peer's certificate, in welcome and in every peer object. */
static void
test_keys_in_peer_objects(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	char			 ka[PROTO_KEY_HEX + 1], kb[PROTO_KEY_HEX + 1];
	uint64_t		 id;

	rfake_two(h);				/* rfake_join checks welcome.key */
	rfake_key_hex(h, 0, ka);
	rfake_key_hex(h, 1, kb);
	assert_string_not_equal(ka, kb);
	rfake_say(h, 0, "{\"type\":\"peers\"}");
	m = rfake_heard(h, 0, PROTO_MSG_PEER_LIST);
	assert_int_equal(m->npeers, 1);
	assert_string_equal(m->peers[0].key, kb);
	rfake_join(h, 2, "carol");
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	rfake_key_hex(h, 2, ka);
	assert_string_equal(m->peers[0].key, ka);
	rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	rfake_key_hex(h, 0, ka);
	rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":3,\"to\":%llu,"
	    "\"count\":1,\"size\":1}", (unsigned long long)h->f[1].p.id);
	m = rfake_heard(h, 0, PROTO_MSG_OFFERED);
	assert_string_equal(m->peer.key, kb);
	id = m->transfer;
	m = rfake_heard_on(h, 1, PROTO_MSG_INCOMING, id);
	assert_string_equal(m->peer.key, ka);
}

/*
 * A hello with a name a connected peer holds: the same key takes it back
 * (the old connection is told and closed, its transfers end as for any
 * disconnect); another key gets name_taken.
 */
static void
test_name_reclaim(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	uint64_t		 id, old;

	h->f[0].keyseed = h->f[2].keyseed = 7;
	h->f[3].keyseed = 8;
	rfake_two(h);
	old = h->f[0].p.id;
	id = rfake_offer(h);
	rfake_conn(h, 3);
	rfake_say(h, 3, "{\"type\":\"hello\",\"version\":2,\"name\":\"alice\"}");
	rfake_heard_error(h, 3, "name_taken");
	assert_int_equal(h->f[3].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[0].closed, 0);

	rfake_join(h, 2, "alice");		/* alice's key again */
	m = rfake_heard_error(h, 0, "replaced");
	assert_string_equal(m->message, "another connection with your key "
	    "took the name alice");
	assert_int_equal(m->transfer, 0);
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	rfake_heard_error_on(h, 1, "peer_gone", id);
	assert_int_equal(h->ctl.xfers.count, 0);
	assert_int_not_equal(h->f[2].p.id, old);
	relay_ctl_flush(&h->ctl);
	m = rfake_heard(h, 1, PROTO_MSG_PEER_LEFT);
	assert_int_equal(m->ids[0], old);
	m = rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
	assert_string_equal(m->peers[0].name, "alice");
	assert_int_equal(m->peers[0].id, h->f[2].p.id);
	/* The old connection's close callback changes nothing. */
	relay_ctl_lost(&h->ctl, &h->f[0].p, h->now);
	assert_int_equal(h->ctl.reg.count, 2);
	assert_ptr_equal(relay_registry_by_name(&h->ctl.reg, "alice"),
	    &h->f[2].p);
}

/* --- disconnects --- */

static void
test_hello_deadline(void **state)
{
	struct rfake_harness	*h = *state;

	rfake_conn(h, 0);
	h->now += 5000;
	rfake_join(h, 1, "early");
	h->now += h->ctl.cfg.hello_ms - 5000 - 1;
	relay_ctl_tick(&h->ctl, h->now);
	assert_int_equal(h->f[0].closed, 0);
	h->now += 1;
	relay_ctl_tick(&h->ctl, h->now);
	rfake_heard_error(h, 0, "idle");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[1].closed, 0);
	assert_int_equal(h->ctl.nfresh, 0);
}

static void
test_ping_then_idle(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 t0;

	rfake_join(h, 0, "quiet");
	rfake_join(h, 1, "chatty");
	t0 = h->now;
	h->now = t0 + h->ctl.cfg.ping_ms;
	rfake_say(h, 1, "{\"type\":\"pong\"}");
	relay_ctl_tick(&h->ctl, h->now);
	rfake_heard(h, 0, PROTO_MSG_PING);
	rfake_silent(h, 1);
	relay_ctl_tick(&h->ctl, h->now + 10);
	rfake_silent(h, 0);		/* one ping per silence */
	h->now = t0 + h->ctl.cfg.idle_ms - 1;
	relay_ctl_tick(&h->ctl, h->now);
	assert_int_equal(h->f[0].closed, 0);
	rfake_silent(h, 1);
	h->now = t0 + h->ctl.cfg.idle_ms;
	relay_ctl_tick(&h->ctl, h->now);
	rfake_heard_error(h, 0, "idle");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	/* chatty spoke at ping_ms, so its own silence reaches ping_ms only now. */
	rfake_heard(h, 1, PROTO_MSG_PING);
	assert_int_equal(h->f[1].closed, 0);
}

static void
test_long_peer_list_is_chunked(void **state)
{
	struct rfake_harness	*h = *state;
	struct proto_msg	*m;
	char			 name[32];
	size_t			 total = 0, msgs = 0;
	int			 i;

	/* Join in batches, so each push is small; only peer 0 records. */
	for (i = 0; i < NPEERS; i++) {
		snprintf(name, sizeof name, "peer-%04d", i);
		rfake_join(h, i, name);
		if (i > 0)
			h->f[i].record = 0;
		if (i % 100 == 99)
			relay_ctl_flush(&h->ctl);
	}
	relay_ctl_flush(&h->ctl);
	while (h->f[0].head < h->f[0].nmsgs)
		rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	assert_true(h->f[1].frames > 0);

	rfake_say(h, 0, "{\"type\":\"peers\"}");
	while (h->f[0].head < h->f[0].nmsgs) {
		m = rfake_heard(h, 0, PROTO_MSG_PEER_LIST);
		assert_true(m->npeers <= PROTO_PEERS_MAX);
		total += m->npeers;
		msgs++;
		assert_int_equal(m->more, h->f[0].head < h->f[0].nmsgs);
	}
	assert_int_equal(total, NPEERS - 1);
	assert_true(msgs >= 2);
}

static void
test_shutdown_tells_everyone(void **state)
{
	struct rfake_harness	*h = *state;
	uint64_t		 id;

	rfake_two(h);
	id = rfake_offer(h);
	rfake_pair(h, 0, 2, id);
	rfake_conn(h, 3);
	rfake_attach(h, 4);
	relay_ctl_shutdown(&h->ctl);
	rfake_heard_error(h, 0, "shutdown");
	rfake_heard_error(h, 1, "shutdown");
	rfake_heard_error(h, 3, "shutdown");
	rfake_heard_error(h, 4, "shutdown");
	assert_int_equal(h->f[0].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[3].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[4].closed, 1 + RELAY_CLOSE_FLUSH);
	assert_int_equal(h->f[2].closed, 1 + RELAY_CLOSE_NOW);
	assert_int_equal(h->ctl.slots.count, 0);
	relay_ctl_flush(&h->ctl);
	rfake_silent(h, 0);		/* no peer_gone, no peer_left on the way out */
	rfake_silent(h, 1);
	assert_int_equal(h->ctl.reg.count, 0);
	assert_int_equal(h->ctl.xfers.count, 0);
}

static void
test_tick_interval(void **state)
{
	struct relay_config	cfg;

	(void)state;
	relay_config_default(&cfg);
	assert_int_equal(relay_config_tick_ms(&cfg), 1000);
	cfg.hello_ms = 300;
	assert_int_equal(relay_config_tick_ms(&cfg), 30);
	cfg.bind_ms = 10;
	assert_int_equal(relay_config_tick_ms(&cfg), 5);
	cfg.bind_ms = 30000;
	cfg.slot_ms = 100;
	assert_int_equal(relay_config_tick_ms(&cfg), 10);
	cfg.slot_ms = 10;
	assert_int_equal(relay_config_tick_ms(&cfg), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, rfake_teardown)
		T(test_hello_welcome_and_joins),
		T(test_joins_in_one_iteration_are_batched),
		T(test_leave_is_pushed),
		T(test_join_and_leave_unseen),
		T(test_listed_then_left_before_push),
		T(test_no_left_for_a_stranger),
		T(test_no_left_for_one_gone_before_the_list),
		T(test_hello_refusals),
		T(test_busy_at_max_clients),
		T(test_out_of_order),
		T(test_tls_or_clear),
		T(test_keys_in_peer_objects),
		T(test_name_reclaim),
		T(test_hello_deadline),
		T(test_ping_then_idle),
		T(test_long_peer_list_is_chunked),
		T(test_shutdown_tells_everyone),
		cmocka_unit_test(test_tick_interval),
#undef T
	};

	relay_log_set_level(RELAY_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
