/*
 * text.c: the shared text layer: strict UTF-8 decoding (the one decoder in
 * ferry), cutting at character boundaries, the human forms of sizes and
 * durations, and base32 for fingerprints. No allocation, no locale, no I/O.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

size_t
proto_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned char		 lo = 0x80, hi = 0xbf;
	uint32_t		 c;
	size_t			 n, i;

	*cp = 0xFFFD;
	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* below is overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* above is a surrogate */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;	/* below is overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above is past U+10FFFF */
	} else
		return 0;	/* a continuation byte, C0/C1 (overlong) or F5..FF */
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

bool
proto_utf8_valid(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		i = 0, n;

	while (i < len) {
		if ((n = proto_utf8_decode(s + i, len - i, &cp)) == 0 || cp == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
proto_utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (len <= max)
		return len;
	len = max;
	/* Back off the continuation bytes of a character that max splits. */
	while (len > 0 && (p[len] & 0xc0) == 0x80)
		len--;
	return len;
}

const char *
proto_size_unit(uint64_t bytes, double *v)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	double	d = (double)bytes;
	int	u = 0;

	/* 999.95 and up would print as "1000.0": the next unit reads better. */
	while (u < 6 && d >= 999.95) {
		d /= 1024.0;
		u++;
	}
	*v = d;
	return units[u];
}

char *
proto_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	double		 v;
	const char	*unit = proto_size_unit(bytes, &v);

	if (bytes < 1000)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit);
	return buf;
}

char *
proto_fmt_duration(double seconds, char *buf, size_t len)
{
	unsigned long long	s;

	/* More than 99 days is as good as unknown. */
	if (seconds < 0 || !isfinite(seconds) || seconds >= 99.0 * 86400) {
		snprintf(buf, len, "--:--");
		return buf;
	}
	s = (unsigned long long)(seconds + 0.5);
	if (s < 3600)
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
	else if (s < 100 * 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60,
		    s % 60);
	else
		snprintf(buf, len, "%llud", s / 86400);
	return buf;
}

char *
proto_fmt_base32(const uint8_t *p, size_t len, char *out)
{
	static const char	 digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint32_t		 acc = 0;
	size_t			 i, o = 0;
	int			 bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = digits[(acc >> bits) & 0x1f];
		}
	}
	if (bits > 0)
		out[o++] = digits[(acc << (5 - bits)) & 0x1f];
	out[o] = '\0';
	return out;
}

char *
proto_fmt_hex(const uint8_t *p, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

/* A lower-case hex digit's value (the wire's form), or -1. */
static int
hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int
proto_hex_decode(const char *hex, uint8_t *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = hex_value(hex[2 * i])) < 0 ||
		    (lo = hex_value(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * len] == '\0' ? 0 : -1;
}

const char *
proto_fmt_shell_word(const char *name, char *buf, size_t len)
{
	size_t	i, o = 0;

	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789@._+-") == strlen(name))
		return name;
	buf[o++] = '\'';
	for (i = 0; name[i] != '\0' && o + 5 < len; i++) {
		if (name[i] == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else
			buf[o++] = name[i];
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}
