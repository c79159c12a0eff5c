/*
 * store_resume.c: the receiver's kept parts, so a broken transfer goes on
 * from where it stopped. A top-level file is received into
 * DIR/.ferry-resume/KEY, KEY the SHA-256 of the sender's identity key, the
 * file's path, size and modification time, so the same file from the same
 * sender finds it again and nothing else does. Each part has a small record
 * beside it (KEY.info: size, time, path) to say what an age cleanup
 * removed. A part is locked (flock) while a transfer holds it, so two
 * receivers never write one part, and the lock goes with the process, so a
 * killed receiver's part is free to resume. The folder is ours alone: mode
 * 0700, never a link, refused when anyone else may write it.
 */
#define _GNU_SOURCE
#include "store.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "digest.h"

#ifndef UV__ERR
#define UV__ERR(x)	(-(x))
#endif

#define RECORD_SUFFIX	".info"
#define RECORD_MAX	(PROTO_FILE_NAME_MAX + 64)

int
client_store_resume_dir(const char *dir, char *path, size_t pathlen,
    char *why, size_t whylen)
{
	struct stat	st;
	int		d, fd, r = 0;

	if (snprintf(path, pathlen, "%s/%s", dir, STORE_RESUME_DIR) >= (int)pathlen)
		return UV_ENAMETOOLONG;
	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	if (mkdirat(d, STORE_RESUME_DIR, 0700) != 0 && errno != EEXIST) {
		r = UV__ERR(errno);
		snprintf(why, whylen, "cannot create %s: %s", path, uv_strerror(r));
		close(d);
		return r;
	}
	fd = openat(d, STORE_RESUME_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(d);
	if (fd < 0) {
		r = UV__ERR(errno);
		snprintf(why, whylen, "%s is not a folder (%s); remove it", path,
		    uv_strerror(r));
		return r;
	}
	if (fstat(fd, &st) != 0)
		r = UV__ERR(errno);
	else if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		r = UV_EPERM;
		snprintf(why, whylen, "%s belongs to someone else or others may "
		    "use it (mode %03o); fix it with: chmod 700 %s", path,
		    (unsigned)(st.st_mode & 0777), path);
	}
	close(fd);
	return r;
}

int
client_store_resume_key(const uint8_t peer_key[32], const char *name,
    uint64_t size, uint64_t mtime, char *key)
{
	struct client_digest	d;
	char			num[48];
	int			r, n;

	n = snprintf(num, sizeof num, "%" PRIu64 "%c%" PRIu64, size, '\0', mtime);
	if ((r = client_digest_init(&d)) != 0)
		return r;
	if ((r = client_digest_update(&d, "ferry-part-1", 13)) != 0 ||
	    (r = client_digest_update(&d, peer_key, 32)) != 0 ||
	    (r = client_digest_update(&d, name, strlen(name) + 1)) != 0 ||
	    (r = client_digest_update(&d, num, (size_t)n)) != 0) {
		client_digest_free(&d);
		return r;
	}
	return client_digest_final(&d, key);
}

/* The n-th name for key: "KEY", "KEY.1", ... */
static void
part_name(const char *key, unsigned n, char *out, size_t len)
{
	if (n == 0)
		snprintf(out, len, "%s", key);
	else
		snprintf(out, len, "%s.%u", key, n);
}

/*
 * Opens part name in rdir (created when create is set), checks it is a
 * plain file of ours with one name, and locks it. 0; UV_EBUSY when another
 * transfer holds it; UV_ENOENT; another error.
 */
static int
open_part(int rd, const char *name, int create, int *fd)
{
	struct stat	st;
	int		f, flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;

	if ((f = openat(rd, name, flags | create, 0644)) < 0)
		return UV__ERR(errno);
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != geteuid()) {
		close(f);
		return UV_EINVAL;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		close(f);
		return errno == EWOULDBLOCK ? UV_EBUSY : UV__ERR(errno);
	}
	/* Blocking from here on: it is a plain file. */
	if (fcntl(f, F_SETFL, O_RDWR) != 0) {
		close(f);
		return UV__ERR(errno);
	}
	*fd = f;
	return 0;
}

int
client_store_resume_find(const char *rdir, const char *key, uint64_t size,
    char *part, size_t partlen, int *fd, uint64_t *len)
{
	char		name[STORE_NAME_MAX + 1];
	struct stat	st;
	unsigned	n;
	int		rd, r = UV_ENOENT;
	bool		busy = false;

	if ((rd = open(rdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	for (n = 0; n < STORE_RESUME_TRIES; n++) {
		part_name(key, n, name, sizeof name);
		r = open_part(rd, name, 0, fd);
		if (r == UV_ENOENT) {
			r = busy ? UV_EBUSY : UV_ENOENT;
			break;		/* names are taken in order: no later one */
		}
		busy |= r == UV_EBUSY;
		if (r != 0)
			continue;	/* busy, or not ours: the next one */
		if (fstat(*fd, &st) != 0 || (uint64_t)st.st_size > size ||
		    strlen(name) + 1 > partlen) {
			close(*fd);
			r = UV_EINVAL;
			continue;
		}
		memcpy(part, name, strlen(name) + 1);
		*len = (uint64_t)st.st_size;
		break;
	}
	close(rd);
	return n == STORE_RESUME_TRIES ? (busy ? UV_EBUSY : UV_ENOENT) : r;
}

int
client_store_resume_create(const char *rdir, const char *key,
    const char *record, char *part, size_t partlen, int *fd)
{
	char		name[STORE_NAME_MAX + 1], rec[STORE_NAME_MAX + 1];
	unsigned	n;
	int		rd, rf, r = UV_EEXIST;
	size_t		len = strlen(record);

	if ((rd = open(rdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	/* A new name, never another transfer's kept part (find reuses those), */
	for (n = 0; n < STORE_RESUME_TRIES; n++) {
		part_name(key, n, name, sizeof name);
		if ((r = open_part(rd, name, O_CREAT | O_EXCL, fd)) != UV_EEXIST)
			break;
	}
	/* ... unless every name is taken: then the first one nobody holds. */
	for (n = 0; r == UV_EEXIST && n < STORE_RESUME_TRIES; n++) {
		part_name(key, n, name, sizeof name);
		if ((r = open_part(rd, name, O_CREAT, fd)) != 0 && r != UV_ENOENT)
			r = UV_EEXIST;
	}
	if (r != 0)
		goto out;
	if (strlen(name) + 1 > partlen) {
		r = UV_ENOBUFS;
		goto fail;
	}
	/* A leftover nobody resumed (it was not this file after all): empty it. */
	if (ftruncate(*fd, 0) != 0) {
		r = UV__ERR(errno);
		goto fail;
	}
	snprintf(rec, sizeof rec, "%s%s", name, RECORD_SUFFIX);
	rf = openat(rd, rec, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (rf < 0 || write(rf, record, len) != (ssize_t)len) {
		r = rf < 0 ? UV__ERR(errno) : UV_EIO;
		if (rf >= 0)
			close(rf);
		goto fail;
	}
	close(rf);
	memcpy(part, name, strlen(name) + 1);
	goto out;
fail:
	close(*fd);
	*fd = -1;
	unlinkat(rd, name, 0);
out:
	close(rd);
	return r;
}

void
client_store_resume_tidy(const char *rdir)
{
	(void)rmdir(rdir);	/* only when empty: ENOTEMPTY otherwise, which is fine */
}

int
client_store_resume_forget(const char *rdir, const char *part)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s%s", rdir, part, RECORD_SUFFIX) >=
	    (int)sizeof path)
		return UV_ENAMETOOLONG;
	if (unlink(path) != 0 && errno != ENOENT)
		return UV__ERR(errno);
	return 0;
}

int
client_store_resume_remove(const char *rdir, const char *part)
{
	char	path[PATH_MAX];
	int	r = 0;

	if (snprintf(path, sizeof path, "%s/%s", rdir, part) >= (int)sizeof path)
		return UV_ENAMETOOLONG;
	if (unlink(path) != 0 && errno != ENOENT)
		r = UV__ERR(errno);
	if (client_store_resume_forget(rdir, part) != 0 && r == 0)
		r = UV_EIO;
	return r;
}

/* What part's record says: its path and size; "" and 0 when it cannot be read. */
static void
read_record(int rd, const char *part, char *name, size_t namelen,
    uint64_t *size)
{
	char	rec[STORE_NAME_MAX + 8], buf[RECORD_MAX + 1], *nl;
	ssize_t	n;
	int	f;

	name[0] = '\0';
	*size = 0;
	snprintf(rec, sizeof rec, "%s%s", part, RECORD_SUFFIX);
	if ((f = openat(rd, rec, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return;
	n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* "ferry-part 1\nSIZE MTIME\nPATH\n" */
	if (strncmp(buf, "ferry-part 1\n", 13) != 0 ||
	    sscanf(buf + 13, "%" SCNu64, size) != 1 ||
	    (nl = strchr(buf + 13, '\n')) == NULL)
		return;
	snprintf(name, namelen, "%.*s", (int)strcspn(nl + 1, "\n"), nl + 1);
}

int
client_store_resume_record(const char *name, uint64_t size, uint64_t mtime,
    char *out, size_t outlen)
{
	int	n = snprintf(out, outlen, "ferry-part 1\n%" PRIu64 " %" PRIu64
		    "\n%s\n", size, mtime, name);

	return n < 0 || (size_t)n >= outlen ? UV_ENOBUFS : 0;
}

int
client_store_resume_prune(const char *dir, uint64_t max_age_s,
    store_pruned_fn cb, void *arg)
{
	char		 rdir[PATH_MAX], why[256], name[PROTO_FILE_NAME_MAX + 1];
	DIR		*dp;
	struct dirent	*de;
	struct stat	 st;
	uint64_t	 size, age, now = (uint64_t)time(NULL);
	size_t		 len, sl = strlen(RECORD_SUFFIX);
	int		 rd, f, r;

	/* None yet: nothing to clean, and nothing is created for it. */
	if (snprintf(rdir, sizeof rdir, "%s/%s", dir, STORE_RESUME_DIR) >=
	    (int)sizeof rdir)
		return UV_ENAMETOOLONG;
	if (lstat(rdir, &st) != 0 && errno == ENOENT)
		return 0;
	if ((r = client_store_resume_dir(dir, rdir, sizeof rdir, why,
	    sizeof why)) != 0)
		return r;
	if ((rd = open(rdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	if ((dp = fdopendir(rd)) == NULL) {
		close(rd);
		return UV__ERR(errno);
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(de->d_name);
		if (len > sl && strcmp(de->d_name + len - sl, RECORD_SUFFIX) == 0) {
			/* A record whose part is gone (killed between the two): it goes too. */
			snprintf(name, sizeof name, "%.*s", (int)(len - sl), de->d_name);
			if (fstatat(rd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
			    errno == ENOENT)
				(void)unlinkat(rd, de->d_name, 0);
			continue;
		}
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(rd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		age = now > (uint64_t)st.st_mtime ? now - (uint64_t)st.st_mtime : 0;
		if (age < max_age_s)
			continue;
		if (open_part(rd, de->d_name, 0, &f) != 0)
			continue;	/* held by a transfer right now, or not ours */
		read_record(rd, de->d_name, name, sizeof name, &size);
		if (unlinkat(rd, de->d_name, 0) == 0) {
			(void)client_store_resume_forget(rdir, de->d_name);
			if (cb != NULL)
				cb(arg, name, (uint64_t)st.st_size, size, age);
		}
		close(f);
	}
	closedir(dp);
	client_store_resume_tidy(rdir);
	return 0;
}
