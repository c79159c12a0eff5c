/*
 * fmt.c: pure text helpers for the TUI (sizes, rates, ETAs, UTF-8 width
 * fitting, progress bar glyphs, natural name order). No curses, no I/O.
 */
#include "fmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

/* Picks the unit for bytes so that the printed number stays below 1000. */
static int
size_unit(uint64_t bytes, double *v)
{
	double	d = (double)bytes;
	int	u = 0;

	while (u < 6 && d >= 999.95) {
		d /= 1024.0;
		u++;
	}
	*v = d;
	return u;
}

void
ui_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	double	v;
	int	u = size_unit(bytes, &v);

	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
ui_fmt_rate(char *buf, size_t len, double bytes_per_s)
{
	char	s[UI_FMT_SIZE_LEN];

	if (bytes_per_s < 0 || !isfinite(bytes_per_s)) {
		snprintf(buf, len, "-");
		return;
	}
	if (bytes_per_s > 1e18)
		bytes_per_s = 1e18;
	ui_fmt_size(s, sizeof s, (uint64_t)(bytes_per_s + 0.5));
	snprintf(buf, len, "%s/s", s);
}

void
ui_fmt_eta(char *buf, size_t len, double seconds)
{
	unsigned long long	s;

	/* More than 99 days is as good as unknown. */
	if (seconds < 0 || !isfinite(seconds) || seconds >= 99.0 * 86400) {
		snprintf(buf, len, "--:--");
		return;
	}
	s = (unsigned long long)(seconds + 0.5);
	if (s < 3600)
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
	else if (s < 100 * 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, len, "%llud", s / 86400);
}

void
ui_fmt_progress(char *buf, size_t len, uint64_t done, uint64_t total)
{
	char	a[UI_FMT_SIZE_LEN], b[UI_FMT_SIZE_LEN];
	double	vd, vt;
	int	ud, ut;

	if (done > total)
		done = total;
	ud = size_unit(done, &vd);
	ut = size_unit(total, &vt);
	if (ud == ut && ud > 0) {
		snprintf(buf, len, "%.1f/%.1f %s", vd, vt, units[ut]);
		return;
	}
	if (ud == ut) {
		snprintf(buf, len, "%llu/%llu B", (unsigned long long)done,
		    (unsigned long long)total);
		return;
	}
	ui_fmt_size(a, sizeof a, done);
	ui_fmt_size(b, sizeof b, total);
	snprintf(buf, len, "%s/%s", a, b);
}

size_t
ui_utf8_next(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint32_t		 c, min;
	size_t			 n, i;

	if (len == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; c &= 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; c &= 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (n > len) {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return n;
}

/* True for characters that must never reach the terminal as they are. */
static bool
cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int
ui_cp_width(uint32_t cp)
{
	int	w;

	if (cp_is_control(cp))
		return 1;
	if (cp < 0x7F)
		return 1;
	w = wcwidth((wchar_t)cp);
	/* Unknown to this locale: shown as '?', one column. */
	return w < 0 ? 1 : w;
}

/* Width of one decoded character and whether it is printed as '?'. */
static int
cp_shown(uint32_t cp, size_t n, bool *subst)
{
	int	w;

	*subst = false;
	if (cp_is_control(cp) || (cp == 0xFFFD && n == 1)) {
		*subst = true;
		return 1;
	}
	if (cp < 0x7F)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*subst = true;
		return 1;
	}
	return w;
}

int
ui_text_width(const char *s)
{
	size_t		len = strlen(s), off = 0, n;
	uint32_t	cp;
	bool		subst;
	int		w = 0;

	while (off < len) {
		n = ui_utf8_next(s + off, len - off, &cp);
		w += cp_shown(cp, n, &subst);
		off += n;
	}
	return w;
}

/* Appends bytes to out if they fit with room for the NUL; false otherwise. */
static bool
put(char *out, size_t outlen, size_t *o, const char *b, size_t n)
{
	if (*o + n + 1 > outlen)
		return false;
	memcpy(out + *o, b, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

/* The shared body of ui_text_fit and ui_text_pad. */
static int
text_fit(const char *s, int cols, char *out, size_t outlen, bool pad)
{
	static const char	 ell[] = "\xe2\x80\xa6";	/* U+2026 … */
	size_t			 len = strlen(s), off, n, o = 0;
	uint32_t		 cp;
	bool			 subst, cut;
	int			 w, cw, room;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (cols <= 0)
		return 0;

	/* Cut only when the whole string does not fit. */
	cut = ui_text_width(s) > cols;
	room = cut ? cols - 1 : cols;
	w = 0;
	for (off = 0; off < len; off += n) {
		n = ui_utf8_next(s + off, len - off, &cp);
		cw = cp_shown(cp, n, &subst);
		if (w + cw > room)
			break;
		if (!put(out, outlen, &o, subst ? "?" : s + off, subst ? 1 : n))
			break;
		w += cw;
	}
	if (cut && put(out, outlen, &o, ell, sizeof ell - 1))
		w++;
	while (pad && w < cols && put(out, outlen, &o, " ", 1))
		w++;
	return w;
}

int
ui_text_fit(const char *s, int cols, char *out, size_t outlen)
{
	return text_fit(s, cols, out, outlen, false);
}

int
ui_text_pad(const char *s, int cols, char *out, size_t outlen)
{
	return text_fit(s, cols, out, outlen, true);
}

int
ui_text_fit_left(const char *s, int cols, char *out, size_t outlen)
{
	static const char	 ell[] = "\xe2\x80\xa6";	/* U+2026 … */
	size_t			 len = strlen(s), off = 0, o = 0;
	uint32_t		 cp;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (cols <= 0)
		return 0;
	if (ui_text_width(s) <= cols)
		return ui_text_fit(s, cols, out, outlen);
	/* Drop whole characters from the front until the rest fits beside "…". */
	while (off < len && ui_text_width(s + off) > cols - 1)
		off += ui_utf8_next(s + off, len - off, &cp);
	if (!put(out, outlen, &o, ell, sizeof ell - 1))
		return 0;
	return 1 + ui_text_fit(s + off, cols - 1, out + o, outlen - o);
}

int
ui_bar_render(double frac, int cols, bool ascii, char *out, size_t outlen)
{
	/* U+258F..U+2589: one to seven eighths of a cell, then the full U+2588. */
	static const char *const eighths[] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e",
	    "\xe2\x96\x8d", "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a",
	    "\xe2\x96\x89", "\xe2\x96\x88" };
	size_t	o = 0;
	long	units8, full, part, i;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (cols <= 0)
		return 0;
	if (!(frac > 0))	/* also catches NaN */
		frac = 0;
	if (frac > 1)
		frac = 1;
	units8 = (long)(frac * cols * 8 + 1e-9);	/* frac >= 0: truncation is floor */
	full = units8 / 8;
	part = units8 % 8;
	for (i = 0; i < full; i++) {
		if (!put(out, outlen, &o, ascii ? "#" : eighths[8],
		    ascii ? 1 : strlen(eighths[8])))
			return (int)i;
	}
	if (part > 0 && full < cols) {
		if (ascii) {
			if (part >= 4 && put(out, outlen, &o, "#", 1))
				full++;
		} else if (put(out, outlen, &o, eighths[part], strlen(eighths[part])))
			full++;
	}
	return (int)full;
}

int
ui_name_cmp(const char *a, const char *b)
{
	const unsigned char	*p = (const unsigned char *)a;
	const unsigned char	*q = (const unsigned char *)b;
	const unsigned char	*ps, *qs;
	size_t			 lp, lq;
	int			 ca, cb;

	while (*p != '\0' && *q != '\0') {
		if (isdigit(*p) && isdigit(*q)) {
			/* Compare digit runs by value: skip leading zeros, then length, then digits. */
			while (*p == '0' && isdigit(p[1]))
				p++;
			while (*q == '0' && isdigit(q[1]))
				q++;
			for (ps = p; isdigit(*p); p++)
				;
			for (qs = q; isdigit(*q); q++)
				;
			lp = (size_t)(p - ps);
			lq = (size_t)(q - qs);
			if (lp != lq)
				return lp < lq ? -1 : 1;
			if (memcmp(ps, qs, lp) != 0)
				return memcmp(ps, qs, lp) < 0 ? -1 : 1;
			continue;
		}
		ca = tolower(*p);
		cb = tolower(*q);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		p++;
		q++;
	}
	if (*p != *q)
		return *p == '\0' ? -1 : 1;
	/* Equal ignoring case and zeros: fall back to bytes so the order is total. */
	return strcmp(a, b) < 0 ? -1 : (strcmp(a, b) > 0 ? 1 : 0);
}

void
ui_fmt_home(char *buf, size_t len, const char *dir, const char *home)
{
	size_t	n;

	if (home != NULL && (n = strlen(home)) > 1 && strncmp(dir, home, n) == 0 &&
	    (dir[n] == '/' || dir[n] == '\0'))
		snprintf(buf, len, "~%s", dir + n);
	else
		snprintf(buf, len, "%s", dir);
}
