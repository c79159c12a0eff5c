/*
 * pane_transfers.c: the Transfers pane: one row per transfer with its
 * direction, peer, file name (or "3 files"), a progress bar, percent,
 * bytes, rate and ETA while it runs, and its end state once it is over.
 * The rows are the core's transfers, read in place; nothing is copied.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fmt.h"
#include "text.h"
#include "widget.h"

/* Widths of the fixed columns of a running transfer. */
#define PCT_COLS	4	/* "100%" */
#define PROG_COLS	17	/* "512.0 KiB/1.0 GiB" */
#define RATE_COLS	11	/* "999.9 MiB/s" */
#define ETA_COLS	7	/* "1:02:03" */

#define MAX_ROWS	4096	/* transfers shown; older finished ones beyond are rare */
#define UI_UNANSWERED_KEEP 8	/* rows kept of offers that ended unaccepted */

/* The core's transfers in order, as collect() last saw them (read in place, not copied). */
static const struct client_transfer	*rows[MAX_ROWS];

/* Fills rows[] and finds the selected transfer again (kept by id); returns how many. */
static size_t
collect(struct ui *ui)
{
	const struct client_transfer	*t = NULL;
	size_t				 n = 0, i;

	while ((t = client_transfer_next(ui->client, t)) != NULL && n < MAX_ROWS)
		rows[n++] = t;
	for (i = 0; i < n; i++) {
		if (rows[i]->id == ui->xfer_sel_id) {
			ui->xfer_sel = i;
			break;
		}
	}
	if (i == n) {
		if (ui->xfer_sel >= n)
			ui->xfer_sel = n > 0 ? n - 1 : 0;
		ui->xfer_sel_id = n > 0 ? rows[ui->xfer_sel]->id : 0;
	}
	return n;
}

/* The selected transfer, or NULL. */
static const struct client_transfer *
selected(struct ui *ui)
{
	return collect(ui) > 0 ? rows[ui->xfer_sel] : NULL;
}

void
ui_xfer_name(const struct client_transfer *t, int cols, char *buf, size_t len)
{
	size_t	files = t->nfiles - t->nfolders;
	char	one[PATH_MAX];

	if (t->nfiles == 1)
		ui_text_fit(t->files[0].name, cols, buf, len);
	else if (t->nfiles == 0)	/* an offer that ended before its list */
		snprintf(buf, len, "an offer");
	else if (t->ntop == 1 && t->files[0].dir) {
		/* One folder: "photos/ (40 files)". */
		snprintf(one, sizeof one, "%s/ (%zu file%s)", t->files[0].name,
		    files, files == 1 ? "" : "s");
		ui_text_fit(one, cols, buf, len);
	} else if (t->nfolders > 0)
		snprintf(buf, len, "%zu files in %zu folders", files, t->nfolders);
	else
		snprintf(buf, len, "%zu files", t->nfiles);
}

/* The words for a transfer that is not streaming bytes right now. */
static void
state_text(const struct client_transfer *t, char *buf, size_t len, enum ui_color *c)
{
	char	size[PROTO_SIZE_LEN], kept[PROTO_SIZE_LEN], rate[32], took[16];
	double	secs;
	size_t	n;

	*c = UI_C_DIM;
	switch (t->state) {
	case CLIENT_TRANSFER_OFFERING:
		snprintf(buf, len, "preparing the offer...");
		break;
	case CLIENT_TRANSFER_WAITING:
		if (t->dir == CLIENT_SEND && t->auth_code[0] != '\0' &&
		    t->trust != CLIENT_TRUST_VERIFIED) {
			snprintf(buf, len, "waiting for %s to accept \xc2\xb7 "
			    "code %s (v: same)", t->peer_name, t->auth_code);
			*c = UI_C_PROMPT;
		} else if (t->dir == CLIENT_SEND)
			snprintf(buf, len, "waiting for %s to accept...", t->peer_name);
		else {
			snprintf(buf, len, "offered to you: y accept, n decline");
			*c = UI_C_PROMPT;
		}
		break;
	case CLIENT_TRANSFER_ACCEPTED:
		snprintf(buf, len, "accepted, connecting...");
		break;
	case CLIENT_TRANSFER_DONE:
		proto_fmt_size(t->bytes_total, size, sizeof size);
		secs = t->ended_ms > t->started_ms && t->started_ms > 0 ?
		    (double)(t->ended_ms - t->started_ms) / 1000.0 : 0;
		if (secs > 0) {
			proto_fmt_duration(secs, took, sizeof took);
			/* What was kept from before did not move: not in the rate. */
			ui_fmt_rate(rate, sizeof rate, (double)(t->bytes_total -
			    t->bytes_resumed) / secs);
			snprintf(buf, len, "done %s verified  %s in %s, %s",
			    ui_glyph("\xe2\x9c\x93", "+"), size, took, rate);
			if (t->bytes_resumed > 0) {
				n = strlen(buf);
				proto_fmt_size(t->bytes_resumed, kept, sizeof kept);
				snprintf(buf + n, len - n, ", %s resumed", kept);
			}
		} else
			snprintf(buf, len, "done %s verified  %s",
			    ui_glyph("\xe2\x9c\x93", "+"), size);
		/* A name that existed already was saved under another one: say which. */
		if (t->dir == CLIENT_RECEIVE && t->nfiles == 1 && t->files[0].saved_as != NULL &&
		    strcmp(t->files[0].saved_as, t->files[0].name) != 0) {
			n = strlen(buf);
			snprintf(buf + n, len - n, ", saved as %s", t->files[0].saved_as);
		}
		*c = UI_C_OK;
		break;
	case CLIENT_TRANSFER_DECLINED:
		snprintf(buf, len, "declined%s%s", t->reason[0] ? ": " : "", t->reason);
		*c = UI_C_WARN;
		break;
	case CLIENT_TRANSFER_CANCELLED:
		snprintf(buf, len, "cancelled%s%s", t->reason[0] ? ": " : "", t->reason);
		*c = UI_C_WARN;
		break;
	case CLIENT_TRANSFER_FAILED:
		snprintf(buf, len, "failed%s%s", t->reason[0] ? ": " : "", t->reason);
		*c = UI_C_ERROR;
		break;
	default:
		snprintf(buf, len, "%s", client_transfer_state_name(t->state));
		break;
	}
}

/* One transfer on row y, inside columns [x, x+w). */
static void
draw_row(struct ui *ui, const struct client_transfer *t, int y, int x, int w,
    attr_t sel)
{
	char		 name[512], buf[1024], prog[48], rate[32], eta[16];
	enum ui_color	 c;
	attr_t		 a;
	double		 frac;
	int		 peerw, namew, barw, rest, cx;

	(void)ui;
	a = sel;
	ui_fill(y, x, w, a);
	if (t->dir == CLIENT_SEND)
		ui_put(y, x + 1, 1, ui_glyph("\xe2\x86\x91", "^"),
		    a != A_NORMAL ? a : ui_theme_attr(UI_C_SEND));
	else
		ui_put(y, x + 1, 1, ui_glyph("\xe2\x86\x93", "v"),
		    a != A_NORMAL ? a : ui_theme_attr(UI_C_RECV));

	/* Fixed columns on the right; peer, name and bar share the rest. */
	rest = PCT_COLS + 1 + PROG_COLS + 1 + RATE_COLS + 1 + ETA_COLS;
	peerw = w >= 96 ? 14 : 10;
	namew = (w - 3 - peerw - 1 - rest - 2) / 2;
	if (namew < 10)
		namew = 10;
	barw = w - 3 - peerw - 1 - namew - 1 - rest - 1;
	if (barw < 4)
		barw = 4;

	cx = x + 3;
	ui_put(y, cx, peerw, t->peer_name, a != A_NORMAL ? a : A_BOLD);
	cx += peerw + 1;
	if (t->nfiles - t->nfolders > 1 && t->current < t->nfiles &&
	    t->current_no > 0 && (t->state == CLIENT_TRANSFER_TRANSFERRING ||
	    t->state == CLIENT_TRANSFER_VERIFYING)) {
		/* Which file is on its way: "file 2/5 photo.jpg". */
		snprintf(buf, sizeof buf, "file %zu/%zu %s", t->current_no,
		    t->nfiles - t->nfolders, t->files[t->current].name);
		ui_text_fit(buf, namew, name, sizeof name);
	} else
		ui_xfer_name(t, namew, name, sizeof name);
	ui_put(y, cx, namew, name, a);
	cx += namew + 1;

	if (t->state != CLIENT_TRANSFER_TRANSFERRING &&
	    t->state != CLIENT_TRANSFER_VERIFYING) {
		state_text(t, buf, sizeof buf, &c);
		ui_put(y, cx, x + w - 1 - cx, buf, a != A_NORMAL ? a : ui_theme_attr(c));
		return;
	}
	frac = t->bytes_total > 0 ? (double)t->bytes_done / (double)t->bytes_total : 1;
	if (t->state == CLIENT_TRANSFER_VERIFYING)
		frac = 1;
	ui_bar(y, cx, barw, frac, ui_theme_attr(UI_C_BAR), ui_theme_attr(UI_C_BAR_TRACK));
	cx += barw + 1;
	snprintf(buf, sizeof buf, "%d%%", (int)(frac * 100));
	ui_put_right(y, cx + PCT_COLS, PCT_COLS, buf, a != A_NORMAL ? a : A_BOLD);
	cx += PCT_COLS + 1;
	if (t->state == CLIENT_TRANSFER_VERIFYING) {
		ui_put(y, cx, x + w - 1 - cx, "verifying...", a != A_NORMAL ? a :
		    ui_theme_attr(UI_C_DIM));
		return;
	}
	ui_fmt_progress(prog, sizeof prog, t->bytes_done, t->bytes_total);
	ui_put_right(y, cx + PROG_COLS, PROG_COLS, prog, a);
	cx += PROG_COLS + 1;
	/* No rate measured yet reads "-", like an unknown one. */
	ui_fmt_rate(rate, sizeof rate, t->rate > 0 ? t->rate : -1);
	ui_put_right(y, cx + RATE_COLS, RATE_COLS, rate, a);
	cx += RATE_COLS + 1;
	proto_fmt_duration(t->rate > 0 ? t->eta : -1, eta, sizeof eta);
	ui_put_right(y, cx + ETA_COLS, ETA_COLS, eta, a != A_NORMAL ? a :
	    ui_theme_attr(UI_C_DIM));
}

void
ui_xfers_draw(struct ui *ui, const struct ui_rect *r, bool focused)
{
	char	title[64], foot[32];
	size_t	n, shown, i, active = 0;
	int	y;

	n = collect(ui);
	for (i = 0; i < n; i++)
		active += !CLIENT_TRANSFER_ENDED(rows[i]->state);
	if (active > 0)
		snprintf(title, sizeof title, "Transfers %zu, %zu active", n, active);
	else
		snprintf(title, sizeof title, "Transfers %zu", n);
	shown = (size_t)(r->h - 2);
	foot[0] = '\0';
	if (n > shown)
		snprintf(foot, sizeof foot, "%zu of %zu", ui->xfer_sel + 1, n);
	ui_box(r, ui_theme_attr(focused ? UI_C_BORDER_FOCUS : UI_C_BORDER),
	    title, ui_theme_attr(focused ? UI_C_TITLE_FOCUS : UI_C_TITLE), foot);
	if (n == 0) {
		ui_put(r->y + 1, r->x + 2, r->w - 4,
		    "No transfers yet. Pick a peer, mark files with Space, press s.",
		    ui_theme_attr(UI_C_DIM));
		return;
	}
	ui_scroll_fix(&ui->xfer_top, ui->xfer_sel, n, shown);
	for (i = ui->xfer_top; i < n && i < ui->xfer_top + shown; i++) {
		y = r->y + 1 + (int)(i - ui->xfer_top);
		draw_row(ui, rows[i], y, r->x + 1, r->w - 2, i == ui->xfer_sel ?
		    ui_theme_attr(focused ? UI_C_CURSOR : UI_C_CURSOR_IDLE) : A_NORMAL);
	}
}

/* Forgets every ended transfer; ids are collected first so the list is not changed while walked. */
static void
clear_finished(struct ui *ui)
{
	static uint64_t	ids[MAX_ROWS];
	size_t		n, i, k = 0;

	n = collect(ui);
	for (i = 0; i < n; i++) {
		if (CLIENT_TRANSFER_ENDED(rows[i]->state))
			ids[k++] = rows[i]->id;
	}
	for (i = 0; i < k; i++)
		client_transfer_forget(ui->client, ids[i]);
	if (k == 0)
		ui_message(ui, UI_C_NORMAL, "nothing to clear: no transfer has finished");
	ui->xfer_top = 0;
	ui_peers_update(ui);
}

void
ui_xfers_prune(struct ui *ui)
{
	static uint64_t			 ids[MAX_ROWS];
	const struct client_transfer	*t = NULL;
	size_t				 k = 0, i;

	ui->prune = false;
	/* Oldest first: all but the newest UI_UNANSWERED_KEEP go. */
	while ((t = client_transfer_next(ui->client, t)) != NULL && k < MAX_ROWS) {
		if (t->dir == CLIENT_RECEIVE && CLIENT_TRANSFER_ENDED(t->state) &&
		    t->state != CLIENT_TRANSFER_DONE && t->started_ms == 0)
			ids[k++] = t->id;
	}
	for (i = 0; i + UI_UNANSWERED_KEEP < k; i++)
		client_transfer_forget(ui->client, ids[i]);
}

/* Asks before cancelling the selected transfer. */
static void
cancel_selected(struct ui *ui)
{
	const struct client_transfer	*t = selected(ui);
	char				 name[128], text[512];

	if (t == NULL) {
		ui_message(ui, UI_C_WARN, "no transfer to cancel");
		return;
	}
	if (CLIENT_TRANSFER_ENDED(t->state)) {
		ui_message(ui, UI_C_WARN, "that transfer is over already (c clears it)");
		return;
	}
	ui_xfer_name(t, 40, name, sizeof name);
	snprintf(text, sizeof text, "Cancel %s %s %s %s?", t->dir == CLIENT_SEND ?
	    "sending" : "receiving", name, t->dir == CLIENT_SEND ? "to" : "from",
	    t->peer_name);
	ui_confirm_start(ui, UI_CONFIRM_CANCEL, text);
	ui->confirm_xfer = t->id;
}

/* Offers a failed send's files again to the same peer: what it kept resumes. */
static void
retry_selected(struct ui *ui)
{
	const struct client_transfer	*t = selected(ui);
	const char			**paths;
	char				 name[128], err[512];
	uint64_t			 id = 0;
	size_t				 i, n = 0;
	int				 r;

	if (t == NULL || t->dir != CLIENT_SEND ||
	    t->state != CLIENT_TRANSFER_FAILED) {
		ui_message(ui, UI_C_WARN, "only a failed send can be sent again");
		return;
	}
	if ((paths = calloc(t->nfiles, sizeof *paths)) == NULL) {
		ui_message(ui, UI_C_ERROR, "out of memory");
		return;
	}
	/* What was offered: the top-level entries (a folder brings its tree again). */
	for (i = 0; i < t->nfiles; i++)
		if (strchr(t->files[i].name, '/') == NULL && t->files[i].path != NULL)
			paths[n++] = t->files[i].path;
	ui_xfer_name(t, 40, name, sizeof name);
	err[0] = '\0';
	r = client_offer(ui->client, t->peer_name, paths, n, &id, err, sizeof err);
	free(paths);
	if (r != 0) {
		ui_message(ui, UI_C_ERROR, "could not send %s again: %s", name,
		    err[0] != '\0' ? err : uv_strerror(r));
		return;
	}
	ui_message(ui, UI_C_NORMAL, "sending %s to %s again: it goes on from "
	    "what %s kept", name, t->peer_name, t->peer_name);
	ui->xfer_sel_id = id;
}

int
ui_xfers_key(struct ui *ui, enum ui_action a)
{
	size_t	n = collect(ui);
	long	page = ui->r[UI_PANE_XFERS].h - 2;

	if (page < 1)
		page = 1;
	switch (a) {
	case UI_ACT_UP:
		ui->xfer_sel = ui_sel_move(ui->xfer_sel, -1, n);
		break;
	case UI_ACT_DOWN:
		ui->xfer_sel = ui_sel_move(ui->xfer_sel, 1, n);
		break;
	case UI_ACT_PGUP:
		ui->xfer_sel = ui_sel_move(ui->xfer_sel, -page, n);
		break;
	case UI_ACT_PGDN:
		ui->xfer_sel = ui_sel_move(ui->xfer_sel, page, n);
		break;
	case UI_ACT_HOME:
		ui->xfer_sel = 0;
		break;
	case UI_ACT_END:
		ui->xfer_sel = n > 0 ? n - 1 : 0;
		break;
	case UI_ACT_CANCEL:
		cancel_selected(ui);
		return UI_KEY_HANDLED;
	case UI_ACT_CLEAR:
		clear_finished(ui);
		return UI_KEY_HANDLED;
	case UI_ACT_RETRY:
		retry_selected(ui);
		return UI_KEY_HANDLED;
	case UI_ACT_VERIFY:
		ui_verify(ui, selected(ui));
		return UI_KEY_HANDLED;
	case UI_ACT_OPEN:
		if (selected(ui) == NULL)
			ui_message(ui, UI_C_WARN, "no transfer selected");
		else
			ui_detail_open(ui, selected(ui));
		return UI_KEY_HANDLED;
	default:
		return UI_KEY_IGNORED;
	}
	if (n > 0)
		ui->xfer_sel_id = rows[ui->xfer_sel]->id;
	return UI_KEY_HANDLED;
}

void
ui_xfers_click(struct ui *ui, int row)
{
	size_t	n = collect(ui);
	size_t	i = ui->xfer_top + (size_t)row;

	if (row < 0 || i >= n)
		return;
	ui->xfer_sel = i;
	ui->xfer_sel_id = rows[i]->id;
}
