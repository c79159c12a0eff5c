/*
 * msg_peers.h: peer_list and peer_joined frames built from peer objects
 * encoded once. A relay with N clients in a room sends each of them N - 1
 * peer objects: encoding every object for every client through cJSON, and
 * decoding each frame again to check it (as proto_msg_frame does), was
 * most of the relay's time with 10,000 clients. Here a peer's object is
 * encoded and checked once, by the same tables as every message, and a
 * frame is those objects copied between the text cJSON writes around them
 * for that type, which proto_peers_enc_init() learns from cJSON itself.
 */
#ifndef FERRY_MSG_PEERS_H
#define FERRY_MSG_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/*
 * The text around the objects, as the encoder writes it: head, objects
 * separated by ",", tail. [0] peer_list, [1] peer_joined; peer_list's tail
 * depends on "more".
 */
struct proto_peers_enc {
	char	head[2][48];
	char	list_tail[2][32];	/* [more] */
	char	joined_tail[8];
};

/* Learns the text from the encoder. 0, -PROTO_E_NOMEM, -PROTO_E_BAD_MESSAGE. */
int	proto_peers_enc_init(struct proto_peers_enc *e);

/*
 * One peer object, checked as a peer_joined would be: *json is malloc'd
 * (the caller frees it), *len its length, no NUL counted. 0, or
 * -PROTO_E_BAD_MESSAGE (a field the decoder would refuse), -PROTO_E_NOMEM.
 */
int	proto_peer_json(const struct proto_peers_enc *e,
	    const struct proto_peer *p, char **json, size_t *len);

/*
 * A frame under construction in buf, which is the caller's and
 * PROTO_PEERS_BUF bytes long (it is reused frame after frame).
 */
#define PROTO_PEERS_BUF	(PROTO_HEADER_LEN + PROTO_CONTROL_MAX)
struct proto_peers_buf {
	const struct proto_peers_enc	*enc;
	enum proto_msg_type		 type;	/* PEER_LIST or PEER_JOINED */
	uint8_t				*buf;
	size_t				 len;	/* bytes in buf, header included */
	size_t				 n;	/* objects in it */
};

/* Starts a frame of type (PROTO_MSG_PEER_LIST or PROTO_MSG_PEER_JOINED). */
void	proto_peers_begin(struct proto_peers_buf *b,
	    const struct proto_peers_enc *e, enum proto_msg_type type,
	    uint8_t *buf);
/* Whether one more object of len bytes keeps the frame within the limits. */
bool	proto_peers_room(const struct proto_peers_buf *b, size_t len);
/* Appends one object from proto_peer_json(); the caller checked the room. */
void	proto_peers_add(struct proto_peers_buf *b, const char *json,
	    size_t len);
/*
 * Closes the frame (more: peer_list only) and returns its length; the
 * frame is b->buf[0..len). 0 when it would be invalid: a peer_joined with
 * no object.
 */
size_t	proto_peers_end(struct proto_peers_buf *b, bool more);

#endif /* FERRY_MSG_PEERS_H */
