/*
 * relay_allow.h: the relay's allow list (ferryd --allow-keys FILE): the
 * client keys it admits, read strictly from a file in the form of ssh's
 * authorized_keys, one key a line as `ferry id` prints it first:
 *
 *	ferry-ed25519 BASE64-OF-THE-RAW-32-BYTE-KEY [comment, e.g. a name]
 *
 * Blank lines and lines whose first non-blank character is '#' are
 * ignored. Anything else that is not such a line is an error naming the
 * line, and the whole file is refused (so a reload keeps the old list).
 */
#ifndef FERRY_RELAY_ALLOW_H
#define FERRY_RELAY_ALLOW_H

#include <stddef.h>
#include <stdint.h>

#define RELAY_ALLOW_LINE_MAX	1024		/* bytes of a line, without its newline */
#define RELAY_ALLOW_KEYS_MAX	100000		/* keys in one file */
#define RELAY_ALLOW_FILE_MAX	(16 * 1024 * 1024)	/* bytes of the file */
#define RELAY_ALLOW_KEY_RAW	32		/* a raw Ed25519 public key */

struct relay_allow_key {
	uint8_t		key[RELAY_ALLOW_KEY_RAW];
	unsigned	line;		/* where it was in the file, 1.. */
};

/* A parsed list: keys sorted for bsearch, no two alike. */
struct relay_allow {
	struct relay_allow_key	*keys;		/* owned: n of them */
	size_t			 n;
};

/*
 * Parses text[0..len) (the whole file). On success *out is the caller's
 * (relay_allow_free) and 0 is returned; on failure -1 with one line for
 * people in err, "line 3: ..." when a line is at fault, and *out is NULL.
 */
int	relay_allow_parse(const char *text, size_t len, struct relay_allow **out,
	    char *err, size_t errlen);
/* Reads path (at most RELAY_ALLOW_FILE_MAX bytes) and parses it; same results. */
int	relay_allow_load(const char *path, struct relay_allow **out, char *err,
	    size_t errlen);
/* True when key is on the list. */
int	relay_allow_has(const struct relay_allow *a,
	    const uint8_t key[RELAY_ALLOW_KEY_RAW]);
void	relay_allow_free(struct relay_allow *a);

#endif /* FERRY_RELAY_ALLOW_H */
