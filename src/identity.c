/*
 * identity.c: loads or creates the client's Ed25519 key pair (identity.h).
 * The key is generated and stored by OpenSSL (EVP, PEM PKCS#8); this file
 * only guards where it lives: private folder and file, never replaced, and
 * refused when others could read it.
 */
#define _GNU_SOURCE
#include "identity.h"

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
#include <uv.h>

#include "digest.h"
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
		return fail(err, errlen, UV_ENAMETOOLONG, "%s: path too long",
		    path);
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if ((r = make_dirs(dir)) != 0)
		return fail(err, errlen, uv_translate_sys_error(-r),
		    "cannot create the folder %s: %s", dir, strerror(-r));
	if (lstat(dir, &st) != 0)
		return fail(err, errlen, uv_translate_sys_error(errno),
		    "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, UV_ENOTDIR, "%s is not a folder", dir);
	if (st.st_uid != geteuid())
		return fail(err, errlen, UV_EPERM,
		    "the folder %s belongs to someone else: it must be yours "
		    "and private (chmod 700)", dir);
	if ((st.st_mode & 077) != 0)
		return fail(err, errlen, UV_EPERM,
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

	if (fstat(fd, &st) != 0) {
		close(fd);
		return fail(err, errlen, uv_translate_sys_error(errno),
		    "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, UV_EIO,
		    "%s is not a regular file", path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return fail(err, errlen, UV_EPERM,
		    "the identity %s belongs to someone else", path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return fail(err, errlen, UV_EPERM,
		    "others can read or write the identity %s (mode %03o): a "
		    "private key must be 600 (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 0777), path);
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return fail(err, errlen, UV_ENOMEM, "out of memory");
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL)
		return fail(err, errlen, UV_EIO,
		    "%s holds no private key in PEM form", path);
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return fail(err, errlen, UV_EIO,
		    "%s holds a key that is not Ed25519", path);
	}
	*out = key;
	return 0;
}

/*
 * A new key in a private temporary file beside path, then linked to path,
 * which never replaces a file: when another process created path first,
 * returns UV_EEXIST and the caller reads theirs.
 */
static int
create_key(const char *path, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX];
	EVP_PKEY	*key;
	FILE		*f;
	int		 fd, ok, e;

	if (snprintf(tmp, sizeof tmp, "%s.new.XXXXXX", path) >= (int)sizeof tmp)
		return fail(err, errlen, UV_ENAMETOOLONG, "%s: path too long",
		    path);
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return fail(err, errlen, UV_EIO, "cannot make an Ed25519 key");
	if ((fd = mkstemp(tmp)) < 0) {	/* mode 0600 */
		e = errno;
		EVP_PKEY_free(key);
		return fail(err, errlen, uv_translate_sys_error(e),
		    "cannot create %s: %s", tmp, strerror(e));
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		EVP_PKEY_free(key);
		return fail(err, errlen, UV_ENOMEM, "out of memory");
	}
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	EVP_PKEY_free(key);
	if (!ok) {
		unlink(tmp);
		return fail(err, errlen, UV_EIO, "cannot write %s", tmp);
	}
	if (link(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		if (e == EEXIST)
			return UV_EEXIST;
		return fail(err, errlen, uv_translate_sys_error(e),
		    "cannot create %s: %s", path, strerror(e));
	}
	unlink(tmp);
	return 0;
}

/* The fingerprint, its short form and the key line of a loaded key. */
static int
describe(struct client_identity *id, char *err, size_t errlen)
{
	uint8_t		raw[32], md[DIGEST_LEN];
	unsigned char	b64[48];
	size_t		rawlen = sizeof raw;
	unsigned	mdlen = sizeof md;

	if (EVP_PKEY_get_raw_public_key(id->key, raw, &rawlen) != 1 ||
	    rawlen != sizeof raw ||
	    EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL) != 1)
		return fail(err, errlen, UV_EIO,
		    "cannot read the public key of %s", id->path);
	/* 256 bits are 52 base32 characters: id->fingerprint holds them exactly. */
	proto_fmt_base32(md, sizeof md, id->fingerprint);
	snprintf(id->short_fpr, sizeof id->short_fpr, "%.4s-%.4s-%.4s-%.4s",
	    id->fingerprint, id->fingerprint + 4, id->fingerprint + 8, id->fingerprint + 12);
	EVP_EncodeBlock(b64, raw, (int)rawlen);
	snprintf(id->keyline, sizeof id->keyline, "ferry-ed25519 %s", b64);
	return 0;
}

int
client_identity_load(const char *path, bool private_dir,
    struct client_identity **out, bool *created, char *err, size_t errlen)
{
	struct client_identity	*id;
	int			 fd, r, tries;

	*out = NULL;
	if (created != NULL)
		*created = false;
	if (path == NULL || *path == '\0')
		return fail(err, errlen, UV_EINVAL, "no identity file given");
	if (private_dir && (r = check_dir(path, err, errlen)) != 0)
		return r;
	if ((id = calloc(1, sizeof *id)) == NULL ||
	    (id->path = strdup(path)) == NULL) {
		free(id);
		return fail(err, errlen, UV_ENOMEM, "out of memory");
	}
	/* Twice at most: a create that lost the race reads the winner's key. */
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			r = read_key(fd, path, &id->key, err, errlen);
			break;
		}
		if (errno == ELOOP) {
			r = fail(err, errlen, UV_ELOOP,
			    "the identity %s is a symbolic link", path);
			break;
		}
		if (errno != ENOENT) {
			r = fail(err, errlen, uv_translate_sys_error(errno),
			    "cannot open %s: %s", path, strerror(errno));
			break;
		}
		if ((r = create_key(path, err, errlen)) == 0 && created != NULL)
			*created = true;
		if (r != 0 && r != UV_EEXIST)
			break;
		r = UV_EEXIST;
	}
	if (r == 0)
		r = describe(id, err, errlen);
	if (r != 0) {
		client_identity_free(id);
		return r == UV_EEXIST ? fail(err, errlen, UV_EIO,
		    "cannot read %s", path) : r;
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
