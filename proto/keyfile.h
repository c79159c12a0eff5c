/*
 * keyfile.h: the Ed25519 key files of ferry, the client's identity and the
 * relay's host key alike: loaded, or created on first use, only where no
 * one else can read them; and the names people see for a key.
 */
#ifndef FERRY_KEYFILE_H
#define FERRY_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_KEY_RAW_LEN	32	/* bytes of a raw Ed25519 public key */
#define PROTO_FPR_LEN		52	/* base32 of a SHA-256, without the NUL */
#define PROTO_FPR_SHORT_LEN	19	/* "XXXX-XXXX-XXXX-XXXX", without the NUL */
#define PROTO_KEYLINE_LEN	64	/* "ferry-ed25519 " + base64 of 32 bytes, with room */

struct evp_pkey_st;

/*
 * Loads the key pair in path, or creates one there when the file does not
 * exist yet (mode 0600, linked into place so two first uses at once end
 * with one key and nothing is ever replaced). With private_dir, path's
 * folder is created 0700 when missing (with its missing parents) and
 * refused when group or others may enter it. The file is refused when it
 * is not a regular file of the caller's own, when group or others may read
 * or write it (as ssh refuses such a key), and when it holds anything but
 * one Ed25519 private key. *created says whether this call made the key.
 * Returns 0 with *key owned by the caller (EVP_PKEY_free), or a negative
 * errno (-EPERM for modes and owners, -EIO for a file with no usable key,
 * -EINVAL only for an empty path) with a sentence in err.
 */
int	proto_keyfile_load(const char *path, bool private_dir,
	    struct evp_pkey_st **key, bool *created, char *err, size_t errlen);

/* What people see of a key: the SHA-256 of its raw public key in base32. */
struct proto_key_names {
	char	fingerprint[PROTO_FPR_LEN + 1];		/* 52 characters */
	char	short_fpr[PROTO_FPR_SHORT_LEN + 1];	/* the first 16, "K7QF-2MZD-9XW4-TR3B" */
	char	keyline[PROTO_KEYLINE_LEN];		/* "ferry-ed25519 " + base64 of the raw key */
};

/* Fills n for key (an Ed25519 key). 0 or -1. */
int	proto_key_describe(struct evp_pkey_st *key, struct proto_key_names *n);
/* The same for a raw Ed25519 public key (a peer object's key). 0 or -1. */
int	proto_key_names_raw(const uint8_t raw[PROTO_KEY_RAW_LEN],
	    struct proto_key_names *n);
/*
 * The fingerprints for a SHA-256 computed elsewhere (a relay's key that is
 * not Ed25519: the digest of its SubjectPublicKeyInfo); keyline is "".
 */
void	proto_key_names_digest(const uint8_t md[32], struct proto_key_names *n);

#endif /* FERRY_KEYFILE_H */
