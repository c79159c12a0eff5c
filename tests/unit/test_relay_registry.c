/*
 * test_relay_registry.c: the relay's tables without a loop: peers by id
 * and by name, the slot table, the transfer table, and listen-address
 * parsing and formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "relay.h"
#include "text.h"
#include "relay_registry.h"
#include "relay_transfer.h"

static void
mkpeer(struct relay_peer *p, uint64_t id, const char *name, const char *addr)
{
	memset(p, 0, sizeof *p);
	p->id = id;
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->addr, sizeof p->addr, "%s", addr);
	p->reg.tqe_prev = NULL;		/* on no registry (memset did it too) */
	TAILQ_INIT(&p->xfers[0]);		/* what relay_ctl_accept() does */
	TAILQ_INIT(&p->xfers[1]);
}

static void
test_registry_lookups(void **state)
{
	struct relay_registry	r;
	struct relay_peer	a, b, c, dup;

	(void)state;
	assert_int_equal(relay_registry_init(&r), 0);
	mkpeer(&a, 1, "alice", "10.0.0.1:5000");
	mkpeer(&b, 2, "bob", "[::1]:6000");
	mkpeer(&c, 3, "carol", "10.0.0.3:7000");
	assert_int_equal(relay_registry_add(&r, &a), 0);
	assert_int_equal(relay_registry_add(&r, &b), 0);
	assert_int_equal(relay_registry_add(&r, &c), 0);
	mkpeer(&dup, 4, "alice", "10.0.0.4:1");
	assert_int_equal(relay_registry_add(&r, &dup), -PROTO_E_NAME_TAKEN);
	assert_int_equal(r.count, 3);

	assert_ptr_equal(relay_registry_by_id(&r, 2), &b);
	assert_null(relay_registry_by_id(&r, 4));
	assert_ptr_equal(relay_registry_by_name(&r, "alice"), &a);
	assert_null(relay_registry_by_name(&r, "Alice"));	/* byte for byte */

	relay_registry_remove(&r, &a);
	relay_registry_remove(&r, &a);		/* twice is harmless */
	assert_int_equal(r.count, 2);
	assert_null(relay_registry_by_name(&r, "alice"));
	assert_null(relay_registry_by_id(&r, 1));
	assert_int_equal(relay_registry_add(&r, &dup), 0);	/* the name is free */
	relay_registry_free(&r);
}

static void
test_registry_grows_and_keeps_order(void **state)
{
	struct relay_registry	 r;
	struct relay_peer	*p, *q;
	char			 name[32], addr[32];
	uint64_t		 last = 0;
	size_t			 i, count = 0;
	const size_t		 N = 5000;

	(void)state;
	p = calloc(N, sizeof *p);
	assert_non_null(p);
	assert_int_equal(relay_registry_init(&r), 0);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof name, "peer%zu", i);
		snprintf(addr, sizeof addr, "10.1.%zu.%zu:%zu", i / 256, i % 256,
		    1000 + i);
		mkpeer(&p[i], i + 1, name, addr);
		assert_int_equal(relay_registry_add(&r, &p[i]), 0);
	}
	assert_true(r.nbuckets >= N);
	for (i = 0; i < N; i += 2)
		relay_registry_remove(&r, &p[i]);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof name, "peer%zu", i);
		if (i % 2 == 0) {
			assert_null(relay_registry_by_name(&r, name));
			assert_null(relay_registry_by_id(&r, i + 1));
		} else {
			assert_ptr_equal(relay_registry_by_name(&r, name), &p[i]);
			assert_ptr_equal(relay_registry_by_id(&r, i + 1), &p[i]);
		}
	}
	TAILQ_FOREACH(q, &r.all, reg) {
		assert_true(q->id > last);
		last = q->id;
		count++;
	}
	assert_int_equal(count, N / 2);
	relay_registry_free(&r);
	free(p);
}

/* 128 random bits a slot, unlike each other, found by their bytes only. */
static void
test_slots(void **state)
{
	enum { N = 300 };
	struct relay_slots	 t;
	struct relay_peer	*p;
	uint8_t			 other[RELAY_SLOT_RAW];
	char			 hex[PROTO_SLOT_LEN + 1];
	int			 i, j, seen[16] = { 0 }, kinds = 0;

	(void)state;
	/* Owned here, freed below. */
	p = calloc(N, sizeof *p);
	assert_non_null(p);
	assert_int_equal(relay_slots_init(&t), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(relay_slots_add(&t, &p[i]), 0);
	assert_int_equal(t.count, N);
	for (i = 0; i < N; i++) {
		assert_ptr_equal(relay_slots_find(&t, p[i].slot), &p[i]);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(p[i].slot, p[j].slot,
			    RELAY_SLOT_RAW);
	}
	proto_fmt_hex(p[0].slot, sizeof p[0].slot, hex);
	assert_int_equal(strlen(hex), PROTO_SLOT_LEN);
	for (i = 0; i < PROTO_SLOT_LEN; i++)
		seen[hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10] = 1;
	for (i = 0; i < 16; i++)
		kinds += seen[i];
	assert_true(kinds >= 6);
	assert_int_equal(proto_hex_decode(hex, other, sizeof other), 0);
	assert_memory_equal(other, p[0].slot, RELAY_SLOT_RAW);
	assert_int_equal(proto_hex_decode("0g", other, 1), -1);
	assert_int_equal(proto_hex_decode("0A", other, 1), -1);
	assert_int_equal(proto_hex_decode("000", other, 1), -1);
	other[RELAY_SLOT_RAW - 1] ^= 1;
	assert_null(relay_slots_find(&t, other));
	/* Oldest first, and out once bound or gone. */
	assert_ptr_equal(TAILQ_FIRST(&t.all), &p[0]);
	relay_slots_remove(&t, &p[0]);
	relay_slots_remove(&t, &p[0]);		/* idempotent */
	assert_null(relay_slots_find(&t, p[0].slot));
	assert_ptr_equal(TAILQ_FIRST(&t.all), &p[1]);
	for (i = 1; i < N; i += 2)
		relay_slots_remove(&t, &p[i]);
	assert_int_equal(t.count, N / 2 - 1 + N % 2);
	for (i = 2; i < N; i += 2)
		assert_ptr_equal(relay_slots_find(&t, p[i].slot), &p[i]);
	relay_slots_free(&t);
	free(p);
}

static void
test_transfer_table(void **state)
{
	struct relay_transfers	 x;
	struct relay_transfer	*t1, *t2;
	struct relay_peer	 a, b;

	(void)state;
	mkpeer(&a, 1, "a", "x:1");
	mkpeer(&b, 2, "b", "x:2");
	relay_transfers_init(&x);
	t1 = relay_transfer_new(&x, &a, &b, 100);
	t2 = relay_transfer_new(&x, &b, &a, 200);
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_not_equal(t1->id, t2->id);
	assert_int_equal(t1->state, RELAY_XFER_READY);
	assert_int_equal(t1->deadline, 100);
	assert_ptr_equal(relay_transfer_find(&x, t2->id), t2);
	assert_null(relay_transfer_find(&x, 777));
	assert_ptr_equal(t1->peer[RELAY_SIDE_SEND], &a);
	assert_ptr_equal(t1->peer[RELAY_SIDE_RECEIVE], &b);
	relay_transfer_free(&x, t1);
	assert_int_equal(x.count, 1);
	assert_null(relay_transfer_find(&x, 1));
	relay_transfers_free(&x);
	assert_int_equal(x.count, 0);
}

static void
test_parse_addr(void **state)
{
	/* What parses, and how the relay then shows it. */
	static const char	*good[][2] = {
		{ "127.0.0.1:0",	"127.0.0.1:0" },
		{ "[::1]:7117",		"[::1]:7117" },
		{ ":8080",		"0.0.0.0:8080" },
		{ "9000",		"0.0.0.0:9000" },
		{ "0.0.0.0:7117",	"0.0.0.0:7117" },
	};
	struct sockaddr_storage	 ss;
	char			 err[256], out[80];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(relay_parse_addr(good[i][0], &ss, err,
		    sizeof err), 0);
		relay_format_addr((struct sockaddr *)&ss, out, sizeof out);
		assert_string_equal(out, good[i][1]);
	}

	assert_int_not_equal(relay_parse_addr("1.2.3.4", &ss, err, sizeof err), 0);
	assert_int_not_equal(relay_parse_addr("1.2.3.4:", &ss, err, sizeof err), 0);
	assert_int_not_equal(relay_parse_addr("1.2.3.4:65536", &ss, err,
	    sizeof err), 0);
	assert_int_not_equal(relay_parse_addr("1.2.3.4:12a", &ss, err,
	    sizeof err), 0);
	assert_int_not_equal(relay_parse_addr("::1:7117", &ss, err, sizeof err), 0);
	assert_non_null(strstr(err, "brackets"));
	assert_int_not_equal(relay_parse_addr("[::1]", &ss, err, sizeof err), 0);
	assert_int_not_equal(relay_parse_addr("[nope]:1", &ss, err, sizeof err), 0);
}

static void
test_format_v4_mapped(void **state)
{
	struct sockaddr_in6	sin6;
	char			out[80];

	(void)state;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(50312);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr), 1);
	relay_format_addr((struct sockaddr *)&sin6, out, sizeof out);
	assert_string_equal(out, "192.0.2.7:50312");
}

/* Rooms: a name is per room, each room lists its own, and goes with its last. */
static void
test_registry_rooms(void **state)
{
	struct relay_registry	 r;
	struct relay_peer	 a, b, c, d, *q;
	struct relay_room	*ra;
	char			 name[16];
	struct relay_peer	 many[300];
	size_t			 i, n;

	(void)state;
	assert_int_equal(relay_registry_init(&r), 0);
	mkpeer(&a, 1, "ann", "10.0.0.1:1");
	mkpeer(&b, 2, "ann", "10.0.0.2:1");
	mkpeer(&c, 3, "ann", "10.0.0.3:1");
	mkpeer(&d, 4, "ann", "10.0.0.4:1");
	assert_int_equal(relay_registry_add_in(&r, &a, "room-a"), 0);
	assert_int_equal(relay_registry_add_in(&r, &b, "room-b"), 0);
	assert_int_equal(relay_registry_add(&r, &c), 0);	/* the lobby */
	assert_int_equal(relay_registry_add_in(&r, &d, "room-a"),
	    -PROTO_E_NAME_TAKEN);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.nrooms, 2);
	assert_ptr_equal(relay_registry_find(&r, "room-a", "ann"), &a);
	assert_ptr_equal(relay_registry_find(&r, "room-b", "ann"), &b);
	assert_ptr_equal(relay_registry_find(&r, "", "ann"), &c);
	assert_ptr_equal(relay_registry_by_name(&r, "ann"), &c);
	assert_null(relay_registry_find(&r, "room-c", "ann"));
	assert_null(relay_registry_find(&r, "Room-a", "ann"));
	assert_ptr_equal(a.room, relay_registry_room(&r, "room-a"));
	assert_ptr_equal(c.room, r.lobby);
	assert_true(a.room != b.room);

	/* A second member of room-a; the room lists both, in id order. */
	snprintf(d.name, sizeof d.name, "bob");
	assert_int_equal(relay_registry_add_in(&r, &d, "room-a"), 0);
	ra = a.room;
	assert_int_equal(ra->count, 2);
	assert_ptr_equal(TAILQ_FIRST(&ra->members), &a);
	assert_ptr_equal(TAILQ_NEXT(&a, rlink), &d);
	relay_registry_remove(&r, &a);
	assert_null(a.room);
	assert_ptr_equal(relay_registry_room(&r, "room-a"), d.room);
	relay_registry_remove(&r, &d);
	assert_null(relay_registry_room(&r, "room-a"));	/* gone with its last */
	assert_int_equal(r.nrooms, 1);
	relay_registry_remove(&r, &c);
	assert_ptr_equal(relay_registry_room(&r, NULL), r.lobby);	/* stays */

	/* Many rooms: the room table grows and finds each. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "r%zu", i);
		mkpeer(&many[i], 10 + i, "ann", "10.0.1.1:1");
		assert_int_equal(relay_registry_add_in(&r, &many[i], name), 0);
	}
	assert_int_equal(r.nrooms, 301);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "r%zu", i);
		assert_ptr_equal(relay_registry_find(&r, name, "ann"), &many[i]);
	}
	n = 0;
	TAILQ_FOREACH(q, &r.all, reg)
		n++;
	assert_int_equal(n, 301);
	relay_registry_free(&r);	/* frees the rooms still held */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lookups),
		cmocka_unit_test(test_registry_grows_and_keeps_order),
		cmocka_unit_test(test_registry_rooms),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_transfer_table),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_format_v4_mapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
