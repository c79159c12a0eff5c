/*
 * transfer_data.c: a transfer's own data connection to the relay: attach,
 * claim the slot the relay names with bind on the (authenticated) control
 * connection, and once bridged run TLS 1.3 end to end with the peer,
 * whose key must be the one the relay announced; inside it the list of
 * files and the answer, data frames and file_end (to the receiver), the
 * receipt (to the sender), until the transfer ends. A broken connection
 * waits a moment for the relay to say why on the control connection.
 */
#include "transfer_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "keyfile.h"
#include "tls.h"
#include "trust.h"

/* Receive: where the payload of a data frame goes, straight from the socket (conn.h). */
static uint8_t *
data_room(struct client_conn *conn, size_t len, size_t left,
    int probe, size_t *room, void *arg)
{
	(void)conn;
	(void)len;
	return xfer__rx_room(arg, left, probe, room);
}

static int
data_got(struct client_conn *conn, size_t n, void *arg)
{
	struct transfer	*t = arg;

	(void)conn;
	xfer__rx_got(t, n);
	return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
}


static void
data_connect(struct client_conn *conn, int status, void *arg)
{
	struct transfer		*t = arg;
	struct proto_msg	 m;

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if (status != 0) {
		xfer__fail(t, "cannot open a data connection to the relay %s: %s",
		    t->e->set.server, uv_strerror(status));
		return;
	}
	proto_msg_init(&m, PROTO_MSG_ATTACH);
	if (client_conn_send_msg(conn, &m) != 0)
		xfer__fail(t, "cannot attach to the relay %s",
		    t->e->set.server);
}

/*
 * The relay named this data connection: claim it for the transfer on the
 * control connection, where only we can speak for us.
 */
static void
data_bind(struct transfer *t, const struct proto_msg *slot)
{
	struct proto_msg	m;

	if (t->flags & TRANSFER_BOUND) {
		xfer__fail(t, "the relay named the data connection twice");
		return;
	}
	proto_msg_init(&m, PROTO_MSG_BIND);
	m.transfer = t->pub.relay_id;
	memcpy(m.slot, slot->slot, sizeof m.slot);
	if (client__send(t->e->c, &m) != 0) {
		xfer__fail(t, "cannot claim the data connection: the relay %s "
		    "is gone", t->e->set.server);
		return;
	}
	t->flags |= TRANSFER_BOUND;
}

/* Bridged: TLS with the peer from here on (the sender is the client). */
static void
data_secure(struct transfer *t)
{
	const struct transfer_settings	*set = &t->e->set;
	int				 r;

	if (!(t->flags & TRANSFER_KEYED)) {
		xfer__fail(t, "the relay did not say which key %s has",
		    t->pub.peer_name);
		return;
	}
	r = client_conn_start_tls(t->data, t->pub.dir == CLIENT_SEND ?
	    set->tls_client : set->tls_server, NULL, false);
	if (r != 0)
		xfer__fail(t, "cannot start the encrypted session with %s: %s",
		    t->pub.peer_name, *client_conn_tls_error(t->data) != '\0' ?
		    client_conn_tls_error(t->data) : uv_strerror(r));
}

/*
 * The peer's key against known_peers: a first contact is remembered as
 * seen, a name known with another key is refused (it may be someone else
 * using the name), and both ends get the session's code to compare.
 * 0, or -1 after failing the transfer.
 */
static int
data_trust(struct transfer *t, struct proto_tls *tls)
{
	const char		*file = t->e->set.known_peers;
	const char		*who = t->pub.peer_name;
	struct proto_key_names	 n;
	char			 known[PROTO_FPR_LEN + 1], err[512], w[128];
	char			 msg[sizeof t->pub.reason];
	int			 r;

	if (proto_key_names_raw(t->peer_key, &n) != 0) {
		xfer__fail(t, "out of memory");
		return -1;
	}
	snprintf(t->pub.peer_fpr, sizeof t->pub.peer_fpr, "%s", n.short_fpr);
	if ((r = client_trust_check(file, who, n.fingerprint, known, err,
	    sizeof err)) < 0) {
		xfer__fail(t, "%s", err);
		return -1;
	}
	if (r == CLIENT_TRUST_CHANGED) {
		snprintf(w, sizeof w, "this %s", who);
		client_trust_changed(msg, sizeof msg, who, w, known,
		    n.fingerprint, t->pub.dir == CLIENT_SEND ? "sent" : "saved");
		xfer__fail(t, "%s", msg);
		return -1;
	}
	if (r == CLIENT_TRUST_UNKNOWN && client_trust_set(file, who,
	    n.fingerprint, false, err, sizeof err) != 0) {
		xfer__fail(t, "%s", err);
		return -1;
	}
	t->pub.trust = (enum client_trust)r;
	if (client_auth_code(tls, t->pub.auth_code) != 0) {
		xfer__fail(t, "the session with %s gave no authentication code",
		    who);
		return -1;
	}
	xfer__emit(t);
	return 0;
}

/*
 * The end-to-end handshake is done: the peer proved it holds a key. Only
 * the key the relay announced for this peer will do; anything else means
 * the relay (or someone on the way) put another party at the other end.
 */
static void
data_tls(struct client_conn *conn, int status, void *arg)
{
	struct transfer		*t = arg;
	struct proto_tls	*tls = client_conn_tls(conn);
	struct proto_key_names	 want, got;
	uint8_t			 key[PROTO_TLS_KEY_LEN];

	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if (status != 0 || tls == NULL) {
		xfer__fail(t, "the encrypted session with %s failed: %s; "
		    "nothing was %s", t->pub.peer_name,
		    client_conn_tls_error(conn), t->pub.dir == CLIENT_SEND ?
		    "sent" : "saved");
		return;
	}
	if (proto_tls_peer_key(tls, key) != 0 ||
	    memcmp(key, t->peer_key, sizeof key) != 0) {
		(void)proto_key_names_raw(t->peer_key, &want);
		if (proto_tls_peer_key(tls, key) != 0 ||
		    proto_key_names_raw(key, &got) != 0)
			snprintf(got.short_fpr, sizeof got.short_fpr, "none");
		xfer__fail(t, "the other end of the data connection is not %s: "
		    "its key is %s, the relay announced %s; someone between us "
		    "is interfering, so nothing was %s", t->pub.peer_name,
		    got.short_fpr, want.short_fpr, t->pub.dir == CLIENT_SEND ?
		    "sent" : "saved");
		return;
	}
	if (data_trust(t, tls) != 0)
		return;
	t->flags |= TRANSFER_SECURE;
	if (t->pub.dir == CLIENT_SEND)
		xfer__send_files(t);
}

int
client__xfer_verify(struct transfer_engine *e, uint64_t id, char *err,
    size_t errlen)
{
	const struct client_transfer	*pub = client__xfer_find(e, id);
	struct transfer			*t = (struct transfer *)(uintptr_t)pub;
	struct proto_key_names		 n;

	/* Only a key this session proved: the code the person compared is its. */
	if (t == NULL || t->pub.auth_code[0] == '\0' ||
	    proto_key_names_raw(t->peer_key, &n) != 0) {
		snprintf(err, errlen, "no peer to verify: its session is not up yet");
		return UV_EINVAL;
	}
	if (client_trust_set(e->set.known_peers, t->pub.peer_name,
	    n.fingerprint, true, err, errlen) != 0)
		return UV_EIO;
	t->pub.trust = CLIENT_TRUST_VERIFIED;
	xfer__emit(t);
	client__update_active(e->c);
	return 0;
}

int
xfer__send_peer(struct transfer *t, const struct proto_msg *m)
{
	if (t->data == NULL || !(t->flags & TRANSFER_SECURE))
		return UV_ENOTCONN;
	return client_conn_send_msg(t->data, m);
}

static int
data_frame(struct client_conn *conn, const struct proto_frame *f, void *arg)
{
	struct transfer		*t = arg;
	struct proto_msg	 m;
	char			 err[256];
	int			 r;

	(void)conn;
	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return -1;
	if (f->kind == PROTO_KIND_DATA) {
		/* Only when the conn has no data_room: it reads them raw. */
		xfer__rx_data(t, f->payload, f->len);
		return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
	}
	if ((r = proto_msg_decode(f->payload, f->len, &m, err, sizeof err)) != 0) {
		xfer__fail(t, "%s sent a bad message: %s",
		    (t->flags & TRANSFER_ATTACHED) ? t->pub.peer_name : "the relay",
		    err);
		return -1;
	}
	if (!(t->flags & TRANSFER_ATTACHED)) {
		if (m.type == PROTO_MSG_SLOT)
			data_bind(t, &m);
		else if (m.type == PROTO_MSG_ATTACHED && (!(t->flags &
		    TRANSFER_BOUND) || m.transfer != t->pub.relay_id)) {
			xfer__fail(t, "the relay bridged the data connection to "
			    "another transfer");
		} else if (m.type == PROTO_MSG_ATTACHED) {
			t->flags |= TRANSFER_ATTACHED;
			data_secure(t);
		} else if (m.type == PROTO_MSG_ERROR) {
			xfer__fail(t, "the relay refused the data connection: %s",
			    m.message[0] ? m.message : m.code);
		} else if (m.type != PROTO_MSG_PING && m.type != PROTO_MSG_PONG) {
			xfer__fail(t, "the relay sent %s before attached",
			    proto_msg_type_name(m.type));
		}
		proto_msg_free(&m);
		return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
	}
	switch (m.type) {
	case PROTO_MSG_FILES:		/* sender to receiver */
		if (t->pub.dir == CLIENT_RECEIVE && (t->flags & TRANSFER_LISTING))
			xfer__rx_files(t, &m);
		else
			xfer__fail(t, "%s sent a second list of files",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_ACCEPT:		/* receiver to sender */
	case PROTO_MSG_DECLINE:
		if (t->pub.dir == CLIENT_SEND)
			xfer__answer(t, &m);
		else
			xfer__fail(t, "%s sent an answer to its own offer",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_CANCEL:		/* either way, in order with the rest */
		if (m.transfer == t->pub.relay_id)
			xfer__peer_cancel(t, &m, true);
		else
			xfer__fail(t, "%s cancelled another transfer",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_FILE_FROM:	/* sender to receiver */
		if (t->pub.dir == CLIENT_RECEIVE)
			xfer__rx_file_from(t, &m);
		else
			xfer__fail(t, "%s sent file_from to the sender",
			    t->pub.peer_name);
		break;
	case PROTO_MSG_FILE_END:	/* sender to receiver */
	case PROTO_MSG_RECEIPT:		/* receiver to sender */
		if (m.type == PROTO_MSG_FILE_END && t->pub.dir == CLIENT_RECEIVE)
			xfer__rx_file_end(t, &m);
		else if (m.type == PROTO_MSG_RECEIPT && t->pub.dir == CLIENT_SEND)
			xfer__receipt(t, &m);
		else
			xfer__fail(t, "%s sent %s to the %s", t->pub.peer_name,
			    m.type == PROTO_MSG_FILE_END ? "file_end" : "a receipt",
			    t->pub.dir == CLIENT_SEND ? "sender" : "receiver");
		break;
	default:
		xfer__fail(t, "%s sent an unexpected %s", t->pub.peer_name,
		    proto_msg_type_name(m.type));
		break;
	}
	proto_msg_free(&m);
	return CLIENT_TRANSFER_ENDED(t->pub.state) ? -1 : 0;
}

static void
grace_cb(uv_timer_t *tm)
{
	struct transfer	*t = tm->data;
	char		 amt[80];

	t->flags &= ~TRANSFER_THROTTLED;
	xfer__end(t, CLIENT_TRANSFER_FAILED,
	    "the connection to %s broke after %s%s",
	    t->pub.peer_name, xfer__amount(t, amt, sizeof amt), xfer__broke(t));
}

static void
data_lost(struct client_conn *conn, int status, void *arg)
{
	struct transfer	*t = arg;
	char		 amt[80];

	(void)conn;
	t->flags |= TRANSFER_DATA_LOST;
	if (CLIENT_TRANSFER_ENDED(t->pub.state))
		return;
	if (CONN_IS_PROTO(status)) {
		xfer__fail(t, "%s sent a bad frame: %s",
		    t->pub.peer_name, proto_strerror(CONN_PROTO_CODE(status)));
		return;
	}
	if (status == CONN_E_TLS) {
		xfer__fail(t, "the encrypted session with %s broke (%s): the "
		    "bytes were changed on the way; nothing was saved",
		    t->pub.peer_name, client_conn_tls_error(conn));
		return;
	}
	if (t->flags & TRANSFER_CANCELLING) {
		xfer__cancel_unanswered(t);	/* no receipt came: we cannot know */
		return;
	}
	/*
	 * The relay closes a transfer's data connections when one side goes
	 * away or cancels, and says why on the control connection, which may
	 * arrive a moment later: wait for it before giving a vaguer reason.
	 */
	if (xfer__timer_start(t, grace_cb, TRANSFER_GRACE_MS) == 0)
		return;
	xfer__end(t, CLIENT_TRANSFER_FAILED,
	    "the connection to %s broke after %s%s",
	    t->pub.peer_name, xfer__amount(t, amt, sizeof amt), xfer__broke(t));
}

static void
data_written(struct client_conn *conn, void *arg)
{
	struct transfer	*t = arg;

	(void)conn;
	if (t->pub.dir == CLIENT_SEND)
		xfer__tx_pump(t);
}

static void
data_closed(struct client_conn *conn, void *arg)
{
	struct transfer	*t = arg;
	struct client	*c = t->e->c;	/* t may be freed below */

	(void)conn;
	t->data = NULL;
	xfer__maybe_free(t);
	client__data_closed(c);
}

static const struct client_conn_ops data_ops = {
	.on_connect = data_connect,
	.on_frame = data_frame,
	.on_lost = data_lost,
	.on_tls = data_tls,
	.on_written = data_written,
	.on_closed = data_closed,
	.data_room = data_room,
	.data_got = data_got,
};

/* The relay's ready: open this transfer's data connection. */
void
xfer__ready(struct transfer *t, const struct proto_msg *m)
{
	const struct transfer_settings	*set = &t->e->set;
	int				 r;

	if ((t->pub.dir == CLIENT_SEND && m->role != PROTO_ROLE_SEND) ||
	    (t->pub.dir == CLIENT_RECEIVE && m->role != PROTO_ROLE_RECEIVE)) {
		xfer__fail(t, "the relay gave this transfer the wrong role");
		return;
	}
	if (t->data != NULL)
		return;		/* a second ready: keep the first */
	r = client_conn_open(set->loop, set->host, set->port, &data_ops, t,
	    &t->data);
	if (r != 0) {
		t->data = NULL;
		xfer__fail(t, "cannot open a data connection to the relay %s: %s",
		    set->server, uv_strerror(r));
		return;
	}
	client__data_opened(t->e->c);
}
