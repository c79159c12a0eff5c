/*
 * relay.c: the relay as a whole: listener and admission, the clock tick for
 * deadlines, the end-of-iteration flush of pushed events, the EMFILE pause,
 * and a graceful stop that tells every client before closing.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "relay.h"
#include "relay_conn.h"
#include "relay_log.h"
#include "msg.h"

void
relay_config_default(struct relay_config *cfg)
{
	struct relay_limits	lim;

	relay_limits_default(&lim);
	memset(cfg, 0, sizeof *cfg);
	cfg->listen = RELAY_DEFAULT_LISTEN;
	cfg->max_clients = lim.max_clients;
	cfg->hello_ms = lim.hello_ms;
	cfg->offer_ms = lim.offer_ms;
	cfg->token_ms = lim.token_ms;
	cfg->ping_ms = lim.ping_ms;
	cfg->idle_ms = lim.idle_ms;
	cfg->linger_ms = 2000;
	cfg->rate = lim.rate;
	cfg->burst = lim.burst;
}

static int
addr_fail(char *err, size_t errlen, const char *s, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "bad address \"%s\": %s", s, why);
	return UV_EINVAL;
}

/* HOST:PORT through proto/addr.c; no host means every IPv4 address. */
int
relay_parse_addr(const char *s, struct sockaddr_storage *ss, char *err,
    size_t errlen)
{
	struct addrinfo		 hints, *res = NULL;
	struct proto_hostport	 hp;
	char			 why[96];
	int			 e;

	memset(ss, 0, sizeof *ss);
	if (proto_hostport_parse(s, &hp, why, sizeof why) != 0)
		return addr_fail(err, errlen, s, why);
	if (hp.bracketed) {
		if (uv_ip6_addr(hp.host, (int)hp.port,
		    (struct sockaddr_in6 *)ss) != 0)
			return addr_fail(err, errlen, s, "not an IPv6 address");
		return 0;
	}
	if (hp.host[0] == '\0')
		snprintf(hp.host, sizeof hp.host, "0.0.0.0");
	if (uv_ip4_addr(hp.host, (int)hp.port, (struct sockaddr_in *)ss) == 0 &&
	    inet_pton(AF_INET, hp.host,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(hp.host, NULL, &hints, &res)) != 0 || res == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot resolve \"%s\": %s",
			    hp.host, gai_strerror(e));
		return UV_EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen < sizeof *ss ?
	    res->ai_addrlen : sizeof *ss);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)hp.port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)hp.port);
	else
		return addr_fail(err, errlen, s, "not an IP address");
	return 0;
}

void
relay_format_addr(const struct sockaddr *sa, char *out, size_t len)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	char				 ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(in4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		/* A v4 client on a dual-stack socket: show it as v4. */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			if (inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip,
			    sizeof ip) == NULL)
				snprintf(ip, sizeof ip, "?");
			snprintf(out, len, "%s:%u", ip,
			    (unsigned)ntohs(in6->sin6_port));
			return;
		}
		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, len, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
	} else
		snprintf(out, len, "?");
}

int
relay_new(uv_loop_t *loop, const struct relay_config *cfg, struct relay **out)
{
	struct relay_limits	 lim;
	struct relay		*r;

	*out = NULL;
	/* Owned by the caller: relay_free(). */
	if ((r = calloc(1, sizeof *r)) == NULL)
		return -PROTO_E_NOMEM;
	r->loop = loop;
	r->cfg = *cfg;
	relay_list_init(&r->conns);
	relay_bridge_config(r);
	relay_limits_default(&lim);
	lim.hello_ms = cfg->hello_ms;
	lim.offer_ms = cfg->offer_ms;
	lim.token_ms = cfg->token_ms;
	lim.ping_ms = cfg->ping_ms;
	lim.idle_ms = cfg->idle_ms;
	lim.max_clients = cfg->max_clients;
	lim.rate = cfg->rate;
	lim.burst = cfg->burst;
	if (relay_ctl_init(&r->ctl, &lim, &relay_conn_ops, r) != 0 ||
	    (r->rbuf = malloc(RELAY_RBUF_SIZE)) == NULL ||
	    proto_error_frame(PROTO_E_BUSY, "the relay is full; try again later",
	    0, 0, &r->busy_frame, &r->busy_len) != 0) {
		relay_free(r);
		return -PROTO_E_NOMEM;
	}
	*out = r;
	return 0;
}

static void
relay_handle_closed_cb(uv_handle_t *h)
{
	struct relay	*r = h->data;

	r->nhandles--;
}

/* Which RELAY_H_* bit a handle of r is. */
static unsigned
relay_hbit(const struct relay *r, const uv_handle_t *h)
{
	if (h == (const uv_handle_t *)&r->listener)
		return RELAY_H_LISTENER;
	if (h == (const uv_handle_t *)&r->tick)
		return RELAY_H_TICK;
	if (h == (const uv_handle_t *)&r->pause)
		return RELAY_H_PAUSE;
	if (h == (const uv_handle_t *)&r->flush)
		return RELAY_H_FLUSH;
	return RELAY_H_PREPARE;
}

static void
relay_handle_init(struct relay *r, uv_handle_t *h)
{
	h->data = r;
	r->nhandles++;
	r->hopen |= relay_hbit(r, h);
}

static void
relay_close_handle(struct relay *r, uv_handle_t *h)
{
	unsigned	bit = relay_hbit(r, h);

	if (!(r->hopen & bit))
		return;
	r->hopen &= ~bit;
	uv_close(h, relay_handle_closed_cb);
}

static void
relay_close_handles(struct relay *r)
{
	relay_close_handle(r, (uv_handle_t *)&r->listener);
	relay_close_handle(r, (uv_handle_t *)&r->tick);
	relay_close_handle(r, (uv_handle_t *)&r->pause);
	relay_close_handle(r, (uv_handle_t *)&r->prepare);
	relay_close_handle(r, (uv_handle_t *)&r->flush);
}

void
relay_stopped_check(struct relay *r)
{
	if ((r->flags & RELAY_STOPPING) && r->nconns == 0)
		relay_close_handles(r);
}

static void
relay_pause_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;

	r->flags &= ~RELAY_ACCEPT_PAUSED;
	if ((r->flags & RELAY_ACCEPT_PENDING) && !(r->flags & RELAY_STOPPING)) {
		r->flags &= ~RELAY_ACCEPT_PENDING;
		relay_conn_accept(r);	/* uv_accept() also resumes polling */
	}
}

void
relay_pause_accept(struct relay *r)
{
	if ((r->flags & RELAY_ACCEPT_PAUSED) || (r->flags & RELAY_STOPPING))
		return;
	r->flags |= RELAY_ACCEPT_PAUSED;
	uv_timer_start(&r->pause, relay_pause_cb, RELAY_ACCEPT_PAUSE_MS, 0);
}

static void
relay_connection_cb(uv_stream_t *server, int status)
{
	struct relay	*r = server->data;

	if (status < 0) {
		relay_log(RELAY_LOG_WARN, NULL, "accept failed: %s; pausing "
		    "%d ms", uv_strerror(status), RELAY_ACCEPT_PAUSE_MS);
		relay_pause_accept(r);
		return;
	}
	/*
	 * While paused, leaving the connection un-accepted makes libuv stop
	 * polling the listener until relay_pause_cb() accepts it.
	 */
	if (r->flags & RELAY_ACCEPT_PAUSED) {
		r->flags |= RELAY_ACCEPT_PENDING;
		return;
	}
	relay_conn_accept(r);
}

static void
relay_tick_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;
	uint64_t	 now = uv_now(r->loop);

	relay_ctl_tick(&r->ctl, now);
	relay_conn_tick(r, now);
}

static void
relay_flush_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;

	relay_ctl_flush(&r->ctl);
}

/*
 * Before the loop sleeps: if joins or leaves wait, send them within
 * RELAY_FLUSH_MS. A connect storm then costs each client a few large
 * peer_joined messages instead of one per newcomer.
 */
static void
relay_prepare_cb(uv_prepare_t *p)
{
	struct relay	*r = p->data;

	if (relay_ctl_pending(&r->ctl) && !uv_is_active((uv_handle_t *)&r->flush))
		uv_timer_start(&r->flush, relay_flush_cb, RELAY_FLUSH_MS, 0);
}

int
relay_listen(struct relay *r, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	uint64_t		 tick;
	int			 e, len;

	if ((e = relay_parse_addr(r->cfg.listen, &ss, err, errlen)) != 0)
		return e;
	if ((e = uv_tcp_init(r->loop, &r->listener)) != 0)
		goto fail;
	relay_handle_init(r, (uv_handle_t *)&r->listener);
	if ((e = uv_tcp_bind(&r->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (e = uv_listen((uv_stream_t *)&r->listener, 1024,
	    relay_connection_cb)) != 0)
		goto fail;
	len = sizeof ss;
	if ((e = uv_tcp_getsockname(&r->listener, (struct sockaddr *)&ss,
	    &len)) != 0)
		goto fail;
	relay_format_addr((struct sockaddr *)&ss, r->addr, sizeof r->addr);

	uv_timer_init(r->loop, &r->tick);
	relay_handle_init(r, (uv_handle_t *)&r->tick);
	uv_timer_init(r->loop, &r->pause);
	relay_handle_init(r, (uv_handle_t *)&r->pause);
	uv_prepare_init(r->loop, &r->prepare);
	relay_handle_init(r, (uv_handle_t *)&r->prepare);
	uv_timer_init(r->loop, &r->flush);
	relay_handle_init(r, (uv_handle_t *)&r->flush);
	tick = relay_limits_tick_ms(&r->ctl.lim);
	uv_timer_start(&r->tick, relay_tick_cb, tick, tick);
	uv_prepare_start(&r->prepare, relay_prepare_cb);
	r->flags |= RELAY_LISTENING;
	relay_log(RELAY_LOG_NOTICE, NULL, "listening on %s", r->addr);
	return 0;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "cannot listen on %s: %s", r->cfg.listen,
		    uv_strerror(e));
	return e;
}

void
relay_shutdown(struct relay *r)
{
	if (r->flags & RELAY_STOPPING)
		return;
	r->flags |= RELAY_STOPPING;
	relay_log(RELAY_LOG_INFO, NULL, "shutting down: %zu connection%s open",
	    r->nconns, r->nconns == 1 ? "" : "s");
	relay_close_handle(r, (uv_handle_t *)&r->listener);
	relay_close_handle(r, (uv_handle_t *)&r->pause);
	relay_chunk_free_all(r);
	/* error{shutdown} and a drain for each client; linger bounds the wait. */
	relay_ctl_shutdown(&r->ctl);
	relay_stopped_check(r);
}

void
relay_free(struct relay *r)
{
	struct relay_list	*n;

	if (r == NULL)
		return;
	if (r->nconns > 0 || r->nhandles > 0) {
		/* Early exit (a failed listen) or a loop stopped by force. */
		r->flags |= RELAY_STOPPING;
		for (n = r->conns.next; n != &r->conns; n = n->next)
			relay_conn_close(relay_list_entry(n, struct relay_conn, link));
		relay_close_handles(r);
		while (r->nconns > 0 || r->nhandles > 0)
			if (uv_run(r->loop, UV_RUN_ONCE) == 0)
				break;
	}
	relay_ctl_free(&r->ctl);
	relay_chunk_free_all(r);
	free(r->rbuf);
	free(r->busy_frame);
	free(r);
}
