/*
 * relay_transfer.h: the relay's transfer table. A transfer is born ready
 * from an offer (the answer travels end to end, the relay never sees it), is
 * bridged once each side has bound a data connection to it (bind of a slot
 * on its control connection), and is gone when declined, cancelled, not
 * bound in time, stalled or when both data connections have closed.
 * Every lookup the control path makes is O(1): by id through a hash table,
 * a peer's own transfers through its list, the next bind deadline at the
 * head of the ready queue.
 */
#ifndef FERRY_RELAY_TRANSFER_H
#define FERRY_RELAY_TRANSFER_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "relay_registry.h"

enum relay_side {
	RELAY_SIDE_SEND = 0,
	RELAY_SIDE_RECEIVE = 1,
};

enum relay_xfer_state {
	RELAY_XFER_READY = 0,		/* ready sent: waiting for both binds */
	RELAY_XFER_BRIDGING,		/* both bound: bytes flow */
};

struct relay_transfer {
	uint64_t		 id;		/* relay-issued, 1.. */
	enum relay_xfer_state	 state;
	struct relay_peer	*peer[2];	/* control peers by enum relay_side */
	struct relay_peer	*data[2];	/* their data connections once bound */
	uint64_t		 deadline;	/* ms, loop clock: both bound by then (READY) */
	uint64_t		 created;	/* ms: the offer came */
	uint64_t		 started;	/* ms: bridging began */
	uint64_t		 bytes[2];	/* bytes the bridge read from each side */
	uint64_t		 size;		/* bytes offered, all files */
	size_t			 nfiles;
	unsigned		 closed;	/* bit per side: its data connection closed */
	/* BRIDGING: the stall check's window (limits.c). */
	uint64_t		 win_at;	/* ms: the window began */
	uint64_t		 win_bytes;	/* both sides' bytes then */
	uint64_t		 moved_at;	/* ms: last time a byte was seen to move */
	uint64_t		 moved_bytes;	/* both sides' bytes then */
	struct relay_transfer	*hnext;		/* hash chain */
	TAILQ_ENTRY(relay_transfer) link;	/* relay_transfers.all, oldest first */
	TAILQ_ENTRY(relay_transfer) qlink;	/* .ready or .bridging */
	TAILQ_ENTRY(relay_transfer) plink[2];	/* peer[s]->xfers */
};

TAILQ_HEAD(relay_transfer_list, relay_transfer);

struct relay_transfers {
	struct relay_transfer_list all;
	struct relay_transfer_list ready;	/* READY, by deadline */
	struct relay_transfer_list bridging;	/* BRIDGING, by start */
	struct relay_transfer	 **by_id;	/* owned: nbuckets chains */
	size_t			   nbuckets;	/* a power of two; 0 until first use */
	size_t			 count;
	uint64_t		 last_id;
};

void	relay_transfers_init(struct relay_transfers *x);
/* Frees every transfer still in the table, and the table. */
void	relay_transfers_free(struct relay_transfers *x);

/*
 * A new READY transfer from `from` to `to` with the next id, whose two data
 * connections are due bound by `deadline` (never earlier than the deadline
 * of the transfer made before: the ready queue stays in order); owned by
 * the table until relay_transfer_free(), and on both peers' lists (their
 * `xfers`, which must have been TAILQ_INIT'ed). NULL when out of memory.
 */
struct relay_transfer *relay_transfer_new(struct relay_transfers *x,
	    struct relay_peer *from, struct relay_peer *to, uint64_t deadline);
void	relay_transfer_free(struct relay_transfers *x, struct relay_transfer *t);
/* t's both data connections are bound: READY to BRIDGING at `now`. */
void	relay_transfer_bridged(struct relay_transfers *x,
	    struct relay_transfer *t, uint64_t now);

struct relay_transfer *relay_transfer_find(const struct relay_transfers *x,
	    uint64_t id);

#endif /* FERRY_RELAY_TRANSFER_H */
