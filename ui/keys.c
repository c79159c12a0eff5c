/*
 * keys.c: the key table. Pane-specific rows come before the rows shared by
 * every pane, so a pane can give a key its own meaning (h in Files).
 */
#include "keys.h"

#include <curses.h>

#define P	UI_CTX_PANES
#define F	UI_CTX_FILES

static const struct ui_binding bindings[] = {
	/* Files */
	{ '\n',			F, UI_ACT_OPEN,	"Enter \xe2\x86\x92",	"open",	"open folder, or send the file" },
	{ '\r',			F, UI_ACT_OPEN,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_ENTER),	F, UI_ACT_OPEN,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_RIGHT),	F, UI_ACT_OPEN,	NULL,		NULL,	NULL },
	{ 'l',			F, UI_ACT_OPEN,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_BACKSPACE), F, UI_ACT_PARENT, "\xe2\x8c\xab h \xe2\x86\x90", "up", "go up to the parent folder" },
	{ 127,			F, UI_ACT_PARENT, NULL,		NULL,	NULL },
	{ UI_CTRL('h'),		F, UI_ACT_PARENT, NULL,		NULL,	NULL },
	{ 'h',			F, UI_ACT_PARENT, NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_LEFT),	F, UI_ACT_PARENT, NULL,		NULL,	NULL },
	{ ' ',			F, UI_ACT_MARK,	"Space",	"mark",	"mark or unmark a file" },
	{ 's',			F, UI_ACT_SEND,	"s",		"send",	"send the marks (or this file)" },
	{ 'a',			F, UI_ACT_MARK_ALL, "a",	NULL,	"mark every file shown" },
	{ 'u',			F, UI_ACT_UNMARK_ALL, "u",	NULL,	"unmark everything" },
	{ '/',			F, UI_ACT_FILTER, "/",		"filter", "filter names (Esc clears)" },
	{ '.',			F, UI_ACT_HIDDEN, ".",		"hidden", "show or hide hidden files" },
	{ 'r',			F, UI_ACT_RELOAD, "r",		NULL,	"read the folder again" },

	/* Peers */
	{ '\n',			UI_CTX_PEERS, UI_ACT_FOCUS_FILES, "Enter", "files", "choose the peer, go to Files" },
	{ '\r',			UI_CTX_PEERS, UI_ACT_FOCUS_FILES, NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_ENTER),	UI_CTX_PEERS, UI_ACT_FOCUS_FILES, NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_RIGHT),	UI_CTX_PEERS, UI_ACT_FOCUS_FILES, NULL,	NULL,	NULL },
	{ 's',			UI_CTX_PEERS, UI_ACT_SEND, "s",	"send",	"send the marks to this peer" },

	/* Transfers */
	{ 'x',			UI_CTX_XFERS, UI_ACT_CANCEL, "x Del",	"cancel", "cancel the selected transfer" },
	{ UI_FKEY(KEY_DC),	UI_CTX_XFERS, UI_ACT_CANCEL, NULL,	NULL,	NULL },
	{ 'v',			UI_CTX_XFERS, UI_ACT_VERIFY, "v",	"verified", "the selected transfer's code matched the peer's: its key is verified" },
	{ 'c',			UI_CTX_XFERS, UI_ACT_CLEAR, "c",	"clear", "clear finished transfers" },
	{ 'r',			UI_CTX_XFERS, UI_ACT_RETRY, "r",	"retry", "send a failed transfer again: it goes on from what the receiver kept" },
	{ '\n',			UI_CTX_XFERS, UI_ACT_OPEN, "Enter",	"detail", "each file of the selected transfer: state, size, where it went, digest" },
	{ '\r',			UI_CTX_XFERS, UI_ACT_OPEN,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_ENTER),	UI_CTX_XFERS, UI_ACT_OPEN,	NULL,	NULL,	NULL },

	/* A transfer's detail */
	{ UI_FKEY(KEY_UP),	UI_CTX_DETAIL, UI_ACT_UP, "\xe2\x86\x91\xe2\x86\x93", "scroll", "scroll the list of files" },
	{ 'k',			UI_CTX_DETAIL, UI_ACT_UP,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_DOWN),	UI_CTX_DETAIL, UI_ACT_DOWN,	NULL,	NULL,	NULL },
	{ 'j',			UI_CTX_DETAIL, UI_ACT_DOWN,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_PPAGE),	UI_CTX_DETAIL, UI_ACT_PGUP, "PgUp PgDn", "page", "a page up or down" },
	{ UI_FKEY(KEY_NPAGE),	UI_CTX_DETAIL, UI_ACT_PGDN,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_HOME),	UI_CTX_DETAIL, UI_ACT_HOME, "Home End", NULL, "the first or last page" },
	{ UI_FKEY(KEY_END),	UI_CTX_DETAIL, UI_ACT_END,	NULL,	NULL,	NULL },
	{ 27,			UI_CTX_DETAIL, UI_ACT_CLOSE, "Esc q Enter", "close", "back to the panes" },
	{ 'q',			UI_CTX_DETAIL, UI_ACT_CLOSE,	NULL,	NULL,	NULL },
	{ '\n',			UI_CTX_DETAIL, UI_ACT_CLOSE,	NULL,	NULL,	NULL },
	{ '\r',			UI_CTX_DETAIL, UI_ACT_CLOSE,	NULL,	NULL,	NULL },
	{ UI_CTRL('l'),		UI_CTX_DETAIL, UI_ACT_REDRAW,	NULL,	NULL,	NULL },

	/* Every pane */
	{ UI_FKEY(KEY_UP),	P, UI_ACT_UP,	"\xe2\x86\x91\xe2\x86\x93 k j", "move", "move up and down" },
	{ 'k',			P, UI_ACT_UP,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_DOWN),	P, UI_ACT_DOWN,	NULL,		NULL,	NULL },
	{ 'j',			P, UI_ACT_DOWN,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_PPAGE),	P, UI_ACT_PGUP,	"PgUp PgDn",	NULL,	"move a page up or down" },
	{ UI_FKEY(KEY_NPAGE),	P, UI_ACT_PGDN,	NULL,		NULL,	NULL },
	{ UI_CTRL('b'),		P, UI_ACT_PGUP,	NULL,		NULL,	NULL },
	{ UI_CTRL('f'),		P, UI_ACT_PGDN,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_HOME),	P, UI_ACT_HOME,	"g G",	NULL,	"first row / last row" },
	{ 'g',			P, UI_ACT_HOME,	NULL,		NULL,	NULL },
	{ UI_FKEY(KEY_END),	P, UI_ACT_END,	NULL,		NULL,	NULL },
	{ 'G',			P, UI_ACT_END,	NULL,		NULL,	NULL },
	{ '\t',			P, UI_ACT_NEXT_PANE, "Tab S-Tab", "pane", "next / previous pane" },
	{ UI_FKEY(KEY_BTAB),	P, UI_ACT_PREV_PANE, NULL,	NULL,	NULL },
	{ '1',			P, UI_ACT_FOCUS_PEERS, "1 2 3",	NULL,	"Peers / Files / Transfers" },
	{ '2',			P, UI_ACT_FOCUS_FILES, NULL,	NULL,	NULL },
	{ '3',			P, UI_ACT_FOCUS_XFERS, NULL,	NULL,	NULL },
	{ 's',			P, UI_ACT_SEND,	NULL,		NULL,	NULL },
	{ 'x',			P, UI_ACT_CANCEL, NULL,		NULL,	NULL },
	{ UI_CTRL('l'),		P, UI_ACT_REDRAW, "C-l",	NULL,	"redraw the screen" },
	{ '?',			P, UI_ACT_HELP,	"?",		"help",	"show or hide this help" },
	{ UI_FKEY(KEY_F(1)),	P, UI_ACT_HELP,	NULL,		NULL,	NULL },
	{ 'q',			P, UI_ACT_QUIT,	"q",		"quit",	"quit (asks if transfers run)" },

	/* The incoming-offer dialog */
	{ 'y',			UI_CTX_OFFER, UI_ACT_ACCEPT, "y",	"accept", "accept into the target folder" },
	{ 'Y',			UI_CTX_OFFER, UI_ACT_ACCEPT, NULL,	NULL,	NULL },
	{ 'n',			UI_CTX_OFFER, UI_ACT_DECLINE, "n Esc", "decline", "decline (the sender is told)" },
	{ 'N',			UI_CTX_OFFER, UI_ACT_DECLINE, NULL,	NULL,	NULL },
	{ 27,			UI_CTX_OFFER, UI_ACT_DECLINE, NULL,	NULL,	NULL },
	{ 'v',			UI_CTX_OFFER, UI_ACT_VERIFY, "v",	"verified", "the code matched what the sender sees: remember the key as verified" },
	{ ' ',			UI_CTX_OFFER, UI_ACT_MARK, "Space",	"tick",	"tick or untick a file or folder (a folder with everything in it)" },
	{ 'a',			UI_CTX_OFFER, UI_ACT_MARK_ALL, "a",	"all",	"tick everything again" },
	{ UI_FKEY(KEY_UP),	UI_CTX_OFFER, UI_ACT_UP, "\xe2\x86\x91\xe2\x86\x93", "move", "move in the list of files" },
	{ 'k',			UI_CTX_OFFER, UI_ACT_UP,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_DOWN),	UI_CTX_OFFER, UI_ACT_DOWN,	NULL,	NULL,	NULL },
	{ 'j',			UI_CTX_OFFER, UI_ACT_DOWN,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_PPAGE),	UI_CTX_OFFER, UI_ACT_PGUP, "PgUp PgDn", "page", "a page up or down the list" },
	{ UI_FKEY(KEY_NPAGE),	UI_CTX_OFFER, UI_ACT_PGDN,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_HOME),	UI_CTX_OFFER, UI_ACT_HOME, "Home End", "ends", "the first or last entry of the list" },
	{ UI_FKEY(KEY_END),	UI_CTX_OFFER, UI_ACT_END,	NULL,	NULL,	NULL },
	{ '?',			UI_CTX_OFFER, UI_ACT_HELP,	NULL,	NULL,	NULL },
	{ UI_CTRL('l'),		UI_CTX_OFFER, UI_ACT_REDRAW,	NULL,	NULL,	NULL },

	/* The help overlay */
	{ UI_FKEY(KEY_UP),	UI_CTX_HELP, UI_ACT_UP,	NULL,	NULL,	NULL },
	{ 'k',			UI_CTX_HELP, UI_ACT_UP,	NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_DOWN),	UI_CTX_HELP, UI_ACT_DOWN, NULL,	NULL,	NULL },
	{ 'j',			UI_CTX_HELP, UI_ACT_DOWN, NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_PPAGE),	UI_CTX_HELP, UI_ACT_PGUP, NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_NPAGE),	UI_CTX_HELP, UI_ACT_PGDN, NULL,	NULL,	NULL },
	{ '?',			UI_CTX_HELP, UI_ACT_CLOSE, NULL,	NULL,	NULL },
	{ 'q',			UI_CTX_HELP, UI_ACT_CLOSE, NULL,	NULL,	NULL },
	{ 27,			UI_CTX_HELP, UI_ACT_CLOSE, NULL,	NULL,	NULL },
	{ '\n',			UI_CTX_HELP, UI_ACT_CLOSE, NULL,	NULL,	NULL },
	{ UI_FKEY(KEY_F(1)),	UI_CTX_HELP, UI_ACT_CLOSE, NULL,	NULL,	NULL },
	{ UI_CTRL('l'),		UI_CTX_HELP, UI_ACT_REDRAW, NULL,	NULL,	NULL },
};

#undef P
#undef F

enum ui_action
ui_key_action(int key, unsigned ctx)
{
	size_t	i;

	for (i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
		if (bindings[i].key == key && (bindings[i].ctx & ctx) != 0)
			return bindings[i].action;
	}
	return UI_ACT_NONE;
}

const struct ui_binding *
ui_key_table(size_t *n)
{
	*n = sizeof bindings / sizeof bindings[0];
	return bindings;
}
