/*
 * headless_int.h: what the scriptable front end's two files share
 * (headless.c: the commands, signals, sending; headless_recv.c:
 * `ferry receive`'s choices and lines). Not for anyone else.
 */
#ifndef FERRY_HEADLESS_INT_H
#define FERRY_HEADLESS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "headless.h"

enum headless_cmd {
	HEADLESS_PEERS,
	HEADLESS_SEND,
	HEADLESS_RECEIVE,
};

struct headless {
	uv_loop_t			*loop;
	struct client			*c;
	const struct ui_headless_options	*o;
	enum headless_cmd		 cmd;
	int				 status;	/* exit status once done */
	bool				 done;
	bool				 declining;	/* inside our own client_decline */
	bool				 bar;		/* a progress line is on stderr */
	bool				 interrupted;	/* a signal cancelled what ran */
	bool				 late_signal;	/* a signal came after finish() */
	bool				 skipped;	/* send: what the folders held and is not sent was said */
	uv_signal_t			 sigint;
	uv_signal_t			 sigterm;
	uint64_t			 id;		/* send: our transfer */
	uv_timer_t			 retry;		/* send: the next offer after a break */
	bool				 retrying;	/* send: the retry timer runs */
	uint64_t			 broke_ms;	/* send: when the breaks began; 0: none */
	unsigned			 backoff;	/* send: seconds of the last wait */
	uint64_t			 kept;		/* send: the most a retry found kept */
	uint64_t			 coded;		/* the last transfer whose code we showed */
	struct {
		uint64_t	 id;		/* receive: a transfer being received, */
		size_t		 next;		/* and its first file not said verified */
	}				 said[64];
	unsigned long			 finished;	/* receive: transfers that ended */
	unsigned long			 failed;
};

/* headless.c */
/* One "ferry: ..." line on stderr, written whole (the progress bar cleared first). */
void	hl_complain(struct headless *h, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Stops with this exit status: closes the client. */
void	hl_finish(struct headless *h, int status);
/* After an interrupt, once nothing runs any more: the exit status. */
void	hl_interrupted_done(struct headless *h, int status);
/* The session's code for an unverified peer, once per transfer. */
void	hl_show_code(struct headless *h, const struct client_transfer *t);

/* headless_recv.c */
void	hl_incoming_cb(struct client *c, const struct client_transfer *t,
	    void *arg);
/* A received transfer changed: verified lines, saved lines, --count. */
void	hl_receive_transfer(struct headless *h, const struct client_transfer *t);
/* client_prune_parts' callback: one line per kept part removed. */
void	hl_pruned(void *arg, const char *name, uint64_t have, uint64_t size,
	    uint64_t age_s);

#endif /* FERRY_HEADLESS_INT_H */
