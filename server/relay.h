/*
 * relay.h: the relay as ferryd's main (and an in-process test) sees it:
 * configure one, make it, listen, run the loop, shut it down on a signal,
 * free it.
 */
#ifndef FERRY_RELAY_H
#define FERRY_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define RELAY_DEFAULT_LISTEN	"0.0.0.0:7117"

struct relay;
struct relay_allow;
struct proto_tls_ctx;

/* ferryd.c takes FERRY_RELAY_CHUNK and FERRY_RELAY_PIPE in these. */
#define RELAY_CHUNK_MIN		(16 * 1024)
#define RELAY_CHUNK_MAX		(4 * 1024 * 1024)
#define RELAY_PIPE_KNOB_MIN	4096

/*
 * Everything the relay can be told, in one place: ferryd.c fills it from
 * its flags and environment, relay_new() copies it, and the control logic
 * and the bridge read their parts from that copy.
 */
struct relay_config {
	const char	*listen;	/* "HOST:PORT", "[v6]:PORT"; port 0 picks one */
	unsigned	 max_clients;	/* peers that said hello; more get busy */
	unsigned	 max_transfers;	/* open transfers a peer; more: rate_limited */
	uint64_t	 hello_ms;	/* first-message deadline */
	uint64_t	 bind_ms;	/* ready to both data connections bound */
	uint64_t	 slot_ms;	/* slot given to its bind */
	uint64_t	 ping_ms;	/* control silence before a ping */
	uint64_t	 idle_ms;	/* control silence before closing */
	uint64_t	 linger_ms;	/* after a closing error: wait for the client to go */
	uint64_t	 tail_ms;	/* ended with nothing back: peer_gone for so long */
	unsigned	 rate;		/* peers/offer requests a second per client; 0: no limit */
	unsigned	 burst;		/* ... of which this many at once */
	/* The abuse limits (PROTOCOL.md section 5; ferryd's flags). */
	unsigned	 max_pending;	/* offers waiting for binds at one receiver */
	unsigned	 msg_rate;	/* other control messages a second; 0: no limit */
	unsigned	 msg_burst;	/* ... of which this many at once */
	uint64_t	 bridge_idle_ms; /* a bridge with no byte for so long: stalled; 0: never */
	unsigned	 bridge_min_rate; /* bytes/s a bridge must average ... ; 0: any */
	uint64_t	 bridge_window_ms; /* ... over this window, once bridge_idle_ms old */
	size_t		 ctl_budget;	/* unwritten control bytes, all clients together */
	unsigned	 max_unhello;	/* connections not yet known (hello or slot) */
	unsigned	 max_per_addr;	/* open connections from one source address */
	unsigned	 fd_reserve;	/* descriptors kept free below RLIMIT_NOFILE */
	int		 splice;	/* bridge by splice(2) (FERRY_RELAY_SPLICE) */
	size_t		 chunk_size;	/* copy path read (FERRY_RELAY_CHUNK) */
	size_t		 pipe_size;	/* splice path pipe (FERRY_RELAY_PIPE) */
	int		 require_room;	/* a hello without a room: room_required */
	/*
	 * The server side of every control connection's TLS (borrowed: the
	 * caller keeps it until relay_free()). NULL: control connections
	 * are refused (their handshake gets nowhere), for tests that drive
	 * only data connections.
	 */
	struct proto_tls_ctx *tls;
};

/*
 * The defaults of PROTOCOL.md: 10 s, 30 s, 30 s, 30 s, 60 s; 65536
 * clients, 256 transfers each, 20 requests a second (50 at once); 16
 * offers waiting at a receiver, 200 other messages a second (400 at once);
 * bridges stalled after 150 s without a byte or under 1 KiB/s over 60 s;
 * 64 MiB of queued control output; 1024 connections not yet known, 64 from
 * one address, 32 descriptors in reserve; splice on Linux, 256 KiB chunks,
 * 1 MiB pipes.
 */
void	relay_config_default(struct relay_config *cfg);
/* A clock tick that keeps every deadline within a tenth of itself. */
uint64_t relay_config_tick_ms(const struct relay_config *cfg);

/* A relay on loop; nothing is open yet. 0 or -PROTO_E_NOMEM. */
int	relay_new(uv_loop_t *loop, const struct relay_config *cfg,
	    struct relay **out);
/*
 * Binds and listens, then logs "listening on HOST:PORT" with the real port.
 * On failure writes one line for people into err and returns a negative
 * libuv error (or UV_EINVAL for an address that does not parse).
 */
int	relay_listen(struct relay *r, char *err, size_t errlen);
/*
 * Admit only the keys on a (relay_allow.h; NULL: any), which the relay
 * owns from now on; connected clients not on it are closed with
 * error{not_allowed}. Returns how many were.
 */
size_t	relay_set_allow(struct relay *r, struct relay_allow *a);
/* Stop accepting, error{shutdown} to every client, close everything. */
void	relay_shutdown(struct relay *r);
/* After uv_run() returned; closes anything still open, then frees. */
void	relay_free(struct relay *r);

/*
 * Parses "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" into ss (numeric
 * hosts, or a name resolved with getaddrinfo). 0, or UV_EINVAL with a
 * reason in err.
 */
int	relay_parse_addr(const char *s, struct sockaddr_storage *ss, char *err,
	    size_t errlen);
/* "127.0.0.1:7117" or "[::1]:7117" (v4-mapped v6 shown as v4). */
void	relay_format_addr(const struct sockaddr *sa, char *out, size_t len);

#endif /* FERRY_RELAY_H */
