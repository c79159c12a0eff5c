/*
 * offer.c: the incoming-offer dialog and its queue. The list of an offer
 * is a tree (each entry indented by its depth, folders with a slash) that
 * scrolls, with a tick per entry: everything is ticked to begin with, Space
 * unticks a file or a folder with everything in it (client_take), and the
 * total follows. y accepts what is ticked, n declines.
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

/* Row i of the offer's list at y: tick, indent by depth, the last part of the path, size. */
static void
offer_row(struct ui *ui, const struct client_transfer *t, size_t i, int y,
    int x, int iw)
{
	const struct client_file	*f = &t->files[i];
	const char			*base = strrchr(f->name, '/');
	char				 line[600], size[PROTO_SIZE_LEN];
	unsigned			 depth = 0;
	const char			*p;
	attr_t				 a;
	int				 col;

	for (p = f->name; *p != '\0'; p++)
		depth += *p == '/';
	if (depth > 12)
		depth = 12;
	a = i == ui->offer_cursor ? ui_theme_attr(UI_C_CURSOR) :
	    f->skip ? ui_theme_attr(UI_C_DIM) : A_NORMAL;
	ui_fill(y, x, iw, a);
	col = x + ui_put(y, x, 4, f->skip ? "[ ] " : "[x] ", a);
	snprintf(line, sizeof line, "%*s%s%s", (int)depth * 2, "",
	    base != NULL ? base + 1 : f->name, f->dir ? "/" : "");
	ui_put(y, col, iw - (col - x) - 12, line, f->dir && !f->skip ?
	    a | A_BOLD : a);
	if (f->dir)
		snprintf(size, sizeof size, "folder");
	else
		proto_fmt_size(f->size, size, sizeof size);
	ui_put_right(y, x + iw, 11, size, i == ui->offer_cursor ? a :
	    ui_theme_attr(UI_C_DIM));
}

/* Moves the cursor of the dialog's list. */
static void
offer_move(struct ui *ui, const struct client_transfer *t, enum ui_action a)
{
	long	page = ui->offer_rows > 1 ? (long)ui->offer_rows - 1 : 1;
	long	d = a == UI_ACT_UP ? -1 : a == UI_ACT_DOWN ? 1 :
		    a == UI_ACT_PGUP ? -page : a == UI_ACT_PGDN ? page :
		    a == UI_ACT_HOME ? -(long)t->nfiles : (long)t->nfiles;

	if (ui->offer_shown != t->id)
		return;
	ui->offer_cursor = ui_sel_move(ui->offer_cursor, d, t->nfiles);
	ui_dirty(ui);
}

void
ui_offer_draw(struct ui *ui)
{
	const struct client_transfer	*t;
	struct ui_rect			 r;
	char				 title[64], line[PATH_MAX + 64], size[PROTO_SIZE_LEN];
	char				 dir[PATH_MAX];
	size_t				 rows, i, files, taken;
	int				 w, h, x, y, iw, bx;

	if (ui->noffers == 0)
		return;
	t = client_transfer_find(ui->client, ui->offers[0]);
	if (t == NULL)
		return;
	if (ui->offer_shown != t->id) {
		/* Another offer at the front: its list from the top. */
		ui->offer_shown = t->id;
		ui->offer_cursor = ui->offer_top = 0;
	}
	w = COLS - 8 < 76 ? COLS - 8 : 76;
	/* As many rows of the list as the screen holds beside the rest, at most 20. */
	rows = LINES > 18 ? (size_t)(LINES - 16) : 2;
	if (rows > 20)
		rows = 20;
	if (rows > t->nfiles)
		rows = t->nfiles;
	ui->offer_rows = rows;
	h = 14 + (int)rows + (rows < t->nfiles ? 1 : 0);
	r = ui_centered(w, h);
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

	ui_scroll_fix(&ui->offer_top, ui->offer_cursor, t->nfiles, rows);
	for (i = ui->offer_top; i < ui->offer_top + rows; i++, y++)
		offer_row(ui, t, i, y, x, iw);
	if (rows < t->nfiles) {
		snprintf(line, sizeof line, "%zu-%zu of %zu (\xe2\x86\x91\xe2\x86\x93 "
		    "PgUp PgDn)", ui->offer_top + 1, ui->offer_top + rows,
		    t->nfiles);
		ui_put(y++, x + 2, iw - 2, line, ui_theme_attr(UI_C_DIM));
	}
	ui_rule(y++, x + 2, iw - 2, ui_theme_attr(UI_C_BORDER));
	files = t->nfiles - t->nfolders;
	for (i = 0, taken = 0; i < t->nfiles; i++)
		taken += !t->files[i].dir && !t->files[i].skip;
	if (taken < files)
		snprintf(line, sizeof line, "Total, %zu of %zu files ticked", taken,
		    files);
	else
		snprintf(line, sizeof line, "Total");
	ui_put(y, x + 2, iw - 14, line, A_BOLD);
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
	ui_put(y, bx + 4, 10, taken < files ? "accept \xe2\x9c\x93" : "accept",
	    ui_theme_attr(UI_C_OK));
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
	case UI_ACT_UP:
	case UI_ACT_DOWN:
	case UI_ACT_PGUP:
	case UI_ACT_PGDN:
	case UI_ACT_HOME:
	case UI_ACT_END:
		if (t != NULL)
			offer_move(ui, t, a);
		return UI_KEY_HANDLED;
	case UI_ACT_MARK:
		if (t != NULL && ui->offer_shown == id &&
		    ui->offer_cursor < t->nfiles) {
			if (client_take(ui->client, id, ui->offer_cursor,
			    t->files[ui->offer_cursor].skip) != 0)
				ui_message(ui, UI_C_ERROR, "the offer cannot "
				    "change now");
			ui_dirty(ui);
		}
		return UI_KEY_HANDLED;
	case UI_ACT_MARK_ALL:
		if (t != NULL)
			for (size_t i = 0; i < t->nfiles; i++)
				if (strchr(t->files[i].name, '/') == NULL)
					(void)client_take(ui->client, id, i, true);
		ui_dirty(ui);
		return UI_KEY_HANDLED;
	case UI_ACT_ACCEPT:
		ui_offer_drop(ui, id);
		if (t == NULL)
			return UI_KEY_HANDLED;
		if (t->nskipped == t->nfiles) {
			/* Nothing ticked: that is a no. */
			if (client_decline(ui->client, id, "the receiver took "
			    "none of the files") == 0)
				ui_message(ui, UI_C_NORMAL, "nothing was ticked: "
				    "declined the offer from %s", t->peer_name);
			return UI_KEY_HANDLED;
		}
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

