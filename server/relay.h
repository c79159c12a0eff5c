/*
 * relay.h: the relay as ferryd's main sees it: make one, listen, run the
 * loop, shut it down on a signal, free it.
 */
#ifndef FERRY_RELAY_H
#define FERRY_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define RELAY_DEFAULT_LISTEN	"0.0.0.0:7117"

struct relay;

struct relay_config {
	const char	*listen;	/* "HOST:PORT", "[v6]:PORT"; port 0 picks one */
	unsigned	 max_clients;	/* peers that said hello; more get busy */
	uint64_t	 hello_ms;	/* first-message deadline */
	uint64_t	 offer_ms;	/* offer answer deadline */
	uint64_t	 token_ms;	/* token lifetime */
	uint64_t	 ping_ms;	/* control silence before a ping */
	uint64_t	 idle_ms;	/* control silence before closing */
	uint64_t	 linger_ms;	/* after a closing error: wait for the client to go */
	unsigned	 rate;		/* peers/offer requests a second per client; 0: no limit */
	unsigned	 burst;		/* ... of which this many at once */
};

/* The defaults of PROTOCOL.md: 10 s, 120 s, 30 s, 30 s, 60 s. */
void	relay_config_default(struct relay_config *cfg);

/* A relay on loop; nothing is open yet. 0 or -PROTO_E_NOMEM. */
int	relay_new(uv_loop_t *loop, const struct relay_config *cfg,
	    struct relay **out);
/*
 * Binds and listens, then logs "listening on HOST:PORT" with the real port.
 * On failure writes one line for people into err and returns a negative
 * libuv error (or UV_EINVAL for an address that does not parse).
 */
int	relay_listen(struct relay *r, char *err, size_t errlen);
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
