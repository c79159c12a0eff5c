/*
 * name.h: name rules shared by the message decoder, the relay, the sender
 * and the receiver: control characters, characters that hide or reorder
 * text (bidi controls, zero-width and other invisible characters), white
 * space at either end, the strict rule that a file name from the wire is a
 * name and never a path, and the rule that a peer name is not an address
 * or a number (UTF-8 itself: text.h). Also how such a name is shown
 * safely, and the list of every bad name of an offer.
 */
#ifndef FERRY_NAME_H
#define FERRY_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_SAFE_NAME_MAX	255	/* bytes: what the receiver accepts (NAME_MAX) */
#define PROTO_NAME_WHY_MAX	128	/* a reason from a *_name_problem, with its NUL */

/* True when s[0..len) holds a C0 control, DEL or a C1 control (U+0080..U+009F). Assumes valid UTF-8. */
bool	proto_has_control(const char *s, size_t len);

/*
 * The Unicode name of cp when it is a character that hides or reorders
 * text: a bidi control, general category Cf, a Hangul filler, U+034F, or a
 * line or paragraph separator ("RIGHT-TO-LEFT OVERRIDE"; for a run, what
 * it is: "a TAG character"). NULL for any other character.
 */
const char	*proto_char_hidden(uint32_t cp);

/*
 * The receiver's check of a file name from an offer. Returns NULL when the
 * name is safe to create inside the target folder and cannot fool a
 * person, or why (whylen bytes, PROTO_NAME_WHY_MAX is enough) holding the
 * reason in a person's words ("contains a slash", "is \"..\"", "is longer
 * than 255 bytes", "contains a control character", "is not valid UTF-8",
 * "is empty", "ends with a space", "contains U+202E RIGHT-TO-LEFT
 * OVERRIDE at byte 7 (character 8)": the byte counts from 0, the
 * character from 1).
 */
const char	*proto_file_name_problem(const char *name, char *why,
		    size_t whylen);

/*
 * The check of a peer name (hello): the rules of a file name that are not
 * about paths, and no name of the form HOST:PORT (what proto_hostport_parse
 * takes, [v6]:port included) or of a number. NULL when fine, else why.
 */
const char	*proto_peer_name_problem(const char *name, char *why,
		    size_t whylen);

/*
 * name made safe to show inside quotes: control characters, characters
 * proto_char_hidden names and bytes that are not UTF-8 become '?', and a
 * name longer than max bytes is cut with "...". out takes outlen bytes (at
 * least 8, else it is left empty).
 */
void	proto_name_show(const char *name, size_t max, char *out,
	    size_t outlen);

/*
 * The list of refused names of one offer, in a text of bounded size:
 * "\"a?b\" contains U+202E ... ; \"c \" ends with a space", as many as fit
 * (in order), then "; and N more". The text is the caller's buffer.
 */
struct proto_name_list {
	char	*out;		/* the caller's, outlen bytes, always a string */
	size_t	 outlen;
	size_t	 used;		/* bytes of out in use */
	size_t	 bad;		/* names added */
	size_t	 shown;		/* of them, in out */
};

void	proto_name_list_init(struct proto_name_list *l, char *out,
	    size_t outlen);
/* Adds name with its reason (from a *_name_problem). */
void	proto_name_list_add(struct proto_name_list *l, const char *name,
	    const char *why);
/* Appends "; and N more" when some did not fit. Returns l->out. */
const char	*proto_name_list_end(struct proto_name_list *l);

#endif /* FERRY_NAME_H */
