/*
 * fuzz_frame.c: libFuzzer target for the incremental frame decoder. The first
 * input byte picks how the rest is split into feeds, so every split point is
 * explored; a second decoder fed byte by byte must yield the same frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What one decoder saw: a running digest of frames, and the final error. */
struct seen {
	uint64_t	hash;
	size_t		frames;
	int		err;
};

static void
seen_frame(struct seen *s, const struct proto_frame *f)
{
	size_t	i;

	s->frames++;
	s->hash = s->hash * 1099511628211ULL ^ f->kind;
	s->hash = s->hash * 1099511628211ULL ^ f->len;
	for (i = 0; i < f->len; i++)
		s->hash = s->hash * 1099511628211ULL ^ f->payload[i];
}

/* Feeds in[0..len) in pieces of at most `step` bytes (step 0: all at once). */
static void
run(const uint8_t *in, size_t len, size_t step, struct seen *s)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			off = 0, used, n;
	int			r;

	memset(s, 0, sizeof *s);
	proto_decoder_init(&d);
	/* Small limits keep the fuzzer able to reach "too large" cheaply. */
	d.max_control = 4096;
	d.max_data = 8192;
	while (off < len) {
		n = step == 0 || len - off < step ? len - off : step;
		while (n > 0) {
			r = proto_decoder_feed(&d, in + off, n, &used, &f);
			if (used > n)
				abort();
			off += used;
			n -= used;
			if (r < 0) {
				s->err = r;
				goto out;
			}
			if (r == 0) {
				if (n != 0)
					abort();	/* "need more" must take everything */
				break;
			}
			if (f.kind != PROTO_KIND_CONTROL && f.kind != PROTO_KIND_DATA)
				abort();
			if (f.len > (f.kind == PROTO_KIND_CONTROL ? 4096u : 8192u))
				abort();
			seen_frame(s, &f);
		}
	}
out:
	proto_decoder_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen	a, b;

	if (size < 1)
		return 0;
	run(data + 1, size - 1, data[0], &a);
	run(data + 1, size - 1, 1, &b);
	if (a.frames != b.frames || a.hash != b.hash || a.err != b.err)
		abort();	/* the split must never change what is decoded */
	return 0;
}
