/*
 * client.c: the client core's control connection and public API. One
 * connection to the relay, TLS 1.3 with the relay's key checked
 * (relays.h) and ours shown, carries hello, the live peer list and the
 * offers; the transfer engine (transfer.h) does the rest. Every front end
 * sees only client.h.
 */
#include "client.h"

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conn.h"
#include "digest.h"
#include "identity.h"
#include "msg.h"
#include "name.h"
#include "peers.h"
#include "relays.h"
#include "trust.h"
#include "tls.h"
#include "transfer.h"

#include <openssl/evp.h>

#define CONNECT_TIMEOUT	10000	/* ms to connect and get a welcome */
#define BACKOFF_MAX	30	/* seconds between reconnect attempts, at most */

struct client {
	uv_loop_t		*loop;
	char			*server;	/* owned: "HOST:PORT" as given */
	char			*host;		/* owned: without brackets */
	char			*port;		/* owned */
	char			*name;		/* owned: our peer name */
	char			*dir;		/* owned: receive folder */
	bool			 reconnect;
	struct client_ops	 ops;
	void			*arg;

	enum client_state	 state;
	struct client_conn	*ctl;		/* control connection; NULL when none */
	uv_timer_t		 timer;		/* connect timeout, keepalive, reconnect backoff */
	uint64_t		 ping_ms;	/* relay silence before we ping */
	uint64_t		 idle_ms;	/* relay silence before we give up */
	uint64_t		 rx_ms;		/* uv_now() of the last control frame */
	bool			 pinged;	/* a ping went out since that frame */
	bool			 silent;	/* we gave up on a silent relay */
	unsigned		 backoff;	/* seconds before the next reconnect */
	char			 why[2048];	/* why the last connection ended */

	uint64_t		 self_id;
	char			 self_name[PROTO_PEER_NAME_MAX + 1];
	char			 self_addr[PROTO_ADDR_MAX + 1];
	struct client_peer_list	 peers;

	struct transfer_engine	*xfers;		/* owned: the transfers (transfer.h) */
	struct client_identity	*id;		/* owned: our key pair; NULL without one */
	EVP_PKEY		*key;		/* id's key, or owned: one for this run only */
	struct proto_tls_ctx	*tls;		/* owned: our client side of every TLS session */
	struct proto_tls_ctx	*tls_server;	/* owned: our server side (receiving, end to end) */
	char			*known_relays;	/* owned: the pins file, or NULL */
	char			*known_peers;	/* owned: names and their keys, or NULL */
	char			*relay_fpr;	/* owned: --relay-fingerprint, or NULL */
	bool			 dns;		/* host is a DNS name, not an address */
	struct proto_key_names	 relay_names;	/* of the relay we are connected to */

	unsigned		 busy;		/* open handles and jobs: CLOSED waits for 0 */
	unsigned		 ndata;		/* open data connections */
	bool			 finish_ctl;	/* client_close: finish ctl when ndata is 0 */
	bool			 started;
	bool			 closing;
	bool			 closed;
	bool			 in_close;	/* inside client_close: no CLOSED report yet */
};

static void	connect_relay(struct client *);
static void	message(struct client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* --- what the transfer engine needs (transfer.h) ----------------------- */

void
client__busy(struct client *c)
{
	c->busy++;
}

void
client__unbusy(struct client *c)
{
	if (--c->busy > 0 || !c->closing || c->closed || c->in_close)
		return;
	c->closed = true;
	c->state = CLIENT_CLOSED;
	if (c->ops.on_state != NULL)
		c->ops.on_state(c, CLIENT_CLOSED, "", 0, c->arg);
}

void
client__data_opened(struct client *c)
{
	c->ndata++;
	client__busy(c);
}

void
client__data_closed(struct client *c)
{
	if (--c->ndata == 0 && c->finish_ctl && c->ctl != NULL) {
		c->finish_ctl = false;
		client_conn_finish(c->ctl);
	}
	client__unbusy(c);
}

int
client__send(struct client *c, const struct proto_msg *m)
{
	if (c->ctl == NULL || client_conn_closing(c->ctl))
		return UV_ENOTCONN;
	return client_conn_send_msg(c->ctl, m);
}

void
client__report(struct client *c, const struct client_transfer *t)
{
	if (c->ops.on_transfer != NULL)
		c->ops.on_transfer(c, t, c->arg);
}

int
client__incoming(struct client *c, const struct client_transfer *t)
{
	if (c->ops.on_incoming == NULL)
		return UV_ENOSYS;
	c->ops.on_incoming(c, t, c->arg);
	return 0;
}

/*
 * Recounts every peer's transfers that have not ended, and calls on_peers
 * whenever there are peers, so the front end shows the new counts.
 */
void
client__update_active(struct client *c)
{
	const struct client_transfer	*t = NULL;
	char				 err[512];

	/* known_peers may have changed too (a first contact, `ferry trust`). */
	if (client_trust_mark(c->known_peers, c->peers.v, c->peers.n, err,
	    sizeof err) != 0)
		message(c, "%s", err);
	client_peers_reset_active(&c->peers);
	while ((t = client__xfer_next(c->xfers, t)) != NULL) {
		if (!CLIENT_TRANSFER_ENDED(t->state) && t->peer_id != 0)
			client_peers_add_active(&c->peers, t->peer_id);
	}
	if (c->peers.n > 0 && c->ops.on_peers != NULL)
		c->ops.on_peers(c, c->arg);
}

/* --- small helpers ------------------------------------------------------ */

/* Formats a line and passes it to on_message. */
static void
message(struct client *c, const char *fmt, ...)
{
	char	line[1024];
	va_list	ap;

	if (c->ops.on_message == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->ops.on_message(c, line, c->arg);
}

static void
set_state(struct client *c, enum client_state s, const char *reason,
    unsigned retry)
{
	c->state = s;
	if (c->ops.on_state != NULL)
		c->ops.on_state(c, s, reason != NULL ? reason : "", retry, c->arg);
}

/*
 * Splits "host:port" or "[v6]:port" into owned strings (proto/addr.c); the
 * relay must be named: a bare port or port 0 is refused.
 */
static int
parse_server(const char *server, char **host, char **port)
{
	struct proto_hostport	hp;
	char			num[12];

	if (proto_hostport_parse(server, &hp, NULL, 0) != 0 ||
	    hp.host[0] == '\0' || hp.port == 0)
		return UV_EINVAL;
	snprintf(num, sizeof num, "%u", hp.port);
	if ((*host = strdup(hp.host)) == NULL)
		return UV_ENOMEM;
	if ((*port = strdup(num)) == NULL) {
		free(*host);
		*host = NULL;
		return UV_ENOMEM;
	}
	return 0;
}

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
		connect_relay(c);
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
		message(c, "%s", msg);
		break;
	case CLIENT_RELAY_KNOWN:
		break;
	}
	/* hello and peers may be pipelined (PROTOCOL.md 3.1). */
	proto_msg_init(&m, PROTO_MSG_HELLO);
	m.version = PROTO_VERSION;
	snprintf(m.name, sizeof m.name, "%s", c->name);
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
	set_state(c, CLIENT_CONNECTED, "", 0);
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
		message(c, "ignored a message from the relay: %s", err);
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
			message(c, "relay %s: %s", c->server,
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
		set_state(c, CLIENT_DISCONNECTED, c->why, retry_later(c));
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

static void
connect_relay(struct client *c)
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
		set_state(c, CLIENT_DISCONNECTED, c->why, retry_later(c));
		return;
	}
	client__busy(c);
	uv_timer_start(&c->timer, timer_cb, CONNECT_TIMEOUT, 0);
	set_state(c, CLIENT_CONNECTING, "", 0);
}

/* --- public API --------------------------------------------------------- */

/* Our TLS side: our key in a certificate, the system's CAs for DNS names. */
static int
tls_setup(struct client *c, const struct client_options *opts, char *err,
    size_t errlen)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (c->id != NULL)
		c->key = c->id->key;
	else if ((c->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		snprintf(err, errlen, "cannot make a key");
		return UV_ENOMEM;
	}
	if ((opts->known_relays != NULL &&
	    (c->known_relays = strdup(opts->known_relays)) == NULL) ||
	    (opts->known_peers != NULL &&
	    (c->known_peers = strdup(opts->known_peers)) == NULL) ||
	    (opts->relay_fingerprint != NULL &&
	    (c->relay_fpr = strdup(opts->relay_fingerprint)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return UV_ENOMEM;
	}
	if (c->relay_fpr != NULL && !client_fpr_valid(c->relay_fpr)) {
		snprintf(err, errlen, "--relay-fingerprint %s: not a "
		    "fingerprint (16 to 52 characters of 0-9 and A-Z as "
		    "ferryd logs it)", c->relay_fpr);
		return UV_EINVAL;
	}
	c->dns = inet_pton(AF_INET, c->host, &a4) != 1 &&
	    inet_pton(AF_INET6, c->host, &a6) != 1;
	if (proto_tls_ctx_new(false, c->key, &c->tls, err, errlen) != 0 ||
	    proto_tls_ctx_new(true, c->key, &c->tls_server, err, errlen) != 0 ||
	    (c->dns && proto_tls_ctx_trust_system(c->tls, err, errlen) != 0))
		return UV_EINVAL;
	return 0;
}

int
client_new(uv_loop_t *loop, const struct client_options *opts,
    const struct client_ops *ops, void *arg, struct client **out, char *err,
    size_t errlen)
{
	struct client			*c;
	struct transfer_settings	 set;
	const char			*server, *why;
	int				 r;

	server = opts->server != NULL && *opts->server != '\0' ? opts->server :
	    CLIENT_DEFAULT_SERVER;
	if ((why = proto_peer_name_problem(opts->name)) != NULL) {
		snprintf(err, errlen, "the name \"%s\" %s",
		    opts->name != NULL ? opts->name : "", why);
		return UV_EINVAL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return UV_ENOMEM;
	}
	client_digest_setup();
	c->loop = loop;
	client_peers_init(&c->peers);
	r = parse_server(server, &c->host, &c->port);
	if (r != 0) {
		snprintf(err, errlen, r == UV_ENOMEM ? "out of memory" :
		    "the relay address \"%s\" is not HOST:PORT", server);
		free(c);
		return r;
	}
	c->server = strdup(server);
	c->name = strdup(opts->name);
	c->dir = strdup(opts->dir != NULL && *opts->dir != '\0' ? opts->dir : ".");
	if (c->server == NULL || c->name == NULL || c->dir == NULL) {
		snprintf(err, errlen, "out of memory");
		client_free(c);
		return UV_ENOMEM;
	}
	/* Created on first use; a key others can read stops the client here. */
	if (opts->identity != NULL && (r = client_identity_load(opts->identity,
	    opts->identity_private, &c->id, NULL, err, errlen)) != 0) {
		client_free(c);
		return r;
	}
	if ((r = tls_setup(c, opts, err, errlen)) != 0) {
		client_free(c);
		return r;
	}
	set.loop = loop;
	set.dir = c->dir;
	set.server = c->server;
	set.host = c->host;
	set.port = c->port;
	set.tls_client = c->tls;
	set.tls_server = c->tls_server;
	set.known_peers = c->known_peers;
	set.rate_limit = opts->rate_limit;
	set.progress_hz = opts->progress_hz ? opts->progress_hz :
	    CLIENT_PROGRESS_HZ;
	if (set.progress_hz > 1000)
		set.progress_hz = 1000;
	if (client__xfer_new(c, &set, &c->xfers) != 0) {
		snprintf(err, errlen, "out of memory");
		client_free(c);
		return UV_ENOMEM;
	}
	c->reconnect = opts->reconnect;
	c->ping_ms = opts->ping_ms != 0 ? opts->ping_ms : CLIENT_PING_MS;
	c->idle_ms = opts->idle_ms != 0 ? opts->idle_ms : CLIENT_IDLE_MS;
	if (ops != NULL)
		c->ops = *ops;
	c->arg = arg;
	c->state = CLIENT_IDLE;
	*out = c;
	return 0;
}

int
client_start(struct client *c)
{
	if (c->started || c->closing)
		return UV_EALREADY;
	c->started = true;
	/* The timer lives from here to client_close, so a client never started holds no handle. */
	uv_timer_init(c->loop, &c->timer);
	c->timer.data = c;
	client__busy(c);
	connect_relay(c);
	return 0;
}

static void
timer_close_cb(uv_handle_t *h)
{
	client__unbusy(h->data);
}

void
client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (!c->started) {
		/* Nothing was ever opened: closed at once. */
		c->closed = true;
		c->state = CLIENT_CLOSED;
		if (c->ops.on_state != NULL)
			c->ops.on_state(c, CLIENT_CLOSED, "", 0, c->arg);
		return;
	}
	c->in_close = true;
	client__xfer_cancel_all(c->xfers, "ferry was closed");
	/* The cancels go out first, and the data connections end first. */
	if (c->ctl != NULL && c->ndata > 0)
		c->finish_ctl = true;
	else if (c->ctl != NULL)
		client_conn_finish(c->ctl);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_close_cb);
	c->in_close = false;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	client__xfer_free(c->xfers);
	client_peers_free(&c->peers);
	free(c->server);
	free(c->host);
	free(c->port);
	free(c->name);
	free(c->dir);
	proto_tls_ctx_free(c->tls);
	proto_tls_ctx_free(c->tls_server);
	if (c->id == NULL)
		EVP_PKEY_free(c->key);
	client_identity_free(c->id);
	free(c->known_relays);
	free(c->known_peers);
	free(c->relay_fpr);
	free(c);
}

enum client_state
client_state(const struct client *c)
{
	return c->state;
}

uint64_t
client_self_id(const struct client *c)
{
	return c->self_id;
}

const char *
client_self_fingerprint(const struct client *c)
{
	return c->id != NULL ? c->id->names.short_fpr : NULL;
}

const char *
client_self_name(const struct client *c)
{
	return c->self_name;
}

const char *
client_self_addr(const struct client *c)
{
	return c->self_addr;
}

const char *
client_server(const struct client *c)
{
	return c->server;
}

const char *
client_dir(const struct client *c)
{
	return c->dir;
}

const struct client_peer *
client_peers(const struct client *c, size_t *n)
{
	*n = c->peers.n;
	return c->peers.v;
}

bool
client_peers_loaded(const struct client *c)
{
	return c->peers.loaded;
}


const struct client_peer *
client_peer_find(const struct client *c, const char *spec)
{
	enum client_peer_miss	why;

	return client_peers_resolve(&c->peers, spec, &why);
}

const struct client_transfer *
client_transfer_next(const struct client *c, const struct client_transfer *prev)
{
	return client__xfer_next(c->xfers, prev);
}

const struct client_transfer *
client_transfer_find(const struct client *c, uint64_t id)
{
	return client__xfer_find(c->xfers, id);
}

size_t
client_transfer_count(const struct client *c)
{
	return client__xfer_count(c->xfers);
}

/* Why nobody is to, in words. */
static void
offer_miss(struct client *c, const char *to, enum client_peer_miss why,
    char *err, size_t errlen)
{
	const struct client_peer	*p;
	char				 known[PROTO_FPR_LEN + 1], who[128];
	size_t				 i;

	if (why == CLIENT_PEER_AMBIGUOUS) {
		snprintf(err, errlen, "\"%s\" begins the fingerprints of more "
		    "than one peer on the relay %s; give more of it", to,
		    c->server);
		return;
	}
	if (why != CLIENT_PEER_CHANGED) {
		snprintf(err, errlen, "there is no peer \"%s\" on the relay %s",
		    to, c->server);
		return;
	}
	for (i = 0, p = NULL; i < c->peers.n && p == NULL; i++)
		if (strcmp(c->peers.v[i].name, to) == 0)
			p = &c->peers.v[i];
	if (p == NULL || client_trust_check(c->known_peers, to, p->fingerprint,
	    known, err, errlen) < 0)
		return;
	snprintf(who, sizeof who, "the %s on the relay now", to);
	client_trust_changed(err, errlen, to, who, known, p->fingerprint, "sent");
}

int
client_offer(struct client *c, const char *to, const char *const *paths,
    size_t n, uint64_t *id, char *err, size_t errlen)
{
	const struct client_peer	*p;
	enum client_peer_miss		 why;

	if (c->closing) {
		snprintf(err, errlen, "the client is closing");
		return UV_ENOTCONN;
	}
	if (n == 0 || n > PROTO_FILES_MAX) {
		snprintf(err, errlen, "an offer holds 1 to %d files",
		    PROTO_FILES_MAX);
		return UV_EINVAL;
	}
	if (to == NULL || *to == '\0') {
		snprintf(err, errlen, "send to whom? (a name, HOST:PORT or "
		    "fingerprint)");
		return UV_EINVAL;
	}
	if (c->state != CLIENT_CONNECTED || !c->peers.loaded) {
		snprintf(err, errlen, "not connected to the relay %s", c->server);
		return UV_ENOTCONN;
	}
	if ((p = client_peers_resolve(&c->peers, to, &why)) == NULL) {
		offer_miss(c, to, why, err, errlen);
		return UV_ENOENT;
	}
	return client__xfer_offer(c->xfers, p->id, p->name, paths, n, id, err,
	    errlen);
}

int
client_verify(struct client *c, uint64_t id, char *err, size_t errlen)
{
	return client__xfer_verify(c->xfers, id, err, errlen);
}

int
client_accept(struct client *c, uint64_t id)
{
	return client__xfer_accept(c->xfers, id);
}

int
client_decline(struct client *c, uint64_t id, const char *reason)
{
	return client__xfer_decline(c->xfers, id, reason);
}

int
client_cancel(struct client *c, uint64_t id, const char *reason)
{
	return client__xfer_cancel(c->xfers, id, reason);
}

int
client_transfer_forget(struct client *c, uint64_t id)
{
	return client__xfer_forget(c->xfers, id);
}

const char *
client_transfer_state_name(enum client_transfer_state s)
{
	static const char *const names[] = {
		"offering", "waiting", "accepted", "transferring", "verifying",
		"done", "declined", "cancelled", "failed",
	};

	if ((unsigned)s >= sizeof names / sizeof names[0])
		return "unknown";
	return names[s];
}
