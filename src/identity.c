/*
 * identity.c: the client's key pair (identity.h), kept in a key file that
 * only its owner may read (proto/keyfile.c does the guarding, OpenSSL the
 * cryptography), and the names people compare.
 */
#include "identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "keyfile.h"

int
client_identity_load(const char *path, bool private_dir,
    struct client_identity **out, bool *created, char *err, size_t errlen)
{
	struct client_identity	*id;
	EVP_PKEY		*key;
	int			 r;

	*out = NULL;
	if ((r = proto_keyfile_load(path, private_dir, &key, created, err,
	    errlen)) != 0)
		return r;	/* a negative errno: the UV_ code of the same name */
	if ((id = calloc(1, sizeof *id)) == NULL ||
	    (id->path = strdup(path)) == NULL) {
		free(id);
		EVP_PKEY_free(key);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	id->key = key;
	if (proto_key_describe(key, &id->names) != 0) {
		client_identity_free(id);
		snprintf(err, errlen, "cannot read the public key of %s", path);
		return -EIO;
	}
	*out = id;
	return 0;
}

void
client_identity_free(struct client_identity *id)
{
	if (id != NULL) {
		EVP_PKEY_free(id->key);
		free(id->path);
		free(id);
	}
}
