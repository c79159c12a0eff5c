/*
 * log.c: one line per event on stderr. A global level is the one piece of
 * process-wide state in the relay; it is set once by main.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay_log.h"

static enum relay_log_level log_max = RELAY_LOG_INFO;

/* Indexed by level + 1, so that RELAY_LOG_NOTICE has a name too. */
static const char *const relay_log_names[] = {
	"notice", "error", "warn", "info", "debug",
};

void
relay_log_set_level(enum relay_log_level level)
{
	log_max = level;
}

int
relay_log_enabled(enum relay_log_level level)
{
	return level <= log_max;
}

int
relay_log_parse_level(const char *s)
{
	size_t	i;

	for (i = 1; i < sizeof relay_log_names / sizeof relay_log_names[0]; i++) {
		if (strcmp(s, relay_log_names[i]) == 0)
			return (int)i - 1;
	}
	return -1;
}

void
relay_log(enum relay_log_level level, const char *addr, const char *fmt, ...)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 line[1024];
	size_t		 n;
	int		 r;
	va_list		 ap;

	if (!relay_log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof line - n, ".%03ldZ %s %s%s",
	    ts.tv_nsec / 1000000, relay_log_names[level + 1],
	    addr != NULL ? addr : "", addr != NULL ? " " : "");
	if (r > 0)
		n += (size_t)r < sizeof line - n ? (size_t)r : sizeof line - n - 1;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (r > 0)
		n += (size_t)r < sizeof line - n ? (size_t)r : sizeof line - n - 1;
	/* One write per line, so lines never interleave; a cut line still ends. */
	if (n >= sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to say so */
}
