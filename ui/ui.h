/*
 * ui.h: the ncurses front end's entry point. ferry.c calls ui_main() when
 * it is run with no command; the rest of the TUI is internal (app.h).
 */
#ifndef FERRY_UI_H
#define FERRY_UI_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "client.h"

struct ui_options {
	const char	*start_dir;	/* where the file picker starts; NULL: the current folder */
	bool		 mono;		/* no colours even when the terminal has them */
};

/*
 * Runs the full-screen client on loop until the user quits: creates the
 * client core with copts (reconnecting with backoff), drives it, and
 * frees it. Standard input and output must be a terminal: otherwise
 * returns UV_ENOTTY before touching the screen. Returns 0 after a normal
 * quit, or a negative libuv error with a one-line reason in err. The
 * terminal is restored (endwin) on every path, signals included.
 */
int	ui_main(uv_loop_t *loop, const struct client_options *copts,
	    const struct ui_options *uopts, char *err, size_t errlen);

#endif /* FERRY_UI_H */
