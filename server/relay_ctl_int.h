/*
 * relay_ctl_int.h: what the files of the control logic call in each other.
 * Calls go one way: session.c (hello, dispatch, deadlines, loss, shutdown)
 * calls routing.c (offers, answers, slots and binds, the end of a transfer)
 * and presence.c (peer lists, batched joins and leaves); all of them send
 * through ctl_send.c. Private to them; the relay and the tests see
 * relay_control.h.
 */
#ifndef FERRY_RELAY_CTL_INT_H
#define FERRY_RELAY_CTL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "relay_control.h"

/* ctl_send.c */
/* Encodes m and queues it for p; 0 or the encoder's error (logged). */
int	relay__ctl_send(struct relay_ctl *ctl, struct relay_peer *p,
	    const struct proto_msg *m);
/* error{code, message, transfer, ref} to p; the connection stays as it is. */
void	relay__ctl_error(struct relay_ctl *ctl, struct relay_peer *p, int err,
	    uint64_t transfer, uint64_t ref, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* "10 s" or "250 ms" into buf, for messages people read; returns buf. */
const char *relay__ctl_dur(char *buf, size_t len, uint64_t ms);

/* presence.c */
/* peer_list: every peer but p, in id order, in chunks; -PROTO_E_NOMEM. */
int	relay__ctl_peers(struct relay_ctl *ctl, struct relay_peer *p);
/* p registered: announce it to its room at the next flush. */
void	relay__ctl_queue_join(struct relay_ctl *ctl, struct relay_peer *p);
/* p left (still in its room): remember it for the room's next peer_left. */
void	relay__ctl_queue_left(struct relay_ctl *ctl,
	    const struct relay_peer *p);

/* limits.c */
/* p said hello: its buckets start full. */
void	relay__ctl_limits_hello(struct relay_ctl *ctl, struct relay_peer *p);
/*
 * m from p, a CONTROL peer, within its buckets? True: serve it. False: it
 * was refused (error rate_limited sent, except for a pong) and is dropped.
 */
int	relay__ctl_allow(struct relay_ctl *ctl, struct relay_peer *p,
	    const struct proto_msg *m);
/* Ends bridges that carry no bytes, or too few (at ctl->now). */
void	relay__ctl_check_bridges(struct relay_ctl *ctl);

/* routing.c */
/* offer, decline or cancel from p, a CONTROL peer. */
void	relay__ctl_route(struct relay_ctl *ctl, struct relay_peer *p,
	    const struct proto_msg *m);
/* attach from p, a NEW peer in clear: it gets a slot, or is failed. */
void	relay__ctl_attach(struct relay_ctl *ctl, struct relay_peer *p);
/* bind from p, a CONTROL peer: pairs, or answers the error (transfer). */
void	relay__ctl_bind(struct relay_ctl *ctl, struct relay_peer *p,
	    const struct proto_msg *m);
/*
 * Ends a transfer: detach and close its data connections, release the
 * peers' counts, log, free. The caller has told whoever needs telling.
 */
void	relay__ctl_end(struct relay_ctl *ctl, struct relay_transfer *t,
	    const char *why);
/* p's control connection is gone: the other side of each transfer hears so. */
void	relay__ctl_drop_transfers(struct relay_ctl *ctl, struct relay_peer *p);
/* ... and peer_gone for its recently ended bridges (the tails). */
void	relay__ctl_tails_gone(struct relay_ctl *ctl, struct relay_peer *p);
/* Drops tail entries: all of them, or those that expired by ctl->now. */
void	relay__ctl_tails_expire(struct relay_ctl *ctl, int all);
/* A data connection closed: the end of a bridge, or of a pairing. */
void	relay__ctl_data_gone(struct relay_ctl *ctl, struct relay_peer *d);
/* Offers and binds past their deadline at ctl->now: both hear, it ends. */
void	relay__ctl_expire_transfers(struct relay_ctl *ctl);

#endif /* FERRY_RELAY_CTL_INT_H */
