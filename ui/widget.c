/*
 * widget.c: drawing primitives on stdscr. Every string goes through
 * ui_text_fit first, so nothing drawn can overflow its cell range or carry
 * a control character to the terminal.
 */
#include "widget.h"


#include "fmt.h"

static bool	ascii_only;
static attr_t	mask;		/* OR'd into every attribute: A_DIM behind an overlay */

void
ui_widget_set_dim(bool dim)
{
	mask = dim ? A_DIM : A_NORMAL;
}

void
ui_widget_set_ascii(bool ascii)
{
	ascii_only = ascii;
}

const char *
ui_glyph(const char *utf8, const char *ascii)
{
	return ascii_only ? ascii : utf8;
}

/* Writes s cut to cols columns at (y, x), or ending just before x when right is set; returns its width. */
static int
put_fit(int y, int x, int cols, const char *s, attr_t a, bool right)
{
	char	buf[2048];
	int	w;

	if (cols <= 0)
		return 0;
	w = ui_text_fit(s, cols, buf, sizeof buf);
	attrset(a | mask);
	mvaddstr(y, right ? x - w : x, buf);
	attrset(A_NORMAL);
	return w;
}

int
ui_put(int y, int x, int cols, const char *s, attr_t a)
{
	return put_fit(y, x, cols, s, a, false);
}

int
ui_put_right(int y, int x_end, int cols, const char *s, attr_t a)
{
	return x_end - put_fit(y, x_end, cols, s, a, true);
}

void
ui_fill(int y, int x, int cols, attr_t a)
{
	attrset(a | mask);
	if (cols > 0)
		mvhline(y, x, ' ', cols);
	attrset(A_NORMAL);
}

/* A run of n copies of one glyph. */
static void
hrun(int y, int x, int n, const char *g)
{
	int	i;

	move(y, x);
	for (i = 0; i < n; i++)
		addstr(g);
}

void
ui_rule(int y, int x, int cols, attr_t a)
{
	attrset(a | mask);
	hrun(y, x, cols, ui_glyph("\xe2\x94\x80", "-"));
	attrset(A_NORMAL);
}

/* " s " in a border line, s cut to cols: from x, or ending just before x when right is set. */
static void
border_label(int y, int x, int cols, const char *s, attr_t a, bool right)
{
	char	buf[512];
	int	w;

	w = ui_text_fit(s, cols, buf, sizeof buf);
	attrset(a | mask);
	mvaddstr(y, right ? x - w : x, " ");
	addstr(buf);
	addstr(" ");
	attrset(A_NORMAL);
}

void
ui_box(const struct ui_rect *r, attr_t border, const char *title,
    attr_t title_attr, const char *footer)
{
	const char	*h = ui_glyph("\xe2\x94\x80", "-");
	const char	*v = ui_glyph("\xe2\x94\x82", "|");
	int		 y;

	if (r->h < 2 || r->w < 2)
		return;
	attrset(border | mask);
	mvaddstr(r->y, r->x, ui_glyph("\xe2\x95\xad", "+"));
	hrun(r->y, r->x + 1, r->w - 2, h);
	addstr(ui_glyph("\xe2\x95\xae", "+"));
	for (y = r->y + 1; y < r->y + r->h - 1; y++) {
		mvaddstr(y, r->x, v);
		mvaddstr(y, r->x + r->w - 1, v);
	}
	mvaddstr(r->y + r->h - 1, r->x, ui_glyph("\xe2\x95\xb0", "+"));
	hrun(r->y + r->h - 1, r->x + 1, r->w - 2, h);
	addstr(ui_glyph("\xe2\x95\xaf", "+"));
	attrset(A_NORMAL);

	if (title != NULL && r->w > 6)
		border_label(r->y, r->x + 2, r->w - 6, title, title_attr, false);
	if (footer != NULL && *footer != '\0' && r->w > 8)
		border_label(r->y + r->h - 1, r->x + r->w - 4, r->w - 8, footer,
		    border, true);
}

void
ui_clear_rect(const struct ui_rect *r)
{
	int	y;

	for (y = r->y; y < r->y + r->h; y++)
		ui_fill(y, r->x, r->w, A_NORMAL);
}

struct ui_rect
ui_centered(int w, int h)
{
	struct ui_rect	r;

	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	r.w = w;
	r.h = h;
	r.x = (COLS - w) / 2;
	r.y = (LINES - h) / 2;
	return r;
}

void
ui_bar(int y, int x, int cols, double frac, attr_t bar, attr_t track)
{
	char	buf[512];
	int	n;

	if (cols <= 0)
		return;
	if (cols > 100)
		cols = 100;
	n = ui_bar_render(frac, cols, ascii_only, buf, sizeof buf);
	attrset(bar | mask);
	mvaddstr(y, x, buf);
	attrset(track | mask);
	if (n < cols)
		hrun(y, x + n, cols - n, ui_glyph("\xc2\xb7", "."));
	attrset(A_NORMAL);
}

void
ui_scroll_fix(size_t *top, size_t sel, size_t n, size_t rows)
{
	if (rows == 0 || n == 0) {
		*top = 0;
		return;
	}
	if (sel < *top)
		*top = sel;
	else if (sel >= *top + rows)
		*top = sel - rows + 1;
	/* No empty rows at the bottom while there is more above. */
	if (n > rows && *top > n - rows)
		*top = n - rows;
	if (n <= rows)
		*top = 0;
}

size_t
ui_sel_move(size_t sel, long delta, size_t n)
{
	long	s = (long)sel + delta;

	if (n == 0)
		return 0;
	if (s < 0)
		s = 0;
	if (s >= (long)n)
		s = (long)n - 1;
	return (size_t)s;
}
