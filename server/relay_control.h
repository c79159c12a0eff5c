/*
 * relay_control.h: the relay's protocol logic without sockets
 * (session.c, presence.c, routing.c). Connections feed it
 * decoded messages and events (accepted, lost, clock ticks); it answers
 * through three callbacks (send a frame, close, start a bridge). So the whole
 * of hello, peers, offer/decline/cancel, attach slots, bind pairing
 * and every deadline can be driven by unit tests with no loop and no socket.
 * TLS is the connection layer's: it marks a peer RELAY_PEER_TLS, with its
 * key, once the handshake is done, and the logic here only reads that.
 *
 * Re-entrancy rule: the callbacks never call back into relay_ctl_*; the
 * connection layer reports a closed connection from its uv_close callback.
 */
#ifndef FERRY_RELAY_CONTROL_H
#define FERRY_RELAY_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "relay.h"
#include "relay_allow.h"
#include "relay_registry.h"
#include "relay_transfer.h"

#define RELAY_CLOSE_NOW		0	/* drop whatever is queued */
#define RELAY_CLOSE_FLUSH	1	/* write what is queued (an error), then close */

struct relay_ops {
	/* Queue a whole encoded frame for p; the callee copies what it keeps. */
	void	(*send)(void *arg, struct relay_peer *p, const uint8_t *frame,
		    size_t len);
	/* Close p's connection; p is already forgotten (state GONE). */
	void	(*close)(void *arg, struct relay_peer *p, int how);
	/* Both data connections of t are bound: start copying bytes. */
	void	(*bridge)(void *arg, struct relay_transfer *t);
};

/*
 * A bridge whose data connections both closed before the receiver sent
 * anything back (no receipt can have passed): when a process dies, its data
 * socket may be handled before its control socket, so for tail_ms a lost
 * control connection still gives the other side peer_gone for it.
 */
struct relay_tail {
	TAILQ_ENTRY(relay_tail)	 link;		/* relay_ctl.tails, oldest first */
	uint64_t		 id;		/* the transfer */
	struct relay_peer	*peer[2];	/* control peers by enum relay_side */
	uint64_t		 until;		/* ms: forgotten after this */
};

TAILQ_HEAD(relay_tail_list, relay_tail);

/* How a finished transfer ended, for the metrics (metrics.c). */
enum relay_outcome {
	RELAY_OUT_DONE = 0,		/* bridged, both sides closed, bytes came back */
	RELAY_OUT_FAILED,		/* anything else: gone, stalled, expired ... */
	RELAY_OUT_CANCELLED,
	RELAY_OUT_DECLINED,
	RELAY_OUT_COUNT
};

/* Counters since start, read by metrics.c; only ever incremented. */
struct relay_stats {
	uint64_t	transfers[RELAY_OUT_COUNT];	/* finished, by outcome */
	uint64_t	bytes;		/* bridged by finished transfers, both ways */
	uint64_t	errors[PROTO_E_COUNT];	/* error{code} sent, by PROTO_E_* */
};

/*
 * Presence is per room (relay_registry.h): a peer lists and hears of its
 * room's members only, each room's joins and leaves batched in the room.
 * Pushes are exact per recipient q: peer_joined brings each peer registered
 * after q's last peer_list (q->listed) once; peer_left names only peers q
 * was told about, by a list (registered before it and gone after it:
 * id <= q->listed, gseq > q->lseq) or by a push (announced after q said
 * hello: aseq > q->rseq).
 */
struct relay_ctl {
	struct relay_config	 cfg;	/* a copy: the limits and deadlines */
	const struct relay_ops	*ops;
	void			*arg;
	struct relay_registry	 reg;
	struct relay_transfers	 xfers;
	struct relay_slots	 slots;		/* data connections, unbound */
	uint64_t		 last_peer_id;
	struct relay_peer_list	 fresh;		/* NEW peers, oldest first */
	size_t			 nfresh;
	struct relay_peer_list	 live;		/* CONTROL peers, longest silent first */
	uint64_t		 flush_seq;	/* flushes so far */
	uint64_t		 evseq;		/* lists and leaves so far, to order them */
	struct relay_allow	*allow;		/* owned: the keys admitted; NULL: any */
	struct relay_tail_list	 tails;		/* owned, oldest first */
	uint64_t		 now;		/* ms: the clock at the last call that gave one */
	int			 stopping;	/* shutdown: no more broadcasts */
	struct relay_stats	 stats;
	uint8_t			*pbuf;		/* owned: two PROTO_PEERS_BUF frames of peers */
};

int	relay_ctl_init(struct relay_ctl *ctl, const struct relay_config *cfg,
	    const struct relay_ops *ops, void *arg);
/* Frees what ctl holds; peers still known are simply dropped. */
void	relay_ctl_free(struct relay_ctl *ctl);

/*
 * A connection came in from addr at time now; p is zeroed storage owned by
 * the caller. Until its first message it counts with the unbound slots as
 * not yet known (relay_ctl_unknown()).
 */
void	relay_ctl_accept(struct relay_ctl *ctl, struct relay_peer *p,
	    const char *addr, uint64_t now);
/* One decoded control message from p. */
void	relay_ctl_message(struct relay_ctl *ctl, struct relay_peer *p,
	    const struct proto_msg *m, uint64_t now);
/* A connection-fatal error: error{code} to p, forget p, close it after the write. */
void	relay_ctl_fail(struct relay_ctl *ctl, struct relay_peer *p, int err,
	    const char *message);
/* p's connection closed (any reason) at time now. Idempotent. */
void	relay_ctl_lost(struct relay_ctl *ctl, struct relay_peer *p,
	    uint64_t now);
/*
 * Connections that have not said hello and are not bound: the new ones
 * and the data connections that hold a slot. The relay's admission cap.
 */
size_t	relay_ctl_unknown(const struct relay_ctl *ctl);
/* True when joins or leaves wait for relay_ctl_flush(). */
int	relay_ctl_pending(const struct relay_ctl *ctl);
/* Sends the batched peer_left/peer_joined. */
void	relay_ctl_flush(struct relay_ctl *ctl);
/* Enforces the deadlines (hello, ping, idle, offer, slot, bind). */
void	relay_ctl_tick(struct relay_ctl *ctl, uint64_t now);
/*
 * From now on only the keys on a are admitted (NULL: any key); ctl owns a
 * and frees the list it had. Peers already registered whose key is not on
 * a are closed with error{not_allowed}. Returns how many were closed.
 */
size_t	relay_ctl_set_allow(struct relay_ctl *ctl, struct relay_allow *a);
/* error{shutdown} to every client, close everything, stop broadcasting. */
void	relay_ctl_shutdown(struct relay_ctl *ctl);

#endif /* FERRY_RELAY_CONTROL_H */
