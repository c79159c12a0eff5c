/*
 * dialog.c: what is drawn over the panes: the help overlay generated from
 * the key table, and the one-line confirms in the status line (send,
 * cancel, quit). The incoming-offer dialog is offer.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fmt.h"
#include "text.h"
#include "widget.h"

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
	{ UI_CTX_DETAIL, 0, "A transfer's detail" },
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
	box = ui_centered(w, hh);
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
