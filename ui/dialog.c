/*
 * dialog.c: what is drawn over the panes: the incoming-offer dialog (with
 * its queue), the help overlay generated from the key table, and the
 * one-line confirms in the status line (send, cancel, quit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fmt.h"
#include "text.h"
#include "widget.h"

void
ui_offer_push(struct ui *ui, uint64_t id)
{
	uint64_t	*o;
	size_t		 i;

	for (i = 0; i < ui->noffers; i++) {
		if (ui->offers[i] == id)
			return;
	}
	if ((o = realloc(ui->offers, (ui->noffers + 1) * sizeof *o)) == NULL) {
		/* Without room to queue it, it still shows in Transfers; say so. */
		ui_message(ui, UI_C_ERROR, "out of memory: answer the offer in Transfers");
		return;
	}
	ui->offers = o;
	ui->offers[ui->noffers++] = id;
	ui_dirty(ui);
}

void
ui_offer_drop(struct ui *ui, uint64_t id)
{
	size_t	i;

	for (i = 0; i < ui->noffers; i++) {
		if (ui->offers[i] == id) {
			memmove(&ui->offers[i], &ui->offers[i + 1],
			    (ui->noffers - i - 1) * sizeof *ui->offers);
			ui->noffers--;
			ui_dirty(ui);
			return;
		}
	}
}

/* A centred rectangle of w x h inside the screen. */
static struct ui_rect
centered(int w, int h)
{
	struct ui_rect	r;

	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	r.w = w;
	r.h = h;
	r.x = (COLS - w) / 2;
	r.y = (LINES - h) / 2;
	return r;
}

void
ui_offer_draw(struct ui *ui)
{
	const struct client_transfer	*t;
	struct ui_rect			 r;
	char				 title[64], line[PATH_MAX + 64], size[PROTO_SIZE_LEN];
	char				 dir[PATH_MAX];
	size_t				 shown, i, maxfiles;
	int				 w, h, x, y, iw, bx;

	if (ui->noffers == 0)
		return;
	t = client_transfer_find(ui->client, ui->offers[0]);
	if (t == NULL)
		return;
	w = COLS - 8 < 76 ? COLS - 8 : 76;
	maxfiles = LINES > 18 ? (size_t)(LINES - 16) : 2;
	if (maxfiles > 10)
		maxfiles = 10;
	shown = t->nfiles <= maxfiles ? t->nfiles : maxfiles - 1;
	h = 14 + (int)shown + (shown < t->nfiles ? 1 : 0);
	r = centered(w, h);
	ui_clear_rect(&r);
	if (ui->noffers > 1)
		snprintf(title, sizeof title, "Incoming files (1 of %zu)", ui->noffers);
	else
		snprintf(title, sizeof title, "Incoming files");
	ui_box(&r, ui_theme_attr(UI_C_DIALOG_BORDER), title,
	    ui_theme_attr(UI_C_DIALOG_BORDER), NULL);

	x = r.x + 3;
	iw = r.w - 6;
	y = r.y + 2;
	/* "alice (127.0.0.1:50312) wants to send you 3 files:" */
	bx = x + ui_put(y, x, iw, t->peer_name, A_BOLD);
	if (t->peer_addr[0] != '\0') {
		snprintf(line, sizeof line, " (%s)", t->peer_addr);
		bx += ui_put(y, bx, x + iw - bx, line, ui_theme_attr(UI_C_DIM));
	}
	if (t->nfiles == 1)
		snprintf(line, sizeof line, " wants to send you a file:");
	else if (t->nfolders > 0)
		snprintf(line, sizeof line, " wants to send you %zu files in %zu "
		    "folder%s:", t->nfiles - t->nfolders, t->nfolders,
		    t->nfolders == 1 ? "" : "s");
	else
		snprintf(line, sizeof line, " wants to send you %zu files:", t->nfiles);
	ui_put(y, bx, x + iw - bx, line, A_NORMAL);
	y += 2;
	/* Who it is: the session's code to compare, unless the key is verified. */
	if (t->trust == CLIENT_TRUST_VERIFIED)
		snprintf(line, sizeof line, "%s's key %s is verified", t->peer_name,
		    t->peer_fpr);
	else
		snprintf(line, sizeof line, "%s code %s: compare with %s, "
		    "v if it matches", t->trust == CLIENT_TRUST_UNKNOWN ?
		    "First contact," : "Unverified,", t->auth_code, t->peer_name);
	ui_put(y, x, iw, line, ui_theme_attr(t->trust == CLIENT_TRUST_VERIFIED ?
	    UI_C_OK : UI_C_PROMPT));
	y += 2;

	for (i = 0; i < shown; i++, y++) {
		if (t->files[i].dir) {
			snprintf(line, sizeof line, "%s/", t->files[i].name);
			ui_put(y, x + 2, iw - 2 - 12, line, A_BOLD);
			ui_put_right(y, x + iw, 11, "folder", ui_theme_attr(UI_C_DIM));
			continue;
		}
		ui_put(y, x + 2, iw - 2 - 12, t->files[i].name, A_NORMAL);
		proto_fmt_size(t->files[i].size, size, sizeof size);
		ui_put_right(y, x + iw, 11, size, ui_theme_attr(UI_C_DIM));
	}
	if (shown < t->nfiles) {
		snprintf(line, sizeof line, "... and %zu more", t->nfiles - shown);
		ui_put(y++, x + 2, iw - 2, line, ui_theme_attr(UI_C_DIM));
	}
	ui_rule(y++, x + 2, iw - 2, ui_theme_attr(UI_C_BORDER));
	ui_put(y, x + 2, 10, "Total", A_BOLD);
	proto_fmt_size(t->bytes_total, size, sizeof size);
	ui_put_right(y, x + iw, 11, size, A_BOLD);
	y += 2;
	ui_put(y, x, 9, "Save to", ui_theme_attr(UI_C_DIM));
	ui_fmt_home(dir, sizeof dir, ui->recv_dir, getenv("HOME"));
	ui_text_fit_left(dir, iw - 9, line, sizeof line);
	ui_put(y, x + 9, iw - 9, line, A_BOLD);
	y += 2;

	/* The two answers, centred. */
	bx = r.x + (r.w - 36) / 2;
	ui_put(y, bx, 3, " y ", ui_theme_attr(UI_C_CURSOR));
	ui_put(y, bx + 4, 10, "accept", ui_theme_attr(UI_C_OK));
	ui_put(y, bx + 18, 3, " n ", ui_theme_attr(UI_C_CURSOR));
	ui_put(y, bx + 22, 14, "decline", ui_theme_attr(UI_C_ERROR));
}

void
ui_verify(struct ui *ui, const struct client_transfer *t)
{
	char	err[512];

	if (t == NULL) {
		ui_message(ui, UI_C_WARN, "no transfer selected");
		return;
	}
	if (t->auth_code[0] == '\0') {
		ui_message(ui, UI_C_WARN, "no code yet: the session with %s is "
		    "not up", t->peer_name);
		return;
	}
	if (client_verify(ui->client, t->id, err, sizeof err) != 0)
		ui_message(ui, UI_C_ERROR, "could not verify: %s", err);
	else
		ui_message(ui, UI_C_OK, "%s is verified (key %s)", t->peer_name,
		    t->peer_fpr);
}

int
ui_offer_key(struct ui *ui, enum ui_action a)
{
	const struct client_transfer	*t;
	uint64_t			 id;
	char				 name[128];
	int				 r;

	if (ui->noffers == 0)
		return UI_KEY_IGNORED;
	id = ui->offers[0];
	t = client_transfer_find(ui->client, id);
	switch (a) {
	case UI_ACT_ACCEPT:
		ui_offer_drop(ui, id);
		if (t == NULL)
			return UI_KEY_HANDLED;
		ui_xfer_name(t, 40, name, sizeof name);
		if ((r = client_accept(ui->client, id)) != 0)
			ui_message(ui, UI_C_ERROR, "could not accept: %s", uv_strerror(r));
		else {
			ui_message(ui, UI_C_OK, "accepted %s from %s", name, t->peer_name);
			ui->xfer_sel_id = id;
		}
		return UI_KEY_HANDLED;
	case UI_ACT_VERIFY:
		ui_verify(ui, t);
		return UI_KEY_HANDLED;
	case UI_ACT_DECLINE:
		ui_offer_drop(ui, id);
		if (t == NULL)
			return UI_KEY_HANDLED;
		if ((r = client_decline(ui->client, id, NULL)) != 0)
			ui_message(ui, UI_C_ERROR, "could not decline: %s", uv_strerror(r));
		else
			ui_message(ui, UI_C_NORMAL, "declined the offer from %s", t->peer_name);
		return UI_KEY_HANDLED;
	default:
		return UI_KEY_IGNORED;
	}
}

/* Sections of the help overlay, in order, by the context of their bindings; col is the column when there are two. */
static const struct {
	unsigned	 ctx;
	int		 col;
	const char	*title;
} help_sections[] = {
	{ UI_CTX_PANES,	0, "Everywhere" },
	{ UI_CTX_PEERS,	0, "Peers" },
	{ UI_CTX_XFERS,	0, "Transfers" },
	{ UI_CTX_FILES,	1, "Files" },
	{ UI_CTX_OFFER,	1, "Incoming offer" },
};

#define HELP_KEY_COLS	11	/* the key column */
#define HELP_COL_MIN	40	/* narrowest column worth two of them */

struct help_ctx {
	struct ui_rect	 r;
	int		 top;		/* first line shown (one-column scrolling) */
	int		 x, w;		/* the column being drawn */
};

/* Draws (or, with h NULL, counts) the lines of the sections in column col (-1: all). */
static int
help_column(struct help_ctx *h, int col)
{
	const struct ui_binding	*b;
	size_t			 n, s, i;
	int			 line = 0, y;

	b = ui_key_table(&n);
	for (s = 0; s < sizeof help_sections / sizeof help_sections[0]; s++) {
		if (col >= 0 && help_sections[s].col != col)
			continue;
		if (line > 0)
			line++;
		y = h != NULL ? h->r.y + 1 + line - h->top : 0;
		if (h != NULL && y > h->r.y && y < h->r.y + h->r.h - 1)
			ui_put(y, h->x, h->w, help_sections[s].title,
			    ui_theme_attr(UI_C_TITLE_FOCUS));
		line++;
		for (i = 0; i < n; i++) {
			if (b[i].ctx != help_sections[s].ctx || b[i].label == NULL)
				continue;
			y = h != NULL ? h->r.y + 1 + line - h->top : 0;
			if (h != NULL && y > h->r.y && y < h->r.y + h->r.h - 1) {
				ui_put(y, h->x + 2, HELP_KEY_COLS - 1, b[i].label,
				    ui_theme_attr(UI_C_KEY));
				ui_put(y, h->x + 2 + HELP_KEY_COLS, h->w - 2 - HELP_KEY_COLS,
				    b[i].help, A_NORMAL);
			}
			line++;
		}
	}
	return line;
}

void
ui_help_draw(struct ui *ui)
{
	struct help_ctx	h;
	struct ui_rect	box;
	int		w, hh, total, l0, l1, max;
	bool		two;

	w = COLS - 6 < 96 ? COLS - 6 : 96;
	two = (w - 5) / 2 >= HELP_COL_MIN;
	l0 = help_column(NULL, two ? 0 : -1);
	l1 = two ? help_column(NULL, 1) : 0;
	total = l0 > l1 ? l0 : l1;
	hh = total + 4;
	if (hh > LINES - 2)
		hh = LINES - 2;
	box = centered(w, hh);
	ui->help_rows = hh - 4;
	max = total - (hh - 4);
	if (ui->help_top > max)
		ui->help_top = max > 0 ? max : 0;
	if (ui->help_top < 0)
		ui->help_top = 0;
	ui_clear_rect(&box);
	ui_box(&box, ui_theme_attr(UI_C_DIALOG_BORDER), "Keys",
	    ui_theme_attr(UI_C_DIALOG_BORDER), total > hh - 4 ?
	    "\xe2\x86\x91\xe2\x86\x93 scroll  ? close" : "? or Esc closes");
	/* The text gets one blank line inside the box above and below. */
	h.r = box;
	h.r.y += 1;
	h.r.h -= 2;
	h.top = ui->help_top;
	if (two) {
		h.w = (w - 5) / 2 - 1;
		h.x = h.r.x + 3;
		help_column(&h, 0);
		h.x = h.r.x + 3 + h.w + 2;
		help_column(&h, 1);
	} else {
		h.x = h.r.x + 3;
		h.w = w - 6;
		help_column(&h, -1);
	}
}

int
ui_help_key(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case UI_ACT_UP:
		ui->help_top--;
		break;
	case UI_ACT_DOWN:
		ui->help_top++;
		break;
	case UI_ACT_PGUP:
		ui->help_top -= ui->help_rows;
		break;
	case UI_ACT_PGDN:
		ui->help_top += ui->help_rows;
		break;
	case UI_ACT_CLOSE:
	case UI_ACT_HELP:
		ui->mode = UI_MODE_PANES;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	return UI_KEY_HANDLED;
}

void
ui_confirm_reset(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nsend; i++)
		free(ui->send_paths[i]);
	free(ui->send_paths);
	ui->send_paths = NULL;
	ui->nsend = 0;
	ui->confirm = 0;
	ui->confirm_to[0] = '\0';
	ui->confirm_xfer = 0;
	if (ui->mode == UI_MODE_CONFIRM)
		ui->mode = UI_MODE_PANES;
}

void
ui_confirm_start(struct ui *ui, enum ui_confirm what, const char *text)
{
	ui->confirm = what;
	snprintf(ui->confirm_text, sizeof ui->confirm_text, "%s", text);
	ui->mode = UI_MODE_CONFIRM;
	ui->msg_until_ms = 0;
}

/* Offers the confirmed files to the confirmed peer. */
static void
do_send(struct ui *ui)
{
	char		err[256];
	uint64_t	id = 0;
	size_t		n = ui->nsend;
	int		r;

	err[0] = '\0';
	r = client_offer(ui->client, ui->confirm_to,
	    (const char *const *)ui->send_paths, ui->nsend, &id, err, sizeof err);
	if (r != 0) {
		ui_message(ui, UI_C_ERROR, "could not send: %s",
		    err[0] != '\0' ? err : uv_strerror(r));
		return;
	}
	ui_message(ui, UI_C_NORMAL, "offered %zu file%s to %s: waiting for them to accept",
	    n, n == 1 ? "" : "s", ui->confirm_to);
	ui_picker_clear_marks(&ui->picker);
	ui->xfer_sel_id = id;
}

void
ui_confirm_key(struct ui *ui, int key)
{
	const struct client_transfer	*t;
	bool				 yes = false, no = false;
	int				 r;

	switch (key) {
	case 'y':
	case 'Y':
	case '\n':
	case '\r':
	case UI_FKEY(KEY_ENTER):
		yes = true;
		break;
	case 'n':
	case 'N':
	case 27:
	case UI_CTRL('c'):
		no = true;
		break;
	case 's':
		yes = ui->confirm == UI_CONFIRM_SEND;
		break;
	case 'q':
		yes = ui->confirm == UI_CONFIRM_QUIT;
		no = !yes;
		break;
	case 'x':
		yes = ui->confirm == UI_CONFIRM_CANCEL;
		break;
	default:
		break;
	}
	if (!yes && !no)
		return;
	if (yes) {
		switch (ui->confirm) {
		case UI_CONFIRM_SEND:
			do_send(ui);
			break;
		case UI_CONFIRM_CANCEL:
			if ((r = client_cancel(ui->client, ui->confirm_xfer,
			    "cancelled by the user")) != 0)
				ui_message(ui, UI_C_ERROR, "could not cancel: %s",
				    uv_strerror(r));
			else if ((t = client_transfer_find(ui->client,
			    ui->confirm_xfer)) != NULL &&
			    !CLIENT_TRANSFER_ENDED(t->state))
				/* PROTOCOL.md 3.4: a commit that started wins. */
				ui_message(ui, UI_C_WARN, t->dir == CLIENT_SEND ?
				    "asked %s to stop; files it already saved stay saved" :
				    "too late to stop: the files from %s are verified "
				    "and being saved", t->peer_name);
			break;
		case UI_CONFIRM_QUIT:
			ui_confirm_reset(ui);
			ui_quit(ui, true);
			return;
		}
	}
	ui_confirm_reset(ui);
}
