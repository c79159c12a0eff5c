/*
 * msg.h: typed control messages. The rest of ferry sees C structs; only
 * proto/msg*.c touch JSON. Decoding validates every field (presence, type,
 * range, length, UTF-8, control characters) and says what was wrong.
 * msg_table.c holds the fields and limits for the code, PROTOCOL.md the
 * same for people.
 */
#ifndef FERRY_MSG_H
#define FERRY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The "type" strings are the lower-case names: PROTO_MSG_PEER_JOINED is "peer_joined". */
#define PROTO_MSG_TYPES(X)						\
	X(HELLO,	"hello")	/* c->r: version, name, [room] */		\
	X(WELCOME,	"welcome")	/* r->c: id, name, addr, key */		\
	X(PEERS,	"peers")	/* c->r: (no fields) */			\
	X(PEER_LIST,	"peer_list")	/* r->c: peers[], more */		\
	X(PEER_JOINED,	"peer_joined")	/* r->c: peers[] */			\
	X(PEER_LEFT,	"peer_left")	/* r->c: ids[] */			\
	X(OFFER,	"offer")	/* c->r: ref, to, count, size */	\
	X(OFFERED,	"offered")	/* r->c: ref, transfer, peer */		\
	X(INCOMING,	"incoming")	/* r->c: transfer, peer (from), count, size */ \
	X(FILES,	"files")	/* end to end: transfer, files[name,size] */ \
	X(ACCEPT,	"accept")	/* end to end: transfer */		\
	X(DECLINE,	"decline")	/* both: transfer, reason */		\
	X(CANCEL,	"cancel")	/* both: transfer, reason */		\
	X(READY,	"ready")	/* r->c: transfer, role */		\
	X(ATTACH,	"attach")	/* c->r data conn: (no fields) */	\
	X(SLOT,		"slot")		/* r->c data conn: slot */		\
	X(BIND,		"bind")		/* c->r: transfer, slot */		\
	X(ATTACHED,	"attached")	/* r->c data conn: transfer */		\
	X(FILE_FROM,	"file_from")	/* data conn: index, offset */		\
	X(FILE_END,	"file_end")	/* data conn: index, size, sha256 */	\
	X(RECEIPT,	"receipt")	/* data conn: transfer, ok, files[], message */ \
	X(PING,		"ping")		/* both: (no fields) */			\
	X(PONG,		"pong")		/* both: (no fields) */			\
	X(ERROR,	"error")	/* r->c: code, message, [transfer], [ref] */

enum proto_msg_type {
	PROTO_MSG_NONE = 0,
#define PROTO_MSG_ENUM(sym, str) PROTO_MSG_##sym,
	PROTO_MSG_TYPES(PROTO_MSG_ENUM)
#undef PROTO_MSG_ENUM
	PROTO_MSG_COUNT
};

enum proto_role {
	PROTO_ROLE_NONE = 0,
	PROTO_ROLE_SEND,		/* "send" */
	PROTO_ROLE_RECEIVE,		/* "receive" */
};

struct proto_peer {
	uint64_t	id;				/* 1..PROTO_INT_MAX */
	char		name[PROTO_PEER_NAME_MAX + 1];
	char		addr[PROTO_ADDR_MAX + 1];	/* "HOST:PORT" as the relay sees it */
	char		key[PROTO_KEY_HEX + 1];		/* its Ed25519 key from its TLS certificate */
};

struct proto_file {
	char		*name;		/* owned (malloc): 1..PROTO_FILE_NAME_MAX bytes of UTF-8 */
	uint64_t	 size;		/* bytes, 0..PROTO_INT_MAX */
	char		 sha256[PROTO_SHA256_LEN + 1];	/* receipt only; "" elsewhere */
	char		*saved_as;	/* owned (malloc), receipt only; NULL elsewhere */
	uint64_t	 mtime;		/* files: modification time, seconds since 1970; 0: not sent */
	bool		 exec;		/* files: the executable bit */
	bool		 dir;		/* files: a folder (size 0, no data, no receipt entry) */
};

/* accept: entries [from, from + count) of the list are not taken. */
struct proto_range {
	uint64_t	 from;		/* 0-based index in the list */
	uint64_t	 count;		/* 1..PROTO_OFFER_MAX */
};

/* accept: file `file` is kept from before up to offset; sha256 is that prefix's digest. */
struct proto_resume {
	uint64_t	 file;		/* 0-based index in the list */
	uint64_t	 offset;	/* 1..the file's size */
	char		 sha256[PROTO_SHA256_LEN + 1];
};

/*
 * One control message. Only the fields of its type are meaningful (see
 * PROTO_MSG_TYPES); the others are zero. Arrays and file names are owned by
 * the message and released by proto_msg_free().
 */
struct proto_msg {
	enum proto_msg_type	 type;
	uint32_t		 version;	/* hello: 1..65535 */
	char			 name[PROTO_PEER_NAME_MAX + 1];	/* hello, welcome */
	char			 room[PROTO_ROOM_MAX + 1];	/* hello: "" is no room */
	uint64_t		 id;		/* welcome: your peer id */
	char			 addr[PROTO_ADDR_MAX + 1];	/* welcome: you as the relay sees you */
	char			 key[PROTO_KEY_HEX + 1];	/* welcome: your key as the relay saw it */
	uint64_t		 to;		/* offer: the receiver's peer id */
	uint64_t		 ref;		/* offer, offered, error: the sender's own number */
	uint64_t		 transfer;	/* relay-issued transfer id, 1..PROTO_INT_MAX */
	struct proto_peer	 peer;		/* offered: the receiver; incoming: the sender */
	struct proto_peer	*peers;		/* owned: peer_list, peer_joined */
	size_t			 npeers;
	bool			 more;		/* peer_list, files, receipt, accept: another page follows */
	uint64_t		*ids;		/* owned: peer_left */
	size_t			 nids;
	struct proto_range	*skip;		/* owned: accept, the entries not taken */
	size_t			 nskip;
	struct proto_resume	*resume;	/* owned: accept, the files kept from before */
	size_t			 nresume;
	struct proto_file	*files;		/* owned: files, receipt */
	size_t			 nfiles;
	uint64_t		 count;		/* offer, incoming: how many entries (files and folders) */
	char			 reason[PROTO_TEXT_MAX + 1];	/* decline, cancel */
	char			 slot[PROTO_SLOT_LEN + 1];	/* slot, bind */
	enum proto_role		 role;		/* ready */
	uint64_t		 index;		/* file_from, file_end: 0-based file index */
	uint64_t		 offset;	/* file_from: the byte the file's data starts at */
	uint64_t		 size;		/* file_end: bytes sent for that file; offer, incoming: all files' bytes */
	char			 sha256[PROTO_SHA256_LEN + 1];	/* file_end */
	bool			 ok;		/* receipt */
	char			 code[PROTO_CODE_MAX + 1];	/* error: wire code string */
	char			 message[PROTO_TEXT_MAX + 1];	/* error, receipt */
};

/* "peer_joined" for PROTO_MSG_PEER_JOINED; NULL when out of range. */
const char	*proto_msg_type_name(enum proto_msg_type t);

/* Zeroes a message so it can be filled in and later passed to proto_msg_free(). */
void	proto_msg_init(struct proto_msg *m, enum proto_msg_type type);
/* Frees what the message owns and zeroes it. Safe on a zeroed message. */
void	proto_msg_free(struct proto_msg *m);

/*
 * Parses one control payload (not NUL-terminated) into *m, which the caller
 * must free with proto_msg_free() on success; on failure nothing is left to
 * free. Returns 0, -PROTO_E_BAD_MESSAGE (not JSON, missing or invalid field),
 * -PROTO_E_UNKNOWN_TYPE or -PROTO_E_NOMEM, and writes a one-line reason into
 * err (e.g. "hello: field \"name\" contains a control character").
 */
int	proto_msg_decode(const uint8_t *json, size_t len, struct proto_msg *m,
	    char *err, size_t errlen);

/*
 * Encodes *m as a whole control frame: the 5-byte header followed by the JSON.
 * On success *out is malloc'd (the caller frees it with free()) and *outlen
 * is its size. Validates like the decoder, so nothing invalid is ever sent:
 * returns -PROTO_E_BAD_MESSAGE for a message that could not be decoded,
 * -PROTO_E_TOO_LARGE when the JSON exceeds PROTO_CONTROL_MAX, -PROTO_E_NOMEM.
 */
int	proto_msg_frame(const struct proto_msg *m, uint8_t **out, size_t *outlen);
/* Same, and on failure writes a one-line reason into err (like proto_msg_decode). */
int	proto_msg_frame_err(const struct proto_msg *m, uint8_t **out,
	    size_t *outlen, char *err, size_t errlen);

/*
 * How many of the n entries from files[0] one page holds: a files message
 * (receipt false) or a receipt (true) with at most PROTO_FILES_MAX entries
 * whose JSON, at its longest, fits PROTO_CONTROL_MAX with room for the
 * rest of the message. Judged from the names' escaped lengths, without
 * encoding. At least 1 when n > 0 (any wire name fits a page alone); the
 * names and saved_as of the entries counted must not be NULL.
 */
size_t	proto_files_page(const struct proto_file *files, size_t n, bool receipt);

/* Convenience: frame an error message {code, message, transfer, ref}. */
int	proto_error_frame(int err, const char *message, uint64_t transfer,
	    uint64_t ref, uint8_t **out, size_t *outlen);

#endif /* FERRY_MSG_H */
