/*
 * test_text.c: the shared text layer (proto/text.c) and the HOST:PORT
 * parser (proto/addr.c): decoded code points and lengths, cutting at a
 * character boundary, the size and duration forms every front end shows,
 * base32 for fingerprints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "text.h"

#define B(s)	s, sizeof(s) - 1

static void
test_decode(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len, n;
		uint32_t	 cp;
	} rows[] = {
		{ B("a"), 1, 'a' },
		{ B("\0"), 1, 0 },
		{ B("\xc3\xa9"), 2, 0xe9 },
		{ B("\xe6\x97\xa5"), 3, 0x65e5 },
		{ B("\xf0\x9f\x93\x81"), 4, 0x1f4c1 },
		{ B("\xf4\x8f\xbf\xbf"), 4, 0x10ffff },
		{ B("\xe6\x97"), 0, 0xfffd },		/* cut short */
		{ B("\xc0\xaf"), 0, 0xfffd },		/* overlong */
		{ B("\xe0\x9f\xbf"), 0, 0xfffd },	/* overlong three-byte */
		{ B("\xed\xa0\x80"), 0, 0xfffd },	/* surrogate */
		{ B("\xf4\x90\x80\x80"), 0, 0xfffd },	/* past U+10FFFF */
		{ B("\x80"), 0, 0xfffd },		/* lone continuation */
		{ B("\xff"), 0, 0xfffd },
		{ B(""), 0, 0xfffd },
	};
	uint32_t	cp;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cp = 1;
		assert_int_equal(proto_utf8_decode(rows[i].s, rows[i].len, &cp),
		    rows[i].n);
		assert_int_equal(cp, rows[i].cp);
	}
	assert_false(proto_utf8_valid(B("a\0b")));
	assert_true(proto_utf8_valid(B("\xc3\xa9t\xc3\xa9")));
}

static void
test_cut(void **state)
{
	const char	*s = "a\xc3\xa9\xe6\x97\xa5";	/* 1 + 2 + 3 bytes */

	(void)state;
	assert_int_equal(proto_utf8_cut(s, 6, 10), 6);
	assert_int_equal(proto_utf8_cut(s, 6, 6), 6);
	assert_int_equal(proto_utf8_cut(s, 6, 5), 3);
	assert_int_equal(proto_utf8_cut(s, 6, 4), 3);
	assert_int_equal(proto_utf8_cut(s, 6, 2), 1);
	assert_int_equal(proto_utf8_cut(s, 6, 1), 1);
	assert_int_equal(proto_utf8_cut(s, 6, 0), 0);
}

static void
test_size(void **state)
{
	static const struct {
		uint64_t	 n;
		const char	*s;
	} rows[] = {
		{ 0, "0 B" }, { 1, "1 B" }, { 999, "999 B" },
		{ 1000, "1.0 KiB" }, { 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 10 * 1048576ULL + 314573, "10.3 MiB" },
		{ 1023 * 1048576ULL, "1.0 GiB" }, { 5ULL << 40, "5.0 TiB" },
		{ 40ULL << 20, "40.0 MiB" }, { (3ULL << 30) / 2, "1.5 GiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char	buf[PROTO_SIZE_LEN];
	double	v;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_string_equal(proto_fmt_size(rows[i].n, buf, sizeof buf),
		    rows[i].s);
	}
	/* 1023 KiB would print as four digits: the next unit takes it. */
	assert_string_equal(proto_fmt_size(1023 * 1024, buf, sizeof buf),
	    "1.0 MiB");
	assert_string_equal(proto_size_unit(45ULL << 19, &v), "MiB");
	assert_true(v > 22.49 && v < 22.51);
}

static void
test_duration(void **state)
{
	char	buf[PROTO_DUR_LEN];

	(void)state;
	assert_string_equal(proto_fmt_duration(0, buf, sizeof buf), "0:00");
	assert_string_equal(proto_fmt_duration(5, buf, sizeof buf), "0:05");
	assert_string_equal(proto_fmt_duration(5.2, buf, sizeof buf), "0:05");
	assert_string_equal(proto_fmt_duration(185, buf, sizeof buf), "3:05");
	assert_string_equal(proto_fmt_duration(754, buf, sizeof buf), "12:34");
	assert_string_equal(proto_fmt_duration(3723, buf, sizeof buf), "1:02:03");
	assert_string_equal(proto_fmt_duration(100 * 3600, buf, sizeof buf), "4d");
	assert_string_equal(proto_fmt_duration(-1, buf, sizeof buf), "--:--");
	assert_string_equal(proto_fmt_duration(1e12, buf, sizeof buf), "--:--");
	assert_string_equal(proto_fmt_duration(0.0 / 0.0, buf, sizeof buf), "--:--");
	assert_string_equal(proto_fmt_duration(99.0 * 86400, buf, sizeof buf),
	    "--:--");
}

static void
test_hostport(void **state)
{
	struct proto_hostport	hp;
	char			err[128];

	(void)state;
	assert_int_equal(proto_hostport_parse("relay.example:7117", &hp, err,
	    sizeof err), 0);
	assert_string_equal(hp.host, "relay.example");
	assert_int_equal(hp.port, 7117);
	assert_false(hp.bracketed);
	assert_int_equal(proto_hostport_parse("[::1]:0", &hp, err, sizeof err), 0);
	assert_string_equal(hp.host, "::1");
	assert_int_equal(hp.port, 0);
	assert_true(hp.bracketed);
	assert_int_equal(proto_hostport_parse(":8080", &hp, err, sizeof err), 0);
	assert_string_equal(hp.host, "");
	assert_int_equal(hp.port, 8080);
	assert_int_equal(proto_hostport_parse("9000", &hp, err, sizeof err), 0);
	assert_string_equal(hp.host, "");
	assert_int_equal(hp.port, 9000);

	assert_int_equal(proto_hostport_parse("::1:7117", &hp, err, sizeof err), -1);
	assert_non_null(strstr(err, "brackets"));
	assert_int_equal(proto_hostport_parse("[::1]", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("[]:1", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:65536", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:123456", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:12a", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:-1", &hp, err, sizeof err), -1);
	assert_int_equal(proto_hostport_parse("h:65535", &hp, err, sizeof err), 0);
}

static void
test_base32(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} rows[] = {
		/* RFC 4648's vectors, in Crockford's alphabet. */
		{ "", 0, "" }, { "f", 1, "CR" }, { "fo", 2, "CSQG" },
		{ "foo", 3, "CSQPY" }, { "foob", 4, "CSQPYRG" },
		{ "fooba", 5, "CSQPYRK1" }, { "foobar", 6, "CSQPYRK1E8" },
		{ "\xff\xff\xff\xff\xff", 5, "ZZZZZZZZ" },
	};
	uint8_t	seq[32];
	char	out[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_string_equal(proto_fmt_base32((const uint8_t *)rows[i].in,
		    rows[i].len, out), rows[i].out);
	/* A SHA-256's worth of bytes: the 52 characters of a fingerprint. */
	for (i = 0; i < sizeof seq; i++)
		seq[i] = (uint8_t)i;
	assert_string_equal(proto_fmt_base32(seq, sizeof seq, out),
	    "000G40R40M30E209185GR38E1W8124GK2GAHC5RR34D1P70X3RFG");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_base32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
