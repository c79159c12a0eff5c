/*
 * registry.c: peers by id and by name in two chained hash tables that grow
 * with the peer count, so 10,000 clients cost O(1) per hello and lookup.
 * Addresses are looked up by a walk: offers by address are rare. And the
 * slot table, a third such table, so a flood of unknown slots in bind
 * costs O(1) each too.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "relay_registry.h"

#define RELAY_REGISTRY_MIN_BUCKETS	64

static size_t
registry_hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id;
}

/* FNV-1a over the name's bytes. */
size_t
relay_hash_name(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

int
relay_registry_init(struct relay_registry *r)
{
	memset(r, 0, sizeof *r);
	TAILQ_INIT(&r->all);
	r->nbuckets = RELAY_REGISTRY_MIN_BUCKETS;
	/* Both owned by the registry, freed in relay_registry_free(). */
	r->by_id = calloc(r->nbuckets, sizeof *r->by_id);
	r->by_name = calloc(r->nbuckets, sizeof *r->by_name);
	if (r->by_id == NULL || r->by_name == NULL) {
		relay_registry_free(r);
		return -PROTO_E_NOMEM;
	}
	return 0;
}

void
relay_registry_free(struct relay_registry *r)
{
	free(r->by_id);
	free(r->by_name);
	r->by_id = NULL;
	r->by_name = NULL;
	r->nbuckets = 0;
	r->count = 0;
	TAILQ_INIT(&r->all);
}

static void
registry_link(struct relay_registry *r, struct relay_peer *p)
{
	size_t	mask = r->nbuckets - 1, i;

	i = registry_hash_id(p->id) & mask;
	p->id_next = r->by_id[i];
	r->by_id[i] = p;
	i = relay_hash_name(p->name) & mask;
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

int
relay_registry_add(struct relay_registry *r, struct relay_peer *p)
{
	if (relay_registry_by_name(r, p->name) != NULL)
		return -PROTO_E_NAME_TAKEN;
	if (r->count >= r->nbuckets && registry_grow(r) != 0 &&
	    r->count >= 4 * r->nbuckets)
		return -PROTO_E_NOMEM;	/* chains would get long; refuse instead */
	registry_link(r, p);
	TAILQ_INSERT_TAIL(&r->all, p, reg);
	r->count++;
	return 0;
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
	for (pp = &r->by_name[relay_hash_name(p->name) & mask]; *pp != NULL;
	    pp = &(*pp)->name_next) {
		if (*pp == p) {
			*pp = p->name_next;
			break;
		}
	}
	p->id_next = NULL;
	p->name_next = NULL;
	TAILQ_REMOVE(&r->all, p, reg);
	p->reg.tqe_prev = NULL;
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
relay_registry_by_name(const struct relay_registry *r, const char *name)
{
	struct relay_peer	*p;

	if (r->nbuckets == 0)
		return NULL;
	p = r->by_name[relay_hash_name(name) & (r->nbuckets - 1)];
	for (; p != NULL; p = p->name_next) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
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
