/*
 * registry.c: peers by id and by (room, name) in two chained hash tables
 * that grow with the peer count, so 10,000 clients cost O(1) per hello and
 * lookup; rooms by name in a third, made with their first member and freed
 * with their last. And the slot table, a fourth such table, so a flood of
 * unknown slots in bind costs O(1) each too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "relay_registry.h"
#include "text.h"

#define RELAY_REGISTRY_MIN_BUCKETS	64

static size_t
registry_hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id;
}

/* FNV-1a over the name's bytes, from h (0 to start). */
static size_t
registry_hash_str(uint64_t h, const char *s)
{
	h ^= 0xcbf29ce484222325ULL;
	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

size_t
relay_hash_name(const char *s)
{
	return registry_hash_str(0, s);
}

/* A name within its room: the same name in two rooms lands apart. */
static size_t
registry_hash_name(const struct relay_room *room, const char *name)
{
	return registry_hash_str(registry_hash_id((uint64_t)(uintptr_t)room),
	    name);
}

/* A new empty room (owned by the caller until linked), or NULL. */
static struct relay_room *
room_new(const char *name)
{
	struct relay_room	*rm;

	if ((rm = calloc(1, sizeof *rm)) == NULL)
		return NULL;
	snprintf(rm->name, sizeof rm->name, "%s", name);
	TAILQ_INIT(&rm->members);
	TAILQ_INIT(&rm->joins);
	return rm;
}

static void
room_free(struct relay_registry *r, struct relay_room *rm)
{
	if (rm->dirty.tqe_prev != NULL)
		TAILQ_REMOVE(&r->dirty, rm, dirty);
	free(rm->left);
	free(rm);
}

int
relay_registry_init(struct relay_registry *r)
{
	int	e;

	memset(r, 0, sizeof *r);
	TAILQ_INIT(&r->all);
	TAILQ_INIT(&r->dirty);
	r->nbuckets = RELAY_REGISTRY_MIN_BUCKETS;
	r->rbuckets = RELAY_REGISTRY_MIN_BUCKETS;
	/* All owned by the registry, freed in relay_registry_free(). */
	r->by_id = calloc(r->nbuckets, sizeof *r->by_id);
	r->by_name = calloc(r->nbuckets, sizeof *r->by_name);
	r->by_room = calloc(r->rbuckets, sizeof *r->by_room);
	r->lobby = room_new("");
	if ((e = proto_peers_enc_init(&r->enc)) != 0) {
		relay_registry_free(r);
		return e;
	}
	if (r->by_id == NULL || r->by_name == NULL || r->by_room == NULL ||
	    r->lobby == NULL) {
		relay_registry_free(r);
		return -PROTO_E_NOMEM;
	}
	return 0;
}

void
relay_registry_free(struct relay_registry *r)
{
	struct relay_room	*rm, *next;
	struct relay_peer	*p;
	size_t			 i;

	TAILQ_FOREACH(p, &r->all, reg) {
		free(p->json);
		p->json = NULL;
		p->jlen = 0;
	}
	for (i = 0; r->by_room != NULL && i < r->rbuckets; i++) {
		for (rm = r->by_room[i]; rm != NULL; rm = next) {
			next = rm->next;
			room_free(r, rm);
		}
	}
	if (r->lobby != NULL)
		room_free(r, r->lobby);
	free(r->by_id);
	free(r->by_name);
	free(r->by_room);
	r->by_id = NULL;
	r->by_name = NULL;
	r->by_room = NULL;
	r->lobby = NULL;
	r->nbuckets = 0;
	r->rbuckets = 0;
	r->nrooms = 0;
	r->count = 0;
	TAILQ_INIT(&r->all);
	TAILQ_INIT(&r->dirty);
}

struct relay_room *
relay_registry_room(const struct relay_registry *r, const char *room)
{
	struct relay_room	*rm;

	if (room == NULL || *room == '\0')
		return r->lobby;
	if (r->rbuckets == 0)
		return NULL;
	rm = r->by_room[registry_hash_str(0, room) & (r->rbuckets - 1)];
	for (; rm != NULL; rm = rm->next) {
		if (strcmp(rm->name, room) == 0)
			return rm;
	}
	return NULL;
}

/* Doubles the room table; on failure the old one stays and still works. */
static void
rooms_grow(struct relay_registry *r)
{
	struct relay_room	**nb, *rm, *next;
	size_t			  n = r->rbuckets * 2, i, j;

	if ((nb = calloc(n, sizeof *nb)) == NULL)
		return;
	for (i = 0; i < r->rbuckets; i++) {
		for (rm = r->by_room[i]; rm != NULL; rm = next) {
			next = rm->next;
			j = registry_hash_str(0, rm->name) & (n - 1);
			rm->next = nb[j];
			nb[j] = rm;
		}
	}
	free(r->by_room);
	r->by_room = nb;
	r->rbuckets = n;
}

/* The room called name, made (and linked) when missing; NULL: no memory. */
static struct relay_room *
room_get(struct relay_registry *r, const char *name)
{
	struct relay_room	*rm;
	size_t			 i;

	if ((rm = relay_registry_room(r, name)) != NULL)
		return rm;
	if (r->nrooms >= r->rbuckets)
		rooms_grow(r);
	if (r->nrooms >= 4 * r->rbuckets || (rm = room_new(name)) == NULL)
		return NULL;
	i = registry_hash_str(0, name) & (r->rbuckets - 1);
	rm->next = r->by_room[i];
	r->by_room[i] = rm;
	r->nrooms++;
	return rm;
}

/* rm lost its last member: unlinked and freed, unless it is the lobby. */
static void
room_put(struct relay_registry *r, struct relay_room *rm)
{
	struct relay_room	**pp;

	if (rm->count > 0)
		return;
	if (rm == r->lobby) {
		rm->nleft = 0;		/* nobody is left to hear of them */
		return;
	}
	for (pp = &r->by_room[registry_hash_str(0, rm->name) &
	    (r->rbuckets - 1)]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == rm) {
			*pp = rm->next;
			break;
		}
	}
	r->nrooms--;
	room_free(r, rm);
}

static void
registry_link(struct relay_registry *r, struct relay_peer *p)
{
	size_t	mask = r->nbuckets - 1, i;

	i = registry_hash_id(p->id) & mask;
	p->id_next = r->by_id[i];
	r->by_id[i] = p;
	i = registry_hash_name(p->room, p->name) & mask;
	p->name_next = r->by_name[i];
	r->by_name[i] = p;
}

/* Doubles the tables; on failure the old ones stay and still work. */
static int
registry_grow(struct relay_registry *r)
{
	struct relay_peer	**id, **name, *p;
	size_t			  nb = r->nbuckets * 2;

	id = calloc(nb, sizeof *id);
	name = calloc(nb, sizeof *name);
	if (id == NULL || name == NULL) {
		free(id);
		free(name);
		return -PROTO_E_NOMEM;
	}
	free(r->by_id);
	free(r->by_name);
	r->by_id = id;
	r->by_name = name;
	r->nbuckets = nb;
	TAILQ_FOREACH(p, &r->all, reg)
		registry_link(r, p);
	return 0;
}

void
relay_peer_obj(struct proto_peer *o, const struct relay_peer *p)
{
	o->id = p->id;
	memcpy(o->name, p->name, sizeof o->name);
	memcpy(o->addr, p->addr, sizeof o->addr);
	proto_fmt_hex(p->key, sizeof p->key, o->key);
}

int
relay_registry_add_in(struct relay_registry *r, struct relay_peer *p,
    const char *room)
{
	struct relay_room	*rm;
	struct proto_peer	 o;
	int			 e;

	if (relay_registry_find(r, room, p->name) != NULL)
		return -PROTO_E_NAME_TAKEN;
	if (r->count >= r->nbuckets && registry_grow(r) != 0 &&
	    r->count >= 4 * r->nbuckets)
		return -PROTO_E_NOMEM;	/* chains would get long; refuse instead */
	relay_peer_obj(&o, p);
	/* Owned by the registry: freed by relay_registry_remove() or _free(). */
	if ((e = proto_peer_json(&r->enc, &o, &p->json, &p->jlen)) != 0)
		return e;
	if ((rm = room_get(r, room)) == NULL) {
		free(p->json);
		p->json = NULL;
		return -PROTO_E_NOMEM;
	}
	p->room = rm;
	registry_link(r, p);
	TAILQ_INSERT_TAIL(&r->all, p, reg);
	TAILQ_INSERT_TAIL(&rm->members, p, rlink);
	rm->count++;
	r->count++;
	return 0;
}

int
relay_registry_add(struct relay_registry *r, struct relay_peer *p)
{
	return relay_registry_add_in(r, p, NULL);
}

void
relay_registry_remove(struct relay_registry *r, struct relay_peer *p)
{
	struct relay_peer	**pp;
	size_t			  mask = r->nbuckets - 1;

	if (p->reg.tqe_prev == NULL)
		return;		/* never added, or removed already */
	for (pp = &r->by_id[registry_hash_id(p->id) & mask]; *pp != NULL;
	    pp = &(*pp)->id_next) {
		if (*pp == p) {
			*pp = p->id_next;
			break;
		}
	}
	for (pp = &r->by_name[registry_hash_name(p->room, p->name) & mask];
	    *pp != NULL; pp = &(*pp)->name_next) {
		if (*pp == p) {
			*pp = p->name_next;
			break;
		}
	}
	p->id_next = NULL;
	p->name_next = NULL;
	TAILQ_REMOVE(&r->all, p, reg);
	p->reg.tqe_prev = NULL;
	TAILQ_REMOVE(&p->room->members, p, rlink);
	p->room->count--;
	room_put(r, p->room);
	p->room = NULL;
	free(p->json);
	p->json = NULL;
	p->jlen = 0;
	r->count--;
}

struct relay_peer *
relay_registry_by_id(const struct relay_registry *r, uint64_t id)
{
	struct relay_peer	*p;

	if (r->nbuckets == 0)
		return NULL;
	p = r->by_id[registry_hash_id(id) & (r->nbuckets - 1)];
	for (; p != NULL; p = p->id_next) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

struct relay_peer *
relay_registry_find(const struct relay_registry *r, const char *room,
    const char *name)
{
	struct relay_room	*rm;
	struct relay_peer	*p;

	if (r->nbuckets == 0 || (rm = relay_registry_room(r, room)) == NULL)
		return NULL;
	p = r->by_name[registry_hash_name(rm, name) & (r->nbuckets - 1)];
	for (; p != NULL; p = p->name_next) {
		if (p->room == rm && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

struct relay_peer *
relay_registry_by_name(const struct relay_registry *r, const char *name)
{
	return relay_registry_find(r, NULL, name);
}

/* --- the slot table --- */

int
relay_slots_init(struct relay_slots *s)
{
	memset(s, 0, sizeof *s);
	TAILQ_INIT(&s->all);
	s->nbuckets = RELAY_REGISTRY_MIN_BUCKETS;
	/* Owned by the table, freed in relay_slots_free(). */
	if ((s->by_slot = calloc(s->nbuckets, sizeof *s->by_slot)) == NULL) {
		s->nbuckets = 0;
		return -PROTO_E_NOMEM;
	}
	return 0;
}

void
relay_slots_free(struct relay_slots *s)
{
	free(s->by_slot);
	s->by_slot = NULL;
	s->nbuckets = 0;
	s->count = 0;
	TAILQ_INIT(&s->all);
}

/* Slots are random: their first bytes are as good a hash as any. */
static size_t
slot_hash(const uint8_t slot[RELAY_SLOT_RAW])
{
	uint64_t	h;

	memcpy(&h, slot, sizeof h);
	return (size_t)h;
}

static void
slot_link(struct relay_slots *s, struct relay_peer *p)
{
	size_t	i = slot_hash(p->slot) & (s->nbuckets - 1);

	p->slot_next = s->by_slot[i];
	s->by_slot[i] = p;
}

/* Doubles the table; on failure the old one stays and still works. */
static void
slots_grow(struct relay_slots *s)
{
	struct relay_peer	**nb, *p;
	size_t			  n = s->nbuckets * 2;

	if ((nb = calloc(n, sizeof *nb)) == NULL)
		return;
	free(s->by_slot);
	s->by_slot = nb;
	s->nbuckets = n;
	TAILQ_FOREACH(p, &s->all, link)
		slot_link(s, p);
}

int
relay_slots_add(struct relay_slots *s, struct relay_peer *p)
{
	if (s->nbuckets == 0)
		return -PROTO_E_NOMEM;
	if (s->count >= s->nbuckets)
		slots_grow(s);
	/* 128 random bits do not collide; the loop is for a broken source. */
	do {
		/* No loop and no callback: uv_random() runs synchronously. */
		if (uv_random(NULL, NULL, p->slot, sizeof p->slot, 0,
		    NULL) != 0)
			return -PROTO_E_INTERNAL;
	} while (relay_slots_find(s, p->slot) != NULL);
	slot_link(s, p);
	TAILQ_INSERT_TAIL(&s->all, p, link);
	p->flags |= RELAY_PEER_SLOTTED;
	s->count++;
	return 0;
}

void
relay_slots_remove(struct relay_slots *s, struct relay_peer *p)
{
	struct relay_peer	**pp;

	if (!(p->flags & RELAY_PEER_SLOTTED))
		return;
	for (pp = &s->by_slot[slot_hash(p->slot) & (s->nbuckets - 1)];
	    *pp != NULL; pp = &(*pp)->slot_next) {
		if (*pp == p) {
			*pp = p->slot_next;
			break;
		}
	}
	p->slot_next = NULL;
	TAILQ_REMOVE(&s->all, p, link);
	p->flags &= ~RELAY_PEER_SLOTTED;
	s->count--;
}

struct relay_peer *
relay_slots_find(const struct relay_slots *s,
    const uint8_t slot[RELAY_SLOT_RAW])
{
	struct relay_peer	*p;

	if (s->nbuckets == 0)
		return NULL;
	p = s->by_slot[slot_hash(slot) & (s->nbuckets - 1)];
	for (; p != NULL; p = p->slot_next) {
		if (memcmp(p->slot, slot, RELAY_SLOT_RAW) == 0)
			return p;
	}
	return NULL;
}
