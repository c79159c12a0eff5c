/*
 * limits.c: the control logic's abuse limits (PROTOCOL.md sections 4 and
 * 5): the two token buckets of a control connection (requests that make
 * the relay work for others, `peers` and `offer`; and every other message),
 * and the stall check of bridges that carry no bytes, or too few. The
 * pending-offer cap is routing.c's (it counts at the offer); the limits on
 * connections and on queued output are the connection layer's
 * (relay_admit.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include "relay_ctl_int.h"
#include "relay_log.h"

/* Both buckets full: p just said hello. */
void
relay__ctl_limits_hello(struct relay_ctl *ctl, struct relay_peer *p)
{
	p->rl.tokens = (uint64_t)(ctl->cfg.burst > 0 ? ctl->cfg.burst : 1) * 1000;
	p->ml.tokens = (uint64_t)(ctl->cfg.msg_burst > 0 ? ctl->cfg.msg_burst :
	    1) * 1000;
	p->rl.at = p->ml.at = ctl->now;
}

/*
 * Bucket b: rate a second, up to burst at once. True when one more may go
 * on, and takes its token. rate 0: no limit.
 */
static int
bucket_take(struct relay_bucket *b, unsigned rate, unsigned burst,
    uint64_t now)
{
	uint64_t	cap, add, elapsed;

	if (rate == 0)
		return 1;
	cap = (uint64_t)(burst > 0 ? burst : 1) * 1000;
	elapsed = now > b->at ? now - b->at : 0;
	b->at = now;
	/* ms * requests/s = thousandths of a request; no overflow past cap. */
	add = elapsed >= cap ? cap : elapsed * rate;
	b->tokens = cap - b->tokens <= add ? cap : b->tokens + add;
	if (b->tokens < 1000)
		return 0;
	b->tokens -= 1000;
	return 1;
}

int
relay__ctl_allow(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	const struct relay_config *cfg = &ctl->cfg;
	const char	*type = proto_msg_type_name(m->type);

	switch (m->type) {
	case PROTO_MSG_PEERS:
	case PROTO_MSG_OFFER:
		if (bucket_take(&p->rl, cfg->rate, cfg->burst, ctl->now))
			return 1;
		relay__ctl_error(ctl, p, PROTO_E_RATE_LIMITED, 0, m->ref,
		    "too many requests (at most %u a second, %u at once): this "
		    "%s was not %s", cfg->rate, cfg->burst, type,
		    m->type == PROTO_MSG_PEERS ? "answered" : "forwarded");
		return 0;
	case PROTO_MSG_DECLINE:
	case PROTO_MSG_CANCEL:
	case PROTO_MSG_BIND:
	case PROTO_MSG_PING:
	case PROTO_MSG_PONG:
		if (bucket_take(&p->ml, cfg->msg_rate, cfg->msg_burst, ctl->now))
			return 1;
		/* A pong answers nothing: dropping it says enough. */
		if (m->type != PROTO_MSG_PONG)
			relay__ctl_error(ctl, p, PROTO_E_RATE_LIMITED,
			    m->transfer, 0, "too many messages (at most %u a "
			    "second, %u at once): this %s was dropped",
			    cfg->msg_rate, cfg->msg_burst, type);
		return 0;
	default:
		/* hello, attach, accept, unknown: they close the connection. */
		return 1;
	}
}

/* Bytes both sides of t have sent through the bridge so far. */
static uint64_t
xfer_moved(const struct relay_transfer *t)
{
	uint64_t	n = 0;
	int		s;

	for (s = 0; s < 2; s++)
		n += t->data[s] != NULL ? t->data[s]->bytes : t->bytes[s];
	return n;
}

/* t stalled: both control connections hear why, and it ends. */
static void
xfer_stalled(struct relay_ctl *ctl, struct relay_transfer *t, const char *why)
{
	int	s;

	for (s = 0; s < 2; s++) {
		if (t->peer[s]->state == RELAY_PEER_CONTROL)
			relay__ctl_error(ctl, t->peer[s], PROTO_E_STALLED, t->id,
			    0, "transfer %" PRIu64 " closed by the relay: %s",
			    t->id, why);
	}
	relay__ctl_end(ctl, t, "stalled");
}

/*
 * Bridges that moved no byte for bridge_idle_ms, or (once they are that
 * old) fewer than bridge_min_rate bytes a second over a bridge_window_ms
 * window, are closed. One pass over the bridges: a tick, not a message.
 */
void
relay__ctl_check_bridges(struct relay_ctl *ctl)
{
	const struct relay_config *cfg = &ctl->cfg;
	struct relay_transfer	*t, *next;
	uint64_t		 now = ctl->now, moved, rate;
	char			 d[32], why[128];

	for (t = TAILQ_FIRST(&ctl->xfers.bridging); t != NULL; t = next) {
		next = TAILQ_NEXT(t, qlink);
		moved = xfer_moved(t);
		if (moved != t->moved_bytes) {
			t->moved_bytes = moved;
			t->moved_at = now;
		}
		if (cfg->bridge_idle_ms > 0 &&
		    now - t->moved_at >= cfg->bridge_idle_ms) {
			snprintf(why, sizeof why, "its bridge carried no byte "
			    "for %s", relay__ctl_dur(d, sizeof d,
			    cfg->bridge_idle_ms));
			xfer_stalled(ctl, t, why);
			continue;
		}
		if (cfg->bridge_min_rate == 0 || cfg->bridge_window_ms == 0 ||
		    now - t->started < cfg->bridge_idle_ms)
			continue;
		if (t->win_at < t->started + cfg->bridge_idle_ms) {
			/* The grace is over: the first window begins. */
			t->win_at = now;
			t->win_bytes = moved;
			continue;
		}
		if (now - t->win_at < cfg->bridge_window_ms)
			continue;
		rate = (moved - t->win_bytes) * 1000 / (now - t->win_at);
		if (rate < cfg->bridge_min_rate) {
			snprintf(why, sizeof why, "its bridge carried %" PRIu64
			    " bytes a second over %s, under the relay's minimum "
			    "of %u", rate, relay__ctl_dur(d, sizeof d, now -
			    t->win_at), cfg->bridge_min_rate);
			xfer_stalled(ctl, t, why);
			continue;
		}
		t->win_at = now;
		t->win_bytes = moved;
	}
}
