/*
 * relays.h: which relay keys the client accepts. A relay is accepted when
 * a CA vouches for its DNS name, when its key is the one pinned for its
 * HOST:PORT in the known_relays file (one "HOST:PORT FINGERPRINT" line
 * each, as ssh keeps known_hosts), or, on first contact, by pinning it
 * there now. A pinned key that changed is refused until the user says
 * otherwise (--relay-fingerprint, or removing the line).
 */
#ifndef FERRY_RELAYS_H
#define FERRY_RELAYS_H

#include <stdbool.h>
#include <stddef.h>

struct proto_key_names;

/* What client_relays_check decided. */
enum client_relay_verdict {
	CLIENT_RELAY_REFUSED = -1,	/* msg says why, loudly */
	CLIENT_RELAY_KNOWN = 0,		/* pinned before, or vouched for by a CA */
	CLIENT_RELAY_PINNED,		/* first contact: pinned now (msg says where) */
	CLIENT_RELAY_REPINNED,		/* --relay-fingerprint replaced an older pin */
};

/*
 * The relay at server ("HOST:PORT" as the user gave it) showed the key
 * named by seen; ca_ok says a CA vouched for its DNS name. expected is the
 * fingerprint given with --relay-fingerprint (full or a prefix of at least
 * 16 characters, dashes, spaces and case ignored), or NULL. file is the
 * known_relays file, or NULL to keep no pins (every key is a first
 * contact). msg gets a sentence for the user with every verdict but
 * KNOWN. A file that cannot be read or written refuses the relay: a pin
 * that cannot be checked protects nothing.
 */
enum client_relay_verdict client_relays_check(const char *file,
	    const char *server, const struct proto_key_names *seen, bool ca_ok,
	    const char *expected, char *msg, size_t msglen);

/*
 * Whether fpr (as typed: dashes, spaces and case ignored) is full or a
 * prefix of at least 16 characters of the 52-character fingerprint full.
 */
bool	client_fpr_match(const char *fpr, const char *full);
/*
 * fpr as people type it, in the fingerprint's alphabet (dashes and spaces
 * dropped, upper case, O read as 0, I and L as 1) into out. Its length, or
 * 0 when it does not fit.
 */
size_t	client_fpr_normalize(const char *fpr, char *out, size_t outlen);
/* Whether fpr could be such a prefix: 16 to 52 characters of the alphabet. */
bool	client_fpr_valid(const char *fpr);

#endif /* FERRY_RELAYS_H */
