/*
 * store_tree.c: the receiver's rules for folders. An offer's entries are
 * relative paths ("photos/2024/a.jpg"); client_store_tree_check() judges
 * the list as a tree before anything touches the disk. A top-level folder
 * is built inside a staging folder that we create ("photos.part"), with
 * every folder on the way opened O_NOFOLLOW from the receive folder, so
 * nothing is ever followed or written outside it; the commit gives the
 * staging folder its final name without replacing anything ("photos",
 * else "photos (1)", ...).
 *
 * The disk functions block: the transfer engine runs them on the pool.
 */
#define _GNU_SOURCE
#include "store.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "name.h"

#ifndef UV__ERR
#define UV__ERR(x)	(-(x))
#endif

/* --- the list as a tree ------------------------------------------------ */

struct tree_ctx {
	store_entry_fn	 at;
	void		*arg;
};

static const char *
name_of(const struct tree_ctx *c, size_t i, bool *dir)
{
	return c->at(c->arg, i, dir);
}

static int
by_name(const void *a, const void *b, void *arg)
{
	const struct tree_ctx	*c = arg;
	bool			 d;
	int			 r;

	r = strcmp(name_of(c, *(const size_t *)a, &d),
	    name_of(c, *(const size_t *)b, &d));
	if (r != 0)
		return r;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* The entry named exactly the first len bytes of p, via the sorted order; n when none. */
static size_t
find(const struct tree_ctx *c, const size_t *sorted, size_t n, const char *p,
    size_t len)
{
	size_t		 lo = 0, hi = n, mid;
	const char	*s;
	bool		 d;
	int		 r;

	/* The lower bound: the first in sorted order (the one listed first) not below p. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = name_of(c, sorted[mid], &d);
		r = strncmp(s, p, len);
		if (r == 0 && s[len] != '\0')
			r = 1;		/* longer than p: above it */
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n) {
		s = name_of(c, sorted[lo], &d);
		if (strncmp(s, p, len) == 0 && s[len] == '\0')
			return sorted[lo];
	}
	return n;
}

/* Why the path itself is refused, part by part, or NULL. */
static const char *
path_problem(const char *path, char *why, size_t whylen)
{
	char		 part[STORE_NAME_MAX + 1], w[PROTO_NAME_WHY_MAX];
	const char	*p = path, *slash;
	size_t		 len;
	unsigned	 k = 1;

	if (strchr(path, '/') != NULL && strlen(path) > STORE_PATH_MAX) {
		/* Its folder may be saved as "name (9999)": the path must still fit the wire. */
		snprintf(why, whylen, "is longer than %d bytes", STORE_PATH_MAX);
		return why;
	}
	for (;; k++) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0) {
			snprintf(why, whylen, "is not a relative path "
			    "(it has an empty part)");
			return why;
		}
		if (slash == NULL && k == 1)
			return client_store_name_problem(path, why, whylen);
		if (len > STORE_NAME_MAX) {
			snprintf(why, whylen, "has a part longer than %d bytes",
			    STORE_NAME_MAX);
			return why;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		if (client_store_name_problem(part, w, sizeof w) != NULL) {
			snprintf(why, whylen, "in its part %u: %s", k, w);
			return why;
		}
		if (slash == NULL)
			return NULL;
		p = slash + 1;
	}
}

long
client_store_tree_check(size_t n, store_entry_fn at, void *arg, size_t *top,
    size_t *parent, store_bad_fn bad, void *bad_arg)
{
	struct tree_ctx	 c = { at, arg };
	char		 why[PROTO_NAME_WHY_MAX + 32];
	const char	*name, *slash, *other;
	size_t		*sorted, i, p, k;
	bool		 dir, pdir = false, odir;
	long		 nbad = 0;

	if (n == 0)
		return 0;
	if ((sorted = calloc(n, sizeof *sorted)) == NULL)
		return UV_ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = i;
	qsort_r(sorted, n, sizeof *sorted, by_name, &c);
	for (i = 0; i < n; i++) {
		name = name_of(&c, i, &dir);
		top[i] = i;
		parent[i] = n;
		if (path_problem(name, why, sizeof why) != NULL)
			goto refuse;
		if ((slash = strrchr(name, '/')) != NULL) {
			/* Its folder is an entry of its own, listed before it. */
			p = find(&c, sorted, n, name, (size_t)(slash - name));
			if (p < n)
				(void)name_of(&c, p, &pdir);
			if (p >= i || !pdir) {
				snprintf(why, sizeof why, "is in a folder that "
				    "the list does not give before it");
				goto refuse;
			}
			top[i] = top[p];
			parent[i] = p;
		}
		continue;
refuse:
		nbad++;
		bad(bad_arg, i, why);
	}
	/* A name twice: only top-level files may share one (the second is saved as "name (1)"). */
	for (k = 1; k < n; k++) {
		name = name_of(&c, sorted[k], &dir);
		other = name_of(&c, sorted[k - 1], &odir);
		if (strcmp(name, other) != 0)
			continue;
		if (!dir && !odir && strchr(name, '/') == NULL)
			continue;
		nbad++;
		bad(bad_arg, sorted[k], "is listed twice");
	}
	free(sorted);
	return nbad;
}

/* --- on the disk ------------------------------------------------------- */

/* The folder that holds rel's last part, opened from dir/stage part by part; *leaf is that part. */
static int
open_parent(const char *dir, const char *stage, const char *rel, int *fd,
    const char **leaf)
{
	char		 part[STORE_NAME_MAX + 1];
	const char	*p = rel, *slash;
	size_t		 len;
	int		 d, nd;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	if (stage != NULL) {
		nd = openat(d, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(d);
		if (nd < 0)
			return UV__ERR(errno);
		d = nd;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		len = (size_t)(slash - p);
		if (len == 0 || len > STORE_NAME_MAX) {
			close(d);
			return UV_EINVAL;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		nd = openat(d, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(d);
		if (nd < 0)
			return UV__ERR(errno);
		d = nd;
		p = slash + 1;
	}
	*fd = d;
	*leaf = p;
	return 0;
}

int
client_store_stage_open(const char *dir, const char *name, char *stage,
    size_t stagelen)
{
	char		cand[STORE_NAME_MAX + 1];
	unsigned	n;
	int		d, r;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	for (n = 0; n < STORE_TRIES; n++) {
		if ((r = client_store_candidate_folder(name, n,
		    STORE_PART_SUFFIX, cand, sizeof cand)) != 0)
			break;
		/* Ours alone while it fills: mkdir never follows, and fails on anything there. */
		if (mkdirat(d, cand, 0700) == 0) {
			if (strlen(cand) + 1 > stagelen) {
				unlinkat(d, cand, AT_REMOVEDIR);
				r = UV_ENOBUFS;
			} else
				memcpy(stage, cand, strlen(cand) + 1);
			break;
		}
		r = UV__ERR(errno);
		if (errno != EEXIST)
			break;
	}
	close(d);
	return r;
}

int
client_store_stage_mkdir(const char *dir, const char *stage, const char *rel)
{
	const char	*leaf;
	int		 d, r = 0;

	if ((r = open_parent(dir, stage, rel, &d, &leaf)) != 0)
		return r;
	if (mkdirat(d, leaf, 0777) != 0)
		r = UV__ERR(errno);
	close(d);
	return r;
}

int
client_store_stage_create(const char *dir, const char *stage, const char *rel,
    int *fd)
{
	const char	*leaf;
	int		 d, r = 0;

	if ((r = open_parent(dir, stage, rel, &d, &leaf)) != 0)
		return r;
	*fd = openat(d, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0666);
	if (*fd < 0)
		r = UV__ERR(errno);
	close(d);
	return r;
}

int
client_store_stage_mtime(const char *dir, const char *stage, const char *rel,
    uint64_t mtime)
{
	struct timespec	 ts[2] = { { 0, UTIME_OMIT }, { (time_t)mtime, 0 } };
	const char	*leaf;
	int		 d, r = 0;

	if (*rel == '\0') {
		/* The staging folder itself. */
		if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return UV__ERR(errno);
		leaf = stage;
	} else if ((r = open_parent(dir, stage, rel, &d, &leaf)) != 0)
		return r;
	if (utimensat(d, leaf, ts, AT_SYMLINK_NOFOLLOW) != 0)
		r = UV__ERR(errno);
	close(d);
	return r;
}

int
client_store_file_finish(int fd, bool exec, uint64_t mtime)
{
	struct timespec	ts[2] = { { 0, UTIME_OMIT }, { (time_t)mtime, 0 } };
	struct stat	st;

	if (exec) {
		/* Executable where readable, as the receiver's umask left it. */
		if (fstat(fd, &st) != 0 || fchmod(fd, (st.st_mode & 07777) |
		    ((st.st_mode & 0444) >> 2)) != 0)
			return UV__ERR(errno);
	}
	if (mtime > 0 && futimens(fd, ts) != 0)
		return UV__ERR(errno);
	return 0;
}

/* The mode a new folder gets here: 0777 less the umask (from /proc; 022 when unknown). */
static mode_t
folder_mode(void)
{
	FILE		*f = fopen("/proc/self/status", "re");
	char		 line[128];
	unsigned	 mask = 022;

	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "Umask: %o", &mask) == 1)
				break;
		fclose(f);
	}
	return (mode_t)(0777 & ~mask);
}

int
client_store_stage_commit(const char *dir, const char *stage, const char *name,
    uint64_t mtime, char *saved, size_t savedlen)
{
	char		cand[STORE_NAME_MAX + 1];
	unsigned	n;
	int		d, r;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	/* Its real mode and time before it takes its name (a rename keeps both). */
	if (fchmodat(d, stage, folder_mode(), 0) != 0) {
		r = UV__ERR(errno);
		goto out;
	}
	if (mtime > 0 && (r = client_store_stage_mtime(dir, stage, "", mtime)) != 0)
		goto out;
	for (n = 0; n < STORE_TRIES; n++) {
		if ((r = client_store_candidate_folder(name, n, "", cand,
		    sizeof cand)) != 0)
			goto out;
		if (strlen(cand) + 1 > savedlen) {
			r = UV_ENOBUFS;
			goto out;
		}
		if ((r = client_store_move_noreplace(d, stage, cand, true)) == 0) {
			memcpy(saved, cand, strlen(cand) + 1);
			goto out;
		}
		if (r != UV_EEXIST)
			goto out;
	}
	r = UV_EEXIST;
out:
	close(d);
	return r;
}

int
client_store_stage_undo(const char *dir, const char *saved, const char *stage)
{
	int	d, r;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	r = client_store_move_noreplace(d, saved, stage, true);
	close(d);
	return r;
}

/* Empties folder fd (which it closes) and everything below, depth first, following nothing. */
static int
remove_below(int fd, unsigned depth)
{
	DIR		*dp;
	struct dirent	*de;
	int		 sub, r = 0;

	if (depth > PATH_MAX / 2 || (dp = fdopendir(fd)) == NULL) {
		close(fd);
		return depth > PATH_MAX / 2 ? UV_ELOOP : UV__ERR(errno);
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			r = UV__ERR(errno);
			continue;
		}
		sub = openat(dirfd(dp), de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = UV__ERR(errno);
			continue;
		}
		if (remove_below(sub, depth + 1) != 0)
			r = UV_EIO;
		if (unlinkat(dirfd(dp), de->d_name, AT_REMOVEDIR) != 0)
			r = UV__ERR(errno);
	}
	closedir(dp);
	return r;
}

int
client_store_stage_remove(const char *dir, const char *stage)
{
	int	d, sub, r;

	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return UV__ERR(errno);
	sub = openat(d, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		r = UV__ERR(errno);
	else if ((r = remove_below(sub, 0)) == 0 &&
	    unlinkat(d, stage, AT_REMOVEDIR) != 0)
		r = UV__ERR(errno);
	close(d);
	return r;
}
