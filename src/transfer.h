/*
 * transfer.h: the contract between the client core (client.c: control
 * connection, peers, public API) and the transfer engine (transfer*.c).
 * Neither reads the other's structs; everything they share is here.
 */
#ifndef FERRY_TRANSFER_H
#define FERRY_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "msg.h"

struct transfer_engine;
struct proto_tls_ctx;

/*
 * The client's settings the engine works with. The strings are borrowed:
 * the client owns them and outlives its engine.
 */
struct transfer_settings {
	uv_loop_t	*loop;
	const char	*dir;		/* receive folder */
	const char	*server;	/* "HOST:PORT" as given, for messages */
	const char	*host;		/* where data connections go */
	const char	*port;
	/* Our two sides of the end-to-end sessions (borrowed, like the strings). */
	struct proto_tls_ctx *tls_client;	/* sending: we are the TLS client */
	struct proto_tls_ctx *tls_server;	/* receiving: the TLS server */
	const char	*known_peers;	/* names and their keys (trust.h); NULL: none kept */
	uint64_t	 rate_limit;	/* sending: bytes per second per transfer; 0: none */
	unsigned	 progress_hz;	/* progress reports per second per transfer, 1..1000 */
};

/* --- what the engine needs from the client (client.c) ------------------ */

/* Sends one control message on the control connection (UV_ENOTCONN when down). */
int	client__send(struct client *c, const struct proto_msg *m);
/* Handle and job accounting, so client_close knows when everything is closed. */
void	client__busy(struct client *c);
void	client__unbusy(struct client *c);
/*
 * The same for a data connection, which client_close also lets end first:
 * the control connection closes after the last of them, so that a
 * receipt still on its way is not overtaken by our leaving.
 */
void	client__data_opened(struct client *c);
void	client__data_closed(struct client *c);
/* A transfer changed state or made progress: tells the front end (on_transfer). */
void	client__report(struct client *c, const struct client_transfer *t);
/* An offer waits for an answer: tells the front end (on_incoming); UV_ENOSYS when it takes no files. */
int	client__incoming(struct client *c, const struct client_transfer *t);
/* A transfer started or ended with a peer: recounts the peers' active transfers. */
void	client__update_active(struct client *c);
/* One line for the user (on_message): "resuming big.iso at ...". */
void	client__message(struct client *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* --- what the client needs from the engine (transfer*.c) --------------- */

/* Creates the engine with an empty transfer list; UV_ENOMEM. */
int	client__xfer_new(struct client *c, const struct transfer_settings *set,
	    struct transfer_engine **out);
/* client_free: frees every transfer (idle after CLOSED) and the engine. */
void	client__xfer_free(struct transfer_engine *e);
/* The transfer list in creation order (see client_transfer_next and _find). */
const struct client_transfer *client__xfer_next(const struct transfer_engine *e,
	    const struct client_transfer *prev);
const struct client_transfer *client__xfer_find(const struct transfer_engine *e,
	    uint64_t id);
size_t	client__xfer_count(const struct transfer_engine *e);
/*
 * client_offer_check: every base name of paths[0..n) that a receiver would
 * refuse (proto_file_name_problem), all in err with their reasons. 0, or
 * UV_EINVAL.
 */
int	client__xfer_check_names(const char *const *paths, size_t n,
	    char *err, size_t errlen);
/*
 * client_offer once connected, to the peer with relay id to and this name:
 * examines the files off the loop, then sends the offer.
 */
int	client__xfer_offer(struct transfer_engine *e, uint64_t to,
	    const char *name, const char *const *paths, size_t n, uint64_t *id,
	    char *err, size_t errlen);
/* client_verify: the transfer's peer key is verified now (known_peers). 0 or an error with err. */
int	client__xfer_verify(struct transfer_engine *e, uint64_t id, char *err,
	    size_t errlen);
/* client_accept, client_decline, client_cancel, client_transfer_forget: UV_ENOENT for an unknown id. */
int	client__xfer_accept(struct transfer_engine *e, uint64_t id);
int	client__xfer_take(struct transfer_engine *e, uint64_t id, size_t i,
	    bool take);
int	client__xfer_decline(struct transfer_engine *e, uint64_t id,
	    const char *reason);
int	client__xfer_cancel(struct transfer_engine *e, uint64_t id,
	    const char *reason);
int	client__xfer_forget(struct transfer_engine *e, uint64_t id);
/* client_close: cancels every transfer that has not ended. */
void	client__xfer_cancel_all(struct transfer_engine *e, const char *reason);
/*
 * A control message about transfers (offered, incoming, decline, cancel,
 * ready, error with transfer/ref). Returns 1 when it was one.
 */
int	client__xfer_control(struct transfer_engine *e, const struct proto_msg *m);
/* Peers left the relay: their transfers that have not ended fail. */
void	client__xfer_peers_left(struct transfer_engine *e, const uint64_t *ids,
	    size_t n);
/* The control connection is gone: every transfer that has not ended fails. */
void	client__xfer_relay_lost(struct transfer_engine *e, const char *why);

#endif /* FERRY_TRANSFER_H */
