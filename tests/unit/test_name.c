/*
 * test_name.c: strict UTF-8, control characters, and the receiver's file
 * and peer name rules (PROTOCOL.md section 6), as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"
#include "text.h"
#include "proto.h"

/* A byte string with its length, so rows may hold NUL bytes. */
#define B(s)	s, sizeof(s) - 1

static void
test_utf8(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		bool		 valid;
		const char	*what;
	} rows[] = {
		{ B(""), true, "empty" },
		{ B("plain ascii"), true, "ASCII" },
		{ B("r\xc3\xa9sum\xc3\xa9"), true, "two-byte" },
		{ B("\xe2\x82\xac"), true, "euro sign, three-byte" },
		{ B("\xf0\x9f\x93\x84"), true, "U+1F4C4, four-byte" },
		{ B("\xc2\x80"), true, "U+0080, smallest two-byte" },
		{ B("\xdf\xbf"), true, "U+07FF" },
		{ B("\xe0\xa0\x80"), true, "U+0800, smallest three-byte" },
		{ B("\xed\x9f\xbf"), true, "U+D7FF, just below the surrogates" },
		{ B("\xee\x80\x80"), true, "U+E000, just above the surrogates" },
		{ B("\xef\xbf\xbf"), true, "U+FFFF" },
		{ B("\xf0\x90\x80\x80"), true, "U+10000, smallest four-byte" },
		{ B("\xf4\x8f\xbf\xbf"), true, "U+10FFFF, the largest" },
		{ B("\x01\x1f\x7f"), true, "controls are valid UTF-8" },
		{ B("a\0b"), false, "NUL" },
		{ B("\0"), false, "NUL alone" },
		{ B("\xc0\x80"), false, "overlong NUL" },
		{ B("\xc0\xaf"), false, "overlong slash" },
		{ B("\xc1\xbf"), false, "overlong two-byte" },
		{ B("\xe0\x80\xaf"), false, "overlong slash, three-byte" },
		{ B("\xe0\x9f\xbf"), false, "overlong U+07FF" },
		{ B("\xf0\x80\x80\xaf"), false, "overlong slash, four-byte" },
		{ B("\xf0\x8f\xbf\xbf"), false, "overlong U+FFFF" },
		{ B("\xed\xa0\x80"), false, "surrogate U+D800" },
		{ B("\xed\xbf\xbf"), false, "surrogate U+DFFF" },
		{ B("\xed\xa0\xbd\xed\xb2\xa9"), false, "CESU-8 surrogate pair" },
		{ B("\xf4\x90\x80\x80"), false, "U+110000" },
		{ B("\xf5\x80\x80\x80"), false, "F5 lead" },
		{ B("\xf8\x88\x80\x80\x80"), false, "five-byte form" },
		{ B("\xfe"), false, "FE" },
		{ B("\xff"), false, "FF" },
		{ B("\x80"), false, "lone continuation" },
		{ B("a\xbf"), false, "continuation after ASCII" },
		{ B("\xc3"), false, "truncated two-byte" },
		{ B("\xe2\x82"), false, "truncated three-byte" },
		{ B("\xf0\x9f\x93"), false, "truncated four-byte" },
		{ B("\xc3\x28"), false, "bad continuation" },
		{ B("\xe2\x28\xa1"), false, "bad second byte" },
		{ B("\xe2\x82\x28"), false, "bad third byte" },
		{ B("\xf0\x9f\x93\x28"), false, "bad fourth byte" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (proto_utf8_valid(rows[i].s, rows[i].len) != rows[i].valid)
			fail_msg("row %zu (%s): want %s", i, rows[i].what,
			    rows[i].valid ? "valid" : "invalid");
	}
	/* The length bounds the check: a cut multibyte sequence is invalid. */
	assert_true(proto_utf8_valid("\xc3\xa9", 2));
	assert_false(proto_utf8_valid("\xc3\xa9", 1));
	assert_true(proto_utf8_valid("ab\xff", 2));
}

static void
test_has_control(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		bool		 control;
	} rows[] = {
		{ B(""), false },
		{ B("hello world ~"), false },
		{ B("r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84"), false },
		{ B("\xc2\xa0"), false },		/* U+00A0, after C1 */
		{ B("\xc3\x80"), false },		/* U+00C0: not C2 8x */
		{ B("\xe2\x80\x8b"), false },		/* U+200B: has an 80 byte */
		{ B("\0"), true },
		{ B("a\x01"), true },
		{ B("\t"), true },
		{ B("\n"), true },
		{ B("\x1b[31m"), true },
		{ B("\x1f"), true },
		{ B("\x7f"), true },
		{ B("\xc2\x80"), true },		/* U+0080 */
		{ B("x\xc2\x85y"), true },		/* U+0085 NEL */
		{ B("\xc2\x9b"), true },		/* U+009B CSI */
		{ B("\xc2\x9f"), true },		/* U+009F */
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (proto_has_control(rows[i].s, rows[i].len) !=
		    rows[i].control)
			fail_msg("row %zu: want %s", i,
			    rows[i].control ? "control" : "no control");
	}
}

/* "x" repeated n times, NUL-terminated. */
static const char *
rep(char *buf, size_t n)
{
	memset(buf, 'x', n);
	buf[n] = '\0';
	return buf;
}

/* A name and what its check must say (NULL: fine). */
struct name_row {
	const char	*name;
	const char	*problem;
};

/* Runs check over the rows; a failure names the row. */
static void
name_rows(const char *(*check)(const char *), const struct name_row *rows,
    size_t n)
{
	const char	*got;
	size_t		 i;

	for (i = 0; i < n; i++) {
		got = check(rows[i].name);
		if (rows[i].problem == NULL && got != NULL)
			fail_msg("row %zu: \"%s\" refused: %s", i,
			    rows[i].name, got);
		if (rows[i].problem != NULL &&
		    (got == NULL || strcmp(got, rows[i].problem) != 0))
			fail_msg("row %zu: got %s, want %s", i,
			    got != NULL ? got : "(fine)", rows[i].problem);
	}
}

static void
test_file_name(void **state)
{
	static const struct name_row rows[] = {
		{ "report.pdf", NULL },
		{ ".hidden", NULL },
		{ "...", NULL },
		{ "..x", NULL },
		{ "x..", NULL },
		{ "a b", NULL },
		{ "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84.txt", NULL },
		{ "-rf", NULL },
		{ "~", NULL },
		{ "\xe2\x80\xae" "fdp.exe", NULL },	/* U+202E is not a control */
		{ "", "is empty" },
		{ ".", "is \".\"" },
		{ "..", "is \"..\"" },
		{ "../x", "contains a slash" },
		{ "/etc/passwd", "contains a slash" },
		{ "a/b", "contains a slash" },
		{ "a/", "contains a slash" },
		{ "/", "contains a slash" },
		{ "a\\b", "contains a backslash" },
		{ "..\\x", "contains a backslash" },
		{ "C:\\x", "contains a backslash" },
		{ "a\tb", "contains a control character" },
		{ "a\nb", "contains a control character" },
		{ "\x1b[2J", "contains a control character" },
		{ "a\x7f", "contains a control character" },
		{ "a\xc2\x85", "contains a control character" },
		{ "\xc0\xae\xc0\xae", "is not valid UTF-8" },	/* overlong ".." */
		{ "\xc0\xaf" "etc", "is not valid UTF-8" },	/* overlong "/" */
		{ "\xed\xa0\x80.txt", "is not valid UTF-8" },	/* surrogate */
		{ "\xff.txt", "is not valid UTF-8" },
		{ "a\xc3", "is not valid UTF-8" },
	};
	char	buf[PROTO_FILE_NAME_MAX + 2];
	size_t	i;

	(void)state;
	name_rows(proto_file_name_problem, rows, sizeof rows / sizeof rows[0]);
	assert_null(proto_file_name_problem(rep(buf, PROTO_SAFE_NAME_MAX)));
	assert_string_equal(proto_file_name_problem(rep(buf,
	    PROTO_SAFE_NAME_MAX + 1)), "is longer than 255 bytes");
	assert_string_equal(proto_file_name_problem(rep(buf,
	    PROTO_FILE_NAME_MAX)), "is longer than 255 bytes");
	/* 255 bytes of two-byte characters plus one byte: judged in bytes. */
	for (i = 0; i < 127; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	buf[254] = 'x';
	buf[255] = '\0';
	assert_null(proto_file_name_problem(buf));
	buf[255] = 'x';
	buf[256] = '\0';
	assert_non_null(proto_file_name_problem(buf));
	assert_string_equal(proto_file_name_problem(NULL), "is empty");
}

static void
test_peer_name(void **state)
{
	static const struct name_row rows[] = {
		{ "alice", NULL },
		{ "bob@laptop", NULL },
		{ "J\xc3\xbcrgen", NULL },
		{ "a/b", NULL },			/* a peer name is not a path */
		{ "..", NULL },
		{ "", "is empty" },
		{ "a\nb", "contains a control character" },
		{ "\x1b]0;pwned\x07", "contains a control character" },
		{ "x\xc2\x9b", "contains a control character" },
		{ "\xc0\xaf", "is not valid UTF-8" },
		{ "\xed\xbf\xbf", "is not valid UTF-8" },
	};
	char	buf[PROTO_PEER_NAME_MAX + 2];

	(void)state;
	name_rows(proto_peer_name_problem, rows, sizeof rows / sizeof rows[0]);
	assert_null(proto_peer_name_problem(rep(buf, PROTO_PEER_NAME_MAX)));
	assert_string_equal(proto_peer_name_problem(rep(buf,
	    PROTO_PEER_NAME_MAX + 1)), "is longer than 64 bytes");
	assert_string_equal(proto_peer_name_problem(NULL), "is empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_has_control),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_peer_name),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
