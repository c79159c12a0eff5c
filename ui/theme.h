/*
 * theme.h: every colour and attribute the TUI uses, in one X-macro table.
 * Colours use the terminal's own background (use_default_colors) and only
 * foregrounds that read on dark and light themes; without colour (NO_COLOR,
 * a monochrome terminal) each entry falls back to plain attributes.
 */
#ifndef FERRY_UI_THEME_H
#define FERRY_UI_THEME_H

#include <stdbool.h>

#include <curses.h>

/* name, foreground, background (-1: the terminal's), attributes with colour, attributes without. */
/*
 * Coloured entries carry no A_BOLD: many terminals draw bold colours as
 * their bright variants, and bright cyan or green on a light background is
 * unreadable. Emphasis without colour (names, totals) uses bold instead.
 */
#define UI_COLORS(X)							\
	X(NORMAL,	-1,		-1,		A_NORMAL,	A_NORMAL)	\
	X(DIM,		-1,		-1,		A_DIM,		A_DIM)		\
	X(BORDER,	-1,		-1,		A_DIM,		A_DIM)		\
	X(BORDER_FOCUS,	COLOR_CYAN,	-1,		A_NORMAL,	A_BOLD)		\
	X(TITLE,	-1,		-1,		A_BOLD,		A_BOLD)		\
	X(TITLE_FOCUS,	COLOR_CYAN,	-1,		A_NORMAL,	A_BOLD | A_UNDERLINE) \
	X(CURSOR,	COLOR_BLACK,	COLOR_CYAN,	A_NORMAL,	A_REVERSE)	\
	X(CURSOR_IDLE,	-1,		-1,		A_REVERSE | A_DIM, A_UNDERLINE)	\
	X(DIR,		COLOR_BLUE,	-1,		A_NORMAL,	A_BOLD)		\
	X(LINK,		COLOR_CYAN,	-1,		A_NORMAL,	A_NORMAL)	\
	X(MARK,		COLOR_MAGENTA,	-1,		A_NORMAL,	A_BOLD)		\
	X(BAR,		COLOR_GREEN,	-1,		A_NORMAL,	A_NORMAL)	\
	X(BAR_TRACK,	-1,		-1,		A_DIM,		A_DIM)		\
	X(OK,		COLOR_GREEN,	-1,		A_NORMAL,	A_BOLD)		\
	X(ERROR,	COLOR_RED,	-1,		A_NORMAL,	A_BOLD)		\
	X(WARN,		COLOR_MAGENTA,	-1,		A_NORMAL,	A_BOLD)		\
	X(SEND,		COLOR_CYAN,	-1,		A_NORMAL,	A_BOLD)		\
	X(RECV,		COLOR_GREEN,	-1,		A_NORMAL,	A_BOLD)		\
	X(BRAND,	COLOR_BLACK,	COLOR_CYAN,	A_NORMAL,	A_REVERSE | A_BOLD) \
	X(KEY,		COLOR_CYAN,	-1,		A_NORMAL,	A_BOLD)		\
	X(DIALOG_BORDER, COLOR_MAGENTA,	-1,		A_NORMAL,	A_BOLD)		\
	X(PROMPT,	COLOR_MAGENTA,	-1,		A_NORMAL,	A_BOLD)

enum ui_color {
#define UI_COLOR_ENUM(name, fg, bg, attr, mono) UI_C_##name,
	UI_COLORS(UI_COLOR_ENUM)
#undef UI_COLOR_ENUM
	UI_C_COUNT
};

/*
 * Sets up colour pairs after initscr. Uses plain attributes when colour is
 * off: NO_COLOR set and not empty, mono set, or a terminal without colours.
 * Returns whether colour is on.
 */
bool	ui_theme_init(bool mono);
/* The attributes to draw element c with. */
attr_t	ui_theme_attr(enum ui_color c);

#endif /* FERRY_UI_THEME_H */
