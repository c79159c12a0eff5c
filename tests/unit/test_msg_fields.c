/*
 * test_msg_fields.c: control messages field by field. Every field of every
 * type is tried missing, of the wrong JSON type, out of range, too long,
 * with control characters and with \u0000, nested objects and arrays as
 * thoroughly as top-level fields, and the decoder must say which field and
 * why. test_msg.c has the round trips and the encoder.
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
	K_COUNT,	/* entries in an offer or a range: 1 to 1000000 */
	K_SLOT, K_KEY, K_SHA, K_BOOL, K_ROLE,
	K_PEER, K_FILE, K_RFILE, K_RANGE, K_RESUME,
	K_PEERS0, K_PEERS1, K_IDS, K_FILES, K_RFILES, K_RANGES, K_RESUMES,
};

struct tfield {
	const char	*key;
	enum fkind	 kind;
	bool		 optional;
};

struct ttype {
	const char	*type;
	struct tfield	 f[6];
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
	{ "files", { { "transfer", K_ID, 0 }, { "files", K_FILES, 0 },
	    { "more", K_BOOL, 1 } } },
	{ "accept", { { "transfer", K_ID, 0 }, { "skip", K_RANGES, 1 },
	    { "resume", K_RESUMES, 1 }, { "more", K_BOOL, 1 } } },
	{ "decline", { { "transfer", K_ID, 0 }, { "reason", K_TEXT512, 0 } } },
	{ "cancel", { { "transfer", K_ID, 0 }, { "reason", K_TEXT512, 0 } } },
	{ "ready", { { "transfer", K_ID, 0 }, { "role", K_ROLE, 0 } } },
	{ "attach", { { NULL, 0, 0 } } },
	{ "slot", { { "slot", K_SLOT, 0 } } },
	{ "bind", { { "transfer", K_ID, 0 }, { "slot", K_SLOT, 0 } } },
	{ "attached", { { "transfer", K_ID, 0 } } },
	{ "file_from", { { "index", K_U53, 0 }, { "offset", K_U53, 0 } } },
	{ "file_end", { { "index", K_U53, 0 }, { "size", K_U53, 0 },
	    { "sha256", K_SHA, 0 } } },
	{ "receipt", { { "transfer", K_ID, 0 }, { "ok", K_BOOL, 0 },
	    { "files", K_RFILES, 0 }, { "message", K_TEXT512, 0 },
	    { "more", K_BOOL, 1 } } },
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
	{ "name", K_FNAME, 0 }, { "size", K_U53, 0 }, { "mtime", K_U53, 1 },
	{ "exec", K_BOOL, 1 }, { "dir", K_BOOL, 1 }, { NULL, 0, 0 }
};
static const struct tfield range_fields[] = {
	{ "from", K_U53, 0 }, { "count", K_COUNT, 0 }, { NULL, 0, 0 }
};
static const struct tfield resume_fields[] = {
	{ "file", K_U53, 0 }, { "offset", K_ID, 0 }, { "sha256", K_SHA, 0 },
	{ NULL, 0, 0 }
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
static const char *const count_good[] = { "1", "1000000", "2.0", "1e6",
    NULL };
static const char *const count_bad[] = { "0", "1000001", "-1", "1.5", "\"1\"",
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
	[K_COUNT] = WORDSK("2", C_INT, "1 and 1000000", count_good, count_bad),
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
	[K_RANGE] = { .cases = C_OBJECT, .fields = range_fields },
	[K_RESUME] = { .cases = C_OBJECT, .fields = resume_fields },
	[K_PEERS0] = ARRAYK(NULL, K_PEER, 0, PROTO_PEERS_MAX, "peer objects"),
	[K_PEERS1] = ARRAYK(NULL, K_PEER, 1, PROTO_PEERS_MAX, "peer objects"),
	[K_IDS] = ARRAYK("[1,2]", K_ID, 1, PROTO_PEERS_MAX, "ids"),
	[K_FILES] = ARRAYK(NULL, K_FILE, 1, PROTO_FILES_MAX, "file objects"),
	[K_RFILES] = ARRAYK(NULL, K_RFILE, 0, PROTO_FILES_MAX,
	    "receipt file objects"),
	[K_RANGES] = ARRAYK(NULL, K_RANGE, 0, PROTO_FILES_MAX, "ranges"),
	[K_RESUMES] = ARRAYK(NULL, K_RESUME, 0, PROTO_RESUME_MAX,
	    "resume objects"),
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
		c = (struct tcase){ b.p, f[w.which].optional, "is missing", true,
		    sub.p };
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

int
main(void)
{
	struct CMUnitTest	 tests[PROTO_MSG_COUNT];
	static char		 names[PROTO_MSG_COUNT][48];
	size_t			 n = 0, i;

	for (i = 0; i < sizeof ttypes / sizeof ttypes[0]; i++) {
		snprintf(names[n], sizeof names[n], "fields of %s",
		    ttypes[i].type);
		tests[n] = (struct CMUnitTest){ names[n], test_fields, NULL,
		    NULL, (void *)(uintptr_t)&ttypes[i] };
		n++;
	}
	assert_true(n <= sizeof tests / sizeof tests[0]);
	return _cmocka_run_group_tests("msg fields", tests, n, NULL, NULL);
}
