/*
 * status.c: the header line (relay address, connection state and room, our name and
 * key fingerprint, the receive folder) and the footer line (keys for the
 * focused pane, or a message, a confirm question, or the filter being typed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fmt.h"
#include "widget.h"

void
ui_header_draw(struct ui *ui)
{
	const char	*server = client_server(ui->client);
	const char	*name = client_self_name(ui->client);
	const char	*fpr = client_self_fingerprint(ui->client);
	char		 buf[PATH_MAX + 64], dir[PATH_MAX], fit[PATH_MAX];
	enum ui_color	 c;
	uint64_t	 now = uv_now(ui->loop);
	int		 x, right;

	ui_fill(0, 0, COLS, A_NORMAL);
	x = ui_put(0, 0, 8, " ferry ", ui_theme_attr(UI_C_BRAND)) + 1;

	switch (ui->cstate) {
	case CLIENT_CONNECTED:
		c = UI_C_OK;
		snprintf(buf, sizeof buf, "%s %s", ui_glyph("\xe2\x97\x8f", "*"), server);
		break;
	case CLIENT_DISCONNECTED:
		c = UI_C_ERROR;
		if (ui->retry_at_ms > now)
			/* The countdown first: a long reason is cut at the edge. */
			snprintf(buf, sizeof buf, "%s %s disconnected, retrying in %llus%s%s",
			    ui_glyph("\xe2\x97\x8b", "o"), server,
			    (unsigned long long)((ui->retry_at_ms - now + 999) / 1000),
			    ui->creason[0] ? ": " : "", ui->creason);
		else if (ui->retry_at_ms > 0)
			snprintf(buf, sizeof buf, "%s %s disconnected, retrying now",
			    ui_glyph("\xe2\x97\x8b", "o"), server);
		else
			snprintf(buf, sizeof buf, "%s %s disconnected%s%s",
			    ui_glyph("\xe2\x97\x8b", "o"), server,
			    ui->creason[0] ? ": " : "", ui->creason);
		break;
	case CLIENT_CONNECTING:
		c = UI_C_WARN;
		snprintf(buf, sizeof buf, "%s %s connecting...",
		    ui_glyph("\xe2\x97\x8c", "~"), server);
		break;
	default:
		c = UI_C_DIM;
		snprintf(buf, sizeof buf, "%s %s", ui_glyph("\xe2\x97\x8b", "o"), server);
		break;
	}
	x += ui_put(0, x, COLS - x - 1, buf, ui_theme_attr(c));
	if (ui->cstate == CLIENT_CONNECTED)
		x += ui_put(0, x, COLS - x - 1, " connected", ui_theme_attr(UI_C_DIM));
	if (*client_room(ui->client) != '\0') {
		snprintf(buf, sizeof buf, " in room %s", client_room(ui->client));
		x += ui_put(0, x, COLS - x - 1, buf, ui_theme_attr(UI_C_DIM));
	}

	/* Right side: who we are and where files go; dropped when it does not fit. */
	ui_fmt_home(dir, sizeof dir, ui->recv_dir, getenv("HOME"));
	right = COLS - 1;
	ui_text_fit_left(dir, 24, fit, sizeof fit);
	snprintf(buf, sizeof buf, "%s %s", ui_glyph("\xe2\x86\x93", "v"), fit);
	if (right - ui_text_width(buf) > x + 24) {
		right = ui_put_right(0, right, 40, buf, ui_theme_attr(UI_C_DIM)) - 2;
	}
	/* Our key's fingerprint goes before the name goes: the name matters more. */
	if (fpr != NULL && name != NULL && right - ui_text_width(fpr) - 1 -
	    ui_text_width(name) - 4 > x + 1)
		right = ui_put_right(0, right, 24, fpr, ui_theme_attr(UI_C_DIM)) - 1;
	if (name != NULL && name[0] != '\0' && right - ui_text_width(name) - 4 > x + 1) {
		right = ui_put_right(0, right, 30, name, A_BOLD);
		ui_put_right(0, right, 4, "you ", ui_theme_attr(UI_C_DIM));
	}
}

/* Draws "key hint" pairs from the table for ctx into [x, x_end); returns the column after. */
static int
hints(int x, int x_end, unsigned ctx)
{
	const struct ui_binding	*b;
	char			 key[32], *sp;
	size_t			 n, i, pass;
	int			 need, reserve = 0;

	b = ui_key_table(&n);
	/* Help and quit go last and always fit: reserve room for them first. */
	for (i = 0; i < n; i++) {
		if ((b[i].ctx & ctx) && b[i].hint != NULL && b[i].label != NULL &&
		    (b[i].action == UI_ACT_HELP || b[i].action == UI_ACT_QUIT))
			reserve += ui_text_width(b[i].label) + 1 +
			    ui_text_width(b[i].hint) + 2;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (!(b[i].ctx & ctx) || b[i].hint == NULL || b[i].label == NULL)
				continue;
			if ((b[i].action == UI_ACT_HELP || b[i].action == UI_ACT_QUIT) !=
			    (pass == 1))
				continue;
			/* The first spelling of the key is enough here. */
			snprintf(key, sizeof key, "%s", b[i].label);
			if ((sp = strchr(key, ' ')) != NULL)
				*sp = '\0';
			need = ui_text_width(key) + 1 + ui_text_width(b[i].hint) + 2;
			if (x + need > x_end - (pass == 0 ? reserve : 0))
				continue;
			x += ui_put(LINES - 1, x, x_end - x, key, ui_theme_attr(UI_C_KEY));
			x += ui_put(LINES - 1, x, x_end - x, " ", A_NORMAL);
			x += ui_put(LINES - 1, x, x_end - x, b[i].hint, A_NORMAL);
			x += 2;
		}
	}
	return x;
}

void
ui_footer_draw(struct ui *ui)
{
	int		y = LINES - 1, x = 1;
	uint64_t	now = uv_now(ui->loop);

	ui_fill(y, 0, COLS, A_NORMAL);
	switch (ui->mode) {
	case UI_MODE_CONFIRM:
		/* The question, then what each answer does. */
		x += ui_put(y, x, COLS - 28, ui->confirm_text, ui_theme_attr(UI_C_PROMPT));
		x += 2;
		x += ui_put(y, x, COLS - x, "y", ui_theme_attr(UI_C_KEY));
		x += ui_put(y, x, COLS - x, ui->confirm == UI_CONFIRM_SEND ? " send  " :
		    ui->confirm == UI_CONFIRM_QUIT ? " quit  " : " cancel it  ", A_NORMAL);
		x += ui_put(y, x, COLS - x, "n", ui_theme_attr(UI_C_KEY));
		ui_put(y, x, COLS - x, ui->confirm == UI_CONFIRM_CANCEL ? " keep it" : " back",
		    A_NORMAL);
		return;
	case UI_MODE_FILTER:
		x += ui_put(y, x, COLS - 40, "/", ui_theme_attr(UI_C_KEY));
		x += ui_put(y, x, COLS - 40, ui->picker.filter, A_BOLD);
		x += ui_put(y, x, 1, ui_glyph("\xe2\x96\x8f", "_"), ui_theme_attr(UI_C_KEY));
		x += 3;
		x += ui_put(y, x, COLS - x, "Enter", ui_theme_attr(UI_C_KEY));
		x += ui_put(y, x, COLS - x, " keep  ", A_NORMAL);
		x += ui_put(y, x, COLS - x, "Esc", ui_theme_attr(UI_C_KEY));
		ui_put(y, x, COLS - x, " clear", A_NORMAL);
		return;
	case UI_MODE_HELP:
		ui_put(y, x, COLS - x, "? Esc", ui_theme_attr(UI_C_KEY));
		ui_put(y, x + 6, COLS - x - 6, "close help", A_NORMAL);
		return;
	case UI_MODE_DETAIL:
		if (ui->noffers == 0) {
			hints(x, COLS - 1, UI_CTX_DETAIL);
			return;
		}
		break;
	default:
		break;
	}
	if (ui->noffers > 0) {
		hints(x, COLS - 1, UI_CTX_OFFER);
		return;
	}
	if (ui->msg[0] != '\0' && now < ui->msg_until_ms) {
		ui_put(y, x, COLS - 2, ui->msg, ui_theme_attr(ui->msg_color));
		return;
	}
	hints(x, COLS - 1, ui_pane_ctx(ui->focus));
}
