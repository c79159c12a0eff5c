/*
 * test_digest.c: SHA-256 through EVP against known vectors (FIPS 180-2 and
 * the empty string), and that feeding in pieces of any size gives the same
 * digest as one call, which is what streaming relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "digest.h"

static void
test_vectors(void **state)
{
	static const struct {
		const char	*in;
		const char	*hex;
	} rows[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char	hex[DIGEST_HEX_LEN + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(client_digest_buffer(rows[i].in, strlen(rows[i].in), hex), 0);
		assert_string_equal(hex, rows[i].hex);
	}
}

static void
test_million_a(void **state)
{
	struct client_digest	d;
	char		hex[DIGEST_HEX_LEN + 1], block[1000];
	int		i;

	(void)state;
	memset(block, 'a', sizeof block);
	assert_int_equal(client_digest_init(&d), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(client_digest_update(&d, block, sizeof block), 0);
	assert_int_equal(client_digest_final(&d, hex), 0);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	assert_null(d.ctx);
}

static void
test_split_feeds(void **state)
{
	static const size_t	 steps[] = { 1, 7, 63, 64, 65, 4096, 100000 };
	struct client_digest		 d;
	unsigned char		*buf;
	char			 whole[DIGEST_HEX_LEN + 1], part[DIGEST_HEX_LEN + 1];
	size_t			 len = 300001, i, off, n;

	(void)state;
	buf = malloc(len);
	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 131 + (i >> 8));
	assert_int_equal(client_digest_buffer(buf, len, whole), 0);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		assert_int_equal(client_digest_init(&d), 0);
		for (off = 0; off < len; off += n) {
			n = len - off < steps[i] ? len - off : steps[i];
			assert_int_equal(client_digest_update(&d, buf + off, n), 0);
		}
		assert_int_equal(client_digest_final(&d, part), 0);
		assert_string_equal(part, whole);
	}
	free(buf);
}

static void
test_misuse(void **state)
{
	struct client_digest	d = { NULL };
	char		hex[DIGEST_HEX_LEN + 1];
	uint8_t		md[3] = { 0x00, 0xab, 0xff };

	(void)state;
	assert_int_not_equal(client_digest_update(&d, "x", 1), 0);
	assert_int_not_equal(client_digest_final(&d, hex), 0);
	client_digest_free(&d);		/* safe on a digest never started */
	assert_int_equal(client_digest_init(&d), 0);
	client_digest_free(&d);		/* and on one abandoned half way */
	assert_null(d.ctx);
	client_digest_hex(md, sizeof md, hex);
	assert_string_equal(hex, "00abff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_split_feeds),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
