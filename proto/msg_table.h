/*
 * msg_table.h: inside proto/ only. How a control message's fields are
 * described (msg_table.c holds the descriptions, msg.c runs them): one
 * table per type drives both the decoder with its checks and the encoder.
 */
#ifndef FERRY_MSG_TABLE_H
#define FERRY_MSG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* The JSON types and rules of PROTOCOL.md section 2, "Types". */
enum msg__kind {
	MSG__INT,	/* integer min..max into an unsigned of size bytes */
	MSG__BOOL,	/* true or false into a bool */
	MSG__TEXT,	/* text(size - 1), at least min bytes, no control characters: char[size] */
	MSG__FNAME,	/* fname, 1..max bytes, anything but NUL: a malloc'd char * */
	MSG__HEX,	/* exactly size - 1 lower-case hex digits: char[size] */
	MSG__ENUM,	/* one of names[1..]: its index into an unsigned of size bytes */
	MSG__OBJECT,	/* an object whose members are sub[] (a struct of size bytes) */
	MSG__ARRAY,	/* min..max elements like sub[0], a pointer here, the count at count_off */
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
	bool			 optional;	/* may be absent; encoded only when not 0 (ints) */
	size_t			 off;
	size_t			 size;
	uint64_t		 min, max;	/* value (int), bytes (text, fname), count (array) */
	const struct msg__field	*sub;		/* object: members; array: the element */
	size_t			 count_off;	/* array: where its size_t count lives */
	const char		*what;		/* array: "peer objects", for the reason */
	const char *const	*names;		/* enum: names[1..] end with NULL; [0] is no value */
};

/* The fields of each type, in wire order; NULL for a type no table describes. */
extern const struct msg__field *const msg__fields[PROTO_MSG_COUNT];

#endif /* FERRY_MSG_TABLE_H */
