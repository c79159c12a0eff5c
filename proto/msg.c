/*
 * msg.c: control messages between JSON and struct proto_msg. The only file
 * that includes cJSON. Decoding checks every field the way PROTOCOL.md
 * section 2 says and names the first one that is wrong; encoding runs the
 * same decoder over its own output, so nothing invalid is ever sent.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "msg.h"
#include "msg_table.h"
#include "frame.h"
#include "name.h"
#include "text.h"

static const char *const msg_type_names[PROTO_MSG_COUNT] = {
	[PROTO_MSG_NONE] = NULL,
#define PROTO_MSG_NAME(sym, str) [PROTO_MSG_##sym] = str,
	PROTO_MSG_TYPES(PROTO_MSG_NAME)
#undef PROTO_MSG_NAME
};

/* Where a decode stands, for the one-line reason in err. */
struct msg_ctx {
	const char	*type;		/* "hello", or "message" before "type" is read */
	char		*err;		/* caller's buffer, may be NULL */
	size_t		 errlen;
};

#define MSG_PATH_MAX	64	/* room for "peers"[999]."addr" and the like */

const char *
proto_msg_type_name(enum proto_msg_type t)
{
	if ((int)t <= PROTO_MSG_NONE || (int)t >= PROTO_MSG_COUNT)
		return NULL;
	return msg_type_names[t];
}

void
proto_msg_init(struct proto_msg *m, enum proto_msg_type type)
{
	memset(m, 0, sizeof *m);
	m->type = type;
}

void
proto_msg_free(struct proto_msg *m)
{
	size_t	i;

	if (m->files != NULL) {
		for (i = 0; i < m->nfiles; i++) {
			free(m->files[i].name);
			free(m->files[i].saved_as);
		}
	}
	free(m->files);
	free(m->peers);
	free(m->ids);
	memset(m, 0, sizeof *m);
}

static int msg_fail(struct msg_ctx *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "<type>: <reason>" into the caller's buffer and returns code. */
static int
msg_fail(struct msg_ctx *c, int code, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (c->err == NULL || c->errlen == 0)
		return code;
	n = snprintf(c->err, c->errlen, "%s: ", c->type);
	if (n < 0 || (size_t)n >= c->errlen)
		return code;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * A field is named by where it sits: pre is the path of its parent with a
 * trailing dot ("\"files\"[3].") or "", key its member name; an array
 * element has key NULL and its whole path in pre ("\"ids\"[2]").
 */
static int
msg_bad(struct msg_ctx *c, const char *pre, const char *key, const char *what)
{
	if (key == NULL)
		return msg_fail(c, -PROTO_E_BAD_MESSAGE, "field %s %s", pre,
		    what);
	return msg_fail(c, -PROTO_E_BAD_MESSAGE, "field %s\"%s\" %s", pre, key,
	    what);
}

static const cJSON *
msg_item(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/*
 * An integer in [min, max]. JSON numbers arrive as doubles; every integer up
 * to 2^53-1 is exact in one, so the range and integrality checks are exact.
 * (Text such as 4503599627370497.5 is rounded by strtod before we see it;
 * above 2^52 a double has no fraction left to check.)
 */
static int
msg_int(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    uint64_t min, uint64_t max, uint64_t *out)
{
	char	what[96];
	double	d;

	if (it == NULL)
		return msg_bad(c, pre, key, "is missing");
	d = cJSON_IsNumber(it) ? it->valuedouble : -1.0;
	if (!(d >= (double)min && d <= (double)max) ||
	    (double)(uint64_t)d != d) {
		snprintf(what, sizeof what,
		    "must be an integer between %" PRIu64 " and %" PRIu64, min,
		    max);
		return msg_bad(c, pre, key, what);
	}
	*out = (uint64_t)d;
	return 0;
}

/*
 * Storage of an integer, a bool or an enum: the table gives the member's
 * size, and memcpy keeps the access of the member's own width.
 */
static bool
put_uint(char *p, size_t size, uint64_t v)
{
	uint8_t		v8 = (uint8_t)v;
	uint16_t	v16 = (uint16_t)v;
	uint32_t	v32 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(p, &v8, 1);
		return true;
	case 2:
		memcpy(p, &v16, 2);
		return true;
	case 4:
		memcpy(p, &v32, 4);
		return true;
	case 8:
		memcpy(p, &v, 8);
		return true;
	}
	return false;
}

static uint64_t
get_uint(const char *p, size_t size)
{
	uint8_t		v8;
	uint16_t	v16;
	uint32_t	v32;
	uint64_t	v = 0;

	switch (size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	case 8:
		memcpy(&v, p, 8);
		break;
	}
	return v;
}

/*
 * A string of minlen..maxlen bytes of UTF-8; with controls false, no
 * control characters either (text(N)); fname allows them, the receiver
 * judges names. Borrowed from the cJSON tree.
 */
static int
msg_str(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    const struct msg__field *f, bool controls, const char **out, size_t *outlen)
{
	char	what[64];
	size_t	len;

	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return msg_bad(c, pre, key, "must be a string");
	/*
	 * A NUL inside the string (from \u0000) was refused by msg_scan()
	 * before parsing, so strlen is the whole decoded length.
	 */
	len = strlen(it->valuestring);
	if (!proto_utf8_valid(it->valuestring, len))
		return msg_bad(c, pre, key, "is not valid UTF-8");
	if (len < f->min)
		return msg_bad(c, pre, key, "is empty");
	if (len > f->max) {
		snprintf(what, sizeof what, "is longer than %" PRIu64 " bytes",
		    f->max);
		return msg_bad(c, pre, key, what);
	}
	if (!controls && proto_has_control(it->valuestring, len))
		return msg_bad(c, pre, key, "contains a control character");
	*out = it->valuestring;
	*outlen = len;
	return 0;
}

/* hex(N): exactly N characters 0-9a-f. */
static int
msg_hex(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    size_t n, char *dst)
{
	char		 what[64];
	const char	*s;
	size_t		 i;

	s = cJSON_IsString(it) ? it->valuestring : NULL;
	for (i = 0; s != NULL && i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			break;
	}
	if (s == NULL || i != n || s[n] != '\0') {
		snprintf(what, sizeof what, "must be %zu lower-case hex digits",
		    n);
		return msg_bad(c, pre, key, what);
	}
	memcpy(dst, s, n + 1);
	return 0;
}

/* One of names[1..]; the reason lists them: "must be \"a\" or \"b\"". */
static int
msg_enum(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    const char *const *names, uint64_t *out)
{
	char	what[96];
	size_t	i, n;
	int	len;

	for (i = 1; names[i] != NULL; i++) {
		if (cJSON_IsString(it) && strcmp(it->valuestring, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	n = i - 1;
	len = snprintf(what, sizeof what, "must be");
	for (i = 1; names[i] != NULL && len > 0 && (size_t)len < sizeof what;
	    i++)
		len += snprintf(what + len, sizeof what - len, "%s\"%s\"",
		    i == 1 ? " " : i == n ? " or " : ", ", names[i]);
	return msg_bad(c, pre, key, what);
}

static int	msg_field(struct msg_ctx *, const cJSON *, const char *,
		    const struct msg__field *, char *);
static int	msg_members(struct msg_ctx *, const cJSON *, const char *,
		    const struct msg__field *, char *);

/*
 * An array of min..max elements into a calloc'd array that the message
 * owns (proto_msg_free() releases it, names included). The count is checked
 * before anything is allocated, and stored before the elements are read, so
 * that a failure half way frees what was taken.
 */
static int
msg_array(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    const struct msg__field *f, char *base)
{
	const struct msg__field	*el = f->sub;
	const cJSON		*e;
	char			 path[MSG_PATH_MAX], what[96];
	char			*arr;
	size_t			 n, i = 0;
	int			 count, r;

	count = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
	if (count < 0 || (uint64_t)count < f->min || (uint64_t)count > f->max) {
		snprintf(what, sizeof what, "must be an array of %" PRIu64
		    " to %" PRIu64 " %s", f->min, f->max, f->what);
		return msg_bad(c, pre, key, what);
	}
	if ((n = (size_t)count) == 0)
		return 0;
	if ((arr = calloc(n, el->size)) == NULL)
		return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
	memcpy(base + f->off, &arr, sizeof arr);
	memcpy(base + f->count_off, &n, sizeof n);
	cJSON_ArrayForEach(e, it) {
		if (key != NULL)
			snprintf(path, sizeof path, "%s\"%s\"[%zu]", pre, key, i);
		else
			snprintf(path, sizeof path, "%s[%zu]", pre, i);
		if ((r = msg_field(c, e, path, el, arr + i * el->size)) != 0)
			return r;
		i++;
	}
	return 0;
}

/*
 * Decodes and checks one field of the struct at base. A field is named by
 * where it sits: pre is the path of its parent with a trailing dot
 * ("\"files\"[3].") or "", then its key; an array element has key NULL and
 * its whole path in pre ("\"ids\"[2]").
 */
static int
msg_field(struct msg_ctx *c, const cJSON *it, const char *pre,
    const struct msg__field *f, char *base)
{
	const char	*key = f->key, *s;
	char		 path[MSG_PATH_MAX];
	char		*copy;
	uint64_t	 v = 0;
	size_t		 len;
	int		 r;

	if (it == NULL)
		return f->optional ? 0 : msg_bad(c, pre, key, "is missing");
	switch (f->kind) {
	case MSG__INT:
	case MSG__BOOL:
	case MSG__ENUM:
		if (f->kind == MSG__INT)
			r = msg_int(c, it, pre, key, f->min, f->max, &v);
		else if (f->kind == MSG__ENUM)
			r = msg_enum(c, it, pre, key, f->names, &v);
		else if (!cJSON_IsBool(it))
			r = msg_bad(c, pre, key, "must be true or false");
		else {
			v = cJSON_IsTrue(it);
			r = 0;
		}
		if (r == 0 && !put_uint(base + f->off, f->size, v))
			r = msg_fail(c, -PROTO_E_INTERNAL, "no storage of %zu bytes",
			    f->size);
		return r;
	case MSG__TEXT:
		if ((r = msg_str(c, it, pre, key, f, false, &s, &len)) != 0)
			return r;
		memcpy(base + f->off, s, len + 1);
		return 0;
	case MSG__FNAME:
		if ((r = msg_str(c, it, pre, key, f, true, &s, &len)) != 0)
			return r;
		/* Owned by the message; proto_msg_free() releases it. */
		if ((copy = malloc(len + 1)) == NULL)
			return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
		memcpy(copy, s, len + 1);
		memcpy(base + f->off, &copy, sizeof copy);
		return 0;
	case MSG__HEX:
		return msg_hex(c, it, pre, key, f->size - 1, base + f->off);
	case MSG__OBJECT:
		if (!cJSON_IsObject(it))
			return msg_bad(c, pre, key, "must be an object");
		if (key != NULL)
			snprintf(path, sizeof path, "%s\"%s\".", pre, key);
		else
			snprintf(path, sizeof path, "%s.", pre);
		return msg_members(c, it, path, f->sub, base + f->off);
	case MSG__ARRAY:
		return msg_array(c, it, pre, key, f, base);
	}
	return msg_fail(c, -PROTO_E_INTERNAL, "no decoder for this field");
}

/* The members fields[] of obj, in table order: the first wrong one is named. */
static int
msg_members(struct msg_ctx *c, const cJSON *obj, const char *pre,
    const struct msg__field *fields, char *base)
{
	const struct msg__field	*f;
	int			 r;

	for (f = fields; f->key != NULL; f++) {
		if ((r = msg_field(c, msg_item(obj, f->key), pre, f,
		    base)) != 0)
			return r;
	}
	return 0;
}

/*
 * cJSON accepts two things RFC 8259 does not, and both would let a string
 * mean less than it says: raw control bytes (it skips any byte below 0x20 as
 * white space and copies them into strings), and \u0000, which it decodes
 * into a NUL that silently ends the C string, so {"type\u0000x":...} would
 * read as "type". One pass over the raw text refuses both, in member names
 * and in ignored members too.
 */
static int
msg_scan(struct msg_ctx *c, const uint8_t *p, size_t len)
{
	bool	in_str = false;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!in_str) {
			if (p[i] == '"')
				in_str = true;
			else if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
			    p[i] != '\r')
				return msg_fail(c, -PROTO_E_BAD_MESSAGE,
				    "control byte 0x%02x at byte %zu", p[i], i);
			continue;
		}
		if (p[i] == '"')
			in_str = false;
		else if (p[i] < 0x20)
			return msg_fail(c, -PROTO_E_BAD_MESSAGE,
			    "unescaped control byte 0x%02x in a string at byte %zu",
			    p[i], i);
		else if (p[i] == '\\') {
			if (i + 5 < len && p[i + 1] == 'u' &&
			    memcmp(p + i + 2, "0000", 4) == 0)
				return msg_fail(c, -PROTO_E_BAD_MESSAGE,
				    "a string contains \\u0000 at byte %zu", i);
			i++;	/* the escaped character cannot end the string */
		}
	}
	return 0;
}

/* Copies an unknown type name into an error line: printable ASCII only, short. */
static void
msg_printable(char *dst, size_t dstsize, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < dstsize; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			dst[i] = s[i];
		else
			dst[i] = '?';
	}
	dst[i] = '\0';
}

int
proto_msg_decode(const uint8_t *json, size_t len, struct proto_msg *m,
    char *err, size_t errlen)
{
	struct msg_ctx	 c = { "message", err, errlen };
	const char	*end = NULL;
	const cJSON	*type;
	cJSON		*root;
	char		 shown[33];
	size_t		 off;
	int		 i, r;

	memset(m, 0, sizeof *m);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (json == NULL || len == 0)
		return msg_fail(&c, -PROTO_E_BAD_MESSAGE, "empty payload");
	if (memchr(json, '\0', len) != NULL)
		return msg_fail(&c, -PROTO_E_BAD_MESSAGE,
		    "payload contains a NUL byte");
	if (!proto_utf8_valid((const char *)json, len))
		return msg_fail(&c, -PROTO_E_BAD_MESSAGE,
		    "payload is not valid UTF-8");
	if ((r = msg_scan(&c, json, len)) != 0)
		return r;

	root = cJSON_ParseWithLengthOpts((const char *)json, len, &end, 0);
	if (root == NULL) {
		off = end != NULL && end >= (const char *)json &&
		    end <= (const char *)json + len ?
		    (size_t)(end - (const char *)json) : 0;
		return msg_fail(&c, -PROTO_E_BAD_MESSAGE,
		    "not valid JSON (at byte %zu)", off);
	}
	/* cJSON stops after the value; only white space may follow it. */
	off = (size_t)(end - (const char *)json);
	while (off < len && (json[off] == ' ' || json[off] == '\t' ||
	    json[off] == '\n' || json[off] == '\r'))
		off++;
	if (off != len) {
		r = msg_fail(&c, -PROTO_E_BAD_MESSAGE,
		    "trailing data after the JSON value at byte %zu", off);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		r = msg_fail(&c, -PROTO_E_BAD_MESSAGE, "not a JSON object");
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (type == NULL) {
		r = msg_bad(&c, "", "type", "is missing");
		goto out;
	}
	if (!cJSON_IsString(type) || type->valuestring == NULL) {
		r = msg_bad(&c, "", "type", "must be a string");
		goto out;
	}
	for (i = PROTO_MSG_NONE + 1; i < PROTO_MSG_COUNT; i++) {
		if (strcmp(msg_type_names[i], type->valuestring) == 0)
			break;
	}
	if (i == PROTO_MSG_COUNT) {
		msg_printable(shown, sizeof shown, type->valuestring);
		r = msg_fail(&c, -PROTO_E_UNKNOWN_TYPE,
		    "unknown message type \"%s\"", shown);
		goto out;
	}
	m->type = (enum proto_msg_type)i;
	c.type = msg_type_names[i];
	if (msg__fields[i] == NULL)
		r = msg_fail(&c, -PROTO_E_INTERNAL, "no decoder for this type");
	else
		r = msg_members(&c, root, "", msg__fields[i], (char *)m);
out:
	cJSON_Delete(root);
	if (r != 0)
		proto_msg_free(m);
	return r;
}

/*
 * Encoding, from the same tables. Each step adds one value and returns 0,
 * -PROTO_E_BAD_MESSAGE for a value that cannot be written (an unterminated
 * array, a NULL name, a count above the limit, an enum with no name) or
 * -PROTO_E_NOMEM. Range and content are judged afterwards by the decoder.
 */

/* Adds it to an object (key) or an array (key NULL); takes it either way. */
static int
enc_add(cJSON *parent, const char *key, cJSON *it)
{
	bool	ok;

	if (it == NULL)
		return -PROTO_E_NOMEM;
	ok = key != NULL ? cJSON_AddItemToObject(parent, key, it) :
	    cJSON_AddItemToArray(parent, it);
	if (!ok) {
		cJSON_Delete(it);
		return -PROTO_E_NOMEM;
	}
	return 0;
}

/*
 * Integers are written as raw decimal text, not through a double: cJSON
 * would print 10^15 as "1e+15", which some JSON readers take for a float.
 */
static cJSON *
enc_int(uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return cJSON_CreateRaw(buf);
}

static int	enc_field(cJSON *, const struct msg__field *, const char *);
static int	enc_members(cJSON *, const struct msg__field *, const char *);

static int
enc_array(cJSON *parent, const struct msg__field *f, const char *base)
{
	const struct msg__field	*el = f->sub;
	const char		*arr;
	cJSON			*a;
	size_t			 n, i;
	int			 r;

	memcpy(&arr, base + f->off, sizeof arr);
	memcpy(&n, base + f->count_off, sizeof n);
	if (n > f->max || (n > 0 && arr == NULL))
		return -PROTO_E_BAD_MESSAGE;
	if ((r = enc_add(parent, f->key, a = cJSON_CreateArray())) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = enc_field(a, el, arr + i * el->size)) != 0)
			return r;
	}
	return 0;
}

/* One field of the struct at base into parent. */
static int
enc_field(cJSON *parent, const struct msg__field *f, const char *base)
{
	const char	*p = base + f->off, *s;
	cJSON		*o;
	uint64_t	 v;
	size_t		 n;
	int		 r;

	switch (f->kind) {
	case MSG__INT:
		v = get_uint(p, f->size);
		if (f->optional && v == 0)
			return 0;	/* zero means absent */
		return enc_add(parent, f->key, enc_int(v));
	case MSG__BOOL:
		return enc_add(parent, f->key,
		    cJSON_CreateBool(get_uint(p, f->size) != 0));
	case MSG__ENUM:
		v = get_uint(p, f->size);
		for (n = 1; f->names[n] != NULL; n++)
			;
		if (v == 0 || v >= n)
			return -PROTO_E_BAD_MESSAGE;
		return enc_add(parent, f->key, cJSON_CreateString(f->names[v]));
	case MSG__TEXT:
	case MSG__HEX:
		/* Held in a fixed array: it must be terminated inside it. */
		if (memchr(p, '\0', f->size) == NULL)
			return -PROTO_E_BAD_MESSAGE;
		return enc_add(parent, f->key, cJSON_CreateString(p));
	case MSG__FNAME:
		memcpy(&s, p, sizeof s);
		if (s == NULL)
			return -PROTO_E_BAD_MESSAGE;
		return enc_add(parent, f->key, cJSON_CreateString(s));
	case MSG__OBJECT:
		if ((r = enc_add(parent, f->key, o = cJSON_CreateObject())) != 0)
			return r;
		return enc_members(o, f->sub, p);
	case MSG__ARRAY:
		return enc_array(parent, f, base);
	}
	return -PROTO_E_BAD_MESSAGE;
}

static int
enc_members(cJSON *obj, const struct msg__field *fields, const char *base)
{
	const struct msg__field	*f;
	int			 r;

	for (f = fields; f->key != NULL; f++) {
		if ((r = enc_field(obj, f, base)) != 0)
			return r;
	}
	return 0;
}

int
proto_msg_frame_err(const struct proto_msg *m, uint8_t **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct msg_ctx		 c = { "message", err, errlen };
	struct proto_msg	 check;
	const char		*name;
	cJSON			*root;
	char			*json = NULL;
	size_t			 jlen;
	int			 r;

	*out = NULL;
	*outlen = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((name = proto_msg_type_name(m->type)) == NULL)
		return msg_fail(&c, -PROTO_E_BAD_MESSAGE, "no such type %d",
		    (int)m->type);
	c.type = name;

	if ((root = cJSON_CreateObject()) == NULL)
		return msg_fail(&c, -PROTO_E_NOMEM, "out of memory");
	if ((r = enc_add(root, "type", cJSON_CreateString(name))) == 0)
		r = msg__fields[m->type] == NULL ? -PROTO_E_BAD_MESSAGE :
		    enc_members(root, msg__fields[m->type], (const char *)m);
	if (r == 0 && (json = cJSON_PrintUnformatted(root)) == NULL)
		r = -PROTO_E_NOMEM;
	cJSON_Delete(root);
	if (r == -PROTO_E_NOMEM)
		return msg_fail(&c, r, "out of memory");
	if (r != 0)
		return msg_fail(&c, r, "a string field is NULL or unterminated, "
		    "or a count is out of range");

	/* Judge what would be sent exactly as the peer will. */
	jlen = strlen(json);
	r = proto_msg_decode((const uint8_t *)json, jlen, &check, err, errlen);
	proto_msg_free(&check);
	if (r != 0)
		goto out;
	if (jlen > PROTO_CONTROL_MAX) {
		r = msg_fail(&c, -PROTO_E_TOO_LARGE,
		    "%zu bytes of JSON, the limit is %d", jlen,
		    PROTO_CONTROL_MAX);
		goto out;
	}
	/* Owned by the caller, who frees it with free(). */
	if ((*out = malloc(PROTO_HEADER_LEN + jlen)) == NULL) {
		r = msg_fail(&c, -PROTO_E_NOMEM, "out of memory");
		goto out;
	}
	proto_header_encode(*out, PROTO_KIND_CONTROL, (uint32_t)jlen);
	memcpy(*out + PROTO_HEADER_LEN, json, jlen);
	*outlen = PROTO_HEADER_LEN + jlen;
out:
	cJSON_free(json);
	return r;
}

int
proto_msg_frame(const struct proto_msg *m, uint8_t **out, size_t *outlen)
{
	return proto_msg_frame_err(m, out, outlen, NULL, 0);
}

/*
 * Copies text into a text(N) field so that it always passes: cut at N bytes
 * on a character boundary, invalid bytes become '?', control characters ' '.
 */
static void
msg_clean_text(char *dst, size_t dstsize, const char *s)
{
	uint32_t	cp;
	size_t		len = strlen(s), i = 0, o = 0, n;

	while (i < len) {
		if ((n = proto_utf8_decode(s + i, len - i, &cp)) == 0) {
			n = 1;
			if (o + 1 >= dstsize)
				break;
			dst[o++] = '?';
		} else if (o + n >= dstsize)
			break;
		else if (proto_has_control(s + i, n))
			dst[o++] = ' ';
		else {
			memcpy(dst + o, s + i, n);
			o += n;
		}
		i += n;
	}
	dst[o] = '\0';
}

int
proto_error_frame(int err, const char *message, uint64_t transfer,
    uint64_t ref, uint8_t **out, size_t *outlen)
{
	struct proto_msg	 m;
	const char		*code;

	proto_msg_init(&m, PROTO_MSG_ERROR);
	if ((code = proto_code_name(err)) == NULL)
		code = proto_code_name(PROTO_E_INTERNAL);
	snprintf(m.code, sizeof m.code, "%s", code);
	msg_clean_text(m.message, sizeof m.message,
	    message != NULL ? message : proto_strerror(err));
	m.transfer = transfer;
	m.ref = ref;
	return proto_msg_frame(&m, out, outlen);
}

int
proto_receipt_fits(const struct proto_file *files, size_t nfiles)
{
	static const char	 suffix[] = " (99999)";
	struct proto_msg	 m;
	struct proto_file	*rf;
	uint8_t			*out;
	size_t			 outlen, i, len;
	int			 r = 0;

	if (nfiles > PROTO_FILES_MAX || (nfiles > 0 && files == NULL))
		return -PROTO_E_BAD_MESSAGE;
	proto_msg_init(&m, PROTO_MSG_RECEIPT);
	m.transfer = PROTO_INT_MAX;
	m.ok = true;
	memset(m.message, 'x', PROTO_TEXT_MAX);
	/* Entries borrow the offered names; only saved_as is ours to free. */
	if ((rf = calloc(nfiles + 1, sizeof *rf)) == NULL)
		return -PROTO_E_NOMEM;
	for (i = 0; i < nfiles; i++) {
		if (files[i].name == NULL) {
			r = -PROTO_E_BAD_MESSAGE;
			goto out;
		}
		rf[i].name = files[i].name;
		rf[i].size = PROTO_INT_MAX;
		memset(rf[i].sha256, 'f', PROTO_SHA256_LEN);
		len = strlen(files[i].name);
		if ((rf[i].saved_as = malloc(len + sizeof suffix)) == NULL) {
			r = -PROTO_E_NOMEM;
			goto out;
		}
		memcpy(rf[i].saved_as, files[i].name, len + 1);
		if (len + sizeof suffix - 1 <= PROTO_FILE_NAME_MAX)
			memcpy(rf[i].saved_as + len, suffix, sizeof suffix);
	}
	m.files = rf;
	m.nfiles = nfiles;
	if ((r = proto_msg_frame(&m, &out, &outlen)) == 0)
		free(out);
out:
	for (i = 0; i < nfiles; i++)
		free(rf[i].saved_as);
	free(rf);
	return r;
}
