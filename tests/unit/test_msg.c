/*
 * test_msg.c: control messages. Every type round-trips through a frame and
 * the frame decoder; malformed JSON comes as a table; the encoder refuses
 * what the decoder would. test_msg_fields.c tries every field of every
 * type, one bad value at a time.
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
#include "msg.h"
#include "name.h"
#include "text.h"
#include "msg_util.h"

static void
peer_equal(const struct proto_peer *a, const struct proto_peer *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->addr, b->addr);
	assert_string_equal(a->key, b->key);
}

/* Compares every field, those the type does not use included (all zero). */
static void
msg_equal(const struct proto_msg *a, const struct proto_msg *b)
{
	size_t	i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->version, b->version);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->addr, b->addr);
	assert_string_equal(a->key, b->key);
	assert_int_equal(a->to, b->to);
	assert_int_equal(a->ref, b->ref);
	assert_int_equal(a->transfer, b->transfer);
	peer_equal(&a->peer, &b->peer);
	assert_int_equal(a->npeers, b->npeers);
	for (i = 0; i < a->npeers; i++)
		peer_equal(&a->peers[i], &b->peers[i]);
	assert_int_equal(a->more, b->more);
	assert_int_equal(a->nids, b->nids);
	for (i = 0; i < a->nids; i++)
		assert_int_equal(a->ids[i], b->ids[i]);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->nfiles, b->nfiles);
	for (i = 0; i < a->nfiles; i++) {
		assert_string_equal(a->files[i].name, b->files[i].name);
		assert_int_equal(a->files[i].size, b->files[i].size);
		assert_string_equal(a->files[i].sha256, b->files[i].sha256);
		if (a->files[i].saved_as == NULL)
			assert_null(b->files[i].saved_as);
		else
			assert_string_equal(a->files[i].saved_as,
			    b->files[i].saved_as);
	}
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->slot, b->slot);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->index, b->index);
	assert_int_equal(a->size, b->size);
	assert_string_equal(a->sha256, b->sha256);
	assert_int_equal(a->ok, b->ok);
	assert_string_equal(a->code, b->code);
	assert_string_equal(a->message, b->message);
}

/*
 * Frames m, reads the frame back through the frame decoder (whole, then
 * byte by byte), decodes the message and compares every field.
 */
static void
round_trip(const struct proto_msg *m)
{
	struct proto_decoder	 d;
	struct proto_frame	 f;
	struct proto_msg	 got;
	uint8_t			*out, *copy;
	size_t			 outlen, used, i;
	char			 err[256];
	int			 r;

	r = proto_msg_frame_err(m, &out, &outlen, err, sizeof err);
	if (r != 0)
		fail_msg("frame %s: %d: %s", proto_msg_type_name(m->type), r,
		    err);
	assert_true(outlen > PROTO_HEADER_LEN);
	assert_true(outlen - PROTO_HEADER_LEN <= PROTO_CONTROL_MAX);

	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, out, outlen, &used, &f), 1);
	assert_int_equal(used, outlen);
	assert_int_equal(f.kind, PROTO_KIND_CONTROL);
	assert_int_equal(f.len, outlen - PROTO_HEADER_LEN);
	r = proto_msg_decode(f.payload, f.len, &got, err, sizeof err);
	if (r != 0)
		fail_msg("decode %s: %d: %s", proto_msg_type_name(m->type), r,
		    err);
	msg_equal(m, &got);
	proto_msg_free(&got);

	/* Byte by byte, from a copy so the payload comes from the decoder. */
	copy = xmalloc(outlen);
	memcpy(copy, out, outlen);
	for (i = 0; i + 1 < outlen; i++) {
		assert_int_equal(proto_decoder_feed(&d, copy + i, 1, &used,
		    &f), 0);
	}
	assert_int_equal(proto_decoder_feed(&d, copy + i, 1, &used, &f), 1);
	assert_ptr_equal(f.payload, d.buf);
	assert_int_equal(proto_msg_decode(f.payload, f.len, &got, err,
	    sizeof err), 0);
	msg_equal(m, &got);
	proto_msg_free(&got);
	proto_decoder_free(&d);
	free(copy);
	free(out);
}

static void
test_round_trip(void **state)
{
	enum proto_msg_type	t = (enum proto_msg_type)(uintptr_t)*state;
	struct proto_msg	m;

	fill_msg(&m, t);
	round_trip(&m);
	proto_msg_free(&m);
	assert_true(msg_is_zero(&m));
}

/* The variants one fill cannot show: empty arrays, absent options, maximum counts. */
static void
test_round_trip_variants(void **state)
{
	struct proto_msg	m;
	size_t			i;

	(void)state;
	proto_msg_init(&m, PROTO_MSG_PEER_LIST);	/* nobody else here */
	round_trip(&m);
	proto_msg_init(&m, PROTO_MSG_ERROR);		/* about the connection */
	set_str(m.code, sizeof m.code, "busy");
	round_trip(&m);
	m.ref = 1;					/* about an offer */
	round_trip(&m);
	proto_msg_init(&m, PROTO_MSG_RECEIPT);		/* a failed transfer */
	m.transfer = 1;
	set_str(m.message, sizeof m.message, "digest of file 0 differs");
	round_trip(&m);
	proto_msg_init(&m, PROTO_MSG_READY);
	m.transfer = 1;
	m.role = PROTO_ROLE_SEND;
	round_trip(&m);
	proto_msg_init(&m, PROTO_MSG_ATTACH);		/* no fields at all */
	round_trip(&m);

	fill_msg(&m, PROTO_MSG_PEER_LIST);
	proto_msg_free(&m);
	/* With keys, 1000 peers would not fit in 64 KiB; 400 do. */
	proto_msg_init(&m, PROTO_MSG_PEER_LIST);
	fill_peers(&m, 400);
	round_trip(&m);
	proto_msg_free(&m);

	proto_msg_init(&m, PROTO_MSG_PEER_LEFT);
	m.ids = xcalloc(PROTO_PEERS_MAX, sizeof *m.ids);
	m.nids = PROTO_PEERS_MAX;
	for (i = 0; i < m.nids; i++)
		m.ids[i] = PROTO_INT_MAX - i;
	round_trip(&m);
	proto_msg_free(&m);

	proto_msg_init(&m, PROTO_MSG_OFFER);	/* one empty file */
	m.ref = 1;
	m.to = 7;
	m.count = 1;
	round_trip(&m);

	proto_msg_init(&m, PROTO_MSG_FILES);
	m.transfer = 1;
	fill_files(&m, PROTO_FILES_MAX, false);
	round_trip(&m);
	proto_msg_free(&m);
}

/* The bytes on the wire, pinned: other implementations read exactly this. */
static void
test_wire_text(void **state)
{
	static const struct {
		enum proto_msg_type	 type;
		const char		*json;
	} rows[] = {
		{ PROTO_MSG_HELLO, "{\"type\":\"hello\",\"version\":65535,"
		    "\"name\":\"" E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
		    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
		    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
		    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
		    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE "\"}" },
		{ PROTO_MSG_PEERS, "{\"type\":\"peers\"}" },
		{ PROTO_MSG_PEER_LEFT, "{\"type\":\"peer_left\",\"ids\":"
		    "[1,9007199254740991,1000000000000000]}" },
		{ PROTO_MSG_READY, "{\"type\":\"ready\",\"transfer\":9,"
		    "\"role\":\"receive\"}" },
		{ PROTO_MSG_OFFERED, "{\"type\":\"offered\",\"ref\":0,"
		    "\"transfer\":1,\"peer\":{\"id\":77,\"name\":\"carol\","
		    "\"addr\":\"127.0.0.1:50312\",\"key\":\"" KEY_S "\"}}" },
		{ PROTO_MSG_ATTACH, "{\"type\":\"attach\"}" },
		{ PROTO_MSG_SLOT, "{\"type\":\"slot\",\"slot\":\"" SLOT_S "\"}" },
		{ PROTO_MSG_BIND, "{\"type\":\"bind\",\"transfer\":"
		    "9007199254740991,\"slot\":\"" SLOT_S "\"}" },
		{ PROTO_MSG_CANCEL, "{\"type\":\"cancel\",\"transfer\":43,"
		    "\"reason\":\"\"}" },
		{ PROTO_MSG_INCOMING, "{\"type\":\"incoming\",\"transfer\":"
		    "9007199254740991,\"peer\":{\"id\":3,\"name\":\"al"
		    E_ACUTE "x\",\"addr\":\"[::1]:1\",\"key\":\"" KEY_S "\"},"
		    "\"count\":3,\"size\":12345}" },
	};
	struct proto_msg	 m;
	uint8_t			*out;
	size_t			 outlen, i, n;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fill_msg(&m, rows[i].type);
		assert_int_equal(proto_msg_frame(&m, &out, &outlen), 0);
		n = strlen(rows[i].json);
		assert_int_equal(outlen, PROTO_HEADER_LEN + n);
		assert_int_equal(out[0] << 24 | out[1] << 16 | out[2] << 8 |
		    out[3], n + 1);
		assert_int_equal(out[4], PROTO_KIND_CONTROL);
		assert_memory_equal(out + PROTO_HEADER_LEN, rows[i].json, n);
		free(out);
		proto_msg_free(&m);
	}
}

static void
test_type_names(void **state)
{
	static const struct {
		enum proto_msg_type	 type;
		const char		*name;
	} rows[] = {
#define ROW(sym, str) { PROTO_MSG_##sym, str },
		PROTO_MSG_TYPES(ROW)
#undef ROW
	};
	struct proto_msg	m;
	char			json[64], err[128];
	size_t			i;

	(void)state;
	assert_int_equal(sizeof rows / sizeof rows[0], PROTO_MSG_COUNT - 1);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_string_equal(proto_msg_type_name(rows[i].type),
		    rows[i].name);
	assert_string_equal(proto_msg_type_name(PROTO_MSG_PEER_JOINED),
	    "peer_joined");
	assert_null(proto_msg_type_name(PROTO_MSG_NONE));
	assert_null(proto_msg_type_name(PROTO_MSG_COUNT));
	assert_null(proto_msg_type_name((enum proto_msg_type)-1));

	/* Field-less types decode from the type alone. */
	snprintf(json, sizeof json, "{\"type\":\"ping\"}");
	assert_int_equal(decode_str(json, &m, err, sizeof err), 0);
	assert_int_equal(m.type, PROTO_MSG_PING);
	proto_msg_free(&m);
}

/*
 * Malformed messages as a whole.
 */

static void
test_malformed_json(void **state)
{
	static const struct {
		const char	*json;
		size_t		 len;		/* 0: strlen */
		int		 want;
		const char	*err;		/* a part of the reason */
	} rows[] = {
		{ "", 0, -PROTO_E_BAD_MESSAGE, "message: empty payload" },
		{ "{", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\"", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{type:\"ping\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{'type':'ping'}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "[]", 0, -PROTO_E_BAD_MESSAGE, "message: not a JSON object" },
		{ "[{\"type\":\"ping\"}]", 0, -PROTO_E_BAD_MESSAGE, "not a JSON object" },
		{ "\"x\"", 0, -PROTO_E_BAD_MESSAGE, "not a JSON object" },
		{ "1", 0, -PROTO_E_BAD_MESSAGE, "not a JSON object" },
		{ "null", 0, -PROTO_E_BAD_MESSAGE, "not a JSON object" },
		{ "true", 0, -PROTO_E_BAD_MESSAGE, "not a JSON object" },
		{ " ", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{}", 0, -PROTO_E_BAD_MESSAGE, "message: field \"type\" is missing" },
		{ "{\"Type\":\"ping\"}", 0, -PROTO_E_BAD_MESSAGE, "field \"type\" is missing" },
		{ "{\"type\":1}", 0, -PROTO_E_BAD_MESSAGE, "message: field \"type\" must be a string" },
		{ "{\"type\":null}", 0, -PROTO_E_BAD_MESSAGE, "field \"type\" must be a string" },
		{ "{\"type\":[\"ping\"]}", 0, -PROTO_E_BAD_MESSAGE, "field \"type\" must be a string" },
		{ "{\"type\":\"PING\"}", 0, -PROTO_E_UNKNOWN_TYPE, "message: unknown message type \"PING\"" },
		{ "{\"type\":\"\"}", 0, -PROTO_E_UNKNOWN_TYPE, "unknown message type \"\"" },
		{ "{\"type\":\"upload\"}", 0, -PROTO_E_UNKNOWN_TYPE, "unknown message type \"upload\"" },
		{ "{\"type\":\"ping \"}", 0, -PROTO_E_UNKNOWN_TYPE, "unknown message type" },
		{ "{\"type\":\"a\\\"b\\\\c" E_ACUTE "\"}", 0, -PROTO_E_UNKNOWN_TYPE, "unknown message type \"a?b?c??\"" },
		{ "{\"type\":\"ping\"} x", 0, -PROTO_E_BAD_MESSAGE, "trailing data after the JSON value at byte 16" },
		{ "{\"type\":\"ping\"}{}", 0, -PROTO_E_BAD_MESSAGE, "trailing data" },
		{ "{\"type\":\"ping\"},", 0, -PROTO_E_BAD_MESSAGE, "trailing data" },
		{ "{\"type\":\"ping\"}\0", 16, -PROTO_E_BAD_MESSAGE, "NUL byte" },
		{ "{\"type\":\"ping\"\0}", 16, -PROTO_E_BAD_MESSAGE, "NUL byte" },
		{ "{\"type\":\"ping\"}\x01", 0, -PROTO_E_BAD_MESSAGE, "control byte 0x01" },
		{ "{\"type\":\"ping\",\x0b\"x\":1}", 0, -PROTO_E_BAD_MESSAGE, "control byte 0x0b" },
		{ "{\"type\":\"ping\",\"x\":\"a\tb\"}", 0, -PROTO_E_BAD_MESSAGE, "unescaped control byte 0x09 in a string" },
		{ "{\"type\":\"ping\",\"x\":\"\xff\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid UTF-8" },
		{ "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid UTF-8" },
		{ "{\"type\":\"ping\",\"x\":\"\xed\xa0\x80\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid UTF-8" },
		{ "{\"type\":\"ping\",\"x\":\"\\ud800\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",\"x\":\"\\udc00\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",\"x\":\"\\u12\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",\"x\":\"\\q\"}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",\"x\":01x}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		{ "{\"type\":\"ping\",\"x\":NaN}", 0, -PROTO_E_BAD_MESSAGE, "not valid JSON" },
		/* \u0000 in a member name would otherwise read as "type". */
		{ "{\"type\\u0000x\":\"ping\"}", 0, -PROTO_E_BAD_MESSAGE, "\\u0000" },
		{ "{\"type\":\"ping\\u0000x\"}", 0, -PROTO_E_BAD_MESSAGE, "\\u0000" },
		{ "{\"type\":\"ping\",\"ignored\":\"\\u0000\"}", 0, -PROTO_E_BAD_MESSAGE, "\\u0000" },
		/* White space and members nobody reads are fine. */
		{ " \t\r\n{ \"type\" : \"ping\" }\r\n\t ", 0, 0, "" },
		{ "{\"type\":\"ping\",\"future\":{\"a\":[1,2,{}]},\"n\":null}", 0, 0, "" },
		{ "{\"type\":\"ping\",\"x\":\"\\\\u0000\"}", 0, 0, "" },
		{ "{\"type\":\"ping\",\"x\":\"\\u0001\\u001F\\n\"}", 0, 0, "" },
		{ "{\"type\":\"p\\u0069ng\"}", 0, 0, "" },
		{ "\xef\xbb\xbf{\"type\":\"ping\"}", 0, 0, "" },	/* a BOM is ignored */
	};
	struct proto_msg	m;
	char			err[256];
	size_t			i, len;
	int			r;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		len = rows[i].len != 0 ? rows[i].len : strlen(rows[i].json);
		memset(err, 'X', sizeof err);
		r = proto_msg_decode((const uint8_t *)rows[i].json, len, &m,
		    err, sizeof err);
		if (r != rows[i].want || strstr(err, rows[i].err) == NULL)
			fail_msg("row %zu: got %d \"%s\", want %d \"%s\"", i, r,
			    err, rows[i].want, rows[i].err);
		if (r == 0) {
			assert_string_equal(err, "");
			proto_msg_free(&m);
		} else {
			assert_true(msg_is_zero(&m));
			/* One line. */
			assert_null(strchr(err, '\n'));
		}
	}
	/* No err buffer at all is fine too. */
	assert_int_equal(proto_msg_decode((const uint8_t *)"{", 1, &m, NULL, 0),
	    -PROTO_E_BAD_MESSAGE);
	assert_int_equal(proto_msg_decode(NULL, 0, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	/* A short err buffer is cut, still terminated. */
	assert_int_equal(proto_msg_decode((const uint8_t *)"[]", 2, &m, err, 8),
	    -PROTO_E_BAD_MESSAGE);
	assert_string_equal(err, "message");
}

/* Deep nesting is refused (cJSON stops at 1000 levels), and nothing crashes. */
static void
test_deep_nesting(void **state)
{
	struct sb		b = { 0 };
	struct proto_msg	m;
	char			err[256];

	(void)state;
	sb_puts(&b, "{\"type\":\"ping\",\"x\":");
	sb_rep(&b, "[", 20000);
	sb_rep(&b, "]", 20000);
	sb_puts(&b, "}");
	assert_int_equal(decode_str(b.p, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	assert_non_null(strstr(err, "not valid JSON"));
	sb_free(&b);

	sb_puts(&b, "{\"type\":\"ping\",\"x\":");
	sb_rep(&b, "{\"a\":", 20000);
	sb_puts(&b, "1");
	sb_rep(&b, "}", 20000);
	sb_puts(&b, "}");
	assert_int_equal(decode_str(b.p, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	sb_free(&b);

	/* Unclosed, as a stream cut short would be. */
	sb_rep(&b, "[", PROTO_CONTROL_MAX);
	assert_int_equal(decode_str(b.p, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	sb_free(&b);

	/* Moderate nesting in an ignored member is still JSON. */
	sb_puts(&b, "{\"type\":\"ping\",\"x\":");
	sb_rep(&b, "[", 100);
	sb_rep(&b, "]", 100);
	sb_puts(&b, "}");
	assert_int_equal(decode_str(b.p, &m, err, sizeof err), 0);
	proto_msg_free(&m);
	sb_free(&b);
}

/* A few decoded values, checked beyond "accepted". */
static void
test_decoded_values(void **state)
{
	struct proto_msg	m;
	char			err[256], why[PROTO_NAME_WHY_MAX];

	(void)state;
	assert_int_equal(decode_str("{\"type\":\"file_end\",\"index\":1e3,"
	    "\"size\":9007199254740991,\"sha256\":\"" SHA_S "\"}", &m, err,
	    sizeof err), 0);
	assert_int_equal(m.index, 1000);
	assert_int_equal(m.size, PROTO_INT_MAX);
	proto_msg_free(&m);

	assert_int_equal(decode_str("{\"type\":\"hello\",\"version\":1.0,"
	    "\"name\":\"\\ud83d\\udcc4\\u00e9\"}", &m, err, sizeof err), 0);
	assert_int_equal(m.version, 1);
	assert_string_equal(m.name, DOC E_ACUTE);
	proto_msg_free(&m);

	/* An escaped backslash before u0000 is text, not a NUL. */
	assert_int_equal(decode_str("{\"type\":\"decline\",\"transfer\":2,"
	    "\"reason\":\"\\\\u0000\"}", &m, err, sizeof err), 0);
	assert_string_equal(m.reason, "\\u0000");
	proto_msg_free(&m);

	/* error: absent options are zero; ref 0 is the same as absent. */
	assert_int_equal(decode_str("{\"type\":\"error\",\"code\":\"future\","
	    "\"message\":\"a code we do not know\"}", &m, err, sizeof err), 0);
	assert_string_equal(m.code, "future");
	assert_int_equal(m.transfer, 0);
	assert_int_equal(m.ref, 0);
	proto_msg_free(&m);
	assert_int_equal(decode_str("{\"type\":\"error\",\"code\":\"x\","
	    "\"message\":\"\",\"ref\":0,\"transfer\":3}", &m, err, sizeof err),
	    0);
	assert_int_equal(m.transfer, 3);
	proto_msg_free(&m);

	/* File names keep what the receiver will judge. */
	assert_int_equal(decode_str("{\"type\":\"files\",\"transfer\":1,"
	    "\"files\":[{\"name\":\"../x\\n\",\"size\":0}]}", &m,
	    err, sizeof err), 0);
	assert_string_equal(m.files[0].name, "../x\n");
	assert_null(m.files[0].saved_as);
	assert_string_equal(m.files[0].sha256, "");
	assert_non_null(proto_file_name_problem(m.files[0].name, why,
	    sizeof why));
	proto_msg_free(&m);

	/* The first of duplicate members is the one read. */
	assert_int_equal(decode_str("{\"type\":\"accept\",\"transfer\":4,"
	    "\"transfer\":5}", &m, err, sizeof err), 0);
	assert_int_equal(m.transfer, 4);
	proto_msg_free(&m);
}

/* A failure half way through an array frees what was already taken. */
static void
test_partial_failure(void **state)
{
	struct sb		b = { 0 };
	struct proto_msg	m;
	char			err[256];
	int			i;

	(void)state;
	sb_puts(&b, "{\"type\":\"receipt\",\"transfer\":1,\"ok\":true,"
	    "\"message\":\"\",\"files\":[");
	for (i = 0; i < 999; i++)
		sb_puts(&b, "{\"name\":\"n\",\"size\":1,\"sha256\":\"" SHA_S
		    "\",\"saved_as\":\"s\"},");
	sb_puts(&b, "{\"name\":\"n\",\"size\":1,\"sha256\":\"" SHA_S
	    "\",\"saved_as\":\"\"}]}");
	m.type = PROTO_MSG_PING;	/* whatever was there is overwritten */
	assert_int_equal(decode_str(b.p, &m, err, sizeof err),
	    -PROTO_E_BAD_MESSAGE);
	assert_string_equal(err,
	    "receipt: field \"files\"[999].\"saved_as\" is empty");
	assert_true(msg_is_zero(&m));
	sb_free(&b);
}

int
main(void)
{
	struct CMUnitTest	 tests[PROTO_MSG_COUNT + 16];
	size_t			 n = 0, i;
	static char		 names[2 * PROTO_MSG_COUNT][48];

	for (i = PROTO_MSG_NONE + 1; i < PROTO_MSG_COUNT; i++) {
		snprintf(names[n], sizeof names[n], "round trip %s",
		    proto_msg_type_name((enum proto_msg_type)i));
		tests[n] = (struct CMUnitTest){ names[n], test_round_trip,
		    NULL, NULL, (void *)(uintptr_t)i };
		n++;
	}
#define T(f) tests[n++] = (struct CMUnitTest)cmocka_unit_test(f)
	T(test_round_trip_variants);
	T(test_wire_text);
	T(test_type_names);
	T(test_malformed_json);
	T(test_deep_nesting);
	T(test_decoded_values);
	T(test_partial_failure);
#undef T
	assert_true(n <= sizeof tests / sizeof tests[0]);
	return _cmocka_run_group_tests("msg", tests, n, NULL, NULL);
}
