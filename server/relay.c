/*
 * relay.c: the relay as a whole: its configuration, the listener and the
 * relay's own timers (the clock tick for deadlines, the end-of-iteration
 * flush of pushed events), and a graceful stop that tells every client
 * before closing. Accepting is relay_conn.c's, the data path bridge.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>		/* malloc_trim() */
#endif

#include "msg.h"
#include "relay_int.h"
#include "relay_log.h"

void
relay_config_default(struct relay_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->listen = RELAY_DEFAULT_LISTEN;
	cfg->max_clients = 65536;
	cfg->max_transfers = 256;
	cfg->hello_ms = 10000;
	cfg->bind_ms = 30000;
	cfg->slot_ms = 30000;
	cfg->ping_ms = 30000;
	cfg->idle_ms = 60000;
	cfg->linger_ms = 2000;
	cfg->tail_ms = 2000;
	cfg->rate = 20;
	cfg->burst = 50;
	cfg->max_pending = 16;
	cfg->msg_rate = 200;
	cfg->msg_burst = 400;
	/* Longer than the 120 s a sender waits for a person's answer. */
	cfg->bridge_idle_ms = 150000;
	cfg->bridge_min_rate = 1024;
	cfg->bridge_window_ms = 60000;
	cfg->ctl_budget = 64 * 1024 * 1024;
	cfg->max_unhello = 1024;
	cfg->max_per_addr = 64;
	cfg->fd_reserve = 32;
#ifdef __linux__
	cfg->splice = 1;
#else
	cfg->splice = 0;
#endif
	/* The benchmark's buffer sweep chose these (README, Performance). */
	cfg->chunk_size = 256 * 1024;
	cfg->pipe_size = 1024 * 1024;
}

uint64_t
relay_config_tick_ms(const struct relay_config *cfg)
{
	uint64_t	m = cfg->hello_ms;

	if (cfg->bind_ms < m)
		m = cfg->bind_ms;
	if (cfg->slot_ms < m)
		m = cfg->slot_ms;
	if (cfg->ping_ms < m)
		m = cfg->ping_ms;
	if (cfg->idle_ms < m)
		m = cfg->idle_ms;
	if (cfg->bridge_idle_ms > 0 && cfg->bridge_idle_ms < m)
		m = cfg->bridge_idle_ms;
	if (cfg->bridge_min_rate > 0 && cfg->bridge_window_ms > 0 &&
	    cfg->bridge_window_ms < m)
		m = cfg->bridge_window_ms;
	m /= 10;
	if (m < 5)
		m = 5;
	if (m > 1000)
		m = 1000;
	return m;
}

/* The control logic answers through the connections and the bridge. */
static const struct relay_ops ctl_ops = {
	relay__conn_send,
	relay__conn_close_peer,
	relay__bridge_start,
};

int
relay_new(uv_loop_t *loop, const struct relay_config *cfg, struct relay **out)
{
	struct relay		*r;

	*out = NULL;
	/* Owned by the caller: relay_free(). */
	if ((r = calloc(1, sizeof *r)) == NULL)
		return -PROTO_E_NOMEM;
	r->loop = loop;
	r->cfg = *cfg;
	TAILQ_INIT(&r->conns);
	relay_chunks_init(&r->chunks, cfg->chunk_size);
	if (relay_ctl_init(&r->ctl, cfg, &ctl_ops, r) != 0 ||
	    relay__admit_init(r) != 0 ||
	    (r->rbuf = malloc(RELAY_RBUF_SIZE)) == NULL ||
	    (r->pbuf = malloc(RELAY_PBUF_SIZE)) == NULL ||
	    (r->cbuf = malloc(RELAY_CBUF_SIZE)) == NULL ||
	    proto_error_frame(PROTO_E_BUSY, "the relay is full; try again later",
	    0, 0, &r->busy_frame, &r->busy_len) != 0) {
		relay_free(r);
		return -PROTO_E_NOMEM;
	}
	*out = r;
	return 0;
}

static void
handle_closed_cb(uv_handle_t *h)
{
	struct relay	*r = h->data;

	r->nhandles--;
}

/* Which RELAY_H_* bit a handle of r is. */
static unsigned
hbit(const struct relay *r, const uv_handle_t *h)
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
handle_init(struct relay *r, uv_handle_t *h)
{
	h->data = r;
	r->nhandles++;
	r->hopen |= hbit(r, h);
}

static void
close_handle(struct relay *r, uv_handle_t *h)
{
	unsigned	bit = hbit(r, h);

	if (!(r->hopen & bit))
		return;
	r->hopen &= ~bit;
	uv_close(h, handle_closed_cb);
}

static void
close_handles(struct relay *r)
{
	close_handle(r, (uv_handle_t *)&r->listener);
	close_handle(r, (uv_handle_t *)&r->tick);
	close_handle(r, (uv_handle_t *)&r->pause);
	close_handle(r, (uv_handle_t *)&r->prepare);
	close_handle(r, (uv_handle_t *)&r->flush);
}

/* When stopping and the last connection is gone, close the rest. */
static void
stopped_check(struct relay *r)
{
	if ((r->flags & RELAY_STOPPING) && r->nconns == 0)
		close_handles(r);
}

/*
 * Gives free heap pages back to the system. A storm of joins (every client
 * told of every other) or of handshakes leaves megabytes of freed frames
 * and TLS buffers between the live connections, which glibc keeps: 2000
 * clients that all know each other cost about 47 KB of RSS each without
 * this, 28 KB once it ran (fbench clients ADDR 2000 -s 11000). It runs at
 * most every RELAY_TRIM_MS, so a storm that goes on does not pay for
 * pages it takes back at once.
 */
static void
relay_trim(struct relay *r, uint64_t now)
{
	if (now - r->trimmed < RELAY_TRIM_MS)
		return;
	r->trimmed = now;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void
tick_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;
	uint64_t	 now = uv_now(r->loop);

	relay_ctl_tick(&r->ctl, now);
	relay__conn_tick(r, now);
	relay_trim(r, now);
}

static void
flush_cb(uv_timer_t *t)
{
	struct relay	*r = t->data;

	relay_ctl_flush(&r->ctl);
}

/*
 * Before the loop sleeps: if joins or leaves wait, send them within
 * RELAY_FLUSH_MS. A connect storm then costs each client a few large
 * peer_joined messages instead of one per newcomer. And when stopping, the
 * last connection's close callback has run by now (the loop closes
 * handles after it polls): then the relay's own handles close too.
 */
static void
prepare_cb(uv_prepare_t *p)
{
	struct relay	*r = p->data;

	if (r->flags & RELAY_STOPPING) {
		stopped_check(r);
		return;
	}
	if (relay_ctl_pending(&r->ctl) && !uv_is_active((uv_handle_t *)&r->flush))
		uv_timer_start(&r->flush, flush_cb, RELAY_FLUSH_MS, 0);
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
	handle_init(r, (uv_handle_t *)&r->listener);
	if ((e = uv_tcp_bind(&r->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (e = uv_listen((uv_stream_t *)&r->listener, 1024,
	    relay__conn_connection_cb)) != 0)
		goto fail;
	len = sizeof ss;
	if ((e = uv_tcp_getsockname(&r->listener, (struct sockaddr *)&ss,
	    &len)) != 0)
		goto fail;
	relay_format_addr((struct sockaddr *)&ss, r->addr, sizeof r->addr);

	uv_timer_init(r->loop, &r->tick);
	handle_init(r, (uv_handle_t *)&r->tick);
	uv_timer_init(r->loop, &r->pause);
	handle_init(r, (uv_handle_t *)&r->pause);
	uv_prepare_init(r->loop, &r->prepare);
	handle_init(r, (uv_handle_t *)&r->prepare);
	uv_timer_init(r->loop, &r->flush);
	handle_init(r, (uv_handle_t *)&r->flush);
	tick = relay_config_tick_ms(&r->cfg);
	uv_timer_start(&r->tick, tick_cb, tick, tick);
	uv_prepare_start(&r->prepare, prepare_cb);
	r->flags |= RELAY_LISTENING;
	relay_log(RELAY_LOG_NOTICE, NULL, "listening on %s", r->addr);
	return 0;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "cannot listen on %s: %s", r->cfg.listen,
		    uv_strerror(e));
	return e;
}

size_t
relay_set_allow(struct relay *r, struct relay_allow *a)
{
	return relay_ctl_set_allow(&r->ctl, a);
}

void
relay_shutdown(struct relay *r)
{
	if (r->flags & RELAY_STOPPING)
		return;
	r->flags |= RELAY_STOPPING;
	relay_log(RELAY_LOG_INFO, NULL, "shutting down: %zu connection%s open",
	    r->nconns, r->nconns == 1 ? "" : "s");
	close_handle(r, (uv_handle_t *)&r->listener);
	close_handle(r, (uv_handle_t *)&r->pause);
	relay_chunks_close(&r->chunks);
	/* error{shutdown} and a drain for each client; linger bounds the wait. */
	relay_ctl_shutdown(&r->ctl);
	stopped_check(r);
}

void
relay_free(struct relay *r)
{
	struct relay_conn	*c;

	if (r == NULL)
		return;
	if (r->nconns > 0 || r->nhandles > 0) {
		/* Early exit (a failed listen) or a loop stopped by force. */
		r->flags |= RELAY_STOPPING;
		relay_chunks_close(&r->chunks);
		/* Closing marks: each c stays listed until its callback. */
		TAILQ_FOREACH(c, &r->conns, link)
			relay__conn_close(c);
		close_handles(r);
		while (r->nconns > 0 || r->nhandles > 0)
			if (uv_run(r->loop, UV_RUN_ONCE) == 0)
				break;
	}
	relay_ctl_free(&r->ctl);
	relay_chunks_close(&r->chunks);
	free(r->rbuf);
	free(r->pbuf);
	free(r->cbuf);
	free(r->busy_frame);
	relay__admit_free(r);
	free(r);
}
