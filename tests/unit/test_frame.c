/*
 * test_frame.c: the frame header and the incremental decoder: streams split
 * at every byte, truncation, and every malformed header PROTOCOL.md names,
 * with the limits judged before any memory is taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

/* One frame of a test stream and where it sits in the stream. */
struct tframe {
	uint8_t		 kind;
	uint32_t	 len;
	size_t		 off;		/* offset of its header in the stream */
};

/* A stream of frames, built once per test. */
struct tstream {
	uint8_t		*bytes;		/* owned */
	size_t		 len;
	struct tframe	 frames[64];
	size_t		 nframes;
};

/* Payload byte i of frame n: different for every frame and position. */
static uint8_t
tbyte(size_t n, size_t i)
{
	return (uint8_t)(n * 131 + i * 7 + (i >> 8));
}

static void
tstream_add(struct tstream *s, uint8_t kind, uint32_t len)
{
	struct tframe	*f;
	size_t		 i;

	assert_true(s->nframes < 64);
	s->bytes = realloc(s->bytes, s->len + PROTO_HEADER_LEN + len);
	assert_non_null(s->bytes);
	f = &s->frames[s->nframes];
	f->kind = kind;
	f->len = len;
	f->off = s->len;
	proto_header_encode(s->bytes + s->len, kind, len);
	for (i = 0; i < len; i++)
		s->bytes[s->len + PROTO_HEADER_LEN + i] = tbyte(s->nframes, i);
	s->len += PROTO_HEADER_LEN + len;
	s->nframes++;
}

/* A stream as a list of frames: kind and payload length. */
struct tspec {
	uint8_t		kind;
	uint32_t	len;
};

#define C(n)	{ PROTO_KIND_CONTROL, (n) }
#define D(n)	{ PROTO_KIND_DATA, (n) }

/* Control and data frames of many sizes, both kinds' maximum included. */
static const struct tspec big_spec[] = {
	C(2), D(1), C(0), D(PROTO_DATA_MAX), C(PROTO_CONTROL_MAX), D(4097),
	D(3), C(300), D(PROTO_DATA_MAX), D(5),
};

/* Small frames only, cheap enough to split at every byte boundary. */
static const struct tspec small_spec[] = {
	C(17), D(1), C(0), D(4), D(5), C(1), D(300), C(9),
};

#undef C
#undef D

static void
tstream_build(struct tstream *s, const struct tspec *spec, size_t n)
{
	size_t	i;

	memset(s, 0, sizeof *s);
	for (i = 0; i < n; i++)
		tstream_add(s, spec[i].kind, spec[i].len);
}

static void
tstream_big(struct tstream *s)
{
	tstream_build(s, big_spec, sizeof big_spec / sizeof big_spec[0]);
}

static void
tstream_small(struct tstream *s)
{
	tstream_build(s, small_spec, sizeof small_spec / sizeof small_spec[0]);
}

static void
tstream_free(struct tstream *s)
{
	free(s->bytes);
	memset(s, 0, sizeof *s);
}

/* Checks one decoded frame against frame n of the stream. */
static void
tcheck_frame(const struct tstream *s, size_t n, const struct proto_frame *f)
{
	size_t	i;

	if (n >= s->nframes)
		fail_msg("decoded frame %zu, the stream holds %zu", n,
		    s->nframes);
	if (f->kind != s->frames[n].kind || f->len != s->frames[n].len)
		fail_msg("frame %zu: kind %u len %u, want kind %u len %u", n,
		    f->kind, f->len, s->frames[n].kind, s->frames[n].len);
	for (i = 0; i < f->len; i++) {
		if (f->payload[i] != tbyte(n, i))
			fail_msg("frame %zu: payload byte %zu differs", n, i);
	}
}

/*
 * Feeds in[0..len) with the documented loop; returns how many frames came
 * out, checking each against the stream from frame *next on.
 */
static void
tfeed(struct proto_decoder *d, const struct tstream *s, const uint8_t *in,
    size_t len, size_t *next)
{
	struct proto_frame	f;
	size_t			used;
	int			r;

	while (len > 0) {
		r = proto_decoder_feed(d, in, len, &used, &f);
		if (r < 0)
			fail_msg("feed failed with %d at frame %zu", r, *next);
		if (used > len)
			fail_msg("used %zu of %zu", used, len);
		in += used;
		len -= used;
		if (r == 0) {
			assert_int_equal(len, 0);
			break;
		}
		tcheck_frame(s, *next, &f);
		(*next)++;
	}
}

/* Feeds the stream in pieces of `chunk` bytes. */
static void
tfeed_chunks(const struct tstream *s, size_t chunk)
{
	struct proto_decoder	d;
	size_t			off, n, next = 0;

	proto_decoder_init(&d);
	for (off = 0; off < s->len; off += n) {
		n = s->len - off < chunk ? s->len - off : chunk;
		tfeed(&d, s, s->bytes + off, n, &next);
	}
	if (next != s->nframes)
		fail_msg("chunk %zu: %zu frames, want %zu", chunk, next,
		    s->nframes);
	assert_true(proto_decoder_idle(&d));
	/* The buffer never outgrows the largest frame the limits allow. */
	assert_true(d.cap <= PROTO_DATA_MAX);
	proto_decoder_free(&d);
}

/* Feeds the stream as two pieces split at `at`. */
static void
tfeed_split(const struct tstream *s, size_t at)
{
	struct proto_decoder	d;
	size_t			next = 0;

	proto_decoder_init(&d);
	tfeed(&d, s, s->bytes, at, &next);
	tfeed(&d, s, s->bytes + at, s->len - at, &next);
	if (next != s->nframes)
		fail_msg("split at %zu: %zu frames, want %zu", at, next,
		    s->nframes);
	assert_true(proto_decoder_idle(&d));
	proto_decoder_free(&d);
}

/* Feeds one header (and optionally payload bytes) and returns the result. */
static int
tfeed_header(struct proto_decoder *d, uint32_t length, uint8_t kind,
    size_t *used, struct proto_frame *f)
{
	uint8_t	h[PROTO_HEADER_LEN];

	h[0] = (uint8_t)(length >> 24);
	h[1] = (uint8_t)(length >> 16);
	h[2] = (uint8_t)(length >> 8);
	h[3] = (uint8_t)length;
	h[4] = kind;
	return proto_decoder_feed(d, h, sizeof h, used, f);
}

static void
test_header_encode(void **state)
{
	uint8_t	h[PROTO_HEADER_LEN];

	(void)state;
	proto_header_encode(h, PROTO_KIND_CONTROL, 0);
	assert_memory_equal(h, "\x00\x00\x00\x01\x01", 5);
	proto_header_encode(h, PROTO_KIND_DATA, PROTO_DATA_MAX);
	assert_memory_equal(h, "\x00\x10\x00\x01\x02", 5);
	proto_header_encode(h, PROTO_KIND_CONTROL, 0x01020304);
	assert_memory_equal(h, "\x01\x02\x03\x05\x01", 5);
}

static void
test_zero_copy(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	uint8_t			in[5 + 3 + 5 + 2];
	size_t			used;

	(void)state;
	proto_header_encode(in, PROTO_KIND_CONTROL, 3);
	memcpy(in + 5, "{}x", 3);
	proto_header_encode(in + 8, PROTO_KIND_DATA, 2);
	memcpy(in + 13, "ab", 2);
	proto_decoder_init(&d);

	assert_int_equal(proto_decoder_feed(&d, in, sizeof in, &used, &f), 1);
	assert_int_equal(used, 8);
	assert_int_equal(f.kind, PROTO_KIND_CONTROL);
	assert_int_equal(f.len, 3);
	assert_ptr_equal(f.payload, in + 5);
	assert_true(proto_decoder_idle(&d));

	assert_int_equal(proto_decoder_feed(&d, in + 8, 7, &used, &f), 1);
	assert_int_equal(used, 7);
	assert_int_equal(f.kind, PROTO_KIND_DATA);
	assert_ptr_equal(f.payload, in + 13);
	/* Nothing was ever buffered, so nothing was allocated. */
	assert_null(d.buf);
	assert_int_equal(d.cap, 0);

	/* Split inside the payload: the frame comes from the decoder's buffer. */
	assert_int_equal(proto_decoder_feed(&d, in, 6, &used, &f), 0);
	assert_int_equal(used, 6);
	assert_false(proto_decoder_idle(&d));
	assert_int_equal(proto_decoder_feed(&d, in + 6, 2, &used, &f), 1);
	assert_int_equal(used, 2);
	assert_non_null(d.buf);
	assert_ptr_equal(f.payload, d.buf);
	assert_memory_equal(f.payload, "{}x", 3);

	/* Split right after the header: the payload still needs no copy. */
	assert_int_equal(proto_decoder_feed(&d, in + 8, 5, &used, &f), 0);
	assert_int_equal(proto_decoder_feed(&d, in + 13, 2, &used, &f), 1);
	assert_ptr_equal(f.payload, in + 13);
	proto_decoder_free(&d);
}

static void
test_stream_every_split(void **state)
{
	struct tstream	s;
	size_t		at;

	(void)state;
	tstream_small(&s);
	for (at = 0; at <= s.len; at++)
		tfeed_split(&s, at);
	tfeed_chunks(&s, 1);
	tstream_free(&s);
}

static void
test_stream_byte_by_byte(void **state)
{
	struct tstream	s;

	(void)state;
	tstream_big(&s);
	tfeed_chunks(&s, 1);
	tstream_free(&s);
}

static void
test_stream_chunks(void **state)
{
	static const size_t	 chunks[] = { 2, 3, 4, 5, 6, 7, 13, 64, 1000,
	    4095, 4096, 4097, 65535, 65536, 65541, 65542, 1048575, 1048581,
	    1048582, 3 * 1048576 };
	struct tstream		 s;
	size_t			 i;

	(void)state;
	tstream_big(&s);
	for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
		tfeed_chunks(&s, chunks[i]);
	tfeed_chunks(&s, s.len);
	tstream_free(&s);
}

/* Two-piece splits near every frame boundary of the stream with maximum frames. */
static void
test_stream_boundary_splits(void **state)
{
	struct tstream	s;
	size_t		i, at, edge;
	int		k;

	(void)state;
	tstream_big(&s);
	for (i = 0; i <= s.nframes; i++) {
		edge = i < s.nframes ? s.frames[i].off : s.len;
		for (k = -7; k <= 7; k++) {
			if ((k < 0 && edge < (size_t)-k) ||
			    edge + (size_t)(k > 0 ? k : 0) > s.len)
				continue;
			at = k < 0 ? edge - (size_t)-k : edge + (size_t)k;
			tfeed_split(&s, at);
		}
	}
	tstream_free(&s);
}

static void
test_truncated(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	uint8_t			in[5 + 10];
	size_t			cut, used;

	(void)state;
	proto_header_encode(in, PROTO_KIND_DATA, 10);
	memset(in + 5, 'z', 10);
	for (cut = 0; cut < sizeof in; cut++) {
		proto_decoder_init(&d);
		memset(&f, 0, sizeof f);
		assert_int_equal(proto_decoder_feed(&d, in, cut, &used, &f), 0);
		assert_int_equal(used, cut);
		assert_null(f.payload);
		/* Only the empty prefix is a clean place for a stream to end. */
		if (cut == 0)
			assert_true(proto_decoder_idle(&d));
		else
			assert_false(proto_decoder_idle(&d));
		proto_decoder_free(&d);
	}
}

static void
test_length_zero(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			used;
	uint8_t			good[6];

	(void)state;
	proto_decoder_init(&d);
	assert_int_equal(tfeed_header(&d, 0, PROTO_KIND_CONTROL, &used, &f),
	    -PROTO_E_BAD_FRAME);
	/* Sticky until reset, and takes nothing more. */
	proto_header_encode(good, PROTO_KIND_DATA, 1);
	good[5] = 'x';
	assert_int_equal(proto_decoder_feed(&d, good, sizeof good, &used, &f),
	    -PROTO_E_BAD_FRAME);
	assert_int_equal(used, 0);
	assert_int_equal(proto_decoder_feed(&d, good, 0, &used, &f),
	    -PROTO_E_BAD_FRAME);
	proto_decoder_reset(&d);
	assert_int_equal(proto_decoder_feed(&d, good, sizeof good, &used, &f),
	    1);
	assert_int_equal(f.len, 1);
	assert_int_equal(f.payload[0], 'x');
	proto_decoder_free(&d);
}

static void
test_unknown_kind(void **state)
{
	static const uint8_t	kinds[] = { 0, 3, 4, 0x7f, 0x80, 0xff };
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			i, used;

	(void)state;
	for (i = 0; i < sizeof kinds; i++) {
		proto_decoder_init(&d);
		assert_int_equal(tfeed_header(&d, 2, kinds[i], &used, &f),
		    -PROTO_E_BAD_FRAME);
		assert_null(d.buf);
		proto_decoder_free(&d);
	}
}

static void
test_empty_frames(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			used;

	(void)state;
	/* A data frame carries 1 to PROTO_DATA_MAX bytes. */
	proto_decoder_init(&d);
	assert_int_equal(tfeed_header(&d, 1, PROTO_KIND_DATA, &used, &f),
	    -PROTO_E_BAD_FRAME);
	proto_decoder_free(&d);
	/* An empty control frame is a frame; its message is judged by msg.c. */
	proto_decoder_init(&d);
	assert_int_equal(tfeed_header(&d, 1, PROTO_KIND_CONTROL, &used, &f),
	    1);
	assert_int_equal(used, 5);
	assert_int_equal(f.kind, PROTO_KIND_CONTROL);
	assert_int_equal(f.len, 0);
	assert_true(proto_decoder_idle(&d));
	proto_decoder_free(&d);
}

static void
test_over_limit(void **state)
{
	static const struct {
		uint32_t	length;		/* as in the header: payload + 1 */
		uint8_t		kind;
		int		want;		/* result after the header alone */
	} rows[] = {
		{ PROTO_CONTROL_MAX + 1, PROTO_KIND_CONTROL, 0 },
		{ PROTO_CONTROL_MAX + 2, PROTO_KIND_CONTROL, -PROTO_E_TOO_LARGE },
		{ PROTO_DATA_MAX + 1, PROTO_KIND_CONTROL, -PROTO_E_TOO_LARGE },
		{ 0xffffffffu, PROTO_KIND_CONTROL, -PROTO_E_TOO_LARGE },
		{ PROTO_DATA_MAX + 1, PROTO_KIND_DATA, 0 },
		{ PROTO_DATA_MAX + 2, PROTO_KIND_DATA, -PROTO_E_TOO_LARGE },
		{ 0x80000000u, PROTO_KIND_DATA, -PROTO_E_TOO_LARGE },
		{ 0xffffffffu, PROTO_KIND_DATA, -PROTO_E_TOO_LARGE },
	};
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			i, used;
	int			r;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		proto_decoder_init(&d);
		r = tfeed_header(&d, rows[i].length, rows[i].kind, &used, &f);
		if (r != rows[i].want)
			fail_msg("row %zu: length %u kind %u gave %d, want %d",
			    i, rows[i].length, rows[i].kind, r, rows[i].want);
		assert_int_equal(used, 5);
		/* Judged from the header alone: no memory was taken. */
		assert_null(d.buf);
		assert_int_equal(d.cap, 0);
		if (r < 0) {
			assert_int_equal(d.err, r);
			assert_int_equal(tfeed_header(&d, 2, PROTO_KIND_DATA,
			    &used, &f), r);
		}
		proto_decoder_free(&d);
	}
}

static void
test_custom_limits(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	size_t			used;

	(void)state;
	proto_decoder_init(&d);
	d.max_control = 100;
	d.max_data = 10;
	assert_int_equal(tfeed_header(&d, 101, PROTO_KIND_CONTROL, &used, &f),
	    0);
	proto_decoder_reset(&d);
	assert_int_equal(tfeed_header(&d, 102, PROTO_KIND_CONTROL, &used, &f),
	    -PROTO_E_TOO_LARGE);
	proto_decoder_reset(&d);
	assert_int_equal(tfeed_header(&d, 12, PROTO_KIND_DATA, &used, &f),
	    -PROTO_E_TOO_LARGE);
	proto_decoder_free(&d);

	/* A zeroed decoder that was never init'ed still has the protocol limits. */
	memset(&d, 0, sizeof d);
	assert_int_equal(tfeed_header(&d, PROTO_DATA_MAX + 1, PROTO_KIND_DATA,
	    &used, &f), 0);
	proto_decoder_reset(&d);
	assert_int_equal(tfeed_header(&d, PROTO_CONTROL_MAX + 2,
	    PROTO_KIND_CONTROL, &used, &f), -PROTO_E_TOO_LARGE);
	proto_decoder_free(&d);
}

/* A peer that declares a big frame and sends little costs little memory. */
static void
test_growth_follows_input(void **state)
{
	struct proto_decoder	 d;
	struct proto_frame	 f;
	uint8_t			*chunk;
	size_t			 used, sent;

	(void)state;
	chunk = calloc(1, 65536);
	assert_non_null(chunk);
	proto_decoder_init(&d);
	assert_int_equal(tfeed_header(&d, PROTO_DATA_MAX + 1, PROTO_KIND_DATA,
	    &used, &f), 0);
	assert_null(d.buf);
	assert_int_equal(proto_decoder_feed(&d, chunk, 10, &used, &f), 0);
	assert_true(d.cap >= 10 && d.cap <= 4096);
	sent = 10;
	while (sent + 65536 < PROTO_DATA_MAX) {
		assert_int_equal(proto_decoder_feed(&d, chunk, 65536, &used,
		    &f), 0);
		sent += 65536;
		assert_true(d.cap >= sent && d.cap <= 2 * sent);
	}
	assert_int_equal(proto_decoder_feed(&d, chunk, PROTO_DATA_MAX - sent,
	    &used, &f), 1);
	assert_int_equal(f.len, PROTO_DATA_MAX);
	assert_int_equal(d.cap, PROTO_DATA_MAX);
	proto_decoder_free(&d);

	/* With a limit that is no power of two the buffer still stops at the frame. */
	proto_decoder_init(&d);
	d.max_data = 60000;
	assert_int_equal(tfeed_header(&d, 60001, PROTO_KIND_DATA, &used, &f),
	    0);
	for (sent = 0; sent < 60000; sent += 1000) {
		assert_int_equal(proto_decoder_feed(&d, chunk, 1000, &used, &f),
		    sent + 1000 == 60000);
		assert_true(d.cap <= 60000);
	}
	assert_int_equal(f.len, 60000);
	proto_decoder_free(&d);
	free(chunk);
}

/* Frames before a bad header come out; the error comes when the bad one is read. */
static void
test_error_after_frames(void **state)
{
	struct proto_decoder	d;
	struct proto_frame	f;
	uint8_t			in[6 + 5];
	size_t			used;

	(void)state;
	proto_header_encode(in, PROTO_KIND_DATA, 1);
	in[5] = 'q';
	proto_header_encode(in + 6, PROTO_KIND_DATA, 0);	/* empty data */
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, in, sizeof in, &used, &f), 1);
	assert_int_equal(used, 6);
	assert_int_equal(f.payload[0], 'q');
	assert_int_equal(proto_decoder_feed(&d, in + 6, 5, &used, &f),
	    -PROTO_E_BAD_FRAME);
	assert_int_equal(proto_decoder_feed(&d, in, 6, &used, &f),
	    -PROTO_E_BAD_FRAME);
	assert_int_equal(used, 0);
	proto_decoder_free(&d);

	/* free() leaves a decoder that can be init'ed and used again. */
	proto_decoder_init(&d);
	assert_int_equal(proto_decoder_feed(&d, in, 6, &used, &f), 1);
	proto_decoder_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encode),
		cmocka_unit_test(test_zero_copy),
		cmocka_unit_test(test_stream_every_split),
		cmocka_unit_test(test_stream_byte_by_byte),
		cmocka_unit_test(test_stream_chunks),
		cmocka_unit_test(test_stream_boundary_splits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_length_zero),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_empty_frames),
		cmocka_unit_test(test_over_limit),
		cmocka_unit_test(test_custom_limits),
		cmocka_unit_test(test_growth_follows_input),
		cmocka_unit_test(test_error_after_frames),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
