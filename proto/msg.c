/*
 * msg.c: control messages between JSON and struct proto_msg, the public
 * face of msg.h. Checks a payload as a whole (UTF-8, raw control bytes,
 * \u0000, trailing data, the type) and leaves its fields to msg_field.c
 * and the tables of msg_table.c; encoding runs the same decoder over its
 * own output, so nothing invalid is ever sent.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "msg.h"
#include "msg_field.h"
#include "frame.h"
#include "name.h"
#include "text.h"

static const char *const type_names[PROTO_MSG_COUNT] = {
	[PROTO_MSG_NONE] = NULL,
#define PROTO_MSG_NAME(sym, str) [PROTO_MSG_##sym] = str,
	PROTO_MSG_TYPES(PROTO_MSG_NAME)
#undef PROTO_MSG_NAME
};

const char *
proto_msg_type_name(enum proto_msg_type t)
{
	if ((int)t <= PROTO_MSG_NONE || (int)t >= PROTO_MSG_COUNT)
		return NULL;
	return type_names[t];
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
	free(m->skip);
	free(m->resume);
	memset(m, 0, sizeof *m);
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
scan_raw(struct msg__ctx *c, const uint8_t *p, size_t len)
{
	bool	in_str = false;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!in_str) {
			if (p[i] == '"')
				in_str = true;
			else if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
			    p[i] != '\r')
				return msg__fail(c, -PROTO_E_BAD_MESSAGE,
				    "control byte 0x%02x at byte %zu", p[i], i);
			continue;
		}
		if (p[i] == '"')
			in_str = false;
		else if (p[i] < 0x20)
			return msg__fail(c, -PROTO_E_BAD_MESSAGE,
			    "unescaped control byte 0x%02x in a string at byte %zu",
			    p[i], i);
		else if (p[i] == '\\') {
			if (i + 5 < len && p[i + 1] == 'u' &&
			    memcmp(p + i + 2, "0000", 4) == 0)
				return msg__fail(c, -PROTO_E_BAD_MESSAGE,
				    "a string contains \\u0000 at byte %zu", i);
			i++;	/* the escaped character cannot end the string */
		}
	}
	return 0;
}

/* Copies an unknown type name into an error line: printable ASCII only, short. */
static void
printable(char *dst, size_t dstsize, const char *s)
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
	struct msg__ctx	 c = { "message", err, errlen };
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
		return msg__fail(&c, -PROTO_E_BAD_MESSAGE, "empty payload");
	if (memchr(json, '\0', len) != NULL)
		return msg__fail(&c, -PROTO_E_BAD_MESSAGE,
		    "payload contains a NUL byte");
	if (!proto_utf8_valid((const char *)json, len))
		return msg__fail(&c, -PROTO_E_BAD_MESSAGE,
		    "payload is not valid UTF-8");
	if ((r = scan_raw(&c, json, len)) != 0)
		return r;

	root = cJSON_ParseWithLengthOpts((const char *)json, len, &end, 0);
	if (root == NULL) {
		off = end != NULL && end >= (const char *)json &&
		    end <= (const char *)json + len ?
		    (size_t)(end - (const char *)json) : 0;
		return msg__fail(&c, -PROTO_E_BAD_MESSAGE,
		    "not valid JSON (at byte %zu)", off);
	}
	/* cJSON stops after the value; only white space may follow it. */
	off = (size_t)(end - (const char *)json);
	while (off < len && (json[off] == ' ' || json[off] == '\t' ||
	    json[off] == '\n' || json[off] == '\r'))
		off++;
	if (off != len) {
		r = msg__fail(&c, -PROTO_E_BAD_MESSAGE,
		    "trailing data after the JSON value at byte %zu", off);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		r = msg__fail(&c, -PROTO_E_BAD_MESSAGE, "not a JSON object");
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (type == NULL) {
		r = msg__bad(&c, "", "type", "is missing");
		goto out;
	}
	if (!cJSON_IsString(type) || type->valuestring == NULL) {
		r = msg__bad(&c, "", "type", "must be a string");
		goto out;
	}
	for (i = PROTO_MSG_NONE + 1; i < PROTO_MSG_COUNT; i++) {
		if (strcmp(type_names[i], type->valuestring) == 0)
			break;
	}
	if (i == PROTO_MSG_COUNT) {
		printable(shown, sizeof shown, type->valuestring);
		r = msg__fail(&c, -PROTO_E_UNKNOWN_TYPE,
		    "unknown message type \"%s\"", shown);
		goto out;
	}
	m->type = (enum proto_msg_type)i;
	c.type = type_names[i];
	r = msg__decode(&c, root, m);
out:
	cJSON_Delete(root);
	if (r != 0)
		proto_msg_free(m);
	return r;
}

int
proto_msg_frame_err(const struct proto_msg *m, uint8_t **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct msg__ctx		 c = { "message", err, errlen };
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
		return msg__fail(&c, -PROTO_E_BAD_MESSAGE, "no such type %d",
		    (int)m->type);
	c.type = name;

	if ((root = cJSON_CreateObject()) == NULL)
		return msg__fail(&c, -PROTO_E_NOMEM, "out of memory");
	if (cJSON_AddStringToObject(root, "type", name) == NULL)
		r = -PROTO_E_NOMEM;
	else
		r = msg__encode(root, m);
	if (r == 0 && (json = cJSON_PrintUnformatted(root)) == NULL)
		r = -PROTO_E_NOMEM;
	cJSON_Delete(root);
	if (r == -PROTO_E_NOMEM)
		return msg__fail(&c, r, "out of memory");
	if (r != 0)
		return msg__fail(&c, r, "a string field is NULL or unterminated, "
		    "or a count is out of range");

	/* Judge what would be sent exactly as the peer will. */
	jlen = strlen(json);
	r = proto_msg_decode((const uint8_t *)json, jlen, &check, err, errlen);
	proto_msg_free(&check);
	if (r != 0)
		goto out;
	if (jlen > PROTO_CONTROL_MAX) {
		r = msg__fail(&c, -PROTO_E_TOO_LARGE,
		    "%zu bytes of JSON, the limit is %d", jlen,
		    PROTO_CONTROL_MAX);
		goto out;
	}
	/* Owned by the caller, who frees it with free(). */
	if ((*out = malloc(PROTO_HEADER_LEN + jlen)) == NULL) {
		r = msg__fail(&c, -PROTO_E_NOMEM, "out of memory");
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
clean_text(char *dst, size_t dstsize, const char *s)
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
	clean_text(m.message, sizeof m.message,
	    message != NULL ? message : proto_strerror(err));
	m.transfer = transfer;
	m.ref = ref;
	return proto_msg_frame(&m, out, outlen);
}

/* Bytes a string takes in cJSON's output, quotes included. */
static size_t
json_str_len(const char *p)
{
	size_t	n = 2;

	for (; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\' || ch == '\b' || ch == '\f' ||
		    ch == '\n' || ch == '\r' || ch == '\t')
			n += 2;
		else if (ch < 0x20)
			n += 6;		/* \u00XX */
		else
			n++;
	}
	return n;
}

/*
 * The longest the other members of an entry and of the message can be:
 * {"name":,"size":2^53-1,"mtime":2^53-1,"exec":true,"dir":true}, with
 * ,"sha256":"<64>","saved_as": in a receipt; and the message around the
 * array (type, transfer, more, a message of 512 bytes escaped at 6 each).
 */
#define PAGE_ENTRY_MAX		96
#define PAGE_RECEIPT_MAX	96
#define PAGE_FRAME_MAX		(64 + 6 * PROTO_TEXT_MAX)

size_t
proto_files_page(const struct proto_file *files, size_t n, bool receipt)
{
	size_t	i, used = PAGE_FRAME_MAX, len;

	for (i = 0; i < n && i < PROTO_FILES_MAX; i++) {
		len = PAGE_ENTRY_MAX + json_str_len(files[i].name);
		if (receipt)
			len += PAGE_RECEIPT_MAX + json_str_len(files[i].saved_as);
		if (i > 0 && used + len > PROTO_CONTROL_MAX)
			break;
		used += len;
	}
	return i;
}
