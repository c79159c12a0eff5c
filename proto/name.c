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
 * The check every name from the wire shares: present, at most max bytes
 * (too_long says so), valid UTF-8, no control characters; a file name
 * (is_file) must also be a name and not a path. The first problem wins.
 */
static const char *
name_problem(const char *name, size_t max, const char *too_long, bool is_file)
{
	size_t	len;

	if (name == NULL || *name == '\0')
		return "is empty";
	len = strlen(name);
	if (len > max)
		return too_long;
	if (!proto_utf8_valid(name, len))
		return "is not valid UTF-8";
	if (is_file && strcmp(name, ".") == 0)
		return "is \".\"";
	if (is_file && strcmp(name, "..") == 0)
		return "is \"..\"";
	if (is_file && strchr(name, '/') != NULL)
		return "contains a slash";
	if (is_file && strchr(name, '\\') != NULL)
		return "contains a backslash";
	if (proto_has_control(name, len))
		return "contains a control character";
	return NULL;
}

const char *
proto_file_name_problem(const char *name)
{
	return name_problem(name, PROTO_SAFE_NAME_MAX,
	    "is longer than 255 bytes", true);
}

const char *
proto_peer_name_problem(const char *name)
{
	return name_problem(name, PROTO_PEER_NAME_MAX,
	    "is longer than 64 bytes", false);
}
