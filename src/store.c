/*
 * store.c: where received bytes touch the disk. Every path is the receive
 * folder joined with a name that client_store_name_problem() accepted, so nothing
 * can land outside the folder, and no existing file is ever replaced.
 */
#define _GNU_SOURCE
#include "store.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "name.h"
#include "text.h"

#ifndef UV__ERR
#define UV__ERR(x)	(-(x))	/* libuv's error for an errno, as on every unix */
#endif

#define STORE_EXT_MAX	32	/* a longer "extension" is part of the stem */

/* The known two-part extensions, kept together: "a.tar.gz" -> "a (1).tar.gz". */
static const char *const client_store_tar_ext[] = {
	"gz", "bz2", "xz", "zst", "lz", "lz4", "lzma", "lzo", "Z", "br", "sz", NULL
};

const char *
client_store_name_problem(const char *name, char *why, size_t whylen)
{
	return proto_file_name_problem(name, why, whylen);
}

size_t
client_store_ext_offset(const char *name)
{
	size_t		 len = strlen(name), start = 0, dot, prev;
	const char	*p;
	int		 i;

	while (name[start] == '.')
		start++;
	p = strrchr(name + start, '.');
	if (p == NULL || p[1] == '\0' || p == name + start)
		return len;
	dot = (size_t)(p - name);
	if (len - dot > STORE_EXT_MAX)
		return len;
	/* ".tar.gz" and friends stay one extension. */
	for (i = 0; client_store_tar_ext[i] != NULL; i++) {
		if (strcmp(p + 1, client_store_tar_ext[i]) != 0)
			continue;
		if (dot >= start + 5 && memcmp(name + dot - 4, ".tar", 4) == 0) {
			prev = dot - 4;
			if (prev > start)
				return prev;
		}
		break;
	}
	return dot;
}


/* The n-th candidate with the number put at byte ext of name. */
static int
candidate_at(const char *name, size_t ext, unsigned n, const char *suffix,
    char *out, size_t outlen)
{
	char	num[16], why[PROTO_NAME_WHY_MAX];
	size_t	len, stem, room, numlen, sufflen, total;

	if (client_store_name_problem(name, why, sizeof why) != NULL)
		return UV_EINVAL;
	len = strlen(name);
	numlen = 0;
	num[0] = '\0';
	if (n > 0)
		numlen = (size_t)snprintf(num, sizeof num, " (%u)", n);
	sufflen = strlen(suffix);
	stem = ext;
	room = STORE_NAME_MAX - numlen - (len - ext) - sufflen;
	if (stem > room)
		stem = proto_utf8_cut(name, ext, room);
	if (stem == 0)
		return UV_EINVAL;
	total = stem + numlen + (len - ext) + sufflen;
	if (total + 1 > outlen)
		return UV_ENOBUFS;
	memcpy(out, name, stem);
	memcpy(out + stem, num, numlen);
	memcpy(out + stem + numlen, name + ext, len - ext);
	memcpy(out + stem + numlen + (len - ext), suffix, sufflen);
	out[total] = '\0';
	return 0;
}

int
client_store_candidate(const char *name, unsigned n, const char *suffix,
    char *out, size_t outlen)
{
	return candidate_at(name, client_store_ext_offset(name), n, suffix, out,
	    outlen);
}

int
client_store_candidate_folder(const char *name, unsigned n, const char *suffix,
    char *out, size_t outlen)
{
	return candidate_at(name, strlen(name), n, suffix, out, outlen);
}

/* dir + "/" + file into path[PATH_MAX]. */
static int
store_join(const char *dir, const char *file, char *path)
{
	int	n;

	if (strchr(file, '/') != NULL || strcmp(file, ".") == 0 ||
	    strcmp(file, "..") == 0 || *file == '\0')
		return UV_EINVAL;
	n = snprintf(path, PATH_MAX, "%s/%s", dir, file);
	if (n < 0 || n >= PATH_MAX)
		return UV_ENAMETOOLONG;
	return 0;
}

int
client_store_open_part(const char *dir, const char *name, char *part, size_t partlen,
    int *fd)
{
	char		cand[STORE_NAME_MAX + 1], path[PATH_MAX];
	unsigned	n;
	int		r, f;

	for (n = 0; n < STORE_TRIES; n++) {
		if ((r = client_store_candidate(name, n, STORE_PART_SUFFIX, cand,
		    sizeof cand)) != 0)
			return r;
		if ((r = store_join(dir, cand, path)) != 0)
			return r;
		f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (f >= 0) {
			if (strlen(cand) + 1 > partlen) {
				close(f);
				unlink(path);
				return UV_ENOBUFS;
			}
			memcpy(part, cand, strlen(cand) + 1);
			*fd = f;
			return 0;
		}
		if (errno != EEXIST)
			return UV__ERR(errno);
	}
	return UV_EEXIST;
}

int
client_store_move_noreplace(int d, const char *from, const char *to,
    bool folder)
{
	return client_store_move_noreplace_at(d, from, d, to, folder);
}

int
client_store_move_noreplace_at(int df, const char *from, int d, const char *to,
    bool folder)
{
	int	fd, e;

	if (renameat2(df, from, d, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return UV_EEXIST;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return UV__ERR(errno);
	if (!folder && linkat(df, from, d, to, 0) == 0) {
		if (unlinkat(df, from, 0) != 0) {
			e = errno;
			unlinkat(d, to, 0);
			return UV__ERR(e);
		}
		return 0;
	}
	if (!folder && errno == EEXIST)
		return UV_EEXIST;
	if (!folder && errno != EPERM && errno != ENOTSUP &&
	    errno != EOPNOTSUPP && errno != EXDEV && errno != EMLINK)
		return UV__ERR(errno);
	/* Our own empty placeholder, which rename() may then replace. */
	if (folder)
		fd = mkdirat(d, to, 0700);
	else
		fd = openat(d, to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? UV_EEXIST : UV__ERR(errno);
	if (!folder)
		close(fd);
	if (renameat(df, from, d, to) != 0) {
		e = errno;
		unlinkat(d, to, folder ? AT_REMOVEDIR : 0);
		return UV__ERR(e);
	}
	return 0;
}

int
client_store_commit(const char *dir, const char *part, const char *name, char *saved,
    size_t savedlen)
{
	return client_store_commit_from(dir, part, dir, name, saved, savedlen);
}

int
client_store_commit_from(const char *from_dir, const char *part,
    const char *dir, const char *name, char *saved, size_t savedlen)
{
	char		cand[STORE_NAME_MAX + 1], path[PATH_MAX];
	unsigned	n;
	int		df, d, r;

	if ((r = store_join(from_dir, part, path)) != 0)
		return r;
	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	if ((df = open(from_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		r = UV__ERR(errno);
		close(d);
		return r;
	}
	for (n = 0; n < STORE_TRIES; n++) {
		if ((r = client_store_candidate(name, n, "", cand, sizeof cand)) != 0)
			break;
		if ((r = store_join(dir, cand, path)) != 0)
			break;
		if (strlen(cand) + 1 > savedlen) {
			r = UV_ENOBUFS;
			break;
		}
		r = client_store_move_noreplace_at(df, part, d, cand, false);
		if (r == UV_EEXIST)
			continue;
		if (r == 0)
			memcpy(saved, cand, strlen(cand) + 1);
		break;
	}
	close(df);
	close(d);
	return n == STORE_TRIES ? UV_EEXIST : r;
}

int
client_store_remove(const char *dir, const char *file)
{
	char	path[PATH_MAX];
	int	r;

	if ((r = store_join(dir, file, path)) != 0)
		return r;
	if (unlink(path) != 0)
		return UV__ERR(errno);
	return 0;
}

int
client_store_free_space(const char *dir, uint64_t *avail)
{
	struct statvfs	sv;

	if (statvfs(dir, &sv) != 0)
		return UV__ERR(errno);
	*avail = (uint64_t)sv.f_bavail * (uint64_t)(sv.f_frsize ? sv.f_frsize :
	    sv.f_bsize);
	return 0;
}

int
client_store_check_dir(const char *dir)
{
	struct stat	st;

	if (stat(dir, &st) != 0)
		return UV__ERR(errno);
	if (!S_ISDIR(st.st_mode))
		return UV_ENOTDIR;
	if (access(dir, W_OK | X_OK) != 0)
		return UV__ERR(errno);
	return 0;
}
