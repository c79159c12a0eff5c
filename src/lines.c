/*
 * lines.c: keyed line files (lines.h). A new key is appended (two ferry
 * processes adding at once both land); a changed one is written into a
 * new file beside the old and renamed over it.
 */
#include "lines.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINES_FILE_MAX	(1024 * 1024)	/* a bigger file is not ours */

/* Whether line's first field is key. */
static bool
line_has_key(const struct client_lines *l, const char *line, const char *key)
{
	size_t	n = strlen(key);

	if ((l->nocase ? strncasecmp(line, key, n) : strncmp(line, key, n)) != 0)
		return false;
	return line[n] == l->sep;
}

/* Opens file for reading when only its owner may change it; NULL with err (errno ENOENT: none). */
static FILE *
lines_open(const struct client_lines *l, char *err, size_t errlen)
{
	struct stat	 st;
	FILE		*f;

	if ((f = fopen(l->file, "re")) == NULL) {
		if (errno != ENOENT)
			snprintf(err, errlen, "cannot read %s: %s", l->file,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_size > LINES_FILE_MAX) {
		snprintf(err, errlen, "%s: not a file of yours that only you "
		    "may change (chmod 600 %s); what it says cannot be trusted",
		    l->file, l->file);
		fclose(f);
		errno = EPERM;
		return NULL;
	}
	return f;
}

int
client_lines_find(const struct client_lines *l, const char *key, char *line,
    size_t linelen, int *lineno, char *err, size_t errlen)
{
	FILE	*f;
	char	 buf[CLIENT_LINE_MAX];
	int	 n = 0;

	if ((f = lines_open(l, err, errlen)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(buf, sizeof buf, f) != NULL) {
		n++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (line_has_key(l, buf, key)) {
			snprintf(line, linelen, "%s", buf);
			*lineno = n;
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

int
client_lines_each(const struct client_lines *l, int (*cb)(char *, void *),
    void *arg, char *err, size_t errlen)
{
	FILE	*f;
	char	 buf[CLIENT_LINE_MAX];

	if ((f = lines_open(l, err, errlen)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(buf, sizeof buf, f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (cb(buf, arg) != 0)
			break;
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

/* Appends line to the file (created 0600, its folder 0700). 0 or -1 with err. */
static int
lines_append(const struct client_lines *l, const char *line, char *err,
    size_t errlen)
{
	char	buf[CLIENT_LINE_MAX + 1];
	int	fd, n, ok;

	n = snprintf(buf, sizeof buf, "%s\n", line);
	fd = open(l->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && make_parent(l->file) == 0)
		fd = open(l->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", l->file,
		    strerror(errno));
		return -1;
	}
	ok = write(fd, buf, (size_t)n) == n;
	if (close(fd) != 0 || !ok) {
		snprintf(err, errlen, "cannot write %s: %s", l->file,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Rewrites the file without key's lines and with line at the end. 0 or -1 with err. */
static int
lines_rewrite(const struct client_lines *l, const char *key, const char *line,
    char *err, size_t errlen)
{
	FILE	*in, *out = NULL;
	char	 tmp[4096], buf[CLIENT_LINE_MAX];
	int	 fd = -1, ok = 1;

	if ((in = lines_open(l, err, errlen)) == NULL && errno != ENOENT)
		return -1;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", l->file) >= sizeof tmp ||
	    (fd = mkstemp(tmp)) < 0 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot rewrite %s: %s", l->file,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		if (in != NULL)
			fclose(in);
		return -1;
	}
	while (in != NULL && fgets(buf, sizeof buf, in) != NULL)
		if (!line_has_key(l, buf, key))
			ok = ok && fputs(buf, out) >= 0;
	if (in != NULL)
		fclose(in);
	ok = ok && fprintf(out, "%s\n", line) > 0;
	ok = fclose(out) == 0 && ok;
	if (!ok || rename(tmp, l->file) != 0) {
		snprintf(err, errlen, "cannot rewrite %s: %s", l->file,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
client_lines_put(const struct client_lines *l, const char *key,
    const char *line, char *err, size_t errlen)
{
	char	old[CLIENT_LINE_MAX];
	int	n, r;

	if ((r = client_lines_find(l, key, old, sizeof old, &n, err, errlen)) < 0)
		return -1;
	if (r == 0)
		return lines_append(l, line, err, errlen);
	return lines_rewrite(l, key, line, err, errlen);
}
