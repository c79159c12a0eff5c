/*
 * test_relay_registry.c: the relay's tables without a loop: peers by id,
 * name and address (and the order offer.to tries them), the transfer table
 * and its tokens, and listen-address parsing and formatting.
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
	mkpeer(&c, 3, "2", "10.0.0.3:7000");	/* a name that looks like an id */
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
	assert_ptr_equal(relay_registry_by_addr(&r, "[::1]:6000"), &b);

	/* offer.to: a name first, then an address, then a decimal id. */
	assert_ptr_equal(relay_registry_resolve(&r, "bob"), &b);
	assert_ptr_equal(relay_registry_resolve(&r, "10.0.0.1:5000"), &a);
	assert_ptr_equal(relay_registry_resolve(&r, "2"), &c);
	assert_ptr_equal(relay_registry_resolve(&r, "3"), &c);
	assert_ptr_equal(relay_registry_resolve(&r, "1"), &a);
	assert_null(relay_registry_resolve(&r, "01"));
	assert_null(relay_registry_resolve(&r, "+1"));
	assert_null(relay_registry_resolve(&r, "1 "));
	assert_null(relay_registry_resolve(&r, "99999999999999999999"));
	assert_null(relay_registry_resolve(&r, ""));

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

static int
is_token(const char *t)
{
	size_t	i;

	if (strlen(t) != PROTO_TOKEN_LEN)
		return 0;
	for (i = 0; i < PROTO_TOKEN_LEN; i++) {
		if (strchr("0123456789abcdef", t[i]) == NULL)
			return 0;
	}
	return 1;
}

static void
test_tokens(void **state)
{
	char	a[PROTO_TOKEN_LEN + 1], b[PROTO_TOKEN_LEN + 1];
	int	i, seen[16] = { 0 }, kinds = 0;

	(void)state;
	assert_int_equal(relay_token_new(a), 0);
	assert_int_equal(relay_token_new(b), 0);
	assert_true(is_token(a));
	assert_true(is_token(b));
	assert_string_not_equal(a, b);
	/* 128 random bits in hex use most of the 16 digits. */
	for (i = 0; i < PROTO_TOKEN_LEN; i++)
		seen[a[i] <= '9' ? a[i] - '0' : a[i] - 'a' + 10] = 1;
	for (i = 0; i < 16; i++)
		kinds += seen[i];
	assert_true(kinds >= 6);
}

static void
test_transfer_table(void **state)
{
	struct relay_transfers	 x;
	struct relay_transfer	*t1, *t2;
	struct relay_peer	 a, b;
	char			 tok[PROTO_TOKEN_LEN + 1];
	int			 side = -1;

	(void)state;
	mkpeer(&a, 1, "a", "x:1");
	mkpeer(&b, 2, "b", "x:2");
	relay_transfers_init(&x);
	t1 = relay_transfer_new(&x, &a, &b, 100);
	t2 = relay_transfer_new(&x, &b, &a, 200);
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_not_equal(t1->id, t2->id);
	assert_ptr_equal(relay_transfer_find(&x, t2->id), t2);
	assert_null(relay_transfer_find(&x, 777));
	assert_ptr_equal(t1->peer[RELAY_SIDE_SEND], &a);
	assert_ptr_equal(t1->peer[RELAY_SIDE_RECEIVE], &b);

	assert_int_equal(relay_transfer_issue_tokens(t1), 0);
	assert_true(is_token(t1->token[0]));
	assert_true(is_token(t1->token[1]));
	assert_string_not_equal(t1->token[0], t1->token[1]);
	/* Not READY yet: the tokens do not open anything. */
	assert_null(relay_transfer_by_token(&x, t1->token[0], &side));
	t1->state = RELAY_XFER_READY;
	assert_ptr_equal(relay_transfer_by_token(&x, t1->token[1], &side), t1);
	assert_int_equal(side, RELAY_SIDE_RECEIVE);
	assert_ptr_equal(relay_transfer_by_token(&x, t1->token[0], &side), t1);
	assert_int_equal(side, RELAY_SIDE_SEND);
	memcpy(tok, t1->token[0], sizeof tok);
	tok[31] = tok[31] == '0' ? '1' : '0';
	assert_null(relay_transfer_by_token(&x, tok, &side));
	assert_null(relay_transfer_by_token(&x, "abc", &side));
	t1->token[0][0] = '\0';			/* used */
	memcpy(tok, t1->token[1], sizeof tok);
	assert_ptr_equal(relay_transfer_by_token(&x, tok, &side), t1);

	relay_transfer_free(&x, t1);
	assert_int_equal(x.count, 1);
	assert_null(relay_transfer_by_token(&x, tok, &side));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lookups),
		cmocka_unit_test(test_registry_grows_and_keeps_order),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_transfer_table),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_format_v4_mapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
