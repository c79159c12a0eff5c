/*
 * room.c: `ferry room new` (room.h): random bytes from OpenSSL, spelled
 * with proto's base32 in lower case and groups people can read out.
 */
#include <ctype.h>
#include <stdint.h>

#include <openssl/rand.h>

#include "room.h"
#include "text.h"

int
client_room_new(char out[CLIENT_ROOM_LEN + 1])
{
	uint8_t	raw[CLIENT_ROOM_BYTES];
	char	b32[CLIENT_ROOM_BYTES * 8 / 5 + 1];
	size_t	i, o = 0;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	proto_fmt_base32(raw, sizeof raw, b32);
	for (i = 0; b32[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = (char)tolower((unsigned char)b32[i]);
	}
	out[o] = '\0';
	return 0;
}
