/*
 * test_peers.c: the client's peer model: a paged peer_list replaces the
 * list only when the last page is in, joins update or add, leaves remove,
 * the list stays sorted, and lookups go by name, address, then id.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peers.h"
#include "text.h"

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

/* A peer whose key is 32 bytes of seed, so its fingerprint is known. */
static struct proto_peer
K(uint64_t id, const char *name, const char *addr, uint8_t seed)
{
	struct proto_peer	p = P(id, name, addr);
	uint8_t			raw[32];

	memset(raw, seed, sizeof raw);
	proto_fmt_hex(raw, sizeof raw, p.key);
	return p;
}

static void
test_resolve(void **state)
{
	struct client_peer_list		p;
	struct proto_peer		j[4];
	enum client_peer_miss		why;
	const struct client_peer	*q;
	char				pre[20];

	(void)state;
	client_peers_init(&p);
	j[0] = K(10, "alice", "127.0.0.1:4000", 1);
	j[1] = K(11, "127.0.0.1:4000", "127.0.0.1:5000", 2);	/* a name that looks like an address */
	j[2] = K(12, "r\xc3\xa9mi", "127.0.0.1:6000", 3);
	j[3] = K(13, "12", "127.0.0.1:7000", 4);		/* a name that looks like an id */
	assert_int_equal(client_peers_join(&p, j, 4), 0);
	assert_int_equal(client_peers_resolve(&p, "alice", &why)->id, 10);
	/* HOST:PORT is an address only, never the name that looks like one. */
	assert_int_equal(client_peers_resolve(&p, "127.0.0.1:4000", &why)->id, 10);
	assert_int_equal(client_peers_resolve(&p, "127.0.0.1:5000", &why)->id, 11);
	assert_null(client_peers_resolve(&p, "127.0.0.1:4001", &why));
	assert_int_equal(why, CLIENT_PEER_NONE);
	assert_int_equal(client_peers_resolve(&p, "r\xc3\xa9mi", &why)->id, 12);
	/* A number is a name, not an id. */
	assert_int_equal(client_peers_resolve(&p, "12", &why)->id, 13);
	assert_null(client_peers_resolve(&p, "11", &why));
	/* The beginning of a fingerprint, typed as `ferry peers` shows it. */
	q = client_peers_find_id(&p, 12);
	snprintf(pre, sizeof pre, "%.9s", q->short_fpr);	/* XXXX-XXXX */
	for (char *c = pre; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	assert_int_equal(client_peers_resolve(&p, pre, &why)->id, 12);
	snprintf(pre, sizeof pre, "%.7s", q->fingerprint);	/* too short to name a key */
	assert_null(client_peers_resolve(&p, pre, &why));
	/* A name whose key is not the one known for it is nobody. */
	((struct client_peer *)client_peers_find_id(&p, 10))->trust =
	    CLIENT_TRUST_CHANGED;
	assert_null(client_peers_resolve(&p, "alice", &why));
	assert_int_equal(why, CLIENT_PEER_CHANGED);
	assert_null(client_peers_resolve(&p, "nobody", &why));
	assert_int_equal(why, CLIENT_PEER_NONE);
	assert_null(client_peers_resolve(&p, "", &why));
	assert_null(client_peers_resolve(&p, NULL, &why));
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
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
