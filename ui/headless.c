/*
 * headless.c: client_ops for the scriptable commands. Results go to stdout
 * one line at a time (flushed, because scripts read them while we run),
 * problems to stderr as "ferry: " and a sentence, and the progress bar to
 * stderr only when it is a terminal. This file has the commands, signals
 * and `ferry send` (with its retries after a break); headless_recv.c has
 * `ferry receive`.
 */
#include "headless_int.h"

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "text.h"

#define BAR_COLS	24	/* cells of the progress bar */

static void
clear_bar(struct headless *h)
{
	if (h->bar) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		h->bar = false;
	}
}

void
hl_complain(struct headless *h, const char *fmt, ...)
{
	va_list	ap;
	char	line[2048];
	int	n;

	/* One write for the whole line, so a script reading stderr never sees half of it. */
	clear_bar(h);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		line[0] = '\0';
	fprintf(stderr, "ferry: %s\n", line);
	fflush(stderr);
}

static void
signal_close_cb(uv_handle_t *hd)
{
	(void)hd;
}

/* Stops with this exit status: closes the client and our signal handles. */
void
hl_finish(struct headless *h, int status)
{
	if (h->done)
		return;
	h->done = true;
	h->status = status;
	clear_bar(h);
	client_close(h->c);
	uv_close((uv_handle_t *)&h->retry, signal_close_cb);
	/*
	 * The signal handlers stay while the client closes (run() closes
	 * them): a SIGINT now, after a transfer was reported done, must not
	 * kill us with its default action and turn the exit status into 130.
	 */
	uv_unref((uv_handle_t *)&h->sigint);
	uv_unref((uv_handle_t *)&h->sigterm);
}

/* True while some transfer has not ended. */
static bool
running(struct headless *h)
{
	const struct client_transfer	*t;

	for (t = client_transfer_next(h->c, NULL); t != NULL;
	    t = client_transfer_next(h->c, t))
		if (!CLIENT_TRANSFER_ENDED(t->state))
			return true;
	return false;
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct headless			*h = s->data;
	const struct client_transfer	*t;
	bool				 busy = false;

	(void)signum;
	if (h->done) {
		/* Closing already; a second signal then gets its default action. */
		if (h->late_signal) {
			uv_signal_stop(&h->sigint);
			uv_signal_stop(&h->sigterm);
		}
		h->late_signal = true;
		return;
	}
	if (h->interrupted) {
		/* A second signal: stop waiting for the cancel's answer. */
		if (!h->done && running(h))
			hl_complain(h, "interrupted again: not waiting for the answer "
			    "to the cancel; the receiver may have kept the files");
		hl_finish(h, 1);
		return;
	}
	h->interrupted = true;
	for (t = client_transfer_next(h->c, NULL); t != NULL;
	    t = client_transfer_next(h->c, t)) {
		if (CLIENT_TRANSFER_ENDED(t->state))
			continue;
		busy = true;
		client_cancel(h->c, t->id, "interrupted");
	}
	if (h->cmd == HEADLESS_RECEIVE && !busy) {
		hl_finish(h, h->failed ? 1 : 0);
		return;
	}
	/*
	 * A cancel inside the session is answered by the other side, and a
	 * receiver's commit that started wins (PROTOCOL.md 3.4): what really
	 * happened is reported when the transfer ends.
	 */
	if (busy && running(h))
		return;
	if (h->cmd != HEADLESS_PEERS)
		hl_complain(h, "interrupted%s", busy ?
		    "; the transfer was cancelled" : "");
	hl_finish(h, 1);
}

/* After an interrupt, once nothing runs any more: the exit status. */
void
hl_interrupted_done(struct headless *h, int status)
{
	if (h->interrupted && !h->done && !running(h))
		hl_finish(h, status);
}

/* "[#########.........]  45%  12.5 MiB of 40.0 MiB  35.2 MiB/s  ETA 0:03" */
static void
draw_bar(struct headless *h, const struct client_transfer *t)
{
	char	done[PROTO_SIZE_LEN], total[PROTO_SIZE_LEN], rate[32];
	char	eta[PROTO_DUR_LEN], bar[BAR_COLS + 1], nf[64];
	int	n;
	double	frac;

	frac = t->bytes_total ? (double)t->bytes_done / (double)t->bytes_total :
	    (t->state >= CLIENT_TRANSFER_VERIFYING ? 1.0 : 0.0);
	/* Whole cells only: a cell turns '#' once it is all done. */
	n = ui_bar_render((double)(int)(frac * BAR_COLS) / BAR_COLS, BAR_COLS,
	    true, bar, sizeof bar);
	memset(bar + n, '.', (size_t)(BAR_COLS - n));
	bar[BAR_COLS] = '\0';
	proto_fmt_size(t->bytes_done, done, sizeof done);
	proto_fmt_size(t->bytes_total, total, sizeof total);
	ui_fmt_rate(rate, sizeof rate, t->rate);
	proto_fmt_duration(t->rate > 0 ? t->eta : -1, eta, sizeof eta);
	/* Several files: which one is on its way. */
	nf[0] = '\0';
	if (t->nfiles - t->nfolders > 1 && t->current_no > 0)
		snprintf(nf, sizeof nf, "  file %zu/%zu", t->current_no,
		    t->nfiles - t->nfolders);
	fprintf(stderr, "\r\033[K[%s] %3d%%  %s of %s  %s  ETA %s%s%s", bar,
	    (int)(frac * 100), done, total, rate, eta, nf,
	    t->state == CLIENT_TRANSFER_VERIFYING ? "  verifying" : "");
	fflush(stderr);
	h->bar = true;
}

static void
state_cb(struct client *c, enum client_state state,
    const char *reason, unsigned retry, void *arg)
{
	struct headless	*h = arg;

	(void)c;
	if (h->done)
		return;
	switch (state) {
	case CLIENT_DISCONNECTED:
		/* After a break the relay may come back: the retries decide. */
		if (h->broke_ms != 0 && retry > 0 && !h->interrupted &&
		    uv_now(h->loop) - h->broke_ms < h->o->retry_s * 1000ULL)
			break;
		/* A transfer that was running has already said why it failed. */
		hl_complain(h, "%s", reason);
		if (h->broke_ms != 0)
			hl_complain(h, "gave up after trying again for %lu s",
			    h->o->retry_s);
		hl_finish(h, 1);
		break;
	default:
		break;
	}
}

static bool	try_again(struct headless *);
static void	left_out(struct headless *, const struct client_transfer *);

static void
peers_cb(struct client *c, void *arg)
{
	struct headless			*h = arg;
	const struct client_peer	*p;
	size_t				 n, i;
	char				 err[2048];

	if (h->done || !client_peers_loaded(c))
		return;
	/* --to is looked up in the peer list (and known_peers): once it is here. */
	if (h->cmd == HEADLESS_SEND && h->id == 0 && !h->retrying) {
		if (client_offer(c, h->o->to, h->o->paths, h->o->npaths, &h->id,
		    err, sizeof err) != 0) {
			hl_complain(h, "%s", err);
			/* After a break, the receiver may be on its way back. */
			if (h->broke_ms == 0 || !try_again(h))
				hl_finish(h, 1);
		}
		return;
	}
	if (h->cmd != HEADLESS_PEERS)
		return;
	p = client_peers(c, &n);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", p[i].name, p[i].addr, p[i].short_fpr);
	fflush(stdout);
	hl_finish(h, 0);
}

/*
 * An unverified peer: the code of this session, which the peer's ferry
 * shows too, for the two people to compare, and how to say it matched.
 */
void
hl_show_code(struct headless *h, const struct client_transfer *t)
{
	char	w[200];

	if (t->auth_code[0] == '\0' || t->trust == CLIENT_TRUST_VERIFIED ||
	    h->coded == t->id)
		return;
	/* A first contact is news once, as in ssh; an old unverified key only to a person. */
	if (t->trust == CLIENT_TRUST_SEEN && !h->o->progress)
		return;
	h->coded = t->id;
	clear_bar(h);
	hl_complain(h, "%s %s (key %s): compare the code %s with %s; if it "
	    "matches, run: ferry trust %s %s", t->trust == CLIENT_TRUST_UNKNOWN ?
	    "first contact with" : "not verified yet:", t->peer_name, t->peer_fpr,
	    t->auth_code, t->peer_name, proto_fmt_shell_word(t->peer_name, w,
	    sizeof w), t->peer_fpr);
}

/* The retry timer: the same files again (offered now, or once the relay's peer list is back). */
static void
retry_cb(uv_timer_t *tm)
{
	struct headless	*h = tm->data;
	uint64_t	 old = h->id;

	h->retrying = false;
	h->id = 0;
	client_transfer_forget(h->c, old);
	if (client_peers_loaded(h->c))
		peers_cb(h->c, h);
}

/*
 * After a break: offers again after 1, 2, 4 ... 30 s while --retry-for
 * allows (the receiver kept what arrived, so it goes on from there). False
 * when it gives up; the caller finishes.
 */
static bool
try_again(struct headless *h)
{
	uint64_t	now = uv_now(h->loop), limit = h->o->retry_s * 1000ULL;
	unsigned	wait;

	if (h->o->retry_s == 0 || h->interrupted || h->done)
		return false;
	if (h->broke_ms == 0)
		h->broke_ms = now;
	if (now - h->broke_ms >= limit) {
		hl_complain(h, "gave up after trying again for %lu s", h->o->retry_s);
		return false;
	}
	h->backoff = h->backoff == 0 ? 1 : h->backoff >= 15 ? 30 : h->backoff * 2;
	wait = h->backoff;
	if ((uint64_t)wait * 1000 > limit - (now - h->broke_ms))
		wait = (unsigned)((limit - (now - h->broke_ms) + 999) / 1000);
	hl_complain(h, "trying again in %u s (--no-retry gives up at once)", wait);
	h->retrying = true;
	uv_timer_start(&h->retry, retry_cb, (uint64_t)wait * 1000, 0);
	return true;
}

static void
send_transfer(struct headless *h, const struct client_transfer *t)
{
	size_t	i;

	if (t->id != h->id || h->done)
		return;		/* after a second interrupt we said all there is */
	if (t->skipped[0] != '\0' && !h->skipped) {
		/* Not an error: links and special files are never sent. */
		h->skipped = true;
		hl_complain(h, "not sent (only files and folders are): %s",
		    t->skipped);
	}
	hl_show_code(h, t);
	if (t->bytes_resumed > h->kept) {
		/*
		 * The receiver kept more than ever before: the tries made
		 * progress that lasts, so a later break gets the whole
		 * --retry-for again. (Bytes that flow and are lost again, as
		 * in a folder, which is not resumed, do not count.)
		 */
		h->kept = t->bytes_resumed;
		h->broke_ms = 0;
		h->backoff = 0;
	}
	if (!CLIENT_TRANSFER_ENDED(t->state)) {
		if (h->o->progress && !h->o->quiet &&
		    t->state >= CLIENT_TRANSFER_TRANSFERRING)
			draw_bar(h, t);
		else if (h->o->progress && !h->o->quiet &&
		    t->state == CLIENT_TRANSFER_WAITING) {
			clear_bar(h);
			fprintf(stderr, "waiting for %s to accept...", t->peer_name);
			fflush(stderr);
			h->bar = true;
		}
		return;
	}
	clear_bar(h);
	if (t->state != CLIENT_TRANSFER_DONE) {
		hl_complain(h, "%s", t->reason);
		if (!t->broken || !try_again(h))
			hl_finish(h, 1);
		return;
	}
	if (h->interrupted)
		hl_complain(h, "%s", t->reason);	/* the cancel came too late */
	if (t->nskipped > 0)
		left_out(h, t);
	if (!h->o->quiet) {
		for (i = 0; i < t->nfiles; i++)
			if (!t->files[i].dir && !t->files[i].skip)
				printf("sent %s (%" PRIu64 " bytes, sha256 %s) "
				    "to %s\n", t->files[i].name,
				    t->files[i].size, t->files[i].sha256,
				    t->peer_name);
		fflush(stdout);
	}
	hl_finish(h, 0);
}

/* The sender hears which files the receiver left out: "bob left out 2 of the 5 files: a, b". */
static void
left_out(struct headless *h, const struct client_transfer *t)
{
	char	list[1024];
	size_t	i, len = 0, shown = 0, n = 0, files = t->nfiles - t->nfolders;
	int	k;

	list[0] = '\0';
	for (i = 0; i < t->nfiles; i++) {
		if (!t->files[i].skip || t->files[i].dir)
			continue;
		n++;
		k = snprintf(list + len, sizeof list - len, "%s%s",
		    shown > 0 ? ", " : "", t->files[i].name);
		if (k > 0 && (size_t)k < sizeof list - len - 24) {
			len += (size_t)k;
			shown++;
		} else
			list[len] = '\0';
	}
	if (n == 0)
		return;
	if (shown < n)
		snprintf(list + len, sizeof list - len, ", and %zu more", n - shown);
	hl_complain(h, "%s left out %zu of the %zu files: %s", t->peer_name, n,
	    files, list);
}

static void
transfer_cb(struct client *c, const struct client_transfer *t,
    void *arg)
{
	struct headless	*h = arg;

	(void)c;
	if (h->cmd == HEADLESS_SEND)
		send_transfer(h, t);
	else if (h->cmd == HEADLESS_RECEIVE)
		hl_receive_transfer(h, t);
}

static void
message_cb(struct client *c, const char *line, void *arg)
{
	struct headless	*h = arg;

	(void)c;
	hl_complain(h, "%s", line);
}

static const struct client_ops ops = {
	.on_state = state_cb,
	.on_peers = peers_cb,
	.on_incoming = hl_incoming_cb,
	.on_transfer = transfer_cb,
	.on_message = message_cb,
};

/* Forgets ended transfers at a safe point (never inside their own callback). */
static void
prune(struct headless *h)
{
	const struct client_transfer	*t, *next;

	for (t = client_transfer_next(h->c, NULL); t != NULL; t = next) {
		next = client_transfer_next(h->c, t);
		if (CLIENT_TRANSFER_ENDED(t->state) && t->id != h->id)
			client_transfer_forget(h->c, t->id);
	}
}

static void
prepare_cb(uv_prepare_t *p)
{
	prune(p->data);
}

static int
run(uv_loop_t *loop, const struct ui_headless_options *o,
    enum headless_cmd cmd)
{
	struct headless	h;
	uv_prepare_t	prune;
	char		err[PATH_MAX + 256];
	int		r;

	memset(&h, 0, sizeof h);
	h.loop = loop;
	h.o = o;
	h.cmd = cmd;
	r = client_new(loop, &o->copts, &ops, &h, &h.c, err, sizeof err);
	if (r != 0) {
		fprintf(stderr, "ferry: %s\n", err);
		return r == UV_EINVAL ? 2 : 1;
	}
	uv_timer_init(loop, &h.retry);
	h.retry.data = &h;
	uv_signal_init(loop, &h.sigint);
	uv_signal_init(loop, &h.sigterm);
	h.sigint.data = h.sigterm.data = &h;
	uv_signal_start(&h.sigint, signal_cb, SIGINT);
	uv_signal_start(&h.sigterm, signal_cb, SIGTERM);
	uv_prepare_init(loop, &prune);
	prune.data = &h;
	if (cmd == HEADLESS_RECEIVE)
		uv_prepare_start(&prune, prepare_cb);
	uv_unref((uv_handle_t *)&prune);
	if (cmd == HEADLESS_RECEIVE && client_prune_parts(h.c, o->keep_parts_s,
	    hl_pruned, &h, err, sizeof err) != 0)
		hl_complain(&h, "%s", err);	/* resuming may not work; receiving does */
	if ((r = client_start(h.c)) != 0) {
		fprintf(stderr, "ferry: %s\n", uv_strerror(r));
		hl_finish(&h, 1);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&prune, NULL);
	/*
	 * Closing a signal handle gives the signal its default action back:
	 * ignored instead from here to the exit, so a SIGINT landing now
	 * cannot turn a finished command's status into 130.
	 */
	uv_close((uv_handle_t *)&h.sigint, signal_close_cb);
	signal(SIGINT, SIG_IGN);
	uv_close((uv_handle_t *)&h.sigterm, signal_close_cb);
	signal(SIGTERM, SIG_IGN);
	uv_run(loop, UV_RUN_DEFAULT);
	client_free(h.c);
	return h.status;
}

int
ui_headless_peers(uv_loop_t *loop, const struct ui_headless_options *o)
{
	return run(loop, o, HEADLESS_PEERS);
}

int
ui_headless_send(uv_loop_t *loop, const struct ui_headless_options *o)
{
	char	err[2048];

	/* Every bad name at once, before connecting: a batch is fixed in one go. */
	if (client_offer_check(o->paths, o->npaths, err, sizeof err) != 0) {
		fprintf(stderr, "ferry: %s\n", err);
		return 2;
	}
	return run(loop, o, HEADLESS_SEND);
}

int
ui_headless_receive(uv_loop_t *loop, const struct ui_headless_options *o)
{
	return run(loop, o, HEADLESS_RECEIVE);
}
