/*
 * keyfile.c: Ed25519 key files for the client's identity and the relay's
 * host key (keyfile.h). OpenSSL generates and stores the key (EVP, PEM
 * PKCS#8); this file guards where it lives: a private folder and file,
 * never replaced, refused when others could read it.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keyfile.h"
#include "text.h"

static int
fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* mkdir -p with mode 0700 for every folder it makes. */
static int
make_dirs(char *dir)
{
	char	*s;

	for (s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The folder of the default key: made private, or refused when it is not. */
static int
check_dir(const char *path, char *err, size_t errlen)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;
	int		 r;

	if (strlen(path) >= sizeof dir)
		return fail(err, errlen, -ENAMETOOLONG, "%s: path too long",
		    path);
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if ((r = make_dirs(dir)) != 0)
		return fail(err, errlen, r,
		    "cannot create the folder %s: %s", dir, strerror(-r));
	if (lstat(dir, &st) != 0)
		return fail(err, errlen, -errno,
		    "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, -ENOTDIR, "%s is not a folder", dir);
	if (st.st_uid != geteuid())
		return fail(err, errlen, -EPERM,
		    "the folder %s belongs to someone else: it must be yours "
		    "and private (chmod 700)", dir);
	if ((st.st_mode & 077) != 0)
		return fail(err, errlen, -EPERM,
		    "others can open the folder %s (mode %03o): it holds your "
		    "private key and must be 700 (chmod 700 %s)", dir,
		    (unsigned)(st.st_mode & 0777), dir);
	return 0;
}

/* Reads the key from an open file after checking who may read it. */
static int
read_key(int fd, const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	struct stat	 st;
	FILE		*f;
	EVP_PKEY	*key;
	int		 r;

	/* Every check before the key is read; errno is taken before close. */
	if (fstat(fd, &st) != 0)
		r = fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = fail(err, errlen, -EIO, "%s is not a regular file", path);
	else if (st.st_uid != geteuid())
		r = fail(err, errlen, -EPERM,
		    "the identity %s belongs to someone else", path);
	else if ((st.st_mode & 077) != 0)
		r = fail(err, errlen, -EPERM,
		    "others can read or write the identity %s (mode %03o): a "
		    "private key must be 600 (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 0777), path);
	else
		r = 0;
	if (r != 0) {
		close(fd);
		return r;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL)
		return fail(err, errlen, -EIO,
		    "%s holds no private key in PEM form", path);
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return fail(err, errlen, -EIO,
		    "%s holds a key that is not Ed25519", path);
	}
	*out = key;
	return 0;
}

/*
 * A new key in a private temporary file beside path, then linked to path,
 * which never replaces a file: when another process created path first,
 * returns -EEXIST and the caller reads theirs.
 */
static int
create_key(const char *path, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX];
	EVP_PKEY	*key;
	FILE		*f;
	int		 fd, ok, e;

	if (snprintf(tmp, sizeof tmp, "%s.new.XXXXXX", path) >= (int)sizeof tmp)
		return fail(err, errlen, -ENAMETOOLONG, "%s: path too long",
		    path);
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return fail(err, errlen, -EIO, "cannot make an Ed25519 key");
	if ((fd = mkstemp(tmp)) < 0) {	/* mode 0600 */
		e = errno;
		EVP_PKEY_free(key);
		return fail(err, errlen, -e,
		    "cannot create %s: %s", tmp, strerror(e));
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		EVP_PKEY_free(key);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	EVP_PKEY_free(key);
	if (!ok) {
		unlink(tmp);
		return fail(err, errlen, -EIO, "cannot write %s", tmp);
	}
	if (link(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		if (e == EEXIST)
			return -EEXIST;
		return fail(err, errlen, -e,
		    "cannot create %s: %s", path, strerror(e));
	}
	unlink(tmp);
	return 0;
}

int
proto_keyfile_load(const char *path, bool private_dir, EVP_PKEY **key,
    bool *created, char *err, size_t errlen)
{
	int	fd, r = -EIO, tries;

	*key = NULL;
	if (created != NULL)
		*created = false;
	if (path == NULL || *path == '\0')
		return fail(err, errlen, -EINVAL, "no identity file given");
	if (private_dir && (r = check_dir(path, err, errlen)) != 0)
		return r;
	/* Twice at most: a create that lost the race reads the winner's key. */
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return read_key(fd, path, key, err, errlen);
		if (errno == ELOOP)
			return fail(err, errlen, -ELOOP,
			    "the identity %s is a symbolic link", path);
		if (errno != ENOENT)
			return fail(err, errlen, -errno, "cannot open %s: %s",
			    path, strerror(errno));
		if ((r = create_key(path, err, errlen)) == 0 && created != NULL)
			*created = true;
		if (r != 0 && r != -EEXIST)
			return r;
	}
	return fail(err, errlen, -EIO, "cannot read %s", path);
}

void
proto_key_names_digest(const uint8_t md[32], struct proto_key_names *n)
{
	/* 256 bits are 52 base32 characters: n->fingerprint holds them exactly. */
	proto_fmt_base32(md, 32, n->fingerprint);
	snprintf(n->short_fpr, sizeof n->short_fpr, "%.4s-%.4s-%.4s-%.4s",
	    n->fingerprint, n->fingerprint + 4, n->fingerprint + 8,
	    n->fingerprint + 12);
	n->keyline[0] = '\0';
}

int
proto_key_names_raw(const uint8_t raw[PROTO_KEY_RAW_LEN],
    struct proto_key_names *n)
{
	uint8_t		md[32];
	unsigned char	b64[48];
	unsigned	mdlen = sizeof md;

	if (EVP_Digest(raw, PROTO_KEY_RAW_LEN, md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	proto_key_names_digest(md, n);
	EVP_EncodeBlock(b64, raw, PROTO_KEY_RAW_LEN);
	snprintf(n->keyline, sizeof n->keyline, "ferry-ed25519 %s", b64);
	return 0;
}

int
proto_key_describe(EVP_PKEY *key, struct proto_key_names *n)
{
	uint8_t		raw[PROTO_KEY_RAW_LEN];
	size_t		rawlen = sizeof raw;

	if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 ||
	    rawlen != sizeof raw)
		return -1;
	return proto_key_names_raw(raw, n);
}
