/*
 * relay_fake.c: fake connections for the control logic's unit tests
 * (relay_fake.h): relay_ops that record and check, and the helpers that
 * speak for a connection and read what it heard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "text.h"
#include "relay_fake.h"

/* What the last recorded message says, for tests that only count. */
static void
note(struct rfake *f, const struct proto_msg *m)
{
	f->n[m->type]++;
	if (m->type == PROTO_MSG_ERROR) {
		snprintf(f->code, sizeof f->code, "%s", m->code);
		f->err_transfer = m->transfer;
		f->err_ref = m->ref;
	}
	if (m->type == PROTO_MSG_INCOMING || m->type == PROTO_MSG_OFFERED ||
	    m->type == PROTO_MSG_READY)
		f->transfer = m->transfer;
	if (m->type == PROTO_MSG_SLOT)
		memcpy(f->slot, m->slot, sizeof f->slot);
}

static void
fake_send(void *arg, struct relay_peer *p, const uint8_t *frame, size_t len)
{
	struct rfake		*f = p->owner;
	struct proto_decoder	 d;
	struct proto_frame	 fr;
	struct proto_msg	*m;
	size_t			 used;
	char			 err[256];

	(void)arg;
	assert_int_equal(p->state == RELAY_PEER_GONE, 0);
	f->frames++;
	if (!f->record)
		return;
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, frame, len, &used, &fr), 1);
	assert_int_equal(used, len);
	assert_int_equal(fr.kind, PROTO_KIND_CONTROL);
	if (f->nmsgs == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->msgs = realloc(f->msgs, f->cap * sizeof *f->msgs);
		assert_non_null(f->msgs);
	}
	m = &f->msgs[f->nmsgs];
	if (proto_msg_decode(fr.payload, fr.len, m, err, sizeof err) != 0)
		fail_msg("relay sent an undecodable message: %s", err);
	f->nmsgs++;
	note(f, m);
	proto_decoder_free(&d);
}

static void
fake_close(void *arg, struct relay_peer *p, int how)
{
	struct rfake	*f = p->owner;

	(void)arg;
	assert_int_equal(p->state, RELAY_PEER_GONE);
	assert_int_equal(f->closed, 0);
	f->closed = 1 + how;
}

static void
fake_bridge(void *arg, struct relay_transfer *t)
{
	struct rfake_harness	*h = arg;

	assert_int_equal(t->state, RELAY_XFER_BRIDGING);
	assert_non_null(t->data[0]);
	assert_non_null(t->data[1]);
	h->bridged = t->id;
	h->nbridged++;
}

static const struct relay_ops fake_ops = { fake_send, fake_close, fake_bridge };

struct rfake_harness *
rfake_new(size_t n, const struct relay_config *cfg, uint64_t now)
{
	struct rfake_harness	*h = calloc(1, sizeof *h);
	struct relay_config	 def;

	/* Both owned by the test until rfake_free(). */
	assert_non_null(h);
	h->f = calloc(n, sizeof *h->f);
	assert_non_null(h->f);
	h->nf = n;
	if (cfg == NULL) {
		relay_config_default(&def);
		cfg = &def;
	}
	assert_int_equal(relay_ctl_init(&h->ctl, cfg, &fake_ops, h), 0);
	h->now = now;
	return h;
}

void
rfake_free(struct rfake_harness *h)
{
	size_t	i, j;

	relay_ctl_free(&h->ctl);
	for (i = 0; i < h->nf; i++) {
		for (j = 0; j < h->f[i].nmsgs; j++)
			proto_msg_free(&h->f[i].msgs[j]);
		free(h->f[i].msgs);
	}
	free(h->f);
	free(h);
}

int
rfake_teardown(void **state)
{
	rfake_free(*state);
	return 0;
}

struct rfake *
rfake_plain(struct rfake_harness *h, int i)
{
	struct rfake	*f = &h->f[i];
	char		 addr[64];

	assert_true(i >= 0 && (size_t)i < h->nf);
	/* A new connection in the same place: what it heard before stays. */
	memset(&f->p, 0, sizeof f->p);
	f->p.owner = f;
	f->record = 1;
	f->closed = 0;
	snprintf(addr, sizeof addr, "10.0.%d.%d:%d", i / 256, i % 256, 5000 + i);
	relay_ctl_accept(&h->ctl, &f->p, addr, h->now);
	return f;
}

struct rfake *
rfake_conn(struct rfake_harness *h, int i)
{
	struct rfake	*f = rfake_plain(h, i);

	/* What relay_conn.c does once the handshake is done. */
	if (f->keyseed != 0)
		memset(f->p.key, f->keyseed, sizeof f->p.key);
	else {
		memset(f->p.key, 0x5a, sizeof f->p.key);
		f->p.key[0] = (uint8_t)(i >> 8);
		f->p.key[1] = (uint8_t)i;
	}
	f->p.flags |= RELAY_PEER_TLS;
	return f;
}

void
rfake_key_hex(const struct rfake_harness *h, int i, char out[PROTO_KEY_HEX + 1])
{
	proto_fmt_hex(h->f[i].p.key, sizeof h->f[i].p.key, out);
}

void
rfake_attach(struct rfake_harness *h, int i)
{
	struct proto_msg	*m;

	rfake_plain(h, i);
	rfake_say(h, i, "{\"type\":\"attach\"}");
	m = rfake_heard(h, i, PROTO_MSG_SLOT);
	assert_int_equal(strlen(m->slot), PROTO_SLOT_LEN);
	assert_int_equal(h->f[i].p.state, RELAY_PEER_DATA);
	assert_int_equal(h->f[i].closed, 0);
}

void
rfake_bind(struct rfake_harness *h, int c, int d, uint64_t id)
{
	rfake_sayf(h, c, "{\"type\":\"bind\",\"transfer\":%llu,\"slot\":"
	    "\"%s\"}", (unsigned long long)id, h->f[d].slot);
}

void
rfake_say(struct rfake_harness *h, int i, const char *json)
{
	struct proto_msg	m;
	char			err[256];

	if (proto_msg_decode((const uint8_t *)json, strlen(json), &m, err,
	    sizeof err) != 0)
		fail_msg("test message does not decode: %s: %s", json, err);
	relay_ctl_message(&h->ctl, &h->f[i].p, &m, h->now);
	proto_msg_free(&m);
}

void
rfake_sayf(struct rfake_harness *h, int i, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rfake_say(h, i, buf);
}

struct proto_msg *
rfake_heard(struct rfake_harness *h, int i, enum proto_msg_type t)
{
	struct rfake	*f = &h->f[i];

	if (f->head == f->nmsgs)
		fail_msg("peer %d heard nothing, expected %s", i,
		    proto_msg_type_name(t));
	if (f->msgs[f->head].type != t)
		fail_msg("peer %d heard %s (%s %s), expected %s", i,
		    proto_msg_type_name(f->msgs[f->head].type),
		    f->msgs[f->head].code, f->msgs[f->head].message,
		    proto_msg_type_name(t));
	return &f->msgs[f->head++];
}

struct proto_msg *
rfake_heard_error(struct rfake_harness *h, int i, const char *code)
{
	struct proto_msg	*m = rfake_heard(h, i, PROTO_MSG_ERROR);

	assert_string_equal(m->code, code);
	return m;
}

struct proto_msg *
rfake_heard_on(struct rfake_harness *h, int i, enum proto_msg_type t,
    uint64_t id)
{
	struct proto_msg	*m = rfake_heard(h, i, t);

	assert_int_equal(m->transfer, id);
	return m;
}

struct proto_msg *
rfake_heard_error_on(struct rfake_harness *h, int i, const char *code,
    uint64_t id)
{
	struct proto_msg	*m = rfake_heard_error(h, i, code);

	assert_int_equal(m->transfer, id);
	return m;
}

void
rfake_silent(struct rfake_harness *h, int i)
{
	struct rfake	*f = &h->f[i];

	if (f->head != f->nmsgs)
		fail_msg("peer %d heard %s, expected nothing", i,
		    proto_msg_type_name(f->msgs[f->head].type));
}

void
rfake_join(struct rfake_harness *h, int i, const char *name)
{
	struct proto_msg	*m;
	char			 key[PROTO_KEY_HEX + 1];

	rfake_conn(h, i);
	rfake_sayf(h, i, "{\"type\":\"hello\",\"version\":%d,\"name\":\"%s\"}",
	    PROTO_VERSION, name);
	m = rfake_heard(h, i, PROTO_MSG_WELCOME);
	assert_string_equal(m->name, name);
	rfake_key_hex(h, i, key);
	assert_string_equal(m->key, key);
	assert_string_equal(m->addr, h->f[i].p.addr);
	assert_true(m->id > 0);
	assert_int_equal(h->f[i].closed, 0);
}

/* Two joined peers (0 alice, 1 bob) whose joins were pushed and heard. */
void
rfake_two(struct rfake_harness *h)
{
	rfake_join(h, 0, "alice");
	rfake_join(h, 1, "bob");
	relay_ctl_flush(&h->ctl);
	rfake_heard(h, 0, PROTO_MSG_PEER_JOINED);
	rfake_heard(h, 1, PROTO_MSG_PEER_JOINED);
}

/*
 * alice (0) offers bob (1) two files of 8 bytes in all: offered, incoming
 * with the count and size, and ready to both at once (PROTOCOL.md 3.2: the
 * answer travels end to end). Returns the transfer id.
 */
uint64_t
rfake_offer(struct rfake_harness *h)
{
	struct proto_msg	*m;
	uint64_t		 id;

	rfake_sayf(h, 0, "{\"type\":\"offer\",\"ref\":9,\"to\":%llu,"
	    "\"count\":2,\"size\":8}", (unsigned long long)h->f[1].p.id);
	m = rfake_heard(h, 0, PROTO_MSG_OFFERED);
	assert_int_equal(m->ref, 9);
	assert_string_equal(m->peer.name, "bob");
	id = m->transfer;
	m = rfake_heard_on(h, 1, PROTO_MSG_INCOMING, id);
	assert_string_equal(m->peer.name, "alice");
	assert_int_equal(m->peer.id, h->f[0].p.id);
	assert_int_equal(m->count, 2);
	assert_int_equal(m->size, 8);
	assert_int_equal(m->nfiles, 0);
	m = rfake_heard_on(h, 0, PROTO_MSG_READY, id);
	assert_int_equal(m->role, PROTO_ROLE_SEND);
	m = rfake_heard_on(h, 1, PROTO_MSG_READY, id);
	assert_int_equal(m->role, PROTO_ROLE_RECEIVE);
	return id;
}

/* Data connection d attaches and control connection c binds it to id. */
void
rfake_pair(struct rfake_harness *h, int c, int d, uint64_t id)
{
	rfake_attach(h, d);
	rfake_bind(h, c, d, id);
}
