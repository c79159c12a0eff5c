/*
 * room.h: room names made for sharing (`ferry room new`): unguessable, so
 * only those told the name can meet in it (ferry --room).
 */
#ifndef FERRY_ROOM_H
#define FERRY_ROOM_H

#include <stddef.h>

#define CLIENT_ROOM_BYTES	20	/* 160 random bits */
#define CLIENT_ROOM_LEN		39	/* 32 base32 digits in 8 groups of 4, 7 dashes */

/*
 * A new room name into out (CLIENT_ROOM_LEN + 1 bytes): CLIENT_ROOM_BYTES
 * from OpenSSL's RAND_bytes in lower-case Crockford base32 (no i, l, o, u
 * to misread), in dash-separated groups of four, e.g.
 * "k7qf-2mzd-9xw4-tr3b-...". Within a room's rules (64 bytes, a peer
 * name's characters). 0, or -1 when there are no random bytes.
 */
int	client_room_new(char out[CLIENT_ROOM_LEN + 1]);

#endif /* FERRY_ROOM_H */
