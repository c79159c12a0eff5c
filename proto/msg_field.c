/*
 * msg_field.c: the engine behind msg_table.c: decodes and checks the
 * fields of a message from its table, naming the first one that is wrong,
 * and encodes a struct proto_msg from the same table. With msg.c the only
 * files that include cJSON.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "msg_field.h"
#include "name.h"
#include "text.h"

#define MSG_PATH_MAX	64	/* room for "peers"[999]."addr" and the like */

int
msg__fail(struct msg__ctx *c, int code, const char *fmt, ...)
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

int
msg__bad(struct msg__ctx *c, const char *pre, const char *key, const char *what)
{
	if (key == NULL)
		return msg__fail(c, -PROTO_E_BAD_MESSAGE, "field %s %s", pre,
		    what);
	return msg__fail(c, -PROTO_E_BAD_MESSAGE, "field %s\"%s\" %s", pre, key,
	    what);
}

static const cJSON *
member(const cJSON *obj, const char *key)
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
dec_int(struct msg__ctx *c, const cJSON *it, const char *pre, const char *key,
    uint64_t min, uint64_t max, uint64_t *out)
{
	char	what[96];
	double	d;

	d = cJSON_IsNumber(it) ? it->valuedouble : -1.0;
	if (!(d >= (double)min && d <= (double)max) ||
	    (double)(uint64_t)d != d) {
		snprintf(what, sizeof what,
		    "must be an integer between %" PRIu64 " and %" PRIu64, min,
		    max);
		return msg__bad(c, pre, key, what);
	}
	*out = (uint64_t)d;
	return 0;
}

/*
 * Storage of an integer, a bool or an enum: the table gives the member's
 * size (1, 2, 4 or 8 bytes), and the union keeps the access of the
 * member's own width. Every member of a union starts at its first byte.
 */
union word {
	uint8_t		u8;
	uint16_t	u16;
	uint32_t	u32;
	uint64_t	u64;
};

static bool
put_uint(char *p, size_t size, uint64_t v)
{
	union word	w;

	if (size == 1)
		w.u8 = (uint8_t)v;
	else if (size == 2)
		w.u16 = (uint16_t)v;
	else if (size == 4)
		w.u32 = (uint32_t)v;
	else if (size == 8)
		w.u64 = v;
	else
		return false;
	memcpy(p, &w, size);
	return true;
}

static uint64_t
get_uint(const char *p, size_t size)
{
	union word	w = { .u64 = 0 };

	memcpy(&w, p, size < sizeof w ? size : sizeof w);
	return size == 1 ? w.u8 : size == 2 ? w.u16 : size == 4 ? w.u32 :
	    w.u64;
}

/*
 * A string of f->min..f->max bytes of UTF-8; with controls false, no
 * control characters either (text(N)); fname allows them, the receiver
 * judges names. Borrowed from the cJSON tree.
 */
static int
dec_str(struct msg__ctx *c, const cJSON *it, const char *pre, const char *key,
    const struct msg__field *f, bool controls, const char **out, size_t *outlen)
{
	char	what[64];
	size_t	len;

	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return msg__bad(c, pre, key, "must be a string");
	/*
	 * A NUL inside the string (from \u0000) was refused by scan_raw() in
	 * msg.c before parsing, so strlen is the whole decoded length.
	 */
	len = strlen(it->valuestring);
	if (!proto_utf8_valid(it->valuestring, len))
		return msg__bad(c, pre, key, "is not valid UTF-8");
	if (len < f->min)
		return msg__bad(c, pre, key, "is empty");
	if (len > f->max) {
		snprintf(what, sizeof what, "is longer than %" PRIu64 " bytes",
		    f->max);
		return msg__bad(c, pre, key, what);
	}
	if (!controls && proto_has_control(it->valuestring, len))
		return msg__bad(c, pre, key, "contains a control character");
	*out = it->valuestring;
	*outlen = len;
	return 0;
}

/* hex(N): exactly N characters 0-9a-f. */
static int
dec_hex(struct msg__ctx *c, const cJSON *it, const char *pre, const char *key,
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
		return msg__bad(c, pre, key, what);
	}
	memcpy(dst, s, n + 1);
	return 0;
}

/* One of names[1..]; the reason lists them: "must be \"a\" or \"b\"". */
static int
dec_enum(struct msg__ctx *c, const cJSON *it, const char *pre, const char *key,
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
	return msg__bad(c, pre, key, what);
}

static int	dec_field(struct msg__ctx *, const cJSON *, const char *,
		    const struct msg__field *, char *);
static int	dec_members(struct msg__ctx *, const cJSON *, const char *,
		    const struct msg__field *, char *);

/*
 * An array of min..max elements into a calloc'd array that the message
 * owns (proto_msg_free() releases it, names included). The count is checked
 * before anything is allocated, and stored before the elements are read, so
 * that a failure half way frees what was taken.
 */
static int
dec_array(struct msg__ctx *c, const cJSON *it, const char *pre, const char *key,
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
		return msg__bad(c, pre, key, what);
	}
	if ((n = (size_t)count) == 0)
		return 0;
	if ((arr = calloc(n, el->size)) == NULL)
		return msg__fail(c, -PROTO_E_NOMEM, "out of memory");
	memcpy(base + f->off, &arr, sizeof arr);
	memcpy(base + f->count_off, &n, sizeof n);
	cJSON_ArrayForEach(e, it) {
		if (key != NULL)
			snprintf(path, sizeof path, "%s\"%s\"[%zu]", pre, key, i);
		else
			snprintf(path, sizeof path, "%s[%zu]", pre, i);
		if ((r = dec_field(c, e, path, el, arr + i * el->size)) != 0)
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
dec_field(struct msg__ctx *c, const cJSON *it, const char *pre,
    const struct msg__field *f, char *base)
{
	const char	*key = f->key, *s;
	char		 path[MSG_PATH_MAX];
	char		*copy;
	uint64_t	 v = 0;
	size_t		 len;
	int		 r;

	if (it == NULL)
		return f->optional ? 0 : msg__bad(c, pre, key, "is missing");
	switch (f->kind) {
	case MSG__INT:
	case MSG__BOOL:
	case MSG__ENUM:
		if (f->kind == MSG__INT)
			r = dec_int(c, it, pre, key, f->min, f->max, &v);
		else if (f->kind == MSG__ENUM)
			r = dec_enum(c, it, pre, key, f->names, &v);
		else if (!cJSON_IsBool(it))
			r = msg__bad(c, pre, key, "must be true or false");
		else {
			v = cJSON_IsTrue(it);
			r = 0;
		}
		if (r == 0 && !put_uint(base + f->off, f->size, v))
			r = msg__fail(c, -PROTO_E_INTERNAL, "no storage of %zu bytes",
			    f->size);
		return r;
	case MSG__TEXT:
		if ((r = dec_str(c, it, pre, key, f, false, &s, &len)) != 0)
			return r;
		memcpy(base + f->off, s, len + 1);
		return 0;
	case MSG__FNAME:
		if ((r = dec_str(c, it, pre, key, f, true, &s, &len)) != 0)
			return r;
		/* Owned by the message; proto_msg_free() releases it. */
		if ((copy = malloc(len + 1)) == NULL)
			return msg__fail(c, -PROTO_E_NOMEM, "out of memory");
		memcpy(copy, s, len + 1);
		memcpy(base + f->off, &copy, sizeof copy);
		return 0;
	case MSG__HEX:
		return dec_hex(c, it, pre, key, f->size - 1, base + f->off);
	case MSG__OBJECT:
		if (!cJSON_IsObject(it))
			return msg__bad(c, pre, key, "must be an object");
		if (key != NULL)
			snprintf(path, sizeof path, "%s\"%s\".", pre, key);
		else
			snprintf(path, sizeof path, "%s.", pre);
		return dec_members(c, it, path, f->sub, base + f->off);
	case MSG__ARRAY:
		return dec_array(c, it, pre, key, f, base);
	}
	return msg__fail(c, -PROTO_E_INTERNAL, "no decoder for this field");
}

/* The members fields[] of obj, in table order: the first wrong one is named. */
static int
dec_members(struct msg__ctx *c, const cJSON *obj, const char *pre,
    const struct msg__field *fields, char *base)
{
	const struct msg__field	*f;
	int			 r;

	for (f = fields; f->key != NULL; f++) {
		if ((r = dec_field(c, member(obj, f->key), pre, f,
		    base)) != 0)
			return r;
	}
	return 0;
}

int
msg__decode(struct msg__ctx *c, const cJSON *root, struct proto_msg *m)
{
	if ((int)m->type <= PROTO_MSG_NONE || (int)m->type >= PROTO_MSG_COUNT ||
	    msg__fields[m->type] == NULL)
		return msg__fail(c, -PROTO_E_INTERNAL, "no decoder for this type");
	return dec_members(c, root, "", msg__fields[m->type], (char *)m);
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
	if (f->optional && n == 0)
		return 0;	/* empty means absent */
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
		v = get_uint(p, f->size);
		if (f->optional && v == 0)
			return 0;	/* false means absent */
		return enc_add(parent, f->key, cJSON_CreateBool(v != 0));
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
		if (f->optional && *p == '\0')
			return 0;	/* "" means absent */
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
msg__encode(cJSON *root, const struct proto_msg *m)
{
	if ((int)m->type <= PROTO_MSG_NONE || (int)m->type >= PROTO_MSG_COUNT ||
	    msg__fields[m->type] == NULL)
		return -PROTO_E_BAD_MESSAGE;
	return enc_members(root, msg__fields[m->type], (const char *)m);
}
