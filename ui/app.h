/*
 * app.h: the TUI's shared state (struct ui) and the draw/key pairs of its
 * panes and overlays. Internal to the TUI: ferry.c only sees ui.h.
 */
#ifndef FERRY_UI_APP_H
#define FERRY_UI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "keys.h"
#include "picker.h"
#include "theme.h"

#define UI_MIN_COLS	80
#define UI_MIN_ROWS	24
#define UI_FRAME_MS	50	/* at most 20 redraws per second */
#define UI_MSG_MS	6000	/* how long a status message stays */

enum ui_pane {
	UI_PANE_PEERS = 0,
	UI_PANE_FILES,
	UI_PANE_XFERS,
	UI_PANE_COUNT
};

/* What owns the keyboard right now (the panes unless a prompt or overlay is up). */
enum ui_mode {
	UI_MODE_PANES = 0,
	UI_MODE_HELP,
	UI_MODE_FILTER,		/* typing into the Files filter */
	UI_MODE_CONFIRM,	/* a one-line y/n question in the status line */
	UI_MODE_DETAIL,		/* one transfer's files, over the panes */
};

enum ui_confirm {
	UI_CONFIRM_SEND = 1,
	UI_CONFIRM_QUIT,
	UI_CONFIRM_CANCEL,
};

/* Results of a pane's key handler. */
#define UI_KEY_IGNORED	0
#define UI_KEY_HANDLED	1

struct ui_rect {
	int	y, x, h, w;
};

struct ui {
	uv_loop_t		*loop;
	struct client		*client;
	uv_poll_t		 input;		/* fd 0 readable */
	uv_signal_t		 sigwinch;
	uv_signal_t		 sigint;
	uv_signal_t		 sigterm;
	uv_signal_t		 sighup;
	uv_timer_t		 frame;		/* coalesces redraws */
	uv_timer_t		 tick;		/* 1 Hz: countdowns, message expiry */
	int			 handles_open;	/* ui handles not yet closed */
	bool			 curses_on;
	bool			 dirty;		/* something changed since the last frame */
	bool			 prune;		/* an offer ended unanswered: ui_xfers_prune() at the next frame */
	bool			 quitting;	/* client_close called, waiting for CLIENT_CLOSED */
	bool			 closed;	/* our handles are closing */
	unsigned		 empty_wakeups;	/* stdin readable but no key, in a row */
	bool			 ascii;		/* no UTF-8 locale: ASCII glyphs */
	char			 recv_dir[PATH_MAX];	/* client_dir() made absolute, for display */
	uint64_t		 last_frame_ms;

	/* Connection, from on_state. */
	enum client_state	 cstate;
	char			 creason[256];
	uint64_t		 retry_at_ms;	/* uv_now() of the next reconnect, 0 if none */

	/* Layout, recomputed every frame. */
	bool			 too_small;
	struct ui_rect		 r[UI_PANE_COUNT];
	enum ui_pane		 focus;
	enum ui_mode		 mode;

	/* Peers pane: a copy of the core's list (valid only inside callbacks). */
	struct client_peer	*peers;		/* owned (malloc) */
	size_t			 npeers;
	size_t			 peer_sel;
	size_t			 peer_top;
	uint64_t		 peer_sel_id;	/* keeps the selection when the list changes */

	/* Files pane. */
	struct ui_picker	 picker;
	size_t			 files_top;
	char			 filter_before[256];	/* restored by Esc while filtering */

	/* Transfers pane. */
	size_t			 xfer_sel;
	size_t			 xfer_top;
	uint64_t		 xfer_sel_id;

	/* Incoming offers waiting for y/n, oldest first (local transfer ids). */
	uint64_t		*offers;	/* owned (malloc) */
	size_t			 noffers;
	uint64_t		 offer_shown;	/* the offer the dialog's list is about */
	size_t			 offer_cursor;	/* its row under the cursor */
	size_t			 offer_top;	/* its first row shown */
	size_t			 offer_rows;	/* rows of the list the last frame had */

	/* The one-line confirm in the status line. */
	enum ui_confirm		 confirm;
	char			 confirm_text[512];
	char			 confirm_to[65];	/* UI_CONFIRM_SEND: peer name */
	char			**send_paths;		/* owned: UI_CONFIRM_SEND paths */
	size_t			 nsend;
	uint64_t		 confirm_xfer;	/* UI_CONFIRM_CANCEL: local id */

	/* Status message (errors, results), shown instead of the key hints for a while. */
	char			 msg[512];
	enum ui_color		 msg_color;
	uint64_t		 msg_until_ms;

	int			 help_top;	/* help overlay scroll */
	uint64_t		 detail_id;	/* UI_MODE_DETAIL: the transfer shown */
	size_t			 detail_top;	/* its first file row shown */
	size_t			 detail_rows;	/* file rows the last frame had */
	int			 help_rows;	/* last drawn: for paging */
};

/* ui.c */
void	ui_dirty(struct ui *ui);
void	ui_message(struct ui *ui, enum ui_color color, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Asks first when transfers run, unless force; then closes the client and the TUI. */
void	ui_quit(struct ui *ui, bool force);
/* The key context (UI_CTX_*) of pane p. */
unsigned ui_pane_ctx(enum ui_pane p);

/* pane_peers.c */
/* Copies the core's peer list, keeping the selection on the same peer. */
void	ui_peers_update(struct ui *ui);
/* The peer that a send goes to (NULL if none). */
const struct client_peer *ui_selected_peer(const struct ui *ui);
void	ui_peers_draw(struct ui *ui, const struct ui_rect *r, bool focused);
int	ui_peers_key(struct ui *ui, enum ui_action a);
void	ui_peers_click(struct ui *ui, int row);

/* pane_files.c */
void	ui_files_draw(struct ui *ui, const struct ui_rect *r, bool focused);
int	ui_files_key(struct ui *ui, enum ui_action a);
void	ui_files_click(struct ui *ui, int row);
/* Typed text while filtering: a code point, or a UI_FKEY key. */
void	ui_files_filter_key(struct ui *ui, int key);
/* Starts the send confirm for the marks (or the file under the cursor). */
void	ui_files_send(struct ui *ui);

/* pane_transfers.c */
void	ui_xfers_draw(struct ui *ui, const struct ui_rect *r, bool focused);
int	ui_xfers_key(struct ui *ui, enum ui_action a);
void	ui_xfers_click(struct ui *ui, int row);
/*
 * Forgets the offers that ended before anyone accepted them (withdrawn,
 * expired, declined) but the last few, whose rows stay: a flood of them
 * leaves no more behind. Not from inside a client callback.
 */
void	ui_xfers_prune(struct ui *ui);
/* What t carries, for a sentence: its one file's name cut to cols, or "3 files". */
void	ui_xfer_name(const struct client_transfer *t, int cols, char *buf,
	    size_t len);

/* dialog.c */
void	ui_offer_push(struct ui *ui, uint64_t id);
void	ui_offer_drop(struct ui *ui, uint64_t id);
void	ui_offer_draw(struct ui *ui);
/* v: the code of t matched its peer's: the key is verified (a message says so). */
void	ui_verify(struct ui *ui, const struct client_transfer *t);
int	ui_offer_key(struct ui *ui, enum ui_action a);
void	ui_help_draw(struct ui *ui);
/* xfer_detail.c: Enter on a transfer: each file's state, size, name, where it went. */
void	ui_detail_open(struct ui *ui, const struct client_transfer *t);
void	ui_detail_draw(struct ui *ui);
int	ui_detail_key(struct ui *ui, enum ui_action a);
int	ui_help_key(struct ui *ui, enum ui_action a);
void	ui_confirm_start(struct ui *ui, enum ui_confirm what, const char *text);
void	ui_confirm_key(struct ui *ui, int key);
void	ui_confirm_reset(struct ui *ui);

/* status.c */
void	ui_header_draw(struct ui *ui);
void	ui_footer_draw(struct ui *ui);

#endif /* FERRY_UI_APP_H */
