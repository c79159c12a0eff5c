/*
 * name.c: text checks for everything that comes from the wire: strict UTF-8,
 * control characters, and the receiver's rule that a file name is a name and
 * never a path.
 */
#include <string.h>

#include "name.h"
#include "proto.h"

/*
 * Length of the well-formed UTF-8 sequence at s[0..len), or 0 when it is not
 * one: no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF, no
 * NUL. The ranges are those of Unicode Table 3-7.
 */
static size_t
proto_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char	c = s[0], lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (c == 0x00)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* below is overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* above is a surrogate */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* below is overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above is past U+10FFFF */
	} else
		return 0;	/* a continuation byte, C0/C1 (overlong) or F5..FF */
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

bool
proto_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (i < len) {
		if ((n = proto_utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

bool
proto_has_control(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return true;
		/* U+0080..U+009F are encoded as C2 80..C2 9F. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

const char *
proto_file_name_problem(const char *name)
{
	size_t	len;

	if (name == NULL || *name == '\0')
		return "is empty";
	len = strlen(name);
	if (len > PROTO_SAFE_NAME_MAX)
		return "is longer than 255 bytes";
	if (!proto_utf8_valid(name, len))
		return "is not valid UTF-8";
	if (strcmp(name, ".") == 0)
		return "is \".\"";
	if (strcmp(name, "..") == 0)
		return "is \"..\"";
	if (strchr(name, '/') != NULL)
		return "contains a slash";
	if (strchr(name, '\\') != NULL)
		return "contains a backslash";
	if (proto_has_control(name, len))
		return "contains a control character";
	return NULL;
}

const char *
proto_peer_name_problem(const char *name)
{
	size_t	len;

	if (name == NULL || *name == '\0')
		return "is empty";
	len = strlen(name);
	if (len > PROTO_PEER_NAME_MAX)
		return "is longer than 64 bytes";
	if (!proto_utf8_valid(name, len))
		return "is not valid UTF-8";
	if (proto_has_control(name, len))
		return "contains a control character";
	return NULL;
}
