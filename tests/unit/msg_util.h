/*
 * msg_util.h: what the control-message unit tests share (test_msg.c,
 * test_msg_fields.c, test_msg_encode.c): sample values at the limits, a
 * growable string to build JSON in, decoding a C string, and messages
 * filled to their limits.
 */
#ifndef FERRY_TEST_MSG_UTIL_H
#define FERRY_TEST_MSG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define MAXINT_S	"9007199254740991"
#define SLOT_S		"0123456789abcdef0123456789abcdef"
#define KEY_S		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define SHA_S		"00112233445566778899aabbccddeeff" \
			"ffeeddccbbaa99887766554433221100"
#define E_ACUTE		"\xc3\xa9"		/* é, two bytes */
#define EURO		"\xe2\x82\xac"		/* €, three bytes */
#define DOC		"\xf0\x9f\x93\x84"	/* U+1F4C4, four bytes */

/* A growable string for building JSON; zeroed to start, sb_free() after. */
struct sb {
	char	*p;	/* owned: NUL-terminated */
	size_t	 len, cap;
};

void	sb_add(struct sb *b, const char *s, size_t n);
void	sb_puts(struct sb *b, const char *s);
void	sb_rep(struct sb *b, const char *s, size_t times);
void	sb_free(struct sb *b);
/* proto_msg_decode() of a NUL-terminated JSON string. */
int	decode_str(const char *json, struct proto_msg *m, char *err,
	    size_t errlen);

/* True when every byte of the message is zero: nothing left to free. */
bool	msg_is_zero(const struct proto_msg *m);
/* s into dst, which must hold it; n copies of s and then tail. */
void	set_str(char *dst, size_t size, const char *s);
void	set_rep(char *dst, size_t size, const char *s, size_t n,
	    const char *tail);
/* Allocations that fail the test rather than return NULL. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
char	*xstrdup(const char *s);
/* Sample peers and files, and a message of type t with every field at or near its limits. */
void	fill_peer(struct proto_peer *p, uint64_t id, const char *name,
	    const char *addr);
void	fill_peers(struct proto_msg *m, size_t n);
void	fill_files(struct proto_msg *m, size_t n, bool receipt);
void	fill_msg(struct proto_msg *m, enum proto_msg_type t);

#endif /* FERRY_TEST_MSG_UTIL_H */
