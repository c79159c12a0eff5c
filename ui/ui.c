/*
 * ui.c: the TUI's event plumbing on the caller's libuv loop: stdin through
 * uv_poll, SIGWINCH/SIGINT/SIGTERM/SIGHUP through uv_signal, the client
 * core's callbacks, and redraws coalesced by a frame timer (at most 20 a
 * second, and only when something changed). Also the central key and
 * mouse dispatch, the layout and the "terminal too small" screen.
 */
#include "ui.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "fmt.h"
#include "widget.h"

/* For the atexit hook: the terminal must come back even if a main exits early. */
static struct ui	*active_ui;

/* Each pane's key context, the action that focuses it, and its handlers, in Tab order. */
static const struct {
	unsigned	 ctx;
	enum ui_action	 focus;
	void		(*draw)(struct ui *, const struct ui_rect *, bool);
	int		(*key)(struct ui *, enum ui_action);
	void		(*click)(struct ui *, int);
} panes[UI_PANE_COUNT] = {
	[UI_PANE_PEERS] = { UI_CTX_PEERS, UI_ACT_FOCUS_PEERS,
	    ui_peers_draw, ui_peers_key, ui_peers_click },
	[UI_PANE_FILES] = { UI_CTX_FILES, UI_ACT_FOCUS_FILES,
	    ui_files_draw, ui_files_key, ui_files_click },
	[UI_PANE_XFERS] = { UI_CTX_XFERS, UI_ACT_FOCUS_XFERS,
	    ui_xfers_draw, ui_xfers_key, ui_xfers_click },
};

static void	draw(struct ui *ui);

static void
curses_stop(struct ui *ui)
{
	if (ui == NULL || !ui->curses_on)
		return;
	ui->curses_on = false;
	endwin();
}

static void
atexit_cb(void)
{
	curses_stop(active_ui);
}

/* newterm (not initscr, which exits on failure); returns 0 or -1. */
static int
curses_start(struct ui *ui, bool mono, char *err, size_t errlen)
{
	SCREEN	*s;

	if ((s = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot drive this terminal (TERM=%s)",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return -1;
	}
	set_term(s);
	ui->curses_on = true;
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	ui_theme_init(mono);
	return 0;
}

static void
frame_cb(uv_timer_t *t)
{
	struct ui	*ui = t->data;

	if (!ui->dirty || !ui->curses_on || ui->closed)
		return;
	ui->dirty = false;
	if (ui->prune)
		ui_xfers_prune(ui);
	draw(ui);
	ui->last_frame_ms = uv_now(ui->loop);
}

void
ui_dirty(struct ui *ui)
{
	uint64_t	now, due;

	ui->dirty = true;
	if (ui->closed || uv_is_active((uv_handle_t *)&ui->frame))
		return;
	/* The first change after a quiet spell draws at once; a burst waits for the next frame. */
	uv_update_time(ui->loop);
	now = uv_now(ui->loop);
	due = ui->last_frame_ms + UI_FRAME_MS;
	uv_timer_start(&ui->frame, frame_cb, due > now ? due - now : 0, 0);
}

void
ui_message(struct ui *ui, enum ui_color color, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	va_end(ap);
	ui->msg_color = color;
	ui->msg_until_ms = uv_now(ui->loop) + UI_MSG_MS;
	ui_dirty(ui);
}

/* Number of transfers that have not ended. */
static size_t
active_transfers(const struct ui *ui)
{
	const struct client_transfer	*t = NULL;
	size_t				 n = 0;

	while ((t = client_transfer_next(ui->client, t)) != NULL)
		n += !CLIENT_TRANSFER_ENDED(t->state);
	return n;
}

static void
close_handles(struct ui *ui)
{
	uv_handle_t	*h[] = {
		(uv_handle_t *)&ui->input, (uv_handle_t *)&ui->sigwinch,
		(uv_handle_t *)&ui->sigint, (uv_handle_t *)&ui->sigterm,
		(uv_handle_t *)&ui->sighup, (uv_handle_t *)&ui->frame,
		(uv_handle_t *)&ui->tick,
	};
	size_t		 i;

	if (ui->closed)
		return;
	ui->closed = true;
	for (i = 0; i < sizeof h / sizeof h[0]; i++) {
		if (h[i]->loop != NULL && !uv_is_closing(h[i]))
			uv_close(h[i], NULL);
	}
}

void
ui_quit(struct ui *ui, bool force)
{
	size_t	n;
	char	text[128];

	if (ui->quitting)
		return;
	if (!force && (n = active_transfers(ui)) > 0) {
		snprintf(text, sizeof text, "%zu transfer%s still running: quit and cancel %s?",
		    n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
		ui_confirm_reset(ui);
		ui_confirm_start(ui, UI_CONFIRM_QUIT, text);
		ui_dirty(ui);
		return;
	}
	ui->quitting = true;
	/* The core cancels what runs, closes its handles, then reports CLIENT_CLOSED. */
	client_close(ui->client);
	if (client_state(ui->client) == CLIENT_CLOSED)
		close_handles(ui);
}

/* The pane under screen cell (y, x), or -1. */
static int
pane_at(const struct ui *ui, int y, int x)
{
	int	i;

	for (i = 0; i < UI_PANE_COUNT; i++) {
		const struct ui_rect *r = &ui->r[i];

		if (y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
			return i;
	}
	return -1;
}

unsigned
ui_pane_ctx(enum ui_pane p)
{
	return panes[p].ctx;
}

static void
mouse(struct ui *ui)
{
	MEVENT	ev;
	int	p;

	if (getmouse(&ev) != OK || ui->too_small || ui->mode != UI_MODE_PANES ||
	    ui->noffers > 0)
		return;
	if ((p = pane_at(ui, ev.y, ev.x)) < 0)
		return;
	/* The wheel scrolls the pane under the pointer without focusing it. */
	if (ev.bstate & BUTTON4_PRESSED)
		panes[p].key(ui, UI_ACT_UP);
	else if (ev.bstate & BUTTON5_PRESSED)
		panes[p].key(ui, UI_ACT_DOWN);
	else if (ev.bstate & BUTTON1_PRESSED) {
		ui->focus = (enum ui_pane)p;
		panes[p].click(ui, ev.y - ui->r[p].y - 1);
	}
}

/* Reads the new size from the terminal and lets curses adopt it. */
static void
resize(struct ui *ui)
{
	struct winsize	ws;

	if (!ui->curses_on)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	ui_dirty(ui);
}

static void
key(struct ui *ui, int k)
{
	enum ui_action	a;
	unsigned	ctx;
	int		i;

	ui_dirty(ui);
	/* curses queues KEY_RESIZE after resizeterm (see resize): the size is already in. */
	if (k == UI_FKEY(KEY_RESIZE))
		return;
	if (k == UI_FKEY(KEY_MOUSE)) {
		mouse(ui);
		return;
	}
	if (ui->quitting)
		return;
	if (ui->mode == UI_MODE_FILTER) {
		ui_files_filter_key(ui, k);
		return;
	}
	if (ui->mode == UI_MODE_CONFIRM) {
		ui_confirm_key(ui, k);
		return;
	}
	/* Whatever owns the keyboard: the help, the size warning, an offer, or the focused pane. */
	if (ui->mode == UI_MODE_HELP)
		ctx = UI_CTX_HELP;
	else if (ui->mode == UI_MODE_DETAIL && ui->noffers == 0)
		ctx = UI_CTX_DETAIL;
	else {
		/* Any key clears a message: the hints come back. */
		ui->msg_until_ms = 0;
		ctx = !ui->too_small && ui->noffers > 0 ? UI_CTX_OFFER :
		    panes[ui->focus].ctx;
	}
	a = ui_key_action(k, ctx);
	if (a == UI_ACT_REDRAW) {
		clearok(curscr, TRUE);
		return;
	}
	if (ui->mode == UI_MODE_HELP) {
		ui_help_key(ui, a);
		return;
	}
	if (ctx == UI_CTX_DETAIL) {
		ui_detail_key(ui, a);
		return;
	}
	/* Nothing is drawn but the size warning: only quit (and redraw) make sense. */
	if (ui->too_small) {
		if (a == UI_ACT_QUIT)
			ui_quit(ui, false);
		return;
	}
	if (ui->noffers > 0) {
		if (a == UI_ACT_HELP)
			ui->mode = UI_MODE_HELP;
		else
			ui_offer_key(ui, a);
		return;
	}
	for (i = 0; i < UI_PANE_COUNT; i++) {
		if (a == panes[i].focus) {
			ui->focus = (enum ui_pane)i;
			return;
		}
	}
	switch (a) {
	case UI_ACT_NEXT_PANE:
		ui->focus = (ui->focus + 1) % UI_PANE_COUNT;
		break;
	case UI_ACT_PREV_PANE:
		ui->focus = (ui->focus + UI_PANE_COUNT - 1) % UI_PANE_COUNT;
		break;
	case UI_ACT_HELP:
		ui->mode = UI_MODE_HELP;
		ui->help_top = 0;
		break;
	case UI_ACT_QUIT:
		ui_quit(ui, false);
		break;
	case UI_ACT_SEND:
		ui_files_send(ui);
		break;
	case UI_ACT_CANCEL:
		ui_xfers_key(ui, UI_ACT_CANCEL);
		break;
	case UI_ACT_NONE:
		break;
	default:
		panes[ui->focus].key(ui, a);
		break;
	}
}

static void
input_cb(uv_poll_t *p, int status, int events)
{
	struct ui	*ui = p->data;
	wint_t		 wch;
	int		 r, n = 0;

	if (status < 0 || (events & UV_DISCONNECT)) {
		/* The terminal went away: nobody can answer a question now. */
		uv_poll_stop(p);
		ui_quit(ui, true);
		return;
	}
	while (ui->curses_on && (r = wget_wch(stdscr, &wch)) != ERR) {
		key(ui, r == KEY_CODE_YES ? UI_FKEY((int)wch) : (int)wch);
		n++;
	}
	/*
	 * Readable but never a key, again and again: the terminal is gone (EOF
	 * or EIO without a SIGHUP). Stop polling rather than spin.
	 */
	ui->empty_wakeups = n == 0 ? ui->empty_wakeups + 1 : 0;
	if (ui->empty_wakeups >= 100) {
		uv_poll_stop(p);
		ui_quit(ui, true);
	}
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct ui	*ui = s->data;

	if (signum == SIGWINCH) {
		resize(ui);
		return;
	}
	/* SIGINT, SIGTERM, SIGHUP: leave now; the core cancels running transfers. */
	ui_quit(ui, true);
}

static void
tick_cb(uv_timer_t *t)
{
	struct ui	*ui = t->data;
	uint64_t	 now = uv_now(ui->loop);

	if (ui->msg_until_ms != 0 && now >= ui->msg_until_ms) {
		ui->msg_until_ms = 0;
		ui_dirty(ui);
	}
	/* The reconnect countdown and running transfers change every second. */
	if (ui->cstate == CLIENT_DISCONNECTED && ui->retry_at_ms != 0)
		ui_dirty(ui);
}

/* client_ops: these only record state and ask for a frame; nothing draws here. */
static void
on_state(struct client *c, enum client_state state, const char *reason,
    unsigned retry_in, void *arg)
{
	struct ui	*ui = arg;

	(void)c;
	ui->cstate = state;
	snprintf(ui->creason, sizeof ui->creason, "%s", reason != NULL ? reason : "");
	ui->retry_at_ms = retry_in > 0 ? uv_now(ui->loop) + retry_in * 1000ULL : 0;
	if (state == CLIENT_CLOSED) {
		close_handles(ui);
		return;
	}
	ui_peers_update(ui);
	ui_dirty(ui);
}

static void
on_peers(struct client *c, void *arg)
{
	(void)c;
	ui_peers_update(arg);
}

static void
on_incoming(struct client *c, const struct client_transfer *t, void *arg)
{
	struct ui	*ui = arg;

	(void)c;
	if (ui->quitting)
		return;
	/* A pending y/n question would take the y meant for the offer: drop it. */
	if (ui->mode == UI_MODE_CONFIRM) {
		ui_confirm_reset(ui);
		ui_message(ui, UI_C_WARN, "an offer came in: ask again after answering it");
	} else if (ui->mode == UI_MODE_FILTER)
		ui->mode = UI_MODE_PANES;
	ui_offer_push(ui, t->id);
	ui_peers_update(ui);
}

static void
on_transfer(struct client *c, const struct client_transfer *t, void *arg)
{
	struct ui	*ui = arg;
	char		 name[128];

	(void)c;
	if (t->state != CLIENT_TRANSFER_WAITING)
		ui_offer_drop(ui, t->id);
	if (CLIENT_TRANSFER_ENDED(t->state) && !ui->quitting) {
		ui_xfer_name(t, 40, name, sizeof name);
		if (t->state == CLIENT_TRANSFER_DONE && t->dir == CLIENT_RECEIVE) {
			ui_message(ui, UI_C_OK, "received %s from %s", name, t->peer_name);
			/* New files may have landed in the folder on screen. */
			if (strcmp(ui->picker.dir, ui->recv_dir) == 0)
				ui_picker_reload(&ui->picker);
		} else if (t->state == CLIENT_TRANSFER_DONE)
			ui_message(ui, UI_C_OK, "%s delivered to %s and verified", name,
			    t->peer_name);
		else if (t->state == CLIENT_TRANSFER_DECLINED && t->dir == CLIENT_SEND)
			ui_message(ui, UI_C_WARN, "%s declined %s", t->peer_name, name);
		else if (t->dir == CLIENT_RECEIVE && t->started_ms == 0)
			ui->prune = true;	/* never accepted: its row may go */
		else
			/* Nothing said before ("waiting for bob...") may stay up. */
			ui_message(ui, t->state == CLIENT_TRANSFER_FAILED ?
			    UI_C_ERROR : UI_C_WARN, "%s %s: %s%s", name,
			    t->state == CLIENT_TRANSFER_FAILED ? "failed" :
			    t->state == CLIENT_TRANSFER_CANCELLED ? "cancelled" :
			    "declined", t->reason, t->broken &&
			    t->dir == CLIENT_SEND ? " (r on it in Transfers sends it "
			    "again)" : "");
	}
	ui_peers_update(ui);
}

static void
on_message(struct client *c, const char *line, void *arg)
{
	(void)c;
	ui_message(arg, UI_C_NORMAL, "%s", line);
}

static void
draw_too_small(void)
{
	char	line[64];
	int	y = LINES / 2 - 1;

	snprintf(line, sizeof line, "need %dx%d, have %dx%d", UI_MIN_COLS,
	    UI_MIN_ROWS, COLS, LINES);
	if (y < 0)
		y = 0;
	ui_put(y, (COLS - 18) / 2 > 0 ? (COLS - 18) / 2 : 0, COLS, "terminal too small",
	    ui_theme_attr(UI_C_ERROR));
	if (y + 1 < LINES)
		ui_put(y + 1, (COLS - ui_text_width(line)) / 2 > 0 ?
		    (COLS - ui_text_width(line)) / 2 : 0, COLS, line,
		    ui_theme_attr(UI_C_DIM));
	if (y + 2 < LINES)
		ui_put(y + 2, (COLS - 8) / 2 > 0 ? (COLS - 8) / 2 : 0, COLS, "q quits",
		    ui_theme_attr(UI_C_DIM));
}

/* Splits the screen: header, Peers | Files, Transfers, footer. */
static void
layout(struct ui *ui)
{
	int	avail = LINES - 2, xh, top, pw;

	xh = avail / 3;
	if (xh < 6)
		xh = 6;
	top = avail - xh;
	pw = COLS * 3 / 10;
	if (pw < 26)
		pw = 26;
	if (pw > 40)
		pw = 40;
	ui->r[UI_PANE_PEERS] = (struct ui_rect){ 1, 0, top, pw };
	ui->r[UI_PANE_FILES] = (struct ui_rect){ 1, pw, top, COLS - pw };
	ui->r[UI_PANE_XFERS] = (struct ui_rect){ 1 + top, 0, xh, COLS };
}

static void
draw(struct ui *ui)
{
	int	i;

	erase();
	ui->too_small = COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS;
	if (ui->too_small) {
		memset(ui->r, 0, sizeof ui->r);
		draw_too_small();
		refresh();
		return;
	}
	layout(ui);
	/* Behind a dialog the panes fade, so the question stands out. */
	ui_widget_set_dim(ui->mode == UI_MODE_HELP ||
	    ui->mode == UI_MODE_DETAIL || ui->noffers > 0);
	ui_header_draw(ui);
	for (i = 0; i < UI_PANE_COUNT; i++)
		panes[i].draw(ui, &ui->r[i], ui->focus == (enum ui_pane)i);
	ui_widget_set_dim(false);
	ui_footer_draw(ui);
	if (ui->mode == UI_MODE_HELP)
		ui_help_draw(ui);
	else if (ui->noffers > 0)
		ui_offer_draw(ui);
	else if (ui->mode == UI_MODE_DETAIL)
		ui_detail_draw(ui);
	refresh();
}

static void
free_ui(struct ui *ui)
{
	ui_confirm_reset(ui);
	ui_picker_free(&ui->picker);
	free(ui->peers);
	free(ui->offers);
	free(ui);
}

int
ui_main(uv_loop_t *loop, const struct client_options *copts,
    const struct ui_options *uopts, char *err, size_t errlen)
{
	static const struct client_ops	ops = {
		.on_state = on_state,
		.on_peers = on_peers,
		.on_incoming = on_incoming,
		.on_transfer = on_transfer,
		.on_message = on_message,
	};
	static bool			registered;
	struct client_options		co = *copts;
	struct ui			*ui;
	const char			*cs;
	int				 r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the full-screen client needs a terminal; "
		    "use `ferry peers`, `ferry send` or `ferry receive` in scripts");
		return UV_ENOTTY;
	}
	setlocale(LC_ALL, "");
	if ((ui = calloc(1, sizeof *ui)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return UV_ENOMEM;
	}
	ui->loop = loop;
	cs = nl_langinfo(CODESET);
	ui->ascii = cs == NULL || strcmp(cs, "UTF-8") != 0;
	ui_widget_set_ascii(ui->ascii);
	co.reconnect = true;
	if ((r = client_new(loop, &co, &ops, ui, &ui->client, err, errlen)) != 0) {
		free(ui);
		return r;
	}
	if (realpath(client_dir(ui->client), ui->recv_dir) == NULL)
		snprintf(ui->recv_dir, sizeof ui->recv_dir, "%s", client_dir(ui->client));
	/* A picker folder that cannot be read is shown in the pane, not fatal. */
	ui_picker_init(&ui->picker, uopts != NULL ? uopts->start_dir : NULL);
	ui->focus = UI_PANE_FILES;

	/*
	 * Signals go to libuv before curses starts, so curses leaves them alone
	 * and every one of them ends in the same place: ui_quit or resize.
	 */
	uv_poll_init(loop, &ui->input, STDIN_FILENO);
	uv_signal_init(loop, &ui->sigwinch);
	uv_signal_init(loop, &ui->sigint);
	uv_signal_init(loop, &ui->sigterm);
	uv_signal_init(loop, &ui->sighup);
	uv_timer_init(loop, &ui->frame);
	uv_timer_init(loop, &ui->tick);
	ui->input.data = ui->sigwinch.data = ui->sigint.data = ui;
	ui->sigterm.data = ui->sighup.data = ui->frame.data = ui->tick.data = ui;
	uv_signal_start(&ui->sigwinch, signal_cb, SIGWINCH);
	uv_signal_start(&ui->sigint, signal_cb, SIGINT);
	uv_signal_start(&ui->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&ui->sighup, signal_cb, SIGHUP);

	active_ui = ui;
	if (!registered) {
		atexit(atexit_cb);
		registered = true;
	}
	if (curses_start(ui, uopts != NULL && uopts->mono, err, errlen) != 0) {
		r = UV_ENOTTY;
		goto fail;
	}
	if ((r = client_start(ui->client)) != 0)
		ui_message(ui, UI_C_ERROR, "cannot start: %s", uv_strerror(r));
	uv_poll_start(&ui->input, UV_READABLE | UV_DISCONNECT, input_cb);
	uv_timer_start(&ui->tick, tick_cb, 1000, 1000);
	ui_dirty(ui);
	uv_run(loop, UV_RUN_DEFAULT);

	curses_stop(ui);
	active_ui = NULL;
	client_free(ui->client);
	free_ui(ui);
	return 0;

fail:
	/* Nothing ran yet: close what we opened, let the loop reap it, free. */
	ui->quitting = true;
	client_close(ui->client);
	close_handles(ui);
	uv_run(loop, UV_RUN_DEFAULT);
	active_ui = NULL;
	client_free(ui->client);
	free_ui(ui);
	return r;
}
