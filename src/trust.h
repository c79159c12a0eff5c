/*
 * trust.h: the known_peers file, which key each name had: remembered when
 * first seen, verified once a person compared the authentication code (or
 * the fingerprint) and said so with `ferry trust`. A name is a label; a
 * known name with another key is someone else until the user says
 * otherwise.
 */
#ifndef FERRY_TRUST_H
#define FERRY_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"

struct proto_tls;

/*
 * Looks name up in file (NULL: no file, always UNKNOWN) against the key
 * whose fingerprint is fpr (52 characters). *known gets the fingerprint
 * on file (or ""). Returns an enum client_trust (client.h), or -1 with
 * err when the file cannot be read or others may change it.
 */
int	client_trust_check(const char *file, const char *name, const char *fpr,
	    char known[53], char *err, size_t errlen);
/* Remembers fpr as name's key, verified or only seen, in place of any other. 0 or -1 with err. */
int	client_trust_set(const char *file, const char *name, const char *fpr,
	    bool verified, char *err, size_t errlen);
/*
 * Sets the trust of each of the n peers from file (a name's line against
 * the peer's fingerprint). 0 or -1 with err (every trust is then UNKNOWN).
 */
int	client_trust_mark(const char *file, struct client_peer *v, size_t n,
	    char *err, size_t errlen);
/*
 * `ferry trust NAME FPR`: a person compared and says name's key is fpr.
 * fpr as typed: the whole fingerprint (52 characters: also a new key), or
 * at least 16 of the key already seen for name. msg says what was done,
 * or why not. 0 or -1.
 */
int	client_trust_verify(const char *file, const char *name, const char *fpr,
	    char *msg, size_t msglen);
/*
 * The loud sentence for a name known with another key: "THE KEY OF bob
 * HAS CHANGED: ..., nothing was DONE. If bob really has a new key ...:
 * ferry trust bob FPR", with who ("the bob on the relay") naming the one
 * now seen. known and fpr are 52-character fingerprints.
 */
void	client_trust_changed(char *buf, size_t len, const char *name,
	    const char *who, const char *known, const char *fpr,
	    const char *done);
/*
 * The short authentication code both ends of one session show, from its
 * exporter: "123 456 789". out holds 12 bytes.
 */
int	client_auth_code(struct proto_tls *t, char out[12]);

#endif /* FERRY_TRUST_H */
