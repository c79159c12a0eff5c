/*
 * frame.h: frame header encoding and the incremental frame decoder that both
 * the relay and the client run over every byte they read.
 */
#ifndef FERRY_FRAME_H
#define FERRY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* One decoded frame. payload stays valid until the next proto_decoder_feed(). */
struct proto_frame {
	uint8_t		 kind;		/* enum proto_kind */
	uint32_t	 len;		/* payload bytes (the header's length - 1) */
	const uint8_t	*payload;	/* borrowed: from the caller's input or the decoder */
};

/*
 * Decoder state lives in the connection, not on the stack: bytes may split
 * anywhere, so the header and a partial payload are kept between calls.
 * The declared length is checked against the kind's limit before any memory
 * is taken. After an error the decoder stays failed (every feed returns the
 * same error) until proto_decoder_reset().
 */
struct proto_decoder {
	uint8_t		 hdr[PROTO_HEADER_LEN];
	size_t		 hdr_have;	/* header bytes collected */
	uint8_t		 kind;
	uint32_t	 need;		/* payload bytes of the current frame */
	uint8_t		*buf;		/* owned: payload being collected, malloc'd */
	size_t		 have;		/* payload bytes collected in buf */
	size_t		 cap;		/* allocated size of buf */
	uint32_t	 max_control;	/* limits; default PROTO_CONTROL_MAX, PROTO_DATA_MAX */
	uint32_t	 max_data;
	int		 err;		/* sticky: 0 or -PROTO_E_* */
};

void	proto_decoder_init(struct proto_decoder *d);
/* Forget any partial frame and a sticky error; keeps the buffer. */
void	proto_decoder_reset(struct proto_decoder *d);
/* Frees the payload buffer; the decoder may be init'ed again. */
void	proto_decoder_free(struct proto_decoder *d);
/* True when no partial frame is pending (a clean place for the stream to end). */
int	proto_decoder_idle(const struct proto_decoder *d);

/*
 * Consumes bytes from in[0..len) and stores in *used how many it took.
 * Returns 1 when a whole frame is in *out (then *used may be < len: call
 * again with the rest), 0 when every byte was taken and more are needed,
 * or -PROTO_E_BAD_FRAME (length 0, unknown kind, empty data frame),
 * -PROTO_E_TOO_LARGE (length over the kind's limit) or -PROTO_E_NOMEM.
 * A frame that lies whole inside `in` is returned without copying.
 *
 *	while (len > 0) {
 *		r = proto_decoder_feed(d, p, len, &used, &f);
 *		p += used; len -= used;
 *		if (r < 0) -> protocol error; if (r == 0) break; handle(&f);
 *	}
 */
int	proto_decoder_feed(struct proto_decoder *d, const uint8_t *in, size_t len,
	    size_t *used, struct proto_frame *out);

/* Writes the 5-byte header of a frame with payload_len bytes of payload. */
void	proto_header_encode(uint8_t out[PROTO_HEADER_LEN], uint8_t kind,
	    uint32_t payload_len);

#endif /* FERRY_FRAME_H */
