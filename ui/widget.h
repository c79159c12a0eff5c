/*
 * widget.h: the drawing primitives every pane uses: width-safe text, boxes
 * with titles, progress bars, and the scroll arithmetic of lists.
 */
#ifndef FERRY_UI_WIDGET_H
#define FERRY_UI_WIDGET_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "app.h"

/* Chooses Unicode (default) or ASCII glyphs for boxes, bars and marks. */
void	ui_widget_set_ascii(bool ascii);
/* Draws everything dimmed (the panes behind a dialog) until called with false. */
void	ui_widget_set_dim(bool dim);
/* utf8 normally, ascii when the locale cannot show it. */
const char *ui_glyph(const char *utf8, const char *ascii);

/* Writes s at (y, x), cut to cols columns; returns the columns written. */
int	ui_put(int y, int x, int cols, const char *s, attr_t a);
/* Writes s right-aligned so that it ends just before column x_end; returns its start column. */
int	ui_put_right(int y, int x_end, int cols, const char *s, attr_t a);
/* Fills cols cells with spaces. */
void	ui_fill(int y, int x, int cols, attr_t a);
/* A horizontal line of cols cells (the box's own glyph). */
void	ui_rule(int y, int x, int cols, attr_t a);

/*
 * A box with rounded corners around r; title goes into the top border at
 * the left, footer (may be NULL) into the bottom border at the right.
 */
void	ui_box(const struct ui_rect *r, attr_t border, const char *title,
	    attr_t title_attr, const char *footer);
/* Clears the inside of r. */
void	ui_clear_rect(const struct ui_rect *r);
/* A rectangle of w x h (at most the screen) in the middle of the screen. */
struct ui_rect ui_centered(int w, int h);

/* A progress bar of cols cells: eighth blocks for the done part, a dim track for the rest. */
void	ui_bar(int y, int x, int cols, double frac, attr_t bar, attr_t track);

/* Moves *top so that sel stays visible in a list of n items with rows visible rows. */
void	ui_scroll_fix(size_t *top, size_t sel, size_t n, size_t rows);
/* Moves a selection by delta within n items (clamped); returns the new index. */
size_t	ui_sel_move(size_t sel, long delta, size_t n);

#endif /* FERRY_UI_WIDGET_H */
