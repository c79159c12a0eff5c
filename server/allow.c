/*
 * allow.c: the allow list of ferryd --allow-keys (relay_allow.h): a strict
 * line parser with bounded lines, keys and file size, and a sorted array
 * looked up by bsearch. Base64 is OpenSSL's; a key must be in the one form
 * `ferry id` prints (re-encoding it gives the same characters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "relay_allow.h"

#define ALLOW_TYPE	"ferry-ed25519"
#define ALLOW_B64_LEN	44		/* base64 of 32 bytes, with its '=' */

static int
allow_cmp(const void *a, const void *b)
{
	return memcmp(((const struct relay_allow_key *)a)->key,
	    ((const struct relay_allow_key *)b)->key, RELAY_ALLOW_KEY_RAW);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One line s[0..len), no newline: 1 for a key (into *k), 0 for a blank or
 * comment line, -1 with why (static) for anything else.
 */
static int
allow_line(const char *s, size_t len, struct relay_allow_key *k,
    const char **why)
{
	unsigned char	raw[ALLOW_B64_LEN], again[ALLOW_B64_LEN + 1];
	size_t		i = 0, b;

	if (len > 0 && s[len - 1] == '\r')
		len--;			/* a file written on Windows */
	for (b = 0; b < len; b++) {
		if (s[b] == '\0') {
			*why = "contains a NUL byte";
			return -1;
		}
		if ((unsigned char)s[b] < 0x20 && s[b] != '\t') {
			*why = "contains a control character";
			return -1;
		}
		if (s[b] == 0x7f) {
			*why = "contains a control character";
			return -1;
		}
	}
	while (i < len && is_blank(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	if (len - i < sizeof ALLOW_TYPE - 1 ||
	    memcmp(s + i, ALLOW_TYPE, sizeof ALLOW_TYPE - 1) != 0 ||
	    (len - i > sizeof ALLOW_TYPE - 1 &&
	    !is_blank(s[i + sizeof ALLOW_TYPE - 1]))) {
		*why = "does not begin with \"" ALLOW_TYPE "\" (a line of "
		    "`ferry id`)";
		return -1;
	}
	i += sizeof ALLOW_TYPE - 1;
	while (i < len && is_blank(s[i]))
		i++;
	for (b = i; b < len && !is_blank(s[b]); b++)
		;
	if (b == i) {
		*why = "has no key after \"" ALLOW_TYPE "\"";
		return -1;
	}
	if (b - i != ALLOW_B64_LEN ||
	    EVP_DecodeBlock(raw, (const unsigned char *)s + i,
	    ALLOW_B64_LEN) != 33) {
		*why = "has a key that is not 44 characters of base64 (a raw "
		    "Ed25519 key)";
		return -1;
	}
	/* The one spelling of those 32 bytes: no stray bits in the last digit. */
	EVP_EncodeBlock(again, raw, RELAY_ALLOW_KEY_RAW);
	if (memcmp(again, s + i, ALLOW_B64_LEN) != 0) {
		*why = "has a key that is not 44 characters of base64 (a raw "
		    "Ed25519 key)";
		return -1;
	}
	memcpy(k->key, raw, RELAY_ALLOW_KEY_RAW);
	return 1;		/* the rest of the line is a comment */
}

int
relay_allow_parse(const char *text, size_t len, struct relay_allow **out,
    char *err, size_t errlen)
{
	struct relay_allow	*a;
	struct relay_allow_key	 k;
	const char		*s = text, *nl, *why = NULL;
	size_t			 left = len, n, cap = 0, i;
	unsigned		 line = 0;
	int			 r;

	*out = NULL;
	/* Owned here until returned; every failure below frees both. */
	if ((a = calloc(1, sizeof *a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (left > 0) {
		line++;
		nl = memchr(s, '\n', left);
		n = nl != NULL ? (size_t)(nl - s) : left;
		if (n > RELAY_ALLOW_LINE_MAX) {
			snprintf(err, errlen, "line %u: longer than %d bytes",
			    line, RELAY_ALLOW_LINE_MAX);
			goto fail;
		}
		if ((r = allow_line(s, n, &k, &why)) < 0) {
			snprintf(err, errlen, "line %u: %s", line, why);
			goto fail;
		}
		if (r == 1) {
			if (a->n == RELAY_ALLOW_KEYS_MAX) {
				snprintf(err, errlen, "line %u: more than %d "
				    "keys", line, RELAY_ALLOW_KEYS_MAX);
				goto fail;
			}
			if (a->n == cap) {
				struct relay_allow_key	*nk;

				cap = cap != 0 ? cap * 2 : 64;
				if ((nk = realloc(a->keys, cap *
				    sizeof *nk)) == NULL) {
					snprintf(err, errlen, "out of memory");
					goto fail;
				}
				a->keys = nk;
			}
			k.line = line;
			a->keys[a->n++] = k;
		}
		s += n + (nl != NULL);
		left -= n + (nl != NULL);
	}
	if (a->n > 0)
		qsort(a->keys, a->n, sizeof *a->keys, allow_cmp);
	for (i = 1; i < a->n; i++) {
		if (allow_cmp(&a->keys[i - 1], &a->keys[i]) == 0) {
			unsigned	l1 = a->keys[i - 1].line, l2 = a->keys[i].line;

			snprintf(err, errlen, "line %u: the same key as line %u",
			    l1 > l2 ? l1 : l2, l1 > l2 ? l2 : l1);
			goto fail;
		}
	}
	*out = a;
	return 0;
fail:
	relay_allow_free(a);
	return -1;
}

int
relay_allow_load(const char *path, struct relay_allow **out, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*buf, e[256];
	size_t	 len;
	int	 r;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* Owned here, freed below: one byte more shows a file too long. */
	if ((buf = malloc(RELAY_ALLOW_FILE_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = fread(buf, 1, RELAY_ALLOW_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		r = -1;
	} else if (len > RELAY_ALLOW_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    RELAY_ALLOW_FILE_MAX);
		r = -1;
	} else if ((r = relay_allow_parse(buf, len, out, e, sizeof e)) != 0)
		snprintf(err, errlen, "%s: %s", path, e);
	fclose(f);
	free(buf);
	return r;
}

int
relay_allow_has(const struct relay_allow *a,
    const uint8_t key[RELAY_ALLOW_KEY_RAW])
{
	struct relay_allow_key	k;

	if (a == NULL || a->n == 0)
		return 0;
	memcpy(k.key, key, sizeof k.key);
	return bsearch(&k, a->keys, a->n, sizeof *a->keys, allow_cmp) != NULL;
}

void
relay_allow_free(struct relay_allow *a)
{
	if (a == NULL)
		return;
	free(a->keys);
	free(a);
}
