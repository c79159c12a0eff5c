/*
 * peers.h: the client's model of the other peers on the relay, sorted by
 * name, kept live from peer_list (in pages, until more is false),
 * peer_joined and peer_left.
 */
#ifndef FERRY_PEERS_H
#define FERRY_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "msg.h"

struct client_peer_list {
	struct client_peer	*v;		/* owned: n entries sorted by name, cap allocated */
	size_t			 n;
	size_t			 cap;
	struct client_peer	*page;		/* owned: a peer_list being collected (more: true) */
	size_t			 npage;
	size_t			 pagecap;
	bool			 paging;	/* a peer_list with more: true came in */
	bool			 loaded;	/* a whole peer_list has arrived */
};

void	client_peers_init(struct client_peer_list *p);
void	client_peers_free(struct client_peer_list *p);
/* Forgets every peer (a new connection starts from nothing). */
void	client_peers_clear(struct client_peer_list *p);

/*
 * Applies one peer_list page. Returns 1 when the list is now complete
 * (more was false) and changed the model, 0 while pages are still coming,
 * or UV_ENOMEM.
 */
int	client_peers_apply_list(struct client_peer_list *p, const struct proto_peer *v, size_t n,
	    bool more);
/* Adds or updates peers (peer_joined). Returns 0 or UV_ENOMEM. */
int	client_peers_join(struct client_peer_list *p, const struct proto_peer *v, size_t n);
/* Removes peers by id (peer_left); unknown ids are ignored. Returns how many went. */
size_t	client_peers_leave(struct client_peer_list *p, const uint64_t *ids, size_t n);

const struct client_peer *client_peers_find_id(const struct client_peer_list *p, uint64_t id);
/* Why client_peers_resolve found nobody. */
enum client_peer_miss {
	CLIENT_PEER_NONE = 0,		/* no peer by that address, name or fingerprint */
	CLIENT_PEER_CHANGED,		/* the name is there, with a key other than known_peers says */
	CLIENT_PEER_AMBIGUOUS,		/* the fingerprint prefix begins several peers' keys */
};
/*
 * The peer spec names (--to, --from): a HOST:PORT matches an address only,
 * never a name that looks like one; otherwise a name, unless its key is not
 * the one known_peers holds for it (the trust marks); otherwise the
 * beginning of a fingerprint (8 characters or more, dashes and case
 * ignored) that only one peer's key has. NULL with *why otherwise.
 */
const struct client_peer *client_peers_resolve(const struct client_peer_list *p,
	    const char *spec, enum client_peer_miss *why);

/* Sets every peer's active count to 0; then client_peers_add_active per live transfer. */
void	client_peers_reset_active(struct client_peer_list *p);
void	client_peers_add_active(struct client_peer_list *p, uint64_t id);

#endif /* FERRY_PEERS_H */
