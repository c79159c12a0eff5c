/*
 * name.c: the name rules for everything that comes from the wire: control
 * characters, and the receiver's rule that a file name is a name and never a
 * path. UTF-8 itself is checked by text.c.
 */
#include <string.h>

#include "name.h"
#include "proto.h"
#include "text.h"

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

/*
 * What every name from the wire must be first: present, at most max bytes,
 * valid UTF-8. Returns the reason or NULL, and the length in *len.
 */
static const char *
name_basics(const char *name, size_t max, const char *too_long, size_t *len)
{
	if (name == NULL || *name == '\0')
		return "is empty";
	*len = strlen(name);
	if (*len > max)
		return too_long;
	if (!proto_utf8_valid(name, *len))
		return "is not valid UTF-8";
	return NULL;
}

const char *
proto_file_name_problem(const char *name)
{
	const char	*why;
	size_t		 len;

	if ((why = name_basics(name, PROTO_SAFE_NAME_MAX,
	    "is longer than 255 bytes", &len)) != NULL)
		return why;
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
	const char	*why;
	size_t		 len;

	if ((why = name_basics(name, PROTO_PEER_NAME_MAX,
	    "is longer than 64 bytes", &len)) != NULL)
		return why;
	if (proto_has_control(name, len))
		return "contains a control character";
	return NULL;
}
