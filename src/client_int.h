/*
 * client_int.h: struct client, shared by client.c (the public API and
 * lifecycle) and client_ctl.c (the control connection). Nothing else
 * includes it; front ends see client.h and the engine transfer.h.
 */
#ifndef FERRY_CLIENT_INT_H
#define FERRY_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "client.h"
#include "conn.h"
#include "keyfile.h"
#include "peers.h"
#include "proto.h"

#define CONNECT_TIMEOUT	10000	/* ms to connect and get a welcome; FERRY_CONNECT_TIMEOUT (s) overrides */
#define BACKOFF_MAX	30	/* seconds between reconnect attempts, at most */

struct client {
	uv_loop_t		*loop;
	char			*server;	/* owned: "HOST:PORT" as given */
	char			*host;		/* owned: without brackets */
	char			*port;		/* owned */
	char			*name;		/* owned: our peer name */
	char			*room;		/* owned: our room, "" for none */
	char			*dir;		/* owned: receive folder */
	bool			 reconnect;
	struct client_ops	 ops;
	void			*arg;

	enum client_state	 state;
	struct client_conn	*ctl;		/* control connection; NULL when none */
	uv_timer_t		 timer;		/* connect timeout, keepalive, reconnect backoff */
	uint64_t		 ping_ms;	/* relay silence before we ping */
	uint64_t		 idle_ms;	/* relay silence before we give up */
	uint64_t		 rx_ms;		/* uv_now() of the last control frame */
	bool			 pinged;	/* a ping went out since that frame */
	bool			 silent;	/* we gave up on a silent relay */
	unsigned		 backoff;	/* seconds before the next reconnect */
	char			 why[2048];	/* why the last connection ended */

	uint64_t		 self_id;
	char			 self_name[PROTO_PEER_NAME_MAX + 1];
	char			 self_addr[PROTO_ADDR_MAX + 1];
	struct client_peer_list	 peers;

	struct transfer_engine	*xfers;		/* owned: the transfers (transfer.h) */
	struct client_identity	*id;		/* owned: our key pair; NULL without one */
	EVP_PKEY		*key;		/* id's key, or owned: one for this run only */
	struct proto_tls_ctx	*tls;		/* owned: our client side of every TLS session */
	struct proto_tls_ctx	*tls_server;	/* owned: our server side (receiving, end to end) */
	char			*known_relays;	/* owned: the pins file, or NULL */
	char			*known_peers;	/* owned: names and their keys, or NULL */
	char			*relay_fpr;	/* owned: --relay-fingerprint, or NULL */
	bool			 dns;		/* host is a DNS name, not an address */
	struct proto_key_names	 relay_names;	/* of the relay we are connected to */

	unsigned		 busy;		/* open handles and jobs: CLOSED waits for 0 */
	unsigned		 ndata;		/* open data connections */
	bool			 finish_ctl;	/* client_close: finish ctl when ndata is 0 */
	bool			 started;
	bool			 closing;
	bool			 closed;
	bool			 in_close;	/* inside client_close: no CLOSED report yet */
};

/* client.c (client__message, which the engine uses too, is in transfer.h) */
/* The control connection's state changed: tells the front end. */
void	client__set_state(struct client *c, enum client_state s,
	    const char *reason, unsigned retry);

/* client_ctl.c */
/* Opens the control connection (TLS, hello, peers); failures retry with backoff. */
void	client__connect(struct client *c);

#endif /* FERRY_CLIENT_INT_H */
