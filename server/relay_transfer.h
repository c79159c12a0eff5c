/*
 * relay_transfer.h: the relay's transfer table. A transfer is born from an
 * offer, gets two single-use tokens on accept (one per side), is bridged
 * once both data connections attach, and is gone when answered, cancelled,
 * expired or when both data connections have closed.
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
	RELAY_XFER_OFFERED = 0,		/* waiting for accept or decline */
	RELAY_XFER_READY,		/* accepted, tokens out, waiting for attach */
	RELAY_XFER_BRIDGING,		/* both attached: bytes flow */
};

struct relay_transfer {
	uint64_t		 id;		/* relay-issued, 1.. */
	enum relay_xfer_state	 state;
	struct relay_peer	*peer[2];	/* control peers by enum relay_side */
	struct relay_peer	*data[2];	/* their data connections once attached */
	char			 token[2][PROTO_TOKEN_LEN + 1];	/* "" once used */
	uint64_t		 created;	/* ms, loop clock */
	uint64_t		 deadline;	/* ms: answer (OFFERED) or attach (READY) */
	uint64_t		 started;	/* ms: bridging began */
	uint64_t		 bytes[2];	/* bytes the bridge read from each side */
	uint64_t		 size;		/* bytes offered, all files */
	size_t			 nfiles;
	unsigned		 closed;	/* bit per side: its data connection closed */
	TAILQ_ENTRY(relay_transfer) link;	/* relay_transfers.all, oldest first */
};

TAILQ_HEAD(relay_transfer_list, relay_transfer);

struct relay_transfers {
	struct relay_transfer_list all;
	size_t			 count;
	uint64_t		 last_id;
};

void	relay_transfers_init(struct relay_transfers *x);
/* Frees every transfer still in the table. */
void	relay_transfers_free(struct relay_transfers *x);

/*
 * A new OFFERED transfer from `from` to `to` with the next id; owned by the
 * table until relay_transfer_free(). NULL when out of memory.
 */
struct relay_transfer *relay_transfer_new(struct relay_transfers *x,
	    struct relay_peer *from, struct relay_peer *to, uint64_t now);
void	relay_transfer_free(struct relay_transfers *x, struct relay_transfer *t);

struct relay_transfer *relay_transfer_find(const struct relay_transfers *x,
	    uint64_t id);
/*
 * The READY transfer holding this unused token, with the side it belongs to
 * in *side; NULL when nobody holds it. Compares without early exit.
 */
struct relay_transfer *relay_transfer_by_token(const struct relay_transfers *x,
	    const char *token, int *side);

/* Fills out with 32 lower-case hex digits of 128 bits from uv_random(). */
int	relay_token_new(char out[PROTO_TOKEN_LEN + 1]);
/* Gives both sides of t fresh, distinct tokens. 0 or a negative libuv error. */
int	relay_transfer_issue_tokens(struct relay_transfer *t);

#endif /* FERRY_RELAY_TRANSFER_H */
