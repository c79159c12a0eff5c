/*
 * relays.c: the known_relays file (relays.h). Lines are "HOST:PORT
 * FINGERPRINT"; '#' starts a comment. A first contact appends a line; a
 * pin replaced on the user's word rewrites the file beside itself and
 * renames it into place, so a crash leaves the old file or the new one.
 */
#include "relays.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keyfile.h"

#define RELAYS_FILE_MAX	(1024 * 1024)	/* a bigger known_relays is not ours */

/*
 * fpr as people type it, in the fingerprint's alphabet: dashes and
 * spaces dropped, upper case, and Crockford's look-alikes (O for 0, I and
 * L for 1). Returns its length, or 0 when it does not fit out.
 */
static size_t
fpr_normalize(const char *fpr, char *out, size_t outlen)
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
	size_t	n = fpr_normalize(fpr, norm, sizeof norm);

	return n >= 16 && strncmp(norm, full, n) == 0;
}

bool
client_fpr_valid(const char *fpr)
{
	char	norm[PROTO_FPR_LEN + 1];
	size_t	i, n = fpr_normalize(fpr, norm, sizeof norm);

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
 * Looks server up in file. 0 (pin->fpr "" when it has no line, or the
 * file does not exist yet), or -1 with msg: a file others may change, or
 * one that cannot be read.
 */
static int
pin_find(const char *file, const char *server, struct pin *pin, char *msg,
    size_t msglen)
{
	FILE		*f;
	struct stat	 st;
	char		 line[512], *host, *fpr, *save;
	int		 n = 0;

	pin->fpr[0] = '\0';
	pin->line = 0;
	if ((f = fopen(file, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(msg, msglen, "cannot read %s: %s", file, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_size > RELAYS_FILE_MAX) {
		snprintf(msg, msglen, "%s: not a file of yours that only you "
		    "may change (chmod 600 %s); its pins cannot be trusted",
		    file, file);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n++;
		if ((host = strtok_r(line, " \t\r\n", &save)) == NULL ||
		    *host == '#' || (fpr = strtok_r(NULL, " \t\r\n", &save)) == NULL)
			continue;
		if (strcasecmp(host, server) == 0 &&
		    fpr_normalize(fpr, pin->fpr, sizeof pin->fpr) == PROTO_FPR_LEN) {
			pin->line = n;
			break;
		}
		pin->fpr[0] = '\0';
	}
	fclose(f);
	return 0;
}

/* Creates file's folder (one level, 0700) when it is missing. 0 or -1. */
static int
make_parent(const char *file)
{
	char	dir[4096], *slash;

	if ((size_t)snprintf(dir, sizeof dir, "%s", file) >= sizeof dir ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return -1;
	*slash = '\0';
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Appends "server fpr" to file (created 0600, its folder 0700). 0 or -1 with msg. */
static int
pin_add(const char *file, const char *server, const char *fpr, char *msg,
    size_t msglen)
{
	char	line[256];
	int	fd, n, ok;

	n = snprintf(line, sizeof line, "%s %s\n", server, fpr);
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && make_parent(file) == 0)
		fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot pin the relay's key in %s: %s",
		    file, strerror(errno));
		return -1;
	}
	ok = write(fd, line, (size_t)n) == n;
	if (close(fd) != 0 || !ok) {
		snprintf(msg, msglen, "cannot pin the relay's key in %s: %s",
		    file, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Rewrites file without server's lines and with "server fpr" at the end:
 * a new file beside it, renamed over it. 0 or -1 with msg.
 */
static int
pin_replace(const char *file, const char *server, const char *fpr, char *msg,
    size_t msglen)
{
	FILE	*in, *out = NULL;
	char	 tmp[4096], line[512], host[256];
	int	 fd = -1, ok = 1;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", file) >= sizeof tmp ||
	    (fd = mkstemp(tmp)) < 0 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(msg, msglen, "cannot rewrite %s: %s", file, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	if ((in = fopen(file, "r")) != NULL) {
		while (fgets(line, sizeof line, in) != NULL) {
			if (sscanf(line, "%255s", host) == 1 &&
			    strcasecmp(host, server) == 0)
				continue;
			ok = ok && fputs(line, out) >= 0;
		}
		fclose(in);
	}
	ok = ok && fprintf(out, "%s %s\n", server, fpr) > 0;
	ok = fclose(out) == 0 && ok;
	if (!ok || rename(tmp, file) != 0) {
		snprintf(msg, msglen, "cannot rewrite %s: %s", file, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

enum client_relay_verdict
client_relays_check(const char *file, const char *server,
    const struct proto_key_names *seen, bool ca_ok, const char *expected,
    char *msg, size_t msglen)
{
	struct pin	pin;

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
	if (pin_find(file, server, &pin, msg, msglen) != 0)
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
		if (pin_replace(file, server, seen->fingerprint, msg, msglen) != 0)
			return CLIENT_RELAY_REFUSED;
		snprintf(msg, msglen, "relay %s: its new key %s is pinned in %s "
		    "(it was %.16s..., --relay-fingerprint said so)", server,
		    seen->short_fpr, file, pin.fpr);
		return CLIENT_RELAY_REPINNED;
	}
	if (pin_add(file, server, seen->fingerprint, msg, msglen) != 0)
		return CLIENT_RELAY_REFUSED;
	snprintf(msg, msglen, "first contact with relay %s: its key %s is now "
	    "pinned in %s", server, seen->short_fpr, file);
	return CLIENT_RELAY_PINNED;
}
