/*
 * msg_table.c: the fields of every control message, their JSON types and
 * limits (PROTOCOL.md sections 2.1 to 2.3). Adding a message or a field is
 * one entry here (and its member in msg.h); msg_field.c decodes, checks
 * and encodes from these tables alone.
 */
#include <stddef.h>

#include "msg_field.h"

#define SIZEOF(st, mb)	sizeof(((st *)0)->mb)
#define AT(st, mb)	.off = offsetof(st, mb), .size = SIZEOF(st, mb)

#define INT(k, st, mb, lo, hi) \
	{ .key = k, .kind = MSG__INT, AT(st, mb), .min = lo, .max = hi }
#define ID(k, st, mb)	INT(k, st, mb, 1, PROTO_INT_MAX)
#define U53(k, st, mb)	INT(k, st, mb, 0, PROTO_INT_MAX)
/* May be absent; the encoder leaves it out when it is 0. */
#define OPT_INT(k, st, mb, lo, hi) \
	{ .key = k, .kind = MSG__INT, AT(st, mb), .min = lo, .max = hi, \
	  .optional = true }
/* May be absent ("" then); the encoder leaves it out when it is "". */
#define OPT_TEXT(k, st, mb, lo) \
	{ .key = k, .kind = MSG__TEXT, AT(st, mb), .min = lo, \
	  .max = SIZEOF(st, mb) - 1, .optional = true }
#define BOOL(k, st, mb)	{ .key = k, .kind = MSG__BOOL, AT(st, mb) }
/* May be absent (false then); the encoder leaves it out when it is false. */
#define OPT_BOOL(k, st, mb) \
	{ .key = k, .kind = MSG__BOOL, AT(st, mb), .optional = true }
/* text(N) is as long as its array allows: N is sizeof - 1. */
#define TEXT(k, st, mb, lo) \
	{ .key = k, .kind = MSG__TEXT, AT(st, mb), .min = lo, \
	  .max = SIZEOF(st, mb) - 1 }
#define FNAME(k, st, mb) \
	{ .key = k, .kind = MSG__FNAME, AT(st, mb), .min = 1, \
	  .max = PROTO_FILE_NAME_MAX }
#define HEX(k, st, mb)	{ .key = k, .kind = MSG__HEX, AT(st, mb) }
#define ENUM(k, st, mb, list) \
	{ .key = k, .kind = MSG__ENUM, AT(st, mb), .names = list }
#define OBJECT(k, st, mb, fields) \
	{ .key = k, .kind = MSG__OBJECT, AT(st, mb), .sub = fields }
#define ARRAY(k, ptr, count, elem, lo, hi, w) \
	{ .key = k, .kind = MSG__ARRAY, AT(struct proto_msg, ptr), \
	  .sub = &(elem), .count_off = offsetof(struct proto_msg, count), \
	  .min = lo, .max = hi, .what = w }
/* May be absent (none then); the encoder leaves it out when it is empty. */
#define OPT_ARRAY(k, ptr, count, elem, hi, w) \
	{ .key = k, .kind = MSG__ARRAY, AT(struct proto_msg, ptr), \
	  .sub = &(elem), .count_off = offsetof(struct proto_msg, count), \
	  .min = 0, .max = hi, .what = w, .optional = true }
#define END	{ .key = NULL }

#define M	struct proto_msg

static const char *const role_names[] = {
	[PROTO_ROLE_NONE] = NULL,
	[PROTO_ROLE_SEND] = "send",
	[PROTO_ROLE_RECEIVE] = "receive",
	NULL
};

/* {"id": id, "name": text(64) >= 1 byte, "addr": text(64), "key": hex(64)} */
static const struct msg__field peer_fields[] = {
	ID("id", struct proto_peer, id),
	TEXT("name", struct proto_peer, name, 1),
	TEXT("addr", struct proto_peer, addr, 0),
	HEX("key", struct proto_peer, key),
	END
};

/* files: {name, size, mtime?, exec?, dir?}; name is a path ("a/b") */
static const struct msg__field file_fields[] = {
	FNAME("name", struct proto_file, name),
	U53("size", struct proto_file, size),
	OPT_INT("mtime", struct proto_file, mtime, 0, PROTO_INT_MAX),
	OPT_BOOL("exec", struct proto_file, exec),
	OPT_BOOL("dir", struct proto_file, dir),
	END
};

/* receipt: {name, size, sha256, saved_as} */
static const struct msg__field rfile_fields[] = {
	FNAME("name", struct proto_file, name),
	U53("size", struct proto_file, size),
	HEX("sha256", struct proto_file, sha256),
	FNAME("saved_as", struct proto_file, saved_as),
	END
};

/* accept: {from, count} */
static const struct msg__field range_fields[] = {
	U53("from", struct proto_range, from),
	INT("count", struct proto_range, count, 1, PROTO_OFFER_MAX),
	END
};

/* accept: {file, offset, sha256} */
static const struct msg__field resume_fields[] = {
	U53("file", struct proto_resume, file),
	INT("offset", struct proto_resume, offset, 1, PROTO_INT_MAX),
	HEX("sha256", struct proto_resume, sha256),
	END
};

/* Array elements: a whole struct, or a whole uint64_t. */
static const struct msg__field peer_elem = {
	.kind = MSG__OBJECT, .size = sizeof(struct proto_peer), .sub = peer_fields
};
static const struct msg__field file_elem = {
	.kind = MSG__OBJECT, .size = sizeof(struct proto_file), .sub = file_fields
};
static const struct msg__field rfile_elem = {
	.kind = MSG__OBJECT, .size = sizeof(struct proto_file), .sub = rfile_fields
};
static const struct msg__field range_elem = {
	.kind = MSG__OBJECT, .size = sizeof(struct proto_range), .sub = range_fields
};
static const struct msg__field resume_elem = {
	.kind = MSG__OBJECT, .size = sizeof(struct proto_resume), .sub = resume_fields
};
static const struct msg__field id_elem = {
	.kind = MSG__INT, .size = sizeof(uint64_t), .min = 1, .max = PROTO_INT_MAX
};

/*
 * Each type's fields in wire order: the decoder checks them in this order
 * and names the first that is wrong, the encoder writes them so.
 */
#define FIELDS(...)	((const struct msg__field[]){ __VA_ARGS__, END })
#define NO_FIELDS	((const struct msg__field[]){ END })

const struct msg__field *const msg__fields[PROTO_MSG_COUNT] = {
	[PROTO_MSG_HELLO] = FIELDS(
	    INT("version", M, version, 1, 65535),
	    TEXT("name", M, name, 1),
	    OPT_TEXT("room", M, room, 1)),
	[PROTO_MSG_WELCOME] = FIELDS(
	    ID("id", M, id),
	    TEXT("name", M, name, 0),
	    TEXT("addr", M, addr, 0),
	    HEX("key", M, key)),
	[PROTO_MSG_PEERS] = NO_FIELDS,
	[PROTO_MSG_PEER_LIST] = FIELDS(
	    ARRAY("peers", peers, npeers, peer_elem, 0, PROTO_PEERS_MAX,
		"peer objects"),
	    BOOL("more", M, more)),
	[PROTO_MSG_PEER_JOINED] = FIELDS(
	    ARRAY("peers", peers, npeers, peer_elem, 1, PROTO_PEERS_MAX,
		"peer objects")),
	[PROTO_MSG_PEER_LEFT] = FIELDS(
	    ARRAY("ids", ids, nids, id_elem, 1, PROTO_PEERS_MAX, "ids")),
	[PROTO_MSG_OFFER] = FIELDS(
	    U53("ref", M, ref),
	    ID("to", M, to),
	    INT("count", M, count, 1, PROTO_OFFER_MAX),
	    U53("size", M, size)),
	[PROTO_MSG_OFFERED] = FIELDS(
	    U53("ref", M, ref),
	    ID("transfer", M, transfer),
	    OBJECT("peer", M, peer, peer_fields)),
	[PROTO_MSG_INCOMING] = FIELDS(
	    ID("transfer", M, transfer),
	    OBJECT("peer", M, peer, peer_fields),
	    INT("count", M, count, 1, PROTO_OFFER_MAX),
	    U53("size", M, size)),
	[PROTO_MSG_FILES] = FIELDS(
	    ID("transfer", M, transfer),
	    ARRAY("files", files, nfiles, file_elem, 1, PROTO_FILES_MAX,
		"file objects"),
	    OPT_BOOL("more", M, more)),
	/* Inside the session the receiver may leave entries out, in pages. */
	[PROTO_MSG_ACCEPT] = FIELDS(
	    ID("transfer", M, transfer),
	    OPT_ARRAY("skip", skip, nskip, range_elem, PROTO_FILES_MAX,
		"ranges"),
	    OPT_ARRAY("resume", resume, nresume, resume_elem, PROTO_RESUME_MAX,
		"resume objects"),
	    OPT_BOOL("more", M, more)),
	[PROTO_MSG_DECLINE] = FIELDS(
	    ID("transfer", M, transfer),
	    TEXT("reason", M, reason, 0)),
	[PROTO_MSG_CANCEL] = FIELDS(
	    ID("transfer", M, transfer),
	    TEXT("reason", M, reason, 0)),
	[PROTO_MSG_READY] = FIELDS(
	    ID("transfer", M, transfer),
	    ENUM("role", M, role, role_names)),
	[PROTO_MSG_ATTACH] = NO_FIELDS,
	[PROTO_MSG_SLOT] = FIELDS(HEX("slot", M, slot)),
	[PROTO_MSG_BIND] = FIELDS(
	    ID("transfer", M, transfer),
	    HEX("slot", M, slot)),
	[PROTO_MSG_ATTACHED] = FIELDS(ID("transfer", M, transfer)),
	[PROTO_MSG_FILE_FROM] = FIELDS(
	    U53("index", M, index),
	    U53("offset", M, offset)),
	[PROTO_MSG_FILE_END] = FIELDS(
	    U53("index", M, index),
	    U53("size", M, size),
	    HEX("sha256", M, sha256)),
	[PROTO_MSG_RECEIPT] = FIELDS(
	    ID("transfer", M, transfer),
	    BOOL("ok", M, ok),
	    ARRAY("files", files, nfiles, rfile_elem, 0, PROTO_FILES_MAX,
		"receipt file objects"),
	    TEXT("message", M, message, 0),
	    OPT_BOOL("more", M, more)),
	[PROTO_MSG_PING] = NO_FIELDS,
	[PROTO_MSG_PONG] = NO_FIELDS,
	/* transfer and ref may be absent: ids start at 1, ref 0 names no offer. */
	[PROTO_MSG_ERROR] = FIELDS(
	    TEXT("code", M, code, 1),
	    TEXT("message", M, message, 0),
	    OPT_INT("transfer", M, transfer, 1, PROTO_INT_MAX),
	    OPT_INT("ref", M, ref, 0, PROTO_INT_MAX)),
};
