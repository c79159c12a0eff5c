/*
 * transfer_disk.c: the transfer engine's disk work, run on libuv's thread
 * pool one job at a time per transfer, so each file's digest and offset are
 * owned by a single thread and the loop never waits for a disk. The jobs
 * touch only t->xf, t->job_* and fields the loop does not change while a
 * job runs; after_work_cb hands each result back to the sender or receiver.
 */
#define _GNU_SOURCE		/* syncfs */
#include "transfer_int.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- on a worker thread ------------------------------------------------ */

/* Whether the file behind fd is still what the stat job found. */
static bool
same_file(int fd, const struct transfer_file *xf, uint64_t size)
{
	struct stat	st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == size &&
	    st.st_mtim.tv_sec == xf->st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == xf->st_mtim.tv_nsec;
}

/*
 * File i has been read to its end: its digest is final and it is closed,
 * unless it was written to while it was read (its size or time moved):
 * what was read is then neither version, so it must not be delivered.
 */
static void
read_end(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	const char		*path = t->pub.files[i].path;
	int			 r;

	if (!same_file(xf->fd, xf, t->pub.files[i].size)) {
		t->job_err = UV_EINVAL;
		snprintf(t->job_msg, sizeof t->job_msg, "%s changed while it was "
		    "being sent, so it was not delivered", path);
	} else if ((r = client_digest_final(&xf->dg, xf->sha256)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s", path);
	}
	close(xf->fd);
	xf->fd = -1;
}

static void
job_open_read(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_file	*xf = &t->xf[i];
	const char		*path = t->pub.files[i].path;
	struct stat		 st;
	const char		*why;
	int			 r;

	if ((t->job_err = xfer__open_regular(path, &xf->fd, &st, t->job_msg,
	    sizeof t->job_msg, &why)) != 0)
		return;
	if (!same_file(xf->fd, xf, t->pub.files[i].size)) {
		t->job_err = UV_EINVAL;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "%s changed after it was offered; nothing of it is sent", path);
		goto fail;
	}
	if ((r = client_digest_init(&xf->dg)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s: %s",
		    path, uv_strerror(r));
		goto fail;
	}
	(void)posix_fadvise(xf->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (xf->resuming && (r = xfer__resume_check(t, i)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot read %s: %s",
		    path, uv_strerror(r));
		goto fail;
	}
	/* Empty, or every byte kept by the receiver: done with it now. */
	if (xf->offset == t->pub.files[i].size)
		read_end(t, i);
	return;
fail:
	close(xf->fd);
	xf->fd = -1;
}

static void
job_read(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_block	*b = t->job_block;
	struct transfer_file	*xf = &t->xf[i];
	const char		*path = t->pub.files[i].path;
	uint64_t		 left = t->pub.files[i].size - xf->offset;
	size_t			 want, got = 0;
	ssize_t			 n;
	int			 r;

	want = left < CLIENT_CHUNK_SIZE ? (size_t)left : CLIENT_CHUNK_SIZE;
	while (got < want) {
		n = pread(xf->fd, b->data + got, want - got,
		    (off_t)(xf->offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			t->job_err = UV__ERR(errno);
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot read %s: %s", path, uv_strerror(t->job_err));
			return;
		}
		if (n == 0) {
			t->job_err = UV_EINVAL;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "%s got shorter while it was being sent", path);
			return;
		}
		got += (size_t)n;
	}
	if ((r = client_digest_update(&xf->dg, b->data, got)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s", path);
		return;
	}
	b->file = i;
	b->len = got;
	xf->offset += got;
	if (xf->offset == t->pub.files[i].size)
		read_end(t, i);
}

/* The path of entry i below its top-level folder ("photos/a/b" -> "a/b"). */
static const char *
below_top(const struct transfer *t, size_t i)
{
	return t->pub.files[i].name + strlen(t->pub.files[t->xf[i].top].name) + 1;
}

/*
 * Free space first; when the files fit, every top-level folder gets its
 * staging folder and every folder of the list is made in it, in order
 * (each after its parent), so that empty ones arrive too.
 */
static void
job_space(struct transfer *t)
{
	const char		*dir = t->e->set.dir;
	char			 stage[STORE_NAME_MAX + 1];
	struct transfer_file	*xf;
	size_t			 i;
	int			 r;

	if ((r = client_store_check_dir(dir)) != 0 ||
	    (r = client_store_free_space(dir, &t->job_u64)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot save files into %s: %s", dir, uv_strerror(r));
		return;
	}
	xfer__job_resume_scan(t);
	if (t->job_u64 < t->pub.bytes_total - xfer__resume_bytes(t))
		return;		/* after_space declines */
	for (i = 0; i < t->pub.nfiles; i++) {
		xf = &t->xf[i];
		if (!t->pub.files[i].dir || t->pub.files[i].skip)
			continue;
		if (xf->top == i) {
			r = client_store_stage_open(dir, t->pub.files[i].name,
			    stage, sizeof stage);
			if (r == 0 && (xf->part = strdup(stage)) == NULL) {
				client_store_stage_remove(dir, stage);
				r = UV_ENOMEM;
			}
		} else if (t->xf[xf->top].part == NULL)
			r = UV_EINVAL;	/* its top was left out: client_take never does that */
		else
			r = client_store_stage_mkdir(dir, t->xf[xf->top].part,
			    below_top(t, i));
		if (r != 0) {
			t->job_err = r;
			snprintf(t->job_msg, sizeof t->job_msg, "cannot create "
			    "the folder %s in %s: %s", t->pub.files[i].name,
			    dir, uv_strerror(r));
			return;
		}
	}
}

static void
job_open_part(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_file	*xf = &t->xf[i];
	char			 part[STORE_NAME_MAX + 1];
	int			 r;

	if (xf->top != i) {
		/* Inside a staging folder that is ours: the file itself. */
		r = client_store_stage_create(t->e->set.dir,
		    t->xf[xf->top].part, below_top(t, i), &xf->fd);
	} else if (xf->in_res) {
		r = xfer__resume_open_part(t, i);
	} else {
		r = client_store_open_part(t->e->set.dir, t->pub.files[i].name,
		    part, sizeof part, &xf->fd);
		if (r == 0 && (xf->part = strdup(part)) == NULL) {
			close(xf->fd);
			client_store_remove(t->e->set.dir, part);
			r = UV_ENOMEM;
		}
	}
	if (r == 0) {
		xf->created = true;
		if ((r = client_digest_init(&xf->dg)) != 0) {
			close(xf->fd);
			xf->fd = -1;	/* the cleanup removes it */
		}
	}
	if (r != 0) {
		xf->fd = -1;
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot create %s in %s: %s", t->pub.files[i].name,
		    t->e->set.dir, uv_strerror(r));
	}
}

static void
job_write(struct transfer *t)
{
	struct transfer_block	*b = t->job_block;
	struct transfer_file	*xf = &t->xf[b->file];
	size_t			 done = 0;
	ssize_t			 n;
	int			 r;

	while (done < b->len) {
		n = pwrite(xf->fd, b->data + done, b->len - done,
		    (off_t)(xf->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			t->job_err = n < 0 ? UV__ERR(errno) : UV_EIO;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot write %s in %s: %s", t->pub.files[b->file].name,
			    t->e->set.dir, uv_strerror(t->job_err));
			return;
		}
		done += (size_t)n;
	}
	if ((r = client_digest_update(&xf->dg, b->data, b->len)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s",
		    t->pub.files[b->file].name);
		return;
	}
	xf->offset += b->len;
}

/* The file is whole: its time and mode, closed, its digest final. The commit syncs. */
static void
job_finish(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_file	*xf = &t->xf[i];
	const struct client_file *f = &t->pub.files[i];
	int			 r;

	/*
	 * A part in the resume folder is held (locked) until the commit names
	 * it, and gets its time there: the age cleanup goes by the last write.
	 */
	if (xf->in_res)
		goto digest;
	if ((r = client_store_file_finish(xf->fd, f->exec, f->mtime)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot set the time "
		    "or mode of %s in %s: %s", f->name, t->e->set.dir,
		    uv_strerror(r));
	}
	if (close(xf->fd) != 0 && t->job_err == 0) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write %s in %s: %s",
		    f->name, t->e->set.dir, uv_strerror(t->job_err));
	}
	xf->fd = -1;
digest:
	if ((r = client_digest_final(&xf->dg, xf->sha256)) != 0 && t->job_err == 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s",
		    f->name);
	}
}

/* Gives top-level entry i its final name; a folder's inner folders get their times first. */
static int
commit_one(struct transfer *t, size_t i, char *saved, size_t savedlen)
{
	const char	*dir = t->e->set.dir;
	size_t		 j;
	int		 r;

	if (t->xf[i].in_res) {
		/*
		 * The record goes first, while the part still holds its name
		 * (after the rename another transfer may make a new one), and
		 * the file gets its time and mode through the descriptor held.
		 */
		(void)client_store_resume_forget(t->res_dir, t->xf[i].part);
		if ((r = client_store_commit_from(t->res_dir, t->xf[i].part, dir,
		    t->pub.files[i].name, saved, savedlen)) != 0)
			return r;
		if ((r = client_store_file_finish(t->xf[i].fd,
		    t->pub.files[i].exec, t->pub.files[i].mtime)) != 0)
			(void)client_store_remove(dir, saved);	/* not half done */
		return r;
	}
	if (!t->pub.files[i].dir)
		return client_store_commit(dir, t->xf[i].part,
		    t->pub.files[i].name, saved, savedlen);
	/* Deepest first (the list has parents first), so no later change moves a time. */
	for (j = t->pub.nfiles; j-- > i + 1;) {
		if (!t->pub.files[j].dir || t->xf[j].top != i ||
		    t->pub.files[j].skip || t->pub.files[j].mtime == 0)
			continue;
		if ((r = client_store_stage_mtime(dir, t->xf[i].part,
		    below_top(t, j), t->pub.files[j].mtime)) != 0)
			return r;
	}
	return client_store_stage_commit(dir, t->xf[i].part,
	    t->pub.files[i].name, t->pub.files[i].mtime, saved, savedlen);
}

/* Takes back a committed top-level entry: the commit is all or nothing. */
static void
uncommit_one(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	const char		*dir = t->e->set.dir;

	if (t->pub.files[i].dir) {
		if (client_store_stage_undo(dir, xf->saved, xf->part) != 0) {
			/* Its stage name may be another transfer's now: forget it. */
			client_store_stage_remove(dir, xf->saved);
			free(xf->part);
			xf->part = NULL;
		}
	} else
		client_store_remove(dir, xf->saved);
	xf->committed = false;
	free(xf->saved);
	xf->saved = NULL;
	if (!t->pub.files[i].dir) {
		free(xf->part);		/* the file itself is gone */
		xf->part = NULL;
	}
}

static void
job_commit(struct transfer *t)
{
	const char	*dir = t->e->set.dir;
	char		 saved[STORE_NAME_MAX + 1];
	size_t		 i, j;
	int		 r, d;

	if (t->job_u64 > 0) {
		/* FERRY_TEST_COMMIT_DELAY_MS (transfer_recv.c): decided, not yet done. */
		struct timespec ts = { (time_t)(t->job_u64 / 1000),
		    (long)(t->job_u64 % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	/* Every byte on the disk before any name changes: one sync for all the files. */
	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (syncfs(d) != 0 && errno != EROFS)) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write into %s: %s",
		    dir, uv_strerror(t->job_err));
		if (d >= 0)
			close(d);
		return;
	}
	close(d);
	for (i = 0; i < t->pub.nfiles; i++) {
		struct transfer_file *xf = &t->xf[i];

		if (xf->top != i || t->pub.files[i].skip)
			continue;
		r = commit_one(t, i, saved, sizeof saved);
		if (r == 0 && (xf->saved = strdup(saved)) == NULL) {
			xf->saved = NULL;
			r = UV_ENOMEM;
			/* Named, but we cannot say so: undo by that name. */
			if (t->pub.files[i].dir) {
				if (client_store_stage_undo(dir, saved,
				    xf->part) != 0) {
					client_store_stage_remove(dir, saved);
					free(xf->part);
					xf->part = NULL;
				}
			} else
				(void)client_store_remove(dir, saved);
		}
		if (r == 0) {
			xf->committed = true;
			continue;
		}
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot save %s in %s: %s",
		    t->pub.files[i].name, dir, uv_strerror(r));
		/* Nothing is kept unless everything is: take back the saved ones. */
		for (j = 0; j < i; j++)
			if (t->xf[j].committed)
				uncommit_one(t, j);
		return;
	}
	if (t->res_dir != NULL)
		client_store_resume_tidy(t->res_dir);
}

static void
job_cleanup(struct transfer *t)
{
	size_t	i;

	for (i = 0; i < t->pub.nfiles; i++) {
		struct transfer_file *xf = &t->xf[i];

		if (xf->fd >= 0)
			close(xf->fd);
		xf->fd = -1;
		client_digest_free(&xf->dg);
		if (t->pub.dir == CLIENT_RECEIVE && xf->part != NULL &&
		    !xf->committed) {
			if (t->pub.files[i].dir)
				client_store_stage_remove(t->e->set.dir, xf->part);
			else if (xf->in_res) {
				xfer__resume_release(t, i);	/* frees part */
				continue;
			} else
				client_store_remove(t->e->set.dir, xf->part);
			free(xf->part);
			xf->part = NULL;
		}
	}
	if (t->pub.dir == CLIENT_RECEIVE && t->res_dir != NULL)
		client_store_resume_tidy(t->res_dir);
}

/* Each job's work, by job_op; it reads job_file and job_block itself. */
static void (*const jobs[])(struct transfer *) = {
	[JOB_STAT] = xfer__job_walk,
	[JOB_CHECK_LIST] = xfer__job_check_list,
	[JOB_OPEN_READ] = job_open_read,
	[JOB_READ] = job_read,
	[JOB_SPACE] = job_space,
	[JOB_OPEN_PART] = job_open_part,
	[JOB_WRITE] = job_write,
	[JOB_FINISH] = job_finish,
	[JOB_COMMIT] = job_commit,
	[JOB_CLEANUP] = job_cleanup,
};

static void
work_cb(uv_work_t *w)
{
	struct transfer	*t = w->data;

	jobs[t->job_op](t);
}

/* --- back on the loop --------------------------------------------------- */

static int
needs_cleanup(const struct transfer *t)
{
	size_t	i;

	if (t->pub.dir == CLIENT_RECEIVE && t->res_dir != NULL)
		return 1;	/* at least to tidy the resume folder away */
	for (i = 0; i < t->pub.nfiles; i++) {
		if (t->xf[i].fd >= 0 || t->xf[i].dg.ctx != NULL ||
		    (t->xf[i].part != NULL && !t->xf[i].committed))
			return 1;
	}
	return 0;
}

/* Closes files and removes part files once no job holds them. */
void
xfer__release(struct transfer *t)
{
	if (t->flags & (TRANSFER_RELEASED | TRANSFER_JOB))
		return;
	if (needs_cleanup(t) &&
	    xfer__job(t, JOB_CLEANUP, 0, NULL) == 0)
		return;
	if (needs_cleanup(t))
		job_cleanup(t);		/* the pool refused: do it here, once */
	t->flags |= TRANSFER_RELEASED;
	xfer__free_blocks(t);
}

static void	after_work_cb(uv_work_t *, int);

/* Queues the transfer's one job; 0, or libuv's error (nothing queued, b still the caller's). */
int
xfer__job(struct transfer *t, int op, size_t file, struct transfer_block *b)
{
	int	r;

	t->job_op = op;
	t->job_file = file;
	t->job_block = b;
	t->job_err = 0;
	t->job_msg[0] = '\0';
	t->work.data = t;
	r = uv_queue_work(t->e->set.loop, &t->work, work_cb, after_work_cb);
	if (r != 0) {
		t->job_block = NULL;
		return r;
	}
	t->flags |= TRANSFER_JOB;
	client__busy(t->e->c);
	return 0;
}

static void
after_work_cb(uv_work_t *w, int status)
{
	struct transfer		*t = w->data;
	struct client		*c = t->e->c;	/* t may be freed below */
	struct transfer_block	*b = t->job_block;
	int			 op = t->job_op;

	t->flags &= ~TRANSFER_JOB;
	t->job_block = NULL;
	if (status != 0 && t->job_err == 0) {
		t->job_err = status;
		snprintf(t->job_msg, sizeof t->job_msg, "the disk job was cancelled");
	}
	if (op == JOB_CLEANUP) {
		t->flags |= TRANSFER_RELEASED;
		xfer__free_blocks(t);
		xfer__maybe_free(t);
		client__unbusy(c);
		return;
	}
	if (CLIENT_TRANSFER_ENDED(t->pub.state)) {
		free(b);
		xfer__release(t);
		xfer__maybe_free(t);
		client__unbusy(c);
		return;
	}
	if (t->job_err != 0 && op != JOB_SPACE && op != JOB_COMMIT) {
		free(b);
		if (op == JOB_STAT)
			xfer__end(t, CLIENT_TRANSFER_FAILED, "%s", t->job_msg);
		else
			xfer__fail(t, "%s", t->job_msg);
		client__unbusy(c);
		return;
	}
	switch (op) {
	case JOB_STAT:
		xfer__walk_done(t);
		break;
	case JOB_CHECK_LIST:
		xfer__after_check_list(t);
		break;
	case JOB_OPEN_READ:
		xfer__tx_pump(t);
		break;
	case JOB_READ:
		xfer__after_read(t, b);
		break;
	case JOB_SPACE:
		xfer__after_space(t);
		break;
	case JOB_OPEN_PART:
		xfer__rx_pump(t);
		break;
	case JOB_WRITE:
		xfer__after_write(t, b);
		break;
	case JOB_FINISH:
		xfer__after_finish(t, b);
		free(b);
		break;
	case JOB_COMMIT:
		xfer__after_commit(t);
		break;
	}
	client__unbusy(c);
}
