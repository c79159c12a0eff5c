/*
 * transfer.c: the transfer engine. The control connection carries the
 * offer and its answer; each transfer then gets a data connection of its
 * own. The sender reads its files in CLIENT_CHUNK_SIZE blocks on the thread
 * pool, hashing as it reads, and writes one data frame per block; the
 * receiver queues arriving bytes, writes and hashes them on the thread
 * pool into part files, verifies each file against its file_end and only
 * then gives the files their final names. One job at a time per transfer
 * keeps each file's digest and offset owned by a single thread.
 */
#include "transfer.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "text.h"

#ifndef UV__ERR
#define UV__ERR(x)	(-(x))	/* libuv's error for an errno, as on every unix */
#endif

enum {
	JOB_STAT = 1,		/* send: check every path before the offer */
	JOB_OPEN_READ,		/* send: open file job_file */
	JOB_READ,		/* send: read and hash the next block of job_file */
	JOB_SPACE,		/* receive: folder writable, free space */
	JOB_OPEN_PART,		/* receive: create job_file's part file */
	JOB_WRITE,		/* receive: write and hash job_block */
	JOB_FINISH,		/* receive: sync, close, final digest of job_file */
	JOB_COMMIT,		/* receive: give every part file its final name */
	JOB_CLEANUP,		/* both: close files, remove part files unless done */
};

static const struct client_conn_ops transfer_data_ops;

static void	transfer_end(struct transfer *, enum client_transfer_state,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	transfer_fail_local(struct transfer *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	transfer_release(struct transfer *);
static void	transfer_maybe_free(struct transfer *);
static int	transfer_job(struct transfer *, int, size_t,
		    struct transfer_block *);
static void	transfer_tx_pump(struct transfer *);
static void	transfer_rx_pump(struct transfer *);
static int	transfer_timer_start(struct transfer *, uv_timer_cb, uint64_t);

/* --- small helpers ----------------------------------------------------- */

/*
 * A name from the wire made safe to show: control characters and bytes
 * that are not UTF-8 become '?', and long names are cut with "...".
 */
static void
transfer_quote(const char *name, char *out, size_t outlen)
{
	const char	*p = name;
	size_t		 left = strlen(name), o = 0, n;
	uint32_t	 cp;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	while (left > 0) {
		n = proto_utf8_decode(p, left, &cp);
		if (n > 0 && proto_has_control(p, n))
			n = 0;
		if (o + (n ? n : 1) + 4 > outlen || o >= 80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0) {
			out[o++] = '?';
			p++;
			left--;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
			left -= n;
		}
	}
	out[o] = '\0';
}

/*
 * Copies src into a wire text field of dstlen bytes, cutting at a UTF-8
 * character boundary so the encoder never sees half a character.
 */
static void
transfer_text(char *dst, size_t dstlen, const char *src)
{
	size_t	len = proto_utf8_cut(src, strlen(src), dstlen - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "12.5 MiB of 40 MiB" */
static const char *
transfer_amount(const struct transfer *t, char *buf, size_t len)
{
	char	a[32], b[32];

	snprintf(buf, len, "%s of %s",
	    proto_fmt_size(t->pub.bytes_done, a, sizeof a),
	    proto_fmt_size(t->pub.bytes_total, b, sizeof b));
	return buf;
}

static const char *
transfer_base(const char *path)
{
	const char	*s;
	size_t		 len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (s = path + len; s > path && s[-1] != '/'; s--)
		;
	return s;
}

static void
transfer_emit(struct transfer *t)
{
	struct client	*c = t->c;

	t->emit_ms = uv_now(c->loop);
	if (c->ops.on_transfer != NULL)
		c->ops.on_transfer(c, &t->pub, c->arg);
}

static void
transfer_set_state(struct transfer *t, enum client_transfer_state s)
{
	if (CLIENT_TRANSFER_ENDED(t->pub.state) || t->pub.state == s)
		return;
	t->pub.state = s;
	if (s == CLIENT_TRANSFER_TRANSFERRING && t->pub.started_ms == 0) {
		t->pub.started_ms = uv_now(t->c->loop);
		t->rate_ms = t->pub.started_ms;
		t->rate_bytes = t->pub.bytes_done;
	}
	transfer_emit(t);
}

/* Updates rate and ETA, and reports progress at most progress_hz times a second. */
static void
transfer_progress(struct transfer *t)
{
	struct client	*c = t->c;
	uint64_t	 now = uv_now(c->loop), dt;
	double		 inst;

	dt = now - t->rate_ms;
	if (dt >= 500) {
		inst = (double)(t->pub.bytes_done - t->rate_bytes) * 1000.0 /
		    (double)dt;
		t->pub.rate = t->pub.rate > 0 ? 0.5 * t->pub.rate + 0.5 * inst :
		    inst;
		t->rate_ms = now;
		t->rate_bytes = t->pub.bytes_done;
	} else if (t->pub.rate == 0 && t->pub.started_ms != 0 &&
	    now - t->pub.started_ms >= 100) {
		t->pub.rate = (double)t->pub.bytes_done * 1000.0 /
		    (double)(now - t->pub.started_ms);
	}
	if (t->pub.rate > 0)
		t->pub.eta = (double)(t->pub.bytes_total - t->pub.bytes_done) /
		    t->pub.rate;
	if (now - t->emit_ms >= 1000 / c->progress_hz)
		transfer_emit(t);
}

static struct transfer_block *
transfer_block_get(struct transfer *t)
{
	struct transfer_block	*b;

	if ((b = t->spare) != NULL) {
		t->spare = b->next;
		t->nspare--;
	} else if ((b = malloc(sizeof *b + CLIENT_CHUNK_SIZE)) == NULL)
		return NULL;
	b->next = NULL;
	b->kind = TRANSFER_BLOCK_DATA;
	b->len = 0;
	return b;
}

static void
transfer_block_put(struct transfer *t, struct transfer_block *b)
{
	if (b == NULL)
		return;
	if (b->kind == TRANSFER_BLOCK_DATA && t->nspare < TRANSFER_SPARE_MAX &&
	    !(t->flags & TRANSFER_RELEASED)) {
		b->next = t->spare;
		t->spare = b;
		t->nspare++;
		return;
	}
	free(b);
}

static void
transfer_free_blocks(struct transfer *t)
{
	struct transfer_block	*b;

	while ((b = t->q_head) != NULL) {
		t->q_head = b->next;
		free(b);
	}
	t->q_tail = NULL;
	t->q_bytes = 0;
	while ((b = t->spare) != NULL) {
		t->spare = b->next;
		free(b);
	}
	t->nspare = 0;
}

static struct transfer *
transfer_new(struct client *c, enum client_dir dir, size_t nfiles)
{
	struct transfer	*t;
	size_t		 i;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->pub.files = calloc(nfiles, sizeof *t->pub.files);
	t->xf = calloc(nfiles, sizeof *t->xf);
	if (t->pub.files == NULL || t->xf == NULL) {
		free(t->pub.files);
		free(t->xf);
		free(t);
		return NULL;
	}
	for (i = 0; i < nfiles; i++)
		t->xf[i].fd = -1;
	t->c = c;
	t->pub.id = ++c->next_id;
	t->pub.dir = dir;
	t->pub.nfiles = nfiles;
	t->pub.eta = -1;
	TAILQ_INSERT_TAIL(&c->transfers, t, entry);
	c->ntransfers++;
	return t;
}

void
client_xfer_free(struct transfer *t)
{
	size_t	i;

	for (i = 0; i < t->pub.nfiles; i++) {
		free(t->pub.files[i].name);
		free(t->pub.files[i].path);
		free(t->pub.files[i].saved_as);
		client_digest_free(&t->xf[i].dg);
		if (t->xf[i].fd >= 0)
			close(t->xf[i].fd);	/* only if a close raced an error path */
	}
	transfer_free_blocks(t);
	free(t->job_block);
	free(t->pub.files);
	free(t->xf);
	free(t);
}

static void
transfer_maybe_free(struct transfer *t)
{
	if ((t->flags & TRANSFER_FORGOTTEN) && (t->flags & TRANSFER_RELEASED) &&
	    !(t->flags & TRANSFER_JOB) && t->data == NULL && t->timer == NULL)
		client_xfer_free(t);
}

struct transfer *
client_xfer_find(struct client *c, uint64_t id)
{
	struct transfer	*t;

	TAILQ_FOREACH(t, &c->transfers, entry) {
		if (t->pub.id == id)
			return t;
	}
	return NULL;
}

static struct transfer *
transfer_find_relay(struct client *c, uint64_t relay_id)
{
	struct transfer	*t;

	if (relay_id == 0)
		return NULL;
	TAILQ_FOREACH(t, &c->transfers, entry) {
		if (t->pub.relay_id == relay_id)
			return t;
	}
	return NULL;
}

static struct transfer *
transfer_find_ref(struct client *c, uint64_t ref)
{
	struct transfer	*t;

	TAILQ_FOREACH(t, &c->transfers, entry) {
		if (t->pub.dir == CLIENT_SEND && t->ref == ref &&
		    t->pub.relay_id == 0)
			return t;
	}
	return NULL;
}

int
client_xfer_forget(struct transfer *t)
{
	if (!CLIENT_TRANSFER_ENDED(t->pub.state))
		return UV_EBUSY;
	TAILQ_REMOVE(&t->c->transfers, t, entry);
	t->c->ntransfers--;
	t->flags |= TRANSFER_FORGOTTEN;
	transfer_maybe_free(t);
	return 0;
}

static void
transfer_timer_close_cb(uv_handle_t *h)
{
	struct client	*c = h->data;

	free(h);
	client_unbusy(c);
}

static void
transfer_timer_stop(struct transfer *t)
{
	if (t->timer == NULL)
		return;
	t->timer->data = t->c;
	uv_close((uv_handle_t *)t->timer, transfer_timer_close_cb);
	t->timer = NULL;
}

/* (Re)arms the transfer's one timer: the send throttle, or the grace period after a broken data connection. */
static int
transfer_timer_start(struct transfer *t, uv_timer_cb cb, uint64_t ms)
{
	if (t->timer == NULL) {
		if ((t->timer = malloc(sizeof *t->timer)) == NULL)
			return UV_ENOMEM;
		if (uv_timer_init(t->c->loop, t->timer) != 0) {
			free(t->timer);
			t->timer = NULL;
			return UV_ENOMEM;
		}
		client_busy(t->c);
	}
	t->timer->data = t;
	return uv_timer_start(t->timer, cb, ms, 0);
}

/*
 * Ends the transfer: records why, drops the data connection (flushing it
 * when done, so the receipt goes out), closes files and removes part files
 * on the thread pool, and tells the front end.
 */
static void
transfer_vend(struct transfer *t, enum client_transfer_state s,
    const char *fmt, va_list ap)
{
	struct client	*c = t->c;
	uint64_t	 now;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	t->pub.state = s;
	vsnprintf(t->pub.reason, sizeof t->pub.reason, fmt, ap);
	now = uv_now(c->loop);
	t->pub.ended_ms = now ? now : 1;
	if (s == CLIENT_TRANSFER_DONE && t->pub.started_ms != 0 &&
	    now > t->pub.started_ms)
		t->pub.rate = (double)t->pub.bytes_total * 1000.0 /
		    (double)(now - t->pub.started_ms);
	t->pub.eta = s == CLIENT_TRANSFER_DONE ? 0 : -1;
	transfer_timer_stop(t);
	if (t->data != NULL) {
		if (s == CLIENT_TRANSFER_DONE)
			client_conn_finish(t->data);
		else
			client_conn_close(t->data);
	}
	transfer_release(t);
	transfer_emit(t);
	client_update_active(c);
}

static void
transfer_end(struct transfer *t, enum client_transfer_state s,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	transfer_vend(t, s, fmt, ap);
	va_end(ap);
}

/* Tells the relay (and so the other side) that we stop, with our reason. */
static void
transfer_send_cancel(struct transfer *t, const char *reason)
{
	struct proto_msg	m;

	if (t->flags & TRANSFER_CANCEL_SENT)
		return;
	if (t->pub.relay_id == 0) {
		t->flags |= TRANSFER_WANT_CANCEL;
		return;
	}
	t->flags |= TRANSFER_CANCEL_SENT;
	proto_msg_init(&m, PROTO_MSG_CANCEL);
	m.transfer = t->pub.relay_id;
	transfer_text(m.reason, sizeof m.reason, reason);
	(void)client_send(t->c, &m);
}

/* A failure on our side: tell the other side why, then end as FAILED. */
static void
transfer_fail_local(struct transfer *t, const char *fmt, ...)
{
	char	why[sizeof t->pub.reason];
	va_list	ap;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	transfer_send_cancel(t, why);
	transfer_end(t, CLIENT_TRANSFER_FAILED, "%s", why);
}

/* --- the thread pool --------------------------------------------------- */

/* These run on a worker thread and touch only t->xf, t->job_* and read-only fields. */

static void
job_stat(struct transfer *t)
{
	struct stat	 st;
	size_t		 i;
	const char	*path;
	int		 fd;

	for (i = 0; i < t->pub.nfiles; i++) {
		path = t->pub.files[i].path;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			t->job_err = UV__ERR(errno);
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot read %s: %s", path, uv_strerror(t->job_err));
			return;
		}
		if (fstat(fd, &st) != 0) {
			t->job_err = UV__ERR(errno);
			close(fd);
			snprintf(t->job_msg, sizeof t->job_msg,
			    "cannot read %s: %s", path, uv_strerror(t->job_err));
			return;
		}
		close(fd);
		if (S_ISDIR(st.st_mode)) {
			t->job_err = UV_EISDIR;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "%s is a folder; ferry sends files", path);
			return;
		}
		if (!S_ISREG(st.st_mode)) {
			t->job_err = UV_EINVAL;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "%s is not a regular file", path);
			return;
		}
		if ((uint64_t)st.st_size > PROTO_INT_MAX) {
			t->job_err = UV_EFBIG;
			snprintf(t->job_msg, sizeof t->job_msg,
			    "%s is too large to send", path);
			return;
		}
		t->xf[i].st_size = (uint64_t)st.st_size;
	}
}

static void
job_open_read(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	const char		*path = t->pub.files[i].path;
	struct stat		 st;
	int			 r;

	if ((xf->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot read %s: %s",
		    path, uv_strerror(t->job_err));
		return;
	}
	if (fstat(xf->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != t->pub.files[i].size) {
		t->job_err = UV_EINVAL;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "%s changed after it was offered", path);
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
job_read(struct transfer *t, size_t i, struct transfer_block *b)
{
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
	const char	*dir = t->c->dir;
	int		 r;

	if ((r = client_store_check_dir(dir)) != 0 ||
	    (r = client_store_free_space(dir, &t->job_u64)) != 0) {
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot save files into %s: %s", dir, uv_strerror(r));
	}
}

static void
job_open_part(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	int			 r;

	r = client_store_open_part(t->c->dir, t->pub.files[i].name, xf->part,
	    sizeof xf->part, &xf->fd);
	if (r == 0 && (r = client_digest_init(&xf->dg)) != 0) {
		close(xf->fd);
		xf->fd = -1;
		client_store_remove(t->c->dir, xf->part);
		xf->part[0] = '\0';
	}
	if (r != 0) {
		xf->fd = -1;
		xf->part[0] = '\0';
		t->job_err = r;
		snprintf(t->job_msg, sizeof t->job_msg,
		    "cannot create a file in %s: %s", t->c->dir, uv_strerror(r));
	}
}

static void
job_write(struct transfer *t, struct transfer_block *b)
{
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
			    "cannot write %s/%s: %s", t->c->dir, xf->part,
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
job_finish(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	int			 r;

	/* The bytes reach the disk before the file gets its final name. */
	if (fdatasync(xf->fd) != 0 && errno != EINVAL && errno != EROFS) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write %s/%s: %s",
		    t->c->dir, xf->part, uv_strerror(t->job_err));
	}
	if (close(xf->fd) != 0 && t->job_err == 0) {
		t->job_err = UV__ERR(errno);
		snprintf(t->job_msg, sizeof t->job_msg, "cannot write %s/%s: %s",
		    t->c->dir, xf->part, uv_strerror(t->job_err));
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
	const char	*dir = t->c->dir;
	size_t		 i, j;
	int		 r;

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
			client_store_remove(t->c->dir, xf->part);
			xf->part[0] = '\0';
		}
	}
}

static void
transfer_work_cb(uv_work_t *w)
{
	struct transfer	*t = w->data;

	switch (t->job_op) {
	case JOB_STAT:
		job_stat(t);
		break;
	case JOB_OPEN_READ:
		job_open_read(t, t->job_file);
		break;
	case JOB_READ:
		job_read(t, t->job_file, t->job_block);
		break;
	case JOB_SPACE:
		job_space(t);
		break;
	case JOB_OPEN_PART:
		job_open_part(t, t->job_file);
		break;
	case JOB_WRITE:
		job_write(t, t->job_block);
		break;
	case JOB_FINISH:
		job_finish(t, t->job_file);
		break;
	case JOB_COMMIT:
		job_commit(t);
		break;
	case JOB_CLEANUP:
		job_cleanup(t);
		break;
	}
}

static int
transfer_needs_cleanup(const struct transfer *t)
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
static void
transfer_release(struct transfer *t)
{
	if (t->flags & (TRANSFER_RELEASED | TRANSFER_JOB))
		return;
	if (transfer_needs_cleanup(t) &&
	    transfer_job(t, JOB_CLEANUP, 0, NULL) == 0)
		return;
	if (transfer_needs_cleanup(t))
		job_cleanup(t);		/* the pool refused: do it here, once */
	t->flags |= TRANSFER_RELEASED;
	transfer_free_blocks(t);
}

static void	transfer_after_work_cb(uv_work_t *, int);

static int
transfer_job(struct transfer *t, int op, size_t file, struct transfer_block *b)
{
	int	r;

	t->job_op = op;
	t->job_file = file;
	t->job_block = b;
	t->job_err = 0;
	t->job_msg[0] = '\0';
	t->work.data = t;
	r = uv_queue_work(t->c->loop, &t->work, transfer_work_cb,
	    transfer_after_work_cb);
	if (r != 0) {
		t->job_block = NULL;
		return r;
	}
	t->flags |= TRANSFER_JOB;
	client_busy(t->c);
	return 0;
}

/* --- sending ----------------------------------------------------------- */

static void
transfer_send_offer(struct transfer *t)
{
	struct proto_msg	 m;
	struct proto_file	*files;
	size_t			 i;
	int			 r;

	for (i = 0; i < t->pub.nfiles; i++) {
		const char *name = t->pub.files[i].name;

		if (!proto_utf8_valid(name, strlen(name))) {
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "cannot send %s: its name is not valid UTF-8",
			    t->pub.files[i].path);
			return;
		}
		t->pub.files[i].size = t->xf[i].st_size;
		t->pub.bytes_total += t->xf[i].st_size;
	}
	if ((files = calloc(t->pub.nfiles, sizeof *files)) == NULL) {
		transfer_end(t, CLIENT_TRANSFER_FAILED, "out of memory");
		return;
	}
	proto_msg_init(&m, PROTO_MSG_OFFER);
	m.ref = t->ref;
	snprintf(m.to, sizeof m.to, "%s", t->pub.peer_name);
	for (i = 0; i < t->pub.nfiles; i++) {
		files[i].name = t->pub.files[i].name;	/* borrowed */
		files[i].size = t->pub.files[i].size;
	}
	/* The receipt must fit in one control frame too (PROTOCOL.md 5). */
	if ((r = proto_receipt_fits(files, t->pub.nfiles)) != 0) {
		free(files);
		if (r == -PROTO_E_NOMEM)
			transfer_end(t, CLIENT_TRANSFER_FAILED, "out of memory");
		else
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "%zu files are too many for one offer; send them in smaller groups",
			    t->pub.nfiles);
		return;
	}
	m.files = files;
	m.nfiles = t->pub.nfiles;
	r = client_send(t->c, &m);
	free(files);		/* m.files was borrowed: do not proto_msg_free */
	if (r == UV_ENOTCONN)
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "not connected to the relay %s", t->c->server);
	else if (r != 0)
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "cannot send the offer: %s", r < 0 && r > -PROTO_E_COUNT ?
		    proto_strerror(-r) : uv_strerror(r));
	else
		transfer_emit(t);	/* sizes are known now */
}

int
client_xfer_offer(struct client *c, const char *to, const char *const *paths,
    size_t n, uint64_t *id, char *err, size_t errlen)
{
	struct transfer	*t;
	size_t		 i;

	if (c->state != CLIENT_CONNECTED) {
		snprintf(err, errlen, "not connected to the relay %s", c->server);
		return UV_ENOTCONN;
	}
	if (n == 0 || n > PROTO_FILES_MAX) {
		snprintf(err, errlen, "an offer holds 1 to %d files",
		    PROTO_FILES_MAX);
		return UV_EINVAL;
	}
	if (to == NULL || *to == '\0' || strlen(to) > PROTO_TO_MAX) {
		snprintf(err, errlen, "a peer is a name or HOST:PORT of at most %d bytes",
		    PROTO_TO_MAX);
		return UV_EINVAL;
	}
	if ((t = transfer_new(c, CLIENT_SEND, n)) == NULL)
		goto nomem;
	snprintf(t->pub.peer_name, sizeof t->pub.peer_name, "%s", to);
	t->ref = ++c->next_ref;
	for (i = 0; i < n; i++) {
		t->pub.files[i].path = strdup(paths[i]);
		t->pub.files[i].name = strdup(transfer_base(paths[i]));
		if (t->pub.files[i].path == NULL || t->pub.files[i].name == NULL)
			goto fail;
	}
	if (transfer_job(t, JOB_STAT, 0, NULL) != 0)
		goto fail;
	*id = t->pub.id;
	return 0;
fail:
	t->pub.state = CLIENT_TRANSFER_FAILED;
	t->flags |= TRANSFER_RELEASED;
	client_xfer_forget(t);
nomem:
	snprintf(err, errlen, "out of memory");
	return UV_ENOMEM;
}

static void
transfer_block_release_cb(void *buf, void *arg)
{
	struct transfer		*t = arg;
	struct transfer_block	*b;

	b = (struct transfer_block *)((uint8_t *)buf -
	    offsetof(struct transfer_block, data));
	t->out_blocks--;
	transfer_block_put(t, b);
}

static void
transfer_send_file_end(struct transfer *t, size_t i)
{
	struct proto_msg	m;
	uint8_t			*buf;
	size_t			 len;
	int			 r;

	proto_msg_init(&m, PROTO_MSG_FILE_END);
	m.index = i;
	m.size = t->pub.files[i].size;
	memcpy(m.sha256, t->xf[i].sha256, sizeof m.sha256);
	memcpy(t->pub.files[i].sha256, t->xf[i].sha256,
	    sizeof t->pub.files[i].sha256);
	if ((r = proto_msg_frame(&m, &buf, &len)) != 0 ||
	    (r = client_conn_send(t->data, buf, len)) != 0)
		transfer_fail_local(t, "cannot send to the relay: %s",
		    uv_strerror(r));
}

static void
transfer_throttle_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;

	t->flags &= ~TRANSFER_THROTTLED;
	transfer_tx_pump(t);
}

/*
 * With a send rate limit, holds the next block back until the average since
 * the start is under the limit again. True while waiting.
 */
static bool
transfer_throttled(struct transfer *t)
{
	uint64_t	limit = t->c->rate_limit, now, elapsed, due;

	if (t->flags & TRANSFER_THROTTLED)
		return true;
	if (limit == 0 || t->pub.bytes_done == 0)
		return false;
	now = uv_now(t->c->loop);
	elapsed = now - t->pub.started_ms;
	due = t->pub.bytes_done * 1000 / limit;	/* ms at which we may go on */
	if (due <= elapsed)
		return false;
	if (transfer_timer_start(t, transfer_throttle_cb, due - elapsed) != 0)
		return false;
	t->flags |= TRANSFER_THROTTLED;
	return true;
}

/* Moves the sender along: open, read, file_end, next file, until the receipt. */
static void
transfer_tx_pump(struct transfer *t)
{
	struct transfer_block	*b;
	struct transfer_file	*xf;
	size_t			 i;

	for (;;) {
		if (t->pub.state != CLIENT_TRANSFER_TRANSFERRING ||
		    (t->flags & TRANSFER_JOB) ||
		    !(t->flags & TRANSFER_ATTACHED) || t->data == NULL ||
		    client_conn_closing(t->data))
			return;
		i = t->pub.current;
		if (i >= t->pub.nfiles)
			return;
		xf = &t->xf[i];
		if (xf->sha256[0] != '\0') {
			/* Every byte of file i is queued: its digest follows. */
			transfer_send_file_end(t, i);
			if (CLIENT_TRANSFER_ENDED(t->pub.state))
				return;
			if (i + 1 == t->pub.nfiles) {
				transfer_set_state(t, CLIENT_TRANSFER_VERIFYING);
				return;
			}
			t->pub.current++;
			continue;
		}
		if (xf->fd < 0) {
			if (transfer_job(t, JOB_OPEN_READ, i, NULL) != 0)
				transfer_fail_local(t, "out of memory");
			return;
		}
		if (client_conn_queued(t->data) > TRANSFER_TX_HIGH)
			return;		/* on_written brings us back */
		if (transfer_throttled(t))
			return;		/* the throttle timer brings us back */
		if ((b = transfer_block_get(t)) == NULL ||
		    transfer_job(t, JOB_READ, i, b) != 0) {
			free(b);
			transfer_fail_local(t, "out of memory");
		}
		return;
	}
}

static void
transfer_after_read(struct transfer *t, struct transfer_block *b)
{
	size_t	i = b->file;
	int	r;

	if (t->data == NULL || client_conn_closing(t->data)) {
		/* The connection broke while we read: the grace timer says why. */
		transfer_block_put(t, b);
		return;
	}
	t->out_blocks++;
	r = client_conn_send_data(t->data, b->hdr, b->data, b->len,
	    transfer_block_release_cb, t);
	if (r != 0) {
		transfer_fail_local(t, "cannot send to the relay: %s",
		    uv_strerror(r));
		return;
	}
	t->pub.files[i].done += b->len;
	t->pub.bytes_done += b->len;
	transfer_progress(t);
	transfer_tx_pump(t);
}

/* The receipt is the only word that makes a transfer a success. */
static void
transfer_receipt(struct transfer *t, const struct proto_msg *m)
{
	char	q[128];
	size_t	i;

	if (t->pub.state != CLIENT_TRANSFER_VERIFYING) {
		transfer_fail_local(t, "%s sent a receipt before all files were sent",
		    t->pub.peer_name);
		return;
	}
	if (!m->ok) {
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "%s could not verify the files%s%s; nothing was saved",
		    t->pub.peer_name, m->message[0] ? ": " : "", m->message);
		return;
	}
	if (m->transfer != t->pub.relay_id || m->nfiles != t->pub.nfiles) {
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "the receipt from %s does not match the transfer",
		    t->pub.peer_name);
		return;
	}
	for (i = 0; i < m->nfiles; i++) {
		if (strcmp(m->files[i].name, t->pub.files[i].name) != 0 ||
		    m->files[i].size != t->pub.files[i].size ||
		    strcmp(m->files[i].sha256, t->xf[i].sha256) != 0) {
			transfer_quote(t->pub.files[i].name, q, sizeof q);
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "%s received %s with a different checksum",
			    t->pub.peer_name, q);
			return;
		}
	}
	for (i = 0; i < m->nfiles; i++) {
		free(t->pub.files[i].saved_as);
		t->pub.files[i].saved_as = m->files[i].saved_as != NULL ?
		    strdup(m->files[i].saved_as) : NULL;
	}
	transfer_end(t, CLIENT_TRANSFER_DONE, "%s verified every file",
	    t->pub.peer_name);
}

/* --- receiving --------------------------------------------------------- */

static void
transfer_incoming(struct client *c, const struct proto_msg *m)
{
	struct proto_msg	 d;
	struct transfer		*t;
	const char		*why;
	char			 q[128];
	size_t			 i;

	if ((t = transfer_new(c, CLIENT_RECEIVE, m->nfiles)) == NULL) {
		proto_msg_init(&d, PROTO_MSG_DECLINE);
		d.transfer = m->transfer;
		snprintf(d.reason, sizeof d.reason, "nomem: out of memory");
		(void)client_send(c, &d);
		return;
	}
	t->pub.relay_id = m->transfer;
	t->pub.peer_id = m->peer.id;
	snprintf(t->pub.peer_name, sizeof t->pub.peer_name, "%s", m->peer.name);
	snprintf(t->pub.peer_addr, sizeof t->pub.peer_addr, "%s", m->peer.addr);
	t->pub.state = CLIENT_TRANSFER_WAITING;
	for (i = 0; i < m->nfiles; i++) {
		t->pub.files[i].name = strdup(m->files[i].name);
		t->pub.files[i].size = m->files[i].size;
		t->pub.bytes_total += m->files[i].size;
		if (t->pub.files[i].name == NULL) {
			client_xfer_decline(t, "nomem: out of memory");
			return;
		}
	}
	/* A name is a name, never a path: refuse the whole offer, say which and why. */
	for (i = 0; i < m->nfiles; i++) {
		if ((why = client_store_name_problem(m->files[i].name)) == NULL)
			continue;
		transfer_quote(m->files[i].name, q, sizeof q);
		proto_msg_init(&d, PROTO_MSG_DECLINE);
		d.transfer = t->pub.relay_id;
		snprintf(d.reason, sizeof d.reason,
		    "bad_name: the file name \"%s\" %s", q, why);
		(void)client_send(c, &d);
		transfer_end(t, CLIENT_TRANSFER_DECLINED,
		    "refused the files from %s: the file name \"%s\" %s",
		    t->pub.peer_name, q, why);
		return;
	}
	client_update_active(c);
	if (c->ops.on_incoming == NULL) {
		client_xfer_decline(t, "this client does not take files");
		return;
	}
	c->ops.on_incoming(c, &t->pub, c->arg);
}

int
client_xfer_accept(struct transfer *t)
{
	if (t->pub.dir != CLIENT_RECEIVE ||
	    t->pub.state != CLIENT_TRANSFER_WAITING ||
	    (t->flags & TRANSFER_ACCEPTING))
		return UV_EINVAL;
	if (transfer_job(t, JOB_SPACE, 0, NULL) != 0)
		return UV_ENOMEM;
	t->flags |= TRANSFER_ACCEPTING;
	return 0;
}

/* Sends decline with a wire reason and ends the transfer with a local one. */
static void
transfer_decline_why(struct transfer *t, const char *wire, const char *local)
{
	struct proto_msg	m;

	proto_msg_init(&m, PROTO_MSG_DECLINE);
	m.transfer = t->pub.relay_id;
	transfer_text(m.reason, sizeof m.reason, wire);
	(void)client_send(t->c, &m);
	transfer_end(t, CLIENT_TRANSFER_DECLINED, "%s", local);
}

int
client_xfer_decline(struct transfer *t, const char *reason)
{
	char	local[sizeof t->pub.reason];

	if (t->pub.dir != CLIENT_RECEIVE ||
	    t->pub.state != CLIENT_TRANSFER_WAITING ||
	    (t->flags & TRANSFER_ACCEPTING))
		return UV_EINVAL;
	if (reason == NULL || *reason == '\0')
		reason = "declined";
	snprintf(local, sizeof local, "declined the files from %s (%s)",
	    t->pub.peer_name, reason);
	transfer_decline_why(t, reason, local);
	return 0;
}

static void
transfer_after_space(struct transfer *t)
{
	struct proto_msg	m;
	char			need[32], have[32], wire[PROTO_TEXT_MAX + 1];
	char			local[sizeof t->pub.reason];

	t->flags &= ~TRANSFER_ACCEPTING;
	if (t->job_err != 0) {
		snprintf(wire, sizeof wire, "io: the receiver cannot save files");
		transfer_decline_why(t, wire, t->job_msg);
		return;
	}
	if (t->job_u64 < t->pub.bytes_total) {
		proto_fmt_size(t->pub.bytes_total, need, sizeof need);
		proto_fmt_size(t->job_u64, have, sizeof have);
		snprintf(wire, sizeof wire,
		    "no_space: the files need %s and the receiver has %s free",
		    need, have);
		snprintf(local, sizeof local,
		    "declined the files from %s: they need %s and %s has %s free",
		    t->pub.peer_name, need, t->c->dir, have);
		transfer_decline_why(t, wire, local);
		return;
	}
	proto_msg_init(&m, PROTO_MSG_ACCEPT);
	m.transfer = t->pub.relay_id;
	if (client_send(t->c, &m) != 0) {
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "lost the connection to the relay %s", t->c->server);
		return;
	}
	transfer_set_state(t, CLIENT_TRANSFER_ACCEPTED);
}

static int
transfer_rx_enqueue(struct transfer *t, struct transfer_block *b)
{
	b->next = NULL;
	if (t->q_tail != NULL)
		t->q_tail->next = b;
	else
		t->q_head = b;
	t->q_tail = b;
	return 0;
}

/*
 * Where the next bytes of a data frame go: the tail of the last queued block
 * of the current file, or a new block. left bytes of the frame are still to
 * come; they must fit in what the file has left. Counts nothing, since the
 * read may bring no bytes. NULL when the frame is refused (the transfer
 * failed) or memory ran out; with probe set it fails nothing, it only says
 * NULL (libuv's alloc callback may not close the connection).
 */
static uint8_t *
transfer_rx_room(struct transfer *t, size_t left, int probe, size_t *room)
{
	struct transfer_block	*b;
	struct transfer_file	*xf;
	size_t			 i = t->rx_file;
	char			 q[128];

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return NULL;
	if (t->pub.dir != CLIENT_RECEIVE || !(t->flags & TRANSFER_ATTACHED)) {
		if (!probe)
			transfer_fail_local(t, "unexpected data from the relay");
		return NULL;
	}
	if (i >= t->pub.nfiles) {
		if (!probe)
			transfer_fail_local(t, "%s sent more files than it "
			    "offered", t->pub.peer_name);
		return NULL;
	}
	xf = &t->xf[i];
	if (left > t->pub.files[i].size - xf->got) {
		if (probe)
			return NULL;
		transfer_quote(t->pub.files[i].name, q, sizeof q);
		transfer_fail_local(t, "%s sent more bytes of %s than it offered",
		    t->pub.peer_name, q);
		return NULL;
	}
	b = t->q_tail;
	if (b == NULL || b->kind != TRANSFER_BLOCK_DATA || b->file != i ||
	    b->len == CLIENT_CHUNK_SIZE) {
		if ((b = transfer_block_get(t)) == NULL) {
			if (!probe)
				transfer_fail_local(t, "out of memory");
			return NULL;
		}
		b->file = i;
		transfer_rx_enqueue(t, b);
	}
	*room = CLIENT_CHUNK_SIZE - b->len;
	if (*room > left)
		*room = left;
	return b->data + b->len;
}

/* n bytes landed where transfer_rx_room() said: count them, move the disk on. */
static void
transfer_rx_got(struct transfer *t, size_t n)
{
	struct transfer_file	*xf = &t->xf[t->rx_file];

	t->q_tail->len += n;
	xf->got += n;
	t->pub.files[t->rx_file].done = xf->got;
	t->pub.bytes_done += n;
	t->q_bytes += n;
	if (t->q_bytes > TRANSFER_RX_HIGH)
		client_conn_pause(t->data);
	transfer_progress(t);
	transfer_rx_pump(t);
}

static uint8_t *
transfer_data_room(struct client_conn *conn, size_t len, size_t left,
    int probe, size_t *room, void *arg)
{
	(void)conn;
	(void)len;
	return transfer_rx_room(arg, left, probe, room);
}

static int
transfer_data_got(struct client_conn *conn, size_t n, void *arg)
{
	struct transfer	*t = arg;

	(void)conn;
	transfer_rx_got(t, n);
	return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
}

/* A data frame that came whole through on_frame: the same, by copy. */
static void
transfer_rx_data(struct transfer *t, const uint8_t *p, size_t len)
{
	uint8_t	*dst;
	size_t	 room;

	while (len > 0) {
		if ((dst = transfer_rx_room(t, len, 0, &room)) == NULL)
			return;
		memcpy(dst, p, room);
		p += room;
		len -= room;
		transfer_rx_got(t, room);
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			return;
	}
}

static void
transfer_rx_file_end(struct transfer *t, const struct proto_msg *m)
{
	struct transfer_block	*b;
	size_t			 i = t->rx_file;
	char			 q[128];

	if (i >= t->pub.nfiles || m->index != i) {
		transfer_fail_local(t, "%s ended a file out of order",
		    t->pub.peer_name);
		return;
	}
	if (m->size != t->pub.files[i].size || t->xf[i].got != m->size) {
		transfer_quote(t->pub.files[i].name, q, sizeof q);
		transfer_fail_local(t,
		    "%s sent %" PRIu64 " bytes of %s, but offered %" PRIu64,
		    t->pub.peer_name, t->xf[i].got, q, t->pub.files[i].size);
		return;
	}
	if ((b = malloc(sizeof *b)) == NULL) {
		transfer_fail_local(t, "out of memory");
		return;
	}
	b->kind = TRANSFER_BLOCK_END;
	b->file = i;
	b->len = 0;
	b->size = m->size;
	memcpy(b->sha256, m->sha256, sizeof b->sha256);
	transfer_rx_enqueue(t, b);
	t->rx_file++;
	if (t->rx_file == t->pub.nfiles)
		transfer_set_state(t, CLIENT_TRANSFER_VERIFYING);
	transfer_rx_pump(t);
}

/* Moves the receiver's disk side along: open the part file, write, finish. */
static void
transfer_rx_pump(struct transfer *t)
{
	struct transfer_block	*b;
	struct transfer_file	*xf;
	int			 r;

	if (CLIENT_TRANSFER_ENDED(t->pub.state) || (t->flags & TRANSFER_JOB))
		return;
	if ((b = t->q_head) == NULL)
		return;
	xf = &t->xf[b->file];
	t->pub.current = b->file;
	if (xf->part[0] == '\0') {
		r = transfer_job(t, JOB_OPEN_PART, b->file, NULL);
	} else {
		t->q_head = b->next;
		if (t->q_head == NULL)
			t->q_tail = NULL;
		b->next = NULL;
		r = transfer_job(t, b->kind == TRANSFER_BLOCK_DATA ? JOB_WRITE :
		    JOB_FINISH, b->file, b);
		if (r != 0)
			free(b);
	}
	if (r != 0)
		transfer_fail_local(t, "out of memory");
}

static void
transfer_send_receipt(struct transfer *t, bool ok, const char *message)
{
	struct proto_msg	 m;
	struct proto_file	*files = NULL;
	size_t			 i;
	int			 r;

	proto_msg_init(&m, PROTO_MSG_RECEIPT);
	m.transfer = t->pub.relay_id;
	m.ok = ok;
	transfer_text(m.message, sizeof m.message, message);
	if (ok) {
		if ((files = calloc(t->pub.nfiles, sizeof *files)) == NULL)
			return;
		for (i = 0; i < t->pub.nfiles; i++) {
			files[i].name = t->pub.files[i].name;	/* borrowed */
			files[i].size = t->pub.files[i].size;
			memcpy(files[i].sha256, t->xf[i].sha256,
			    sizeof files[i].sha256);
			files[i].saved_as = t->xf[i].saved;	/* borrowed */
		}
		m.files = files;
		m.nfiles = t->pub.nfiles;
	}
	if (t->data != NULL) {
		r = client_conn_send_msg(t->data, &m);
		(void)r;	/* a lost connection shows up in on_lost */
	}
	free(files);
}

static void
transfer_after_finish(struct transfer *t, struct transfer_block *b)
{
	struct transfer_file	*xf = &t->xf[b->file];
	char			 q[128], msg[256];

	memcpy(t->pub.files[b->file].sha256, xf->sha256, sizeof xf->sha256);
	if (xf->offset != b->size || strcmp(xf->sha256, b->sha256) != 0) {
		transfer_quote(t->pub.files[b->file].name, q, sizeof q);
		snprintf(msg, sizeof msg,
		    "verify_failed: %s did not match its checksum", q);
		transfer_send_receipt(t, false, msg);
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "%s from %s did not match its checksum; nothing was saved",
		    q, t->pub.peer_name);
		return;
	}
	if (b->file + 1 == t->pub.nfiles) {
		if (transfer_job(t, JOB_COMMIT, 0, NULL) != 0)
			transfer_fail_local(t, "out of memory");
		return;
	}
	transfer_rx_pump(t);
}

static void
transfer_after_commit(struct transfer *t)
{
	char	msg[sizeof t->job_msg + 8];
	size_t	i;

	if (t->job_err != 0) {
		snprintf(msg, sizeof msg, "io: %s", t->job_msg);
		transfer_send_receipt(t, false, msg);
		transfer_end(t, CLIENT_TRANSFER_FAILED, "%s; nothing was saved",
		    t->job_msg);
		return;
	}
	for (i = 0; i < t->pub.nfiles; i++)
		t->pub.files[i].saved_as = strdup(t->xf[i].saved);
	transfer_send_receipt(t, true, "");
	transfer_end(t, CLIENT_TRANSFER_DONE, "saved every file from %s",
	    t->pub.peer_name);
}

static void
transfer_after_work_cb(uv_work_t *w, int status)
{
	struct transfer		*t = w->data;
	struct client		*c = t->c;
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
		transfer_free_blocks(t);
		transfer_maybe_free(t);
		client_unbusy(c);
		return;
	}
	if (CLIENT_TRANSFER_ENDED(t->pub.state)) {
		free(b);
		transfer_release(t);
		transfer_maybe_free(t);
		client_unbusy(c);
		return;
	}
	if (t->job_err != 0 && op != JOB_SPACE && op != JOB_COMMIT) {
		free(b);
		if (op == JOB_STAT)
			transfer_end(t, CLIENT_TRANSFER_FAILED, "%s", t->job_msg);
		else
			transfer_fail_local(t, "%s", t->job_msg);
		client_unbusy(c);
		return;
	}
	switch (op) {
	case JOB_STAT:
		transfer_send_offer(t);
		break;
	case JOB_OPEN_READ:
		transfer_tx_pump(t);
		break;
	case JOB_READ:
		transfer_after_read(t, b);
		break;
	case JOB_SPACE:
		transfer_after_space(t);
		break;
	case JOB_OPEN_PART:
		transfer_rx_pump(t);
		break;
	case JOB_WRITE:
		t->q_bytes -= b->len;
		transfer_block_put(t, b);
		if (t->q_bytes < TRANSFER_RX_LOW && t->data != NULL)
			client_conn_resume(t->data);
		transfer_rx_pump(t);
		break;
	case JOB_FINISH:
		transfer_after_finish(t, b);
		free(b);
		break;
	case JOB_COMMIT:
		transfer_after_commit(t);
		break;
	}
	client_unbusy(c);
}

/* --- the data connection ----------------------------------------------- */

static void
transfer_data_connect(struct client_conn *conn, int status, void *arg)
{
	struct transfer		*t = arg;
	struct proto_msg	 m;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if (status != 0) {
		transfer_fail_local(t, "cannot open a data connection to the relay %s: %s",
		    t->c->server, uv_strerror(status));
		return;
	}
	proto_msg_init(&m, PROTO_MSG_ATTACH);
	memcpy(m.token, t->token, sizeof m.token);
	if (client_conn_send_msg(conn, &m) != 0)
		transfer_fail_local(t, "cannot attach to the relay %s",
		    t->c->server);
}

static int
transfer_data_frame(struct client_conn *conn, const struct proto_frame *f, void *arg)
{
	struct transfer		*t = arg;
	struct proto_msg	 m;
	char			 err[256];
	int			 r;

	(void)conn;
	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return -1;
	if (f->kind == PROTO_KIND_DATA) {
		/* Only when the conn has no data_room: it reads them raw. */
		transfer_rx_data(t, f->payload, f->len);
		return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
	}
	if ((r = proto_msg_decode(f->payload, f->len, &m, err, sizeof err)) != 0) {
		transfer_fail_local(t, "%s sent a bad message: %s",
		    (t->flags & TRANSFER_ATTACHED) ? t->pub.peer_name : "the relay",
		    err);
		return -1;
	}
	if (!(t->flags & TRANSFER_ATTACHED)) {
		if (m.type == PROTO_MSG_ATTACHED) {
			t->flags |= TRANSFER_ATTACHED;
			transfer_set_state(t, CLIENT_TRANSFER_TRANSFERRING);
			if (t->pub.dir == CLIENT_SEND)
				transfer_tx_pump(t);
		} else if (m.type == PROTO_MSG_ERROR) {
			transfer_fail_local(t, "the relay refused the data connection: %s",
			    m.message[0] ? m.message : m.code);
		} else if (m.type != PROTO_MSG_PING && m.type != PROTO_MSG_PONG) {
			transfer_fail_local(t, "the relay sent %s before attached",
			    proto_msg_type_name(m.type));
		}
		proto_msg_free(&m);
		return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
	}
	switch (m.type) {
	case PROTO_MSG_FILE_END:
		if (t->pub.dir == CLIENT_RECEIVE)
			transfer_rx_file_end(t, &m);
		else
			transfer_fail_local(t, "%s sent file_end to the sender",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_RECEIPT:
		if (t->pub.dir == CLIENT_SEND)
			transfer_receipt(t, &m);
		else
			transfer_fail_local(t, "%s sent a receipt to the receiver",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_ERROR:
		transfer_end(t, CLIENT_TRANSFER_FAILED, "the relay stopped the transfer: %s",
		    m.message[0] ? m.message : m.code);
		break;
	default:
		transfer_fail_local(t, "%s sent an unexpected %s", t->pub.peer_name,
		    proto_msg_type_name(m.type));
		break;
	}
	proto_msg_free(&m);
	return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
}

static void
transfer_grace_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;
	char		 amt[80];

	t->flags &= ~TRANSFER_THROTTLED;
	transfer_end(t, CLIENT_TRANSFER_FAILED,
	    "the connection to %s broke after %s; nothing was saved",
	    t->pub.peer_name, transfer_amount(t, amt, sizeof amt));
}

static void
transfer_data_lost(struct client_conn *conn, int status, void *arg)
{
	struct transfer	*t = arg;
	char		 amt[80];

	(void)conn;
	t->flags |= TRANSFER_DATA_LOST;
	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if (CONN_IS_PROTO(status)) {
		transfer_fail_local(t, "%s sent a bad frame: %s",
		    t->pub.peer_name, proto_strerror(CONN_PROTO_CODE(status)));
		return;
	}
	/*
	 * The relay closes a transfer's data connections when one side goes
	 * away or cancels, and says why on the control connection, which may
	 * arrive a moment later: wait for it before giving a vaguer reason.
	 */
	if (transfer_timer_start(t, transfer_grace_cb, TRANSFER_GRACE_MS) == 0)
		return;
	transfer_end(t, CLIENT_TRANSFER_FAILED,
	    "the connection to %s broke after %s; nothing was saved",
	    t->pub.peer_name, transfer_amount(t, amt, sizeof amt));
}

static void
transfer_data_written(struct client_conn *conn, void *arg)
{
	struct transfer	*t = arg;

	(void)conn;
	if (t->pub.dir == CLIENT_SEND)
		transfer_tx_pump(t);
}

static void
transfer_data_closed(struct client_conn *conn, void *arg)
{
	struct transfer	*t = arg;
	struct client	*c = t->c;

	(void)conn;
	t->data = NULL;
	transfer_maybe_free(t);
	client_unbusy(c);
}

static const struct client_conn_ops transfer_data_ops = {
	.on_connect = transfer_data_connect,
	.on_frame = transfer_data_frame,
	.on_lost = transfer_data_lost,
	.on_written = transfer_data_written,
	.on_closed = transfer_data_closed,
	.data_room = transfer_data_room,
	.data_got = transfer_data_got,
};

/* --- control messages about transfers ---------------------------------- */

static void
transfer_ready(struct transfer *t, const struct proto_msg *m)
{
	struct client	*c = t->c;
	int		 r;

	if ((t->pub.dir == CLIENT_SEND && m->role != PROTO_ROLE_SEND) ||
	    (t->pub.dir == CLIENT_RECEIVE && m->role != PROTO_ROLE_RECEIVE)) {
		transfer_fail_local(t, "the relay gave this transfer the wrong role");
		return;
	}
	if (t->data != NULL)
		return;		/* a second ready: keep the first */
	memcpy(t->token, m->token, sizeof t->token);
	transfer_set_state(t, CLIENT_TRANSFER_ACCEPTED);
	r = client_conn_open(c->loop, c->host, c->port, &transfer_data_ops, t, &t->data);
	if (r != 0) {
		t->data = NULL;
		transfer_fail_local(t, "cannot open a data connection to the relay %s: %s",
		    c->server, uv_strerror(r));
		return;
	}
	client_busy(c);
}

/* The other side is gone: say so, with how far we got. */
static void
transfer_peer_gone(struct transfer *t)
{
	const char	*who = t->pub.peer_name;
	char		 amt[80];

	if (t->pub.state >= CLIENT_TRANSFER_ACCEPTED)
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "%s disconnected after %s; nothing was saved", who,
		    transfer_amount(t, amt, sizeof amt));
	else if (t->pub.dir == CLIENT_SEND)
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "%s disconnected before answering", who);
	else
		transfer_end(t, CLIENT_TRANSFER_CANCELLED,
		    "%s disconnected; the offer is withdrawn", who);
}

/*
 * peer_left: a transfer with a peer that left cannot finish. The relay
 * sends peer_gone for transfers it still holds, but one whose bridge already
 * closed (the peer's data connection went down first) is only explained by
 * the peer leaving.
 */
void
client_xfer_peers_left(struct client *c, const uint64_t *ids, size_t n)
{
	struct transfer	*t, *next;
	size_t		 i;

	for (t = TAILQ_FIRST(&c->transfers); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (CLIENT_TRANSFER_ENDED(t->pub.state) || t->pub.peer_id == 0)
			continue;
		for (i = 0; i < n; i++) {
			if (ids[i] == t->pub.peer_id) {
				transfer_peer_gone(t);
				break;
			}
		}
	}
}

/* The relay says something went wrong with one of our transfers. */
static void
transfer_error(struct transfer *t, const struct proto_msg *m)
{
	const char	*who = t->pub.peer_name;
	const char	*text = m->message[0] ? m->message : m->code;
	char		 amt[80];
	int		 code = proto_code_parse(m->code);
	bool		 flowing = t->pub.state >= CLIENT_TRANSFER_ACCEPTED;

	switch (code) {
	case PROTO_E_PEER_GONE:
		transfer_peer_gone(t);
		break;
	case PROTO_E_TIMEOUT:
		if (t->pub.dir == CLIENT_SEND)
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "%s did not answer in time", who);
		else
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "the offer from %s expired", who);
		break;
	case PROTO_E_NO_SUCH_PEER:
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "there is no peer \"%s\" on the relay %s", who, t->c->server);
		break;
	case PROTO_E_FORBIDDEN:
		transfer_end(t, CLIENT_TRANSFER_FAILED,
		    "the relay refused: %s", text);
		break;
	default:
		if (flowing)
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "the relay stopped the transfer after %s: %s",
			    transfer_amount(t, amt, sizeof amt), text);
		else
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "the relay refused: %s", text);
		break;
	}
}

/* "bob declined the transfer" or "... : reason", skipping a bare "declined". */
static void
transfer_remote_end(struct transfer *t, enum client_transfer_state s,
    const char *verb, const char *reason)
{
	bool	plain = reason[0] == '\0' || strcmp(reason, "declined") == 0 ||
		    strcmp(reason, "cancelled") == 0;
	char	amt[80];

	if (s == CLIENT_TRANSFER_CANCELLED &&
	    t->pub.state >= CLIENT_TRANSFER_TRANSFERRING)
		transfer_end(t, s, "%s %s the transfer after %s%s%s", t->pub.peer_name,
		    verb, transfer_amount(t, amt, sizeof amt), plain ? "" : ": ",
		    plain ? "" : reason);
	else
		transfer_end(t, s, "%s %s the transfer%s%s", t->pub.peer_name,
		    verb, plain ? "" : ": ", plain ? "" : reason);
}

int
client_xfer_on_control(struct client *c, const struct proto_msg *m)
{
	struct transfer		*t;
	struct proto_msg	 x;

	switch (m->type) {
	case PROTO_MSG_OFFERED:
		if ((t = transfer_find_ref(c, m->ref)) == NULL)
			return 1;
		t->pub.relay_id = m->transfer;
		if (t->flags & TRANSFER_WANT_CANCEL) {
			proto_msg_init(&x, PROTO_MSG_CANCEL);
			x.transfer = m->transfer;
			snprintf(x.reason, sizeof x.reason, "cancelled");
			(void)client_send(c, &x);
			t->flags |= TRANSFER_CANCEL_SENT;
			return 1;
		}
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			return 1;
		t->pub.peer_id = m->peer.id;
		snprintf(t->pub.peer_name, sizeof t->pub.peer_name, "%s",
		    m->peer.name);
		snprintf(t->pub.peer_addr, sizeof t->pub.peer_addr, "%s",
		    m->peer.addr);
		transfer_set_state(t, CLIENT_TRANSFER_WAITING);
		client_update_active(c);
		return 1;
	case PROTO_MSG_INCOMING:
		transfer_incoming(c, m);
		return 1;
	case PROTO_MSG_DECLINE:
		t = transfer_find_relay(c, m->transfer);
		if (t != NULL && t->pub.dir == CLIENT_SEND)
			transfer_remote_end(t, CLIENT_TRANSFER_DECLINED,
			    "declined", m->reason);
		return 1;
	case PROTO_MSG_CANCEL:
		if ((t = transfer_find_relay(c, m->transfer)) != NULL)
			transfer_remote_end(t, CLIENT_TRANSFER_CANCELLED,
			    "cancelled", m->reason);
		return 1;
	case PROTO_MSG_READY:
		t = transfer_find_relay(c, m->transfer);
		if (t != NULL && !CLIENT_TRANSFER_ENDED(t->pub.state))
			transfer_ready(t, m);
		return 1;
	case PROTO_MSG_ERROR:
		t = NULL;
		if (m->transfer != 0)
			t = transfer_find_relay(c, m->transfer);
		else if (m->ref != 0)
			t = transfer_find_ref(c, m->ref);
		else
			return 0;	/* about the connection */
		if (t != NULL && !CLIENT_TRANSFER_ENDED(t->pub.state))
			transfer_error(t, m);
		return 1;
	default:
		return 0;
	}
}

int
client_xfer_cancel(struct transfer *t, const char *reason)
{
	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return UV_EINVAL;
	if (reason == NULL || *reason == '\0')
		reason = "cancelled";
	transfer_send_cancel(t, reason);
	if (strcmp(reason, "cancelled") == 0)
		transfer_end(t, CLIENT_TRANSFER_CANCELLED, "cancelled");
	else
		transfer_end(t, CLIENT_TRANSFER_CANCELLED, "cancelled: %s", reason);
	return 0;
}

void
client_xfer_relay_lost(struct client *c, const char *why)
{
	struct transfer	*t, *next;
	char		 amt[80];

	for (t = TAILQ_FIRST(&c->transfers); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			continue;
		if (t->pub.state >= CLIENT_TRANSFER_ACCEPTED)
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "lost the connection to the relay %s after %s%s%s; nothing was saved",
			    c->server, transfer_amount(t, amt, sizeof amt),
			    why[0] ? ": " : "", why);
		else
			transfer_end(t, CLIENT_TRANSFER_FAILED,
			    "lost the connection to the relay %s%s%s", c->server,
			    why[0] ? ": " : "", why);
	}
}
