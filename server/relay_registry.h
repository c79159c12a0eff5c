/*
 * relay_registry.h: the peers that said hello, found by id, or by name
 * within their room, and the rooms they are in (ferry --room: a peer sees
 * and reaches only its room's members; the peers without a room share the
 * lobby); and the slot table: data connections that said attach and wait
 * for a bind, found by their slot. struct relay_peer is the relay's view of
 * one connection (control or data); neither table allocates peers. Rooms
 * are the registry's: made with their first member, freed with their last.
 */
#ifndef FERRY_RELAY_REGISTRY_H
#define FERRY_RELAY_REGISTRY_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "msg_peers.h"

#define RELAY_SLOT_RAW	(PROTO_SLOT_LEN / 2)	/* bytes of a slot: 128 bits */
#define RELAY_KEY_RAW	(PROTO_KEY_HEX / 2)	/* bytes of a raw Ed25519 key */

struct relay_transfer;
struct relay_room;

TAILQ_HEAD(relay_peer_list, relay_peer);
TAILQ_HEAD(relay_peer_xfers, relay_transfer);	/* xfers[side], by plink[side] */

/* A token bucket: rate a second, up to burst at once (session.c, limits.c). */
struct relay_bucket {
	uint64_t		 tokens;	/* thousandths of a token */
	uint64_t		 at;		/* ms: when last topped up */
};
TAILQ_HEAD(relay_room_list, relay_room);

enum relay_peer_state {
	RELAY_PEER_NEW = 0,		/* connected, first message not seen yet */
	RELAY_PEER_CONTROL,		/* said hello: registered */
	RELAY_PEER_DATA,		/* said attach: slotted, then bound to a transfer */
	RELAY_PEER_GONE,		/* forgotten: nothing refers to it any more */
};

struct relay_peer {
	uint64_t		 id;		/* 1.. after hello, 0 before */
	enum relay_peer_state	 state;
	unsigned		 flags;
#define RELAY_PEER_PINGED	0x1	/* a ping went out and no frame came since */
#define RELAY_PEER_MARK		0x4	/* scratch: member of the batch being sent */
#define RELAY_PEER_TLS		0x8	/* its TLS handshake is done: key holds its key */
#define RELAY_PEER_SLOTTED	0x10	/* in the slot table */
	char			 name[PROTO_PEER_NAME_MAX + 1];
	uint8_t			 key[RELAY_KEY_RAW];	/* raw Ed25519 key of its certificate */
	uint8_t			 slot[RELAY_SLOT_RAW];	/* data peers: the slot it was given */
	char			 addr[PROTO_ADDR_MAX + 1];	/* "HOST:PORT" of its connection */
	uint64_t		 since;		/* ms, loop clock: accepted; data peers: slot given */
	uint64_t		 rx;		/* ms: last frame received */
	uint64_t		 bytes;		/* data peers: bytes the bridge read from it */
	uint64_t		 listed;	/* highest id its last peer_list covered */
	uint64_t		 lseq;		/* ctl event count at that peer_list */
	uint64_t		 rseq;		/* ctl flush count when it said hello */
	uint64_t		 aseq;		/* flush that announced it; 0: not yet */
	unsigned		 ntransfers;	/* control peers: open transfers it is in */
	unsigned		 npending;	/* control peers: READY transfers it receives */
	struct relay_bucket	 rl;		/* control peers: peers and offer */
	struct relay_bucket	 ml;		/* control peers: every other message */
	/*
	 * Control peers: the transfers it sends (xfers[RELAY_SIDE_SEND]) and
	 * receives, each list linked by its own plink[side]: one list linked
	 * by two fields would corrupt itself when p both sends and receives.
	 */
	struct relay_peer_xfers	 xfers[2];
	int			 side;		/* data peers: enum relay_side */
	struct relay_transfer	*xfer;		/* data peers: their transfer, or NULL */
	struct relay_peer	*id_next;	/* registry hash chains */
	struct relay_peer	*name_next;
	struct relay_room	*room;		/* registered: its room (the lobby: none) */
	char			*json;		/* registered: its peer object (msg_peers.h), owned by the registry */
	size_t			 jlen;
	TAILQ_ENTRY(relay_peer)	 rlink;		/* room->members */
	struct relay_peer	*slot_next;	/* slot table hash chain */
	/* On a list or not: tqe_prev is NULL when off reg and join. */
	TAILQ_ENTRY(relay_peer)	 reg;		/* registry: every peer, in id order */
	/* ctl: fresh (NEW, by since), live (CONTROL, by rx) or slots (unbound DATA, by since). */
	TAILQ_ENTRY(relay_peer)	 link;
	TAILQ_ENTRY(relay_peer)	 join;		/* ctl: registered but not yet announced */
	void			*owner;		/* the connection holding it; opaque here */
};

/* A peer that left, until the next flush says so to those who knew it. */
struct relay_gone {
	uint64_t	id;
	uint64_t	aseq;		/* flush that announced it; 0: never */
	uint64_t	gseq;		/* ctl event count when it left */
};

/*
 * The peers of one room, in id order. joins, left and dirty are the
 * presence logic's (presence.c), kept here so that a room freed with its
 * last member takes its pending news with it: nobody is left to hear them.
 */
struct relay_room {
	char			 name[PROTO_ROOM_MAX + 1];	/* "": the lobby */
	struct relay_peer_list	 members;	/* by rlink, in id order */
	size_t			 count;
	struct relay_room	*next;		/* rooms hash chain */
	struct relay_peer_list	 joins;		/* registered, peer_joined not sent yet */
	struct relay_gone	*left;		/* owned: for the next peer_left */
	size_t			 nleft;
	size_t			 leftcap;
	TAILQ_ENTRY(relay_room)	 dirty;		/* on registry.dirty: news to send */
};

/* Data peers given a slot and not bound yet, by slot. */
struct relay_slots {
	struct relay_peer	**by_slot;	/* owned: nbuckets chains */
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
	struct relay_peer_list	  all;		/* oldest first (by link) */
};

struct relay_registry {
	struct relay_peer	**by_id;	/* owned: nbuckets chains */
	struct relay_peer	**by_name;	/* owned: nbuckets chains, by room and name */
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
	struct relay_peer_list	  all;		/* in the order added, which is id order */
	struct relay_room	 *lobby;	/* owned: the room of peers without one */
	struct relay_room	**by_room;	/* owned: rbuckets chains of the other rooms (owned) */
	size_t			  rbuckets;	/* a power of two */
	size_t			  nrooms;	/* rooms in by_room */
	struct relay_room_list	  dirty;	/* rooms with joins or leaves to send */
	struct proto_peers_enc	  enc;		/* how peer lists are cut */
};

/* A hash of a string (FNV-1a), for the tables here and relay_admit.c. */
size_t	relay_hash_name(const char *s);

/* Sets up an empty registry; -PROTO_E_NOMEM when the tables cannot be had. */
int	relay_registry_init(struct relay_registry *r);
/* Frees the tables and the peers' objects; the peers belong to their connections and stay. */
void	relay_registry_free(struct relay_registry *r);

/* p as a peer object goes on the wire (and into p->json). */
void	relay_peer_obj(struct proto_peer *o, const struct relay_peer *p);

/*
 * Adds p, whose id and name are set and whose id is above every id added
 * before (so `all` and each room's members stay in id order), to room
 * (""/NULL: the lobby), made when it has no member yet, and encodes its
 * peer object once into p->json for every list it will be in (its addr
 * and key are set too). Returns -PROTO_E_NAME_TAKEN when the name is in
 * use in that room, -PROTO_E_BAD_MESSAGE when the object cannot be
 * encoded, -PROTO_E_NOMEM when growing the tables, making the room or the
 * object failed (p is not added then), else 0.
 */
int	relay_registry_add_in(struct relay_registry *r, struct relay_peer *p,
	    const char *room);
/* The same in the lobby. */
int	relay_registry_add(struct relay_registry *r, struct relay_peer *p);
/*
 * Takes p out if it is in (p->reg.tqe_prev is NULL after); its room goes
 * with its last member (the lobby stays), p->room and p->json are NULL.
 */
void	relay_registry_remove(struct relay_registry *r, struct relay_peer *p);

struct relay_peer *relay_registry_by_id(const struct relay_registry *r,
	    uint64_t id);
/* The peer called name in room (""/NULL: the lobby), or NULL. */
struct relay_peer *relay_registry_find(const struct relay_registry *r,
	    const char *room, const char *name);
/* The same in the lobby. */
struct relay_peer *relay_registry_by_name(const struct relay_registry *r,
	    const char *name);
/* The room of that name with members (""/NULL: the lobby), or NULL. */
struct relay_room *relay_registry_room(const struct relay_registry *r,
	    const char *room);

/* An empty slot table; -PROTO_E_NOMEM. */
int	relay_slots_init(struct relay_slots *s);
/* Frees the table; the peers stay. */
void	relay_slots_free(struct relay_slots *s);
/*
 * Gives p a new slot (128 bits from uv_random(), unlike any held) and
 * adds it, at the tail of all. 0, -PROTO_E_NOMEM, or -PROTO_E_INTERNAL
 * when there are no random bytes.
 */
int	relay_slots_add(struct relay_slots *s, struct relay_peer *p);
/* Takes p out if it is in (p->slot_next and link are cleared). */
void	relay_slots_remove(struct relay_slots *s, struct relay_peer *p);
/* The peer holding slot, or NULL. */
struct relay_peer *relay_slots_find(const struct relay_slots *s,
	    const uint8_t slot[RELAY_SLOT_RAW]);

#endif /* FERRY_RELAY_REGISTRY_H */
