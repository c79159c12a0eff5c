/*
 * fmt.c: pure text helpers for the front ends (rates and progress built on
 * proto/text.h's sizes, UTF-8 width fitting, progress bar glyphs, natural
 * name order). No curses, no I/O.
 */
#include "fmt.h"

#include "text.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

void
ui_fmt_rate(char *buf, size_t len, double bytes_per_s)
{
	char	s[PROTO_SIZE_LEN];

	if (bytes_per_s < 0 || !isfinite(bytes_per_s)) {
		snprintf(buf, len, "-");
		return;
	}
	if (bytes_per_s > 1e18)
		bytes_per_s = 1e18;
	proto_fmt_size((uint64_t)(bytes_per_s + 0.5), s, sizeof s);
	snprintf(buf, len, "%s/s", s);
}

void
ui_fmt_progress(char *buf, size_t len, uint64_t done, uint64_t total)
{
	char		 a[PROTO_SIZE_LEN], b[PROTO_SIZE_LEN];
	double		 vd, vt;
	const char	*ud, *ut;

	if (done > total)
		done = total;
	ud = proto_size_unit(done, &vd);
	ut = proto_size_unit(total, &vt);
	if (ud == ut && total >= 1000) {
		snprintf(buf, len, "%.1f/%.1f %s", vd, vt, ut);
		return;
	}
	if (ud == ut) {
		snprintf(buf, len, "%llu/%llu B", (unsigned long long)done,
		    (unsigned long long)total);
		return;
	}
	proto_fmt_size(done, a, sizeof a);
	proto_fmt_size(total, b, sizeof b);
	snprintf(buf, len, "%s/%s", a, b);
}

/* The next character at s; a malformed byte is one U+FFFD, so callers always advance. */
static size_t
next_char(const char *s, size_t len, uint32_t *cp)
{
	size_t	n = proto_utf8_decode(s, len, cp);

	return n == 0 ? 1 : n;
}

/* True for characters that must never reach the terminal as they are. */
static bool
cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/*
 * Width of one decoded character (n bytes long) and whether it is printed
 * as '?': control characters, malformed bytes and characters this locale
 * does not know take one column as '?'.
 */
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
		n = next_char(s + off, len - off, &cp);
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
		n = next_char(s + off, len - off, &cp);
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
		off += next_char(s + off, len - off, &cp);
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
