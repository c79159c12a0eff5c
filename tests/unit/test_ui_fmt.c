/*
 * test_ui_fmt.c: the front ends' pure text helpers: rates, progress, UTF-8
 * fitting to a column width, progress bar glyphs, natural name order.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

static void
test_home(void **state)
{
	char	b[64];

	(void)state;
	ui_fmt_home(b, sizeof b, "/home/ann", "/home/ann");
	assert_string_equal(b, "~");
	ui_fmt_home(b, sizeof b, "/home/ann/Downloads", "/home/ann");
	assert_string_equal(b, "~/Downloads");
	/* A sibling that merely starts with the same letters is not home. */
	ui_fmt_home(b, sizeof b, "/home/annex/x", "/home/ann");
	assert_string_equal(b, "/home/annex/x");
	/* HOME of "/" or unset shortens nothing. */
	ui_fmt_home(b, sizeof b, "/srv/in", "/");
	assert_string_equal(b, "/srv/in");
	ui_fmt_home(b, sizeof b, "/srv/in", NULL);
	assert_string_equal(b, "/srv/in");
}

static void
test_rate(void **state)
{
	char	b[32];

	(void)state;
	ui_fmt_rate(b, sizeof b, -1);
	assert_string_equal(b, "-");
	ui_fmt_rate(b, sizeof b, 0);
	assert_string_equal(b, "0 B/s");
	ui_fmt_rate(b, sizeof b, 1.25 * 1048576);
	assert_string_equal(b, "1.2 MiB/s");
}

static void
test_progress(void **state)
{
	char	b[48];

	(void)state;
	ui_fmt_progress(b, sizeof b, 4718592, 10485760);
	assert_string_equal(b, "4.5/10.0 MiB");
	ui_fmt_progress(b, sizeof b, 524288, 1073741824);
	assert_string_equal(b, "512.0 KiB/1.0 GiB");
	ui_fmt_progress(b, sizeof b, 10, 20);
	assert_string_equal(b, "10/20 B");
	/* done is clamped to total. */
	ui_fmt_progress(b, sizeof b, 30, 20);
	assert_string_equal(b, "20/20 B");
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(ui_text_width(""), 0);
	assert_int_equal(ui_text_width("report.pdf"), 10);
	assert_int_equal(ui_text_width("caf\xc3\xa9"), 4);		/* café */
	assert_int_equal(ui_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);	/* 日本 */
	assert_int_equal(ui_text_width("e\xcc\x81"), 1);		/* e + combining acute */
	assert_int_equal(ui_text_width("a\tb"), 3);
	assert_int_equal(ui_text_width("\xff"), 1);
}

typedef int (*fit_fn)(const char *, int, char *, size_t);

/* One call of a fitting function and what it must give. */
struct fit_case {
	const char	*what;
	fit_fn		 fn;
	const char	*in;
	int		 cols;
	int		 width;		/* returned */
	const char	*out;
};

#define JA	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"	/* 日本語, 6 columns */
#define ELL	"\xe2\x80\xa6"				/* …, 1 column */

static const struct fit_case fit_cases[] = {
	{ "fits: unchanged", ui_text_fit, "hello", 5, 5, "hello" },
	{ "too long: cut with an ellipsis, exactly cols wide", ui_text_fit,
	    "hello world", 8, 8, "hello w" ELL },
	{ "two-column characters never get split: 日本…", ui_text_fit,
	    JA, 5, 5, "\xe6\x97\xa5\xe6\x9c\xac" ELL },
	{ "in 4 columns only 日 fits before the ellipsis, not a broken 本",
	    ui_text_fit, JA, 4, 3, "\xe6\x97\xa5" ELL },
	{ "multi-byte characters at the edge stay whole", ui_text_fit,
	    "caf\xc3\xa9s au lait", 5, 5, "caf\xc3\xa9" ELL },
	{ "control characters and malformed bytes are shown as '?'",
	    ui_text_fit, "a\x1b[2Jb\xff", 10, 7, "a?[2Jb?" },
	{ "no columns", ui_text_fit, "hello", 0, 0, "" },
	{ "one column: the ellipsis alone", ui_text_fit, "hello", 1, 1, ELL },

	{ "narrower: padded", ui_text_pad, "ab", 5, 5, "ab   " },
	{ "日本 in 3 columns: 日… fills 3 exactly", ui_text_pad,
	    "\xe6\x97\xa5\xe6\x9c\xac", 3, 3, "\xe6\x97\xa5" ELL },
	{ "日本語 in 4 columns: 日… is 3 wide, padded to 4", ui_text_pad,
	    JA, 4, 4, "\xe6\x97\xa5" ELL " " },

	{ "fits: unchanged", ui_text_fit_left, "/home/me", 20, 8, "/home/me" },
	{ "the end of a path is kept", ui_text_fit_left,
	    "/home/me/projects/ferry", 10, 10, ELL "cts/ferry" },
	{ "the front is dropped whole: …語 (3 wide)", ui_text_fit_left,
	    JA, 4, 3, ELL "\xe8\xaa\x9e" },
	{ "no columns", ui_text_fit_left, "abc", 0, 0, "" },
};

static void
test_fit(void **state)
{
	const struct fit_case	*c;
	char			 out[64];
	size_t			 i;
	int			 w;

	(void)state;
	for (i = 0; i < sizeof fit_cases / sizeof fit_cases[0]; i++) {
		c = &fit_cases[i];
		w = c->fn(c->in, c->cols, out, sizeof out);
		if (w != c->width || strcmp(out, c->out) != 0) {
			print_error("case %zu (%s): got width %d \"%s\", want %d \"%s\"\n",
			    i, c->what, w, out, c->width, c->out);
			fail();
		}
	}
	/* A small output buffer is never overrun and stays terminated. */
	ui_text_fit("abcdefghij", 10, out, 4);
	assert_string_equal(out, "abc");
}

#define BLOCK	"\xe2\x96\x88"	/* █, a full cell */

static void
test_bar(void **state)
{
	static const struct {
		double		 frac;
		int		 cols;
		bool		 ascii;
		int		 cells;		/* returned */
		const char	*out;
	} cases[] = {
		{ 0, 10, false, 0, "" },
		{ 1, 4, false, 4, BLOCK BLOCK BLOCK BLOCK },
		/* 0.45 of 4 cells = 1.8 cells = one full block and six eighths (▊). */
		{ 0.45, 4, false, 2, BLOCK "\xe2\x96\x8a" },
		/* 1/80 of 10 cells is one eighth: ▏. */
		{ 1.0 / 80, 10, false, 1, "\xe2\x96\x8f" },
		/* Out of range and NaN are clamped. */
		{ 7, 3, false, 3, BLOCK BLOCK BLOCK },
		{ NAN, 3, false, 0, "" },
		{ -1, 3, false, 0, "" },
		/* ASCII fallback rounds half cells up. */
		{ 0.45, 4, true, 2, "##" },
		{ 0.3, 4, true, 1, "#" },
	};
	char	out[128];
	size_t	i;
	int	n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = ui_bar_render(cases[i].frac, cases[i].cols, cases[i].ascii,
		    out, sizeof out);
		if (n != cases[i].cells || strcmp(out, cases[i].out) != 0) {
			print_error("case %zu (%g of %d): got %d \"%s\", want %d \"%s\"\n",
			    i, cases[i].frac, cases[i].cols, n, out,
			    cases[i].cells, cases[i].out);
			fail();
		}
	}
}

static void
test_name_cmp(void **state)
{
	(void)state;
	assert_true(ui_name_cmp("a2", "a10") < 0);
	assert_true(ui_name_cmp("a10", "a2") > 0);
	assert_true(ui_name_cmp("file", "File2") < 0);
	assert_true(ui_name_cmp("apple", "Banana") < 0);
	assert_true(ui_name_cmp("Banana", "apple") > 0);
	assert_true(ui_name_cmp("x", "x") == 0);
	assert_true(ui_name_cmp("a", "ab") < 0);
	assert_true(ui_name_cmp("img007", "img7") != 0);
	assert_true(ui_name_cmp("img9", "img010") < 0);
	/* Ties in case are broken by bytes, so the order is total. */
	assert_true(ui_name_cmp("README", "readme") < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_name_cmp),
	};

	/* Widths of non-ASCII characters come from the locale's wcwidth. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "en_US.UTF-8");
	return cmocka_run_group_tests_name("ui_fmt", tests, NULL, NULL);
}
