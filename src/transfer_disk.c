/*
 * transfer_disk.c: the transfer engine's disk work, run on libuv's thread
 * pool one job at a time per transfer, so each file's digest and offset are
 * owned by a single thread and the loop never waits for a disk. The jobs
 * touch only t->xf, t->job_* and fields the loop does not change while a
 * job runs; after_work_cb hands each result back to the sender or receiver.
 */
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

/* What a path that is not a regular file or a folder is, for a sentence. */
static const char *
file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * Opens path to read without ever waiting: O_NONBLOCK, so that a FIFO
 * with no writer (or a device) cannot hang the thread, and a file that is
 * not regular is refused once open, whatever stood at path before. The
 * descriptor in *fd; 0, or a uv error with the whole reason in msg and a
 * short one ("a folder", "no such file or directory") in *why.
 */
static int
open_regular(const char *path, int *fd, struct stat *st, char *msg,
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
		snprintf(msg, msglen, "%s is a folder; ferry sends files", path);
	} else if (!S_ISREG(st->st_mode)) {
		e = UV_EINVAL;
		*why = file_kind(st->st_mode);
		snprintf(msg, msglen, "%s is %s; ferry sends regular files", path,
		    *why);
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
 * Every file checked before the offer, and every problem told at once, so
 * that a batch can be fixed in one go: one problem in its own words, more
 * as "N of the M files cannot be sent: PATH (WHY), ..." as far as the
 * message holds.
 */
static void
job_stat(struct transfer *t)
{
	struct stat	 st;
	char		 one[sizeof t->job_msg], list[sizeof t->job_msg];
	const char	*path, *why;
	size_t		 i, nbad = 0, shown = 0, len = 0;
	int		 fd, e, n;

	list[0] = '\0';
	for (i = 0; i < t->pub.nfiles; i++) {
		path = t->pub.files[i].path;
		if ((e = open_regular(path, &fd, &st, one, sizeof one,
		    &why)) != 0) {
			if (nbad++ == 0) {
				t->job_err = e;
				memcpy(t->job_msg, one, sizeof t->job_msg);
			}
			/* Room for ", and 999 more" kept at the end. */
			n = snprintf(list + len, sizeof list - len, "%s%s (%s)",
			    shown > 0 ? ", " : "", path, why);
			if (n > 0 && (size_t)n < sizeof list - len - 16) {
				len += (size_t)n;
				shown++;
			} else
				list[len] = '\0';
			continue;
		}
		close(fd);
		t->xf[i].st_size = (uint64_t)st.st_size;
		t->xf[i].st_mtim = st.st_mtim;
	}
	if (nbad <= 1)
		return;
	if (shown < nbad)
		snprintf(list + len, sizeof list - len, ", and %zu more",
		    nbad - shown);
	snprintf(t->job_msg, sizeof t->job_msg, "%zu of the %zu files cannot "
	    "be sent: %s", nbad, t->pub.nfiles, list);
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

	if ((t->job_err = open_regular(path, &xf->fd, &st, t->job_msg,
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
	if (t->pub.files[i].size == 0) {
		if ((r = client_digest_final(&xf->dg, xf->sha256)) != 0) {
			t->job_err = r;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot hash %s: %s", path, uv_strerror(r));
		}
		goto fail;	/* closes: done with an empty file */
	}
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
	if (xf->offset == t->pub.files[i].size) {
		/*
		 * Written to while it was read (its size or time moved): what
		 * was read is neither version, so it must not be delivered.
		 */
		if (!same_file(xf->fd, xf, t->pub.files[i].size)) {
			t->job_err = UV_EINVAL;
			snprintf(t->job_msg, sizeof t->job_msg, "%s changed "
			    "while it was being sent, so it was not delivered",
			    path);
			return;
		}
		if ((r = client_digest_final(&xf->dg, xf->sha256)) != 0) {
			t->job_err = r;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot hash %s", path);
		}
		close(xf->fd);
		xf->fd = -1;
	}
}

static void
job_space(struct transfer *t)
{
	const char	*dir = t->e->set.dir;
	int		 r;

	if ((r = client_store_check_dir(dir)) != 0 ||
	    (r = client_store_free_space(dir, &t->job_u64)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot save files into %s: %s", dir, uv_strerror(r));
	}
}

static void
job_open_part(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_file	*xf = &t->xf[i];
	int			 r;

	r = client_store_open_part(t->e->set.dir, t->pub.files[i].name, xf->part,
	    sizeof xf->part, &xf->fd);
	if (r == 0 && (r = client_digest_init(&xf->dg)) != 0) {
		close(xf->fd);
		xf->fd = -1;
		client_store_remove(t->e->set.dir, xf->part);
		xf->part[0] = '\0';
	}
	if (r != 0) {
		xf->fd = -1;
		xf->part[0] = '\0';
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot create a file in %s: %s", t->e->set.dir, uv_strerror(r));
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
			    "cannot write %s/%s: %s", t->e->set.dir, xf->part,
			    uv_strerror(t->job_err));
			return;
		}
		done += (size_t)n;
	}
	if ((r = client_digest_update(&xf->dg, b->data, b->len)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s",
		    xf->part);
		return;
	}
	xf->offset += b->len;
}

static void
job_finish(struct transfer *t)
{
	size_t			 i = t->job_file;
	struct transfer_file	*xf = &t->xf[i];
	int			 r;

	/* The bytes reach the disk before the file gets its final name. */
	if (fdatasync(xf->fd) != 0 && errno != EINVAL && errno != EROFS) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write %s/%s: %s",
		    t->e->set.dir, xf->part, uv_strerror(t->job_err));
	}
	if (close(xf->fd) != 0 && t->job_err == 0) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write %s/%s: %s",
		    t->e->set.dir, xf->part, uv_strerror(t->job_err));
	}
	xf->fd = -1;
	if ((r = client_digest_final(&xf->dg, xf->sha256)) != 0 && t->job_err == 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot hash %s",
		    xf->part);
	}
}

static void
job_commit(struct transfer *t)
{
	const char	*dir = t->e->set.dir;
	size_t		 i, j;
	int		 r;

	if (t->job_u64 > 0) {
		/* FERRY_TEST_COMMIT_DELAY_MS (transfer_recv.c): decided, not yet done. */
		struct timespec ts = { (time_t)(t->job_u64 / 1000),
		    (long)(t->job_u64 % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	for (i = 0; i < t->pub.nfiles; i++) {
		struct transfer_file *xf = &t->xf[i];

		r = client_store_commit(dir, xf->part, t->pub.files[i].name,
		    xf->saved, sizeof xf->saved);
		if (r == 0) {
			xf->committed = true;
			xf->part[0] = '\0';
			continue;
		}
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg, "cannot save %s in %s: %s",
		    xf->part, dir, uv_strerror(r));
		/* Nothing is kept unless everything is: take back the saved ones. */
		for (j = 0; j < i; j++) {
			client_store_remove(dir, t->xf[j].saved);
			t->xf[j].committed = false;
			t->xf[j].saved[0] = '\0';
		}
		return;
	}
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
		if (t->pub.dir == CLIENT_RECEIVE && xf->part[0] != '\0' &&
		    !xf->committed) {
			client_store_remove(t->e->set.dir, xf->part);
			xf->part[0] = '\0';
		}
	}
}

/* Each job's work, by job_op; it reads job_file and job_block itself. */
static void (*const jobs[])(struct transfer *) = {
	[JOB_STAT] = job_stat,
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

	for (i = 0; i < t->pub.nfiles; i++) {
		if (t->xf[i].fd >= 0 || t->xf[i].dg.ctx != NULL ||
		    (t->xf[i].part[0] != '\0' && !t->xf[i].committed))
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
		xfer__send_offer(t);
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
