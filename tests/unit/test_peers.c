/*
 * test_peers.c: the client's peer model: a paged peer_list replaces the
 * list only when the last page is in, joins update or add, leaves remove,
 * the list stays sorted, and lookups go by name, address, then id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peers.h"

static struct proto_peer
P(uint64_t id, const char *name, const char *addr)
{
	struct proto_peer	p;

	memset(&p, 0, sizeof p);
	p.id = id;
	snprintf(p.name, sizeof p.name, "%s", name);
	snprintf(p.addr, sizeof p.addr, "%s", addr);
	return p;
}

static void
test_list_pages(void **state)
{
	struct client_peer_list		p;
	struct proto_peer	a[2], b[1];

	(void)state;
	client_peers_init(&p);
	a[0] = P(3, "carol", "127.0.0.1:3");
	a[1] = P(1, "alice", "127.0.0.1:1");
	b[0] = P(2, "bob", "127.0.0.1:2");
	assert_int_equal(client_peers_apply_list(&p, a, 2, true), 0);
	assert_false(p.loaded);
	assert_int_equal(p.n, 0);	/* nothing shows until the last page */
	assert_int_equal(client_peers_apply_list(&p, b, 1, false), 1);
	assert_true(p.loaded);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.v[0].name, "alice");
	assert_string_equal(p.v[1].name, "bob");
	assert_string_equal(p.v[2].name, "carol");

	/* A new full list replaces the old one. */
	assert_int_equal(client_peers_apply_list(&p, b, 1, false), 1);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].name, "bob");

	/* An empty list is a list. */
	assert_int_equal(client_peers_apply_list(&p, NULL, 0, false), 1);
	assert_int_equal(p.n, 0);
	assert_true(p.loaded);
	client_peers_free(&p);
}

static void
test_join_leave(void **state)
{
	struct client_peer_list		p;
	struct proto_peer	j[3];
	uint64_t		ids[3] = { 5, 99, 7 };

	(void)state;
	client_peers_init(&p);
	assert_int_equal(client_peers_apply_list(&p, NULL, 0, false), 1);
	j[0] = P(5, "Zed", "10.0.0.5:5");
	j[1] = P(6, "amy", "10.0.0.6:6");
	j[2] = P(7, "bob", "[::1]:7");
	assert_int_equal(client_peers_join(&p, j, 3), 0);
	assert_int_equal(p.n, 3);
	/* Sorted without regard to case. */
	assert_string_equal(p.v[0].name, "amy");
	assert_string_equal(p.v[1].name, "bob");
	assert_string_equal(p.v[2].name, "Zed");
	/* A second join of the same id updates it. */
	j[0] = P(6, "amy", "10.0.0.6:66");
	assert_int_equal(client_peers_join(&p, j, 1), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(client_peers_find_id(&p, 6)->addr, "10.0.0.6:66");
	/* Unknown ids are ignored. */
	assert_int_equal(client_peers_leave(&p, ids, 3), 2);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].name, "amy");
	assert_null(client_peers_find_id(&p, 5));
	client_peers_free(&p);
}

static void
test_find(void **state)
{
	struct client_peer_list		p;
	struct proto_peer	j[3];

	(void)state;
	client_peers_init(&p);
	j[0] = P(10, "alice", "127.0.0.1:4000");
	j[1] = P(11, "127.0.0.1:4000", "127.0.0.1:5000");	/* a name that looks like an address */
	j[2] = P(12, "r\xc3\xa9mi", "127.0.0.1:6000");
	assert_int_equal(client_peers_join(&p, j, 3), 0);
	assert_int_equal(client_peers_find(&p, "alice")->id, 10);
	/* Names win over addresses, as the relay resolves offer.to. */
	assert_int_equal(client_peers_find(&p, "127.0.0.1:4000")->id, 11);
	assert_int_equal(client_peers_find(&p, "127.0.0.1:5000")->id, 11);
	assert_int_equal(client_peers_find(&p, "127.0.0.1:6000")->id, 12);
	assert_int_equal(client_peers_find(&p, "r\xc3\xa9mi")->id, 12);
	assert_int_equal(client_peers_find(&p, "12")->id, 12);
	assert_null(client_peers_find(&p, "12x"));
	assert_null(client_peers_find(&p, "nobody"));
	assert_null(client_peers_find(&p, ""));
	assert_null(client_peers_find(&p, NULL));
	client_peers_free(&p);
}

static void
test_active(void **state)
{
	struct client_peer_list		p;
	struct proto_peer	j[2];

	(void)state;
	client_peers_init(&p);
	j[0] = P(1, "a", "h:1");
	j[1] = P(2, "b", "h:2");
	assert_int_equal(client_peers_join(&p, j, 2), 0);
	client_peers_add_active(&p, 2);
	client_peers_add_active(&p, 2);
	client_peers_add_active(&p, 3);	/* not a peer: ignored */
	assert_int_equal(client_peers_find_id(&p, 1)->active, 0);
	assert_int_equal(client_peers_find_id(&p, 2)->active, 2);
	client_peers_reset_active(&p);
	assert_int_equal(client_peers_find_id(&p, 2)->active, 0);
	client_peers_clear(&p);
	assert_int_equal(p.n, 0);
	assert_false(p.loaded);
	client_peers_free(&p);
}

static void
test_many(void **state)
{
	struct client_peer_list		p;
	struct proto_peer	pg[100];
	char			name[32];
	size_t			i, k;

	(void)state;
	client_peers_init(&p);
	/* 25 pages of 100, like a relay splitting a big list. */
	for (k = 0; k < 25; k++) {
		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof name, "peer%05zu", 2499 - (k * 100 + i));
			pg[i] = P(k * 100 + i + 1, name, "h:1");
		}
		assert_int_equal(client_peers_apply_list(&p, pg, 100, k < 24), k == 24);
	}
	assert_int_equal(p.n, 2500);
	for (i = 1; i < p.n; i++)
		assert_true(strcmp(p.v[i - 1].name, p.v[i].name) < 0);
	assert_string_equal(p.v[0].name, "peer00000");
	client_peers_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_join_leave),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
