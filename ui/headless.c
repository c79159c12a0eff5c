/*
 * headless.c: client_ops for the scriptable commands. Results go to stdout
 * one line at a time (flushed, because scripts read them while we run),
 * problems to stderr as "ferry: " and a sentence, and the progress bar to
 * stderr only when it is a terminal.
 */
#include "headless.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "text.h"

enum headless_cmd {
	HEADLESS_PEERS,
	HEADLESS_SEND,
	HEADLESS_RECEIVE,
};

struct headless {
	uv_loop_t			*loop;
	struct client			*c;
	const struct headless_options	*o;
	enum headless_cmd		 cmd;
	int				 status;	/* exit status once done */
	bool				 done;
	bool				 declining;	/* inside our own client_decline */
	bool				 bar;		/* a progress line is on stderr */
	uv_signal_t			 sigint;
	uv_signal_t			 sigterm;
	uint64_t			 id;		/* send: our transfer */
	unsigned long			 finished;	/* receive: transfers that ended */
	unsigned long			 failed;
};

static void
headless_clear_bar(struct headless *h)
{
	if (h->bar) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		h->bar = false;
	}
}

static void
headless_err(struct headless *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
headless_err(struct headless *h, const char *fmt, ...)
{
	va_list	ap;

	headless_clear_bar(h);
	fputs("ferry: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void
headless_signal_close_cb(uv_handle_t *hd)
{
	(void)hd;
}

/* Stops with this exit status: closes the client and our signal handles. */
static void
headless_finish(struct headless *h, int status)
{
	if (h->done)
		return;
	h->done = true;
	h->status = status;
	headless_clear_bar(h);
	client_close(h->c);
	uv_close((uv_handle_t *)&h->sigint, headless_signal_close_cb);
	uv_close((uv_handle_t *)&h->sigterm, headless_signal_close_cb);
}

static void
headless_signal_cb(uv_signal_t *s, int signum)
{
	struct headless			*h = s->data;
	const struct client_transfer	*t;
	bool				 busy = false;

	(void)signum;
	for (t = client_transfer_next(h->c, NULL); t != NULL;
	    t = client_transfer_next(h->c, t)) {
		if (CLIENT_TRANSFER_ENDED(t->state))
			continue;
		busy = true;
		client_cancel(h->c, t->id, "interrupted");
	}
	if (h->cmd == HEADLESS_RECEIVE && !busy) {
		headless_finish(h, h->failed ? 1 : 0);
		return;
	}
	if (h->cmd != HEADLESS_PEERS)
		headless_err(h, "interrupted%s", busy ?
		    "; the transfer was cancelled" : "");
	headless_finish(h, 1);
}

/* "[#########.........]  45%  12.5 MiB of 40.0 MiB  35.2 MiB/s  ETA 0:03" */
static void
headless_draw_bar(struct headless *h, const struct client_transfer *t)
{
	char	done[32], total[32], rate[32], eta[32], bar[32];
	int	width = 24, fill, i;
	double	frac;

	frac = t->bytes_total ? (double)t->bytes_done / (double)t->bytes_total :
	    (t->state >= CLIENT_TRANSFER_VERIFYING ? 1.0 : 0.0);
	fill = (int)(frac * width);
	for (i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	proto_fmt_size(t->bytes_done, done, sizeof done);
	proto_fmt_size(t->bytes_total, total, sizeof total);
	ui_fmt_rate(rate, sizeof rate, t->rate);
	proto_fmt_duration(t->rate > 0 ? t->eta : -1, eta, sizeof eta);
	fprintf(stderr, "\r\033[K[%s] %3d%%  %s of %s  %s  ETA %s%s", bar,
	    (int)(frac * 100), done, total, rate, eta,
	    t->state == CLIENT_TRANSFER_VERIFYING ? "  verifying" : "");
	fflush(stderr);
	h->bar = true;
}

static void
headless_on_state(struct client *c, enum client_state state,
    const char *reason, unsigned retry, void *arg)
{
	struct headless	*h = arg;
	char		 err[256];
	int		 r;

	(void)retry;
	if (h->done)
		return;
	switch (state) {
	case CLIENT_CONNECTED:
		if (h->cmd == HEADLESS_SEND && h->id == 0) {
			r = client_offer(c, h->o->to, h->o->paths, h->o->npaths,
			    &h->id, err, sizeof err);
			if (r != 0) {
				headless_err(h, "%s", err);
				headless_finish(h, 1);
			}
		}
		break;
	case CLIENT_DISCONNECTED:
		/* A transfer that was running has already said why it failed. */
		headless_err(h, "%s", reason);
		headless_finish(h, 1);
		break;
	default:
		break;
	}
}

static void
headless_on_peers(struct client *c, void *arg)
{
	struct headless			*h = arg;
	const struct client_peer	*p;
	size_t				 n, i;

	if (h->done || h->cmd != HEADLESS_PEERS || !client_peers_loaded(c))
		return;
	p = client_peers(c, &n);
	for (i = 0; i < n; i++)
		printf("%s\t%s\n", p[i].name, p[i].addr);
	fflush(stdout);
	headless_finish(h, 0);
}

static bool
headless_is_from(const struct headless *h, const struct client_transfer *t)
{
	const char	*from = h->o->from;

	return from == NULL || strcmp(from, t->peer_name) == 0 ||
	    strcmp(from, t->peer_addr) == 0;
}

static void
headless_on_incoming(struct client *c, const struct client_transfer *t,
    void *arg)
{
	struct headless	*h = arg;
	char		 reason[128];
	int		 r;

	if (h->done) {
		client_decline(c, t->id, "the receiver is stopping");
		return;
	}
	if (h->o->decline || !headless_is_from(h, t)) {
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
				headless_finish(h, h->failed ? 1 : 0);
		}
		return;
	}
	if ((r = client_accept(c, t->id)) != 0) {
		headless_err(h, "cannot accept the files from %s: %s",
		    t->peer_name, uv_strerror(r));
	}
}

static void
headless_send_transfer(struct headless *h, const struct client_transfer *t)
{
	size_t	i;

	if (t->id != h->id)
		return;
	if (!CLIENT_TRANSFER_ENDED(t->state)) {
		if (h->o->progress && !h->o->quiet &&
		    t->state >= CLIENT_TRANSFER_TRANSFERRING)
			headless_draw_bar(h, t);
		else if (h->o->progress && !h->o->quiet &&
		    t->state == CLIENT_TRANSFER_WAITING) {
			headless_clear_bar(h);
			fprintf(stderr, "waiting for %s to accept...", t->peer_name);
			fflush(stderr);
			h->bar = true;
		}
		return;
	}
	headless_clear_bar(h);
	if (t->state != CLIENT_TRANSFER_DONE) {
		headless_err(h, "%s", t->reason);
		headless_finish(h, 1);
		return;
	}
	if (!h->o->quiet) {
		for (i = 0; i < t->nfiles; i++)
			printf("sent %s (%" PRIu64 " bytes, sha256 %s) to %s\n",
			    t->files[i].name, t->files[i].size,
			    t->files[i].sha256, t->peer_name);
		fflush(stdout);
	}
	headless_finish(h, 0);
}

static void
headless_receive_transfer(struct headless *h, const struct client_transfer *t)
{
	size_t	i;

	if (t->dir != CLIENT_RECEIVE || !CLIENT_TRANSFER_ENDED(t->state) ||
	    h->declining)
		return;
	if (t->state == CLIENT_TRANSFER_DONE) {
		for (i = 0; i < t->nfiles; i++)
			printf("saved %s (%" PRIu64 " bytes, sha256 %s) from %s\n",
			    t->files[i].saved_as != NULL ? t->files[i].saved_as :
			    t->files[i].name, t->files[i].size,
			    t->files[i].sha256, t->peer_name);
		fflush(stdout);
	} else {
		headless_err(h, "%s", t->reason);
		/* Offers refused before anyone said yes do not count. */
		if (t->started_ms == 0 && t->state == CLIENT_TRANSFER_DECLINED)
			return;
		h->failed++;
	}
	if (!h->done && h->o->count && ++h->finished >= h->o->count)
		headless_finish(h, h->failed ? 1 : 0);
}

static void
headless_on_transfer(struct client *c, const struct client_transfer *t,
    void *arg)
{
	struct headless	*h = arg;

	(void)c;
	if (h->cmd == HEADLESS_SEND)
		headless_send_transfer(h, t);
	else if (h->cmd == HEADLESS_RECEIVE)
		headless_receive_transfer(h, t);
}

static void
headless_on_message(struct client *c, const char *line, void *arg)
{
	struct headless	*h = arg;

	(void)c;
	headless_err(h, "%s", line);
}

static const struct client_ops headless_ops = {
	.on_state = headless_on_state,
	.on_peers = headless_on_peers,
	.on_incoming = headless_on_incoming,
	.on_transfer = headless_on_transfer,
	.on_message = headless_on_message,
};

/* Forgets ended transfers at a safe point (never inside their own callback). */
static void
headless_prune(struct headless *h)
{
	const struct client_transfer	*t, *next;

	for (t = client_transfer_next(h->c, NULL); t != NULL; t = next) {
		next = client_transfer_next(h->c, t);
		if (CLIENT_TRANSFER_ENDED(t->state) && t->id != h->id)
			client_transfer_forget(h->c, t->id);
	}
}

static void
headless_prepare_cb(uv_prepare_t *p)
{
	headless_prune(p->data);
}

static int
headless_run(uv_loop_t *loop, const struct headless_options *o,
    enum headless_cmd cmd)
{
	struct headless	h;
	uv_prepare_t	prune;
	char		err[256];
	int		r;

	memset(&h, 0, sizeof h);
	h.loop = loop;
	h.o = o;
	h.cmd = cmd;
	r = client_new(loop, &o->copts, &headless_ops, &h, &h.c, err, sizeof err);
	if (r != 0) {
		fprintf(stderr, "ferry: %s\n", err);
		return r == UV_EINVAL ? 2 : 1;
	}
	uv_signal_init(loop, &h.sigint);
	uv_signal_init(loop, &h.sigterm);
	h.sigint.data = h.sigterm.data = &h;
	uv_signal_start(&h.sigint, headless_signal_cb, SIGINT);
	uv_signal_start(&h.sigterm, headless_signal_cb, SIGTERM);
	uv_prepare_init(loop, &prune);
	prune.data = &h;
	if (cmd == HEADLESS_RECEIVE)
		uv_prepare_start(&prune, headless_prepare_cb);
	uv_unref((uv_handle_t *)&prune);
	if ((r = client_start(h.c)) != 0) {
		fprintf(stderr, "ferry: %s\n", uv_strerror(r));
		headless_finish(&h, 1);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&prune, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	client_free(h.c);
	return h.status;
}

int
headless_peers(uv_loop_t *loop, const struct headless_options *o)
{
	return headless_run(loop, o, HEADLESS_PEERS);
}

int
headless_send(uv_loop_t *loop, const struct headless_options *o)
{
	return headless_run(loop, o, HEADLESS_SEND);
}

int
headless_receive(uv_loop_t *loop, const struct headless_options *o)
{
	return headless_run(loop, o, HEADLESS_RECEIVE);
}
