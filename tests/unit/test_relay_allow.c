/*
 * test_relay_allow.c: the parser of ferryd --allow-keys (relay_allow.h):
 * the line `ferry id` prints is taken as it is, comments and blank lines
 * are skipped, and every other line is refused with its number, as are
 * too long lines, too many keys, a key twice and files that cannot be read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "keyfile.h"
#include "relay_allow.h"

/* A key of 32 bytes all v, and its line as `ferry id` prints it. */
static void
keyline(uint8_t v, uint8_t raw[32], char *line, size_t len)
{
	struct proto_key_names	n;

	memset(raw, v, 32);
	assert_int_equal(proto_key_names_raw(raw, &n), 0);
	snprintf(line, len, "%s", n.keyline);
}

static int
parse(const char *text, struct relay_allow **a, char *err, size_t errlen)
{
	return relay_allow_parse(text, strlen(text), a, err, errlen);
}

static void
test_allow_accepts(void **state)
{
	struct relay_allow	*a;
	uint8_t			 k1[32], k2[32], k3[32], other[32];
	char			 l1[128], l2[128], l3[128], text[1024], err[256];

	(void)state;
	keyline(1, k1, l1, sizeof l1);
	keyline(2, k2, l2, sizeof l2);
	keyline(3, k3, l3, sizeof l3);
	memset(other, 4, sizeof other);
	snprintf(text, sizeof text,
	    "# the team\n"
	    "\n"
	    "%s ann@host\n"			/* as `ferry id` prints it */
	    "   \t\n"
	    "  # indented comment\n"
	    "\t%s\tbob with spaces in the comment \r\n"	/* CRLF, tabs */
	    "%s",					/* last line, no newline */
	    l1, l2, l3);
	assert_int_equal(parse(text, &a, err, sizeof err), 0);
	assert_int_equal(a->n, 3);
	assert_true(relay_allow_has(a, k1));
	assert_true(relay_allow_has(a, k2));
	assert_true(relay_allow_has(a, k3));
	assert_false(relay_allow_has(a, other));
	relay_allow_free(a);

	/* An empty list is a list: it admits no one. */
	assert_int_equal(parse("# nobody yet\n", &a, err, sizeof err), 0);
	assert_int_equal(a->n, 0);
	assert_false(relay_allow_has(a, k1));
	relay_allow_free(a);
	assert_false(relay_allow_has(NULL, k1));
}

/* text must be refused with exactly want. */
static void
refused(const char *text, size_t len, const char *want)
{
	struct relay_allow	*a = (struct relay_allow *)1;
	char			 err[256];

	assert_int_equal(relay_allow_parse(text, len, &a, err, sizeof err), -1);
	assert_null(a);
	if (strcmp(err, want) != 0)
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

#define REFUSED(text, want)	refused(text, strlen(text), want)

static void
test_allow_refuses(void **state)
{
	uint8_t		 k1[32];
	char		 l1[128], text[4096], b64[128];
	const char	*bad_key = "has a key that is not 44 characters of "
	    "base64 (a raw Ed25519 key)";
	char		 want[256];

	(void)state;
	keyline(1, k1, l1, sizeof l1);
	snprintf(b64, sizeof b64, "%s", l1 + strlen("ferry-ed25519 "));

	snprintf(text, sizeof text, "%s\nssh-ed25519 %s x\n", l1, b64);
	REFUSED(text, "line 2: does not begin with \"ferry-ed25519\" (a line "
	    "of `ferry id`)");
	REFUSED("ferry-ed25519x AAAA\n", "line 1: does not begin with "
	    "\"ferry-ed25519\" (a line of `ferry id`)");
	REFUSED("\n\nferry-ed25519\n", "line 3: has no key after "
	    "\"ferry-ed25519\"");
	REFUSED("ferry-ed25519    \n", "line 1: has no key after "
	    "\"ferry-ed25519\"");
	snprintf(want, sizeof want, "line 1: %s", bad_key);
	/* One character short, one too many, not base64, a 33-byte key. */
	snprintf(text, sizeof text, "ferry-ed25519 %.43s\n", b64);
	REFUSED(text, want);
	snprintf(text, sizeof text, "ferry-ed25519 %sA\n", b64);
	REFUSED(text, want);
	snprintf(text, sizeof text, "ferry-ed25519 %.42s!=\n", b64);
	REFUSED(text, want);
	REFUSED("ferry-ed25519 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n",
	    want);
	/* The last digit with bits the key does not have: not its spelling. */
	snprintf(text, sizeof text, "ferry-ed25519 %.42sF=\n", b64);
	if (strcmp(text + 14, b64) != 0)
		REFUSED(text, want);
	snprintf(text, sizeof text, "# ok\n%s\nferry-ed25519 %s bell\a\n", l1,
	    b64);
	REFUSED(text, "line 3: contains a control character");
	snprintf(text, sizeof text, "%s\n", l1);
	text[3] = '\0';
	refused(text, strlen(l1) + 1, "line 1: contains a NUL byte");
	snprintf(text, sizeof text, "%s a\n# x\n%s b\n", l1, l1);
	REFUSED(text, "line 3: the same key as line 1");
}

static void
test_allow_bounds(void **state)
{
	struct relay_allow	*a;
	char			*text, err[256], line[128];
	uint8_t			 raw[32];
	size_t			 len = 0, i, cap;

	(void)state;
	/* A line of RELAY_ALLOW_LINE_MAX bytes is fine, one more is not. */
	cap = 2 * RELAY_ALLOW_LINE_MAX + 16;
	assert_non_null(text = malloc(cap));
	memset(text, '#', RELAY_ALLOW_LINE_MAX);
	text[RELAY_ALLOW_LINE_MAX] = '\n';
	assert_int_equal(relay_allow_parse(text, RELAY_ALLOW_LINE_MAX + 1, &a,
	    err, sizeof err), 0);
	relay_allow_free(a);
	text[0] = '\n';
	memset(text + 1, '#', RELAY_ALLOW_LINE_MAX + 1);
	refused(text, RELAY_ALLOW_LINE_MAX + 2, "line 2: longer than 1024 bytes");
	free(text);

	/* RELAY_ALLOW_KEYS_MAX keys are taken, one more is refused. */
	cap = (size_t)(RELAY_ALLOW_KEYS_MAX + 1) * 60;
	assert_non_null(text = malloc(cap));
	for (i = 0; i <= RELAY_ALLOW_KEYS_MAX; i++) {
		memset(raw, 0, sizeof raw);
		memcpy(raw, &i, sizeof i);
		{
			struct proto_key_names	n;

			assert_int_equal(proto_key_names_raw(raw, &n), 0);
			snprintf(line, sizeof line, "%s\n", n.keyline);
		}
		if (i < RELAY_ALLOW_KEYS_MAX) {
			memcpy(text + len, line, strlen(line));
			len += strlen(line);
		}
	}
	assert_int_equal(relay_allow_parse(text, len, &a, err, sizeof err), 0);
	assert_int_equal(a->n, RELAY_ALLOW_KEYS_MAX);
	assert_true(relay_allow_has(a, raw) == 0);	/* the one left out */
	relay_allow_free(a);
	memcpy(text + len, line, strlen(line));
	len += strlen(line);
	refused(text, len, "line 100001: more than 100000 keys");
	free(text);
}

static void
test_allow_load(void **state)
{
	struct relay_allow	*a;
	uint8_t			 k1[32];
	char			 l1[128], path[] = "/tmp/ferry-allow.XXXXXX";
	char			 err[512], want[512];
	FILE			*f;
	int			 fd;

	(void)state;
	keyline(7, k1, l1, sizeof l1);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "%s me\nbad\n", l1);
	fclose(f);
	assert_int_equal(relay_allow_load(path, &a, err, sizeof err), -1);
	assert_null(a);
	snprintf(want, sizeof want, "%s: line 2: does not begin with "
	    "\"ferry-ed25519\" (a line of `ferry id`)", path);
	assert_string_equal(err, want);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s me\n", l1);
	fclose(f);
	assert_int_equal(relay_allow_load(path, &a, err, sizeof err), 0);
	assert_true(relay_allow_has(a, k1));
	relay_allow_free(a);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(relay_allow_load(path, &a, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot open %s: No such file or "
	    "directory", path);
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_accepts),
		cmocka_unit_test(test_allow_refuses),
		cmocka_unit_test(test_allow_bounds),
		cmocka_unit_test(test_allow_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
