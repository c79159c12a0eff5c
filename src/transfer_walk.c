/*
 * transfer_walk.c: what a send offers. On a worker thread (JOB_STAT) every
 * path is examined: a regular file is one entry; a folder is an entry of
 * its own followed by everything in it, depth first and by name, each
 * entry named by its path from the folder ("photos/2024/a.jpg"). Symbolic
 * links and special files inside a folder are neither followed nor sent:
 * they are listed in pub.skipped. Every problem (an unreadable file, a
 * name the receiver would refuse, too long a path) is gathered, so a batch
 * is fixed in one go; any problem fails the send before the offer.
 */
#include "transfer_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"

struct walk {
	struct transfer		*t;
	struct transfer_walk	*w;
	size_t			 nbad, shown, len;	/* problems */
	char			 list[sizeof ((struct transfer *)0)->job_msg - 72];
	size_t			 nskip, skshown, sklen;	/* skipped */
	char			 sklist[sizeof ((struct transfer_walk *)0)->skipped - 40];
	bool			 full;		/* PROTO_OFFER_MAX entries reached */
};

/* What a path that is not a regular file or a folder is, for a sentence. */
static const char *
file_kind(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int
xfer__open_regular(const char *path, int *fd, struct stat *st, char *msg,
    size_t msglen, const char **why)
{
	int	flags, e;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		e = UV__ERR(errno);
		*why = uv_strerror(e);
		snprintf(msg, msglen, "cannot read %s: %s", path, *why);
		return e;
	}
	if (fstat(*fd, st) != 0) {
		e = UV__ERR(errno);
		*why = uv_strerror(e);
		snprintf(msg, msglen, "cannot read %s: %s", path, *why);
	} else if (S_ISDIR(st->st_mode)) {
		e = UV_EISDIR;
		*why = "a folder";
		snprintf(msg, msglen, "%s is a folder", path);
	} else if (!S_ISREG(st->st_mode)) {
		e = UV_EINVAL;
		*why = file_kind(st->st_mode);
		snprintf(msg, msglen, "%s is %s; ferry sends regular files and "
		    "folders", path, *why);
	} else if ((uint64_t)st->st_size > PROTO_INT_MAX) {
		e = UV_EFBIG;
		*why = "too large";
		snprintf(msg, msglen, "%s is too large to send", path);
	} else if ((flags = fcntl(*fd, F_GETFL)) < 0 ||
	    fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		e = UV__ERR(errno);
		*why = uv_strerror(e);
		snprintf(msg, msglen, "cannot read %s: %s", path, *why);
	} else
		return 0;
	close(*fd);
	*fd = -1;
	return e;
}

/* Adds "PATH (WHY)" to a list of len bytes in buf, keeping room for ", and N more". */
static void
list_add(char *buf, size_t size, size_t *len, size_t *shown, const char *path,
    const char *why)
{
	int	n;

	n = snprintf(buf + *len, size - *len, "%s%s (%s)", *shown > 0 ? ", " :
	    "", path, why);
	if (n > 0 && (size_t)n < size - *len - 16) {
		*len += (size_t)n;
		(*shown)++;
	} else
		buf[*len] = '\0';
}

/* A problem: the first in its own words (msg), every one in the list. */
static void
problem(struct walk *wk, int err, const char *msg, const char *path,
    const char *why)
{
	struct transfer	*t = wk->t;

	if (wk->nbad++ == 0) {
		t->job_err = err;
		snprintf(t->job_msg, sizeof t->job_msg, "%s", msg);
	}
	list_add(wk->list, sizeof wk->list, &wk->len, &wk->shown, path, why);
}

static void
skip(struct walk *wk, const char *path, const char *why)
{
	wk->nskip++;
	list_add(wk->sklist, sizeof wk->sklist, &wk->sklen, &wk->skshown, path,
	    why);
}

/* Appends an entry; false when memory or the count ran out (a problem then). */
static bool
add(struct walk *wk, const char *name, const char *path, const struct stat *st,
    bool dir)
{
	struct transfer_walk	*w = wk->w;
	struct client_file	*f;
	struct transfer_file	*x;
	size_t			 cap;

	if (w->n >= PROTO_OFFER_MAX) {
		if (!wk->full) {
			char msg[128];

			wk->full = true;
			snprintf(msg, sizeof msg, "one send takes at most %d "
			    "files and folders", PROTO_OFFER_MAX);
			problem(wk, UV_E2BIG, msg, path, "one too many");
		}
		return false;
	}
	if (w->n == w->cap) {
		cap = w->cap ? w->cap * 2 : 64;
		if ((f = realloc(w->files, cap * sizeof *f)) != NULL)
			w->files = f;
		if ((x = realloc(w->xf, cap * sizeof *x)) != NULL)
			w->xf = x;
		if (f == NULL || x == NULL)
			goto nomem;
		w->cap = cap;
	}
	f = &w->files[w->n];
	x = &w->xf[w->n];
	memset(f, 0, sizeof *f);
	memset(x, 0, sizeof *x);
	x->fd = -1;
	f->name = strdup(name);
	f->path = strdup(path);
	w->n++;		/* counted before the checks: xfer__files_free frees it */
	if (f->name == NULL || f->path == NULL)
		goto nomem;
	f->dir = dir;
	if (!dir) {
		f->size = (uint64_t)st->st_size;
		f->exec = (st->st_mode & S_IXUSR) != 0;
		x->st_size = f->size;
		x->st_mtim = st->st_mtim;
	}
	if (st->st_mtim.tv_sec > 0)
		f->mtime = (uint64_t)st->st_mtim.tv_sec;
	w->nfolders += dir;
	return true;
nomem:
	problem(wk, UV_ENOMEM, "out of memory", path, "out of memory");
	wk->full = true;
	return false;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in folder path, sorted; NULL with *n 0 on failure (errno set). */
static char **
read_folder(const char *path, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL, **nv;
	size_t		 cap = 0;
	int		 e = 0;

	*n = 0;
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
				e = ENOMEM;
				break;
			}
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL) {
			e = ENOMEM;
			break;
		}
		(*n)++;
	}
	if (e == 0)
		e = errno;
	closedir(d);
	if (e != 0) {
		while (*n > 0)
			free(v[--*n]);
		free(v);
		errno = e;
		return NULL;
	}
	if (*n > 0)
		qsort(v, *n, sizeof *v, by_name);
	else if (v == NULL && (v = malloc(sizeof *v)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return v;
}

/*
 * Everything in folder lpath (here) under wire name wname, depth first.
 * The paths are on the heap, not the stack: a tree may be hundreds deep
 * and a worker thread's stack is small.
 */
static void
walk_folder(struct walk *wk, const char *lpath, const char *wname)
{
	char		**names, *lp = NULL, *wn = NULL, msg[PATH_MAX + 128];
	char		 why[PROTO_NAME_WHY_MAX];
	struct stat	 st;
	size_t		 n, i;
	int		 len;

	if ((names = read_folder(lpath, &n)) == NULL) {
		snprintf(msg, sizeof msg, "cannot read the folder %s: %s", lpath,
		    strerror(errno));
		problem(wk, UV__ERR(errno), msg, lpath, strerror(errno));
		return;
	}
	if ((lp = malloc(PATH_MAX)) == NULL ||
	    (wn = malloc(PROTO_FILE_NAME_MAX + 1)) == NULL) {
		problem(wk, UV_ENOMEM, "out of memory", lpath, "out of memory");
		goto out;
	}
	for (i = 0; i < n && !wk->full; i++) {
		len = snprintf(lp, PATH_MAX, "%s/%s", lpath, names[i]);
		if (len < 0 || len >= PATH_MAX) {
			snprintf(msg, sizeof msg, "%s/%s: the path is too long",
			    lpath, names[i]);
			problem(wk, UV_ENAMETOOLONG, msg, names[i], "too long a path");
			continue;
		}
		if (client_store_name_problem(names[i], why, sizeof why) != NULL) {
			snprintf(msg, sizeof msg, "cannot send %s: its name %s",
			    lp, why);
			problem(wk, UV_EINVAL, msg, lp, why);
			continue;
		}
		len = snprintf(wn, PROTO_FILE_NAME_MAX + 1, "%s/%s", wname,
		    names[i]);
		if (len < 0 || len > STORE_PATH_MAX) {
			snprintf(msg, sizeof msg, "cannot send %s: its path in "
			    "the folder is longer than %d bytes", lp,
			    STORE_PATH_MAX);
			problem(wk, UV_ENAMETOOLONG, msg, lp, "too long a path");
			continue;
		}
		if (lstat(lp, &st) != 0) {
			snprintf(msg, sizeof msg, "cannot read %s: %s", lp,
			    strerror(errno));
			problem(wk, UV__ERR(errno), msg, lp, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (add(wk, wn, lp, &st, true))
				walk_folder(wk, lp, wn);
		} else if (S_ISREG(st.st_mode)) {
			if ((uint64_t)st.st_size > PROTO_INT_MAX) {
				snprintf(msg, sizeof msg, "%s is too large to "
				    "send", lp);
				problem(wk, UV_EFBIG, msg, lp, "too large");
			} else if (access(lp, R_OK) != 0) {
				snprintf(msg, sizeof msg, "cannot read %s: %s",
				    lp, strerror(errno));
				problem(wk, UV__ERR(errno), msg, lp,
				    strerror(errno));
			} else
				(void)add(wk, wn, lp, &st, false);
		} else
			skip(wk, lp, file_kind(st.st_mode));
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(lp);
	free(wn);
}

/* The name a folder given as path is offered under: its own, even for "." or "dir/..". */
static const char *
folder_name(const char *path, const char *base, char *buf)
{
	const char	*s;

	if (strcmp(base, ".") != 0 && strcmp(base, "..") != 0 && *base != '\0')
		return base;
	if (realpath(path, buf) == NULL)
		return base;
	s = strrchr(buf, '/');
	return s != NULL && s[1] != '\0' ? s + 1 : base;
}

/* The last component of path, without trailing slashes, into buf. */
static const char *
last_part(const char *path, char *buf, size_t len)
{
	size_t	 n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	snprintf(buf, len, "%.*s", (int)(path + n - s), s);
	return buf;
}

/* Two top-level entries under one name: fine for two files, not when a folder is one of them. */
static void
check_tops(struct walk *wk)
{
	struct transfer_walk	*w = wk->w;
	size_t			*tops, ntops = 0, i, j;
	char			 msg[PROTO_TEXT_MAX];

	for (i = 0; i < w->n; i++)
		ntops += w->files[i].dir && strchr(w->files[i].name, '/') == NULL;
	if (ntops == 0 || (tops = calloc(w->n, sizeof *tops)) == NULL)
		return;
	for (i = 0, ntops = 0; i < w->n; i++)
		if (strchr(w->files[i].name, '/') == NULL)
			tops[ntops++] = i;
	for (i = 0; i < ntops; i++)
		for (j = i + 1; j < ntops; j++) {
			const struct client_file *a = &w->files[tops[i]];
			const struct client_file *b = &w->files[tops[j]];

			if (!(a->dir || b->dir) || strcmp(a->name, b->name) != 0)
				continue;
			snprintf(msg, sizeof msg, "%s and %s would both be "
			    "named %s", a->path, b->path, b->name);
			problem(wk, UV_EINVAL, msg, b->path, "a second folder "
			    "or file of that name");
		}
	free(tops);
}

/* JOB_STAT, on a worker thread: t->pub.files hold the paths asked for. */
void
xfer__job_walk(struct transfer *t)
{
	struct walk	 wk;
	struct stat	 st;
	char		 base[STORE_NAME_MAX + 1], real[PATH_MAX], one[512];
	const char	*path, *name, *why;
	size_t		 i;
	int		 fd, e;

	memset(&wk, 0, sizeof wk);
	wk.t = t;
	if ((wk.w = t->job_walk = calloc(1, sizeof *wk.w)) == NULL) {
		t->job_err = UV_ENOMEM;
		snprintf(t->job_msg, sizeof t->job_msg, "out of memory");
		return;
	}
	for (i = 0; i < t->pub.nfiles && !wk.full; i++) {
		path = t->pub.files[i].path;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			name = folder_name(path, last_part(path, base,
			    sizeof base), real);
			if (proto_file_name_problem(name, one, sizeof one) != NULL) {
				char msg[PATH_MAX + 600];

				snprintf(msg, sizeof msg, "cannot send %s: its "
				    "name %s", path, one);
				problem(&wk, UV_EINVAL, msg, path, one);
			} else if (add(&wk, name, path, &st, true))
				walk_folder(&wk, path, name);
			continue;
		}
		if ((e = xfer__open_regular(path, &fd, &st, one, sizeof one,
		    &why)) != 0) {
			problem(&wk, e, one, path, why);
			continue;
		}
		close(fd);
		(void)add(&wk, t->pub.files[i].name, path, &st, false);
	}
	if (wk.nbad == 0)
		check_tops(&wk);
	if (wk.nskip > 0) {
		if (wk.skshown < wk.nskip)
			snprintf(wk.sklist + wk.sklen, sizeof wk.sklist - wk.sklen,
			    ", and %zu more", wk.nskip - wk.skshown);
		snprintf(wk.w->skipped, sizeof wk.w->skipped, "%zu skipped: %s",
		    wk.nskip, wk.sklist);
	}
	if (wk.nbad <= 1)
		return;
	if (wk.shown < wk.nbad)
		snprintf(wk.list + wk.len, sizeof wk.list - wk.len,
		    ", and %zu more", wk.nbad - wk.shown);
	snprintf(t->job_msg, sizeof t->job_msg, "%zu of the %zu files%s cannot "
	    "be sent: %s", wk.nbad, wk.w->n + wk.nbad, wk.w->nfolders > 0 ?
	    " and folders" : "", wk.list);
}

/* Back on the loop: the walk's entries become the transfer's. */
void
xfer__walk_done(struct transfer *t)
{
	struct transfer_walk	*w = t->job_walk;

	t->job_walk = NULL;
	xfer__files_free(t->pub.files, t->xf, t->pub.nfiles);
	t->pub.files = w->files;
	t->xf = w->xf;
	t->pub.nfiles = w->n;
	t->files_cap = w->cap;
	xfer__index_files(t);
	memcpy(t->pub.skipped, w->skipped, sizeof t->pub.skipped);
	free(w);
	xfer__send_offer(t);
}
