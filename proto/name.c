/*
 * name.c: the name rules for everything that comes from the wire (and for
 * what a sender offers): control characters, characters that hide or
 * reorder text, white space at the ends, the receiver's rule that a file
 * name is a name and never a path, and the rule that a peer name is not
 * an address or a number. UTF-8 itself is checked by text.c. The table
 * of characters is our own, small, and sorted by code point.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "name.h"
#include "proto.h"
#include "text.h"

/* A run of code points lo..hi and its name (for a run: what it is). */
struct uchar_run {
	uint32_t	 lo, hi;
	const char	*name;
};

/*
 * Characters that hide or reorder text, refused anywhere in a name: every
 * character of general category Cf (Unicode 15.1: bidi controls, zero-width
 * characters, the byte-order mark, tags, ...), the Hangul fillers, U+034F,
 * the Khmer inherent vowels (invisible) and the line and paragraph
 * separators (a line break in a name). Sorted by lo.
 */
static const struct uchar_run hidden[] = {
	{ 0x00ad, 0x00ad, "SOFT HYPHEN" },
	{ 0x034f, 0x034f, "COMBINING GRAPHEME JOINER" },
	{ 0x0600, 0x0605, "an Arabic number sign" },
	{ 0x061c, 0x061c, "ARABIC LETTER MARK" },
	{ 0x06dd, 0x06dd, "ARABIC END OF AYAH" },
	{ 0x070f, 0x070f, "SYRIAC ABBREVIATION MARK" },
	{ 0x0890, 0x0891, "an Arabic currency mark above" },
	{ 0x08e2, 0x08e2, "ARABIC DISPUTED END OF AYAH" },
	{ 0x115f, 0x115f, "HANGUL CHOSEONG FILLER" },
	{ 0x1160, 0x1160, "HANGUL JUNGSEONG FILLER" },
	{ 0x17b4, 0x17b5, "a Khmer inherent vowel (invisible)" },
	{ 0x180e, 0x180e, "MONGOLIAN VOWEL SEPARATOR" },
	{ 0x200b, 0x200b, "ZERO WIDTH SPACE" },
	{ 0x200c, 0x200c, "ZERO WIDTH NON-JOINER" },
	{ 0x200d, 0x200d, "ZERO WIDTH JOINER" },
	{ 0x200e, 0x200e, "LEFT-TO-RIGHT MARK" },
	{ 0x200f, 0x200f, "RIGHT-TO-LEFT MARK" },
	{ 0x2028, 0x2028, "LINE SEPARATOR" },
	{ 0x2029, 0x2029, "PARAGRAPH SEPARATOR" },
	{ 0x202a, 0x202a, "LEFT-TO-RIGHT EMBEDDING" },
	{ 0x202b, 0x202b, "RIGHT-TO-LEFT EMBEDDING" },
	{ 0x202c, 0x202c, "POP DIRECTIONAL FORMATTING" },
	{ 0x202d, 0x202d, "LEFT-TO-RIGHT OVERRIDE" },
	{ 0x202e, 0x202e, "RIGHT-TO-LEFT OVERRIDE" },
	{ 0x2060, 0x2060, "WORD JOINER" },
	{ 0x2061, 0x2061, "FUNCTION APPLICATION" },
	{ 0x2062, 0x2062, "INVISIBLE TIMES" },
	{ 0x2063, 0x2063, "INVISIBLE SEPARATOR" },
	{ 0x2064, 0x2064, "INVISIBLE PLUS" },
	{ 0x2066, 0x2066, "LEFT-TO-RIGHT ISOLATE" },
	{ 0x2067, 0x2067, "RIGHT-TO-LEFT ISOLATE" },
	{ 0x2068, 0x2068, "FIRST STRONG ISOLATE" },
	{ 0x2069, 0x2069, "POP DIRECTIONAL ISOLATE" },
	{ 0x206a, 0x206f, "a deprecated format character" },
	{ 0x3164, 0x3164, "HANGUL FILLER" },
	{ 0xfeff, 0xfeff, "ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)" },
	{ 0xffa0, 0xffa0, "HALFWIDTH HANGUL FILLER" },
	{ 0xfff9, 0xfff9, "INTERLINEAR ANNOTATION ANCHOR" },
	{ 0xfffa, 0xfffa, "INTERLINEAR ANNOTATION SEPARATOR" },
	{ 0xfffb, 0xfffb, "INTERLINEAR ANNOTATION TERMINATOR" },
	{ 0x110bd, 0x110bd, "KAITHI NUMBER SIGN" },
	{ 0x110cd, 0x110cd, "KAITHI NUMBER SIGN ABOVE" },
	{ 0x13430, 0x1343f, "an Egyptian hieroglyph format control" },
	{ 0x1bca0, 0x1bca3, "a shorthand format control" },
	{ 0x1d173, 0x1d17a, "a musical symbol format control" },
	{ 0xe0001, 0xe0001, "LANGUAGE TAG" },
	{ 0xe0020, 0xe007f, "a TAG character" },
};

/*
 * White space (Unicode White_Space, less the controls, which are refused
 * anyway) and U+2800, which looks like it: refused at either end of a
 * name, where nobody can see it. Sorted by lo.
 */
static const struct uchar_run blank[] = {
	{ 0x0020, 0x0020, "SPACE" },
	{ 0x00a0, 0x00a0, "NO-BREAK SPACE" },
	{ 0x1680, 0x1680, "OGHAM SPACE MARK" },
	{ 0x2000, 0x2000, "EN QUAD" },
	{ 0x2001, 0x2001, "EM QUAD" },
	{ 0x2002, 0x2002, "EN SPACE" },
	{ 0x2003, 0x2003, "EM SPACE" },
	{ 0x2004, 0x2004, "THREE-PER-EM SPACE" },
	{ 0x2005, 0x2005, "FOUR-PER-EM SPACE" },
	{ 0x2006, 0x2006, "SIX-PER-EM SPACE" },
	{ 0x2007, 0x2007, "FIGURE SPACE" },
	{ 0x2008, 0x2008, "PUNCTUATION SPACE" },
	{ 0x2009, 0x2009, "THIN SPACE" },
	{ 0x200a, 0x200a, "HAIR SPACE" },
	{ 0x2028, 0x2028, "LINE SEPARATOR" },
	{ 0x2029, 0x2029, "PARAGRAPH SEPARATOR" },
	{ 0x202f, 0x202f, "NARROW NO-BREAK SPACE" },
	{ 0x205f, 0x205f, "MEDIUM MATHEMATICAL SPACE" },
	{ 0x2800, 0x2800, "BRAILLE PATTERN BLANK" },
	{ 0x3000, 0x3000, "IDEOGRAPHIC SPACE" },
};

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* The name of cp in the sorted table t[0..n), or NULL. */
static const char *
run_find(const struct uchar_run *t, size_t n, uint32_t cp)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < t[mid].lo)
			hi = mid;
		else if (cp > t[mid].hi)
			lo = mid + 1;
		else
			return t[mid].name;
	}
	return NULL;
}

const char *
proto_char_hidden(uint32_t cp)
{
	return run_find(hidden, NELEM(hidden), cp);
}

bool
proto_has_control(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return true;
		/* U+0080..U+009F are encoded as C2 80..C2 9F. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

static const char *
say(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return why;
}

/* "U+00A0 NO-BREAK SPACE", or "U+E0041 (a TAG character)" for a run. */
static void
char_words(uint32_t cp, const char *name, char *out, size_t outlen)
{
	if (name[0] >= 'a' && name[0] <= 'z')
		snprintf(out, outlen, "U+%04X (%s)", (unsigned)cp, name);
	else
		snprintf(out, outlen, "U+%04X %s", (unsigned)cp, name);
}

/*
 * Characters that hide or reorder text anywhere, then white space at the
 * ends, in name[0..len) (valid UTF-8). NULL, or why.
 */
static const char *
look_problem(const char *name, size_t len, char *why, size_t whylen)
{
	const char	*what, *first = NULL, *last = NULL;
	char		 w[96];
	size_t		 at, n, chars;
	uint32_t	 cp, cp_first = 0, cp_last = 0;

	for (at = 0, chars = 0; at < len; at += n, chars++) {
		n = proto_utf8_decode(name + at, len - at, &cp);
		if (n == 0)
			return say(why, whylen, "is not valid UTF-8");
		if ((what = proto_char_hidden(cp)) != NULL) {
			char_words(cp, what, w, sizeof w);
			snprintf(why, whylen, "contains %s at byte %zu "
			    "(character %zu)", w, at, chars + 1);
			return why;
		}
		what = run_find(blank, NELEM(blank), cp);
		if (at == 0) {
			first = what;
			cp_first = cp;
		}
		last = what;
		cp_last = cp;
	}
	if (first != NULL && cp_first == ' ')
		return say(why, whylen, "starts with a space");
	if (first != NULL) {
		char_words(cp_first, first, w, sizeof w);
		snprintf(why, whylen, "starts with %s", w);
		return why;
	}
	if (last != NULL && cp_last == ' ')
		return say(why, whylen, "ends with a space");
	if (last != NULL) {
		char_words(cp_last, last, w, sizeof w);
		snprintf(why, whylen, "ends with %s", w);
		return why;
	}
	return NULL;
}

/*
 * The check every name shares: present, at most max bytes (too_long says
 * so), valid UTF-8, no control characters, nothing that hides or reorders
 * text, no white space at the ends; a file name (is_file) must also be a
 * name and not a path. The first problem wins.
 */
static const char *
name_problem(const char *name, size_t max, const char *too_long, bool is_file,
    char *why, size_t whylen)
{
	size_t	len;

	if (name == NULL || *name == '\0')
		return say(why, whylen, "is empty");
	len = strlen(name);
	if (len > max)
		return say(why, whylen, too_long);
	if (!proto_utf8_valid(name, len))
		return say(why, whylen, "is not valid UTF-8");
	if (is_file && strcmp(name, ".") == 0)
		return say(why, whylen, "is \".\"");
	if (is_file && strcmp(name, "..") == 0)
		return say(why, whylen, "is \"..\"");
	if (is_file && strchr(name, '/') != NULL)
		return say(why, whylen, "contains a slash");
	if (is_file && strchr(name, '\\') != NULL)
		return say(why, whylen, "contains a backslash");
	if (proto_has_control(name, len))
		return say(why, whylen, "contains a control character");
	return look_problem(name, len, why, whylen);
}

const char *
proto_file_name_problem(const char *name, char *why, size_t whylen)
{
	return name_problem(name, PROTO_SAFE_NAME_MAX,
	    "is longer than 255 bytes", true, why, whylen);
}

const char *
proto_peer_name_problem(const char *name, char *why, size_t whylen)
{
	struct proto_hostport	hp;

	if (name_problem(name, PROTO_PEER_NAME_MAX, "is longer than 64 bytes",
	    false, why, whylen) != NULL)
		return why;
	/* A peer is found by name, address or fingerprint: no name may read as another. */
	if (strspn(name, "0123456789") == strlen(name))
		return say(why, whylen, "is a number");
	if (strchr(name, ':') != NULL &&
	    proto_hostport_parse(name, &hp, NULL, 0) == 0)
		return say(why, whylen, "has the form HOST:PORT of an address");
	return NULL;
}

void
proto_name_show(const char *name, size_t max, char *out, size_t outlen)
{
	const char	*p = name;
	size_t		 left = strlen(name), o = 0, n;
	uint32_t	 cp;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	while (left > 0) {
		n = proto_utf8_decode(p, left, &cp);
		if (n > 0 && (proto_has_control(p, n) ||
		    proto_char_hidden(cp) != NULL))
			n = 0;
		if (o + (n ? n : 1) + 4 > outlen || o >= max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0) {
			out[o++] = '?';
			/* A whole hidden character is one '?', a bad byte is one. */
			n = proto_utf8_decode(p, left, &cp);
			n = n > 0 ? n : 1;
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	out[o] = '\0';
}

#define LIST_SHOW_MAX	60	/* bytes of one name in a list */
#define LIST_MORE_ROOM	24	/* "; and 1000 more" and a NUL */

void
proto_name_list_init(struct proto_name_list *l, char *out, size_t outlen)
{
	memset(l, 0, sizeof *l);
	l->out = out;
	l->outlen = outlen;
	if (outlen > 0)
		out[0] = '\0';
}

void
proto_name_list_add(struct proto_name_list *l, const char *name,
    const char *why)
{
	char	shown[LIST_SHOW_MAX + 16], entry[sizeof shown + PROTO_NAME_WHY_MAX + 8];
	int	n;

	l->bad++;
	if (l->shown + 1 < l->bad)	/* an earlier one did not fit: keep the order */
		return;
	proto_name_show(name, LIST_SHOW_MAX, shown, sizeof shown);
	n = snprintf(entry, sizeof entry, "%s\"%s\" %s", l->shown ? "; " : "",
	    shown, why);
	if (n < 0 || (size_t)n >= sizeof entry || l->outlen < LIST_MORE_ROOM ||
	    l->used + (size_t)n >= l->outlen - LIST_MORE_ROOM)
		return;
	memcpy(l->out + l->used, entry, (size_t)n + 1);
	l->used += (size_t)n;
	l->shown++;
}

const char *
proto_name_list_end(struct proto_name_list *l)
{
	int	n;

	if (l->bad > l->shown && l->outlen > l->used) {
		n = snprintf(l->out + l->used, l->outlen - l->used,
		    "%sand %zu more", l->shown ? "; " : "", l->bad - l->shown);
		if (n > 0)
			l->used += (size_t)n < l->outlen - l->used ? (size_t)n :
			    l->outlen - l->used - 1;
	}
	return l->out;
}
