/*
 * test_tls.c: TLS 1.3 over memory buffers (proto/tls.c) between two
 * endpoints in this process, the bytes carried by hand as a socket would:
 * mutual authentication shows each side the other's Ed25519 key, data goes
 * both ways intact, both sides derive the same exporter bytes (and another
 * session others), a flipped ciphertext bit kills the session, a client
 * with no certificate or an older TLS is refused, nothing on the wire
 * holds the plaintext, and a session that carried a big burst gives its
 * buffers back once they are drained (a stream keeps them until its next
 * small burst), so an idle session stays small.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "tls.h"

struct side {
	struct proto_tls	*t;
	uint8_t			*wire;		/* everything it ever sent, for the eavesdropper check */
	size_t			 nwire;
};

static EVP_PKEY	*alice_key, *relay_key;

static int
keys(void **state)
{
	(void)state;
	alice_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	relay_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return alice_key != NULL && relay_key != NULL ? 0 : -1;
}

static int
free_keys(void **state)
{
	(void)state;
	EVP_PKEY_free(alice_key);
	EVP_PKEY_free(relay_key);
	return 0;
}

static void
raw_key(EVP_PKEY *k, uint8_t out[PROTO_TLS_KEY_LEN])
{
	size_t	len = PROTO_TLS_KEY_LEN;

	assert_int_equal(EVP_PKEY_get_raw_public_key(k, out, &len), 1);
}

/* Moves what from has pending to to, as one socket write and read. */
static void
carry(struct side *from, struct side *to)
{
	uint8_t	buf[16384];
	size_t	n;

	while ((n = proto_tls_take(from->t, buf, sizeof buf)) > 0) {
		assert_non_null(from->wire = realloc(from->wire, from->nwire + n));
		memcpy(from->wire + from->nwire, buf, n);
		from->nwire += n;
		assert_int_equal(proto_tls_feed(to->t, buf, n), 0);
	}
}

/* Runs both handshakes to the end, at most 10 round trips. Returns the last results. */
static void
handshake(struct side *c, struct side *s, int *rc, int *rs)
{
	int	i;

	for (i = 0; i < 10; i++) {
		*rc = proto_tls_handshake(c->t);
		carry(c, s);
		*rs = proto_tls_handshake(s->t);
		carry(s, c);
		if ((*rc == 0 && *rs == 0) || *rc < 0 || *rs < 0)
			return;
	}
}

/* alice's client context and the relay's server context. */
static void
contexts(struct proto_tls_ctx **cctx, struct proto_tls_ctx **sctx)
{
	char	err[256];

	assert_int_equal(proto_tls_ctx_new(false, alice_key, cctx, err, sizeof err), 0);
	assert_int_equal(proto_tls_ctx_new(true, relay_key, sctx, err, sizeof err), 0);
}

static void
pair(struct proto_tls_ctx *cctx, struct proto_tls_ctx *sctx, struct side *c,
    struct side *s)
{
	memset(c, 0, sizeof *c);
	memset(s, 0, sizeof *s);
	assert_int_equal(proto_tls_new(cctx, &c->t), 0);
	assert_int_equal(proto_tls_new(sctx, &s->t), 0);
}

static void
unpair(struct side *c, struct side *s)
{
	proto_tls_free(c->t);
	proto_tls_free(s->t);
	free(c->wire);
	free(s->wire);
}

/* Reads exactly len bytes from to after carrying from's output. */
static void
receive(struct side *from, struct side *to, uint8_t *buf, size_t len)
{
	size_t	off = 0, got;
	int	r;

	carry(from, to);
	while (off < len) {
		r = proto_tls_read(to->t, buf + off, len - off, &got);
		assert_int_equal(r, 0);
		off += got;
	}
	assert_int_equal(proto_tls_read(to->t, buf, 1, &got), PROTO_TLS_WANT);
}

static bool
contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t	k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static void
test_mutual(void **state)
{
	struct proto_tls_ctx	*cctx, *sctx;
	struct side		 c, s;
	uint8_t			 got[PROTO_TLS_KEY_LEN], want[PROTO_TLS_KEY_LEN];
	uint8_t			 ec[32], es[32], *big, *back;
	int			 rc, rs;
	size_t			 i, len = 3 << 20, n;
	const char		*marker = "report-2026-SECRET.pdf";

	(void)state;
	contexts(&cctx, &sctx);
	pair(cctx, sctx, &c, &s);
	assert_string_equal(proto_tls_cipher(c.t), "");
	handshake(&c, &s, &rc, &rs);
	assert_int_equal(rc, 0);
	assert_int_equal(rs, 0);
	assert_non_null(strstr(proto_tls_cipher(c.t), "TLS_"));
	assert_string_equal(proto_tls_cipher(c.t), proto_tls_cipher(s.t));

	/* Each side sees the other's identity key, proven in the handshake. */
	assert_int_equal(proto_tls_peer_key(c.t, got), 0);
	raw_key(relay_key, want);
	assert_memory_equal(got, want, sizeof got);
	assert_int_equal(proto_tls_peer_key(s.t, got), 0);
	raw_key(alice_key, want);
	assert_memory_equal(got, want, sizeof got);

	/* The same exporter bytes on both ends, other bytes for another label. */
	assert_int_equal(proto_tls_export(c.t, "EXPORTER-ferry-test", ec, sizeof ec), 0);
	assert_int_equal(proto_tls_export(s.t, "EXPORTER-ferry-test", es, sizeof es), 0);
	assert_memory_equal(ec, es, sizeof ec);
	assert_int_equal(proto_tls_export(s.t, "EXPORTER-ferry-other", es, sizeof es), 0);
	assert_memory_not_equal(ec, es, sizeof ec);

	/* 3 MiB each way, and a marker that must never cross in clear. */
	assert_non_null(big = malloc(len));
	assert_non_null(back = malloc(len));
	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 11));
	n = strlen(marker);
	memcpy(big + 1000, marker, n);
	assert_int_equal(proto_tls_write(c.t, big, len), 0);
	assert_true(proto_tls_pending(c.t) > len);	/* records add their overhead */
	receive(&c, &s, back, len);
	assert_memory_equal(back, big, len);
	assert_int_equal(proto_tls_write(s.t, big, len), 0);
	receive(&s, &c, back, len);
	assert_memory_equal(back, big, len);
	assert_false(contains(c.wire, c.nwire, marker));
	assert_false(contains(s.wire, s.nwire, marker));

	/* close_notify reads as a clean end. */
	proto_tls_close(c.t);
	carry(&c, &s);
	assert_int_equal(proto_tls_read(s.t, back, 16, &n), PROTO_TLS_CLOSED);

	free(big);
	free(back);
	unpair(&c, &s);

	/* Another session of the same two keys exports other bytes. */
	pair(cctx, sctx, &c, &s);
	handshake(&c, &s, &rc, &rs);
	assert_int_equal(rc, 0);
	assert_int_equal(proto_tls_export(c.t, "EXPORTER-ferry-test", es, sizeof es), 0);
	assert_memory_not_equal(ec, es, sizeof ec);
	unpair(&c, &s);
	proto_tls_ctx_free(cctx);
	proto_tls_ctx_free(sctx);
}

static void
test_tampered(void **state)
{
	struct proto_tls_ctx	*cctx, *sctx;
	struct side		 c, s;
	uint8_t			 buf[4096], out[64];
	int			 rc, rs;
	size_t			 n, got;

	(void)state;
	contexts(&cctx, &sctx);
	pair(cctx, sctx, &c, &s);
	handshake(&c, &s, &rc, &rs);
	assert_int_equal(rs, 0);
	assert_int_equal(proto_tls_write(c.t, "hello, relay", 12), 0);
	n = proto_tls_take(c.t, buf, sizeof buf);
	assert_true(n > 12);
	buf[n - 3] ^= 0x01;	/* one bit of the record's tag */
	assert_int_equal(proto_tls_feed(s.t, buf, n), 0);
	assert_int_equal(proto_tls_read(s.t, out, sizeof out, &got), -1);
	assert_int_equal(got, 0);
	assert_string_not_equal(proto_tls_error(s.t), "no error");
	unpair(&c, &s);
	proto_tls_ctx_free(cctx);
	proto_tls_ctx_free(sctx);
}

static void
test_refused(void **state)
{
	struct proto_tls_ctx	*cctx, *sctx;
	struct side		 c, s;
	SSL_CTX			*plain;
	SSL			*ssl;
	BIO			*rb, *wb;
	uint8_t			 buf[16384];
	char			 err[256];
	int			 rc, rs, i, n;

	(void)state;
	/* Not an Ed25519 key: no context. */
	assert_int_equal(proto_tls_ctx_new(true, NULL, &sctx, err, sizeof err), -1);
	assert_non_null(strstr(err, "Ed25519"));

	assert_int_equal(proto_tls_ctx_new(true, relay_key, &sctx, err, sizeof err), 0);

	/* A TLS 1.2 client, and a TLS 1.3 client that shows no certificate. */
	for (i = 0; i < 2; i++) {
		assert_non_null(plain = SSL_CTX_new(TLS_client_method()));
		if (i == 0)
			SSL_CTX_set_max_proto_version(plain, TLS1_2_VERSION);
		assert_non_null(ssl = SSL_new(plain));
		rb = BIO_new(BIO_s_mem());
		wb = BIO_new(BIO_s_mem());
		BIO_set_mem_eof_return(rb, -1);
		SSL_set_bio(ssl, rb, wb);
		SSL_set_connect_state(ssl);
		memset(&s, 0, sizeof s);
		assert_int_equal(proto_tls_new(sctx, &s.t), 0);
		rs = PROTO_TLS_WANT;
		for (rc = 0; rc < 10 && rs == PROTO_TLS_WANT; rc++) {
			(void)SSL_do_handshake(ssl);
			while ((n = BIO_read(wb, buf, sizeof buf)) > 0)
				assert_int_equal(proto_tls_feed(s.t, buf, (size_t)n), 0);
			rs = proto_tls_handshake(s.t);
			while ((n = (int)proto_tls_take(s.t, buf, sizeof buf)) > 0)
				BIO_write(rb, buf, n);
		}
		assert_int_equal(rs, -1);
		assert_non_null(strstr(proto_tls_error(s.t), "handshake"));
		SSL_free(ssl);
		SSL_CTX_free(plain);
		proto_tls_free(s.t);
	}

	/* Two servers cannot talk; a client does not take another client. */
	assert_int_equal(proto_tls_ctx_new(false, alice_key, &cctx, err, sizeof err), 0);
	pair(cctx, cctx, &c, &s);
	handshake(&c, &s, &rc, &rs);
	assert_false(rc == 0 && rs == 0);
	unpair(&c, &s);
	proto_tls_ctx_free(cctx);
	proto_tls_ctx_free(sctx);
}

/* Heap bytes in use, from the allocator itself (0 under ASan, which keeps its own). */
static size_t
heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void
test_drained_small(void **state)
{
	struct proto_tls_ctx	*cctx, *sctx;
	struct side		 c, s;
	uint8_t			*big, *wire, *back;
	size_t			 i, len = 1 << 20, n, heap0, heap1;
	int			 rc, rs;

	(void)state;
	contexts(&cctx, &sctx);
	pair(cctx, sctx, &c, &s);
	handshake(&c, &s, &rc, &rs);
	assert_int_equal(rc, 0);
	assert_int_equal(rs, 0);
	/* After the handshake the buffers are small already. */
	assert_true(proto_tls_memory(c.t) <= 2 * 4096);
	assert_true(proto_tls_memory(s.t) <= 2 * 4096);
	assert_non_null(big = malloc(len));
	assert_non_null(back = malloc(len));
	assert_non_null(wire = malloc(2 * len));
	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 13 + (i >> 9));
	heap0 = heap_in_use();

	/* 1 MiB in one write, taken in one piece, fed in one piece. */
	assert_int_equal(proto_tls_write(c.t, big, len), 0);
	assert_true(proto_tls_memory(c.t) > len);
	n = proto_tls_take(c.t, wire, 2 * len);
	assert_true(n > len);
	assert_int_equal(proto_tls_pending(c.t), 0);
	assert_true(proto_tls_memory(c.t) <= 2 * 4096);
	assert_int_equal(proto_tls_feed(s.t, wire, n), 0);
	assert_true(proto_tls_memory(s.t) > len);
	receive(&c, &s, back, len);
	assert_memory_equal(back, big, len);
	/* Both drained: the megabyte is given back, not kept for later. */
	assert_true(proto_tls_memory(c.t) <= 2 * 4096);
	assert_true(proto_tls_memory(s.t) <= 2 * 4096);
	heap1 = heap_in_use();
	assert_true(heap1 < heap0 + 64 * 1024);

	/* The sessions go on with their new buffers, both ways. */
	assert_int_equal(proto_tls_write(s.t, big, 100000), 0);
	receive(&s, &c, back, 100000);
	assert_memory_equal(back, big, 100000);
	assert_int_equal(proto_tls_write(c.t, big + 7, 5), 0);
	receive(&c, &s, back, 5);
	assert_memory_equal(back, big + 7, 5);
	assert_true(proto_tls_memory(c.t) <= 2 * 4096);
	assert_true(proto_tls_memory(s.t) <= 2 * 4096);

	/*
	 * A stream (big bursts one after another) keeps its buffer between
	 * bursts, so it is not grown from nothing for every write; the
	 * first small burst after it gives it back.
	 */
	for (i = 0; i < 3; i++) {
		assert_int_equal(proto_tls_write(c.t, big, len), 0);
		n = proto_tls_take(c.t, wire, 2 * len);
		assert_int_equal(proto_tls_feed(s.t, wire, n), 0);
		receive(&c, &s, back, len);
		assert_memory_equal(back, big, len);
	}
	assert_true(proto_tls_memory(c.t) > len);
	assert_int_equal(proto_tls_write(c.t, "ping", 4), 0);
	receive(&c, &s, back, 4);
	assert_memory_equal(back, "ping", 4);
	assert_true(proto_tls_memory(c.t) <= 2 * 4096);
	assert_true(proto_tls_memory(s.t) <= 2 * 4096);

	free(big);
	free(back);
	free(wire);
	unpair(&c, &s);
	proto_tls_ctx_free(cctx);
	proto_tls_ctx_free(sctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_drained_small),
	};

	return cmocka_run_group_tests(tests, keys, free_keys);
}
