/*
 * name.h: name rules shared by the message decoder, the relay and the
 * receiver: control characters, and the strict rule that a file name from
 * the wire is a name and never a path (UTF-8 itself: text.h).
 */
#ifndef FERRY_NAME_H
#define FERRY_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define PROTO_SAFE_NAME_MAX	255	/* bytes: what the receiver accepts (NAME_MAX) */

/* True when s[0..len) holds a C0 control, DEL or a C1 control (U+0080..U+009F). Assumes valid UTF-8. */
bool	proto_has_control(const char *s, size_t len);

/*
 * The receiver's check of a file name from an offer. Returns NULL when the
 * name is safe to create inside the target folder, or a static reason in a
 * person's words ("contains a slash", "is \"..\"", "is longer than 255 bytes",
 * "contains a control character", "is not valid UTF-8", "is empty").
 */
const char	*proto_file_name_problem(const char *name);

/* The check of a peer name (hello): NULL when fine, else a static reason. */
const char	*proto_peer_name_problem(const char *name);

#endif /* FERRY_NAME_H */
