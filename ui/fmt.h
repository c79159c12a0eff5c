/*
 * fmt.h: pure text helpers for the front ends: rates, progress, and
 * cutting UTF-8 text to a column width without breaking a character.
 * No curses here, so the unit tests can check every function directly.
 */
#ifndef FERRY_UI_FMT_H
#define FERRY_UI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dir with $HOME shown as "~" ("/home/ann/x" -> "~/x"), into buf. */
void	ui_fmt_home(char *buf, size_t len, const char *dir, const char *home);
/* "1.2 MiB/s"; "-" when the rate is unknown (negative). */
void	ui_fmt_rate(char *buf, size_t len, double bytes_per_s);
/* "4.5/10.0 MiB" when both share a unit, else "512.0 KiB/1.0 GiB". */
void	ui_fmt_progress(char *buf, size_t len, uint64_t done, uint64_t total);

/* Display width of the whole string (control and malformed bytes count 1). */
int	ui_text_width(const char *s);

/*
 * Copies s into out (outlen bytes, always NUL-terminated) so that it takes
 * at most cols columns. When s is wider, it is cut at a character boundary
 * and ends with "…" (one column). Control characters and malformed bytes
 * become '?', so nothing written can move the cursor. Returns the width
 * written, which is <= cols.
 */
int	ui_text_fit(const char *s, int cols, char *out, size_t outlen);

/*
 * Like ui_text_fit, but pads with spaces to exactly cols columns when s is
 * narrower (or when a wide character would straddle the edge).
 */
int	ui_text_pad(const char *s, int cols, char *out, size_t outlen);

/*
 * Like ui_text_fit, but keeps the end of s and cuts at the start with a
 * leading "…": for paths, whose last part matters most.
 */
int	ui_text_fit_left(const char *s, int cols, char *out, size_t outlen);

/*
 * Renders a progress bar of width cols for frac (0..1) into out as UTF-8:
 * full blocks, one eighth-block partial, then spaces. With ascii set it
 * uses '#' and '-' instead. Returns the number of full-or-partial cells.
 */
int	ui_bar_render(double frac, int cols, bool ascii, char *out, size_t outlen);

/* Natural, case-insensitive order for file names: "a2" < "a10" < "B". */
int	ui_name_cmp(const char *a, const char *b);

#endif /* FERRY_UI_FMT_H */
