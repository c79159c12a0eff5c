/*
 * headless_recv.c: `ferry receive`: which offers it takes (--from, --only,
 * --exclude, --decline), a "verified" line per file as each is verified
 * and the "saved" lines once all are, --count, and what the cleanup of
 * kept parts removed.
 */
#include "headless_int.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "name.h"
#include "relays.h"
#include "text.h"

static bool
is_from(const struct headless *h, const struct client_transfer *t)
{
	const char		*from = h->o->from;
	struct proto_hostport	 hp;
	char			 a[20], b[20], err[80];
	size_t			 n;

	if (from == NULL)
		return true;
	/* As --to reads a peer: an address is never a name; a name's key was checked. */
	if (strchr(from, ':') != NULL && proto_hostport_parse(from, &hp, err,
	    sizeof err) == 0 && hp.host[0] != '\0')
		return strcmp(from, t->peer_addr) == 0;
	if (strcmp(from, t->peer_name) == 0)
		return true;
	n = client_fpr_normalize(from, a, sizeof a);
	return n >= 8 && client_fpr_normalize(t->peer_fpr, b, sizeof b) > 0 &&
	    strncmp(a, b, n) == 0;
}

/*
 * Whether a glob of g hits path: one with a slash matches the whole path
 * ("photos/ *.jpg" without the space), one without it the last part
 * ("*.jpg"); and a glob
 * that hits a folder hits everything in it ("--exclude cache").
 */
static bool
glob_hits(const char *const *g, size_t n, const char *path)
{
	char		 pre[PATH_MAX];
	const char	*base, *slash;
	size_t		 k, len;

	for (len = strlen(path);; len = (size_t)(slash - path)) {
		if (len >= sizeof pre)
			return false;
		memcpy(pre, path, len);
		pre[len] = '\0';
		base = strrchr(pre, '/') != NULL ? strrchr(pre, '/') + 1 : pre;
		for (k = 0; k < n; k++)
			if (fnmatch(g[k], strchr(g[k], '/') != NULL ? pre : base,
			    strchr(g[k], '/') != NULL ? FNM_PATHNAME : 0) == 0)
				return true;
		/* The folder it lies in, then that folder's, ... */
		for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
			;
		if (slash == path)
			return false;
		slash--;
	}
}

/* Whether --only and --exclude take path. */
static bool
chosen(const struct headless *h, const char *path)
{
	return (h->o->nonly == 0 || glob_hits(h->o->only, h->o->nonly, path)) &&
	    !glob_hits(h->o->exclude, h->o->nexclude, path);
}

/*
 * --only and --exclude: everything is left out, then each file they take
 * is taken (with the folders it lies in), and each empty folder they take.
 * Says what was left out. 0, or -1 when nothing is left to take.
 */
static int
choose(struct headless *h, struct client *c, const struct client_transfer *t)
{
	const struct client_file	*f;
	size_t				 i, len, taken = 0, files;

	if (h->o->nonly == 0 && h->o->nexclude == 0)
		return 0;
	for (i = 0; i < t->nfiles; i++)
		if (strchr(t->files[i].name, '/') == NULL)
			(void)client_take(c, t->id, i, false);
	for (i = 0; i < t->nfiles; i++) {
		f = &t->files[i];
		len = strlen(f->name);
		/* An empty folder: nothing after it lies in it. */
		if (f->dir && i + 1 < t->nfiles &&
		    strncmp(t->files[i + 1].name, f->name, len) == 0 &&
		    t->files[i + 1].name[len] == '/')
			continue;
		if (chosen(h, f->name)) {
			(void)client_take(c, t->id, i, true);
			taken += !f->dir;
		}
	}
	files = t->nfiles - t->nfolders;
	if (taken == 0 && t->nskipped == t->nfiles) {
		hl_complain(h, "--only/--exclude leave none of the %zu files from %s",
		    files, t->peer_name);
		return -1;
	}
	if (taken < files)
		hl_complain(h, "taking %zu of the %zu files from %s (--only/--exclude "
		    "leave out %zu)", taken, files, t->peer_name, files - taken);
	return 0;
}

void
hl_incoming_cb(struct client *c, const struct client_transfer *t,
    void *arg)
{
	struct headless	*h = arg;
	char		 reason[128];
	int		 r;

	if (h->done) {
		client_decline(c, t->id, "the receiver is stopping");
		return;
	}
	if (h->o->decline || !is_from(h, t)) {
		if (h->o->decline)
			snprintf(reason, sizeof reason, "declined");
		else
			snprintf(reason, sizeof reason,
			    "%s only takes files from %s", client_self_name(c),
			    h->o->from);
		h->declining = true;
		client_decline(c, t->id, reason);
		h->declining = false;
		if (h->o->decline) {
			fprintf(stderr, "ferry: declined the files from %s\n",
			    t->peer_name);
			fflush(stderr);
			if (h->o->count && ++h->finished >= h->o->count)
				hl_finish(h, h->failed ? 1 : 0);
		}
		return;
	}
	hl_show_code(h, t);
	if (choose(h, c, t) != 0) {
		h->declining = true;
		client_decline(c, t->id, "the receiver takes none of these files");
		h->declining = false;
		return;
	}
	if ((r = client_accept(c, t->id)) != 0) {
		hl_complain(h, "cannot accept the files from %s: %s",
		    t->peer_name, uv_strerror(r));
	}
}

/*
 * One line per file as it is verified, while the transfer runs ("saved"
 * lines follow once every file is, with the names they were saved under).
 */
static void
say_verified(struct headless *h, const struct client_transfer *t)
{
	size_t	k, free_k = SIZE_MAX, i;

	for (k = 0; k < sizeof h->said / sizeof h->said[0]; k++) {
		if (h->said[k].id == t->id)
			break;
		if (h->said[k].id == 0 && free_k == SIZE_MAX)
			free_k = k;
	}
	if (k == sizeof h->said / sizeof h->said[0]) {
		if (free_k == SIZE_MAX || CLIENT_TRANSFER_ENDED(t->state) ||
		    t->state < CLIENT_TRANSFER_TRANSFERRING)
			return;
		k = free_k;
		h->said[k].id = t->id;
		h->said[k].next = 0;
	}
	for (i = h->said[k].next; i < t->nfiles; i++) {
		const struct client_file *f = &t->files[i];

		if (f->dir || f->skip)
			continue;
		if (!f->verified)
			break;
		if (!h->o->quiet)
			printf("verified %s (%" PRIu64 " bytes, sha256 %s) from %s\n",
			    f->name, f->size, f->sha256, t->peer_name);
	}
	if (i > h->said[k].next)
		fflush(stdout);
	h->said[k].next = i;
	if (CLIENT_TRANSFER_ENDED(t->state))
		h->said[k].id = 0;
}

void
hl_receive_transfer(struct headless *h, const struct client_transfer *t)
{
	size_t	i;

	if (t->dir == CLIENT_RECEIVE && !h->declining)
		say_verified(h, t);
	if (t->dir != CLIENT_RECEIVE || !CLIENT_TRANSFER_ENDED(t->state) ||
	    h->declining)
		return;
	if (t->state == CLIENT_TRANSFER_DONE) {
		for (i = 0; i < t->nfiles; i++)
			if (!t->files[i].dir && !t->files[i].skip)
				printf("saved %s (%" PRIu64 " bytes, sha256 %s) "
				    "from %s\n", t->files[i].saved_as != NULL ?
				    t->files[i].saved_as : t->files[i].name,
				    t->files[i].size, t->files[i].sha256,
				    t->peer_name);
		fflush(stdout);
		if (h->interrupted)
			hl_complain(h, "%s", t->reason);	/* the cancel came too late */
	} else {
		hl_complain(h, "%s", t->reason);
		/*
		 * Offers refused before anyone said yes are no failure; a
		 * transfer that failed is, but only saved ones count for
		 * --count, so a sender whose transfers break (or a hostile
		 * one) cannot make the receiver stop waiting for the real one.
		 */
		if (t->started_ms != 0 || t->state != CLIENT_TRANSFER_DECLINED)
			h->failed++;
		hl_interrupted_done(h, h->failed ? 1 : 0);
		return;
	}
	/* N saved: done, whatever failed on the way (it was said on stderr). */
	if (!h->done && h->o->count && ++h->finished >= h->o->count)
		hl_finish(h, 0);
	hl_interrupted_done(h, h->failed ? 1 : 0);
}

/* The receiver's cleanup of parts nobody resumed: said, one line each. */
void
hl_pruned(void *arg, const char *name, uint64_t have, uint64_t size,
    uint64_t age_s)
{
	char	a[PROTO_SIZE_LEN], b[PROTO_SIZE_LEN], q[128];

	proto_fmt_size(have, a, sizeof a);
	proto_fmt_size(size, b, sizeof b);
	proto_name_show(name[0] != '\0' ? name : "(a file)", 80, q, sizeof q);
	hl_complain(arg, "removed the kept part of %s (%s of %s) from a broken "
	    "transfer nobody resumed in %" PRIu64 " day%s", q, a, b,
	    age_s / 86400, age_s / 86400 == 1 ? "" : "s");
}

