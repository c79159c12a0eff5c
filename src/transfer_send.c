/*
 * transfer_send.c: the sending side of the transfer engine. An offer's
 * files and folders are examined on the thread pool (transfer_walk.c) and
 * offered to the relay by count and size; their names go to the receiver
 * inside the end-to-end session, in pages.
 * Once it accepts they are read and hashed in CLIENT_CHUNK_SIZE blocks
 * (one data frame each, under the socket's backpressure and the rate
 * limit) with a file_end per file, until the receiver's receipt says every
 * digest matched.
 */
#include "transfer_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "text.h"

/* The name a path is offered under: its last component, without trailing slashes, in buf. */
static const char *
base_name(const char *path, char *buf, size_t len)
{
	const char	*s;
	size_t		 n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	snprintf(buf, len, "%.*s", (int)(path + n - s), s);
	return buf;
}

int
client__xfer_check_names(const char *const *paths, size_t n, char *err,
    size_t errlen)
{
	struct proto_name_list	 bad;
	char			 wb[PROTO_NAME_WHY_MAX], list[1024];
	char			 name[PROTO_FILE_NAME_MAX + 1];
	size_t			 i;

	/* The list fits err with room for the words before it. */
	proto_name_list_init(&bad, list, errlen > 64 && errlen - 64 < sizeof list ?
	    errlen - 64 : sizeof list);
	for (i = 0; i < n; i++) {
		const char *b = base_name(paths[i], name, sizeof name);

		/* "." and "dir/.." are folders: the walk names them. */
		if (strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
			continue;
		if (proto_file_name_problem(b, wb, sizeof wb) != NULL)
			proto_name_list_add(&bad, b, wb);
	}
	if (bad.bad == 0)
		return 0;
	proto_name_list_end(&bad);
	snprintf(err, errlen, "%zu file name%s cannot be sent (rename and send "
	    "again): %s", bad.bad, bad.bad == 1 ? "" : "s", list);
	return UV_EINVAL;
}

/*
 * Entries from i on as one page of the wire's list, in files[] (names
 * borrowed); the count. With receipt set, only files (folders have no
 * receipt entry), and saved_as borrowed too.
 */
static size_t
page_at(const struct transfer *t, size_t i, struct proto_file *files,
    bool receipt, size_t *next)
{
	size_t	n = 0;

	for (; i < t->pub.nfiles && n < PROTO_FILES_MAX; i++) {
		const struct client_file *f = &t->pub.files[i];

		if (receipt && f->dir)
			continue;
		files[n].name = f->name;
		files[n].size = f->size;
		files[n].mtime = f->mtime;
		files[n].exec = f->exec;
		files[n].dir = f->dir;
		n++;
	}
	*next = i;
	return n;
}

/* The stat job found every file: offer them. */
void
xfer__send_offer(struct transfer *t)
{
	struct proto_msg	 m;
	size_t			 i;
	int			 r;

	for (i = 0; i < t->pub.nfiles; i++) {
		const char *name = t->pub.files[i].name;

		if (!proto_utf8_valid(name, strlen(name))) {
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "cannot send %s: its name is not valid UTF-8",
			    t->pub.files[i].path);
			return;
		}
		t->pub.files[i].size = t->xf[i].st_size;
		t->pub.bytes_total += t->xf[i].st_size;
	}
	t->pub.bytes_offered = t->pub.bytes_total;
	proto_msg_init(&m, PROTO_MSG_OFFER);
	m.ref = t->ref;
	m.to = t->pub.peer_id;
	m.count = t->pub.nfiles;
	m.size = t->pub.bytes_total;
	r = client__send(t->e->c, &m);
	if (r == UV_ENOTCONN)
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "not connected to the relay %s", t->e->set.server);
	else if (r != 0)
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "cannot send the offer: %s", r < 0 && r > -PROTO_E_COUNT ?
		    proto_strerror(-r) : uv_strerror(r));
	else
		xfer__emit(t);	/* sizes are known now */
}

static void
answer_late_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;

	xfer__fail(t, "%s did not answer in %s", t->pub.peer_name,
	    TRANSFER_ANSWER_MS == 120000 ? "2 minutes" : "time");
}

/* Every page of the list goes out now: about 100 bytes a file, queued once. */
void
xfer__send_files(struct transfer *t)
{
	struct proto_msg	 m;
	struct proto_file	*files;
	size_t			 i = 0, n, k, next;
	int			 r = 0;

	if ((files = calloc(PROTO_FILES_MAX, sizeof *files)) == NULL) {
		xfer__fail(t, "out of memory");
		return;
	}
	while (i < t->pub.nfiles && r == 0) {
		n = page_at(t, i, files, false, &next);
		k = proto_files_page(files, n, false);
		proto_msg_init(&m, PROTO_MSG_FILES);
		m.transfer = t->pub.relay_id;
		m.files = files;
		m.nfiles = k;
		m.more = i + k < t->pub.nfiles;
		r = xfer__send_peer(t, &m);	/* m.files is borrowed: no proto_msg_free */
		i += k;
	}
	free(files);
	if (r != 0) {
		xfer__fail(t, "cannot send the list of files to %s: %s",
		    t->pub.peer_name, r < 0 && r > -PROTO_E_COUNT ?
		    proto_strerror(-r) : uv_strerror(r));
		return;
	}
	if (xfer__timer_start(t, answer_late_cb, TRANSFER_ANSWER_MS) != 0)
		xfer__fail(t, "out of memory");
}

/*
 * A page of the accept: the entries the receiver leaves out, as ranges in
 * order. Each is left out here too; 0, or -1 after failing the transfer
 * (a range out of the list or out of order).
 */
static int
take_ranges(struct transfer *t, const struct proto_msg *m)
{
	const struct proto_range	*r;
	struct client_file		*f;
	size_t				 k;
	uint64_t			 i;

	for (k = 0; k < m->nskip; k++) {
		r = &m->skip[k];
		if (r->from < t->skip_end || r->from < t->resume_end ||
		    r->from > t->pub.nfiles ||
		    r->count > t->pub.nfiles - r->from) {
			xfer__fail(t, "%s left out files that are not in the "
			    "list", t->pub.peer_name);
			return -1;
		}
		for (i = r->from; i < r->from + r->count; i++) {
			f = &t->pub.files[i];
			f->skip = true;
			t->pub.nskipped++;
			t->pub.bytes_total -= f->size;
		}
		t->skip_end = (size_t)(r->from + r->count);
	}
	return 0;
}

void
xfer__answer(struct transfer *t, const struct proto_msg *m)
{
	if (t->pub.state != CLIENT_TRANSFER_WAITING) {
		xfer__fail(t, "%s answered twice", t->pub.peer_name);
		return;
	}
	if (m->transfer != t->pub.relay_id) {
		xfer__fail(t, "%s answered another transfer", t->pub.peer_name);
		return;
	}
	if (t->flags & TRANSFER_CANCELLING) {
		/* Our cancel crossed the answer: a decline ends it, an accept changes nothing. */
		if (m->type == PROTO_MSG_DECLINE)
			xfer__remote_end(t, CLIENT_TRANSFER_DECLINED,
			    "declined", m->reason);
		return;
	}
	if (m->type == PROTO_MSG_DECLINE) {
		xfer__timer_stop(t);
		xfer__remote_end(t, CLIENT_TRANSFER_DECLINED, "declined",
		    m->reason);
		return;
	}
	if (take_ranges(t, m) != 0 || xfer__take_resume(t, m) != 0)
		return;
	if (m->more)
		return;		/* more of the accept follows */
	xfer__timer_stop(t);
	xfer__set_state(t, CLIENT_TRANSFER_TRANSFERRING);
	xfer__tx_pump(t);
}

int
client__xfer_offer(struct transfer_engine *e, uint64_t to, const char *name,
    const char *const *paths, size_t n, uint64_t *id, char *err, size_t errlen)
{
	struct transfer	*t;
	char		 nb[PROTO_FILE_NAME_MAX + 1];
	size_t		 i;

	if ((t = xfer__new(e, CLIENT_SEND, n)) == NULL)
		goto nomem;
	snprintf(t->pub.peer_name, sizeof t->pub.peer_name, "%s", name);
	t->pub.peer_id = to;
	t->ref = ++e->next_ref;
	for (i = 0; i < n; i++) {
		t->pub.files[i].path = strdup(paths[i]);
		t->pub.files[i].name = strdup(base_name(paths[i], nb,
		    sizeof nb));
		if (t->pub.files[i].path == NULL || t->pub.files[i].name == NULL)
			goto fail;
	}
	if (xfer__job(t, JOB_STAT, 0, NULL) != 0)
		goto fail;
	*id = t->pub.id;
	return 0;
fail:
	t->pub.state = CLIENT_TRANSFER_FAILED;
	t->flags |= TRANSFER_RELEASED;
	xfer__forget(t);
nomem:
	snprintf(err, errlen, "out of memory");
	return UV_ENOMEM;
}

static void
block_release_cb(void *buf, void *arg)
{
	struct transfer		*t = arg;
	struct transfer_block	*b;

	b = (struct transfer_block *)((uint8_t *)buf -
	    offsetof(struct transfer_block, data));
	t->out_blocks--;
	xfer__block_put(t, b);
}

static void
send_file_end(struct transfer *t, size_t i)
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
		xfer__fail(t, "cannot send to the relay: %s",
		    uv_strerror(r));
}

static void
throttle_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;

	t->flags &= ~TRANSFER_THROTTLED;
	xfer__tx_pump(t);
}

/*
 * With a send rate limit, holds the next block back until the average since
 * the start is under the limit again. True while waiting.
 */
static bool
throttled(struct transfer *t)
{
	uint64_t	limit = t->e->set.rate_limit, now, elapsed, due;

	if (t->flags & TRANSFER_THROTTLED)
		return true;
	if (limit == 0 || t->pub.bytes_done == t->pub.bytes_resumed)
		return false;
	now = uv_now(t->e->set.loop);
	elapsed = now - t->pub.started_ms;
	/* ms at which we may go on; what the receiver kept was not sent */
	due = (t->pub.bytes_done - t->pub.bytes_resumed) * 1000 / limit;
	if (due <= elapsed)
		return false;
	if (xfer__timer_start(t, throttle_cb, due - elapsed) != 0)
		return false;
	t->flags |= TRANSFER_THROTTLED;
	return true;
}

/* Moves the sender along: open, read, file_end, next file, until the receipt. */
void
xfer__tx_pump(struct transfer *t)
{
	struct transfer_block	*b;
	struct transfer_file	*xf;
	size_t			 i;

	for (;;) {
		if (t->pub.state != CLIENT_TRANSFER_TRANSFERRING ||
		    (t->flags & (TRANSFER_JOB | TRANSFER_CANCELLING)) ||
		    !(t->flags & TRANSFER_ATTACHED) || t->data == NULL ||
		    client_conn_closing(t->data))
			return;
		i = t->pub.current = xfer__next_file(t, t->pub.current);
		if (i >= t->pub.nfiles) {
			/* Only folders, or every file sent: the receipt decides. */
			xfer__set_state(t, CLIENT_TRANSFER_VERIFYING);
			return;
		}
		xf = &t->xf[i];
		t->pub.current_no = xf->ord + 1;
		if (xf->from_due) {
			/* Opened and its kept prefix checked: where the bytes go on. */
			xfer__send_file_from(t, i);
			if (CLIENT_TRANSFER_ENDED(t->pub.state))
				return;
		}
		if (xf->sha256[0] != '\0' && !xf->resuming) {
			/* Every byte of file i is queued: its digest follows. */
			send_file_end(t, i);
			if (CLIENT_TRANSFER_ENDED(t->pub.state))
				return;
			t->pub.current++;
			continue;
		}
		if (xf->fd < 0) {
			if (xfer__job(t, JOB_OPEN_READ, i, NULL) != 0)
				xfer__fail(t, "out of memory");
			return;
		}
		if (client_conn_queued(t->data) > TRANSFER_TX_HIGH ||
		    t->out_blocks > TRANSFER_BLOCKS_HIGH)
			return;		/* on_written brings us back */
		if (throttled(t))
			return;		/* the throttle timer brings us back */
		if ((b = xfer__block_get(t, t->pub.files[i].size - xf->offset)) == NULL ||
		    xfer__job(t, JOB_READ, i, b) != 0) {
			free(b);
			xfer__fail(t, "out of memory");
		}
		return;
	}
}

/* A block was read and hashed: send it as one data frame. */
void
xfer__after_read(struct transfer *t, struct transfer_block *b)
{
	size_t	i = b->file, len;
	int	r;

	if (t->data == NULL || client_conn_closing(t->data) ||
	    (t->flags & TRANSFER_CANCELLING)) {
		/* The connection broke while we read (the grace timer says why), or we cancelled. */
		xfer__block_put(t, b);
		return;
	}
	t->out_blocks++;
	len = b->len;	/* b may be released (and freed) before send returns */
	r = client_conn_send_data(t->data, b->hdr, b->data, len,
	    block_release_cb, t);
	if (r != 0) {
		xfer__fail(t, "cannot send to the relay: %s",
		    uv_strerror(r));
		return;
	}
	t->pub.files[i].done += len;
	t->pub.bytes_done += len;
	xfer__progress(t);
	xfer__tx_pump(t);
}

/*
 * The receipt is the only word that makes a transfer a success. It comes
 * in pages, one entry per file in the order of the list; each page is
 * checked as it comes, and only the last (more false) can end it DONE.
 */
void
xfer__receipt(struct transfer *t, const struct proto_msg *m)
{
	char	q[128];
	size_t	i, k;

	if (xfer__cancel_answered(t, m))
		return;		/* our cancel won: the receiver kept nothing */
	if (t->pub.state != CLIENT_TRANSFER_VERIFYING) {
		xfer__fail(t, "%s sent a receipt before all files were sent",
		    t->pub.peer_name);
		return;
	}
	if (!m->ok) {
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "%s could not verify the files%s%s; nothing was saved",
		    t->pub.peer_name, m->message[0] ? ": " : "", m->message);
		return;
	}
	if (m->transfer != t->pub.relay_id)
		goto mismatch;
	for (k = 0, i = t->rcpt_next; k < m->nfiles; k++, i++) {
		i = xfer__next_file(t, i);
		if (i >= t->pub.nfiles)
			goto mismatch;
		if (strcmp(m->files[k].name, t->pub.files[i].name) != 0 ||
		    m->files[k].size != t->pub.files[i].size ||
		    strcmp(m->files[k].sha256, t->xf[i].sha256) != 0) {
			xfer__quote(t->pub.files[i].name, q, sizeof q);
			xfer__end(t, CLIENT_TRANSFER_FAILED,
			    "%s received %s with a different checksum",
			    t->pub.peer_name, q);
			return;
		}
		free(t->pub.files[i].saved_as);
		/* Out of memory only loses the receiver's name for the file: still DONE. */
		t->pub.files[i].saved_as = m->files[k].saved_as != NULL ?
		    strdup(m->files[k].saved_as) : NULL;
	}
	t->rcpt_next = i;
	if (m->more)
		return;
	if (xfer__next_file(t, t->rcpt_next) < t->pub.nfiles)
		goto mismatch;
	if (t->flags & TRANSFER_CANCELLING)
		xfer__end(t, CLIENT_TRANSFER_DONE, "%s verified and saved every "
		    "file before the cancel reached it", t->pub.peer_name);
	else
		xfer__end(t, CLIENT_TRANSFER_DONE, "%s verified every file",
		    t->pub.peer_name);
	return;
mismatch:
	xfer__end(t, CLIENT_TRANSFER_FAILED,
	    "the receipt from %s does not match the transfer", t->pub.peer_name);
}
