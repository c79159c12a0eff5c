/*
 * test_msg_peers.c: peer_list and peer_joined frames cut from objects
 * encoded once (proto/msg_peers.c) are byte for byte what proto_msg_frame
 * writes for the same peers, with names that need escaping too; a frame
 * filled until proto_peers_room() says no stays within PROTO_CONTROL_MAX
 * and PROTO_PEERS_MAX and decodes to every peer put in; a peer the
 * decoder would refuse is refused when it is encoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "msg_peers.h"

static uint8_t	buf[PROTO_PEERS_BUF];

/* Peer i, with a name that varies in length and needs escapes now and then. */
static struct proto_peer
P(uint64_t i)
{
	static const char *const names[] = {
		"alice", "b\"ob", "c\\arol", "d\xc3\xa9nise", "e/v", "frank",
		"gr\xe6\x97\xa5\xe6\x9c\xac", "h",
	};
	struct proto_peer	p;

	memset(&p, 0, sizeof p);
	p.id = i;
	snprintf(p.name, sizeof p.name, "%s%llu", names[i % 8],
	    (unsigned long long)i);
	snprintf(p.addr, sizeof p.addr, "127.0.0.%llu:%llu",
	    (unsigned long long)(i % 250), (unsigned long long)(1000 + i));
	snprintf(p.key, sizeof p.key, "%064llx", (unsigned long long)(i * 7919));
	return p;
}

/* Builds type with peers 1..n (more for a list) both ways and compares. */
static void
same_as_encoder(const struct proto_peers_enc *e, enum proto_msg_type type,
    size_t n, bool more)
{
	struct proto_peers_buf	 b;
	struct proto_msg	 m;
	struct proto_peer	*v;
	uint8_t			*f;
	char			*j;
	size_t			 flen, len, jl, i;

	v = calloc(n + 1, sizeof *v);
	assert_non_null(v);
	proto_peers_begin(&b, e, type, buf);
	for (i = 0; i < n; i++) {
		v[i] = P(i + 1);
		assert_int_equal(proto_peer_json(e, &v[i], &j, &jl), 0);
		assert_true(proto_peers_room(&b, jl));
		proto_peers_add(&b, j, jl);
		free(j);
	}
	len = proto_peers_end(&b, more);
	proto_msg_init(&m, type);
	m.peers = v;		/* borrowed */
	m.npeers = n;
	m.more = more;
	assert_int_equal(proto_msg_frame(&m, &f, &flen), 0);
	assert_int_equal(len, flen);
	assert_memory_equal(buf, f, flen);
	free(f);
	free(v);
}

static void
test_same_bytes(void **state)
{
	struct proto_peers_enc	e;

	(void)state;
	assert_int_equal(proto_peers_enc_init(&e), 0);
	same_as_encoder(&e, PROTO_MSG_PEER_LIST, 0, false);
	same_as_encoder(&e, PROTO_MSG_PEER_LIST, 0, true);
	same_as_encoder(&e, PROTO_MSG_PEER_LIST, 1, false);
	same_as_encoder(&e, PROTO_MSG_PEER_LIST, 37, true);
	same_as_encoder(&e, PROTO_MSG_PEER_LIST, 200, false);
	same_as_encoder(&e, PROTO_MSG_PEER_JOINED, 1, false);
	same_as_encoder(&e, PROTO_MSG_PEER_JOINED, 123, false);
}

/* Filled to the brim, a frame is still one the decoder takes, every peer in it. */
static void
fill(const struct proto_peers_enc *e, enum proto_msg_type type)
{
	struct proto_peers_buf	 b;
	struct proto_msg	 m;
	struct proto_peer	 p;
	char			*j, err[200];
	size_t			 jl, len, i = 0;

	proto_peers_begin(&b, e, type, buf);
	for (;;) {
		p = P(i + 1);
		/* Long names, so the byte limit comes before the count. */
		memset(p.name, 'x', PROTO_PEER_NAME_MAX);
		p.name[PROTO_PEER_NAME_MAX] = '\0';
		p.name[0] = (char)('a' + i % 26);
		assert_int_equal(proto_peer_json(e, &p, &j, &jl), 0);
		if (!proto_peers_room(&b, jl)) {
			free(j);
			break;
		}
		proto_peers_add(&b, j, jl);
		free(j);
		i++;
	}
	assert_true(i > 10);
	len = proto_peers_end(&b, true);
	assert_true(len - PROTO_HEADER_LEN <= PROTO_CONTROL_MAX);
	/* Only a little room was left: the limit is used, not guessed at. */
	assert_true(len - PROTO_HEADER_LEN + jl + 1 > PROTO_CONTROL_MAX);
	assert_int_equal(proto_msg_decode(buf + PROTO_HEADER_LEN,
	    len - PROTO_HEADER_LEN, &m, err, sizeof err), 0);
	assert_int_equal(m.type, type);
	assert_int_equal(m.npeers, i);
	assert_int_equal(m.peers[i - 1].id, i);
	proto_msg_free(&m);
}

static void
test_fill(void **state)
{
	struct proto_peers_enc	e;

	(void)state;
	assert_int_equal(proto_peers_enc_init(&e), 0);
	fill(&e, PROTO_MSG_PEER_LIST);
	fill(&e, PROTO_MSG_PEER_JOINED);
}

/*
 * The shortest objects (id 1, name "a", no address, the 64 hex digits of
 * a key) run into the byte limit before PROTO_PEERS_MAX, so the count
 * limit is a second guard only: the frame is full within both.
 */
static void
test_short_objects(void **state)
{
	struct proto_peers_enc	e;
	struct proto_peers_buf	b;
	struct proto_peer	p;
	struct proto_msg	m;
	char			*j, err[200];
	size_t			jl, i, len;

	(void)state;
	assert_int_equal(proto_peers_enc_init(&e), 0);
	proto_peers_begin(&b, &e, PROTO_MSG_PEER_JOINED, buf);
	p = P(1);
	snprintf(p.name, sizeof p.name, "a");
	p.addr[0] = '\0';
	assert_int_equal(proto_peer_json(&e, &p, &j, &jl), 0);
	for (i = 0; proto_peers_room(&b, jl); i++)
		proto_peers_add(&b, j, jl);
	free(j);
	assert_true(i > 500 && i <= PROTO_PEERS_MAX);
	len = proto_peers_end(&b, false);
	assert_true(len - PROTO_HEADER_LEN <= PROTO_CONTROL_MAX);
	assert_int_equal(proto_msg_decode(buf + PROTO_HEADER_LEN,
	    len - PROTO_HEADER_LEN, &m, err, sizeof err), 0);
	assert_int_equal(m.npeers, i);
	proto_msg_free(&m);
}

static void
test_refused(void **state)
{
	struct proto_peers_enc	e;
	struct proto_peers_buf	b;
	struct proto_peer	p;
	char			*j = (char *)1;
	size_t			jl = 1;

	(void)state;
	assert_int_equal(proto_peers_enc_init(&e), 0);
	p = P(1);
	p.id = 0;				/* ids start at 1 */
	assert_int_equal(proto_peer_json(&e, &p, &j, &jl), -PROTO_E_BAD_MESSAGE);
	assert_null(j);
	assert_int_equal(jl, 0);
	p = P(1);
	p.name[0] = '\0';			/* a name has a byte at least */
	assert_int_equal(proto_peer_json(&e, &p, &j, &jl), -PROTO_E_BAD_MESSAGE);
	p = P(1);
	p.key[3] = 'G';				/* not hex */
	assert_int_equal(proto_peer_json(&e, &p, &j, &jl), -PROTO_E_BAD_MESSAGE);
	/* An empty peer_joined is not a message. */
	proto_peers_begin(&b, &e, PROTO_MSG_PEER_JOINED, buf);
	assert_int_equal(proto_peers_end(&b, false), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_short_objects),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
