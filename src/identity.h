/*
 * identity.h: the client's long-term identity, an Ed25519 key pair (OpenSSL
 * EVP) kept in one PEM file that only its owner may read. A name is a label;
 * the key is the peer. Its fingerprint (SHA-256 of the raw public key, in
 * base32) is what people compare.
 */
#ifndef FERRY_IDENTITY_H
#define FERRY_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "keyfile.h"

struct evp_pkey_st;

/* A loaded identity. Read-only for callers; identity.c fills it in. */
struct client_identity {
	struct proto_key_names	 names;		/* fingerprint, short form, key line */
	char			*path;		/* owned: the file the key lives in */
	struct evp_pkey_st	*key;		/* owned: the key pair (EVP_PKEY) */
};

/*
 * Loads the key pair in path, or creates one there on first use, with the
 * rules of proto_keyfile_load (keyfile.h): private_dir for the default
 * $XDG_CONFIG_HOME/ferry/. *created says whether this call made the key.
 * Returns 0, or a negative UV_ code with a sentence in err (UV_EPERM for
 * modes and owners, UV_EIO for a file that holds no usable key; UV_EINVAL
 * only for an empty path). On success
 * *out is owned by the caller (client_identity_free).
 */
int	client_identity_load(const char *path, bool private_dir,
	    struct client_identity **out, bool *created, char *err,
	    size_t errlen);
void	client_identity_free(struct client_identity *id);

#endif /* FERRY_IDENTITY_H */
