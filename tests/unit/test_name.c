/*
 * test_name.c: strict UTF-8, control characters, and the receiver's file
 * and peer name rules (PROTOCOL.md section 6), as tables: paths, characters
 * that hide or reorder text, white space at the ends, peer names that read
 * as an address or a number, the safe form of a name and the list of every
 * bad name of an offer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The checks with a buffer of their own, for tables (one at a time). */
static char	why_buf[PROTO_NAME_WHY_MAX];

static const char *
file_why(const char *name)
{
	return proto_file_name_problem(name, why_buf, sizeof why_buf);
}

static const char *
peer_why(const char *name)
{
	return proto_peer_name_problem(name, why_buf, sizeof why_buf);
}

/* cp as UTF-8 at out (5 bytes will do), NUL-terminated; returns out. */
static char *
utf8_put(uint32_t cp, char *out)
{
	unsigned char	*o = (unsigned char *)out;

	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = '\0';
	return out;
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
		{ "bob:80", NULL },			/* only peer names are not addresses */
		{ "2024", NULL },			/* nor numbers */
		{ "invoice\xe2\x80\xae" "fdp.exe", "contains U+202E "
		    "RIGHT-TO-LEFT OVERRIDE at byte 7 (character 8)" },
		{ "\xe2\x80\xae" "fdp.exe", "contains U+202E RIGHT-TO-LEFT "
		    "OVERRIDE at byte 0 (character 1)" },
		{ "\xef\xbb\xbf" "a.txt", "contains U+FEFF ZERO WIDTH NO-BREAK "
		    "SPACE (BYTE ORDER MARK) at byte 0 (character 1)" },
		{ "notes.txt ", "ends with a space" },
		{ " notes.txt", "starts with a space" },
		{ "notes.txt\xc2\xa0", "ends with U+00A0 NO-BREAK SPACE" },
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
	name_rows(file_why, rows, sizeof rows / sizeof rows[0]);
	assert_null(file_why(rep(buf, PROTO_SAFE_NAME_MAX)));
	assert_string_equal(file_why(rep(buf, PROTO_SAFE_NAME_MAX + 1)),
	    "is longer than 255 bytes");
	assert_string_equal(file_why(rep(buf, PROTO_FILE_NAME_MAX)),
	    "is longer than 255 bytes");
	/* 255 bytes of two-byte characters plus one byte: judged in bytes. */
	for (i = 0; i < 127; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	buf[254] = 'x';
	buf[255] = '\0';
	assert_null(file_why(buf));
	buf[255] = 'x';
	buf[256] = '\0';
	assert_non_null(file_why(buf));
	assert_string_equal(file_why(NULL), "is empty");
	/* The reason is cut to the caller's buffer, never overrun. */
	assert_non_null(proto_file_name_problem("a\xe2\x80\xae", buf, 9));
	assert_string_equal(buf, "contains");
}

/*
 * Every character that hides or reorders text, at the start, inside and at
 * the end of a file name and a peer name: refused, named, with its place.
 */
static void
test_hidden_each(void **state)
{
	static const struct {
		uint32_t	 lo, hi;
		const char	*name;		/* NULL: only checked to be named */
	} runs[] = {
		/* bidi controls */
		{ 0x061c, 0x061c, "ARABIC LETTER MARK" },
		{ 0x200e, 0x200e, "LEFT-TO-RIGHT MARK" },
		{ 0x200f, 0x200f, "RIGHT-TO-LEFT MARK" },
		{ 0x202a, 0x202a, "LEFT-TO-RIGHT EMBEDDING" },
		{ 0x202b, 0x202b, "RIGHT-TO-LEFT EMBEDDING" },
		{ 0x202c, 0x202c, "POP DIRECTIONAL FORMATTING" },
		{ 0x202d, 0x202d, "LEFT-TO-RIGHT OVERRIDE" },
		{ 0x202e, 0x202e, "RIGHT-TO-LEFT OVERRIDE" },
		{ 0x2066, 0x2066, "LEFT-TO-RIGHT ISOLATE" },
		{ 0x2067, 0x2067, "RIGHT-TO-LEFT ISOLATE" },
		{ 0x2068, 0x2068, "FIRST STRONG ISOLATE" },
		{ 0x2069, 0x2069, "POP DIRECTIONAL ISOLATE" },
		/* zero-width and other invisible format characters (Cf) */
		{ 0x00ad, 0x00ad, "SOFT HYPHEN" },
		{ 0x180e, 0x180e, "MONGOLIAN VOWEL SEPARATOR" },
		{ 0x200b, 0x200b, "ZERO WIDTH SPACE" },
		{ 0x200c, 0x200c, "ZERO WIDTH NON-JOINER" },
		{ 0x200d, 0x200d, "ZERO WIDTH JOINER" },
		{ 0x2060, 0x2060, "WORD JOINER" },
		{ 0x2061, 0x2061, "FUNCTION APPLICATION" },
		{ 0x2062, 0x2062, "INVISIBLE TIMES" },
		{ 0x2063, 0x2063, "INVISIBLE SEPARATOR" },
		{ 0x2064, 0x2064, "INVISIBLE PLUS" },
		{ 0xfeff, 0xfeff, "ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)" },
		{ 0xfff9, 0xfff9, "INTERLINEAR ANNOTATION ANCHOR" },
		{ 0xfffa, 0xfffa, "INTERLINEAR ANNOTATION SEPARATOR" },
		{ 0xfffb, 0xfffb, "INTERLINEAR ANNOTATION TERMINATOR" },
		{ 0xe0001, 0xe0001, "LANGUAGE TAG" },
		{ 0xe0020, 0xe007f, "(a TAG character)" },
		{ 0x0600, 0x0605, NULL },
		{ 0x06dd, 0x06dd, NULL },
		{ 0x070f, 0x070f, NULL },
		{ 0x08e2, 0x08e2, NULL },
		{ 0x206a, 0x206f, NULL },
		{ 0x110bd, 0x110bd, NULL },
		{ 0x13430, 0x1343f, NULL },
		{ 0x1bca0, 0x1bca3, NULL },
		{ 0x1d173, 0x1d17a, NULL },
		/* Hangul fillers, the grapheme joiner, line breaks */
		{ 0x115f, 0x115f, "HANGUL CHOSEONG FILLER" },
		{ 0x1160, 0x1160, "HANGUL JUNGSEONG FILLER" },
		{ 0x3164, 0x3164, "HANGUL FILLER" },
		{ 0xffa0, 0xffa0, "HALFWIDTH HANGUL FILLER" },
		{ 0x034f, 0x034f, "COMBINING GRAPHEME JOINER" },
		{ 0x2028, 0x2028, "LINE SEPARATOR" },
		{ 0x2029, 0x2029, "PARAGRAPH SEPARATOR" },
	};
	char		 c[8], name[64], want[160];
	const char	*got, *what;
	size_t		 i, k, checked = 0;
	uint32_t	 cp;

	(void)state;
	for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		for (cp = runs[i].lo; cp <= runs[i].hi; cp++) {
			utf8_put(cp, c);
			if (proto_char_hidden(cp) == NULL)
				fail_msg("U+%04X is not named", (unsigned)cp);
			/* Inside, after a two-byte character: byte 3, character 3. */
			snprintf(name, sizeof name, "b\xc3\xb6%sb", c);
			for (k = 0; k < 2; k++) {
				got = k == 0 ? file_why(name) : peer_why(name);
				if (got == NULL)
					fail_msg("U+%04X accepted (%s)",
					    (unsigned)cp, k ? "peer" : "file");
				what = runs[i].name != NULL ? runs[i].name :
				    proto_char_hidden(cp);
				snprintf(want, sizeof want, what[0] == '(' ||
				    (what[0] >= 'A' && what[0] <= 'Z') ?
				    "contains U+%04X %s at byte 3 (character 3)" :
				    "contains U+%04X (%s) at byte 3 (character 3)",
				    (unsigned)cp, what);
				if (strcmp(got, want) != 0)
					fail_msg("U+%04X: got %s, want %s",
					    (unsigned)cp, got, want);
			}
			snprintf(name, sizeof name, "%sbob", c);
			if (strstr(peer_why(name), "at byte 0 (character 1)") == NULL)
				fail_msg("U+%04X first: %s", (unsigned)cp, why_buf);
			snprintf(name, sizeof name, "bob%s", c);
			if (strstr(file_why(name), "at byte 3 (character 4)") == NULL)
				fail_msg("U+%04X last: %s", (unsigned)cp, why_buf);
			checked++;
		}
	}
	assert_int_equal(checked, 12 + 15 + 96 + 6 + 3 + 6 + 1 + 16 + 4 +
	    8 + 7);
	/* The first one wins, and characters count from 1, bytes from 0. */
	assert_string_equal(file_why("\xf0\x9f\x9a\xa2\xe2\x80\x8b\xe2\x80\xae"),
	    "contains U+200B ZERO WIDTH SPACE at byte 4 (character 2)");
}

/* White space at either end is refused; inside a name it is fine. */
static void
test_white_ends(void **state)
{
	static const struct {
		uint32_t	 cp;
		const char	*name;
	} ws[] = {
		{ 0x00a0, "NO-BREAK SPACE" },
		{ 0x1680, "OGHAM SPACE MARK" },
		{ 0x2000, "EN QUAD" },
		{ 0x2001, "EM QUAD" },
		{ 0x2002, "EN SPACE" },
		{ 0x2003, "EM SPACE" },
		{ 0x2004, "THREE-PER-EM SPACE" },
		{ 0x2005, "FOUR-PER-EM SPACE" },
		{ 0x2006, "SIX-PER-EM SPACE" },
		{ 0x2007, "FIGURE SPACE" },
		{ 0x2008, "PUNCTUATION SPACE" },
		{ 0x2009, "THIN SPACE" },
		{ 0x200a, "HAIR SPACE" },
		{ 0x202f, "NARROW NO-BREAK SPACE" },
		{ 0x205f, "MEDIUM MATHEMATICAL SPACE" },
		{ 0x2800, "BRAILLE PATTERN BLANK" },
		{ 0x3000, "IDEOGRAPHIC SPACE" },
	};
	static const struct name_row rows[] = {
		{ "bob ", "ends with a space" },
		{ " bob", "starts with a space" },
		{ "  bob  ", "starts with a space" },
		{ " ", "starts with a space" },
		{ "bob  ", "ends with a space" },
		{ "a b", NULL },
		{ "a  b", NULL },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe3\x80\x80\xe8\xaa\x9e", NULL },	/* 日本　語 */
	};
	char		 c[8], name[64], want[128];
	size_t		 i, k;

	(void)state;
	name_rows(file_why, rows, sizeof rows / sizeof rows[0]);
	name_rows(peer_why, rows, sizeof rows / sizeof rows[0]);
	for (i = 0; i < sizeof ws / sizeof ws[0]; i++) {
		utf8_put(ws[i].cp, c);
		for (k = 0; k < 2; k++) {	/* first in a peer name, last in a file name */
			snprintf(name, sizeof name, k ? "bob.txt%s" : "%sbob", c);
			snprintf(want, sizeof want, "%s with U+%04X %s",
			    k ? "ends" : "starts", (unsigned)ws[i].cp,
			    ws[i].name);
			if ((k ? file_why(name) : peer_why(name)) == NULL ||
			    strcmp(why_buf, want) != 0)
				fail_msg("U+%04X: got %s, want %s",
				    (unsigned)ws[i].cp, why_buf, want);
		}
		snprintf(name, sizeof name, "bob%ssmith", c);
		if (peer_why(name) != NULL || file_why(name) != NULL)
			fail_msg("U+%04X inside refused: %s",
			    (unsigned)ws[i].cp, why_buf);
	}
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
		/* What proto_hostport_parse takes is an address, not a name. */
		{ "bob:80", "has the form HOST:PORT of an address" },
		{ "127.0.0.1:50312", "has the form HOST:PORT of an address" },
		{ "relay.example:7117", "has the form HOST:PORT of an address" },
		{ ":7117", "has the form HOST:PORT of an address" },
		{ "[::1]:7117", "has the form HOST:PORT of an address" },
		{ "[fe80::1%eth0]:0", "has the form HOST:PORT of an address" },
		{ "x:65535", "has the form HOST:PORT of an address" },
		{ "x:0", "has the form HOST:PORT of an address" },
		/* ... and what it refuses is a name. */
		{ "bob:", NULL },
		{ "bob:http", NULL },
		{ "x:65536", NULL },
		{ "x:123456", NULL },
		{ "a:b:1", NULL },
		{ "::1", NULL },
		{ "[::1]", NULL },
		{ "x: 80", NULL },
		{ "x:+80", NULL },
		/* A number reads as an id or a fingerprint's beginning. */
		{ "7", "is a number" },
		{ "0", "is a number" },
		{ "007", "is a number" },
		{ "7117", "is a number" },
		{ "99999", "is a number" },
		{ "12345678901234567890", "is a number" },
		{ "7a", NULL },
		{ "1.5", NULL },
		{ "-1", NULL },
		{ "1 2", NULL },
		{ "\xef\xbc\x91\xef\xbc\x92", NULL },	/* fullwidth 12: not ASCII digits */
		/* Other scripts, emoji and combining marks are names. */
		{ "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9", NULL },	/* Дмитрий */
		{ "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99", NULL },			/* 李小龙 */
		{ "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf", NULL },				/* محمد */
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", NULL },				/* שלום */
		{ "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87", NULL },	/* नमस्ते */
		{ "\xe1\x83\x92\xe1\x83\x98\xe1\x83\x9d", NULL },			/* Georgian */
		{ "\xf0\x9f\x9a\xa2 ferry", NULL },					/* 🚢 ferry */
		{ "\xe2\x9d\xa4\xef\xb8\x8f", NULL },					/* ❤️ (VS16) */
		{ "cafe\xcc\x81", NULL },						/* e + U+0301 */
		{ "Z\xcc\xa4\xcd\x94\xcc\x88", NULL },					/* stacked marks */
		{ "\xea\xb0\x80\xeb\x82\x98", NULL },					/* 가나 */
	};
	char	buf[PROTO_PEER_NAME_MAX + 2];

	(void)state;
	name_rows(peer_why, rows, sizeof rows / sizeof rows[0]);
	assert_null(peer_why(rep(buf, PROTO_PEER_NAME_MAX)));
	assert_string_equal(peer_why(rep(buf, PROTO_PEER_NAME_MAX + 1)),
	    "is longer than 64 bytes");
	assert_string_equal(peer_why(NULL), "is empty");
	/* The good names of other scripts are good file names too. */
	assert_null(file_why("\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9.txt"));
	assert_null(file_why("cafe\xcc\x81 \xf0\x9f\x9a\xa2.jpg"));
}

/* Six peers that a screen would all draw as "bob": each is refused. */
static void
test_six_bobs(void **state)
{
	static const char *const bobs[] = {
		"bob\xe2\x80\xae",		/* U+202E */
		"bob\xe2\x80\x8b",		/* U+200B */
		"\xef\xbb\xbf" "bob",		/* U+FEFF */
		"bob ",
		"bob\xc2\xa0",			/* U+00A0 */
		"b\xe2\x80\x8d" "ob",		/* U+200D */
		"bo\xcd\x8f" "b",		/* U+034F */
		"bob\xe3\x85\xa4",		/* U+3164 */
	};
	size_t	i;

	(void)state;
	assert_null(peer_why("bob"));
	for (i = 0; i < sizeof bobs / sizeof bobs[0]; i++)
		if (peer_why(bobs[i]) == NULL)
			fail_msg("look-alike bob %zu accepted", i);
}

static void
test_char_hidden_not(void **state)
{
	static const uint32_t ok[] = {
		'a', ' ', 0x00a0, 0x00e9, 0x0301, 0x05d0, 0x0627, 0x0915,
		0x094d, 0x1f6a2, 0xfe0f, 0x3000, 0x200a, 0x2010, 0x2027,
		0x202f, 0x2065, 0xfffd, 0xe0000, 0xe0080, 0xe0100, 0x10ffff,
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (proto_char_hidden(ok[i]) != NULL)
			fail_msg("U+%04X named hidden", (unsigned)ok[i]);
}

static void
test_show(void **state)
{
	char	out[128], longname[300];

	(void)state;
	proto_name_show("invoice\xe2\x80\xae" "fdp.exe", 80, out, sizeof out);
	assert_string_equal(out, "invoice?fdp.exe");
	proto_name_show("a\x1b[2Jb\xff" "c\xf3\xa0\x80\x81", 80, out, sizeof out);
	assert_string_equal(out, "a?[2Jb?c?");
	proto_name_show("bob ", 80, out, sizeof out);
	assert_string_equal(out, "bob ");
	proto_name_show("r\xc3\xa9sum\xc3\xa9", 80, out, sizeof out);
	assert_string_equal(out, "r\xc3\xa9sum\xc3\xa9");
	proto_name_show(rep(longname, 299), 60, out, sizeof out);
	assert_int_equal(strlen(out), 63);
	assert_string_equal(out + 60, "...");
	proto_name_show(rep(longname, 299), 80, out, 20);
	assert_true(strlen(out) < 20);
	proto_name_show("abc", 80, out, 4);
	assert_string_equal(out, "");
}

static void
test_list(void **state)
{
	struct proto_name_list	 l;
	char			 out[200], why[PROTO_NAME_WHY_MAX], name[32];
	size_t			 i;

	(void)state;
	proto_name_list_init(&l, out, sizeof out);
	assert_string_equal(proto_name_list_end(&l), "");
	proto_name_list_init(&l, out, sizeof out);
	proto_name_list_add(&l, "invoice\xe2\x80\xae" "fdp.exe",
	    proto_file_name_problem("invoice\xe2\x80\xae" "fdp.exe", why,
	    sizeof why));
	proto_name_list_add(&l, "notes ", proto_file_name_problem("notes ",
	    why, sizeof why));
	assert_string_equal(proto_name_list_end(&l), "\"invoice?fdp.exe\" "
	    "contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 7 (character 8); "
	    "\"notes \" ends with a space");
	assert_int_equal(l.bad, 2);
	assert_int_equal(l.shown, 2);
	/* 1000 bad names in 200 bytes: the first ones, in order, and how many more. */
	proto_name_list_init(&l, out, sizeof out);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "file%zu ", i);
		proto_name_list_add(&l, name, "ends with a space");
	}
	proto_name_list_end(&l);
	assert_int_equal(l.bad, 1000);
	assert_true(l.shown >= 4 && l.shown < 1000);
	assert_true(strlen(out) < sizeof out);
	assert_non_null(strstr(out, "\"file0 \" ends with a space; \"file1 \""));
	snprintf(name, sizeof name, "; and %zu more", 1000 - l.shown);
	assert_int_equal(strcmp(out + strlen(out) - strlen(name), name), 0);
	/* A buffer too small for any name still says how many. */
	proto_name_list_init(&l, out, 30);
	proto_name_list_add(&l, "a ", "ends with a space");
	proto_name_list_end(&l);
	assert_string_equal(out, "and 1 more");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_has_control),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_hidden_each),
		cmocka_unit_test(test_white_ends),
		cmocka_unit_test(test_peer_name),
		cmocka_unit_test(test_six_bobs),
		cmocka_unit_test(test_char_hidden_not),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
