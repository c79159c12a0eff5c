/*
 * pane_files.c: the Files pane: the picker model drawn as a list (mark,
 * name, size), folder navigation, marks, the hidden toggle, the typed
 * filter, and starting a send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "proto.h"
#include "fmt.h"
#include "text.h"
#include "widget.h"

#define SIZE_COLS	10	/* "1023.9 KiB" */

void
ui_files_draw(struct ui *ui, const struct ui_rect *r, bool focused)
{
	struct ui_picker	*p = &ui->picker;
	const struct ui_entry	*e;
	char			 dir[PATH_MAX], title[PATH_MAX + 300], foot[128];
	char			 path[PATH_MAX], size[PROTO_SIZE_LEN], tot[PROTO_SIZE_LEN];
	size_t			 rows, i;
	attr_t			 sel, a, na;
	int			 x = r->x + 1, w = r->w - 2, y, tw, namew;
	bool			 marked;

	/* Title: "Files ~/dir" with the path cut from the left, plus the filter. */
	ui_fmt_home(dir, sizeof dir, p->dir, getenv("HOME"));
	tw = r->w - 6 - 6 - (p->filter[0] != '\0' ? ui_text_width(p->filter) + 3 : 0);
	ui_text_fit_left(dir, tw > 8 ? tw : 8, path, sizeof path);
	if (p->filter[0] != '\0' || ui->mode == UI_MODE_FILTER)
		snprintf(title, sizeof title, "Files %s  /%s", path, p->filter);
	else
		snprintf(title, sizeof title, "Files %s", path);

	foot[0] = '\0';
	if (p->nmarks > 0) {
		proto_fmt_size(p->marks_total, tot, sizeof tot);
		snprintf(foot, sizeof foot, "%zu marked, %s  %zu/%zu", p->nmarks, tot,
		    p->nview ? p->cursor + 1 : 0, p->nview);
	} else if (p->nview > 0)
		snprintf(foot, sizeof foot, "%zu/%zu", p->cursor + 1, p->nview);
	ui_box(r, ui_theme_attr(focused ? UI_C_BORDER_FOCUS : UI_C_BORDER),
	    title, ui_theme_attr(focused ? UI_C_TITLE_FOCUS : UI_C_TITLE), foot);

	y = r->y + 1;
	rows = (size_t)(r->h - 2);
	if (p->error != 0) {
		snprintf(title, sizeof title, "cannot read this folder: %s",
		    strerror(p->error));
		ui_put(y++, x + 1, w - 2, title, ui_theme_attr(UI_C_ERROR));
		rows--;
	}
	ui_scroll_fix(&ui->files_top, p->cursor, p->nview, rows);
	sel = ui_theme_attr(focused ? UI_C_CURSOR : UI_C_CURSOR_IDLE);
	namew = w - 3 - SIZE_COLS - 1;
	for (i = ui->files_top; i < p->nview && i < ui->files_top + rows; i++, y++) {
		e = ui_picker_row(p, i);
		marked = ui_picker_is_marked(p, i);
		a = i == p->cursor ? sel : A_NORMAL;
		ui_fill(y, x, w, a);
		if (marked)
			ui_put(y, x + 1, 1, ui_glyph("\xe2\x97\x8f", "+"),
			    a != A_NORMAL ? a : ui_theme_attr(UI_C_MARK));
		if (e->flags & UI_ENTRY_DIR)
			na = ui_theme_attr(UI_C_DIR);
		else if (e->flags & UI_ENTRY_OTHER)
			na = ui_theme_attr(UI_C_DIM);
		else if (marked)
			na = ui_theme_attr(UI_C_MARK);
		else if (e->flags & UI_ENTRY_LINK)
			na = ui_theme_attr(UI_C_LINK);
		else
			na = A_NORMAL;
		/* On the cursor row the row's own colours win, for contrast. */
		if (a != A_NORMAL)
			na = a;
		if (e->flags & UI_ENTRY_DIR) {
			snprintf(path, sizeof path, "%s/", e->name);
			ui_put(y, x + 3, namew, path, na);
		} else
			ui_put(y, x + 3, namew, e->name, na);
		if (e->flags & UI_ENTRY_UP)
			continue;
		if (e->flags & UI_ENTRY_DIR)
			snprintf(size, sizeof size, "%s", "");
		else if (e->flags & UI_ENTRY_OTHER)
			snprintf(size, sizeof size, "%s", "-");
		else
			proto_fmt_size(e->size, size, sizeof size);
		ui_put_right(y, x + w - 1, SIZE_COLS, size,
		    a != A_NORMAL ? a : ui_theme_attr(UI_C_DIM));
	}
	if (p->nview <= 1 && p->error == 0) {
		y = r->y + 1 + (int)p->nview;
		if (p->filter[0] != '\0')
			snprintf(title, sizeof title, "nothing matches \"%s\"", p->filter);
		else
			snprintf(title, sizeof title, "(empty folder)");
		ui_put(y, x + 3, w - 4, title, ui_theme_attr(UI_C_DIM));
	}
}

/* Marks every regular file in the view that is not marked yet (folders are marked one by one). */
static void
mark_all(struct ui *ui)
{
	struct ui_picker	*p = &ui->picker;
	size_t			 keep = p->cursor, i, n = 0;

	for (i = 0; i < p->nview; i++) {
		p->cursor = i;
		if (ui_picker_current(p) != NULL &&
		    (ui_picker_current(p)->flags & UI_ENTRY_DIR))
			continue;
		if (!ui_picker_is_marked(p, i) && ui_picker_toggle(p) == 0)
			n++;
	}
	p->cursor = keep;
	ui_message(ui, UI_C_NORMAL, "marked %zu more file%s", n, n == 1 ? "" : "s");
}

void
ui_files_send(struct ui *ui)
{
	struct ui_picker		*p = &ui->picker;
	const struct client_peer	*peer = ui_selected_peer(ui);
	const struct ui_entry		*e = ui_picker_current(p);
	char				 one[PATH_MAX], size[PROTO_SIZE_LEN];
	char				 text[512], name[256];
	const char			*base;
	uint64_t			 total;
	size_t				 i, n, dirs;

	if (ui->cstate != CLIENT_CONNECTED) {
		ui_message(ui, UI_C_ERROR, "not connected to the relay yet");
		return;
	}
	if (peer == NULL) {
		ui_message(ui, UI_C_ERROR, "no peer to send to: wait for one to join the relay");
		return;
	}
	if (p->nmarks == 0) {
		if (e == NULL || (e->flags & (UI_ENTRY_OTHER | UI_ENTRY_UP))) {
			ui_message(ui, UI_C_ERROR, "mark files or folders with "
			    "Space (or put the cursor on one) first");
			return;
		}
		if (ui_picker_path(p, p->cursor, one, sizeof one) != 0)
			return;
	}
	/* Before asking, not after the yes (the folders' contents count when they are walked). */
	if (p->nmarks > PROTO_OFFER_MAX) {
		ui_message(ui, UI_C_ERROR, "%zu files are marked; one send takes "
		    "at most %d (unmark %zu)", p->nmarks, PROTO_OFFER_MAX,
		    p->nmarks - PROTO_OFFER_MAX);
		return;
	}
	ui_confirm_reset(ui);
	n = p->nmarks > 0 ? p->nmarks : 1;
	if ((ui->send_paths = calloc(n, sizeof *ui->send_paths)) == NULL) {
		ui_message(ui, UI_C_ERROR, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		ui->send_paths[i] = strdup(p->nmarks > 0 ? p->marks[i].path : one);
		if (ui->send_paths[i] == NULL) {
			ui_confirm_reset(ui);
			ui_message(ui, UI_C_ERROR, "out of memory");
			return;
		}
		ui->nsend++;
	}
	/* Every bad name at once, before asking: the count and the first few. */
	if (client_offer_check((const char *const *)ui->send_paths, n, text,
	    sizeof text) != 0) {
		ui_confirm_reset(ui);
		ui_message(ui, UI_C_ERROR, "%s", text);
		return;
	}
	total = p->nmarks > 0 ? p->marks_total : e->size;
	dirs = p->nmarks > 0 ? p->nmark_dirs : (e->flags & UI_ENTRY_DIR) != 0;
	proto_fmt_size(total, size, sizeof size);
	snprintf(ui->confirm_to, sizeof ui->confirm_to, "%s", peer->name);
	if (n == 1) {
		base = strrchr(ui->send_paths[0], '/');
		ui_text_fit(base != NULL ? base + 1 : ui->send_paths[0], 32, name,
		    sizeof name);
		if (dirs == 1)
			snprintf(text, sizeof text, "Send the folder %s with "
			    "everything in it to %s?", name, peer->name);
		else
			snprintf(text, sizeof text, "Send %s (%s) to %s?", name,
			    size, peer->name);
	} else if (dirs == 0)
		snprintf(text, sizeof text, "Send %zu files (%s) to %s?", n, size,
		    peer->name);
	else if (dirs == n)
		snprintf(text, sizeof text, "Send %zu folders with everything in "
		    "them to %s?", n, peer->name);
	else
		snprintf(text, sizeof text, "Send %zu file%s (%s) and %zu "
		    "folder%s to %s?", n - dirs, n - dirs == 1 ? "" : "s", size,
		    dirs, dirs == 1 ? "" : "s", peer->name);
	ui_confirm_start(ui, UI_CONFIRM_SEND, text);
}

int
ui_files_key(struct ui *ui, enum ui_action a)
{
	struct ui_picker	*p = &ui->picker;
	long			 page = ui->r[UI_PANE_FILES].h - 2;
	int			 r;

	if (page < 1)
		page = 1;
	switch (a) {
	case UI_ACT_UP:
		ui_picker_move(p, -1);
		break;
	case UI_ACT_DOWN:
		ui_picker_move(p, 1);
		break;
	case UI_ACT_PGUP:
		ui_picker_move(p, -page);
		break;
	case UI_ACT_PGDN:
		ui_picker_move(p, page);
		break;
	case UI_ACT_HOME:
		ui_picker_move(p, -(long)p->nview);
		break;
	case UI_ACT_END:
		ui_picker_move(p, (long)p->nview);
		break;
	case UI_ACT_OPEN:
		r = ui_picker_open(p);
		if (r == 1) {
			/* Enter on a file sends it (or the marked files). */
			ui_files_send(ui);
		} else if (r < 0)
			ui_message(ui, UI_C_ERROR, "cannot open that folder: %s",
			    p->error != 0 ? strerror(p->error) : "error");
		else
			ui->files_top = 0;
		break;
	case UI_ACT_PARENT:
		if (ui_picker_up(p) < 0)
			ui_message(ui, UI_C_ERROR, "cannot open the parent folder: %s",
			    p->error != 0 ? strerror(p->error) : "error");
		break;
	case UI_ACT_MARK:
		r = ui_picker_toggle(p);
		if (r == 1) {
			if (ui_picker_current(p) != NULL &&
			    (ui_picker_current(p)->flags & UI_ENTRY_UP))
				ui_message(ui, UI_C_WARN, "the parent folder cannot "
				    "be marked here: go up and mark it there");
			else if (ui_picker_current(p) != NULL)
				ui_message(ui, UI_C_WARN, "only files and folders "
				    "can be sent");
		} else if (r < 0)
			ui_message(ui, UI_C_ERROR, "out of memory");
		else
			ui_picker_move(p, 1);	/* like mc and nnn: mark and move on */
		break;
	case UI_ACT_MARK_ALL:
		mark_all(ui);
		break;
	case UI_ACT_UNMARK_ALL:
		ui_picker_clear_marks(p);
		break;
	case UI_ACT_HIDDEN:
		ui_picker_set_hidden(p, !p->hidden);
		ui_message(ui, UI_C_NORMAL, "hidden files %s", p->hidden ? "shown" : "hidden");
		break;
	case UI_ACT_FILTER:
		snprintf(ui->filter_before, sizeof ui->filter_before, "%s", p->filter);
		ui->mode = UI_MODE_FILTER;
		break;
	case UI_ACT_RELOAD:
		ui_picker_reload(p);
		break;
	case UI_ACT_SEND:
		ui_files_send(ui);
		break;
	default:
		return UI_KEY_IGNORED;
	}
	return UI_KEY_HANDLED;
}

void
ui_files_click(struct ui *ui, int row)
{
	size_t	i;

	if (ui->picker.error != 0)
		row--;
	if (row < 0)
		return;
	i = ui->files_top + (size_t)row;
	if (i < ui->picker.nview)
		ui->picker.cursor = i;
}

/* Appends code point cp to the filter as UTF-8. */
static void
filter_append(struct ui *ui, uint32_t cp)
{
	char	f[sizeof ui->picker.filter];
	char	u[5];
	size_t	n = 0, len;

	if (cp < 0x80)
		u[n++] = (char)cp;
	else if (cp < 0x800) {
		u[n++] = (char)(0xC0 | (cp >> 6));
		u[n++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		u[n++] = (char)(0xE0 | (cp >> 12));
		u[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[n++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp <= 0x10FFFF) {
		u[n++] = (char)(0xF0 | (cp >> 18));
		u[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[n++] = (char)(0x80 | (cp & 0x3F));
	}
	u[n] = '\0';
	len = strlen(ui->picker.filter);
	if (n == 0 || len + n >= sizeof f)
		return;
	memcpy(f, ui->picker.filter, len);
	memcpy(f + len, u, n + 1);
	ui_picker_set_filter(&ui->picker, f);
}

void
ui_files_filter_key(struct ui *ui, int key)
{
	char	f[sizeof ui->picker.filter];
	size_t	len;

	switch (key) {
	case 27:	/* Esc: back to the filter we had */
		ui_picker_set_filter(&ui->picker, ui->filter_before);
		ui->mode = UI_MODE_PANES;
		return;
	case '\n':
	case '\r':
	case UI_FKEY(KEY_ENTER):
		ui->mode = UI_MODE_PANES;
		return;
	case UI_FKEY(KEY_UP):
		ui_picker_move(&ui->picker, -1);
		return;
	case UI_FKEY(KEY_DOWN):
		ui_picker_move(&ui->picker, 1);
		return;
	case UI_CTRL('u'):
		ui_picker_set_filter(&ui->picker, "");
		return;
	case UI_FKEY(KEY_BACKSPACE):
	case 127:
	case UI_CTRL('h'):
		snprintf(f, sizeof f, "%s", ui->picker.filter);
		len = strlen(f);
		if (len == 0) {
			ui->mode = UI_MODE_PANES;
			return;
		}
		/* Drop one whole UTF-8 character. */
		f[proto_utf8_cut(f, len, len - 1)] = '\0';
		ui_picker_set_filter(&ui->picker, f);
		return;
	default:
		break;
	}
	if (UI_IS_FKEY(key) || key < 0x20 || key == 0x7F || (key >= 0x80 && key < 0xA0))
		return;
	filter_append(ui, (uint32_t)key);
}
