/*
 * keys.h: key bindings are data. One table maps keys to enum ui_action per
 * context (pane, dialog); the help overlay and the status line hints are
 * generated from the same table, so they can never disagree with it.
 */
#ifndef FERRY_UI_KEYS_H
#define FERRY_UI_KEYS_H

#include <stddef.h>

/* A key is a character (its code point) or a curses KEY_* code tagged with UI_FKEY. */
#define UI_FKEY(k)	((k) | 0x1000000)
#define UI_IS_FKEY(k)	(((k) & 0x1000000) != 0)
#define UI_CTRL(c)	((c) & 0x1f)

/* Contexts a binding applies in. */
#define UI_CTX_PEERS	0x01
#define UI_CTX_FILES	0x02
#define UI_CTX_XFERS	0x04
#define UI_CTX_PANES	(UI_CTX_PEERS | UI_CTX_FILES | UI_CTX_XFERS)
#define UI_CTX_OFFER	0x08	/* the incoming-offer dialog */
#define UI_CTX_HELP	0x10	/* the help overlay */
#define UI_CTX_DETAIL	0x20	/* a transfer's detail overlay */

enum ui_action {
	UI_ACT_NONE = 0,
	UI_ACT_UP,
	UI_ACT_DOWN,
	UI_ACT_PGUP,
	UI_ACT_PGDN,
	UI_ACT_HOME,
	UI_ACT_END,
	UI_ACT_NEXT_PANE,
	UI_ACT_PREV_PANE,
	UI_ACT_FOCUS_PEERS,
	UI_ACT_FOCUS_FILES,
	UI_ACT_FOCUS_XFERS,
	UI_ACT_OPEN,		/* Files: enter a folder, or send the file */
	UI_ACT_PARENT,		/* Files: go up */
	UI_ACT_MARK,
	UI_ACT_MARK_ALL,
	UI_ACT_UNMARK_ALL,
	UI_ACT_HIDDEN,
	UI_ACT_FILTER,
	UI_ACT_RELOAD,
	UI_ACT_SEND,
	UI_ACT_CANCEL,
	UI_ACT_CLEAR,
	UI_ACT_RETRY,		/* send a failed transfer again: what the receiver kept resumes */
	UI_ACT_ACCEPT,
	UI_ACT_DECLINE,
	UI_ACT_VERIFY,		/* the authentication code matched: the peer's key is verified */
	UI_ACT_HELP,
	UI_ACT_CLOSE,		/* close the overlay */
	UI_ACT_REDRAW,
	UI_ACT_QUIT,
};

struct ui_binding {
	int		 key;		/* a character or UI_FKEY(KEY_*) */
	unsigned	 ctx;		/* UI_CTX_* where it applies */
	enum ui_action	 action;
	const char	*label;		/* how help shows the key(s); NULL: an alias shown on another row */
	const char	*hint;		/* short word for the status line, or NULL */
	const char	*help;		/* the sentence in the help overlay */
};

/* The action of key in context ctx (one UI_CTX_* bit), or UI_ACT_NONE. */
enum ui_action	ui_key_action(int key, unsigned ctx);

/* The whole table (for the help overlay); *n gets its length. */
const struct ui_binding *ui_key_table(size_t *n);

#endif /* FERRY_UI_KEYS_H */
