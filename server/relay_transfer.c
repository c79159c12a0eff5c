/*
 * relay_transfer.c: the transfer table and its tokens. Tokens come from the
 * kernel's CSPRNG through uv_random() (synchronous: no loop needed), so they
 * cannot be guessed; the table is a list because open transfers are few.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "relay_transfer.h"

void
relay_transfers_init(struct relay_transfers *x)
{
	TAILQ_INIT(&x->all);
	x->count = 0;
	x->last_id = 0;
}

void
relay_transfers_free(struct relay_transfers *x)
{
	struct relay_transfer	*t;

	while ((t = TAILQ_FIRST(&x->all)) != NULL)
		relay_transfer_free(x, t);
}

struct relay_transfer *
relay_transfer_new(struct relay_transfers *x, struct relay_peer *from,
    struct relay_peer *to, uint64_t now)
{
	struct relay_transfer	*t;

	/* Owned by the table; freed by relay_transfer_free(). */
	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->id = ++x->last_id;
	t->state = RELAY_XFER_OFFERED;
	t->peer[RELAY_SIDE_SEND] = from;
	t->peer[RELAY_SIDE_RECEIVE] = to;
	t->created = now;
	t->deadline = now;
	TAILQ_INSERT_TAIL(&x->all, t, link);
	x->count++;
	return t;
}

void
relay_transfer_free(struct relay_transfers *x, struct relay_transfer *t)
{
	TAILQ_REMOVE(&x->all, t, link);
	x->count--;
	/* Tokens are secrets: do not leave them in freed memory. */
	memset(t->token, 0, sizeof t->token);
	free(t);
}

struct relay_transfer *
relay_transfer_find(const struct relay_transfers *x, uint64_t id)
{
	struct relay_transfer	*t;

	TAILQ_FOREACH(t, &x->all, link) {
		if (t->id == id)
			return t;
	}
	return NULL;
}

/* Constant-time equality of two tokens (both PROTO_TOKEN_LEN long). */
static int
token_equal(const char *a, const char *b)
{
	unsigned char	d = 0;
	size_t		i;

	for (i = 0; i < PROTO_TOKEN_LEN; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

struct relay_transfer *
relay_transfer_by_token(const struct relay_transfers *x, const char *token,
    int *side)
{
	struct relay_transfer	*t;
	int			 s;

	if (strlen(token) != PROTO_TOKEN_LEN)
		return NULL;
	TAILQ_FOREACH(t, &x->all, link) {
		if (t->state != RELAY_XFER_READY)
			continue;
		for (s = 0; s < 2; s++) {
			if (t->token[s][0] != '\0' && token_equal(t->token[s], token)) {
				*side = s;
				return t;
			}
		}
	}
	return NULL;
}

int
relay_token_new(char out[PROTO_TOKEN_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 raw[PROTO_TOKEN_LEN / 2];
	size_t			 i;
	int			 r;

	/* No loop and no callback: uv_random() runs synchronously. */
	if ((r = uv_random(NULL, NULL, raw, sizeof raw, 0, NULL)) != 0)
		return r;
	for (i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[PROTO_TOKEN_LEN] = '\0';
	memset(raw, 0, sizeof raw);
	return 0;
}

int
relay_transfer_issue_tokens(struct relay_transfer *t)
{
	int	r;

	if ((r = relay_token_new(t->token[RELAY_SIDE_SEND])) != 0)
		return r;
	do {
		if ((r = relay_token_new(t->token[RELAY_SIDE_RECEIVE])) != 0)
			return r;
	} while (strcmp(t->token[0], t->token[1]) == 0);
	return 0;
}
