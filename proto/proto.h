/*
 * proto.h: the wire contract shared by the relay and the client: protocol
 * version, frame kinds, size limits and the stable error codes.
 *
 * Changing anything here changes the protocol: bump PROTO_VERSION and update
 * proto/PROTOCOL.md in the same commit.
 */
#ifndef FERRY_PROTO_H
#define FERRY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		2

/* Frame header: u32 big-endian length (kind + payload), then u8 kind. */
#define PROTO_HEADER_LEN	5
#define PROTO_CONTROL_MAX	65536		/* bytes of JSON per control frame */
#define PROTO_DATA_MAX		1048576		/* bytes of payload per data frame */

enum proto_kind {
	PROTO_KIND_CONTROL = 1,		/* followed by one UTF-8 JSON object */
	PROTO_KIND_DATA = 2,		/* followed by 1..PROTO_DATA_MAX raw bytes */
};

/* Field limits (bytes, not characters). */
#define PROTO_PEER_NAME_MAX	64	/* hello.name, peer.name */
#define PROTO_ROOM_MAX		64	/* hello.room: the rules of a peer name */
#define PROTO_ADDR_MAX		64	/* "HOST:PORT" or "[v6]:PORT" */
#define PROTO_FILE_NAME_MAX	1024	/* a path on the wire; the receiver allows
					   255 in each component */
#define PROTO_TEXT_MAX		512	/* reason, message */
#define PROTO_FILES_MAX		1000	/* file objects per files or receipt page */
#define PROTO_OFFER_MAX		1000000	/* entries (files and folders) per offer */
#define PROTO_RESUME_MAX	256	/* resume objects per accept page */
#define PROTO_PEERS_MAX		1000	/* peers per peer_list/peer_joined/peer_left */
#define PROTO_CODE_MAX		32	/* error.code */
#define PROTO_SLOT_LEN		32	/* lowercase hex of 128 random bits */
#define PROTO_KEY_HEX		64	/* lowercase hex of a raw Ed25519 public key */
#define PROTO_SHA256_LEN	64	/* lowercase hex */
#define PROTO_INT_MAX		9007199254740991ULL	/* 2^53 - 1: exact in JSON */

/*
 * Stable error codes. The string is what travels in error.code; the enum
 * value, negated, is what library functions return. Never renumber, never
 * rename: clients match on the strings.
 */
#define PROTO_ERRORS(X)							\
	X(BAD_FRAME,	"bad_frame",	"malformed frame")		\
	X(TOO_LARGE,	"too_large",	"frame over the size limit")	\
	X(BAD_MESSAGE,	"bad_message",	"malformed message")		\
	X(UNKNOWN_TYPE,	"unknown_type",	"unknown message type")		\
	X(BAD_STATE,	"bad_state",	"message not allowed now")	\
	X(VERSION,	"version",	"unsupported protocol version")	\
	X(NAME_TAKEN,	"name_taken",	"that name is already taken")	\
	X(BAD_NAME,	"bad_name",	"unacceptable name")		\
	X(NO_SUCH_PEER,	"no_such_peer",	"no such peer")			\
	X(NO_SUCH_TRANSFER, "no_such_transfer", "no such transfer")	\
	X(FORBIDDEN,	"forbidden",	"not allowed for this peer")	\
	X(DECLINED,	"declined",	"the transfer was declined")	\
	X(CANCELLED,	"cancelled",	"the transfer was cancelled")	\
	X(PEER_GONE,	"peer_gone",	"the other peer disconnected")	\
	X(TIMEOUT,	"timeout",	"nobody answered in time")	\
	X(BAD_SLOT,	"bad_slot",	"unknown, used or expired slot")	\
	X(BUSY,		"busy",		"the relay is full")		\
	X(RATE_LIMITED,	"rate_limited",	"too many requests")		\
	X(IDLE,		"idle",		"connection idle for too long")	\
	X(SHUTDOWN,	"shutdown",	"the relay is shutting down")	\
	X(VERIFY,	"verify_failed", "checksum mismatch")		\
	X(NO_SPACE,	"no_space",	"not enough free space")	\
	X(IO,		"io",		"input/output error")		\
	X(NOMEM,	"nomem",	"out of memory")		\
	X(INTERNAL,	"internal",	"internal error")			\
	X(REPLACED,	"replaced",	"another connection took the name") \
	X(RECEIVER_BUSY, "receiver_busy", "too many offers wait at that peer") \
	X(STALLED,	"stalled",	"the bridge carried too few bytes") \
	X(NOT_ALLOWED,	"not_allowed",	"this key is not on the relay's allow list") \
	X(ROOM_REQUIRED, "room_required", "this relay admits only clients in a room")

enum proto_err {
	PROTO_OK = 0,
#define PROTO_ERR_ENUM(sym, code, text) PROTO_E_##sym,
	PROTO_ERRORS(PROTO_ERR_ENUM)
#undef PROTO_ERR_ENUM
	PROTO_E_COUNT
};

/* "bad_frame" for PROTO_E_BAD_FRAME (err may be given negated); NULL if unknown. */
const char	*proto_code_name(int err);
/* PROTO_E_* for a wire code string, or 0 when it is not one we know. */
int		 proto_code_parse(const char *code);
/* A person's words for the error: "frame over the size limit". */
const char	*proto_strerror(int err);

#endif /* FERRY_PROTO_H */
