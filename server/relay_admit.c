/*
 * relay_admit.c: the connection layer's abuse limits (PROTOCOL.md section
 * 5). Admission at accept: connections per source address, connections not
 * yet known (no hello, no slot), and a reserve of descriptors below
 * RLIMIT_NOFILE, so a relay near its limit still has the descriptor to say
 * busy (in clear) instead of libuv dropping the connection unseen. And the
 * relay-wide budget of control output that clients have not read: past it
 * the clients with the largest backlogs are dropped first.
 */
#include <sys/resource.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_int.h"
#include "relay_log.h"

#define RELAY_SRC_BUCKETS	1024		/* a power of two */

/* The open connections from one source address (its HOST, no port). */
struct relay_src {
	struct relay_src	*next;		/* hash chain */
	unsigned		 count;
	char			 host[PROTO_ADDR_MAX + 1];
};

int
relay__admit_init(struct relay *r)
{
	struct rlimit	rl;

	/* Owned by r; freed in relay__admit_free(). */
	if ((r->srcs = calloc(RELAY_SRC_BUCKETS, sizeof *r->srcs)) == NULL)
		return -PROTO_E_NOMEM;
	r->nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 0x7fffffff ?
	    (long)rl.rlim_cur : 0;
	return 0;
}

void
relay__admit_free(struct relay *r)
{
	struct relay_src	*s;
	size_t			 i;

	if (r->srcs == NULL)
		return;
	for (i = 0; i < RELAY_SRC_BUCKETS; i++) {
		while ((s = r->srcs[i]) != NULL) {
			r->srcs[i] = s->next;
			free(s);
		}
	}
	free(r->srcs);
	r->srcs = NULL;
}

int
relay__admit_fd_ok(const struct relay *r, int fd)
{
	/* fds are the lowest free numbers: fd means 0..fd-1 are all open. */
	return r->nofile == 0 || (long)fd < r->nofile - (long)r->cfg.fd_reserve;
}

/* "HOST" of "HOST:PORT" or "[V6]:PORT" into host. */
static void
addr_host(const char *addr, char *host, size_t len)
{
	const char	*colon = strrchr(addr, ':');
	size_t		 n = colon != NULL ? (size_t)(colon - addr) : strlen(addr);

	if (n >= len)
		n = len - 1;
	memcpy(host, addr, n);
	host[n] = '\0';
}

/* The count of host, made (at 0) if need be; NULL when out of memory. */
static struct relay_src *
src_get(struct relay *r, const char *host)
{
	struct relay_src	*s, **b;

	b = &r->srcs[relay_hash_name(host) & (RELAY_SRC_BUCKETS - 1)];
	for (s = *b; s != NULL; s = s->next) {
		if (strcmp(s->host, host) == 0)
			return s;
	}
	/* Owned by r->srcs; freed when its count falls to 0, or with r. */
	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	snprintf(s->host, sizeof s->host, "%s", host);
	s->next = *b;
	*b = s;
	return s;
}

const char *
relay__admit(struct relay *r, struct relay_conn *c, const char *addr)
{
	static char		 why[160];
	struct relay_src	*s;
	char			 host[PROTO_ADDR_MAX + 1];
	uv_os_fd_t		 fd;
	size_t			 cap;

	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 &&
	    !relay__admit_fd_ok(r, fd)) {
		snprintf(why, sizeof why, "descriptor %d of %ld: %u are kept "
		    "in reserve", (int)fd, r->nofile, r->cfg.fd_reserve);
		return why;
	}
	/* Unbound slots count too: a flood of silent connections gets busy. */
	cap = r->cfg.max_clients > 64 ? r->cfg.max_clients : 64;
	if (cap > r->cfg.max_unhello)
		cap = r->cfg.max_unhello;
	if (relay_ctl_unknown(&r->ctl) >= cap) {
		snprintf(why, sizeof why, "%zu connections have not said hello "
		    "or been bound yet", relay_ctl_unknown(&r->ctl));
		return why;
	}
	addr_host(addr, host, sizeof host);
	if ((s = src_get(r, host)) == NULL)
		return "out of memory";
	if (s->count >= r->cfg.max_per_addr) {
		snprintf(why, sizeof why, "%u connections from %s already",
		    s->count, host);
		return why;
	}
	s->count++;
	c->src = s;
	return NULL;
}

void
relay__admit_release(struct relay_conn *c)
{
	struct relay		*r = c->relay;
	struct relay_src	*s = c->src, **pp;

	if (s == NULL)
		return;
	c->src = NULL;
	if (--s->count > 0)
		return;
	for (pp = &r->srcs[relay_hash_name(s->host) & (RELAY_SRC_BUCKETS - 1)];
	    *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			free(s);
			return;
		}
	}
}

void
relay__admit_unqueued(struct relay_conn *c, size_t n)
{
	c->queued -= n;
	c->relay->ctl_queued -= n;
}

int
relay__admit_queued(struct relay_conn *c, size_t n)
{
	struct relay		*r = c->relay;
	struct relay_conn	*x, *big;
	size_t			 total;

	c->queued += n;
	r->ctl_queued += n;
	if (r->ctl_queued <= r->cfg.ctl_budget)
		return 0;
	/*
	 * Closing cancels a connection's writes, whose callbacks give the
	 * bytes back a little later: count them gone now. One walk per
	 * client dropped, and that happens only past the budget.
	 */
	total = r->ctl_queued;
	TAILQ_FOREACH(x, &r->conns, link) {
		if (x->flags & RELAY_CONN_CLOSING)
			total -= x->queued;
	}
	while (total > r->cfg.ctl_budget) {
		big = NULL;
		TAILQ_FOREACH(x, &r->conns, link) {
			if (!(x->flags & RELAY_CONN_CLOSING) && x->queued > 0 &&
			    (big == NULL || x->queued > big->queued))
				big = x;
		}
		if (big == NULL)
			break;
		relay_log(RELAY_LOG_WARN, big->peer.addr, "%zu bytes unread by "
		    "this client, %zu by all: over the relay's budget of %zu; "
		    "closing", big->queued, total, r->cfg.ctl_budget);
		total -= big->queued;
		relay__conn_close(big);
	}
	return (c->flags & RELAY_CONN_CLOSING) ? -1 : 0;
}
