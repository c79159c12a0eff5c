/*
 * relays.c: the known_relays file (relays.h), lines "HOST:PORT
 * FINGERPRINT" kept by lines.c: a first contact appends one, a pin
 * replaced on the user's word rewrites the file.
 */
#include "relays.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "keyfile.h"
#include "lines.h"

/*
 * fpr as people type it, in the fingerprint's alphabet: dashes and
 * spaces dropped, upper case, and Crockford's look-alikes (O for 0, I and
 * L for 1). Returns its length, or 0 when it does not fit out.
 */
size_t
client_fpr_normalize(const char *fpr, char *out, size_t outlen)
{
	size_t	n = 0;
	int	ch;

	for (; *fpr != '\0'; fpr++) {
		if (*fpr == '-' || *fpr == ' ')
			continue;
		ch = toupper((unsigned char)*fpr);
		if (ch == 'O')
			ch = '0';
		else if (ch == 'I' || ch == 'L')
			ch = '1';
		if (n + 1 >= outlen)
			return 0;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return n;
}

bool
client_fpr_match(const char *fpr, const char *full)
{
	char	norm[PROTO_FPR_LEN + 1];
	size_t	n = client_fpr_normalize(fpr, norm, sizeof norm);

	return n >= 16 && strncmp(norm, full, n) == 0;
}

bool
client_fpr_valid(const char *fpr)
{
	char	norm[PROTO_FPR_LEN + 1];
	size_t	i, n = client_fpr_normalize(fpr, norm, sizeof norm);

	for (i = 0; i < n; i++)
		if (strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", norm[i]) == NULL)
			return false;
	return n >= 16;
}

/* What the file says about one relay. */
struct pin {
	char	fpr[PROTO_FPR_LEN + 1];		/* "" when none */
	int	line;				/* where it is, 1-based */
};

/*
 * Looks server up in the file. 0 (pin->fpr "" when it has no line, or the
 * file does not exist yet), or -1 with msg: a file others may change, or
 * one that cannot be read.
 */
static int
pin_find(const struct client_lines *l, const char *server, struct pin *pin,
    char *msg, size_t msglen)
{
	char	line[CLIENT_LINE_MAX];
	int	r;

	pin->fpr[0] = '\0';
	pin->line = 0;
	if ((r = client_lines_find(l, server, line, sizeof line, &pin->line,
	    msg, msglen)) <= 0)
		return r;
	if (client_fpr_normalize(line + strlen(server) + 1, pin->fpr,
	    sizeof pin->fpr) != PROTO_FPR_LEN)
		pin->fpr[0] = '\0';	/* a line that is not a pin pins nothing */
	return 0;
}

/* Pins fpr for server, in place of any older pin. 0 or -1 with msg. */
static int
pin_put(const struct client_lines *l, const char *server, const char *fpr,
    char *msg, size_t msglen)
{
	char	line[CLIENT_LINE_MAX];

	snprintf(line, sizeof line, "%s %s", server, fpr);
	return client_lines_put(l, server, line, msg, msglen);
}

enum client_relay_verdict
client_relays_check(const char *file, const char *server,
    const struct proto_key_names *seen, bool ca_ok, const char *expected,
    char *msg, size_t msglen)
{
	struct client_lines	l = { .file = file, .sep = ' ', .nocase = true };
	struct pin		pin;

	msg[0] = '\0';
	if (expected != NULL && !client_fpr_match(expected, seen->fingerprint)) {
		snprintf(msg, msglen, "relay %s showed the key %s, not the one "
		    "--relay-fingerprint names (%s); not connecting", server,
		    seen->fingerprint, expected);
		return CLIENT_RELAY_REFUSED;
	}
	/* A CA vouched for the name: nothing to pin, as in a browser. */
	if (ca_ok)
		return CLIENT_RELAY_KNOWN;
	if (file == NULL) {
		snprintf(msg, msglen, "relay %s has the key %s (not pinned "
		    "anywhere)", server, seen->short_fpr);
		return CLIENT_RELAY_PINNED;
	}
	if (pin_find(&l, server, &pin, msg, msglen) != 0)
		return CLIENT_RELAY_REFUSED;
	if (pin.fpr[0] != '\0' && strcmp(pin.fpr, seen->fingerprint) == 0)
		return CLIENT_RELAY_KNOWN;
	if (pin.fpr[0] != '\0' && expected == NULL) {
		snprintf(msg, msglen, "THE KEY OF RELAY %s HAS CHANGED; not "
		    "connecting.\n  pinned: %s (%s line %d)\n  now:    %s\n"
		    "Someone may be intercepting the connection, or the relay "
		    "has a new key. If its operator confirms the new "
		    "fingerprint, run with --relay-fingerprint FINGERPRINT, or "
		    "delete line %d of %s.", server, pin.fpr, file, pin.line,
		    seen->fingerprint, pin.line, file);
		return CLIENT_RELAY_REFUSED;
	}
	if (pin.fpr[0] != '\0') {
		if (pin_put(&l, server, seen->fingerprint, msg, msglen) != 0)
			return CLIENT_RELAY_REFUSED;
		snprintf(msg, msglen, "relay %s: its new key %s is pinned in %s "
		    "(it was %.16s..., --relay-fingerprint said so)", server,
		    seen->short_fpr, file, pin.fpr);
		return CLIENT_RELAY_REPINNED;
	}
	if (pin_put(&l, server, seen->fingerprint, msg, msglen) != 0)
		return CLIENT_RELAY_REFUSED;
	snprintf(msg, msglen, "first contact with relay %s: its key %s is now "
	    "pinned in %s", server, seen->short_fpr, file);
	return CLIENT_RELAY_PINNED;
}
