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
#include "frame.h"
#include "name.h"
#include "text.h"

static const char *const msg_type_names[PROTO_MSG_COUNT] = {
	[PROTO_MSG_NONE] = NULL,
#define PROTO_MSG_NAME(sym, str) [PROTO_MSG_##sym] = str,
	PROTO_MSG_TYPES(PROTO_MSG_NAME)
#undef PROTO_MSG_NAME
};

/* How a string field is judged (PROTOCOL.md section 2, "Types"). */
enum msg_str_rule {
	MSG_TEXT,	/* text(N): no control characters */
	MSG_FNAME,	/* fname: anything but NUL; the receiver judges the rest */
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

static int
msg_id(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    uint64_t *out)
{
	return msg_int(c, it, pre, key, 1, PROTO_INT_MAX, out);
}

static int
msg_u53(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    uint64_t *out)
{
	return msg_int(c, it, pre, key, 0, PROTO_INT_MAX, out);
}

/* A string of minlen..maxlen bytes of UTF-8 under the given rule; borrowed. */
static int
msg_str(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    size_t minlen, size_t maxlen, enum msg_str_rule rule, const char **out,
    size_t *outlen)
{
	char	what[64];
	size_t	len;

	if (it == NULL)
		return msg_bad(c, pre, key, "is missing");
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return msg_bad(c, pre, key, "must be a string");
	/*
	 * A NUL inside the string (from \u0000) was refused by msg_scan()
	 * before parsing, so strlen is the whole decoded length.
	 */
	len = strlen(it->valuestring);
	if (!proto_utf8_valid(it->valuestring, len))
		return msg_bad(c, pre, key, "is not valid UTF-8");
	if (len < minlen)
		return msg_bad(c, pre, key, "is empty");
	if (len > maxlen) {
		snprintf(what, sizeof what, "is longer than %zu bytes", maxlen);
		return msg_bad(c, pre, key, what);
	}
	if (rule == MSG_TEXT && proto_has_control(it->valuestring, len))
		return msg_bad(c, pre, key, "contains a control character");
	*out = it->valuestring;
	*outlen = len;
	return 0;
}

/* text(N) into a fixed array of N + 1 bytes. */
static int
msg_text(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    size_t minlen, char *dst, size_t dstsize)
{
	const char	*s;
	size_t		 len;
	int		 r;

	if ((r = msg_str(c, it, pre, key, minlen, dstsize - 1, MSG_TEXT, &s,
	    &len)) != 0)
		return r;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* fname into a malloc'd copy that the message owns. */
static int
msg_fname(struct msg_ctx *c, const cJSON *it, const char *pre,
    const char *key, char **dst)
{
	const char	*s;
	size_t		 len;
	int		 r;

	if ((r = msg_str(c, it, pre, key, 1, PROTO_FILE_NAME_MAX, MSG_FNAME,
	    &s, &len)) != 0)
		return r;
	if ((*dst = malloc(len + 1)) == NULL)
		return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
	memcpy(*dst, s, len + 1);
	return 0;
}

/* hex(N): exactly N characters 0-9a-f into an array of N + 1 bytes. */
static int
msg_hex(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    char *dst, size_t n)
{
	char		 what[64];
	const char	*s;
	size_t		 i;

	if (it == NULL)
		return msg_bad(c, pre, key, "is missing");
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

static int
msg_bool(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    bool *out)
{
	if (it == NULL)
		return msg_bad(c, pre, key, "is missing");
	if (!cJSON_IsBool(it))
		return msg_bad(c, pre, key, "must be true or false");
	*out = cJSON_IsTrue(it);
	return 0;
}

/* An array of min..max elements; the count is checked before anything is allocated. */
static int
msg_array(struct msg_ctx *c, const cJSON *it, const char *key, size_t min,
    size_t max, const char *what, size_t *n)
{
	char	buf[96];
	int	count;

	if (it == NULL)
		return msg_bad(c, "", key, "is missing");
	count = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
	if (count < 0 || (size_t)count < min || (size_t)count > max) {
		snprintf(buf, sizeof buf, "must be an array of %zu to %zu %s",
		    min, max, what);
		return msg_bad(c, "", key, buf);
	}
	*n = (size_t)count;
	return 0;
}

/* A peer object: {"id": id, "name": text(64) >= 1 byte, "addr": text(64)}. */
static int
msg_peer(struct msg_ctx *c, const cJSON *it, const char *pre, const char *key,
    struct proto_peer *p)
{
	char	path[MSG_PATH_MAX];
	int	r;

	if (it == NULL)
		return msg_bad(c, pre, key, "is missing");
	if (!cJSON_IsObject(it))
		return msg_bad(c, pre, key, "must be an object");
	if (key != NULL)
		snprintf(path, sizeof path, "%s\"%s\".", pre, key);
	else
		snprintf(path, sizeof path, "%s.", pre);
	if ((r = msg_id(c, msg_item(it, "id"), path, "id", &p->id)) != 0 ||
	    (r = msg_text(c, msg_item(it, "name"), path, "name", 1, p->name,
	    sizeof p->name)) != 0 ||
	    (r = msg_text(c, msg_item(it, "addr"), path, "addr", 0, p->addr,
	    sizeof p->addr)) != 0)
		return r;
	return 0;
}

/* "peers": an array of min..PROTO_PEERS_MAX peer objects. */
static int
msg_peers(struct msg_ctx *c, const cJSON *root, size_t min,
    struct proto_msg *m)
{
	const cJSON	*el;
	char		 path[MSG_PATH_MAX];
	size_t		 n, i = 0;
	int		 r;

	if ((r = msg_array(c, msg_item(root, "peers"), "peers", min,
	    PROTO_PEERS_MAX, "peer objects", &n)) != 0)
		return r;
	if (n == 0)
		return 0;
	/* Owned by the message; proto_msg_free() releases it. */
	if ((m->peers = calloc(n, sizeof *m->peers)) == NULL)
		return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
	m->npeers = n;
	cJSON_ArrayForEach(el, msg_item(root, "peers")) {
		snprintf(path, sizeof path, "\"peers\"[%zu]", i);
		if ((r = msg_peer(c, el, path, NULL, &m->peers[i])) != 0)
			return r;
		i++;
	}
	return 0;
}

/* "ids": an array of 1..PROTO_PEERS_MAX ids. */
static int
msg_ids(struct msg_ctx *c, const cJSON *root, struct proto_msg *m)
{
	const cJSON	*el;
	char		 path[MSG_PATH_MAX];
	size_t		 n, i = 0;
	int		 r;

	if ((r = msg_array(c, msg_item(root, "ids"), "ids", 1, PROTO_PEERS_MAX,
	    "ids", &n)) != 0)
		return r;
	/* Owned by the message; proto_msg_free() releases it. */
	if ((m->ids = calloc(n, sizeof *m->ids)) == NULL)
		return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
	m->nids = n;
	cJSON_ArrayForEach(el, msg_item(root, "ids")) {
		snprintf(path, sizeof path, "\"ids\"[%zu]", i);
		if ((r = msg_id(c, el, path, NULL, &m->ids[i])) != 0)
			return r;
		i++;
	}
	return 0;
}

/*
 * "files": offer and incoming carry {name, size}; a receipt carries
 * {name, size, sha256, saved_as} and may be empty.
 */
static int
msg_files(struct msg_ctx *c, const cJSON *root, bool receipt,
    struct proto_msg *m)
{
	const cJSON		*el;
	struct proto_file	*f;
	char			 path[MSG_PATH_MAX];
	size_t			 n, i = 0;
	int			 r;

	if ((r = msg_array(c, msg_item(root, "files"), "files", receipt ? 0 : 1,
	    PROTO_FILES_MAX, receipt ? "receipt file objects" : "file objects",
	    &n)) != 0)
		return r;
	if (n == 0)
		return 0;
	/* Owned by the message, names included; proto_msg_free() releases them. */
	if ((m->files = calloc(n, sizeof *m->files)) == NULL)
		return msg_fail(c, -PROTO_E_NOMEM, "out of memory");
	m->nfiles = n;
	cJSON_ArrayForEach(el, msg_item(root, "files")) {
		f = &m->files[i];
		snprintf(path, sizeof path, "\"files\"[%zu]", i);
		if (!cJSON_IsObject(el))
			return msg_bad(c, path, NULL, "must be an object");
		snprintf(path, sizeof path, "\"files\"[%zu].", i);
		if ((r = msg_fname(c, msg_item(el, "name"), path, "name",
		    &f->name)) != 0 ||
		    (r = msg_u53(c, msg_item(el, "size"), path, "size",
		    &f->size)) != 0)
			return r;
		if (receipt &&
		    ((r = msg_hex(c, msg_item(el, "sha256"), path, "sha256",
		    f->sha256, PROTO_SHA256_LEN)) != 0 ||
		    (r = msg_fname(c, msg_item(el, "saved_as"), path,
		    "saved_as", &f->saved_as)) != 0))
			return r;
		i++;
	}
	return 0;
}

static int
msg_role(struct msg_ctx *c, const cJSON *it, enum proto_role *out)
{
	if (it == NULL)
		return msg_bad(c, "", "role", "is missing");
	if (cJSON_IsString(it) && strcmp(it->valuestring, "send") == 0)
		*out = PROTO_ROLE_SEND;
	else if (cJSON_IsString(it) && strcmp(it->valuestring, "receive") == 0)
		*out = PROTO_ROLE_RECEIVE;
	else
		return msg_bad(c, "", "role", "must be \"send\" or \"receive\"");
	return 0;
}

/* The fields of each type, as in PROTOCOL.md sections 2.1 to 2.3. */
static int
msg_decode_fields(struct msg_ctx *c, const cJSON *root, struct proto_msg *m)
{
	const cJSON	*it;
	uint64_t	 v;
	int		 r = 0;

#define F(key)	msg_item(root, key)
	switch (m->type) {
	case PROTO_MSG_HELLO:
		if ((r = msg_int(c, F("version"), "", "version", 1, 65535,
		    &v)) != 0)
			break;
		m->version = (uint32_t)v;
		r = msg_text(c, F("name"), "", "name", 1, m->name,
		    sizeof m->name);
		break;
	case PROTO_MSG_WELCOME:
		if ((r = msg_id(c, F("id"), "", "id", &m->id)) != 0 ||
		    (r = msg_text(c, F("name"), "", "name", 0, m->name,
		    sizeof m->name)) != 0)
			break;
		r = msg_text(c, F("addr"), "", "addr", 0, m->addr,
		    sizeof m->addr);
		break;
	case PROTO_MSG_PEERS:
	case PROTO_MSG_PING:
	case PROTO_MSG_PONG:
		break;
	case PROTO_MSG_PEER_LIST:
		if ((r = msg_peers(c, root, 0, m)) != 0)
			break;
		r = msg_bool(c, F("more"), "", "more", &m->more);
		break;
	case PROTO_MSG_PEER_JOINED:
		r = msg_peers(c, root, 1, m);
		break;
	case PROTO_MSG_PEER_LEFT:
		r = msg_ids(c, root, m);
		break;
	case PROTO_MSG_OFFER:
		if ((r = msg_u53(c, F("ref"), "", "ref", &m->ref)) != 0 ||
		    (r = msg_text(c, F("to"), "", "to", 1, m->to,
		    sizeof m->to)) != 0)
			break;
		r = msg_files(c, root, false, m);
		break;
	case PROTO_MSG_OFFERED:
		if ((r = msg_u53(c, F("ref"), "", "ref", &m->ref)) != 0 ||
		    (r = msg_id(c, F("transfer"), "", "transfer",
		    &m->transfer)) != 0)
			break;
		r = msg_peer(c, F("peer"), "", "peer", &m->peer);
		break;
	case PROTO_MSG_INCOMING:
		if ((r = msg_id(c, F("transfer"), "", "transfer",
		    &m->transfer)) != 0 ||
		    (r = msg_peer(c, F("peer"), "", "peer", &m->peer)) != 0)
			break;
		r = msg_files(c, root, false, m);
		break;
	case PROTO_MSG_ACCEPT:
	case PROTO_MSG_ATTACHED:
		r = msg_id(c, F("transfer"), "", "transfer", &m->transfer);
		break;
	case PROTO_MSG_DECLINE:
	case PROTO_MSG_CANCEL:
		if ((r = msg_id(c, F("transfer"), "", "transfer",
		    &m->transfer)) != 0)
			break;
		r = msg_text(c, F("reason"), "", "reason", 0, m->reason,
		    sizeof m->reason);
		break;
	case PROTO_MSG_READY:
		if ((r = msg_id(c, F("transfer"), "", "transfer",
		    &m->transfer)) != 0 ||
		    (r = msg_hex(c, F("token"), "", "token", m->token,
		    PROTO_TOKEN_LEN)) != 0)
			break;
		r = msg_role(c, F("role"), &m->role);
		break;
	case PROTO_MSG_ATTACH:
		r = msg_hex(c, F("token"), "", "token", m->token,
		    PROTO_TOKEN_LEN);
		break;
	case PROTO_MSG_FILE_END:
		if ((r = msg_u53(c, F("index"), "", "index", &m->index)) != 0 ||
		    (r = msg_u53(c, F("size"), "", "size", &m->size)) != 0)
			break;
		r = msg_hex(c, F("sha256"), "", "sha256", m->sha256,
		    PROTO_SHA256_LEN);
		break;
	case PROTO_MSG_RECEIPT:
		if ((r = msg_id(c, F("transfer"), "", "transfer",
		    &m->transfer)) != 0 ||
		    (r = msg_bool(c, F("ok"), "", "ok", &m->ok)) != 0 ||
		    (r = msg_files(c, root, true, m)) != 0)
			break;
		r = msg_text(c, F("message"), "", "message", 0, m->message,
		    sizeof m->message);
		break;
	case PROTO_MSG_ERROR:
		if ((r = msg_text(c, F("code"), "", "code", 1, m->code,
		    sizeof m->code)) != 0 ||
		    (r = msg_text(c, F("message"), "", "message", 0, m->message,
		    sizeof m->message)) != 0)
			break;
		/* Optional; when present they must be valid. */
		if ((it = F("transfer")) != NULL &&
		    (r = msg_id(c, it, "", "transfer", &m->transfer)) != 0)
			break;
		if ((it = F("ref")) != NULL)
			r = msg_u53(c, it, "", "ref", &m->ref);
		break;
	default:
		r = msg_fail(c, -PROTO_E_INTERNAL, "no decoder for this type");
		break;
	}
#undef F
	return r;
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
	r = msg_decode_fields(&c, root, m);
out:
	cJSON_Delete(root);
	if (r != 0)
		proto_msg_free(m);
	return r;
}

/*
 * Encoding. Each helper adds one member and returns 0, -PROTO_E_BAD_MESSAGE
 * for a value that cannot be written (an unterminated array, a NULL name) or
 * -PROTO_E_NOMEM. Range and content are judged afterwards by the decoder.
 */

/* A string held in a fixed array: it must be terminated inside the array. */
static int
enc_text(cJSON *obj, const char *key, const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		return -PROTO_E_BAD_MESSAGE;
	if (cJSON_AddStringToObject(obj, key, s) == NULL)
		return -PROTO_E_NOMEM;
	return 0;
}

static int
enc_cstr(cJSON *obj, const char *key, const char *s)
{
	if (s == NULL)
		return -PROTO_E_BAD_MESSAGE;
	if (cJSON_AddStringToObject(obj, key, s) == NULL)
		return -PROTO_E_NOMEM;
	return 0;
}

/*
 * Integers are written as raw decimal text, not through a double: cJSON
 * would print 10^15 as "1e+15", which some JSON readers take for a float.
 */
static cJSON *
enc_int_item(uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return cJSON_CreateRaw(buf);
}

static int
enc_int(cJSON *obj, const char *key, uint64_t v)
{
	cJSON	*it;

	if ((it = enc_int_item(v)) == NULL)
		return -PROTO_E_NOMEM;
	if (!cJSON_AddItemToObject(obj, key, it)) {
		cJSON_Delete(it);
		return -PROTO_E_NOMEM;
	}
	return 0;
}

static int
enc_bool(cJSON *obj, const char *key, bool v)
{
	if (cJSON_AddBoolToObject(obj, key, v) == NULL)
		return -PROTO_E_NOMEM;
	return 0;
}

/* Adds a new empty object or array to obj (key) or to an array (key NULL). */
static cJSON *
enc_child(cJSON *parent, const char *key, bool array)
{
	cJSON	*it;

	if (key != NULL)
		return array ? cJSON_AddArrayToObject(parent, key) :
		    cJSON_AddObjectToObject(parent, key);
	if ((it = array ? cJSON_CreateArray() : cJSON_CreateObject()) == NULL)
		return NULL;
	if (!cJSON_AddItemToArray(parent, it)) {
		cJSON_Delete(it);
		return NULL;
	}
	return it;
}

static int
enc_peer(cJSON *parent, const char *key, const struct proto_peer *p)
{
	cJSON	*o;
	int	 r;

	if ((o = enc_child(parent, key, false)) == NULL)
		return -PROTO_E_NOMEM;
	if ((r = enc_int(o, "id", p->id)) != 0 ||
	    (r = enc_text(o, "name", p->name, sizeof p->name)) != 0 ||
	    (r = enc_text(o, "addr", p->addr, sizeof p->addr)) != 0)
		return r;
	return 0;
}

static int
enc_peers(cJSON *root, const struct proto_msg *m)
{
	cJSON	*a;
	size_t	 i;
	int	 r;

	if (m->npeers > PROTO_PEERS_MAX || (m->npeers > 0 && m->peers == NULL))
		return -PROTO_E_BAD_MESSAGE;
	if ((a = cJSON_AddArrayToObject(root, "peers")) == NULL)
		return -PROTO_E_NOMEM;
	for (i = 0; i < m->npeers; i++) {
		if ((r = enc_peer(a, NULL, &m->peers[i])) != 0)
			return r;
	}
	return 0;
}

static int
enc_ids(cJSON *root, const struct proto_msg *m)
{
	cJSON	*a, *it;
	size_t	 i;

	if (m->nids > PROTO_PEERS_MAX || (m->nids > 0 && m->ids == NULL))
		return -PROTO_E_BAD_MESSAGE;
	if ((a = cJSON_AddArrayToObject(root, "ids")) == NULL)
		return -PROTO_E_NOMEM;
	for (i = 0; i < m->nids; i++) {
		if ((it = enc_int_item(m->ids[i])) == NULL)
			return -PROTO_E_NOMEM;
		if (!cJSON_AddItemToArray(a, it)) {
			cJSON_Delete(it);
			return -PROTO_E_NOMEM;
		}
	}
	return 0;
}

static int
enc_files(cJSON *root, const struct proto_msg *m, bool receipt)
{
	const struct proto_file	*f;
	cJSON			*a, *o;
	size_t			 i;
	int			 r;

	if (m->nfiles > PROTO_FILES_MAX || (m->nfiles > 0 && m->files == NULL))
		return -PROTO_E_BAD_MESSAGE;
	if ((a = cJSON_AddArrayToObject(root, "files")) == NULL)
		return -PROTO_E_NOMEM;
	for (i = 0; i < m->nfiles; i++) {
		f = &m->files[i];
		if ((o = enc_child(a, NULL, false)) == NULL)
			return -PROTO_E_NOMEM;
		if ((r = enc_cstr(o, "name", f->name)) != 0 ||
		    (r = enc_int(o, "size", f->size)) != 0)
			return r;
		if (receipt &&
		    ((r = enc_text(o, "sha256", f->sha256,
		    sizeof f->sha256)) != 0 ||
		    (r = enc_cstr(o, "saved_as", f->saved_as)) != 0))
			return r;
	}
	return 0;
}

/* The members of each type, mirroring msg_decode_fields(). */
static int
msg_encode_fields(cJSON *root, const struct proto_msg *m)
{
	int	r = 0;

	switch (m->type) {
	case PROTO_MSG_HELLO:
		if ((r = enc_int(root, "version", m->version)) != 0)
			break;
		r = enc_text(root, "name", m->name, sizeof m->name);
		break;
	case PROTO_MSG_WELCOME:
		if ((r = enc_int(root, "id", m->id)) != 0 ||
		    (r = enc_text(root, "name", m->name, sizeof m->name)) != 0)
			break;
		r = enc_text(root, "addr", m->addr, sizeof m->addr);
		break;
	case PROTO_MSG_PEERS:
	case PROTO_MSG_PING:
	case PROTO_MSG_PONG:
		break;
	case PROTO_MSG_PEER_LIST:
		if ((r = enc_peers(root, m)) != 0)
			break;
		r = enc_bool(root, "more", m->more);
		break;
	case PROTO_MSG_PEER_JOINED:
		r = enc_peers(root, m);
		break;
	case PROTO_MSG_PEER_LEFT:
		r = enc_ids(root, m);
		break;
	case PROTO_MSG_OFFER:
		if ((r = enc_int(root, "ref", m->ref)) != 0 ||
		    (r = enc_text(root, "to", m->to, sizeof m->to)) != 0)
			break;
		r = enc_files(root, m, false);
		break;
	case PROTO_MSG_OFFERED:
		if ((r = enc_int(root, "ref", m->ref)) != 0 ||
		    (r = enc_int(root, "transfer", m->transfer)) != 0)
			break;
		r = enc_peer(root, "peer", &m->peer);
		break;
	case PROTO_MSG_INCOMING:
		if ((r = enc_int(root, "transfer", m->transfer)) != 0 ||
		    (r = enc_peer(root, "peer", &m->peer)) != 0)
			break;
		r = enc_files(root, m, false);
		break;
	case PROTO_MSG_ACCEPT:
	case PROTO_MSG_ATTACHED:
		r = enc_int(root, "transfer", m->transfer);
		break;
	case PROTO_MSG_DECLINE:
	case PROTO_MSG_CANCEL:
		if ((r = enc_int(root, "transfer", m->transfer)) != 0)
			break;
		r = enc_text(root, "reason", m->reason, sizeof m->reason);
		break;
	case PROTO_MSG_READY:
		if ((r = enc_int(root, "transfer", m->transfer)) != 0 ||
		    (r = enc_text(root, "token", m->token,
		    sizeof m->token)) != 0)
			break;
		if (m->role == PROTO_ROLE_SEND)
			r = enc_cstr(root, "role", "send");
		else if (m->role == PROTO_ROLE_RECEIVE)
			r = enc_cstr(root, "role", "receive");
		else
			r = -PROTO_E_BAD_MESSAGE;
		break;
	case PROTO_MSG_ATTACH:
		r = enc_text(root, "token", m->token, sizeof m->token);
		break;
	case PROTO_MSG_FILE_END:
		if ((r = enc_int(root, "index", m->index)) != 0 ||
		    (r = enc_int(root, "size", m->size)) != 0)
			break;
		r = enc_text(root, "sha256", m->sha256, sizeof m->sha256);
		break;
	case PROTO_MSG_RECEIPT:
		if ((r = enc_int(root, "transfer", m->transfer)) != 0 ||
		    (r = enc_bool(root, "ok", m->ok)) != 0 ||
		    (r = enc_files(root, m, true)) != 0)
			break;
		r = enc_text(root, "message", m->message, sizeof m->message);
		break;
	case PROTO_MSG_ERROR:
		if ((r = enc_text(root, "code", m->code, sizeof m->code)) != 0 ||
		    (r = enc_text(root, "message", m->message,
		    sizeof m->message)) != 0)
			break;
		/* Zero means absent: ids start at 1, and ref 0 names no offer. */
		if (m->transfer != 0 &&
		    (r = enc_int(root, "transfer", m->transfer)) != 0)
			break;
		if (m->ref != 0)
			r = enc_int(root, "ref", m->ref);
		break;
	default:
		r = -PROTO_E_BAD_MESSAGE;
		break;
	}
	return r;
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
	if ((r = enc_cstr(root, "type", name)) == 0)
		r = msg_encode_fields(root, m);
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
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n;

	while (p[i] != '\0') {
		if (p[i] < 0x80)
			n = 1;
		else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4;
		else
			n = 0;
		if (n == 0 || strnlen(s + i, n) < n ||
		    !proto_utf8_valid(s + i, n)) {
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
