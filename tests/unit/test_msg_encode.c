/*
 * test_msg_encode.c: what the encoder refuses (whatever the decoder would,
 * a message past 64 KiB, a receipt that could not be framed), the error
 * frame, and hello's optional room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "msg.h"
#include "msg_util.h"
#include "name.h"
#include "text.h"

/*
 * Encoding.
 */

static void
test_encode_refuses(void **state)
{
	struct proto_msg	 m;
	uint8_t			*out = (uint8_t *)&m;
	size_t			 outlen = 99;
	char			 err[256];

	(void)state;
#define REFUSE(want, text) do {						\
	out = (uint8_t *)&m;						\
	outlen = 99;							\
	assert_int_equal(proto_msg_frame_err(&m, &out, &outlen, err,	\
	    sizeof err), want);						\
	assert_null(out);						\
	assert_int_equal(outlen, 0);					\
	if (strstr(err, text) == NULL)					\
		fail_msg("reason \"%s\", want \"%s\"", err, text);	\
	assert_int_equal(proto_msg_frame(&m, &out, &outlen), want);	\
} while (0)

	proto_msg_init(&m, PROTO_MSG_NONE);
	REFUSE(-PROTO_E_BAD_MESSAGE, "no such type");
	proto_msg_init(&m, PROTO_MSG_COUNT);
	REFUSE(-PROTO_E_BAD_MESSAGE, "no such type");

	fill_msg(&m, PROTO_MSG_HELLO);
	m.version = 0;
	REFUSE(-PROTO_E_BAD_MESSAGE,
	    "hello: field \"version\" must be an integer between 1 and 65535");
	m.version = 65536;
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"version\"");
	m.version = 1;
	set_str(m.name, sizeof m.name, "");
	REFUSE(-PROTO_E_BAD_MESSAGE, "hello: field \"name\" is empty");
	set_str(m.name, sizeof m.name, "bo\x1b");
	REFUSE(-PROTO_E_BAD_MESSAGE, "contains a control character");
	set_str(m.name, sizeof m.name, "bo\xff");
	REFUSE(-PROTO_E_BAD_MESSAGE, "not valid UTF-8");
	memset(m.name, 'x', sizeof m.name);	/* unterminated */
	REFUSE(-PROTO_E_BAD_MESSAGE, "unterminated");

	fill_msg(&m, PROTO_MSG_WELCOME);
	m.id = 0;
	REFUSE(-PROTO_E_BAD_MESSAGE, "welcome: field \"id\"");
	m.id = PROTO_INT_MAX + 1;
	REFUSE(-PROTO_E_BAD_MESSAGE, "welcome: field \"id\"");

	fill_msg(&m, PROTO_MSG_READY);
	m.role = PROTO_ROLE_NONE;
	REFUSE(-PROTO_E_BAD_MESSAGE, "ready");

	fill_msg(&m, PROTO_MSG_BIND);
	m.slot[5] = 'A';
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"slot\" must be 32 lower-case");
	m.slot[5] = '\0';
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"slot\"");

	fill_msg(&m, PROTO_MSG_WELCOME);
	m.key[63] = 'g';
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"key\" must be 64 lower-case");

	fill_msg(&m, PROTO_MSG_ERROR);
	set_str(m.code, sizeof m.code, "");
	REFUSE(-PROTO_E_BAD_MESSAGE, "error: field \"code\" is empty");

	fill_msg(&m, PROTO_MSG_OFFER);
	m.count = 0;
	REFUSE(-PROTO_E_BAD_MESSAGE, "offer: field \"count\" must be an "
	    "integer between 1 and 1000000");
	m.count = PROTO_OFFER_MAX + 1;
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"count\"");
	m.count = 1;
	m.size = PROTO_INT_MAX + 1;
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"size\"");
	proto_msg_free(&m);

	fill_msg(&m, PROTO_MSG_FILES);
	free(m.files[3].name);
	m.files[3].name = NULL;
	REFUSE(-PROTO_E_BAD_MESSAGE, "NULL");
	m.files[3].name = xstrdup("");
	REFUSE(-PROTO_E_BAD_MESSAGE, "files: field \"files\"[3].\"name\" is empty");
	m.files[3].size = PROTO_INT_MAX + 1;
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"files\"[3].\"name\"");
	free(m.files[3].name);
	m.files[3].name = xstrdup("ok");
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"files\"[3].\"size\"");
	m.files[3].size = 0;
	m.nfiles = 0;
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"files\" must be an array of 1");
	m.nfiles = PROTO_FILES_MAX + 1;		/* never read past the array */
	REFUSE(-PROTO_E_BAD_MESSAGE, "out of range");
	m.nfiles = 4;
	proto_msg_free(&m);

	proto_msg_init(&m, PROTO_MSG_PEER_JOINED);
	m.npeers = 1;				/* and no array */
	REFUSE(-PROTO_E_BAD_MESSAGE, "out of range");
	m.npeers = 0;
	REFUSE(-PROTO_E_BAD_MESSAGE, "must be an array of 1 to 1000");

	proto_msg_init(&m, PROTO_MSG_PEER_LEFT);
	m.nids = 2;
	REFUSE(-PROTO_E_BAD_MESSAGE, "out of range");

	fill_msg(&m, PROTO_MSG_RECEIPT);
	free(m.files[1].saved_as);
	m.files[1].saved_as = NULL;
	REFUSE(-PROTO_E_BAD_MESSAGE, "NULL");
	m.files[1].saved_as = xstrdup("x");
	m.files[1].sha256[0] = '\0';
	REFUSE(-PROTO_E_BAD_MESSAGE, "field \"files\"[1].\"sha256\"");
	proto_msg_free(&m);
#undef REFUSE
}

/* A message whose JSON would pass 64 KiB is not framed. */
static void
test_encode_too_large(void **state)
{
	struct proto_msg	 m;
	uint8_t			*out;
	size_t			 outlen, i;
	char			 err[256];

	(void)state;
	proto_msg_init(&m, PROTO_MSG_FILES);
	m.transfer = 1;
	fill_files(&m, PROTO_FILES_MAX, false);
	for (i = 0; i < m.nfiles; i++) {
		free(m.files[i].name);
		m.files[i].name = xmalloc(101);
		memset(m.files[i].name, 'a', 100);
		m.files[i].name[100] = '\0';
	}
	assert_int_equal(proto_msg_frame_err(&m, &out, &outlen, err,
	    sizeof err), -PROTO_E_TOO_LARGE);
	assert_null(out);
	assert_non_null(strstr(err, "the limit is 65536"));
	/* Fewer files fit. */
	m.nfiles = 500;
	assert_int_equal(proto_msg_frame(&m, &out, &outlen), 0);
	assert_true(outlen - PROTO_HEADER_LEN <= PROTO_CONTROL_MAX);
	free(out);
	m.nfiles = PROTO_FILES_MAX;
	proto_msg_free(&m);
}

/* A page of n entries with every optional member at its longest, framed. */
static int
frame_page(struct proto_file *files, size_t n, bool receipt)
{
	struct proto_msg	 m;
	uint8_t			*out;
	size_t			 outlen;
	int			 r;

	proto_msg_init(&m, receipt ? PROTO_MSG_RECEIPT : PROTO_MSG_FILES);
	m.transfer = PROTO_INT_MAX;
	m.more = true;
	m.ok = true;
	if (receipt)
		memset(m.message, '"', PROTO_TEXT_MAX);	/* 2 bytes each in JSON */
	m.files = files;
	m.nfiles = n;
	r = proto_msg_frame(&m, &out, &outlen);
	if (r == 0) {
		assert_true(outlen - PROTO_HEADER_LEN <= PROTO_CONTROL_MAX);
		free(out);
	}
	return r;
}

/*
 * proto_files_page() cuts the list and the receipt into pages that can
 * always be framed, whatever the names (the worst escape in JSON is 6
 * bytes for 1), and that are not needlessly small.
 */
static void
test_files_page(void **state)
{
	static const char	 fill[] = { 'n', '"', '\x01', '\\' };
	struct proto_file	*files;
	size_t			 n = 2 * PROTO_FILES_MAX, i, k, at, pages;
	unsigned		 f;
	bool			 receipt;

	(void)state;
	assert_int_equal(proto_files_page(NULL, 0, false), 0);
	files = xcalloc(n, sizeof *files);
	for (f = 0; f <= sizeof fill; f++) {
		for (i = 0; i < n; i++) {
			size_t len = f == sizeof fill ? 12 : i % 3 == 0 ?
			    PROTO_FILE_NAME_MAX : 1 + i % 40;

			files[i].name = xmalloc(len + 1);
			memset(files[i].name, f == sizeof fill ? 'a' : fill[f], len);
			files[i].name[len] = '\0';
			files[i].saved_as = xstrdup(files[i].name);
			files[i].size = PROTO_INT_MAX;
			files[i].mtime = PROTO_INT_MAX;
			files[i].exec = files[i].dir = true;
			memset(files[i].sha256, 'f', PROTO_SHA256_LEN);
		}
		for (receipt = false; ; receipt = true) {
			for (at = 0, pages = 0; at < n; at += k, pages++) {
				k = proto_files_page(files + at, n - at, receipt);
				assert_true(k >= 1 && k <= PROTO_FILES_MAX);
				assert_int_equal(frame_page(files + at, k, receipt), 0);
			}
			if (f == sizeof fill) {
				/* Short names: pages of hundreds, even judged at their longest. */
				print_message("# %zu short names: %zu %s pages\n", n,
				    pages, receipt ? "receipt" : "list");
				assert_true(proto_files_page(files, n, receipt) >=
				    (receipt ? 250u : 500u));
			}
			if (receipt)
				break;
		}
		for (i = 0; i < n; i++) {
			free(files[i].name);
			free(files[i].saved_as);
		}
	}
	free(files);
}

static void
decode_frame(const uint8_t *out, size_t outlen, struct proto_msg *m)
{
	char	err[256];
	int	r;

	assert_true(outlen > PROTO_HEADER_LEN);
	assert_int_equal(out[4], PROTO_KIND_CONTROL);
	r = proto_msg_decode(out + PROTO_HEADER_LEN, outlen - PROTO_HEADER_LEN,
	    m, err, sizeof err);
	if (r != 0)
		fail_msg("%d: %s", r, err);
	assert_int_equal(m->type, PROTO_MSG_ERROR);
}

/* True when the frame's bytes (not NUL-terminated) contain s. */
static bool
frame_has(const uint8_t *out, size_t outlen, const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; i + n <= outlen; i++) {
		if (memcmp(out + i, s, n) == 0)
			return true;
	}
	return false;
}

static void
test_error_frame(void **state)
{
	struct proto_msg	 m;
	uint8_t			*out;
	size_t			 outlen, n;
	char			 text[1024];
	int			 i;

	(void)state;
	assert_int_equal(proto_error_frame(-PROTO_E_NO_SUCH_PEER,
	    "nobody called carol", 0, 7, &out, &outlen), 0);
	n = strlen("{\"type\":\"error\",\"code\":\"no_such_peer\","
	    "\"message\":\"nobody called carol\",\"ref\":7}");
	assert_int_equal(outlen, PROTO_HEADER_LEN + n);
	assert_memory_equal(out + PROTO_HEADER_LEN, "{\"type\":\"error\","
	    "\"code\":\"no_such_peer\",\"message\":\"nobody called carol\","
	    "\"ref\":7}", n);
	decode_frame(out, outlen, &m);
	assert_int_equal(m.ref, 7);
	assert_int_equal(m.transfer, 0);
	free(out);

	/* Either sign of the code; NULL message: the standard words. */
	assert_int_equal(proto_error_frame(PROTO_E_PEER_GONE, NULL, 42, 0,
	    &out, &outlen), 0);
	decode_frame(out, outlen, &m);
	assert_string_equal(m.code, "peer_gone");
	assert_string_equal(m.message, "the other peer disconnected");
	assert_int_equal(m.transfer, 42);
	assert_int_equal(m.ref, 0);
	assert_false(frame_has(out, outlen, "\"ref\""));
	free(out);

	/* No transfer and no ref: about the connection, neither member sent. */
	assert_int_equal(proto_error_frame(-PROTO_E_BUSY, "", 0, 0, &out,
	    &outlen), 0);
	decode_frame(out, outlen, &m);
	assert_string_equal(m.code, "busy");
	assert_string_equal(m.message, "");
	assert_false(frame_has(out, outlen, "transfer"));
	assert_false(frame_has(out, outlen, "ref"));
	free(out);

	/* Unknown codes become internal. */
	for (i = 0; i < 3; i++) {
		int	bad[] = { 0, PROTO_E_COUNT, -1000 };

		assert_int_equal(proto_error_frame(bad[i], NULL, 0, 0, &out,
		    &outlen), 0);
		decode_frame(out, outlen, &m);
		assert_string_equal(m.code, "internal");
		free(out);
	}

	/* Any message text is made to fit: cut on a character, controls blanked. */
	memset(text, 0, sizeof text);
	for (i = 0; i < 200; i++)
		memcpy(text + 3 * i, EURO, 3);		/* 600 bytes */
	assert_int_equal(proto_error_frame(-PROTO_E_IO, text, 0, 0, &out,
	    &outlen), 0);
	decode_frame(out, outlen, &m);
	assert_int_equal(strlen(m.message), 510);
	assert_true(proto_utf8_valid(m.message, strlen(m.message)));
	free(out);
	assert_int_equal(proto_error_frame(-PROTO_E_IO,
	    "bad\x1b[31m \xff\xc0\xaf name\n\xc2\x85" "x" E_ACUTE, 0, 0, &out,
	    &outlen), 0);
	decode_frame(out, outlen, &m);
	assert_string_equal(m.message, "bad [31m ??? name  x" E_ACUTE);
	free(out);
	memset(text, 'y', 600);
	text[600] = '\0';
	text[511] = '\xc3';				/* a cut two-byte character */
	text[512] = '\xa9';
	assert_int_equal(proto_error_frame(-PROTO_E_IO, text, 0, 0, &out,
	    &outlen), 0);
	decode_frame(out, outlen, &m);
	assert_int_equal(strlen(m.message), 511);
	free(out);

	/* Out-of-range ids are still refused. */
	out = NULL;
	assert_int_equal(proto_error_frame(-PROTO_E_IO, "x", PROTO_INT_MAX + 1,
	    0, &out, &outlen), -PROTO_E_BAD_MESSAGE);
	assert_null(out);
}

/* hello's room (PROTOCOL.md 2.1): optional, absent is "", never sent empty. */
static void
test_hello_room(void **state)
{
	struct proto_msg	 m, back;
	uint8_t			*out;
	size_t			 outlen;
	char			 err[256], json[256];

	(void)state;
	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\"}", &m, err, sizeof err), 0);
	assert_string_equal(m.room, "");
	proto_msg_free(&m);
	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":\"abcde-fghij\"}", &m, err,
	    sizeof err), 0);
	assert_string_equal(m.room, "abcde-fghij");
	/* It goes out as it came, and a roomless hello has no "room" key. */
	assert_int_equal(proto_msg_frame(&m, &out, &outlen), 0);
	assert_true(outlen < sizeof json);
	memcpy(json, out, outlen);
	json[outlen] = '\0';
	assert_non_null(strstr(json + PROTO_HEADER_LEN, "\"room\":\"abcde-fghij\""));
	assert_int_equal(proto_msg_decode(out + PROTO_HEADER_LEN,
	    outlen - PROTO_HEADER_LEN, &back, err, sizeof err), 0);
	assert_string_equal(back.room, "abcde-fghij");
	proto_msg_free(&back);
	free(out);
	m.room[0] = '\0';
	assert_int_equal(proto_msg_frame(&m, &out, &outlen), 0);
	assert_true(outlen < sizeof json);
	memcpy(json, out, outlen);
	json[outlen] = '\0';
	assert_null(strstr(json + PROTO_HEADER_LEN, "room"));
	free(out);
	proto_msg_free(&m);

	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":\"\"}", &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	assert_string_equal(err, "hello: field \"room\" is empty");
	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":\"a\\u0007b\"}", &m, err,
	    sizeof err), -PROTO_E_BAD_MESSAGE);
	assert_non_null(strstr(err, "contains a control character"));
	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":7}", &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	assert_string_equal(err, "hello: field \"room\" must be a string");
	snprintf(json, sizeof json, "{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":\"%065d\"}", 0);
	assert_int_equal(decode_str(json, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	assert_string_equal(err, "hello: field \"room\" is longer than 64 bytes");
	snprintf(json, sizeof json, "{\"type\":\"hello\",\"version\":2,"
	    "\"name\":\"ann\",\"room\":\"%064d\"}", 0);
	assert_int_equal(decode_str(json, &m, err, sizeof err), 0);
	proto_msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_encode_too_large),
		cmocka_unit_test(test_files_page),
		cmocka_unit_test(test_error_frame),
		cmocka_unit_test(test_hello_room),
	};

	return cmocka_run_group_tests_name("msg encode", tests, NULL, NULL);
}
