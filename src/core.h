/*
 * core.h: the client core's private state, shared by client.c (control
 * connection, peers, public API) and transfer.c (the transfer engine).
 * Front ends include client.h only.
 */
#ifndef FERRY_CORE_H
#define FERRY_CORE_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "conn.h"
#include "msg.h"
#include "peers.h"

#define CLIENT_CONNECT_TIMEOUT	10000	/* ms to connect and get a welcome */
#define CLIENT_BACKOFF_MAX	30	/* seconds between reconnect attempts, at most */

struct transfer;
TAILQ_HEAD(transfer_list, transfer);

struct client {
	uv_loop_t		*loop;
	char			*server;	/* owned: "HOST:PORT" as given */
	char			*host;		/* owned: without brackets */
	char			*port;		/* owned */
	char			*name;		/* owned: our peer name */
	char			*dir;		/* owned: receive folder */
	bool			 reconnect;
	unsigned		 progress_hz;
	uint64_t		 rate_limit;	/* bytes per second per outgoing transfer; 0: none */
	struct client_ops	 ops;
	void			*arg;

	enum client_state	 state;
	struct client_conn		*ctl;		/* control connection; NULL when none */
	uv_timer_t		 timer;		/* connect timeout, keepalive, reconnect backoff */
	uint64_t		 ping_ms;	/* relay silence before we ping */
	uint64_t		 idle_ms;	/* relay silence before we give up */
	uint64_t		 rx_ms;		/* uv_now() of the last control frame */
	bool			 pinged;	/* a ping went out since that frame */
	bool			 silent;	/* we gave up on a silent relay */
	unsigned		 backoff;	/* seconds before the next reconnect */
	char			 why[PROTO_TEXT_MAX + 128];	/* why the last connection ended */

	uint64_t		 self_id;
	char			 self_name[PROTO_PEER_NAME_MAX + 1];
	char			 self_addr[PROTO_ADDR_MAX + 1];
	struct client_peer_list		 peers;

	struct transfer_list	 transfers;	/* every transfer not forgotten, oldest first */
	size_t			 ntransfers;
	uint64_t		 next_id;	/* local transfer handles */
	uint64_t		 next_ref;	/* offer refs */

	unsigned		 busy;		/* open handles and jobs: CLOSED waits for 0 */
	bool			 started;
	bool			 closing;
	bool			 closed;
	bool			 in_close;	/* inside client_close: no CLOSED report yet */
};

/* Handle and job accounting, so client_close knows when everything is closed. */
void	client_busy(struct client *c);
void	client_unbusy(struct client *c);
/* Sends one control message on the control connection (UV_ENOTCONN when down). */
int	client_send(struct client *c, const struct proto_msg *m);
/* Recomputes every peer's active count and reports on_peers if one changed. */
void	client_update_active(struct client *c);
/* Formats a line and passes it to on_message. */
void	client_message(struct client *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* FERRY_CORE_H */
