/*
 * trust.c: known_peers (trust.h), lines "NAME<TAB>FINGERPRINT<TAB>verified"
 * or "...<TAB>seen" kept by lines.c (a name may hold spaces, never a tab),
 * and the authentication code from the session's exporter (RFC 8446 7.5).
 */
#include "trust.h"

#include <stdio.h>
#include <string.h>

#include "keyfile.h"
#include "lines.h"
#include "relays.h"
#include "text.h"
#include "tls.h"

#define AUTH_LABEL	"EXPORTER-ferry-auth-code"

int
client_trust_check(const char *file, const char *name, const char *fpr,
    char known[53], char *err, size_t errlen)
{
	struct client_lines	l = { .file = file, .sep = '\t' };
	char			line[CLIENT_LINE_MAX], *f, *state;
	int			n, r;

	known[0] = '\0';
	if (file == NULL)
		return CLIENT_TRUST_UNKNOWN;
	if ((r = client_lines_find(&l, name, line, sizeof line, &n, err,
	    errlen)) <= 0)
		return r == 0 ? CLIENT_TRUST_UNKNOWN : -1;
	f = line + strlen(name) + 1;
	if ((state = strchr(f, '\t')) == NULL || state - f != PROTO_FPR_LEN) {
		snprintf(err, errlen, "%s line %d is not NAME<TAB>FINGERPRINT"
		    "<TAB>verified|seen; fix or delete it", file, n);
		return -1;
	}
	*state++ = '\0';
	snprintf(known, 53, "%s", f);
	if (strcmp(f, fpr) != 0)
		return CLIENT_TRUST_CHANGED;
	return strcmp(state, "verified") == 0 ? CLIENT_TRUST_VERIFIED :
	    CLIENT_TRUST_SEEN;
}

int
client_trust_set(const char *file, const char *name, const char *fpr,
    bool verified, char *err, size_t errlen)
{
	struct client_lines	l = { .file = file, .sep = '\t' };
	char			line[CLIENT_LINE_MAX];

	if (file == NULL)
		return 0;
	snprintf(line, sizeof line, "%s\t%s\t%s", name, fpr,
	    verified ? "verified" : "seen");
	return client_lines_put(&l, name, line, err, errlen);
}

/* client_trust_mark's walk over the file. */
struct mark {
	struct client_peer	*v;
	size_t			 n;
};

static int
mark_line(char *line, void *arg)
{
	struct mark	*m = arg;
	char		*fpr, *state;
	size_t		 i;

	if ((fpr = strchr(line, '\t')) == NULL)
		return 0;
	*fpr++ = '\0';
	if ((state = strchr(fpr, '\t')) == NULL)
		return 0;
	*state++ = '\0';
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].name, line) != 0 || m->v[i].trust != CLIENT_TRUST_UNKNOWN)
			continue;
		if (strcmp(m->v[i].fingerprint, fpr) != 0)
			m->v[i].trust = CLIENT_TRUST_CHANGED;
		else if (strcmp(state, "verified") == 0)
			m->v[i].trust = CLIENT_TRUST_VERIFIED;
		else
			m->v[i].trust = CLIENT_TRUST_SEEN;
	}
	return 0;
}

int
client_trust_mark(const char *file, struct client_peer *v, size_t n,
    char *err, size_t errlen)
{
	struct client_lines	l = { .file = file, .sep = '\t' };
	struct mark		m = { .v = v, .n = n };
	size_t			i;
	int			r = 0;

	for (i = 0; i < n; i++)
		v[i].trust = CLIENT_TRUST_UNKNOWN;
	if (file != NULL && (r = client_lines_each(&l, mark_line, &m, err,
	    errlen)) != 0)
		for (i = 0; i < n; i++)
			v[i].trust = CLIENT_TRUST_UNKNOWN;
	return r;
}

int
client_trust_verify(const char *file, const char *name, const char *fpr,
    char *msg, size_t msglen)
{
	char	known[PROTO_FPR_LEN + 1], full[PROTO_FPR_LEN + 1];

	if (client_trust_check(file, name, "", known, msg, msglen) < 0)
		return -1;
	if (!client_fpr_valid(fpr)) {
		snprintf(msg, msglen, "\"%s\" is not a fingerprint (16 to 52 "
		    "characters of 0-9 and A-Z, as ferry prints them)", fpr);
		return -1;
	}
	if (known[0] != '\0' && client_fpr_match(fpr, known))
		snprintf(full, sizeof full, "%s", known);
	else if (client_fpr_normalize(fpr, full, sizeof full) != PROTO_FPR_LEN) {
		/* A prefix can only name a key ferry has already seen. */
		if (known[0] != '\0')
			snprintf(msg, msglen, "%s is not the key ferry knows for "
			    "%s (%.16s...); to accept another key give its whole "
			    "fingerprint, 52 characters, as ferry printed it",
			    fpr, name, known);
		else
			snprintf(msg, msglen, "ferry has not met %s yet; give the "
			    "whole fingerprint (52 characters) of the key you "
			    "compared", name);
		return -1;
	}
	if (client_trust_set(file, name, full, true, msg, msglen) != 0)
		return -1;
	snprintf(msg, msglen, "%s is verified: key %.4s-%.4s-%.4s-%.4s in %s",
	    name, full, full + 4, full + 8, full + 12, file);
	return 0;
}

void
client_trust_changed(char *buf, size_t len, const char *name,
    const char *who, const char *known, const char *fpr, const char *done)
{
	char	w[200];

	snprintf(buf, len, "THE KEY OF %s HAS CHANGED: known_peers has "
	    "%.4s-%.4s-%.4s-%.4s, %s has %.4s-%.4s-%.4s-%.4s. It may be someone "
	    "else using the name; nothing was %s. If %s really has a new key, "
	    "compare fingerprints, then run: ferry trust %s %s", name, known,
	    known + 4, known + 8, known + 12, who, fpr, fpr + 4, fpr + 8,
	    fpr + 12, done, name, proto_fmt_shell_word(name, w, sizeof w), fpr);
}

int
client_auth_code(struct proto_tls *t, char out[12])
{
	uint8_t		b[4];
	uint32_t	v;

	if (proto_tls_export(t, AUTH_LABEL, b, sizeof b) != 0)
		return -1;
	/* 30 bits are enough: a man in the middle matches both sessions' codes by chance only, 1 in 10^9. */
	v = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	    b[3]) % 1000000000u;
	snprintf(out, 12, "%03u %03u %03u", v / 1000000, v / 1000 % 1000,
	    v % 1000);
	return 0;
}
