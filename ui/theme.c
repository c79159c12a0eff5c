/*
 * theme.c: colour pairs and monochrome fallbacks from the UI_COLORS table.
 */
#include "theme.h"

#include <stdlib.h>

struct theme_entry {
	short	fg, bg;		/* curses colour numbers, -1 for the terminal's default */
	attr_t	attr;		/* with colour */
	attr_t	mono;		/* without colour */
};

static const struct theme_entry theme[UI_C_COUNT] = {
#define UI_COLOR_ROW(name, f, b, a, m) [UI_C_##name] = { f, b, a, m },
	UI_COLORS(UI_COLOR_ROW)
#undef UI_COLOR_ROW
};

static bool	color_on;

bool
ui_theme_init(bool mono)
{
	const char	*nc = getenv("NO_COLOR");
	int		 i;

	color_on = false;
	/* https://no-color.org: any non-empty value turns colour off. */
	if (mono || (nc != NULL && *nc != '\0'))
		return false;
	if (!has_colors() || start_color() == ERR || COLORS < 8)
		return false;
	/* The terminal's own background keeps light and dark themes readable. */
	if (use_default_colors() == ERR)
		return false;
	for (i = 0; i < UI_C_COUNT; i++) {
		if (init_pair((short)(i + 1), theme[i].fg, theme[i].bg) == ERR)
			return false;
	}
	color_on = true;
	return true;
}

attr_t
ui_theme_attr(enum ui_color c)
{
	if (c < 0 || c >= UI_C_COUNT)
		return A_NORMAL;
	if (!color_on)
		return theme[c].mono;
	return theme[c].attr | (attr_t)COLOR_PAIR(c + 1);
}
