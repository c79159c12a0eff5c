/*
 * headless.h: the scriptable front end: `ferry peers`, `ferry send` and
 * `ferry receive`. Each runs the client core on the caller's loop, prints
 * results on stdout and problems as one "ferry: ..." line on stderr, and
 * returns the process's exit status.
 */
#ifndef FERRY_HEADLESS_H
#define FERRY_HEADLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"

struct ui_headless_options {
	struct client_options	 copts;		/* server, name, dir */
	const char		*to;		/* send: peer name or HOST:PORT */
	const char *const	*paths;		/* send: files to offer */
	size_t			 npaths;
	const char		*from;		/* receive: only from this peer (name or HOST:PORT) */
	unsigned long		 count;		/* receive: exit after this many transfers; 0: until SIGINT */
	bool			 quiet;		/* no progress bar, no "sent" lines */
	bool			 progress;	/* send: draw a progress bar on stderr */
	bool			 decline;	/* receive: decline every offer (tests) */
	const char *const	*only;		/* receive: take only what these globs match */
	size_t			 nonly;
	const char *const	*exclude;	/* receive: leave out what these match */
	size_t			 nexclude;
	unsigned long		 retry_s;	/* send: after a break, offer again for this long; 0: never */
	uint64_t		 keep_parts_s;	/* receive: kept parts older than this are removed */
};

/* Each returns the exit status: 0, or 1 after printing why. */
int	ui_headless_peers(uv_loop_t *loop, const struct ui_headless_options *o);
int	ui_headless_send(uv_loop_t *loop, const struct ui_headless_options *o);
int	ui_headless_receive(uv_loop_t *loop, const struct ui_headless_options *o);

#endif /* FERRY_HEADLESS_H */
