/*
 * xfer_detail.c: Enter on a transfer row opens its detail over the panes:
 * what the transfer is and how it stands (state, bytes, rate, the reason
 * when it ended otherwise than done), then one row per file or folder:
 * its state (waiting, 34%, sent, verified, saved, left out, not saved),
 * size, path, and where it was saved or the start of its SHA-256. The
 * list scrolls; Esc, q or Enter go back.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fmt.h"
#include "text.h"
#include "widget.h"

void
ui_detail_open(struct ui *ui, const struct client_transfer *t)
{
	ui->detail_id = t->id;
	ui->detail_top = 0;
	ui->mode = UI_MODE_DETAIL;
	ui_dirty(ui);
}

/* The words for file i's state, and their colour. */
static const char *
file_state(const struct client_transfer *t, size_t i, char *buf, size_t len,
    enum ui_color *c)
{
	const struct client_file	*f = &t->files[i];
	bool				 recv = t->dir == CLIENT_RECEIVE;

	*c = UI_C_DIM;
	if (f->skip)
		return "left out";
	if (f->dir)
		return t->state == CLIENT_TRANSFER_DONE && recv ? "made" : "folder";
	if (f->sha256[0] != '\0') {
		if (t->state == CLIENT_TRANSFER_DONE) {
			*c = UI_C_OK;
			return recv ? "saved" : "verified";
		}
		if (CLIENT_TRANSFER_ENDED(t->state)) {
			*c = UI_C_ERROR;
			return recv ? "not saved" : "not kept";
		}
		*c = UI_C_NORMAL;
		return recv ? "verified" : "sent";
	}
	if (CLIENT_TRANSFER_ENDED(t->state)) {
		*c = i == t->current && f->done > 0 ? UI_C_ERROR : UI_C_DIM;
		return recv ? "not saved" : "not sent";
	}
	if (i == t->current && t->state >= CLIENT_TRANSFER_TRANSFERRING) {
		*c = recv ? UI_C_RECV : UI_C_SEND;
		snprintf(buf, len, "%u%%", f->size > 0 ?
		    (unsigned)(f->done * 100 / f->size) : 0);
		return buf;
	}
	return "waiting";
}

void
ui_detail_draw(struct ui *ui)
{
	const struct client_transfer	*t;
	const struct client_file	*f;
	struct ui_rect			 r;
	char				 title[320], line[PATH_MAX + 128], name[200];
	char				 done[PROTO_SIZE_LEN], total[PROTO_SIZE_LEN];
	char				 rate[32], st[16], size[PROTO_SIZE_LEN];
	const char			*what;
	enum ui_color			 c;
	size_t				 i, rows, left;
	int				 x, y, iw, namew;

	if ((t = client_transfer_find(ui->client, ui->detail_id)) == NULL) {
		ui->mode = UI_MODE_PANES;	/* forgotten meanwhile */
		return;
	}
	r = ui_centered(COLS - 4 < 100 ? COLS - 4 : 100, LINES - 2);
	ui_clear_rect(&r);
	ui_xfer_name(t, 60, name, sizeof name);
	snprintf(title, sizeof title, "%s %s %s", t->dir == CLIENT_SEND ?
	    "Sending to" : "Receiving from", t->peer_name, name);
	ui_box(&r, ui_theme_attr(UI_C_DIALOG_BORDER), title,
	    ui_theme_attr(UI_C_DIALOG_BORDER), NULL);
	x = r.x + 2;
	iw = r.w - 4;
	y = r.y + 1;
	/* How it stands: "34% · 12 MiB of 40 MiB · 8.2 MiB/s · file 5/40", or how it ended. */
	proto_fmt_size(t->bytes_done, done, sizeof done);
	proto_fmt_size(t->bytes_total, total, sizeof total);
	ui_fmt_rate(rate, sizeof rate, t->rate);
	snprintf(line, sizeof line, "%s of %s%s%s", done, total,
	    t->rate > 0 && !CLIENT_TRANSFER_ENDED(t->state) ? "  " : "",
	    t->rate > 0 && !CLIENT_TRANSFER_ENDED(t->state) ? rate : "");
	if (t->nfiles - t->nfolders > 1 && t->current_no > 0 &&
	    !CLIENT_TRANSFER_ENDED(t->state))
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    "  file %zu/%zu", t->current_no, t->nfiles - t->nfolders);
	for (i = 0, left = 0; t->nskipped > 0 && i < t->nfiles; i++)
		left += t->files[i].skip && !t->files[i].dir;
	if (left > 0)
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    "  (%zu file%s left out by the receiver)", left,
		    left == 1 ? "" : "s");
	ui_put(y++, x, iw, line, A_BOLD);
	if (t->reason[0] != '\0')
		ui_put(y, x, iw, t->reason, ui_theme_attr(t->state ==
		    CLIENT_TRANSFER_DONE ? UI_C_OK : CLIENT_TRANSFER_ENDED(t->state) ?
		    UI_C_ERROR : UI_C_NORMAL));
	y += 2;
	namew = iw - 11 - 11 - 2 - (iw > 70 ? 26 : 0);
	ui_put(y, x, 10, "state", ui_theme_attr(UI_C_DIM));
	ui_put_right(y, x + 21, 10, "size", ui_theme_attr(UI_C_DIM));
	ui_put(y, x + 23, namew, "file", ui_theme_attr(UI_C_DIM));
	if (iw > 70)
		ui_put(y, x + 23 + namew + 1, 25, t->dir == CLIENT_RECEIVE ?
		    "saved as / sha256" : "sha256", ui_theme_attr(UI_C_DIM));
	y++;
	rows = r.y + r.h - 1 > y ? (size_t)(r.y + r.h - 1 - y) : 0;
	if (rows > 0 && t->nfiles > rows)
		rows--;		/* the line that says where the list is */
	ui->detail_rows = rows;
	if (ui->detail_top + rows > t->nfiles)
		ui->detail_top = t->nfiles > rows ? t->nfiles - rows : 0;
	for (i = ui->detail_top; i < t->nfiles && i < ui->detail_top + rows;
	    i++, y++) {
		f = &t->files[i];
		what = file_state(t, i, st, sizeof st, &c);
		ui_put(y, x, 10, what, ui_theme_attr(c));
		if (f->dir)
			snprintf(size, sizeof size, "-");
		else
			proto_fmt_size(f->size, size, sizeof size);
		ui_put_right(y, x + 21, 10, size, ui_theme_attr(UI_C_DIM));
		snprintf(line, sizeof line, "%s%s", f->name, f->dir ? "/" : "");
		ui_put(y, x + 23, namew, line, f->dir ? A_BOLD : A_NORMAL);
		if (iw <= 70)
			continue;
		if (f->saved_as != NULL && strcmp(f->saved_as, f->name) != 0)
			ui_put(y, x + 23 + namew + 1, 25, f->saved_as, A_NORMAL);
		else if (f->sha256[0] != '\0') {
			snprintf(line, sizeof line, "%.16s...", f->sha256);
			ui_put(y, x + 23 + namew + 1, 25, line,
			    ui_theme_attr(UI_C_DIM));
		}
	}
	if (t->nfiles > rows) {
		snprintf(line, sizeof line, "%zu-%zu of %zu", ui->detail_top + 1,
		    ui->detail_top + rows, t->nfiles);
		ui_put(y, x, iw, line, ui_theme_attr(UI_C_DIM));
	}
}

int
ui_detail_key(struct ui *ui, enum ui_action a)
{
	const struct client_transfer	*t;
	long				 page = ui->detail_rows > 1 ?
					    (long)ui->detail_rows - 1 : 1;
	size_t				 n;

	t = client_transfer_find(ui->client, ui->detail_id);
	n = t != NULL ? t->nfiles : 0;
	switch (a) {
	case UI_ACT_UP:
		ui->detail_top = ui_sel_move(ui->detail_top, -1, n);
		break;
	case UI_ACT_DOWN:
		ui->detail_top = ui_sel_move(ui->detail_top, 1, n);
		break;
	case UI_ACT_PGUP:
		ui->detail_top = ui_sel_move(ui->detail_top, -page, n);
		break;
	case UI_ACT_PGDN:
		ui->detail_top = ui_sel_move(ui->detail_top, page, n);
		break;
	case UI_ACT_HOME:
		ui->detail_top = 0;
		break;
	case UI_ACT_END:
		ui->detail_top = n;	/* the draw keeps the last page full */
		break;
	case UI_ACT_CLOSE:
		ui->mode = UI_MODE_PANES;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	ui_dirty(ui);
	return UI_KEY_HANDLED;
}
