/*
 * frame.c: the frame header and the incremental decoder that every reader of
 * a ferry connection runs. Bytes may be split anywhere; the declared length
 * is judged against the kind's limit before a byte of payload is buffered.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define DECODER_MIN_CAP	4096	/* first allocation of the payload buffer */

void
proto_decoder_init(struct proto_decoder *d)
{
	memset(d, 0, sizeof *d);
	d->max_control = PROTO_CONTROL_MAX;
	d->max_data = PROTO_DATA_MAX;
}

void
proto_decoder_reset(struct proto_decoder *d)
{
	memset(d->hdr, 0, sizeof d->hdr);
	d->hdr_have = 0;
	d->kind = 0;
	d->need = 0;
	d->have = 0;
	d->err = 0;
}

void
proto_decoder_free(struct proto_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof *d);
}

int
proto_decoder_idle(const struct proto_decoder *d)
{
	return d->hdr_have == 0;
}

void
proto_header_encode(uint8_t out[PROTO_HEADER_LEN], uint8_t kind,
    uint32_t payload_len)
{
	uint32_t	len = payload_len + 1;

	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = kind;
}

/* A decoder that was zeroed rather than init'ed still gets the protocol limits. */
static uint32_t
decoder_limit(const struct proto_decoder *d, uint8_t kind)
{
	if (kind == PROTO_KIND_CONTROL)
		return d->max_control != 0 ? d->max_control : PROTO_CONTROL_MAX;
	return d->max_data != 0 ? d->max_data : PROTO_DATA_MAX;
}

/* Judges a complete header; sets kind and need, or returns the error. */
static int
decoder_header(struct proto_decoder *d)
{
	uint32_t	len;
	uint8_t		kind;

	len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
	    (uint32_t)d->hdr[2] << 8 | (uint32_t)d->hdr[3];
	kind = d->hdr[4];
	if (len == 0)
		return -PROTO_E_BAD_FRAME;
	if (kind != PROTO_KIND_CONTROL && kind != PROTO_KIND_DATA)
		return -PROTO_E_BAD_FRAME;
	if (kind == PROTO_KIND_DATA && len == 1)
		return -PROTO_E_BAD_FRAME;
	if (len - 1 > decoder_limit(d, kind))
		return -PROTO_E_TOO_LARGE;
	d->kind = kind;
	d->need = len - 1;
	d->have = 0;
	return 0;
}

/*
 * Makes room for `want` payload bytes. The buffer grows with what actually
 * arrives (doubling), never past the current frame's length, so a peer that
 * declares a large frame and sends little costs little, and no frame costs
 * more than its kind's limit.
 */
static int
decoder_grow(struct proto_decoder *d, size_t want)
{
	size_t	 cap;
	uint8_t	*nbuf;

	if (want <= d->cap)
		return 0;
	cap = d->cap != 0 ? d->cap : DECODER_MIN_CAP;
	while (cap < want)
		cap *= 2;
	if (cap > d->need)
		cap = d->need;
	nbuf = realloc(d->buf, cap);
	if (nbuf == NULL)
		return -PROTO_E_NOMEM;
	d->buf = nbuf;	/* owned by the decoder until proto_decoder_free() */
	d->cap = cap;
	return 0;
}

static void
decoder_done(struct proto_decoder *d, struct proto_frame *out,
    const uint8_t *payload)
{
	out->kind = d->kind;
	out->len = d->need;
	out->payload = payload;
	d->hdr_have = 0;
	d->have = 0;
}

int
proto_decoder_feed(struct proto_decoder *d, const uint8_t *in, size_t len,
    size_t *used, struct proto_frame *out)
{
	size_t	pos = 0, take;
	int	r;

	*used = 0;
	if (d->err != 0)
		return d->err;
	if (len == 0)
		return 0;

	if (d->hdr_have < PROTO_HEADER_LEN) {
		take = PROTO_HEADER_LEN - d->hdr_have;
		if (take > len)
			take = len;
		memcpy(d->hdr + d->hdr_have, in, take);
		d->hdr_have += take;
		pos += take;
		*used = pos;
		if (d->hdr_have < PROTO_HEADER_LEN)
			return 0;
		if ((r = decoder_header(d)) != 0) {
			d->err = r;
			return r;
		}
	}

	/* Zero copy: nothing buffered and the whole payload is in the input. */
	if (d->have == 0 && len - pos >= d->need) {
		decoder_done(d, out, in + pos);
		*used = pos + d->need;
		return 1;
	}

	if (pos == len)
		return 0;
	take = d->need - d->have;
	if (take > len - pos)
		take = len - pos;
	if ((r = decoder_grow(d, d->have + take)) != 0) {
		d->err = r;
		return r;
	}
	memcpy(d->buf + d->have, in + pos, take);
	d->have += take;
	pos += take;
	*used = pos;
	if (d->have < d->need)
		return 0;
	decoder_done(d, out, d->buf);
	return 1;
}
