/*
 * msg_field.h: inside proto/ only. How a control message's fields are
 * described (msg_table.c holds the descriptions) and the engine that runs
 * them (msg_field.c): one table per type drives both the decoder with its
 * checks and the encoder. msg.c is the public face.
 */
#ifndef FERRY_MSG_FIELD_H
#define FERRY_MSG_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/*
 * The JSON types and rules of PROTOCOL.md section 2, "Types", and where
 * each lands in C:
 *   INT	integer min..max, into an unsigned of size bytes
 *   BOOL	true or false, into a bool
 *   TEXT	text(size - 1), at least min bytes, no control characters:
 *		a char[size]
 *   FNAME	fname, min..max bytes, anything but NUL: a malloc'd char *
 *   HEX	exactly size - 1 lower-case hex digits: a char[size]
 *   ENUM	one of names[1..]: its index, into an unsigned of size bytes
 *   OBJECT	an object whose members are sub[]: a struct of size bytes
 *   ARRAY	min..max elements like *sub: a calloc'd pointer here, the
 *		size_t count at count_off
 */
enum msg__kind {
	MSG__INT,
	MSG__BOOL,
	MSG__TEXT,
	MSG__FNAME,
	MSG__HEX,
	MSG__ENUM,
	MSG__OBJECT,
	MSG__ARRAY,
};

/*
 * One field. off is where it lives in the struct that holds it (struct
 * proto_msg at the top, struct proto_peer or proto_file below); an array
 * element is described at off 0 of its own element, with key NULL and its
 * size the element's. A list of fields ends with key NULL.
 */
struct msg__field {
	const char		*key;
	enum msg__kind		 kind;
	bool			 optional;	/* int, bool, text, array: may be absent, left out if 0, false, "" or empty */
	size_t			 off;
	size_t			 size;
	uint64_t		 min, max;	/* value, bytes or count */
	const struct msg__field	*sub;		/* object: members; array: element */
	size_t			 count_off;	/* array */
	const char		*what;		/* array: "peer objects" */
	const char *const	*names;		/* enum: [0] NULL, then names, NULL */
};

/* The fields of each type in wire order; NULL for a type without a table. */
extern const struct msg__field *const msg__fields[PROTO_MSG_COUNT];

struct cJSON;

/* Where a decode stands, for the one-line reason in err. */
struct msg__ctx {
	const char	*type;		/* "hello", or "message" before "type" is read */
	char		*err;		/* caller's buffer, may be NULL */
	size_t		 errlen;
};

/* Writes "<type>: <reason>" into the caller's buffer and returns code. */
int	msg__fail(struct msg__ctx *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * -PROTO_E_BAD_MESSAGE with "field <path> <what>". A field is named by where
 * it sits: pre is the path of its parent with a trailing dot
 * ("\"files\"[3].") or "", key its member name; an array element has key
 * NULL and its whole path in pre ("\"ids\"[2]").
 */
int	msg__bad(struct msg__ctx *, const char *pre, const char *key,
	    const char *what);

/*
 * The fields of m->type from the object root into *m, each checked; 0 or
 * the first failure with its reason. What was allocated on the way stays
 * in *m for proto_msg_free().
 */
int	msg__decode(struct msg__ctx *, const struct cJSON *root,
	    struct proto_msg *m);

/*
 * The fields of *m as members of root: 0, -PROTO_E_BAD_MESSAGE (a value
 * that cannot be written at all) or -PROTO_E_NOMEM. The decoder judges the
 * rest.
 */
int	msg__encode(struct cJSON *root, const struct proto_msg *m);

#endif /* FERRY_MSG_FIELD_H */
