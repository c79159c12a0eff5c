/*
 * client.c: the client core's public API and lifecycle: options, our keys
 * and TLS contexts, the hooks the transfer engine calls, and the peer
 * lookups behind client_offer. The control connection is client_ctl.c;
 * every front end sees only client.h.
 */
#include "client_int.h"

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
#include "store.h"
#include "trust.h"
#include "tls.h"
#include "transfer.h"

#include <openssl/evp.h>


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
		client__message(c, "%s", err);
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
void
client__message(struct client *c, const char *fmt, ...)
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

void
client__set_state(struct client *c, enum client_state s, const char *reason,
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
	const char			*server;
	char				 why[PROTO_NAME_WHY_MAX], q[96];
	int				 r;

	server = opts->server != NULL && *opts->server != '\0' ? opts->server :
	    CLIENT_DEFAULT_SERVER;
	if (proto_peer_name_problem(opts->name, why, sizeof why) != NULL) {
		proto_name_show(opts->name != NULL ? opts->name : "", 64, q,
		    sizeof q);
		snprintf(err, errlen, "the name \"%s\" %s", q, why);
		return UV_EINVAL;
	}
	if (opts->room != NULL && *opts->room != '\0' &&
	    proto_peer_name_problem(opts->room, why, sizeof why) != NULL) {
		proto_name_show(opts->room, 64, q, sizeof q);
		snprintf(err, errlen, "the room \"%s\" %s", q, why);
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
	c->room = strdup(opts->room != NULL ? opts->room : "");
	c->dir = strdup(opts->dir != NULL && *opts->dir != '\0' ? opts->dir : ".");
	if (c->server == NULL || c->name == NULL || c->room == NULL ||
	    c->dir == NULL) {
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
	client__connect(c);
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
	free(c->room);
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
client_room(const struct client *c)
{
	return c->room;
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

int
client_prune_parts(struct client *c, uint64_t max_age_s, client_pruned_fn cb,
    void *arg, char *err, size_t errlen)
{
	int	r;

	if ((r = client_store_resume_prune(c->dir, max_age_s, cb, arg)) != 0)
		snprintf(err, errlen, "cannot clean up the kept parts in %s/%s: %s",
		    c->dir, STORE_RESUME_DIR, uv_strerror(r));
	return r;
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
		snprintf(err, errlen, "there is no peer \"%s\" %son the relay "
		    "%s", to, *c->room != '\0' ? "in your room " : "", c->server);
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
	if (n == 0 || n > PROTO_OFFER_MAX) {
		snprintf(err, errlen, "one send takes 1 to %d files and folders",
		    PROTO_OFFER_MAX);
		return UV_EINVAL;
	}
	if (client__xfer_check_names(paths, n, err, errlen) != 0)
		return UV_EINVAL;
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
client_offer_check(const char *const *paths, size_t n, char *err,
    size_t errlen)
{
	return client__xfer_check_names(paths, n, err, errlen);
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
client_take(struct client *c, uint64_t id, size_t i, bool take)
{
	return client__xfer_take(c->xfers, id, i, take);
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
