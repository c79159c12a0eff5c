/*
 * transfer_list.c: the receiver's side of an offer's list of files. Its
 * pages arrive inside the session and are checked against the offer; the
 * whole list is judged as a tree on the pool (store_tree.c) and shown;
 * the person (or --only/--exclude) may leave entries out (client_take),
 * and the accept carries those as ranges, in pages.
 */
#include "transfer_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

void
xfer__list_late_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;

	xfer__fail(t, "%s did not send its list of files", t->pub.peer_name);
}

/*
 * A page of the sender's list, inside the session. Together the pages
 * must be the offer the relay routed (the same count and bytes); then the
 * list is judged as a tree on the pool, and the front end decides.
 */
void
xfer__rx_files(struct transfer *t, const struct proto_msg *m)
{
	const struct proto_file	*p;
	const struct transfer	*o;
	struct client_file	*f;
	size_t			 i, base = t->listed, pending = m->nfiles;
	size_t			 names = 0, all = 0;

	/* The list's one deadline runs from the offer (xfer__incoming), not per page. */
	if (m->transfer != t->pub.relay_id || t->listed == t->offered ||
	    m->nfiles > t->offered - t->listed ||
	    (!m->more && t->listed + m->nfiles != t->offered))
		goto mismatch;
	for (i = 0; i < m->nfiles; i++) {
		p = &m->files[i];
		if (p->size > t->pub.bytes_offered - t->listed_bytes)
			goto mismatch;
		if (p->dir && (p->size != 0 || p->exec)) {
			xfer__fail(t, "%s listed a folder with bytes of its own",
			    t->pub.peer_name);
			return;
		}
		t->listed_bytes += p->size;
		names += strlen(p->name) + 1;
	}
	/* Names cost bytes too: all the lists held here stay under TRANSFER_MAX_NAMES. */
	TAILQ_FOREACH(o, &t->e->list, entry)
		if (o->pub.dir == CLIENT_RECEIVE && !CLIENT_TRANSFER_ENDED(o->pub.state))
			all += o->listed_names;
	if (all + names > TRANSFER_MAX_NAMES) {
		xfer__fail(t, "busy: the lists of files held here would pass "
		    "%d MiB of names", TRANSFER_MAX_NAMES >> 20);
		return;
	}
	t->listed_names += names;
	if (xfer__files(t, base + m->nfiles) != 0) {
		xfer__fail(t, "out of memory");
		return;
	}
	t->listed += m->nfiles;
	pending = 0;
	for (i = 0; i < m->nfiles; i++) {
		p = &m->files[i];
		f = &t->pub.files[base + i];
		f->size = p->size;
		f->mtime = p->mtime;
		f->exec = p->exec;
		f->dir = p->dir;
		/* The message's own copy moves over: it frees what it still holds. */
		f->name = p->name;
		m->files[i].name = NULL;
	}
	if (m->more)
		return;
	xfer__timer_stop(t);
	if (t->listed_bytes != t->pub.bytes_offered)
		goto mismatch;
	if (xfer__job(t, JOB_CHECK_LIST, 0, NULL) != 0)
		xfer__fail(t, "out of memory");
	return;
mismatch:
	xfer__fail(t, "the files %s listed (%zu, %" PRIu64 " bytes so far) "
	    "are not the ones it offered (%zu, %" PRIu64 " bytes)",
	    t->pub.peer_name, t->listed + pending, t->listed_bytes,
	    t->offered, t->pub.bytes_offered);
}

static const char *
entry_at(void *arg, size_t i, bool *dir)
{
	const struct transfer	*t = arg;

	*dir = t->pub.files[i].dir;
	return t->pub.files[i].name;
}

struct check_ctx {
	struct transfer		*t;
	struct proto_name_list	 bad;
};

static void
entry_bad(void *arg, size_t i, const char *why)
{
	struct check_ctx	*c = arg;

	proto_name_list_add(&c->bad, c->t->pub.files[i].name, why);
}

/*
 * JOB_CHECK_LIST, on a worker thread: every path a path inside the receive
 * folder, each part a name that cannot fool a person, every folder listed
 * before what it holds. job_u64 gets how many entries are refused, job_msg
 * the decline's reason naming as many as it holds.
 */
void
xfer__job_check_list(struct transfer *t)
{
	struct check_ctx	 c;
	char			 none[1];
	size_t			*top, *parent, i;
	long			 nbad;
	int			 n;

	/* One allocation for both: top[0..n), parent[n..2n). */
	if ((top = calloc(t->pub.nfiles, 2 * sizeof *top)) == NULL) {
		t->job_err = UV_ENOMEM;
		snprintf(t->job_msg, sizeof t->job_msg, "out of memory");
		return;
	}
	parent = top + t->pub.nfiles;
	c.t = t;
	proto_name_list_init(&c.bad, none, sizeof none);
	nbad = client_store_tree_check(t->pub.nfiles, entry_at, t, top, parent,
	    entry_bad, &c);
	for (i = 0; i < t->pub.nfiles; i++) {
		t->xf[i].top = top[i];
		t->xf[i].parent = parent[i];
	}
	if (nbad > 0) {
		/* Refused (rare): once more, to name as many as the reason holds after its words. */
		if (nbad == 1)
			n = snprintf(t->job_msg, sizeof t->job_msg,
			    "bad_name: the file name ");
		else
			n = snprintf(t->job_msg, sizeof t->job_msg, "bad_name: "
			    "%ld file names are refused: ", nbad);
		proto_name_list_init(&c.bad, t->job_msg + n,
		    sizeof t->job_msg - (size_t)n);
		nbad = client_store_tree_check(t->pub.nfiles, entry_at, t, top,
		    parent, entry_bad, &c);
		proto_name_list_end(&c.bad);
	}
	free(top);
	if (nbad < 0) {
		t->job_err = (int)nbad;
		snprintf(t->job_msg, sizeof t->job_msg, "out of memory");
		return;
	}
	t->job_u64 = (uint64_t)nbad;
}

/* Back on the loop: refuse the whole offer, or show it. */
void
xfer__after_check_list(struct transfer *t)
{
	char	local[sizeof t->pub.reason];

	if (t->job_u64 > 0) {
		snprintf(local, sizeof local, "refused the files from %s: %s",
		    t->pub.peer_name, t->job_msg + strlen("bad_name: "));
		xfer__decline_why(t, t->job_msg, local);
		return;
	}
	xfer__index_files(t);
	t->flags &= ~TRANSFER_LISTING;
	t->e->nhidden--;
	client__update_active(t->e->c);
	if (client__incoming(t->e->c, &t->pub) != 0)
		xfer__decline(t, "this client does not take files");
}

static void
set_skip(struct transfer *t, size_t i, bool skip)
{
	struct client_file	*f = &t->pub.files[i];

	if (f->skip == skip)
		return;
	f->skip = skip;
	if (skip) {
		t->pub.nskipped++;
		t->pub.bytes_total -= f->size;
	} else {
		t->pub.nskipped--;
		t->pub.bytes_total += f->size;
	}
}

int
xfer__take(struct transfer *t, size_t i, bool take)
{
	const char	*name;
	size_t		 j, len;

	if (t->pub.dir != CLIENT_RECEIVE ||
	    t->pub.state != CLIENT_TRANSFER_WAITING ||
	    (t->flags & (TRANSFER_ACCEPTING | TRANSFER_LISTING)) ||
	    i >= t->pub.nfiles)
		return UV_EINVAL;
	set_skip(t, i, !take);
	if (t->pub.files[i].dir) {
		/* Everything in it: listed after it, by the tree's rules. */
		name = t->pub.files[i].name;
		len = strlen(name);
		for (j = i + 1; j < t->pub.nfiles; j++)
			if (strncmp(t->pub.files[j].name, name, len) == 0 &&
			    t->pub.files[j].name[len] == '/')
				set_skip(t, j, !take);
	}
	if (take)
		for (j = t->xf[i].parent; j < t->pub.nfiles; j = t->xf[j].parent)
			set_skip(t, j, false);
	xfer__emit(t);
	return 0;
}

/*
 * The accept, with the entries left out as ranges, in pages of at most
 * PROTO_FILES_MAX ranges, then the files kept from before in pages of
 * resume entries (the last page without more). 0 or an error.
 */
int
xfer__send_accept(struct transfer *t)
{
	struct proto_msg	 m;
	struct proto_range	*r;
	size_t			 i = 0, n;
	int			 e = 0;
	bool			 resume = xfer__has_resume(t);

	if ((r = calloc(PROTO_FILES_MAX, sizeof *r)) == NULL)
		return UV_ENOMEM;
	do {
		for (n = 0; n < PROTO_FILES_MAX && i < t->pub.nfiles; i++) {
			if (!t->pub.files[i].skip)
				continue;
			r[n].from = i;
			while (i < t->pub.nfiles && t->pub.files[i].skip)
				i++;
			r[n].count = i - r[n].from;
			n++;
		}
		while (i < t->pub.nfiles && !t->pub.files[i].skip)
			i++;
		proto_msg_init(&m, PROTO_MSG_ACCEPT);
		m.transfer = t->pub.relay_id;
		m.skip = r;		/* borrowed: no proto_msg_free */
		m.nskip = n;
		m.more = i < t->pub.nfiles || resume;
		e = xfer__send_peer(t, &m);
	} while (e == 0 && i < t->pub.nfiles);
	free(r);
	if (e == 0 && resume)
		e = xfer__send_resume(t);	/* then the files kept from before */
	return e;
}

