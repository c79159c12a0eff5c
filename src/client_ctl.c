/*
 * client_ctl.c: the client's control connection: TLS 1.3 with the relay's
 * key checked (relays.h), hello and the live peer list, keepalive, the
 * relay's errors, reconnecting with backoff. What it hears about transfers
 * goes to the engine (transfer.h).
 */
#include "client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "msg.h"
#include "relays.h"
#include "tls.h"
#include "transfer.h"

/* --- the control connection --------------------------------------------- */

static void	timer_cb(uv_timer_t *);

/* "60 s" or "250 ms", for messages people read. */
static const char *
fmt_ms(char *buf, size_t len, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llu s", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llu ms", (unsigned long long)ms);
	return buf;
}

/*
 * While connected the timer watches the relay's silence: TCP alone notices
 * a relay that stopped (or a path that drops everything) only after many
 * minutes, so ping it after ping_ms and give up after idle_ms.
 */
static void
keepalive(struct client *c)
{
	struct proto_msg	m;
	uint64_t		now = uv_now(c->loop), silent, next;
	char			d[32];

	silent = now - c->rx_ms;
	if (silent >= c->idle_ms) {
		snprintf(c->why, sizeof c->why, "the relay %s stopped answering "
		    "(silent for %s)", c->server, fmt_ms(d, sizeof d,
		    c->idle_ms));
		c->silent = true;
		client_conn_close(c->ctl);
		return;
	}
	if (silent >= c->ping_ms && !c->pinged) {
		proto_msg_init(&m, PROTO_MSG_PING);
		if (client_conn_send_msg(c->ctl, &m) == 0)
			c->pinged = true;
	}
	/* Wake at the next of the two deadlines still ahead. */
	next = c->idle_ms;
	if (!c->pinged && silent < c->ping_ms && c->ping_ms < next)
		next = c->ping_ms;
	uv_timer_start(&c->timer, timer_cb, next - silent, 0);
}

/*
 * How long connecting may take, up to welcome: CONNECT_TIMEOUT, or
 * FERRY_CONNECT_TIMEOUT seconds (1 to 3600) for a slow link or a client
 * run under valgrind; anything else in it is ignored.
 */
static uint64_t
connect_timeout_ms(void)
{
	const char	*s = getenv("FERRY_CONNECT_TIMEOUT");
	char		*end;
	unsigned long	 v;

	if (s == NULL || *s < '1' || *s > '9')
		return CONNECT_TIMEOUT;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 3600)
		return CONNECT_TIMEOUT;
	return (uint64_t)v * 1000;
}

static void
timer_cb(uv_timer_t *tm)
{
	struct client	*c = tm->data;

	if (c->closing)
		return;
	if (c->state == CLIENT_CONNECTED && c->ctl != NULL) {
		keepalive(c);
		return;
	}
	if (c->state == CLIENT_CONNECTING && c->ctl != NULL) {
		/* No welcome in time: give up on this attempt. */
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: timed out",
		    c->server);
		client_conn_close(c->ctl);
		return;
	}
	if (c->state == CLIENT_DISCONNECTED && c->ctl == NULL)
		client__connect(c);
}

static void
ctl_connect(struct client_conn *conn, int status, void *arg)
{
	struct client		*c = arg;

	if (status != 0) {
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: %s",
		    c->server, uv_strerror(status));
		return;		/* the conn closes by itself; on_closed follows */
	}
	/* Nothing goes out in clear: hello waits for the relay's key to check. */
	if ((status = client_conn_start_tls(conn, c->tls, c->dns ? c->host :
	    NULL, true)) != 0) {
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: TLS: %s",
		    c->server, *client_conn_tls_error(conn) != '\0' ?
		    client_conn_tls_error(conn) : uv_strerror(status));
		client_conn_close(conn);
	}
}

/*
 * The handshake is done: the relay proved it holds its key. Whether that
 * is the key we accept for it (a CA for its DNS name, the pin, or a first
 * contact) decides whether we say anything at all.
 */
static void
ctl_tls(struct client_conn *conn, int status, void *arg)
{
	struct client		*c = arg;
	struct proto_tls	*t = client_conn_tls(conn);
	struct proto_msg	 m;
	char			 msg[sizeof c->why];

	if (status != 0 || t == NULL || proto_tls_peer_names(t, &c->relay_names) != 0) {
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: TLS "
		    "handshake failed: %s", c->server, t != NULL ?
		    proto_tls_error(t) : client_conn_tls_error(conn));
		client_conn_close(conn);
		return;
	}
	switch (client_relays_check(c->known_relays, c->server, &c->relay_names,
	    proto_tls_peer_ca_ok(t), c->relay_fpr, msg, sizeof msg)) {
	case CLIENT_RELAY_REFUSED:
		snprintf(c->why, sizeof c->why, "%s", msg);
		client_conn_close(conn);
		return;
	case CLIENT_RELAY_PINNED:
	case CLIENT_RELAY_REPINNED:
		client__message(c, "%s", msg);
		break;
	case CLIENT_RELAY_KNOWN:
		break;
	}
	/* hello and peers may be pipelined (PROTOCOL.md 3.1). */
	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "%s", c->name);
	snprintf(m.room, sizeof m.room, "%s", c->room);
	if (client_conn_send_msg(conn, &m) != 0)
		return;
	proto_msg_init(&m, PROTO_MSG_PEERS);
	(void)client_conn_send_msg(conn, &m);
}

/* The relay's word on the whole connection (it closes it afterwards). */
static void
ctl_error(struct client *c, const struct proto_msg *m)
{
	const char	*text = m->message[0] ? m->message : m->code;

	switch (proto_code_parse(m->code)) {
	case PROTO_E_NAME_TAKEN:
		snprintf(c->why, sizeof c->why,
		    "the name \"%s\" is already taken on relay %s", c->name,
		    c->server);
		break;
	case PROTO_E_REPLACED:
		/* Coming back would take the name from the newer one in turn. */
		c->reconnect = false;
		snprintf(c->why, sizeof c->why, "another ferry with your key "
		    "took the name \"%s\" on relay %s", c->name, c->server);
		break;
	case PROTO_E_NOT_ALLOWED:
		/* Not until the operator adds the key: trying again changes nothing. */
		c->reconnect = false;
		if (c->id != NULL)
			snprintf(c->why, sizeof c->why, "relay %s does not admit "
			    "your key (it is not on the relay's allow list); "
			    "send its operator this line, the first of `ferry "
			    "id`: %s %s", c->server, c->id->names.keyline,
			    c->name);
		else
			snprintf(c->why, sizeof c->why, "relay %s does not admit "
			    "this key: %s", c->server, text);
		break;
	case PROTO_E_ROOM_REQUIRED:
		c->reconnect = false;
		snprintf(c->why, sizeof c->why, "relay %s admits only clients "
		    "in a room: agree on a room with your peers (`ferry room "
		    "new` makes one) and use --room NAME", c->server);
		break;
	case PROTO_E_VERSION:
		snprintf(c->why, sizeof c->why,
		    "relay %s does not speak protocol version %d: %s",
		    c->server, PROTO_VERSION, text);
		break;
	case PROTO_E_BUSY:
		snprintf(c->why, sizeof c->why, "relay %s is full: %s",
		    c->server, text);
		break;
	case PROTO_E_SHUTDOWN:
		snprintf(c->why, sizeof c->why, "relay %s is shutting down",
		    c->server);
		break;
	default:
		snprintf(c->why, sizeof c->why, "relay %s: %s", c->server, text);
		break;
	}
}

static void
on_welcome(struct client *c, const struct proto_msg *m)
{
	if (c->state == CLIENT_CONNECTED)
		return;
	c->self_id = m->id;
	snprintf(c->self_name, sizeof c->self_name, "%s", m->name);
	snprintf(c->self_addr, sizeof c->self_addr, "%s", m->addr);
	c->why[0] = '\0';
	c->backoff = 0;
	uv_timer_stop(&c->timer);
	client__set_state(c, CLIENT_CONNECTED, "", 0);
	if (c->state == CLIENT_CONNECTED && !c->closing && c->ctl != NULL)
		uv_timer_start(&c->timer, timer_cb, c->ping_ms, 0);
}

static int
ctl_frame(struct client_conn *conn, const struct proto_frame *f, void *arg)
{
	struct client		*c = arg;
	struct proto_msg	 m, pong;
	char			 err[256];
	int			 r;

	/* Any frame shows the relay is alive. */
	c->rx_ms = uv_now(c->loop);
	c->pinged = false;
	if (f->kind != PROTO_KIND_CONTROL) {
		snprintf(c->why, sizeof c->why,
		    "relay %s sent data on the control connection", c->server);
		client_conn_close(conn);
		return -1;
	}
	if ((r = proto_msg_decode(f->payload, f->len, &m, err, sizeof err)) != 0) {
		/* A newer relay may know types we do not: say so, carry on. */
		client__message(c, "ignored a message from the relay: %s", err);
		return 0;
	}
	if (m.type != PROTO_MSG_WELCOME && m.type != PROTO_MSG_ERROR &&
	    m.type != PROTO_MSG_PING && c->state != CLIENT_CONNECTED) {
		/* Anything but welcome before welcome is out of order; skip it. */
		proto_msg_free(&m);
		return 0;
	}
	switch (m.type) {
	case PROTO_MSG_WELCOME:
		on_welcome(c, &m);
		break;
	case PROTO_MSG_PEER_LIST:
		r = client_peers_apply_list(&c->peers, m.peers, m.npeers, m.more);
		if (r == 1)
			client__update_active(c);
		if (r == 1 && c->peers.n == 0 && c->ops.on_peers != NULL)
			c->ops.on_peers(c, c->arg);
		break;
	case PROTO_MSG_PEER_JOINED:
		if (client_peers_join(&c->peers, m.peers, m.npeers) == 0 &&
		    c->peers.loaded) {
			client__update_active(c);
		}
		break;
	case PROTO_MSG_PEER_LEFT:
		client__xfer_peers_left(c->xfers, m.ids, m.nids);
		if (client_peers_leave(&c->peers, m.ids, m.nids) > 0 &&
		    c->peers.loaded) {
			client__update_active(c);
			if (c->peers.n == 0 && c->ops.on_peers != NULL)
				c->ops.on_peers(c, c->arg);
		}
		break;
	case PROTO_MSG_PING:
		proto_msg_init(&pong, PROTO_MSG_PONG);
		(void)client_conn_send_msg(conn, &pong);
		break;
	case PROTO_MSG_PONG:
		break;
	case PROTO_MSG_ERROR:
		if (client__xfer_control(c->xfers, &m))
			break;
		/* The one error about the connection that does not close it. */
		if (proto_code_parse(m.code) == PROTO_E_RATE_LIMITED)
			client__message(c, "relay %s: %s", c->server,
			    m.message[0] ? m.message : m.code);
		else
			ctl_error(c, &m);
		break;
	default:
		(void)client__xfer_control(c->xfers, &m);
		break;
	}
	proto_msg_free(&m);
	return client_conn_closing(conn) ? -1 : 0;
}

static void
ctl_lost(struct client_conn *conn, int status, void *arg)
{
	struct client	*c = arg;

	if (c->why[0] != '\0')
		return;
	if (c->state != CLIENT_CONNECTED)
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: %s",
		    c->server, status == UV_EOF ? "it closed the connection" :
		    CONN_IS_PROTO(status) ? proto_strerror(CONN_PROTO_CODE(status)) :
		    status == CONN_E_TLS ? client_conn_tls_error(conn) :
		    uv_strerror(status));
	else if (status == UV_EOF)
		snprintf(c->why, sizeof c->why,
		    "lost the connection to the relay %s", c->server);
	else
		snprintf(c->why, sizeof c->why,
		    "lost the connection to the relay %s: %s", c->server,
		    CONN_IS_PROTO(status) ? proto_strerror(CONN_PROTO_CODE(status)) :
		    status == CONN_E_TLS ? client_conn_tls_error(conn) :
		    uv_strerror(status));
}

/* With reconnect on, schedules the next attempt (1 s doubling to 30 s); the seconds, or 0. */
static unsigned
retry_later(struct client *c)
{
	if (!c->reconnect)
		return 0;
	c->backoff = c->backoff == 0 ? 1 : c->backoff * 2;
	if (c->backoff > BACKOFF_MAX)
		c->backoff = BACKOFF_MAX;
	uv_timer_start(&c->timer, timer_cb, (uint64_t)c->backoff * 1000, 0);
	return c->backoff;
}

static void
ctl_closed(struct client_conn *conn, void *arg)
{
	struct client	*c = arg;
	bool		 had_peers = c->peers.n > 0;
	char		 why[128], d[32];

	(void)conn;
	c->ctl = NULL;
	client_peers_clear(&c->peers);
	if (c->why[0] == '\0')
		snprintf(c->why, sizeof c->why,
		    "lost the connection to the relay %s", c->server);
	if (c->silent) {
		/* Transfers say why too: their bytes just stopped. */
		snprintf(why, sizeof why, "it stopped answering (silent for %s)",
		    fmt_ms(d, sizeof d, c->idle_ms));
		client__xfer_relay_lost(c->xfers, why);
	} else
		client__xfer_relay_lost(c->xfers, "");
	if (had_peers && c->ops.on_peers != NULL)
		c->ops.on_peers(c, c->arg);
	if (!c->closing)
		client__set_state(c, CLIENT_DISCONNECTED, c->why, retry_later(c));
	client__unbusy(c);
}

static const struct client_conn_ops ctl_ops = {
	.on_connect = ctl_connect,
	.on_frame = ctl_frame,
	.on_lost = ctl_lost,
	.on_tls = ctl_tls,
	.on_written = NULL,
	.on_closed = ctl_closed,
};

void
client__connect(struct client *c)
{
	int	r;

	c->why[0] = '\0';
	c->silent = false;
	c->self_id = 0;
	c->self_name[0] = c->self_addr[0] = '\0';
	r = client_conn_open(c->loop, c->host, c->port, &ctl_ops, c, &c->ctl);
	if (r != 0) {
		c->ctl = NULL;
		snprintf(c->why, sizeof c->why, "cannot reach relay %s: %s",
		    c->server, uv_strerror(r));
		client__set_state(c, CLIENT_DISCONNECTED, c->why, retry_later(c));
		return;
	}
	client__busy(c);
	uv_timer_start(&c->timer, timer_cb, connect_timeout_ms(), 0);
	client__set_state(c, CLIENT_CONNECTING, "", 0);
}

