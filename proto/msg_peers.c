/*
 * msg_peers.c: peer_list and peer_joined frames from peer objects encoded
 * once (msg_peers.h says why). Nothing here writes JSON of its own: the
 * objects come from proto_msg_frame(), and the text around them is cut
 * from what proto_msg_frame() wrote for one and for two objects, so a frame
 * built here is byte for byte the one the encoder would have written (the
 * unit tests compare them).
 */
#include <string.h>
#include <stdlib.h>

#include "frame.h"
#include "msg_peers.h"

/* m as a frame in *frame (malloc'd, the caller frees it), its JSON's length in *len. */
static int
peers_json(const struct proto_msg *m, uint8_t **frame, size_t *len)
{
	int	r;

	if ((r = proto_msg_frame(m, frame, len)) != 0)
		return r;
	*len -= PROTO_HEADER_LEN;
	return 0;
}

/*
 * For one type (and "more"): encodes one and two copies of a sample peer,
 * J1 = head O tail and J2 = head O "," O tail, and cuts head and tail out.
 */
static int
peers_learn(enum proto_msg_type type, bool more, char *head, size_t headsz,
    char *tail, size_t tailsz)
{
	struct proto_peer	 two[2];
	struct proto_msg	 m;
	uint8_t			*f1 = NULL, *f2 = NULL;
	const char		*j1, *j2;
	size_t			 l1, l2, cp, olen, hlen, tlen;
	int			 r;

	memset(two, 0, sizeof two);
	two[0].id = 1;
	memcpy(two[0].name, "a", 2);
	memset(two[0].key, '0', PROTO_KEY_HEX);
	two[1] = two[0];
	proto_msg_init(&m, type);
	m.peers = two;		/* borrowed: m is not freed */
	m.more = more;
	m.npeers = 1;
	if ((r = peers_json(&m, &f1, &l1)) != 0)
		goto out;
	m.npeers = 2;
	if ((r = peers_json(&m, &f2, &l2)) != 0)
		goto out;
	r = -PROTO_E_BAD_MESSAGE;
	j1 = (const char *)f1 + PROTO_HEADER_LEN;
	j2 = (const char *)f2 + PROTO_HEADER_LEN;
	if (l2 <= l1 + 1)
		goto out;
	olen = l2 - l1 - 1;
	for (cp = 0; cp < l1 && j1[cp] == j2[cp]; cp++)
		;
	if (cp < olen)
		goto out;
	hlen = cp - olen;
	tlen = l1 - cp;
	if (hlen == 0 || hlen >= headsz || tlen == 0 || tlen >= tailsz)
		goto out;
	/* J2 must be exactly head O "," O tail. */
	if (j2[cp] != ',' || memcmp(j2 + cp + 1, j1 + hlen, olen) != 0 ||
	    memcmp(j2 + cp + 1 + olen, j1 + cp, tlen) != 0)
		goto out;
	memcpy(head, j1, hlen);
	head[hlen] = '\0';
	memcpy(tail, j1 + cp, tlen);
	tail[tlen] = '\0';
	r = 0;
out:
	free(f1);
	free(f2);
	return r;
}

int
proto_peers_enc_init(struct proto_peers_enc *e)
{
	char	h[sizeof e->head[0]];
	int	r;

	memset(e, 0, sizeof *e);
	if ((r = peers_learn(PROTO_MSG_PEER_LIST, false, e->head[0],
	    sizeof e->head[0], e->list_tail[0], sizeof e->list_tail[0])) != 0 ||
	    (r = peers_learn(PROTO_MSG_PEER_LIST, true, h, sizeof h,
	    e->list_tail[1], sizeof e->list_tail[1])) != 0 ||
	    (r = peers_learn(PROTO_MSG_PEER_JOINED, false, e->head[1],
	    sizeof e->head[1], e->joined_tail, sizeof e->joined_tail)) != 0)
		return r;
	/* One head for both values of "more", or frames could not be cut. */
	if (strcmp(h, e->head[0]) != 0)
		return -PROTO_E_BAD_MESSAGE;
	return 0;
}

int
proto_peer_json(const struct proto_peers_enc *e, const struct proto_peer *p,
    char **json, size_t *len)
{
	struct proto_peer	 one = *p;
	struct proto_msg	 m;
	uint8_t			*f;
	const char		*j;
	size_t			 l, hl = strlen(e->head[1]),
				 tl = strlen(e->joined_tail);
	int			 r;

	*json = NULL;
	*len = 0;
	proto_msg_init(&m, PROTO_MSG_PEER_JOINED);
	m.peers = &one;		/* borrowed: m is not freed */
	m.npeers = 1;
	if ((r = peers_json(&m, &f, &l)) != 0)
		return r;
	j = (const char *)f + PROTO_HEADER_LEN;
	r = -PROTO_E_BAD_MESSAGE;
	if (l > hl + tl && memcmp(j, e->head[1], hl) == 0 &&
	    memcmp(j + l - tl, e->joined_tail, tl) == 0) {
		/* Owned by the caller, who frees it with free(). */
		if ((*json = malloc(l - hl - tl)) == NULL)
			r = -PROTO_E_NOMEM;
		else {
			*len = l - hl - tl;
			memcpy(*json, j + hl, *len);
			r = 0;
		}
	}
	free(f);
	return r;
}

void
proto_peers_begin(struct proto_peers_buf *b, const struct proto_peers_enc *e,
    enum proto_msg_type type, uint8_t *buf)
{
	const char	*head = e->head[type == PROTO_MSG_PEER_JOINED];
	size_t		 hl = strlen(head);

	b->enc = e;
	b->type = type;
	b->buf = buf;
	memcpy(buf + PROTO_HEADER_LEN, head, hl);
	b->len = PROTO_HEADER_LEN + hl;
	b->n = 0;
}

/* The longest tail the frame may end with. */
static size_t
peers_tail_max(const struct proto_peers_buf *b)
{
	size_t	a, c;

	if (b->type == PROTO_MSG_PEER_JOINED)
		return strlen(b->enc->joined_tail);
	a = strlen(b->enc->list_tail[0]);
	c = strlen(b->enc->list_tail[1]);
	return a > c ? a : c;
}

bool
proto_peers_room(const struct proto_peers_buf *b, size_t len)
{
	size_t	json = b->len - PROTO_HEADER_LEN + (b->n > 0) + len +
		    peers_tail_max(b);

	return b->n < PROTO_PEERS_MAX && json <= PROTO_CONTROL_MAX;
}

void
proto_peers_add(struct proto_peers_buf *b, const char *json, size_t len)
{
	if (b->n > 0)
		b->buf[b->len++] = ',';
	memcpy(b->buf + b->len, json, len);
	b->len += len;
	b->n++;
}

size_t
proto_peers_end(struct proto_peers_buf *b, bool more)
{
	const char	*tail;
	size_t		 tl;

	if (b->type == PROTO_MSG_PEER_JOINED) {
		if (b->n == 0)
			return 0;
		tail = b->enc->joined_tail;
	} else
		tail = b->enc->list_tail[more];
	tl = strlen(tail);
	memcpy(b->buf + b->len, tail, tl);
	b->len += tl;
	proto_header_encode(b->buf, PROTO_KIND_CONTROL,
	    (uint32_t)(b->len - PROTO_HEADER_LEN));
	return b->len;
}
