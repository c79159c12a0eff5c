/*
 * msg_util.c: the helpers msg_util.h declares, for the control-message
 * unit tests. Allocations fail the test when memory runs out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg_util.h"

void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void
sb_rep(struct sb *b, const char *s, size_t times)
{
	while (times-- > 0)
		sb_puts(b, s);
}

void
sb_free(struct sb *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

int
decode_str(const char *json, struct proto_msg *m, char *err, size_t errlen)
{
	return proto_msg_decode((const uint8_t *)json, strlen(json), m, err,
	    errlen);
}

/* True when every byte of the message is zero: nothing left to free. */
bool
msg_is_zero(const struct proto_msg *m)
{
	const unsigned char	*p = (const unsigned char *)m;
	size_t			 i;

	for (i = 0; i < sizeof *m; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/* s into dst, which must hold it. */
void
set_str(char *dst, size_t size, const char *s)
{
	assert_true(strlen(s) < size);
	strcpy(dst, s);
}

/* n copies of s, which must fit in size. */
void
set_rep(char *dst, size_t size, const char *s, size_t n, const char *tail)
{
	size_t	i;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_true(strlen(dst) + strlen(s) < size);
		strcat(dst, s);
	}
	assert_true(strlen(dst) + strlen(tail) < size);
	strcat(dst, tail);
}

/* Allocations that fail the test rather than return NULL. */
void *
xmalloc(size_t n)
{
	void	*p = malloc(n);

	assert_non_null(p);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n, size);

	assert_non_null(p);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	assert_non_null(p);
	return p;
}

void
fill_peer(struct proto_peer *p, uint64_t id, const char *name,
    const char *addr)
{
	p->id = id;
	set_str(p->name, sizeof p->name, name);
	set_str(p->addr, sizeof p->addr, addr);
	set_str(p->key, sizeof p->key, KEY_S);
}

void
fill_peers(struct proto_msg *m, size_t n)
{
	char	name[32], addr[32];
	size_t	i;

	m->peers = xcalloc(n, sizeof *m->peers);
	m->npeers = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "peer%zu", i);
		snprintf(addr, sizeof addr, "10.0.%zu.%zu:%zu", i / 250,
		    i % 250, 1024 + i);
		fill_peer(&m->peers[i], i + 1, name, addr);
	}
	if (n >= 3) {
		/* The limits exactly: 64 bytes of name and of address. */
		set_rep(m->peers[1].name, sizeof m->peers[1].name, E_ACUTE, 32,
		    "");
		set_rep(m->peers[1].addr, sizeof m->peers[1].addr, "f", 56,
		    "]:65535");
		m->peers[1].addr[0] = '[';
		m->peers[2].id = PROTO_INT_MAX;
		set_str(m->peers[2].addr, sizeof m->peers[2].addr, "");
	}
}

void
fill_files(struct proto_msg *m, size_t n, bool receipt)
{
	char	name[40];
	size_t	i;

	m->files = xcalloc(n, sizeof *m->files);
	m->nfiles = n;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "file%04zu.bin", i);
		m->files[i].name = xstrdup(name);
		m->files[i].size = i * 1000;
		if (receipt) {
			set_str(m->files[i].sha256, sizeof m->files[i].sha256,
			    SHA_S);
			m->files[i].sha256[i % 64] = "0123456789abcdef"[i % 16];
			snprintf(name, sizeof name, "file%04zu (1).bin", i);
			m->files[i].saved_as = xstrdup(name);
		}
	}
	if (n >= 3) {
		/*
		 * On the wire a name may hold what the receiver will refuse:
		 * control characters, slashes, 1024 bytes.
		 */
		free(m->files[0].name);
		m->files[0].name = xstrdup("r" E_ACUTE "sum" E_ACUTE " " DOC
		    ".txt");
		m->files[0].size = 0;
		free(m->files[1].name);
		m->files[1].name = xmalloc(PROTO_FILE_NAME_MAX + 1);
		memset(m->files[1].name, 'n', PROTO_FILE_NAME_MAX);
		m->files[1].name[PROTO_FILE_NAME_MAX] = '\0';
		m->files[1].size = PROTO_INT_MAX;
		free(m->files[2].name);
		m->files[2].name = xstrdup("../a\n\x1b[1m\x7f\xc2\x85\"\\/b");
		if (receipt) {
			free(m->files[2].saved_as);
			m->files[2].saved_as = xstrdup("tab\there");
		}
	}
}

/* Every field of the type, at or near its limits. */
void
fill_msg(struct proto_msg *m, enum proto_msg_type t)
{
	proto_msg_init(m, t);
	switch (t) {
	case PROTO_MSG_HELLO:
		m->version = 65535;
		set_rep(m->name, sizeof m->name, E_ACUTE, 32, "");
		break;
	case PROTO_MSG_WELCOME:
		m->id = PROTO_INT_MAX;
		set_str(m->name, sizeof m->name, "bob");
		set_str(m->addr, sizeof m->addr, "[::1]:50312");
		set_str(m->key, sizeof m->key, KEY_S);
		break;
	case PROTO_MSG_PEER_LIST:
		fill_peers(m, 5);
		m->more = true;
		break;
	case PROTO_MSG_PEER_JOINED:
		fill_peers(m, 3);
		break;
	case PROTO_MSG_PEER_LEFT:
		m->ids = xcalloc(3, sizeof *m->ids);
		m->nids = 3;
		m->ids[0] = 1;
		m->ids[1] = PROTO_INT_MAX;
		m->ids[2] = 1000000000000000ULL;
		break;
	case PROTO_MSG_OFFER:
		m->ref = PROTO_INT_MAX;
		m->to = PROTO_INT_MAX;
		m->count = PROTO_FILES_MAX;
		m->size = PROTO_INT_MAX;
		break;
	case PROTO_MSG_OFFERED:
		m->ref = 0;
		m->transfer = 1;
		fill_peer(&m->peer, 77, "carol", "127.0.0.1:50312");
		break;
	case PROTO_MSG_INCOMING:
		m->transfer = PROTO_INT_MAX;
		fill_peer(&m->peer, 3, "al" E_ACUTE "x", "[::1]:1");
		m->count = 3;
		m->size = 12345;
		break;
	case PROTO_MSG_FILES:
		m->transfer = PROTO_INT_MAX;
		fill_files(m, 4, false);
		break;
	case PROTO_MSG_ACCEPT:
		m->transfer = PROTO_INT_MAX;
		m->skip = xcalloc(1, sizeof *m->skip);
		m->nskip = 1;
		m->skip[0].from = 2;
		m->skip[0].count = 3;
		m->resume = xcalloc(2, sizeof *m->resume);
		m->nresume = 2;
		m->resume[0].file = 0;
		m->resume[0].offset = 1;
		set_str(m->resume[0].sha256, sizeof m->resume[0].sha256, SHA_S);
		m->resume[1].file = 7;
		m->resume[1].offset = PROTO_INT_MAX;
		set_str(m->resume[1].sha256, sizeof m->resume[1].sha256, SHA_S);
		m->more = true;
		break;
	case PROTO_MSG_ATTACHED:
		m->transfer = PROTO_INT_MAX;
		break;
	case PROTO_MSG_DECLINE:
		m->transfer = 42;
		set_rep(m->reason, sizeof m->reason, EURO, 170, "ok");
		break;
	case PROTO_MSG_CANCEL:
		m->transfer = 43;
		set_str(m->reason, sizeof m->reason, "");
		break;
	case PROTO_MSG_READY:
		m->transfer = 9;
		m->role = PROTO_ROLE_RECEIVE;
		break;
	case PROTO_MSG_SLOT:
		set_str(m->slot, sizeof m->slot, SLOT_S);
		break;
	case PROTO_MSG_BIND:
		m->transfer = PROTO_INT_MAX;
		set_str(m->slot, sizeof m->slot, SLOT_S);
		break;
	case PROTO_MSG_FILE_FROM:
		m->index = 999;
		m->offset = PROTO_INT_MAX;
		break;
	case PROTO_MSG_FILE_END:
		m->index = 999;
		m->size = PROTO_INT_MAX;
		set_str(m->sha256, sizeof m->sha256, SHA_S);
		break;
	case PROTO_MSG_RECEIPT:
		m->transfer = 5;
		m->ok = true;
		fill_files(m, 3, true);
		set_str(m->message, sizeof m->message, "all 3 files verified");
		break;
	case PROTO_MSG_ERROR:
		set_str(m->code, sizeof m->code, "no_such_peer");
		set_rep(m->message, sizeof m->message, "m", 512, "");
		m->transfer = PROTO_INT_MAX;
		m->ref = 12;
		break;
	case PROTO_MSG_PEERS:
	case PROTO_MSG_PING:
	case PROTO_MSG_PONG:
	default:
		break;
	}
}
