/*
 * peers.c: the peer model. Small (the relay caps a list page at 1000) and
 * read far more often than written, so a sorted array with linear updates.
 */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "addr.h"
#include "keyfile.h"
#include "relays.h"
#include "text.h"

void
client_peers_init(struct client_peer_list *p)
{
	memset(p, 0, sizeof *p);
}

void
client_peers_free(struct client_peer_list *p)
{
	free(p->v);
	free(p->page);
	memset(p, 0, sizeof *p);
}

void
client_peers_clear(struct client_peer_list *p)
{
	p->n = 0;
	p->npage = 0;
	p->paging = false;
	p->loaded = false;
}

/* Case-insensitive first so "Bob" and "bob" sit together, then bytes, then id. */
static int
peers_cmp(const void *a, const void *b)
{
	const struct client_peer	*x = a, *y = b;
	int				 r;

	if ((r = strcasecmp(x->name, y->name)) != 0)
		return r;
	if ((r = strcmp(x->name, y->name)) != 0)
		return r;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
peers_reserve(struct client_peer **v, size_t *cap, size_t want)
{
	struct client_peer	*nv;
	size_t			 ncap;

	if (want <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < want)
		ncap *= 2;
	if ((nv = realloc(*v, ncap * sizeof *nv)) == NULL)
		return UV_ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static void
peers_copy(struct client_peer *dst, const struct proto_peer *src)
{
	struct proto_key_names	names;

	memset(dst, 0, sizeof *dst);
	dst->id = src->id;
	snprintf(dst->name, sizeof dst->name, "%s", src->name);
	snprintf(dst->addr, sizeof dst->addr, "%s", src->addr);
	/*
	 * The relay vouches for this key with the peer's TLS handshake; we
	 * name it ourselves. A key that is not one leaves the names empty.
	 */
	if (proto_hex_decode(src->key, dst->key, sizeof dst->key) == 0 &&
	    proto_key_names_raw(dst->key, &names) == 0) {
		snprintf(dst->fingerprint, sizeof dst->fingerprint, "%s",
		    names.fingerprint);
		snprintf(dst->short_fpr, sizeof dst->short_fpr, "%s",
		    names.short_fpr);
	}
}

static struct client_peer *
peers_lookup(struct client_peer *v, size_t n, uint64_t id)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].id == id)
			return &v[i];
	}
	return NULL;
}

int
client_peers_apply_list(struct client_peer_list *p, const struct proto_peer *v, size_t n,
    bool more)
{
	struct client_peer	*e, *tmp;
	size_t			 i, tcap;
	int			 r;

	if (!p->paging)
		p->npage = 0;
	for (i = 0; i < n; i++) {
		if ((e = peers_lookup(p->page, p->npage, v[i].id)) == NULL) {
			if ((r = peers_reserve(&p->page, &p->pagecap,
			    p->npage + 1)) != 0)
				return r;
			e = &p->page[p->npage++];
		}
		peers_copy(e, &v[i]);
	}
	p->paging = more;
	if (more)
		return 0;
	/* The page becomes the list: swap the arrays instead of copying. */
	if (p->npage > 1)
		qsort(p->page, p->npage, sizeof *p->page, peers_cmp);
	tmp = p->v;
	tcap = p->cap;
	p->v = p->page;
	p->cap = p->pagecap;
	p->n = p->npage;
	p->page = tmp;
	p->pagecap = tcap;
	p->npage = 0;
	p->loaded = true;
	return 1;
}

int
client_peers_join(struct client_peer_list *p, const struct proto_peer *v, size_t n)
{
	struct client_peer	*e;
	size_t			 i;
	int			 r;

	for (i = 0; i < n; i++) {
		if ((e = peers_lookup(p->v, p->n, v[i].id)) == NULL) {
			if ((r = peers_reserve(&p->v, &p->cap, p->n + 1)) != 0)
				return r;
			e = &p->v[p->n++];
		}
		peers_copy(e, &v[i]);
	}
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, peers_cmp);
	return 0;
}

size_t
client_peers_leave(struct client_peer_list *p, const uint64_t *ids, size_t n)
{
	size_t	i, j, gone = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < p->n; j++) {
			if (p->v[j].id != ids[i])
				continue;
			memmove(&p->v[j], &p->v[j + 1],
			    (p->n - j - 1) * sizeof *p->v);
			p->n--;
			gone++;
			break;
		}
	}
	return gone;
}

const struct client_peer *
client_peers_find_id(const struct client_peer_list *p, uint64_t id)
{
	return peers_lookup(p->v, p->n, id);
}

const struct client_peer *
client_peers_resolve(const struct client_peer_list *p, const char *spec,
    enum client_peer_miss *why)
{
	const struct client_peer	*hit = NULL;
	struct proto_hostport		 hp;
	char				 norm[PROTO_FPR_LEN + 1], err[80];
	size_t				 i, n;

	*why = CLIENT_PEER_NONE;
	if (spec == NULL || *spec == '\0')
		return NULL;
	/* HOST:PORT is an address, never a name that looks like one. */
	if (strchr(spec, ':') != NULL && proto_hostport_parse(spec, &hp, err,
	    sizeof err) == 0 && hp.host[0] != '\0') {
		for (i = 0; i < p->n; i++)
			if (strcmp(p->v[i].addr, spec) == 0)
				return &p->v[i];
		return NULL;
	}
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, spec) != 0)
			continue;
		/* The name is known with another key: that is not the same peer. */
		if (p->v[i].trust == CLIENT_TRUST_CHANGED) {
			*why = CLIENT_PEER_CHANGED;
			return NULL;
		}
		return &p->v[i];
	}
	/* A fingerprint's beginning, as `ferry peers` shows it. */
	n = client_fpr_normalize(spec, norm, sizeof norm);
	if (n < 8 || strspn(norm, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != n)
		return NULL;
	for (i = 0; i < p->n; i++) {
		if (strncmp(p->v[i].fingerprint, norm, n) != 0)
			continue;
		if (hit != NULL) {
			*why = CLIENT_PEER_AMBIGUOUS;
			return NULL;
		}
		hit = &p->v[i];
	}
	return hit;
}

void
client_peers_reset_active(struct client_peer_list *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		p->v[i].active = 0;
}

void
client_peers_add_active(struct client_peer_list *p, uint64_t id)
{
	struct client_peer	*e;

	if ((e = peers_lookup(p->v, p->n, id)) != NULL)
		e->active++;
}
