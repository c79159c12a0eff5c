/*
 * expect.c: wire's checks of control messages: the fields of a message,
 * presence events set aside, expect, expect-close, quiet, hello and pair.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "wire.h"

/* --- expect --- */

static void
join_peers(char *out, size_t len, const struct proto_peer *p, size_t n)
{
	size_t	i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		    p[i].name);
}

/* The fields named as their member of struct proto_msg: text, numbers. */
#define TEXT_MEMBERS(X) \
	X(code) X(message) X(reason) X(slot) X(name) X(addr) X(key) X(sha256)
#define NUM_MEMBERS(X) \
	X(id) X(ref) X(transfer) X(version) X(index) X(size) X(count) \
	X(npeers) X(nids) X(nfiles)

/* The text of field k of m; -1 when there is no such field. */
static int
field(const struct proto_msg *m, const char *k, char *out, size_t len)
{
	size_t	i, o = 0;

#define NUM(name, v) if (strcmp(k, name) == 0) { \
	snprintf(out, len, "%" PRIu64, (uint64_t)(v)); return 0; }
#define STR(name, v) if (strcmp(k, name) == 0) { \
	snprintf(out, len, "%s", v); return 0; }
#define MEMBER_NUM(f) NUM(#f, m->f);
#define MEMBER_STR(f) STR(#f, m->f);
	TEXT_MEMBERS(MEMBER_STR)
	NUM_MEMBERS(MEMBER_NUM)
	STR("type", proto_msg_type_name(m->type));
	STR("peer", m->peer.name);
	STR("peer.addr", m->peer.addr);
	STR("peer.key", m->peer.key);
	NUM("peer.id", m->peer.id);
	STR("role", m->role == PROTO_ROLE_SEND ? "send" :
	    m->role == PROTO_ROLE_RECEIVE ? "receive" : "");
	STR("more", m->more ? "true" : "false");
	STR("ok", m->ok ? "true" : "false");
#undef MEMBER_NUM
#undef MEMBER_STR
#undef NUM
#undef STR
	if (strcmp(k, "peers") == 0) {
		join_peers(out, len, m->peers, m->npeers);
		return 0;
	}
	if (strcmp(k, "keys") == 0) {
		out[0] = '\0';
		for (i = 0; i < m->npeers && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    i ? "," : "", m->peers[i].key);
		return 0;
	}
	/* id_of:NAME: the id of the listed peer named NAME. */
	if (strncmp(k, "id_of:", 6) == 0) {
		for (i = 0; i < m->npeers; i++) {
			if (strcmp(m->peers[i].name, k + 6) == 0) {
				snprintf(out, len, "%" PRIu64, m->peers[i].id);
				return 0;
			}
		}
		return -1;
	}
	if (strcmp(k, "ids") == 0) {
		out[0] = '\0';
		for (i = 0; i < m->nids && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%" PRIu64,
			    i ? "," : "", m->ids[i]);
		return 0;
	}
	if (strcmp(k, "files") == 0) {
		out[0] = '\0';
		for (i = 0; i < m->nfiles && o < len; i++)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    i ? "," : "", m->files[i].name);
		return 0;
	}
	return -1;
}

/* The payload as text for a failure message, cut short. */
static void
shown(char *out, size_t len, const struct proto_frame *f)
{
	size_t	n = f->len < len - 1 ? f->len : len - 1, i;

	for (i = 0; i < n; i++)
		out[i] = f->payload[i] >= 0x20 && f->payload[i] < 0x7f ?
		    (char)f->payload[i] : '.';
	out[n] = '\0';
}

static int
is_presence(enum proto_msg_type t)
{
	return t == PROTO_MSG_PEER_JOINED || t == PROTO_MSG_PEER_LEFT;
}

/* Keeps a copy of a presence event's frame for a later expect of it. */
static int
set_aside(struct wire *w, struct wconn *c, enum proto_msg_type t,
    const struct proto_frame *f)
{
	struct waside	*na;
	uint8_t		*p;

	if (c->naside == WIRE_ASIDE_MAX)
		return wire__fail(w, "%s: %d presence events set aside unread "
		    "(expect or ignore them)", c->name, WIRE_ASIDE_MAX);
	if ((p = malloc(f->len > 0 ? f->len : 1)) == NULL)
		return wire__fail(w, "out of memory");
	if ((na = realloc(c->aside, (c->naside + 1) * sizeof *na)) == NULL) {
		free(p);
		return wire__fail(w, "out of memory");
	}
	memcpy(p, f->payload, f->len);
	c->aside = na;
	na[c->naside].type = t;
	na[c->naside].payload = p;
	na[c->naside++].len = f->len;
	return 0;
}

/* Drops what c has set aside of the types it now ignores. */
void
wire__drop_ignored(struct wconn *c)
{
	size_t	i, o = 0;

	for (i = 0; i < c->naside; i++) {
		if (c->ignore & (1u << c->aside[i].type))
			free(c->aside[i].payload);
		else
			c->aside[o++] = c->aside[i];
	}
	c->naside = o;
}

/*
 * The next control message on c into m, by deadline: 1, or 0 when c was
 * closed, -1 on timeout, -2 on an error (in w->why). Unless want names
 * them, it passes over ignored types and pings (answered under autopong);
 * want NULL names nothing. Presence events are set aside, and 2 (m left
 * empty) says one of type want was.
 */
static int
next_msg(struct wire *w, struct wconn *c, const char *want,
    struct proto_msg *m, char *text, size_t textlen, int64_t deadline)
{
	struct proto_frame	f;
	char			err[256];
	int			r, wanted;

	for (;;) {
		if ((r = wire__conn_frame(w, c, &f, deadline)) != 1)
			return r;
		shown(text, textlen, &f);
		if (f.kind != PROTO_KIND_CONTROL) {
			wire__fail(w, "%s: got a data frame of %" PRIu32
			    " bytes while waiting for %s", c->name, f.len,
			    want != NULL ? want : "nothing");
			return -2;
		}
		if (proto_msg_decode(f.payload, f.len, m, err,
		    sizeof err) != 0) {
			wire__fail(w, "%s: undecodable message (%s): %s",
			    c->name, err, text);
			return -2;
		}
		wanted = want != NULL &&
		    strcmp(want, proto_msg_type_name(m->type)) == 0;
		if (wanted && !is_presence(m->type))
			return 1;
		if (!wanted && m->type < 32 && (c->ignore & (1u << m->type))) {
			proto_msg_free(m);
			continue;
		}
		if (m->type == PROTO_MSG_PING) {
			proto_msg_free(m);
			if (w->autopong &&
			    wire__send_json(w, c, "{\"type\":\"pong\"}") != 0)
				return -2;
			continue;
		}
		if (is_presence(m->type)) {
			r = set_aside(w, c, m->type, &f);
			proto_msg_free(m);
			if (r != 0)
				return -2;
			if (wanted)
				return 2;
			continue;
		}
		return 1;
	}
}

/* The next message of type want on c (not a presence event) into m. */
static int
expect_msg(struct wire *w, struct wconn *c, const char *want,
    struct proto_msg *m, char *text, size_t textlen)
{
	int	r;

	r = next_msg(w, c, want, m, text, textlen, wire__now_ms() + w->timeout);
	if (r == -1)
		return wire__fail(w, "%s: timed out waiting for %s", c->name,
		    want);
	if (r == 0)
		return wire__fail(w, "%s: closed while waiting for %s", c->name,
		    want);
	return r == 1 ? 0 : -1;
}

/*
 * The checks of an expect on m: 0 all hold (and with capture, K>VAR is
 * stored), 1 one does not (said in w->why), -1 a check is malformed.
 */
static int
checks(struct wire *w, struct wconn *c, const struct proto_msg *m,
    char **args, int nargs, const char *text, int capture)
{
	char	val[4096], check[1024], *k, *v, op;
	int	i;

	for (i = 1; i < nargs; i++) {
		/* A copy: with "P*" the same words serve every connection. */
		snprintf(check, sizeof check, "%s", args[i]);
		k = check;
		if ((v = strpbrk(k, "=~>")) == NULL)
			return wire__fail(w, "check \"%s\" has no =, ~ or >",
			    k);
		op = *v;
		*v++ = '\0';
		if (field(m, k, val, sizeof val) != 0)
			return wire__fail(w, "no field \"%s\"", k);
		if (op == '>') {
			if (capture && wire__var_set(w, v, val) != 0)
				return -1;
		} else if ((op == '=' && strcmp(val, v) != 0) ||
		    (op == '~' && strstr(val, v) == NULL)) {
			wire__fail(w, "%s: %s: %s is \"%s\", wanted %s\"%s\" "
			    "in %s", c->name, args[0], k, val, op == '~' ?
			    "something containing " : "", v, text);
			return 1;
		}
	}
	return 0;
}

/*
 * expect C TYPE for a presence event: the oldest one set aside, or to
 * come, whose checks hold; the others stay set aside. Anything else that
 * arrives meanwhile (not ignored) fails it.
 */
static int
expect_presence(struct wire *w, struct wconn *c, enum proto_msg_type t,
    char **args, int nargs)
{
	struct proto_frame	f;
	struct proto_msg	m;
	char			text[600], err[256];
	char			miss[sizeof w->why] = "";
	size_t			i, from = 0;
	int			r;

	for (;;) {
		for (i = from; i < c->naside; i++) {
			if (c->aside[i].type != t)
				continue;
			f.kind = PROTO_KIND_CONTROL;
			f.payload = c->aside[i].payload;
			f.len = (uint32_t)c->aside[i].len;
			shown(text, sizeof text, &f);
			if (proto_msg_decode(f.payload, f.len, &m, err,
			    sizeof err) != 0)
				return wire__fail(w, "%s: undecodable message "
				    "(%s): %s", c->name, err, text);
			if ((r = checks(w, c, &m, args, nargs, text, 0)) == 0)
				r = checks(w, c, &m, args, nargs, text, 1);
			proto_msg_free(&m);
			if (r < 0)
				return -1;
			if (r == 1) {
				snprintf(miss, sizeof miss, "%s", w->why);
				continue;
			}
			free(c->aside[i].payload);
			memmove(c->aside + i, c->aside + i + 1,
			    (c->naside - i - 1) * sizeof *c->aside);
			c->naside--;
			return 0;
		}
		from = c->naside;
		r = next_msg(w, c, args[0], &m, text, sizeof text,
		    wire__now_ms() + w->timeout);
		if (r == 2)
			continue;
		if (r == 1) {
			proto_msg_free(&m);
			return wire__fail(w, "%s: expected %s, got %s", c->name,
			    args[0], text);
		}
		if (r == 0 || r == -1)
			return wire__fail(w, "%s: %s while waiting for %s%s%s",
			    c->name, r == 0 ? "closed" : "timed out", args[0],
			    miss[0] != '\0' ? "; the last one set aside: " : "",
			    miss);
		return -1;
	}
}

int
wire__cmd_expect(struct wire *w, struct wconn *c, char **args, int nargs)
{
	struct proto_msg	 m;
	char			 text[600];
	const char		*tn;
	int			 t, r;

	if (nargs < 1)
		return wire__fail(w, "expect C TYPE [checks]");
	for (t = PROTO_MSG_NONE + 1; t < PROTO_MSG_COUNT; t++) {
		if (strcmp(args[0], proto_msg_type_name(t)) == 0)
			break;
	}
	if (t < PROTO_MSG_COUNT && is_presence(t))
		return expect_presence(w, c, t, args, nargs);
	if (expect_msg(w, c, args[0], &m, text, sizeof text) != 0)
		return -1;
	tn = proto_msg_type_name(m.type);
	if (tn == NULL || strcmp(tn, args[0]) != 0)
		r = wire__fail(w, "%s: expected %s, got %s", c->name, args[0],
		    text);
	else
		r = checks(w, c, &m, args, nargs, text, 1) == 0 ? 0 : -1;
	proto_msg_free(&m);
	return r;
}

int
wire__cmd_expect_close(struct wire *w, struct wconn *c, int notify)
{
	struct proto_msg	m;
	char			text[600];
	int			r;

	r = next_msg(w, c, NULL, &m, text, sizeof text,
	    wire__now_ms() + w->timeout);
	if (r == 0 && notify && c->eof != 2)
		return wire__fail(w, "%s: closed without a TLS close_notify",
		    c->name);
	if (r == 0)
		return 0;
	if (r == -1)
		return wire__fail(w, "%s: still open", c->name);
	if (r == 1) {
		proto_msg_free(&m);
		return wire__fail(w, "%s: expected the relay to close it, got "
		    "%s", c->name, text);
	}
	return -1;
}

int
wire__cmd_quiet(struct wire *w, struct wconn *c, int ms)
{
	struct proto_msg	m;
	struct proto_frame	f;
	char			text[600];
	int			r = -1;

	/* Presence events count here: set aside before, or during, the wait. */
	if (c->naside == 0)
		r = next_msg(w, c, NULL, &m, text, sizeof text,
		    wire__now_ms() + ms);
	if (r == 1)
		proto_msg_free(&m);
	if (r == -1 && c->naside > 0) {
		f.kind = PROTO_KIND_CONTROL;
		f.payload = c->aside[0].payload;
		f.len = (uint32_t)c->aside[0].len;
		shown(text, sizeof text, &f);
		r = 1;
	}
	if (r == -1)
		return 0;
	if (r == 0)
		return wire__fail(w, "%s: closed during quiet", c->name);
	if (r == 1)
		return wire__fail(w, "%s: expected nothing, got %s", c->name,
		    text);
	return -1;
}

int
wire__cmd_hello(struct wire *w, struct wconn *c, const char *name,
    const char *room)
{
	struct proto_msg	 m;
	char			 json[256], text[600], var[WIRE_NAME_MAX + 8];
	const char		*key;
	int			 r;

	snprintf(var, sizeof var, "%s.key", c->name);
	if (c->tls == NULL || (key = wire__var_get(w, var)) == NULL)
		return wire__fail(w, "hello %s: not a control connection "
		    "(connect, not connect-plain)", c->name);
	snprintf(json, sizeof json, "{\"type\":\"hello\",\"version\":%d,"
	    "\"name\":\"%s\"%s%s%s}", PROTO_VERSION, name,
	    room != NULL ? ",\"room\":\"" : "", room != NULL ? room : "",
	    room != NULL ? "\"" : "");
	if (wire__send_json(w, c, json) != 0 ||
	    expect_msg(w, c, "welcome", &m, text, sizeof text) != 0)
		return -1;
	if (m.type != PROTO_MSG_WELCOME || strcmp(m.name, name) != 0)
		r = wire__fail(w, "%s: expected welcome for %s, got %s",
		    c->name, name, text);
	else if (strcmp(m.key, key) != 0)
		r = wire__fail(w, "%s: welcome names key %s, we presented %s",
		    c->name, m.key, key);
	else {
		snprintf(c->hello, sizeof c->hello, "%s", name);
		snprintf(var, sizeof var, "%s.id", c->name);
		snprintf(text, sizeof text, "%" PRIu64, m.id);
		r = wire__var_set(w, var, text);
		snprintf(var, sizeof var, "%s.addr", c->name);
		if (r == 0)
			r = wire__var_set(w, var, m.addr);
	}
	proto_msg_free(&m);
	return r;
}

/*
 * For pair: the connection of "C[:NAME]" (the word is cut at the colon),
 * opened with hello NAME (default C) when it is not open yet.
 */
static struct wconn *
pair_conn(struct wire *w, char *word)
{
	struct wconn	*c;
	char		*name;

	if ((name = strchr(word, ':')) != NULL)
		*name++ = '\0';
	if ((c = wire__conn_find(w, word)) == NULL) {
		if (wire__conn_open(w, word, 1, NULL) != 0 ||
		    (c = wire__conn_find(w, word)) == NULL ||
		    wire__cmd_hello(w, c, name != NULL ? name : word, NULL) != 0)
			return NULL;
		return c;
	}
	if (c->hello[0] == '\0' ||
	    (name != NULL && strcmp(name, c->hello) != 0)) {
		wire__fail(w, "%s is open but did not say hello%s%s", word,
		    name != NULL ? " as " : "", name != NULL ? name : "");
		return NULL;
	}
	return c;
}

/*
 * pair A[:NAME] B[:NAME] SIZE [offered|ready|attached]: the steps every
 * transfer test starts with, each one checked, run as the script lines
 * they stand for.
 */
int
wire__cmd_pair(struct wire *w, char **args, int nargs)
{
	static const char	*stages[] = { "offered", "ready", "attached" };
	struct wconn		*a, *b;
	const char		*A, *B;
	char			 why[sizeof w->why];
	uint64_t		 size;
	int			 upto = 2, ref, r;

	if (nargs < 3 || wire__parse_u64(args[2], &size) != 0)
		return wire__fail(w, "pair A[:NAME] B[:NAME] SIZE "
		    "[offered|ready|attached]");
	if (nargs > 3) {
		for (upto = 0; upto < 3; upto++) {
			if (strcmp(args[3], stages[upto]) == 0)
				break;
		}
		if (upto == 3)
			return wire__fail(w, "pair: no stage %s", args[3]);
	}
	if ((a = pair_conn(w, args[0])) == NULL ||
	    (b = pair_conn(w, args[1])) == NULL) {
		snprintf(why, sizeof why, "%s", w->why);
		return wire__fail(w, "pair: %s", why);
	}
	A = a->name;
	B = b->name;
	ref = ++w->nrefs;
	r = wire__run_fmt(w, "send %s {\"type\":\"offer\",\"ref\":%d,"
	    "\"to\":${%s.id},\"count\":1,\"size\":%" PRIu64 "}", A, ref,
	    B, size);
	if (r == 0)
		r = wire__run_fmt(w, "expect %s offered ref=%d peer=%s "
		    "transfer>%s.transfer", A, ref, b->hello, A);
	if (r == 0)
		r = wire__run_fmt(w, "expect %s incoming "
		    "transfer=${%s.transfer} peer=%s count=1 size=%" PRIu64
		    " nfiles=0 transfer>%s.transfer", B, A, a->hello, size, B);
	/* ready follows at once on both sides: nobody answers the relay. */
	if (r == 0 && upto >= 1)
		r = wire__run_fmt(w, "expect %s ready transfer=${%s.transfer} "
		    "role=send", A, A);
	if (r == 0 && upto >= 1)
		r = wire__run_fmt(w, "expect %s ready transfer=${%s.transfer} "
		    "role=receive", B, B);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "attach %sd", A);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "attach %sd", B);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "send %s {\"type\":\"bind\","
		    "\"transfer\":${%s.transfer},\"slot\":\"${%sd.slot}\"}", A,
		    A, A);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "send %s {\"type\":\"bind\","
		    "\"transfer\":${%s.transfer},\"slot\":\"${%sd.slot}\"}", B,
		    B, B);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "expect %sd attached "
		    "transfer=${%s.transfer}", A, A);
	if (r == 0 && upto >= 2)
		r = wire__run_fmt(w, "expect %sd attached "
		    "transfer=${%s.transfer}", B, B);
	if (r != 0) {
		snprintf(why, sizeof why, "%s", w->why);
		wire__fail(w, "pair %s %s: %s", A, B, why);
	}
	return r;
}

