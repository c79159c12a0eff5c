/*
 * lines.h: the client's small trust files (known_relays, known_peers):
 * one record per line whose first field, up to a separator, is its key.
 * Read only when nobody else may change them; added to by appending;
 * changed by writing a new file beside the old one and renaming it over,
 * so a crash leaves one or the other.
 */
#ifndef FERRY_LINES_H
#define FERRY_LINES_H

#include <stdbool.h>
#include <stddef.h>

#define CLIENT_LINE_MAX	1024	/* bytes of one line, newline included */

/* How a file's lines are keyed. */
struct client_lines {
	const char	*file;		/* the path */
	char		 sep;		/* ends the first field: ' ' or '\t' */
	bool		 nocase;	/* keys compare without case (host names) */
};

/*
 * The first line whose key is key, without its newline, into line (and
 * its 1-based number into *lineno). Returns 1 when found, 0 when not (a
 * missing file has no lines), -1 with err when the file cannot be read or
 * others may change it (its lines then protect nothing).
 */
int	client_lines_find(const struct client_lines *l, const char *key,
	    char *line, size_t linelen, int *lineno, char *err, size_t errlen);
/*
 * Calls cb with every line (without its newline) until it returns
 * non-zero. 0 (also for a missing file), or -1 with err as for find.
 */
int	client_lines_each(const struct client_lines *l,
	    int (*cb)(char *line, void *arg), void *arg, char *err, size_t errlen);
/*
 * Replaces every line of key by line (added at the end; line without a
 * newline); creates the file 0600 (and its folder 0700) when missing.
 * 0 or -1 with err.
 */
int	client_lines_put(const struct client_lines *l, const char *key,
	    const char *line, char *err, size_t errlen);

#endif /* FERRY_LINES_H */
