/*
 * text.h: the one text layer every part of ferry shares: a strict UTF-8
 * decoder and validator, cutting at a character boundary, and the human
 * forms of sizes ("40.0 MiB") and durations ("3:05"), so that the relay's
 * messages, the headless commands and the TUI all read the same.
 */
#ifndef FERRY_TEXT_H
#define FERRY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_SIZE_LEN	16	/* "1023.9 KiB" and friends, plus NUL */
#define PROTO_DUR_LEN	16	/* "99:59:59", "4d", "--:--", plus NUL */

/*
 * Decodes the character at s[0..len). Returns its length in bytes (1 to 4)
 * and stores its code point in *cp, or returns 0 and stores U+FFFD when
 * the bytes there are not well-formed UTF-8 (Unicode Table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF, nothing cut
 * short) or len is 0. A NUL byte decodes as U+0000, length 1.
 */
size_t	proto_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True when s[0..len) is well-formed UTF-8 with no NUL in it. */
bool	proto_utf8_valid(const char *s, size_t len);

/*
 * The longest prefix of s[0..len) that is at most max bytes and does not
 * end inside a character: where to cut text so no half character remains.
 */
size_t	proto_utf8_cut(const char *s, size_t len, size_t max);

/*
 * bytes in binary units with one decimal, the number kept below 1000:
 * "0 B", "999 B", "1.0 KiB", "40.0 MiB", "1.5 GiB". Returns buf.
 */
char	*proto_fmt_size(uint64_t bytes, char *buf, size_t len);

/*
 * The unit proto_fmt_size picks for bytes ("B", "KiB", ... "EiB"), with
 * the number in that unit in *v: for forms such as "4.5/10.0 MiB".
 */
const char	*proto_size_unit(uint64_t bytes, double *v);

/*
 * How long, the way a clock shows it: "0:05", "3:05", "1:02:03", and "4d"
 * from 100 hours; "--:--" when unknown (negative, not finite, or 99 days
 * and more). Returns buf.
 */
char	*proto_fmt_duration(double seconds, char *buf, size_t len);

/*
 * len bytes in Crockford's base32 (digits and capitals without I, L, O
 * and U, so nothing reads as another character), 5 bits a character, no
 * padding: the readable form of key fingerprints. out takes at least
 * (len * 8 + 4) / 5 + 1 bytes; returns out.
 */
char	*proto_fmt_base32(const uint8_t *p, size_t len, char *out);
/*
 * s as one shell word, for a command people paste: as it is when it is
 * only letters, digits and @._+-, else in single quotes ('carol 🚢').
 * Returns s or buf (len bytes; a longer word is cut short).
 */
const char	*proto_fmt_shell_word(const char *s, char *buf, size_t len);
/* len bytes as 2 * len lower-case hex digits and a NUL into out; returns out. */
char	*proto_fmt_hex(const uint8_t *p, size_t len, char *out);
/*
 * Exactly 2 * len lower-case hex digits (the wire's hex(N)) from hex
 * into out. 0, or -1 for anything else (out is then undefined).
 */
int	proto_hex_decode(const char *hex, uint8_t *out, size_t len);

#endif /* FERRY_TEXT_H */
