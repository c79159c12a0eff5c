/*
 * session.c: a control connection's life in the relay: accepted, hello
 * (inside TLS; in clear only attach, which routing.c takes), a name taken
 * back by the same key, each message dispatched (within the buckets of
 * limits.c), the hello/slot/ping/idle deadlines, loss, and shutdown. With
 * presence.c and routing.c it is relay_control.h; no sockets here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "text.h"
#include "name.h"
#include "relay_ctl_int.h"
#include "relay_log.h"

static void	ctl_forget(struct relay_ctl *, struct relay_peer *);

int
relay_ctl_init(struct relay_ctl *ctl, const struct relay_config *cfg,
    const struct relay_ops *ops, void *arg)
{
	int	r;

	memset(ctl, 0, sizeof *ctl);
	ctl->cfg = *cfg;
	ctl->ops = ops;
	ctl->arg = arg;
	TAILQ_INIT(&ctl->fresh);
	TAILQ_INIT(&ctl->live);
	TAILQ_INIT(&ctl->tails);
	relay_transfers_init(&ctl->xfers);
	/* Owned by ctl, freed in relay_ctl_free(). */
	if ((ctl->pbuf = malloc(2 * PROTO_PEERS_BUF)) == NULL)
		return -PROTO_E_NOMEM;
	if (relay_slots_init(&ctl->slots) != 0) {
		free(ctl->pbuf);
		return -PROTO_E_NOMEM;
	}
	if ((r = relay_registry_init(&ctl->reg)) != 0) {
		relay_slots_free(&ctl->slots);
		free(ctl->pbuf);
		return r;
	}
	return 0;
}

void
relay_ctl_free(struct relay_ctl *ctl)
{
	relay__ctl_tails_expire(ctl, 1);
	relay_transfers_free(&ctl->xfers);
	relay_registry_free(&ctl->reg);
	relay_slots_free(&ctl->slots);
	relay_allow_free(ctl->allow);
	ctl->allow = NULL;
	free(ctl->pbuf);
	ctl->pbuf = NULL;
}

void
relay_ctl_fail(struct relay_ctl *ctl, struct relay_peer *p, int err,
    const char *message)
{
	if (p->state == RELAY_PEER_GONE)
		return;
	if (message == NULL)
		message = proto_strerror(err);
	relay_log(err == PROTO_E_SHUTDOWN ? RELAY_LOG_DEBUG : RELAY_LOG_INFO,
	    p->addr, "closing with error %s: %s", proto_code_name(err), message);
	relay__ctl_error(ctl, p, err, 0, 0, "%s", message);
	ctl_forget(ctl, p);
	ctl->ops->close(ctl->arg, p, RELAY_CLOSE_FLUSH);
}

/* Takes p out of every list and table; afterwards nothing refers to it. */
static void
ctl_forget(struct relay_ctl *ctl, struct relay_peer *p)
{
	switch (p->state) {
	case RELAY_PEER_NEW:
		TAILQ_REMOVE(&ctl->fresh, p, link);
		ctl->nfresh--;
		break;
	case RELAY_PEER_CONTROL:
		TAILQ_REMOVE(&ctl->live, p, link);
		if (p->join.tqe_prev != NULL) {
			/* Not announced: only lists knew it. */
			TAILQ_REMOVE(&p->room->joins, p, join);
			p->join.tqe_prev = NULL;
		}
		/* Queued in its room before the room may go with it. */
		if (!ctl->stopping)
			relay__ctl_queue_left(ctl, p);
		relay_registry_remove(&ctl->reg, p);
		p->state = RELAY_PEER_GONE;
		relay__ctl_drop_transfers(ctl, p);
		relay__ctl_tails_gone(ctl, p);
		break;
	case RELAY_PEER_DATA:
		relay_slots_remove(&ctl->slots, p);
		p->state = RELAY_PEER_GONE;
		relay__ctl_data_gone(ctl, p);
		break;
	case RELAY_PEER_GONE:
		break;
	}
	p->state = RELAY_PEER_GONE;
}

void
relay_ctl_accept(struct relay_ctl *ctl, struct relay_peer *p, const char *addr,
    uint64_t now)
{
	ctl->now = now;
	p->state = RELAY_PEER_NEW;
	p->since = now;
	p->rx = now;
	snprintf(p->addr, sizeof p->addr, "%s", addr);
	p->reg.tqe_prev = NULL;		/* on neither list yet */
	p->join.tqe_prev = NULL;
	TAILQ_INIT(&p->xfers[0]);
	TAILQ_INIT(&p->xfers[1]);
	TAILQ_INSERT_TAIL(&ctl->fresh, p, link);
	ctl->nfresh++;
}

void
relay_ctl_lost(struct relay_ctl *ctl, struct relay_peer *p, uint64_t now)
{
	ctl->now = now;
	ctl_forget(ctl, p);
}

size_t
relay_ctl_unknown(const struct relay_ctl *ctl)
{
	return ctl->nfresh + ctl->slots.count;
}

/*
 * The name is held by q. With the same key it is the same client coming
 * back (a new connection before the old one timed out): the old one goes,
 * as if it had disconnected, and the name is free again. True then.
 */
static int
ctl_reclaim(struct relay_ctl *ctl, struct relay_peer *p, struct relay_peer *q)
{
	char	msg[PROTO_TEXT_MAX + 1];

	if (memcmp(p->key, q->key, sizeof p->key) != 0)
		return 0;
	relay_log(RELAY_LOG_INFO, p->addr, "\"%s\" (id %" PRIu64 ", %s) is "
	    "replaced by a new connection with its key", q->name, q->id,
	    q->addr);
	snprintf(msg, sizeof msg, "another connection with your key took the "
	    "name %s", q->name);
	relay_ctl_fail(ctl, q, PROTO_E_REPLACED, msg);
	return 1;
}

/*
 * Who may say hello here at all: a key on the allow list (if there is
 * one), and a room when the relay requires one. 0, or p was failed.
 */
static int
ctl_admit(struct relay_ctl *ctl, struct relay_peer *p, const char *room)
{
	struct proto_key_names	 kn;
	const char		*why;
	char			 msg[PROTO_TEXT_MAX + 1], wb[PROTO_NAME_WHY_MAX];

	if (ctl->allow != NULL && !relay_allow_has(ctl->allow, p->key)) {
		if (proto_key_names_raw(p->key, &kn) != 0)
			snprintf(kn.short_fpr, sizeof kn.short_fpr, "?");
		snprintf(msg, sizeof msg, "this relay admits only the keys on "
		    "its list, and yours (fingerprint %s) is not on it: send "
		    "the first line of `ferry id` to the relay's operator",
		    kn.short_fpr);
		relay_ctl_fail(ctl, p, PROTO_E_NOT_ALLOWED, msg);
		return -1;
	}
	if (*room != '\0' &&
	    (why = proto_peer_name_problem(room, wb, sizeof wb)) != NULL) {
		snprintf(msg, sizeof msg, "hello: the room %s", why);
		relay_ctl_fail(ctl, p, PROTO_E_BAD_MESSAGE, msg);
		return -1;
	}
	if (*room == '\0' && ctl->cfg.require_room) {
		relay_ctl_fail(ctl, p, PROTO_E_ROOM_REQUIRED, "this relay admits "
		    "only clients in a room, so strangers never see each "
		    "other: agree on one (`ferry room new` makes one) and "
		    "use --room NAME");
		return -1;
	}
	return 0;
}

static void
ctl_hello(struct relay_ctl *ctl, struct relay_peer *p, const struct proto_msg *m)
{
	struct proto_msg	 w;
	struct proto_key_names	 kn;
	struct relay_peer	*q;
	const char		*why;
	char			 msg[PROTO_TEXT_MAX + 1], wb[PROTO_NAME_WHY_MAX];
	int			 r;

	if (m->version != PROTO_VERSION) {
		snprintf(msg, sizeof msg, "this relay speaks protocol version "
		    "%d, not %u", PROTO_VERSION, (unsigned)m->version);
		relay_ctl_fail(ctl, p, PROTO_E_VERSION, msg);
		return;
	}
	if (ctl_admit(ctl, p, m->room) != 0)
		return;
	if ((why = proto_peer_name_problem(m->name, wb, sizeof wb)) != NULL) {
		snprintf(msg, sizeof msg, "hello: the name %s", why);
		relay_ctl_fail(ctl, p, PROTO_E_BAD_MESSAGE, msg);
		return;
	}
	/* Names are unique per room, and taken back per room. */
	if ((q = relay_registry_find(&ctl->reg, m->room, m->name)) != NULL &&
	    !ctl_reclaim(ctl, p, q)) {
		snprintf(msg, sizeof msg, "the name \"%s\" is taken", m->name);
		relay_ctl_fail(ctl, p, PROTO_E_NAME_TAKEN, msg);
		return;
	}
	if (ctl->reg.count >= ctl->cfg.max_clients) {
		snprintf(msg, sizeof msg, "the relay is full (%u clients)",
		    ctl->cfg.max_clients);
		relay_ctl_fail(ctl, p, PROTO_E_BUSY, msg);
		return;
	}
	memcpy(p->name, m->name, sizeof p->name);
	p->id = ctl->last_peer_id + 1;
	if ((r = relay_registry_add_in(&ctl->reg, p, m->room)) != 0) {
		p->id = 0;
		relay_ctl_fail(ctl, p, -r, NULL);
		return;
	}
	ctl->last_peer_id = p->id;
	p->rseq = ctl->flush_seq;
	relay__ctl_limits_hello(ctl, p);
	TAILQ_REMOVE(&ctl->fresh, p, link);
	ctl->nfresh--;
	p->state = RELAY_PEER_CONTROL;
	TAILQ_INSERT_TAIL(&ctl->live, p, link);
	relay__ctl_queue_join(ctl, p);

	proto_msg_init(&w, PROTO_MSG_WELCOME);
	w.id = p->id;
	memcpy(w.name, p->name, sizeof w.name);
	memcpy(w.addr, p->addr, sizeof w.addr);
	proto_fmt_hex(p->key, sizeof p->key, w.key);
	relay__ctl_send(ctl, p, &w);
	if (proto_key_names_raw(p->key, &kn) != 0)
		snprintf(kn.short_fpr, sizeof kn.short_fpr, "?");
	/* A room's name is its members' secret: the log does not keep it. */
	relay_log(RELAY_LOG_INFO, p->addr, "hello from \"%s\"%s: id %" PRIu64
	    ", key %s", p->name, *m->room != '\0' ? " in a room" : "", p->id,
	    kn.short_fpr);
}

size_t
relay_ctl_set_allow(struct relay_ctl *ctl, struct relay_allow *a)
{
	struct relay_peer	*p, *next;
	size_t			 n = 0;

	relay_allow_free(ctl->allow);
	ctl->allow = a;
	if (a == NULL)
		return 0;
	for (p = TAILQ_FIRST(&ctl->live); p != NULL; p = next) {
		next = TAILQ_NEXT(p, link);
		if (relay_allow_has(a, p->key))
			continue;
		relay_ctl_fail(ctl, p, PROTO_E_NOT_ALLOWED, "your key was taken "
		    "off this relay's allow list");
		n++;
	}
	return n;
}

void
relay_ctl_message(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m, uint64_t now)
{
	struct proto_msg	 pong;
	char			 msg[128];
	const char		*type = proto_msg_type_name(m->type);

	ctl->now = now;
	if (p->state != RELAY_PEER_NEW && p->state != RELAY_PEER_CONTROL)
		return;
	p->rx = now;
	p->flags &= ~RELAY_PEER_PINGED;
	if (type == NULL)
		type = "?";

	/* The connection layer says which it is: TLS (control) or clear (data). */
	if (p->state == RELAY_PEER_NEW && (p->flags & RELAY_PEER_TLS)) {
		if (m->type == PROTO_MSG_HELLO)
			ctl_hello(ctl, p, m);
		else {
			snprintf(msg, sizeof msg, "the first message on a "
			    "control connection must be hello, not %s", type);
			relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, msg);
		}
		return;
	}
	if (p->state == RELAY_PEER_NEW) {
		if (m->type == PROTO_MSG_ATTACH)
			relay__ctl_attach(ctl, p);
		else if (m->type == PROTO_MSG_HELLO)
			relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, "a control "
			    "connection is TLS 1.3 from its first byte; in "
			    "clear only attach may come first");
		else {
			snprintf(msg, sizeof msg, "the first message on a data "
			    "connection must be attach, not %s", type);
			relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, msg);
		}
		return;
	}

	/* Keep live ordered by silence: the ping scan stops at the first recent one. */
	TAILQ_REMOVE(&ctl->live, p, link);
	TAILQ_INSERT_TAIL(&ctl->live, p, link);
	if (!relay__ctl_allow(ctl, p, m))
		return;
	switch (m->type) {
	case PROTO_MSG_PEERS:
		if (relay__ctl_peers(ctl, p) != 0)
			relay_ctl_fail(ctl, p, PROTO_E_NOMEM, NULL);
		break;
	case PROTO_MSG_OFFER:
	case PROTO_MSG_DECLINE:
	case PROTO_MSG_CANCEL:
		relay__ctl_route(ctl, p, m);
		break;
	case PROTO_MSG_BIND:
		relay__ctl_bind(ctl, p, m);
		break;
	case PROTO_MSG_PING:
		proto_msg_init(&pong, PROTO_MSG_PONG);
		relay__ctl_send(ctl, p, &pong);
		break;
	case PROTO_MSG_PONG:
		break;
	case PROTO_MSG_HELLO:
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, "hello was already said");
		break;
	case PROTO_MSG_ATTACH:
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE,
		    "attach belongs on a new data connection in clear, not the "
		    "control connection");
		break;
	case PROTO_MSG_ACCEPT:
		/* The relay never sees the answer: it is the clients' own. */
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, "accept belongs "
		    "inside the end-to-end session, not on the control "
		    "connection");
		break;
	default:
		snprintf(msg, sizeof msg, "%s is not a message a client sends "
		    "to the relay", type);
		relay_ctl_fail(ctl, p, PROTO_E_BAD_STATE, msg);
		break;
	}
}

void
relay_ctl_tick(struct relay_ctl *ctl, uint64_t now)
{
	struct relay_peer	*p, *next;
	struct proto_msg	 ping;
	char			 d[32], msg[128];

	ctl->now = now;
	/* fresh is in arrival order: stop at the first one still in time. */
	while ((p = TAILQ_FIRST(&ctl->fresh)) != NULL) {
		if (now - p->since < ctl->cfg.hello_ms)
			break;
		snprintf(msg, sizeof msg, "no hello within %s",
		    relay__ctl_dur(d, sizeof d, ctl->cfg.hello_ms));
		relay_ctl_fail(ctl, p, PROTO_E_IDLE, msg);
	}
	/* Slots too are in the order given. */
	while ((p = TAILQ_FIRST(&ctl->slots.all)) != NULL) {
		if (now - p->since < ctl->cfg.slot_ms)
			break;
		snprintf(msg, sizeof msg, "this data connection was not bound "
		    "within %s of its slot",
		    relay__ctl_dur(d, sizeof d, ctl->cfg.slot_ms));
		relay_ctl_fail(ctl, p, PROTO_E_IDLE, msg);
	}
	/* live is in order of silence: stop at the first recent one. */
	for (p = TAILQ_FIRST(&ctl->live); p != NULL; p = next) {
		next = TAILQ_NEXT(p, link);
		if (now - p->rx < ctl->cfg.ping_ms && now - p->rx < ctl->cfg.idle_ms)
			break;
		if (now - p->rx >= ctl->cfg.idle_ms) {
			snprintf(msg, sizeof msg, "silent for %s",
			    relay__ctl_dur(d, sizeof d, ctl->cfg.idle_ms));
			relay_ctl_fail(ctl, p, PROTO_E_IDLE, msg);
		} else if (!(p->flags & RELAY_PEER_PINGED)) {
			p->flags |= RELAY_PEER_PINGED;
			proto_msg_init(&ping, PROTO_MSG_PING);
			relay__ctl_send(ctl, p, &ping);
		}
	}
	relay__ctl_tails_expire(ctl, 0);
	relay__ctl_expire_transfers(ctl);
	relay__ctl_check_bridges(ctl);
}

void
relay_ctl_shutdown(struct relay_ctl *ctl)
{
	struct relay_peer	*p;
	struct relay_transfer	*t;

	ctl->stopping = 1;
	while ((p = TAILQ_FIRST(&ctl->fresh)) != NULL) {
		relay_ctl_fail(ctl, p, PROTO_E_SHUTDOWN, "the relay is shutting down");
	}
	while ((p = TAILQ_FIRST(&ctl->live)) != NULL) {
		relay_ctl_fail(ctl, p, PROTO_E_SHUTDOWN, "the relay is shutting down");
	}
	while ((p = TAILQ_FIRST(&ctl->slots.all)) != NULL) {
		relay_ctl_fail(ctl, p, PROTO_E_SHUTDOWN, "the relay is shutting down");
	}
	/* Every transfer had two control peers, so none should be left. */
	while ((t = TAILQ_FIRST(&ctl->xfers.all)) != NULL)
		relay__ctl_end(ctl, t, "relay shutting down");
	relay__ctl_tails_expire(ctl, 1);
}
