/*
 * registry.c: peers by id and by name in two chained hash tables that grow
 * with the peer count, so 10,000 clients cost O(1) per hello and lookup.
 * Addresses are looked up by a walk: offers by address are rare.
 */
#include <stdlib.h>
#include <string.h>

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
static size_t
registry_hash_name(const char *s)
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
	i = registry_hash_name(p->name) & mask;
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
	for (pp = &r->by_name[registry_hash_name(p->name) & mask]; *pp != NULL;
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
	p = r->by_name[registry_hash_name(name) & (r->nbuckets - 1)];
	for (; p != NULL; p = p->name_next) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

struct relay_peer *
relay_registry_by_addr(const struct relay_registry *r, const char *addr)
{
	struct relay_peer	*p;

	TAILQ_FOREACH(p, &r->all, reg) {
		if (strcmp(p->addr, addr) == 0)
			return p;
	}
	return NULL;
}

/* A decimal id as PROTOCOL.md writes it: digits only, no sign, no leading 0. */
static int
registry_parse_id(const char *s, uint64_t *out)
{
	uint64_t	v = 0;

	if (*s < '1' || *s > '9')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > PROTO_INT_MAX)
			return -1;
	}
	*out = v;
	return 0;
}

struct relay_peer *
relay_registry_resolve(const struct relay_registry *r, const char *to)
{
	struct relay_peer	*p;
	uint64_t		 id;

	if ((p = relay_registry_by_name(r, to)) != NULL)
		return p;
	if ((p = relay_registry_by_addr(r, to)) != NULL)
		return p;
	if (registry_parse_id(to, &id) == 0)
		return relay_registry_by_id(r, id);
	return NULL;
}
