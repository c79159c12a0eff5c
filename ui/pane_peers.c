/*
 * pane_peers.c: the Peers pane: every other peer on the relay, live, two
 * rows each (name, then HOST:PORT and whether its key is the verified one,
 * one only seen, a new one or not the one known for the name), with a
 * marker on peers that have a transfer running with us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "widget.h"

#define PEER_ROWS	2	/* screen rows per peer */

/* What known_peers says of a peer's key, in a word. */
static const char *
trust_word(enum client_trust t)
{
	switch (t) {
	case CLIENT_TRUST_VERIFIED:
		return "verified";
	case CLIENT_TRUST_SEEN:
		return "unverified";
	case CLIENT_TRUST_CHANGED:
		return "KEY CHANGED";
	default:
		return "new";
	}
}

static enum ui_color
trust_color(enum client_trust t)
{
	return t == CLIENT_TRUST_VERIFIED ? UI_C_OK : t == CLIENT_TRUST_CHANGED ?
	    UI_C_ERROR : UI_C_DIM;
}

/* Copies the core's peer list (it is only valid inside the callback) and keeps the selection on the same peer. */
void
ui_peers_update(struct ui *ui)
{
	const struct client_peer	*list;
	struct client_peer		*copy = NULL;
	size_t				 n = 0, i;

	list = client_peers(ui->client, &n);
	if (n > 0) {
		if ((copy = malloc(n * sizeof *copy)) == NULL) {
			ui_message(ui, UI_C_ERROR, "out of memory copying the peer list");
			return;
		}
		memcpy(copy, list, n * sizeof *copy);
	}
	free(ui->peers);
	ui->peers = copy;
	ui->npeers = n;
	for (i = 0; i < n; i++) {
		if (copy[i].id == ui->peer_sel_id) {
			ui->peer_sel = i;
			break;
		}
	}
	if (i == n) {
		/* The selected peer left: stay at the same place in the list. */
		if (ui->peer_sel >= n)
			ui->peer_sel = n > 0 ? n - 1 : 0;
		ui->peer_sel_id = n > 0 ? copy[ui->peer_sel].id : 0;
	}
	ui_dirty(ui);
}

void
ui_peers_draw(struct ui *ui, const struct ui_rect *r, bool focused)
{
	const struct client_peer	*p;
	char				 title[64], foot[32], mark[16];
	size_t				 rows, i;
	attr_t				 sel, a;
	int				 y, x = r->x + 1, w = r->w - 2, tx;

	snprintf(title, sizeof title, "Peers %zu", ui->npeers);
	foot[0] = '\0';
	rows = (size_t)(r->h - 2) / PEER_ROWS;
	if (ui->npeers > rows && rows > 0)
		snprintf(foot, sizeof foot, "%zu of %zu", ui->peer_sel + 1, ui->npeers);
	ui_box(r, ui_theme_attr(focused ? UI_C_BORDER_FOCUS : UI_C_BORDER),
	    title, ui_theme_attr(focused ? UI_C_TITLE_FOCUS : UI_C_TITLE), foot);

	if (ui->npeers == 0) {
		y = r->y + 1;
		if (ui->cstate == CLIENT_CONNECTED) {
			ui_put(y++, x + 1, w - 2, "Nobody else is here.", ui_theme_attr(UI_C_DIM));
			ui_put(y++, x + 1, w - 2, "Peers show up live.", ui_theme_attr(UI_C_DIM));
		} else
			ui_put(y, x + 1, w - 2, "Not connected to the relay.", ui_theme_attr(UI_C_DIM));
		return;
	}
	ui_scroll_fix(&ui->peer_top, ui->peer_sel, ui->npeers, rows);
	sel = ui_theme_attr(focused ? UI_C_CURSOR : UI_C_CURSOR_IDLE);
	for (i = ui->peer_top; i < ui->npeers && i < ui->peer_top + rows; i++) {
		p = &ui->peers[i];
		y = r->y + 1 + (int)(i - ui->peer_top) * PEER_ROWS;
		a = i == ui->peer_sel ? sel : A_NORMAL;
		ui_fill(y, x, w, a);
		ui_fill(y + 1, x, w, a);
		if (p->active > 0) {
			snprintf(mark, sizeof mark, "%s", ui_glyph("\xe2\x87\x85", "*"));
			ui_put(y, x + 1, 1, mark, a != A_NORMAL ? a : ui_theme_attr(UI_C_OK));
		}
		ui_put(y, x + 3, w - 4, p->name, a != A_NORMAL ? a : A_BOLD);
		if (p->active > 0) {
			snprintf(mark, sizeof mark, "%u", p->active);
			ui_put_right(y, x + w - 1, 4, mark,
			    a != A_NORMAL ? a : ui_theme_attr(UI_C_OK));
		}
		tx = ui_put_right(y + 1, x + w - 1, w / 2, trust_word(p->trust),
		    a != A_NORMAL ? a : ui_theme_attr(trust_color(p->trust)));
		ui_put(y + 1, x + 3, tx - x - 4, p->addr,
		    a != A_NORMAL ? a : ui_theme_attr(UI_C_DIM));
	}
}

int
ui_peers_key(struct ui *ui, enum ui_action a)
{
	size_t	page = (size_t)(ui->r[UI_PANE_PEERS].h - 2) / PEER_ROWS;

	if (page == 0)
		page = 1;
	switch (a) {
	case UI_ACT_UP:
		ui->peer_sel = ui_sel_move(ui->peer_sel, -1, ui->npeers);
		break;
	case UI_ACT_DOWN:
		ui->peer_sel = ui_sel_move(ui->peer_sel, 1, ui->npeers);
		break;
	case UI_ACT_PGUP:
		ui->peer_sel = ui_sel_move(ui->peer_sel, -(long)page, ui->npeers);
		break;
	case UI_ACT_PGDN:
		ui->peer_sel = ui_sel_move(ui->peer_sel, (long)page, ui->npeers);
		break;
	case UI_ACT_HOME:
		ui->peer_sel = 0;
		break;
	case UI_ACT_END:
		ui->peer_sel = ui->npeers > 0 ? ui->npeers - 1 : 0;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	if (ui->npeers > 0)
		ui->peer_sel_id = ui->peers[ui->peer_sel].id;
	return UI_KEY_HANDLED;
}

void
ui_peers_click(struct ui *ui, int row)
{
	size_t	i = ui->peer_top + (size_t)row / PEER_ROWS;

	if (row < 0 || i >= ui->npeers)
		return;
	ui->peer_sel = i;
	ui->peer_sel_id = ui->peers[i].id;
}

const struct client_peer *
ui_selected_peer(const struct ui *ui)
{
	if (ui->npeers == 0 || ui->peer_sel >= ui->npeers)
		return NULL;
	return &ui->peers[ui->peer_sel];
}
