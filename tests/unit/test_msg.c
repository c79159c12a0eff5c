/*
 * test_msg.c: control messages. Every type round-trips through a frame and
 * the frame decoder; every field of every type is tried missing, of the
 * wrong JSON type, out of range, too long, with control characters and with
 * \u0000; malformed JSON comes as a table. The encoder refuses what the
 * decoder would.
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

#define MAXINT_S	"9007199254740991"
#define SLOT_S		"0123456789abcdef0123456789abcdef"
#define KEY_S		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define SHA_S		"00112233445566778899aabbccddeeff" \
			"ffeeddccbbaa99887766554433221100"
#define E_ACUTE		"\xc3\xa9"		/* é, two bytes */
#define EURO		"\xe2\x82\xac"		/* €, three bytes */
#define DOC		"\xf0\x9f\x93\x84"	/* U+1F4C4, four bytes */

/* A growable string for building JSON. */
struct sb {
	char	*p;
	size_t	 len, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_rep(struct sb *b, const char *s, size_t times)
{
	while (times-- > 0)
		sb_puts(b, s);
}

static void
sb_free(struct sb *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static int
decode_str(const char *json, struct proto_msg *m, char *err, size_t errlen)
{
	return proto_msg_decode((const uint8_t *)json, strlen(json), m, err,
	    errlen);
}

/* True when every byte of the message is zero: nothing left to free. */
static bool
msg_is_zero(const struct proto_msg *m)
{
	const unsigned char	*p = (const unsigned char *)m;
	size_t			 i;

	for (i = 0; i < sizeof *m; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/*
 * Round trips.
 */

static void
set_str(char *dst, size_t size, const char *s)
{
	assert_true(strlen(s) < size);
	strcpy(dst, s);
}

/* n copies of s, which must fit in size. */
static void
set_rep(char *dst, size_t size, const char *s, size_t n, const char *tail)
{
	size_t	i;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_true(strlen(dst) + strlen(s) < size);
		strcat(dst, s);
	}
	assert_true(strlen(dst) + strlen(tail) < size);
	strcat(dst, tail);
}

/* Allocations that fail the test rather than return NULL. */
static void *
xmalloc(size_t n)
{
	void	*p = malloc(n);

	assert_non_null(p);
	return p;
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n, size);

	assert_non_null(p);
	return p;
}

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	assert_non_null(p);
	return p;
}

static void
fill_peer(struct proto_peer *p, uint64_t id, const char *name,
    const char *addr)
{
	p->id = id;
	set_str(p->name, sizeof p->name, name);
	set_str(p->addr, sizeof p->addr, addr);
	set_str(p->key, sizeof p->key, KEY_S);
}

static void
fill_peers(struct proto_msg *m, size_t n)
{
	char	name[32], addr[32];
	size_t	i;

	m->peers = xcalloc(n, sizeof *m->peers);
	m->npeers = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "peer%zu", i);
		snprintf(addr, sizeof addr, "10.0.%zu.%zu:%zu", i / 250,
		    i % 250, 1024 + i);
		fill_peer(&m->peers[i], i + 1, name, addr);
	}
	if (n >= 3) {
		/* The limits exactly: 64 bytes of name and of address. */
		set_rep(m->peers[1].name, sizeof m->peers[1].name, E_ACUTE, 32,
		    "");
		set_rep(m->peers[1].addr, sizeof m->peers[1].addr, "f", 56,
		    "]:65535");
		m->peers[1].addr[0] = '[';
		m->peers[2].id = PROTO_INT_MAX;
		set_str(m->peers[2].addr, sizeof m->peers[2].addr, "");
	}
}

static void
fill_files(struct proto_msg *m, size_t n, bool receipt)
{
	char	name[40];
	size_t	i;

	m->files = xcalloc(n, sizeof *m->files);
	m->nfiles = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "file%04zu.bin", i);
		m->files[i].name = xstrdup(name);
		m->files[i].size = i * 1000;
		if (receipt) {
			set_str(m->files[i].sha256, sizeof m->files[i].sha256,
			    SHA_S);
			m->files[i].sha256[i % 64] = "0123456789abcdef"[i % 16];
			snprintf(name, sizeof name, "file%04zu (1).bin", i);
			m->files[i].saved_as = xstrdup(name);
		}
	}
	if (n >= 3) {
		/*
		 * On the wire a name may hold what the receiver will refuse:
		 * control characters, slashes, 1024 bytes.
		 */
		free(m->files[0].name);
		m->files[0].name = xstrdup("r" E_ACUTE "sum" E_ACUTE " " DOC
		    ".txt");
		m->files[0].size = 0;
		free(m->files[1].name);
		m->files[1].name = xmalloc(PROTO_FILE_NAME_MAX + 1);
		memset(m->files[1].name, 'n', PROTO_FILE_NAME_MAX);
		m->files[1].name[PROTO_FILE_NAME_MAX] = '\0';
		m->files[1].size = PROTO_INT_MAX;
		free(m->files[2].name);
		m->files[2].name = xstrdup("../a\n\x1b[1m\x7f\xc2\x85\"\\/b");
		if (receipt) {
			free(m->files[2].saved_as);
			m->files[2].saved_as = xstrdup("tab\there");
		}
	}
}

/* Every field of the type, at or near its limits. */
static void
fill_msg(struct proto_msg *m, enum proto_msg_type t)
{
	proto_msg_init(m, t);
	switch (t) {
	case PROTO_MSG_HELLO:
		m->version = 65535;
		set_rep(m->name, sizeof m->name, E_ACUTE, 32, "");
		break;
	case PROTO_MSG_WELCOME:
		m->id = PROTO_INT_MAX;
		set_str(m->name, sizeof m->name, "bob");
		set_str(m->addr, sizeof m->addr, "[::1]:50312");
		set_str(m->key, sizeof m->key, KEY_S);
		break;
	case PROTO_MSG_PEER_LIST:
		fill_peers(m, 5);
		m->more = true;
		break;
	case PROTO_MSG_PEER_JOINED:
		fill_peers(m, 3);
		break;
	case PROTO_MSG_PEER_LEFT:
		m->ids = xcalloc(3, sizeof *m->ids);
		m->nids = 3;
		m->ids[0] = 1;
		m->ids[1] = PROTO_INT_MAX;
		m->ids[2] = 1000000000000000ULL;
		break;
	case PROTO_MSG_OFFER:
		m->ref = PROTO_INT_MAX;
		m->to = PROTO_INT_MAX;
		m->count = PROTO_FILES_MAX;
		m->size = PROTO_INT_MAX;
		break;
	case PROTO_MSG_OFFERED:
		m->ref = 0;
		m->transfer = 1;
		fill_peer(&m->peer, 77, "carol", "127.0.0.1:50312");
		break;
	case PROTO_MSG_INCOMING:
		m->transfer = PROTO_INT_MAX;
		fill_peer(&m->peer, 3, "al" E_ACUTE "x", "[::1]:1");
		m->count = 3;
		m->size = 12345;
		break;
	case PROTO_MSG_FILES:
		m->transfer = PROTO_INT_MAX;
		fill_files(m, 4, false);
		break;
	case PROTO_MSG_ACCEPT:
	case PROTO_MSG_ATTACHED:
		m->transfer = PROTO_INT_MAX;
		break;
	case PROTO_MSG_DECLINE:
		m->transfer = 42;
		set_rep(m->reason, sizeof m->reason, EURO, 170, "ok");
		break;
	case PROTO_MSG_CANCEL:
		m->transfer = 43;
		set_str(m->reason, sizeof m->reason, "");
		break;
	case PROTO_MSG_READY:
		m->transfer = 9;
		m->role = PROTO_ROLE_RECEIVE;
		break;
	case PROTO_MSG_SLOT:
		set_str(m->slot, sizeof m->slot, SLOT_S);
		break;
	case PROTO_MSG_BIND:
		m->transfer = PROTO_INT_MAX;
		set_str(m->slot, sizeof m->slot, SLOT_S);
		break;
	case PROTO_MSG_FILE_END:
		m->index = 999;
		m->size = PROTO_INT_MAX;
		set_str(m->sha256, sizeof m->sha256, SHA_S);
		break;
	case PROTO_MSG_RECEIPT:
		m->transfer = 5;
		m->ok = true;
		fill_files(m, 3, true);
		set_str(m->message, sizeof m->message, "all 3 files verified");
		break;
	case PROTO_MSG_ERROR:
		set_str(m->code, sizeof m->code, "no_such_peer");
		set_rep(m->message, sizeof m->message, "m", 512, "");
		m->transfer = PROTO_INT_MAX;
		m->ref = 12;
		break;
	case PROTO_MSG_PEERS:
	case PROTO_MSG_PING:
	case PROTO_MSG_PONG:
	default:
		break;
	}
}

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

/*
 * Field by field. Each message type lists its fields with a kind; each kind
 * knows good and bad values. Objects and arrays nest the cases of their
 * members, so "files"[1]."size" is tried as thoroughly as a top-level field.
 */

enum fkind {
	K_ID, K_U53, K_VERSION,
	K_NAME,		/* text(64), at least 1 byte */
	K_TEXT64,	/* text(64) */
	K_CODE,		/* text(32), at least 1 byte */
	K_TEXT512,	/* text(512) */
	K_FNAME,
	K_COUNT,	/* files in an offer: 1 to 1000 */
	K_SLOT, K_KEY, K_SHA, K_BOOL, K_ROLE,
	K_PEER, K_FILE, K_RFILE,
	K_PEERS0, K_PEERS1, K_IDS, K_FILES, K_RFILES,
};

struct tfield {
	const char	*key;
	enum fkind	 kind;
	bool		 optional;
};

struct ttype {
	const char	*type;
	struct tfield	 f[5];
};

static const struct ttype ttypes[] = {
	{ "hello", { { "version", K_VERSION, 0 }, { "name", K_NAME, 0 },
	    { "room", K_NAME, 1 } } },
	{ "welcome", { { "id", K_ID, 0 }, { "name", K_TEXT64, 0 },
	    { "addr", K_TEXT64, 0 }, { "key", K_KEY, 0 } } },
	{ "peers", { { NULL, 0, 0 } } },
	{ "peer_list", { { "peers", K_PEERS0, 0 }, { "more", K_BOOL, 0 } } },
	{ "peer_joined", { { "peers", K_PEERS1, 0 } } },
	{ "peer_left", { { "ids", K_IDS, 0 } } },
	{ "offer", { { "ref", K_U53, 0 }, { "to", K_ID, 0 },
	    { "count", K_COUNT, 0 }, { "size", K_U53, 0 } } },
	{ "offered", { { "ref", K_U53, 0 }, { "transfer", K_ID, 0 },
	    { "peer", K_PEER, 0 } } },
	{ "incoming", { { "transfer", K_ID, 0 }, { "peer", K_PEER, 0 },
	    { "count", K_COUNT, 0 }, { "size", K_U53, 0 } } },
	{ "files", { { "transfer", K_ID, 0 }, { "files", K_FILES, 0 } } },
	{ "accept", { { "transfer", K_ID, 0 } } },
	{ "decline", { { "transfer", K_ID, 0 }, { "reason", K_TEXT512, 0 } } },
	{ "cancel", { { "transfer", K_ID, 0 }, { "reason", K_TEXT512, 0 } } },
	{ "ready", { { "transfer", K_ID, 0 }, { "role", K_ROLE, 0 } } },
	{ "attach", { { NULL, 0, 0 } } },
	{ "slot", { { "slot", K_SLOT, 0 } } },
	{ "bind", { { "transfer", K_ID, 0 }, { "slot", K_SLOT, 0 } } },
	{ "attached", { { "transfer", K_ID, 0 } } },
	{ "file_end", { { "index", K_U53, 0 }, { "size", K_U53, 0 },
	    { "sha256", K_SHA, 0 } } },
	{ "receipt", { { "transfer", K_ID, 0 }, { "ok", K_BOOL, 0 },
	    { "files", K_RFILES, 0 }, { "message", K_TEXT512, 0 } } },
	{ "ping", { { NULL, 0, 0 } } },
	{ "pong", { { NULL, 0, 0 } } },
	{ "error", { { "code", K_CODE, 0 }, { "message", K_TEXT512, 0 },
	    { "transfer", K_ID, 1 }, { "ref", K_U53, 1 } } },
};

static const struct tfield peer_fields[] = {
	{ "id", K_ID, 0 }, { "name", K_NAME, 0 }, { "addr", K_TEXT64, 0 },
	{ "key", K_KEY, 0 }, { NULL, 0, 0 }
};
static const struct tfield file_fields[] = {
	{ "name", K_FNAME, 0 }, { "size", K_U53, 0 }, { NULL, 0, 0 }
};
static const struct tfield rfile_fields[] = {
	{ "name", K_FNAME, 0 }, { "size", K_U53, 0 }, { "sha256", K_SHA, 0 },
	{ "saved_as", K_FNAME, 0 }, { NULL, 0, 0 }
};

/*
 * Each kind: a valid value (NULL: built from its fields or its element)
 * and the cases that try it. For the words of an int, bool or enum: good
 * and bad values, and the reason (or the range) the bad ones get.
 */
struct kdesc {
	const char		*good;
	enum { C_INT, C_TEXT, C_HEX, C_WORDS, C_OBJECT, C_ARRAY } cases;
	const char		*what;
	const char *const	*ok, *const *bad;
	size_t			 min, max;	/* text bytes, hex digits, array counts */
	bool			 controls;	/* text: control characters pass */
	const struct tfield	*fields;	/* object */
	enum fkind		 elem;		/* array */
	const char *const	*extra_ok;
};

static const char *const id_good[] = { "1", "9007199254740991", "1.0", "1e3",
    "2E+2", "0.5e1", NULL };
static const char *const id_bad[] = { "0", "-1", "-0", "9007199254740992",
    "9007199254740993", "18446744073709551616", "1e300", "1e400", "-1e400",
    "1.5", "0.1", "\"1\"", "true", "null", "[]", "[1]", "{}", NULL };
static const char *const u53_good[] = { "0", "-0", "1", "9007199254740991",
    "4503599627370496", NULL };
static const char *const u53_bad[] = { "-1", "9007199254740992", "1e16",
    "0.5", "-0.5", "\"0\"", "false", "null", "{}", NULL };
static const char *const count_good[] = { "1", "1000", "2.0", "1e3", NULL };
static const char *const count_bad[] = { "0", "1001", "-1", "1.5", "\"1\"",
    "null", "9007199254740991", NULL };
static const char *const ver_good[] = { "1", "65535", NULL };
static const char *const ver_bad[] = { "0", "65536", "-1", "1.5", "\"1\"",
    "null", "4294967297", NULL };
static const char *const bool_good[] = { "true", "false", NULL };
static const char *const bool_bad[] = { "0", "1", "\"true\"", "null", "[]",
    "\"\"", NULL };
static const char *const role_good[] = { "\"send\"", "\"receive\"", NULL };
static const char *const role_bad[] = { "\"SEND\"", "\"sender\"", "\"\"",
    "1", "null", "\"send \"", "\"receive\\u0000\"", NULL };
/* Control characters and paths pass in an fname; the receiver judges. */
static const char *const fname_paths[] = { "\"../../etc/passwd\"",
    "\"a\\\\b\"", "\"..\"", NULL };

#define WORDSK(g, c, w, yes, no) \
	{ .good = g, .cases = c, .what = w, .ok = yes, .bad = no }
#define TEXTK(g, lo, hi, ctl) \
	{ .good = g, .cases = C_TEXT, .min = lo, .max = hi, .controls = ctl }
#define ARRAYK(g, el, lo, hi, w) \
	{ .good = g, .cases = C_ARRAY, .elem = el, .min = lo, .max = hi, \
	  .what = w }

static const struct kdesc kinds[] = {
	[K_ID] = WORDSK("7", C_INT, "1 and " MAXINT_S, id_good, id_bad),
	[K_U53] = WORDSK("0", C_INT, "0 and " MAXINT_S, u53_good, u53_bad),
	[K_VERSION] = WORDSK("1", C_INT, "1 and 65535", ver_good, ver_bad),
	[K_COUNT] = WORDSK("2", C_INT, "1 and 1000", count_good, count_bad),
	[K_NAME] = TEXTK("\"bob\"", 1, PROTO_PEER_NAME_MAX, false),
	[K_TEXT64] = TEXTK("\"127.0.0.1:7117\"", 0, PROTO_ADDR_MAX, false),
	[K_CODE] = TEXTK("\"busy\"", 1, PROTO_CODE_MAX, false),
	[K_TEXT512] = TEXTK("\"no thanks\"", 0, PROTO_TEXT_MAX, false),
	[K_FNAME] = { .good = "\"a.txt\"", .cases = C_TEXT, .min = 1,
	    .max = PROTO_FILE_NAME_MAX, .controls = true,
	    .extra_ok = fname_paths },
	[K_SLOT] = { .good = "\"" SLOT_S "\"", .cases = C_HEX,
	    .max = PROTO_SLOT_LEN },
	[K_KEY] = { .good = "\"" KEY_S "\"", .cases = C_HEX,
	    .max = PROTO_KEY_HEX },
	[K_SHA] = { .good = "\"" SHA_S "\"", .cases = C_HEX,
	    .max = PROTO_SHA256_LEN },
	[K_BOOL] = WORDSK("false", C_WORDS, "must be true or false", bool_good,
	    bool_bad),
	[K_ROLE] = WORDSK("\"send\"", C_WORDS,
	    "must be \"send\" or \"receive\"", role_good, role_bad),
	[K_PEER] = { .cases = C_OBJECT, .fields = peer_fields },
	[K_FILE] = { .cases = C_OBJECT, .fields = file_fields },
	[K_RFILE] = { .cases = C_OBJECT, .fields = rfile_fields },
	[K_PEERS0] = ARRAYK(NULL, K_PEER, 0, PROTO_PEERS_MAX, "peer objects"),
	[K_PEERS1] = ARRAYK(NULL, K_PEER, 1, PROTO_PEERS_MAX, "peer objects"),
	[K_IDS] = ARRAYK("[1,2]", K_ID, 1, PROTO_PEERS_MAX, "ids"),
	[K_FILES] = ARRAYK(NULL, K_FILE, 1, PROTO_FILES_MAX, "file objects"),
	[K_RFILES] = ARRAYK(NULL, K_RFILE, 0, PROTO_FILES_MAX,
	    "receipt file objects"),
};

#undef WORDSK
#undef TEXTK
#undef ARRAYK

/* One value to put where a field goes, and what the decoder must say. */
struct tcase {
	const char	*value;		/* raw JSON; NULL: leave the member out */
	bool		 ok;
	const char	*what;		/* the reason after the field's path */
	bool		 named;		/* the reason names the field */
	const char	*sub;		/* path below the field: "[1].\"size\"" */
};

typedef void (*tcase_cb)(void *, const struct tcase *);

static void kind_cases(enum fkind, tcase_cb, void *);
static void object_json(struct sb *, const struct tfield *, size_t,
    const char *);

/* A valid value of each kind. */
static void
kind_good(struct sb *b, enum fkind k)
{
	const struct kdesc	*d = &kinds[k];

	if (d->good != NULL)
		sb_puts(b, d->good);
	else if (d->cases == C_OBJECT)
		object_json(b, d->fields, (size_t)-1, NULL);
	else {
		sb_puts(b, "[");
		kind_good(b, d->elem);
		sb_puts(b, "]");
	}
}

/* An object of good members, member `which` replaced by value (NULL: left out). */
static void
object_json(struct sb *b, const struct tfield *f, size_t which,
    const char *value)
{
	size_t	i;
	bool	first = true;

	sb_puts(b, "{");
	for (i = 0; f[i].key != NULL; i++) {
		if (i == which && value == NULL)
			continue;
		if (!first)
			sb_puts(b, ",");
		first = false;
		sb_puts(b, "\"");
		sb_puts(b, f[i].key);
		sb_puts(b, "\":");
		if (i == which)
			sb_puts(b, value);
		else
			kind_good(b, f[i].kind);
	}
	sb_puts(b, "}");
}

static void
emit(tcase_cb cb, void *arg, const char *value, bool ok, const char *what,
    bool named)
{
	struct tcase	c = { value, ok, what, named, "" };

	cb(arg, &c);
}

/* A JSON string of n copies of unit, quoted. */
static void
emit_long(tcase_cb cb, void *arg, const char *unit, size_t n,
    const char *tail, bool ok, const char *what)
{
	struct sb	b = { 0 };

	sb_puts(&b, "\"");
	sb_rep(&b, unit, n);
	sb_puts(&b, tail);
	sb_puts(&b, "\"");
	emit(cb, arg, b.p, ok, what, true);
	sb_free(&b);
}

static void
int_cases(tcase_cb cb, void *arg, const char *range, const char *const *good,
    const char *const *bad)
{
	char	what[96];

	snprintf(what, sizeof what, "must be an integer between %s", range);
	for (; *good != NULL; good++)
		emit(cb, arg, *good, true, NULL, true);
	for (; *bad != NULL; bad++)
		emit(cb, arg, *bad, false, what, true);
}

static void
text_cases(tcase_cb cb, void *arg, size_t min, size_t max, bool controls)
{
	static const char *const wrong[] = { "1", "null", "true", "[]",
	    "{}", "[\"x\"]", NULL };
	static const char *const ctl[] = { "\"a\\u0001\"", "\"a\\n\"",
	    "\"\\t\"", "\"\\u001f\"", "\"\\u001B[31m\"", "\"\x7f\"",
	    "\"\\u007f\"", "\"\\u0085\"", "\"\xc2\x9b\"", "\"x\\u009F\"",
	    NULL };
	const char *const	*p;
	char			 what[64];

	for (p = wrong; *p != NULL; p++)
		emit(cb, arg, *p, false, "must be a string", true);
	for (p = ctl; *p != NULL; p++)
		emit(cb, arg, *p, controls, controls ? NULL :
		    "contains a control character", true);
	emit(cb, arg, "\"\"", min == 0, min == 0 ? NULL : "is empty", true);
	emit(cb, arg, "\"x\"", true, NULL, true);
	emit(cb, arg, "\"r" E_ACUTE "sum" E_ACUTE " " DOC "\"", true, NULL,
	    true);
	emit(cb, arg, "\"\\ud83d\\udcc4 \\u00e9\\\"\\\\/\"", true, NULL, true);
	/* Limits in bytes, whole characters or not. */
	snprintf(what, sizeof what, "is longer than %zu bytes", max);
	emit_long(cb, arg, "x", max, "", true, NULL);
	emit_long(cb, arg, "x", max + 1, "", false, what);
	emit_long(cb, arg, E_ACUTE, max / 2, "", true, NULL);
	emit_long(cb, arg, E_ACUTE, max / 2, "x", false, what);
	emit_long(cb, arg, "\\u00e9", max / 2, "", true, NULL);
	emit_long(cb, arg, "\\u00e9", max / 2 + 1, "", false, what);
	emit_long(cb, arg, EURO, max / 3, "", true, NULL);
	emit_long(cb, arg, DOC, max / 4, "x", false, what);
	/* Refused for the whole message, before any field is read. */
	emit(cb, arg, "\"a\\u0000b\"", false, "\\u0000", false);
	emit(cb, arg, "\"\\u0000\"", false, "\\u0000", false);
	emit(cb, arg, "\"a\tb\"", false, "unescaped control byte", false);
	emit(cb, arg, "\"\xff\"", false, "not valid UTF-8", false);
	emit(cb, arg, "\"\xc0\xaf\"", false, "not valid UTF-8", false);
	emit(cb, arg, "\"\xe0\x80\xaf\"", false, "not valid UTF-8", false);
	emit(cb, arg, "\"\xed\xa0\x80\"", false, "not valid UTF-8", false);
	emit(cb, arg, "\"\xf4\x90\x80\x80\"", false, "not valid UTF-8", false);
	emit(cb, arg, "\"\\udfff\"", false, "not valid JSON", false);
	emit(cb, arg, "\"a\\\\u0000\"", true, NULL, true);
}

static void
hex_cases(tcase_cb cb, void *arg, size_t n)
{
	char	what[64];

	snprintf(what, sizeof what, "must be %zu lower-case hex digits", n);
	emit_long(cb, arg, "0", n, "", true, NULL);
	emit_long(cb, arg, "f", n, "", true, NULL);
	emit_long(cb, arg, "0", n - 1, "", false, what);
	emit_long(cb, arg, "0", n + 1, "", false, what);
	emit_long(cb, arg, "0", n - 1, "A", false, what);
	emit_long(cb, arg, "0", n - 1, "g", false, what);
	emit_long(cb, arg, "0", n - 1, " ", false, what);
	emit_long(cb, arg, "0", n - 2, E_ACUTE, false, what);
	emit(cb, arg, "\"\"", false, what, true);
	emit(cb, arg, "1", false, what, true);
	emit(cb, arg, "null", false, what, true);
	emit(cb, arg, "[]", false, what, true);
	emit(cb, arg, "\"0\\u0000\"", false, "\\u0000", false);
}

/* Relays the cases of member `which` of an object, wrapped in the object. */
struct wrap {
	tcase_cb		 cb;
	void			*arg;
	const struct tfield	*fields;
	size_t			 which;
	bool			 in_array;	/* as element [1] of an array */
	enum fkind		 elem;		/* the good element [0] */
};

static void
wrap_cb(void *arg, const struct tcase *in)
{
	struct wrap	*w = arg;
	struct sb	 b = { 0 }, sub = { 0 };
	struct tcase	 out = *in;

	if (w->in_array) {
		sb_puts(&b, "[");
		kind_good(&b, w->elem);
		sb_puts(&b, ",");
		sb_puts(&b, in->value);
		sb_puts(&b, "]");
		sb_puts(&sub, "[1]");
	} else {
		object_json(&b, w->fields, w->which, in->value);
		sb_puts(&sub, ".\"");
		sb_puts(&sub, w->fields[w->which].key);
		sb_puts(&sub, "\"");
	}
	sb_puts(&sub, in->sub);
	out.value = b.p;
	out.sub = sub.p;
	w->cb(w->arg, &out);
	sb_free(&b);
	sb_free(&sub);
}

static void
object_cases(tcase_cb cb, void *arg, const struct tfield *f)
{
	static const char *const wrong[] = { "1", "null", "\"x\"", "[]",
	    "true", NULL };
	const char *const	*p;
	struct wrap		 w = { cb, arg, f, 0, false, K_ID };
	struct tcase		 c;
	struct sb		 b = { 0 }, sub = { 0 };

	for (p = wrong; *p != NULL; p++)
		emit(cb, arg, *p, false, "must be an object", true);
	for (w.which = 0; f[w.which].key != NULL; w.which++) {
		/* The member left out. */
		object_json(&b, f, w.which, NULL);
		sb_puts(&sub, ".\"");
		sb_puts(&sub, f[w.which].key);
		sb_puts(&sub, "\"");
		c = (struct tcase){ b.p, false, "is missing", true, sub.p };
		cb(arg, &c);
		sb_free(&b);
		sb_free(&sub);
		kind_cases(f[w.which].kind, wrap_cb, &w);
	}
	/* Members nobody reads are ignored. */
	object_json(&b, f, (size_t)-1, NULL);
	b.p[b.len - 1] = '\0';
	b.len--;
	sb_puts(&b, ",\"extra\":[{\"deep\":null}]}");
	emit(cb, arg, b.p, true, NULL, true);
	sb_free(&b);
}

/* Arrays of min..max elements of kind elem. */
static void
array_cases(tcase_cb cb, void *arg, enum fkind elem, size_t min, size_t max,
    const char *what)
{
	static const char *const wrong[] = { "1", "null", "\"x\"", "{}",
	    "false", NULL };
	const char *const	*p;
	struct wrap		 w = { cb, arg, NULL, 0, true, elem };
	struct sb		 b = { 0 };
	char			 msg[96];
	size_t			 i;

	snprintf(msg, sizeof msg, "must be an array of %zu to %zu %s", min,
	    max, what);
	for (p = wrong; *p != NULL; p++)
		emit(cb, arg, *p, false, msg, true);
	emit(cb, arg, "[]", min == 0, min == 0 ? NULL : msg, true);
	/* Exactly the maximum, then one more. */
	sb_puts(&b, "[");
	for (i = 0; i < max; i++) {
		if (i > 0)
			sb_puts(&b, ",");
		kind_good(&b, elem);
	}
	sb_puts(&b, "]");
	emit(cb, arg, b.p, true, NULL, true);
	b.p[b.len - 1] = ',';
	kind_good(&b, elem);
	sb_puts(&b, "]");
	emit(cb, arg, b.p, false, msg, true);
	sb_free(&b);
	/* Every case of an element, as element [1]. */
	kind_cases(elem, wrap_cb, &w);
}

static void
kind_cases(enum fkind k, tcase_cb cb, void *arg)
{
	const struct kdesc	*d = &kinds[k];
	const char *const	*p;

	switch (d->cases) {
	case C_INT:
		int_cases(cb, arg, d->what, d->ok, d->bad);
		break;
	case C_TEXT:
		text_cases(cb, arg, d->min, d->max, d->controls);
		break;
	case C_HEX:
		hex_cases(cb, arg, d->max);
		break;
	case C_WORDS:
		for (p = d->ok; *p != NULL; p++)
			emit(cb, arg, *p, true, NULL, true);
		for (p = d->bad; *p != NULL; p++) {
			/* \u0000 is refused for the whole message first. */
			if (strstr(*p, "u0000") != NULL)
				emit(cb, arg, *p, false, "\\u0000", false);
			else
				emit(cb, arg, *p, false, d->what, true);
		}
		break;
	case C_OBJECT:
		object_cases(cb, arg, d->fields);
		break;
	case C_ARRAY:
		array_cases(cb, arg, d->elem, d->min, d->max, d->what);
		break;
	}
	/* Values that pass although they may look wrong. */
	for (p = d->extra_ok; p != NULL && *p != NULL; p++)
		emit(cb, arg, *p, true, NULL, true);
}

/* Puts one case into a whole message of type tt and checks the verdict. */
struct top {
	const struct ttype	*tt;
	size_t			 which;
	size_t			 ncases, nbad;
};

static void
top_cb(void *arg, const struct tcase *c)
{
	struct top		*t = arg;
	const struct tfield	*f = t->tt->f;
	struct sb		 b = { 0 }, want = { 0 };
	struct proto_msg	 m;
	char			 err[512];
	size_t			 i;
	int			 r;

	sb_puts(&b, "{\"type\":\"");
	sb_puts(&b, t->tt->type);
	sb_puts(&b, "\"");
	for (i = 0; f[i].key != NULL; i++) {
		if (i == t->which && c->value == NULL)
			continue;
		sb_puts(&b, ",\"");
		sb_puts(&b, f[i].key);
		sb_puts(&b, "\":");
		if (i == t->which)
			sb_puts(&b, c->value);
		else
			kind_good(&b, f[i].kind);
	}
	sb_puts(&b, "}");

	if (c->ok)
		sb_puts(&want, "");
	else if (c->named) {
		sb_puts(&want, t->tt->type);
		sb_puts(&want, ": field \"");
		sb_puts(&want, f[t->which].key);
		sb_puts(&want, "\"");
		sb_puts(&want, c->sub);
		sb_puts(&want, " ");
		sb_puts(&want, c->what);
	} else
		sb_puts(&want, c->what);

	r = decode_str(b.p, &m, err, sizeof err);
	if (c->ok && r != 0)
		fail_msg("%s: refused (%s): %.300s", t->tt->type, err, b.p);
	if (!c->ok && r != -PROTO_E_BAD_MESSAGE)
		fail_msg("%s: got %d, want bad_message \"%s\": %.300s",
		    t->tt->type, r, want.p, b.p);
	if (!c->ok && strstr(err, want.p) == NULL)
		fail_msg("%s: reason \"%s\", want \"%s\": %.300s", t->tt->type,
		    err, want.p, b.p);
	if (!c->ok && c->named && strncmp(err, want.p, want.len) != 0)
		fail_msg("reason \"%s\" does not start with \"%s\"", err,
		    want.p);
	if (r == 0)
		proto_msg_free(&m);
	else
		assert_true(msg_is_zero(&m));
	t->ncases++;
	t->nbad += !c->ok;
	sb_free(&b);
	sb_free(&want);
}

static void
test_fields(void **state)
{
	const struct ttype	*tt = *state;
	struct top		 t = { tt, (size_t)-1, 0, 0 };
	struct tcase		 all = { "", true, NULL, true, "" };
	struct tcase		 missing;

	/* Every field good. */
	top_cb(&t, &all);
	for (t.which = 0; tt->f[t.which].key != NULL; t.which++) {
		missing = (struct tcase){ NULL, tt->f[t.which].optional,
		    "is missing", true, "" };
		top_cb(&t, &missing);
		kind_cases(tt->f[t.which].kind, top_cb, &t);
	}
	if (tt->f[0].key != NULL)
		assert_true(t.nbad > 10);
	print_message("# %s: %zu cases, %zu refused\n", tt->type, t.ncases,
	    t.nbad);
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
	    "integer between 1 and 1000");
	m.count = PROTO_FILES_MAX + 1;
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

/* The receipt must fit too; proto_receipt_fits() judges the worst case. */
static void
test_receipt_fits(void **state)
{
	struct proto_msg	 m, r;
	uint8_t			*out;
	size_t			 outlen, n, i;

	(void)state;
	proto_msg_init(&m, PROTO_MSG_FILES);
	fill_files(&m, PROTO_FILES_MAX, false);
	assert_int_equal(proto_receipt_fits(m.files, 1), 0);
	assert_int_equal(proto_receipt_fits(m.files, 0), 0);
	assert_int_equal(proto_receipt_fits(m.files, PROTO_FILES_MAX),
	    -PROTO_E_TOO_LARGE);
	assert_int_equal(proto_receipt_fits(m.files, PROTO_FILES_MAX + 1),
	    -PROTO_E_BAD_MESSAGE);
	assert_int_equal(proto_receipt_fits(NULL, 1), -PROTO_E_BAD_MESSAGE);
	/* The largest count that fits, with 12-byte names and one 1024-byte one. */
	for (n = 1; n <= PROTO_FILES_MAX; n++) {
		if (proto_receipt_fits(m.files, n) != 0)
			break;
	}
	n--;
	print_message("# receipts fit %zu files with these names\n", n);
	assert_true(n >= 300 && n < PROTO_FILES_MAX);
	/* A real receipt for that many files can indeed be framed. */
	proto_msg_init(&r, PROTO_MSG_RECEIPT);
	r.transfer = PROTO_INT_MAX;
	r.ok = true;
	memset(r.message, 'm', PROTO_TEXT_MAX);
	fill_files(&r, n, true);
	for (i = 0; i < n; i++)
		r.files[i].size = PROTO_INT_MAX;
	assert_int_equal(proto_msg_frame(&r, &out, &outlen), 0);
	free(out);
	proto_msg_free(&r);
	/* A name the wire cannot carry is not judged to fit. */
	free(m.files[5].name);
	m.files[5].name = xstrdup("bad\xff");
	assert_int_equal(proto_receipt_fits(m.files, 10), -PROTO_E_BAD_MESSAGE);
	proto_msg_free(&m);
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
	struct CMUnitTest	 tests[2 * (PROTO_MSG_COUNT - 1) + 16];
	size_t			 n = 0, i;
	static char		 names[2 * PROTO_MSG_COUNT][48];

	for (i = PROTO_MSG_NONE + 1; i < PROTO_MSG_COUNT; i++) {
		snprintf(names[n], sizeof names[n], "round trip %s",
		    proto_msg_type_name((enum proto_msg_type)i));
		tests[n] = (struct CMUnitTest){ names[n], test_round_trip,
		    NULL, NULL, (void *)(uintptr_t)i };
		n++;
	}
	for (i = 0; i < sizeof ttypes / sizeof ttypes[0]; i++) {
		snprintf(names[n], sizeof names[n], "fields of %s",
		    ttypes[i].type);
		tests[n] = (struct CMUnitTest){ names[n], test_fields, NULL,
		    NULL, (void *)(uintptr_t)&ttypes[i] };
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
	T(test_encode_refuses);
	T(test_encode_too_large);
	T(test_receipt_fits);
	T(test_error_frame);
	T(test_hello_room);
#undef T
	assert_true(n <= sizeof tests / sizeof tests[0]);
	return _cmocka_run_group_tests("msg", tests, n, NULL, NULL);
}
