/*
 * transfer_recv.c: the receiving side of the transfer engine. An offer
 * opens its data connection at once, unseen; its list of files arrives
 * inside the end-to-end session (transfer_list.c), and is accepted (after
 * a free-space check and making its folders) or declined there; arriving
 * bytes are queued in blocks, written and hashed on the thread pool into
 * part files, each file verified against its file_end, and only then do
 * the part files get their final names and the receipt go out.
 */
#include "transfer_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "text.h"

static void	send_receipt(struct transfer *, bool, const char *);
static void	start_commit(struct transfer *);

/*
 * Whether another offer may open a transfer here: at most
 * TRANSFER_MAX_WAITING unanswered and TRANSFER_MAX_RECEIVING open, so an
 * offer flood (through a relay that lets it, or from a lying relay) costs
 * this client a bounded number of data connections and bytes. NULL, or
 * the decline's reason into buf.
 */
static const char *
incoming_busy(const struct transfer_engine *e, size_t count, char *buf,
    size_t len)
{
	const struct transfer	*t;
	size_t			 waiting = 0, open = 0, entries = 0;

	TAILQ_FOREACH(t, &e->list, entry) {
		if (t->pub.dir != CLIENT_RECEIVE ||
		    CLIENT_TRANSFER_ENDED(t->pub.state))
			continue;
		open++;
		waiting += t->pub.state == CLIENT_TRANSFER_WAITING;
		entries += t->offered;
	}
	if (waiting >= TRANSFER_MAX_WAITING)
		snprintf(buf, len, "busy: %zu offers already wait here for an "
		    "answer; try again later", waiting);
	else if (open >= TRANSFER_MAX_RECEIVING)
		snprintf(buf, len, "busy: %zu transfers to this client are "
		    "open; try again later", open);
	else if (entries + count > TRANSFER_MAX_ENTRIES)
		snprintf(buf, len, "busy: the transfers open here hold %zu "
		    "files; try again later", entries);
	else
		return NULL;
	return buf;
}

/*
 * An offer arrived: count and size only. It stays out of sight (there is
 * no name to show) while its data connection opens and the list comes,
 * and holds no per-file state until then: a few hundred bytes, whatever
 * count it claims.
 */
void
xfer__incoming(struct transfer_engine *e, const struct proto_msg *m)
{
	struct proto_msg	 d;
	struct transfer		*t;
	const char		*busy;

	proto_msg_init(&d, PROTO_MSG_DECLINE);
	d.transfer = m->transfer;
	if ((busy = incoming_busy(e, m->count, d.reason,
	    sizeof d.reason)) != NULL ||
	    (t = xfer__new(e, CLIENT_RECEIVE, 0)) == NULL) {
		if (busy == NULL)
			snprintf(d.reason, sizeof d.reason, "nomem: out of memory");
		(void)client__send(e->c, &d);
		return;
	}
	t->flags |= TRANSFER_LISTING;
	e->nhidden++;
	t->offered = m->count;
	t->pub.relay_id = m->transfer;
	xfer__peer(t, &m->peer);
	t->pub.state = CLIENT_TRANSFER_WAITING;
	t->pub.bytes_total = t->pub.bytes_offered = m->size;
	/* One deadline for the whole list, however it is paged: 30 s, 130 s for a million. */
	if (xfer__timer_start(t, xfer__list_late_cb, TRANSFER_LIST_MS +
	    t->offered / TRANSFER_LIST_PER) != 0)
		xfer__fail(t, "out of memory");
}

int
xfer__accept(struct transfer *t)
{
	if (t->pub.dir != CLIENT_RECEIVE ||
	    t->pub.state != CLIENT_TRANSFER_WAITING ||
	    (t->flags & TRANSFER_ACCEPTING))
		return UV_EINVAL;
	if (xfer__job(t, JOB_SPACE, 0, NULL) != 0)
		return UV_ENOMEM;
	t->flags |= TRANSFER_ACCEPTING;
	return 0;
}

/* Sends decline with a wire reason and ends the transfer with a local one. */
void
xfer__decline_why(struct transfer *t, const char *wire, const char *local)
{
	struct proto_msg	m;

	proto_msg_init(&m, PROTO_MSG_DECLINE);
	m.transfer = t->pub.relay_id;
	xfer__text(m.reason, sizeof m.reason, wire);
	/* To the sender alone; the relay only hears of it before the list. */
	if (xfer__send_peer(t, &m) != 0)
		(void)client__send(t->e->c, &m);
	xfer__end(t, CLIENT_TRANSFER_DECLINED, "%s", local);
}

int
xfer__decline(struct transfer *t, const char *reason)
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
	xfer__decline_why(t, reason, local);
	return 0;
}

void
xfer__after_space(struct transfer *t)
{
	char			need[32], have[32], wire[PROTO_TEXT_MAX + 1];
	char			local[sizeof t->pub.reason];

	t->flags &= ~TRANSFER_ACCEPTING;
	if (t->job_err != 0) {
		snprintf(wire, sizeof wire, "io: the receiver cannot save files");
		xfer__decline_why(t, wire, t->job_msg);
		return;
	}
	if (t->job_u64 < t->pub.bytes_total - xfer__resume_bytes(t)) {
		proto_fmt_size(t->pub.bytes_total - xfer__resume_bytes(t), need,
		    sizeof need);
		proto_fmt_size(t->job_u64, have, sizeof have);
		snprintf(wire, sizeof wire,
		    "no_space: the files need %s and the receiver has %s free",
		    need, have);
		snprintf(local, sizeof local,
		    "declined the files from %s: they need %s and %s has %s free",
		    t->pub.peer_name, need, t->e->set.dir, have);
		xfer__decline_why(t, wire, local);
		return;
	}
	if (xfer__send_accept(t) != 0) {
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "lost the connection to %s", t->pub.peer_name);
		return;
	}
	xfer__resume_accepted(t);
	xfer__set_state(t, CLIENT_TRANSFER_TRANSFERRING);
	t->rx_file = xfer__next_file(t, 0);
	if (t->rx_file == t->pub.nfiles) {
		/* Folders only: they are made already, nothing else comes. */
		xfer__set_state(t, CLIENT_TRANSFER_VERIFYING);
		start_commit(t);
	}
}

static int
rx_enqueue(struct transfer *t, struct transfer_block *b)
{
	b->next = NULL;
	if (t->q_tail != NULL)
		t->q_tail->next = b;
	else
		t->q_head = b;
	t->q_tail = b;
	if (++t->q_blocks > TRANSFER_BLOCKS_HIGH && t->data != NULL)
		client_conn_pause(t->data);
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
uint8_t *
xfer__rx_room(struct transfer *t, size_t left, int probe, size_t *room)
{
	struct transfer_block	*b;
	struct transfer_file	*xf;
	size_t			 i = t->rx_file;
	char			 q[128];

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return NULL;
	if (t->pub.dir != CLIENT_RECEIVE || !(t->flags & TRANSFER_SECURE) ||
	    t->pub.state < CLIENT_TRANSFER_TRANSFERRING) {
		if (!probe)
			xfer__fail(t, "unexpected data from the relay");
		return NULL;
	}
	if (i >= t->pub.nfiles) {
		if (!probe)
			xfer__fail(t, "%s sent more files than it "
			    "offered", t->pub.peer_name);
		return NULL;
	}
	xf = &t->xf[i];
	if (xf->resuming) {
		if (!probe)
			xfer__fail(t, "%s sent bytes of a kept file before "
			    "saying where they go", t->pub.peer_name);
		return NULL;
	}
	if (left > t->pub.files[i].size - xf->got) {
		if (probe)
			return NULL;
		xfer__quote(t->pub.files[i].name, q, sizeof q);
		xfer__fail(t, "%s sent more bytes of %s than it offered",
		    t->pub.peer_name, q);
		return NULL;
	}
	b = t->q_tail;
	if (b == NULL || b->kind != TRANSFER_BLOCK_DATA || b->file != i ||
	    b->len == b->cap) {
		if ((b = xfer__block_get(t, t->pub.files[i].size - xf->got)) == NULL) {
			if (!probe)
				xfer__fail(t, "out of memory");
			return NULL;
		}
		b->file = i;
		rx_enqueue(t, b);
	}
	*room = b->cap - b->len;
	if (*room > left)
		*room = left;
	return b->data + b->len;
}

/* n bytes landed where xfer__rx_room() said: count them, move the disk on. */
void
xfer__rx_got(struct transfer *t, size_t n)
{
	struct transfer_file	*xf = &t->xf[t->rx_file];

	t->q_tail->len += n;
	xf->got += n;
	t->pub.files[t->rx_file].done = xf->got;
	t->pub.bytes_done += n;
	t->q_bytes += n;
	if (t->q_bytes > TRANSFER_RX_HIGH)
		client_conn_pause(t->data);
	xfer__progress(t);
	xfer__rx_pump(t);
}

/* A data frame that came whole through on_frame: the same, by copy. */
void
xfer__rx_data(struct transfer *t, const uint8_t *p, size_t len)
{
	uint8_t	*dst;
	size_t	 room;

	while (len > 0) {
		if ((dst = xfer__rx_room(t, len, 0, &room)) == NULL)
			return;
		memcpy(dst, p, room);
		p += room;
		len -= room;
		xfer__rx_got(t, room);
		if (CLIENT_TRANSFER_ENDED(t->pub.state))
			return;
	}
}

void
xfer__rx_file_end(struct transfer *t, const struct proto_msg *m)
{
	struct transfer_block	*b;
	size_t			 i = t->rx_file;
	char			 q[128];

	if (t->pub.state < CLIENT_TRANSFER_TRANSFERRING) {
		xfer__fail(t, "%s sent files before they were accepted",
		    t->pub.peer_name);
		return;
	}
	if (i >= t->pub.nfiles || m->index != i) {
		xfer__fail(t, "%s ended a file out of order",
		    t->pub.peer_name);
		return;
	}
	if (m->size != t->pub.files[i].size || t->xf[i].got != m->size ||
	    t->xf[i].resuming) {
		xfer__quote(t->pub.files[i].name, q, sizeof q);
		xfer__fail(t,
		    "%s sent %" PRIu64 " bytes of %s, but offered %" PRIu64,
		    t->pub.peer_name, t->xf[i].got, q, t->pub.files[i].size);
		return;
	}
	if ((b = malloc(sizeof *b)) == NULL) {
		xfer__fail(t, "out of memory");
		return;
	}
	b->kind = TRANSFER_BLOCK_END;
	b->file = i;
	b->len = 0;
	b->size = m->size;
	memcpy(b->sha256, m->sha256, sizeof b->sha256);
	rx_enqueue(t, b);
	t->rx_file = xfer__next_file(t, t->rx_file + 1);
	if (t->rx_file == t->pub.nfiles)
		xfer__set_state(t, CLIENT_TRANSFER_VERIFYING);
	xfer__rx_pump(t);
}

/* Moves the receiver's disk side along: open the part file, write, finish. */
void
xfer__rx_pump(struct transfer *t)
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
	t->pub.current_no = xf->ord + 1;
	if (!xf->created) {
		r = xfer__job(t, JOB_OPEN_PART, b->file, NULL);
	} else {
		t->q_head = b->next;
		if (t->q_head == NULL)
			t->q_tail = NULL;
		b->next = NULL;
		t->q_blocks--;
		r = xfer__job(t, b->kind == TRANSFER_BLOCK_DATA ? JOB_WRITE :
		    JOB_FINISH, b->file, b);
		if (r != 0)
			free(b);
	}
	if (r != 0)
		xfer__fail(t, "out of memory");
}

/* Where entry i was saved, relative to the receive folder (malloc'd), or NULL. */
static char *
saved_path(const struct transfer *t, size_t i)
{
	const struct transfer_file	*top = &t->xf[t->xf[i].top];
	const char			*name = t->pub.files[i].name;
	char				*s;
	size_t				 tl, rest;

	if (top->saved == NULL)
		return NULL;
	if (t->xf[i].top == i)
		return strdup(top->saved);
	tl = strlen(top->saved);
	rest = strlen(name + strlen(t->pub.files[t->xf[i].top].name));
	if ((s = malloc(tl + rest + 1)) == NULL)
		return NULL;
	memcpy(s, top->saved, tl);
	memcpy(s + tl, name + strlen(t->pub.files[t->xf[i].top].name), rest + 1);
	return s;
}

/*
 * The receipt: ok false in one message; ok true in pages of the files (not
 * the folders), each with its digest and where it was saved, all queued
 * at once (some 150 bytes a file).
 */
static void
send_receipt(struct transfer *t, bool ok, const char *message)
{
	struct proto_msg	 m;
	struct proto_file	*files = NULL;
	size_t			*idx = NULL, i = 0, n, k;

	proto_msg_init(&m, PROTO_MSG_RECEIPT);
	m.transfer = t->pub.relay_id;
	m.ok = ok;
	xfer__text(m.message, sizeof m.message, message);
	if (!ok || t->data == NULL) {
		if (t->data != NULL)
			(void)client_conn_send_msg(t->data, &m);	/* a loss shows in on_lost */
		return;
	}
	files = calloc(PROTO_FILES_MAX, sizeof *files);
	idx = calloc(PROTO_FILES_MAX, sizeof *idx);
	if (files == NULL || idx == NULL)
		goto out;	/* the sender hears nothing and gives up: not saved there */
	do {
		for (n = 0; n < PROTO_FILES_MAX &&
		    (i = xfer__next_file(t, i)) < t->pub.nfiles; i++, n++) {
			idx[n] = i;
			files[n].name = t->pub.files[i].name;	/* borrowed */
			files[n].size = t->pub.files[i].size;
			memcpy(files[n].sha256, t->xf[i].sha256,
			    sizeof files[n].sha256);
			files[n].saved_as = t->pub.files[i].saved_as;	/* borrowed */
			if (files[n].saved_as == NULL)
				files[n].saved_as = t->pub.files[i].name;
		}
		k = proto_files_page(files, n, true);
		if (k < n)
			i = idx[k];	/* what did not fit starts the next page */
		m.files = files;
		m.nfiles = k;
		m.more = xfer__next_file(t, i) < t->pub.nfiles;
		if (client_conn_send_msg(t->data, &m) != 0)
			break;
	} while (m.more);
out:
	free(idx);
	free(files);
}

/* Reads the socket again once the queue is below both low marks. */
static void
rx_maybe_resume(struct transfer *t)
{
	if (t->q_bytes < TRANSFER_RX_LOW && t->q_blocks < TRANSFER_BLOCKS_LOW &&
	    t->data != NULL)
		client_conn_resume(t->data);
}

/* A block reached the disk. */
void
xfer__after_write(struct transfer *t, struct transfer_block *b)
{
	t->q_bytes -= b->len;
	xfer__block_put(t, b);
	rx_maybe_resume(t);
	xfer__rx_pump(t);
}

/*
 * FERRY_TEST_COMMIT_DELAY_MS (tests only, README): "N" or "PRE,IN". The
 * receiver waits PRE ms between the last file's verification and deciding
 * the commit, and IN ms inside the commit job before the files get their
 * names ("N" is both), so a test can land a cancel on either side of the
 * moment the commit is decided. phase 0 gives PRE, 1 gives IN; 0 when
 * unset or not milliseconds up to a minute.
 */
static uint64_t
commit_test_delay(int phase)
{
	const char	*env = getenv("FERRY_TEST_COMMIT_DELAY_MS");
	char		*end;
	unsigned long	 pre, in;

	if (env == NULL || *env < '0' || *env > '9')
		return 0;
	pre = in = strtoul(env, &end, 10);
	if (*end == ',' && end[1] >= '0' && end[1] <= '9')
		in = strtoul(end + 1, &end, 10);
	if (*end != '\0' || pre > 60000 || in > 60000)
		return 0;
	return phase == 0 ? pre : in;
}

/*
 * Every file was verified: the commit is decided here, and from now on
 * only its result ends the transfer (a cancel that comes later is too
 * late: PROTOCOL.md 3.4, who wins).
 */
static void
commit_now(struct transfer *t)
{
	t->job_u64 = commit_test_delay(1);	/* read by job_commit */
	if (xfer__job(t, JOB_COMMIT, 0, NULL) != 0) {
		xfer__fail(t, "out of memory");
		return;
	}
	t->flags |= TRANSFER_COMMITTING;
}

static void
commit_delay_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;

	xfer__timer_stop(t);
	commit_now(t);
}

static void
start_commit(struct transfer *t)
{
	uint64_t	ms = commit_test_delay(0);

	if (ms > 0 && xfer__timer_start(t, commit_delay_cb, ms) == 0)
		return;
	commit_now(t);
}

/*
 * A cancel that came inside the session before the commit was decided:
 * nothing is kept (the part files go with the release), and the sender
 * hears it from the receipt, in order, before we close.
 */
void
xfer__rx_cancelled(struct transfer *t, const char *reason)
{
	char	msg[PROTO_TEXT_MAX + 1], amt[80];
	bool	plain = reason[0] == '\0' || strcmp(reason, "cancelled") == 0;

	snprintf(msg, sizeof msg, "cancelled%s%s", plain ? "" : ": ",
	    plain ? "" : reason);
	send_receipt(t, false, msg);
	t->flags |= TRANSFER_FLUSH;
	if (t->pub.state >= CLIENT_TRANSFER_TRANSFERRING)
		xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s cancelled the transfer "
		    "after %s%s%s; nothing was kept", t->pub.peer_name,
		    xfer__amount(t, amt, sizeof amt), plain ? "" : ": ",
		    plain ? "" : reason);
	else
		xfer__end(t, CLIENT_TRANSFER_CANCELLED, "%s cancelled the "
		    "transfer%s%s", t->pub.peer_name, plain ? "" : ": ",
		    plain ? "" : reason);
}

void
xfer__after_finish(struct transfer *t, const struct transfer_block *b)
{
	struct transfer_file	*xf = &t->xf[b->file];
	char			 q[128], msg[256];

	memcpy(t->pub.files[b->file].sha256, xf->sha256, sizeof xf->sha256);
	if (xf->offset != b->size || strcmp(xf->sha256, b->sha256) != 0) {
		xfer__quote(t->pub.files[b->file].name, q, sizeof q);
		snprintf(msg, sizeof msg,
		    "verify_failed: %s did not match its checksum", q);
		send_receipt(t, false, msg);
		xfer__end(t, CLIENT_TRANSFER_FAILED,
		    "%s from %s did not match its checksum; nothing was saved",
		    q, t->pub.peer_name);
		return;
	}
	t->pub.files[b->file].verified = true;	/* front ends see it with the next report */
	if (xfer__next_file(t, b->file + 1) == t->pub.nfiles) {
		start_commit(t);
		return;
	}
	rx_maybe_resume(t);
	xfer__rx_pump(t);
}

void
xfer__after_commit(struct transfer *t)
{
	char	msg[sizeof t->job_msg + 8];
	size_t	i;

	t->flags &= ~TRANSFER_COMMITTING;	/* the commit's result ends us now */
	if (t->job_err != 0) {
		snprintf(msg, sizeof msg, "io: %s", t->job_msg);
		send_receipt(t, false, msg);
		xfer__end(t, CLIENT_TRANSFER_FAILED, "%s; nothing was saved",
		    t->job_msg);
		return;
	}
	/* Out of memory only loses the name shown here: the files are saved. */
	for (i = 0; i < t->pub.nfiles; i++)
		t->pub.files[i].saved_as = saved_path(t, i);
	send_receipt(t, true, "");
	if (t->flags & TRANSFER_CANCEL_LATE)
		xfer__end(t, CLIENT_TRANSFER_DONE, "saved every file from %s: "
		    "the cancel came after they were verified, too late to "
		    "stop", t->pub.peer_name);
	else if (t->flags & TRANSFER_STOP_LATE)
		xfer__end(t, CLIENT_TRANSFER_DONE, "saved every file from %s, "
		    "but the connection to it broke, so it may not know",
		    t->pub.peer_name);
	else
		xfer__end(t, CLIENT_TRANSFER_DONE, "saved every file from %s",
		    t->pub.peer_name);
}
