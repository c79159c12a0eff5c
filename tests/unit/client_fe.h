/*
 * client_fe.h: the harness of test_client_core.c: a real relay in the
 * test's own libuv loop and front ends (struct fe) that record what their
 * callbacks saw, so a test drives the client core (client.h) as a front
 * end does and runs the loop until a condition holds.
 */
#ifndef FERRY_TEST_CLIENT_FE_H
#define FERRY_TEST_CLIENT_FE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"

#define MAXSEEN	64

/* What one front end saw through its callbacks. */
struct fe {
	const char		*name;
	struct client		*c;
	enum client_state	 state;
	char			 reason[600];
	unsigned		 retry;
	unsigned		 nstates;
	unsigned		 npeers_cb;
	unsigned		 nincoming;
	uint64_t		 incoming;	/* id of the last offer */
	int			 answer;	/* 1 accept, -1 decline, 0 leave it */
	const char		*decline_reason;
	unsigned		 ntransfer_cb;
	unsigned		 nprogress;	/* TRANSFERRING callbacks */
	enum client_transfer_state seen[MAXSEEN];	/* distinct states in order */
	unsigned		 nseen;
	unsigned		 max_active;	/* highest peer.active seen */
	bool			 closed;
};

extern uv_loop_t		 core_loop;	/* set up by setup(), closed by teardown() */
extern struct proto_tls_ctx	*core_relay_tls;	/* the relay's side: one key for the run */
extern char			 core_server[64];	/* "127.0.0.1:PORT" of this test's relay */
extern char			 core_dir[PATH_MAX];	/* a scratch folder, removed by teardown() */
extern const struct client_ops	 core_ops;	/* record into the struct fe given as arg */

/* Runs the loop until cond(arg) holds; false after ms milliseconds. */
bool	run_until(bool (*cond)(void *), void *arg, uint64_t ms);
bool	is_connected(void *arg);	/* arg: a struct fe */
bool	is_closed(void *arg);
/* The relay on core_server, in core_loop; teardown() stops it. */
void	start_relay(void);
int	setup(void **state);
int	teardown(void **state);
/* A client named name saving into rxdir, started; close_client() frees it. */
void	new_client(struct fe *fe, const char *name, const char *rxdir,
	    bool reconnect);
void	close_client(struct fe *fe);
/* A file of size pseudo-random bytes; the SHA-256 of a file in hex. */
void	write_file(const char *path, size_t size);
void	file_sha(const char *path, char *hex);

#endif /* FERRY_TEST_CLIENT_FE_H */
