/*
 * transfer_resume.c: a broken transfer goes on from where it stopped
 * (PROTOCOL.md 3.6). The receiver writes each top-level file into its
 * resume folder (store_resume.c) and keeps it there when a connection
 * breaks. When the same sender offers the same file again, the accept names
 * the kept length and the receiver's digest of it; the sender hashes the
 * same prefix of its file and answers with file_from: that offset when the
 * digests match, 0 when they do not (the receiver empties its part and
 * takes the whole file), so no wrong byte is ever kept. The whole file's
 * SHA-256 decides as for any other transfer.
 */
#include "transfer_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

/* Hashes the first len bytes of fd into dg (initialised here). 0 or an error. */
static int
hash_prefix(int fd, uint64_t len, struct client_digest *dg)
{
	uint8_t		*buf;
	uint64_t	 at = 0;
	size_t		 want;
	ssize_t		 n;
	int		 r;

	if ((r = client_digest_init(dg)) != 0)
		return r;
	if ((buf = malloc(CLIENT_CHUNK_SIZE)) == NULL) {
		client_digest_free(dg);
		return UV_ENOMEM;
	}
	while (r == 0 && at < len) {
		want = len - at < CLIENT_CHUNK_SIZE ? (size_t)(len - at) :
		    CLIENT_CHUNK_SIZE;
		n = pread(fd, buf, want, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? UV__ERR(errno) : UV_EIO;	/* 0: it got shorter */
		else if ((r = client_digest_update(dg, buf, (size_t)n)) == 0)
			at += (uint64_t)n;
	}
	free(buf);
	if (r != 0)
		client_digest_free(dg);
	return r;
}

/* Whether top-level file i may be kept to resume: only files with bytes and a time. */
static bool
resumable(const struct transfer *t, size_t i)
{
	const struct client_file	*f = &t->pub.files[i];

	return !f->dir && !f->skip && t->xf[i].top == i && f->size > 0 &&
	    f->mtime != 0 && (t->flags & TRANSFER_KEYED);
}

void
xfer__job_resume_scan(struct transfer *t)
{
	char			 rdir[PATH_MAX], why[256];
	char			 key[STORE_RESUME_KEY_LEN + 1];
	char			 part[STORE_NAME_MAX + 1];
	struct transfer_file	*xf;
	uint64_t		 len;
	size_t			 i, n = 0;
	int			 fd;

	/* No resume folder (not ours, read-only): parts go beside, as NAME.part. */
	if (t->res_dir != NULL || client_store_resume_dir(t->e->set.dir, rdir,
	    sizeof rdir, why, sizeof why) != 0 ||
	    (t->res_dir = strdup(rdir)) == NULL)
		return;
	for (i = 0; i < t->pub.nfiles && n < TRANSFER_RESUME_MAX; i++) {
		if (!resumable(t, i))
			continue;
		n++;
		xf = &t->xf[i];
		xf->in_res = true;
		if (client_store_resume_key(t->peer_key, t->pub.files[i].name,
		    t->pub.files[i].size, t->pub.files[i].mtime, key) != 0 ||
		    client_store_resume_find(rdir, key, t->pub.files[i].size,
		    part, sizeof part, &fd, &len) != 0)
			continue;
		if (len == 0) {
			/* Nothing to go on from (we hold its lock): made afresh. */
			(void)client_store_resume_remove(rdir, part);
			close(fd);
			continue;
		}
		if (hash_prefix(fd, len, &xf->dg) != 0) {
			close(fd);
			continue;
		}
		if (client_digest_peek(&xf->dg, xf->sha256) != 0 ||
		    (xf->part = strdup(part)) == NULL) {
			client_digest_free(&xf->dg);
			xf->sha256[0] = '\0';
			close(fd);
			continue;
		}
		xf->fd = fd;	/* locked while we hold it */
		xf->offset = xf->got = xf->resume = len;
		xf->created = xf->resuming = true;
	}
}

int
xfer__resume_open_part(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	const struct client_file *f = &t->pub.files[i];
	char			 key[STORE_RESUME_KEY_LEN + 1];
	char			 part[STORE_NAME_MAX + 1], rec[PROTO_FILE_NAME_MAX + 64];
	int			 r;

	if (xf->fd >= 0) {
		/* The sender's prefix was not ours: start the kept part again. */
		client_digest_free(&xf->dg);
		xf->offset = 0;
		return ftruncate(xf->fd, 0) == 0 ? 0 : UV__ERR(errno);
	}
	if ((r = client_store_resume_key(t->peer_key, f->name, f->size, f->mtime,
	    key)) != 0 ||
	    (r = client_store_resume_record(f->name, f->size, f->mtime, rec,
	    sizeof rec)) != 0)
		return r;
	r = client_store_resume_create(t->res_dir, key, rec, part, sizeof part,
	    &xf->fd);
	if (r == UV_ENOENT) {
		/* Another transfer tidied the folder away as it emptied: again. */
		char	again[PATH_MAX], why[256];

		if ((r = client_store_resume_dir(t->e->set.dir, again,
		    sizeof again, why, sizeof why)) == 0)
			r = client_store_resume_create(t->res_dir, key, rec, part,
			    sizeof part, &xf->fd);
	}
	if (r != 0) {
		xf->fd = -1;
		return r;
	}
	if ((xf->part = strdup(part)) == NULL) {
		close(xf->fd);
		xf->fd = -1;
		(void)client_store_resume_remove(t->res_dir, part);
		return UV_ENOMEM;
	}
	return 0;
}

void
xfer__resume_release(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];

	/*
	 * Kept (its lock went with the close) when broken with bytes to go on
	 * from, or found but never used (the offer was declined for space).
	 * Cancelled, or a digest that did not match: removed.
	 */
	if (!(t->pub.state == CLIENT_TRANSFER_FAILED && t->pub.broken &&
	    xf->offset > 0) && !(xf->resume > 0 && t->pub.started_ms == 0))
		(void)client_store_resume_remove(t->res_dir, xf->part);
	free(xf->part);
	xf->part = NULL;
}

void
xfer__resume_accepted(struct transfer *t)
{
	struct transfer_file	*xf;
	size_t			 i;

	for (i = 0; i < t->pub.nfiles; i++) {
		xf = &t->xf[i];
		if (xf->resume == 0)
			continue;
		xf->sha256[0] = '\0';	/* it was the prefix's: job_finish sets the file's */
		t->pub.files[i].done = t->pub.files[i].resumed = xf->resume;
		t->pub.bytes_done += xf->resume;
		t->pub.bytes_resumed += xf->resume;
	}
}

/* The accept's resume pages (after its skip pages): 0 or an error. */
int
xfer__send_resume(struct transfer *t)
{
	struct proto_msg	 m;
	struct proto_resume	*r;
	size_t			 i = 0, n;
	int			 e = 0;

	if ((r = calloc(PROTO_RESUME_MAX, sizeof *r)) == NULL)
		return UV_ENOMEM;
	do {
		for (n = 0; n < PROTO_RESUME_MAX && i < t->pub.nfiles; i++) {
			if (t->xf[i].resume == 0)
				continue;
			r[n].file = i;
			r[n].offset = t->xf[i].resume;
			memcpy(r[n].sha256, t->xf[i].sha256, sizeof r[n].sha256);
			n++;
		}
		while (i < t->pub.nfiles && t->xf[i].resume == 0)
			i++;
		proto_msg_init(&m, PROTO_MSG_ACCEPT);
		m.transfer = t->pub.relay_id;
		m.resume = r;		/* borrowed: no proto_msg_free */
		m.nresume = n;
		m.more = i < t->pub.nfiles;
		e = xfer__send_peer(t, &m);
	} while (e == 0 && m.more);
	free(r);
	return e;
}

bool
xfer__has_resume(const struct transfer *t)
{
	size_t	i;

	for (i = 0; i < t->pub.nfiles; i++)
		if (t->xf[i].resume > 0)
			return true;
	return false;
}

uint64_t
xfer__resume_bytes(const struct transfer *t)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < t->pub.nfiles; i++)
		n += t->xf[i].resume;
	return n;
}

void
xfer__rx_file_from(struct transfer *t, const struct proto_msg *m)
{
	size_t			 i = t->rx_file;
	struct transfer_file	*xf;
	char			 q[128], a[PROTO_SIZE_LEN], b[PROTO_SIZE_LEN];

	if (t->pub.state < CLIENT_TRANSFER_TRANSFERRING) {
		xfer__fail(t, "%s sent files before they were accepted",
		    t->pub.peer_name);
		return;
	}
	if (i >= t->pub.nfiles || m->index != i || !t->xf[i].resuming) {
		xfer__fail(t, "%s went on with a file it was not asked to",
		    t->pub.peer_name);
		return;
	}
	xf = &t->xf[i];
	xf->resuming = false;
	xfer__quote(t->pub.files[i].name, q, sizeof q);
	if (m->offset == xf->resume) {
		/* The prefixes matched: the rest follows. */
		proto_fmt_size(xf->resume, a, sizeof a);
		proto_fmt_size(t->pub.files[i].size, b, sizeof b);
		client__message(t->e->c, "resuming %s from %s at %s of %s, kept "
		    "from before", q, t->pub.peer_name, a, b);
		return;
	}
	if (m->offset != 0) {
		xfer__fail(t, "%s went on with %s from byte %" PRIu64 ", but "
		    "%" PRIu64 " were kept", t->pub.peer_name, q, m->offset,
		    xf->resume);
		return;
	}
	/* Its prefix differs from ours: the whole file comes, into an emptied part. */
	client__message(t->e->c, "the part of %s kept from before is not what "
	    "%s has: receiving it whole", q, t->pub.peer_name);
	t->pub.bytes_done -= xf->resume;
	t->pub.bytes_resumed -= xf->resume;
	t->pub.files[i].done = t->pub.files[i].resumed = 0;
	xf->got = xf->resume = 0;
	xf->created = false;	/* JOB_OPEN_PART empties it */
	xfer__emit(t);
}

/* --- the sender's side --------------------------------------------------- */

int
xfer__take_resume(struct transfer *t, const struct proto_msg *m)
{
	const struct proto_resume	*r;
	struct transfer_file		*xf;
	size_t				 k;

	for (k = 0; k < m->nresume; k++) {
		r = &m->resume[k];
		if (r->file >= t->pub.nfiles || r->file < t->resume_end ||
		    t->pub.files[r->file].dir || t->pub.files[r->file].skip ||
		    r->offset == 0 || r->offset > t->pub.files[r->file].size) {
			xfer__fail(t, "%s asked to go on with a file that is "
			    "not in the list", t->pub.peer_name);
			return -1;
		}
		xf = &t->xf[r->file];
		xf->resume = r->offset;
		xf->resuming = true;
		memcpy(xf->sha256, r->sha256, sizeof xf->sha256);
		t->resume_end = (size_t)r->file + 1;
	}
	return 0;
}

int
xfer__resume_check(struct transfer *t, size_t i)
{
	struct transfer_file	*xf = &t->xf[i];
	char			 ours[DIGEST_HEX_LEN + 1];
	int			 r;

	xf->resuming = false;
	xf->from_due = true;
	client_digest_free(&xf->dg);
	if ((r = hash_prefix(xf->fd, xf->resume, &xf->dg)) != 0 ||
	    (r = client_digest_peek(&xf->dg, ours)) != 0)
		return r;
	if (strcmp(ours, xf->sha256) != 0) {
		/* Not the bytes we have: from the start, and the receiver empties its part. */
		xf->sha256[0] = '\0';
		xf->resume = 0;
		client_digest_free(&xf->dg);
		return client_digest_init(&xf->dg);
	}
	xf->sha256[0] = '\0';
	xf->offset = xf->resume;
	return 0;
}

void
xfer__send_file_from(struct transfer *t, size_t i)
{
	struct proto_msg	m;
	uint8_t			*buf;
	size_t			 len;
	char			 q[128], a[PROTO_SIZE_LEN], b[PROTO_SIZE_LEN];
	int			 r;

	t->xf[i].from_due = false;
	proto_msg_init(&m, PROTO_MSG_FILE_FROM);
	m.index = i;
	m.offset = t->xf[i].offset;
	if ((r = proto_msg_frame(&m, &buf, &len)) != 0 ||
	    (r = client_conn_send(t->data, buf, len)) != 0) {
		xfer__fail(t, "cannot send to the relay: %s", uv_strerror(r));
		return;
	}
	xfer__quote(t->pub.files[i].name, q, sizeof q);
	if (m.offset == 0) {
		client__message(t->e->c, "what %s kept of %s is not this file: "
		    "sending it whole", t->pub.peer_name, q);
		return;
	}
	proto_fmt_size(m.offset, a, sizeof a);
	proto_fmt_size(t->pub.files[i].size, b, sizeof b);
	client__message(t->e->c, "resuming %s at %s of %s: %s kept that much "
	    "and its digest matches", q, a, b, t->pub.peer_name);
	t->pub.files[i].done = t->pub.files[i].resumed = m.offset;
	t->pub.bytes_done += m.offset;
	t->pub.bytes_resumed += m.offset;
	xfer__emit(t);
}

const char *
xfer__broke(struct transfer *t)
{
	size_t	i;

	t->pub.broken = true;
	if (t->pub.dir == CLIENT_SEND)
		return t->pub.state >= CLIENT_TRANSFER_ACCEPTED ?
		    "; sent again, it goes on from what arrived" : "";
	/* Before that the scan job may still be writing in_res and got. */
	if (t->pub.state >= CLIENT_TRANSFER_TRANSFERRING && t->res_dir != NULL)
		for (i = 0; i < t->pub.nfiles; i++)
			if (t->xf[i].in_res && t->xf[i].got > 0)	/* the loop's own */
				return "; what arrived is kept, so sending it "
				    "again goes on from there";
	return "; nothing was saved";
}
