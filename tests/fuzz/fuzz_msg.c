/*
 * fuzz_msg.c: libFuzzer target for the control-message decoder. Whatever
 * decodes must encode again, and the re-encoded frame must decode to the
 * same type: the validator and the encoder agree on every field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg	m, again;
	char			err[256];
	uint8_t			*out = NULL;
	size_t			outlen = 0;
	int			r;

	if (size > PROTO_CONTROL_MAX)
		return 0;
	err[0] = '\0';
	r = proto_msg_decode(data, size, &m, err, sizeof err);
	if (r < 0) {
		if (err[0] == '\0' || memchr(err, '\n', strlen(err)) != NULL)
			abort();	/* every refusal says why, on one line */
		return 0;
	}
	r = proto_msg_frame(&m, &out, &outlen);
	if (r == 0) {
		if (outlen < PROTO_HEADER_LEN || out[4] != PROTO_KIND_CONTROL)
			abort();
		if (proto_msg_decode(out + PROTO_HEADER_LEN,
		    outlen - PROTO_HEADER_LEN, &again, err, sizeof err) != 0)
			abort();
		if (again.type != m.type || again.nfiles != m.nfiles ||
		    again.npeers != m.npeers || again.nids != m.nids)
			abort();
		proto_msg_free(&again);
		free(out);
	} else if (r != -PROTO_E_TOO_LARGE) {
		/* Re-encoding can grow (escapes), nothing else may fail. */
		abort();
	}
	proto_msg_free(&m);
	return 0;
}
