/*
 * test_ui_fmt.c: the TUI's pure text helpers: human sizes, rates, ETAs,
 * UTF-8 fitting to a column width, progress bar glyphs, natural name order.
 */
#include <locale.h>
#include <setjmp.h>
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

static void
test_fit(void **state)
{
	char	out[64];

	(void)state;
	/* Fits: unchanged. */
	assert_int_equal(ui_text_fit("hello", 5, out, sizeof out), 5);
	assert_string_equal(out, "hello");
	/* Too long: cut with an ellipsis, exactly cols wide. */
	assert_int_equal(ui_text_fit("hello world", 8, out, sizeof out), 8);
	assert_string_equal(out, "hello w\xe2\x80\xa6");
	/* Two-column characters never get split: 日本語 in 5 columns is 日本…. */
	assert_int_equal(ui_text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5,
	    out, sizeof out), 5);
	assert_string_equal(out, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
	/* In 4 columns only 日 fits before the ellipsis: width 3, not a broken 本. */
	assert_int_equal(ui_text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4,
	    out, sizeof out), 3);
	assert_string_equal(out, "\xe6\x97\xa5\xe2\x80\xa6");
	/* Multi-byte characters at the edge stay whole. */
	assert_int_equal(ui_text_fit("caf\xc3\xa9s au lait", 5, out, sizeof out), 5);
	assert_string_equal(out, "caf\xc3\xa9\xe2\x80\xa6");
	/* Control characters and malformed bytes are shown as '?'. */
	assert_int_equal(ui_text_fit("a\x1b[2Jb\xff", 10, out, sizeof out), 7);
	assert_string_equal(out, "a?[2Jb?");
	/* Degenerate widths. */
	assert_int_equal(ui_text_fit("hello", 0, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(ui_text_fit("hello", 1, out, sizeof out), 1);
	assert_string_equal(out, "\xe2\x80\xa6");
	/* A small output buffer is never overrun and stays terminated. */
	ui_text_fit("abcdefghij", 10, out, 4);
	assert_string_equal(out, "abc");
}

static void
test_pad(void **state)
{
	char	out[64];

	(void)state;
	assert_int_equal(ui_text_pad("ab", 5, out, sizeof out), 5);
	assert_string_equal(out, "ab   ");
	/* 日本 in 3 columns: 日… fills 3 exactly. */
	assert_int_equal(ui_text_pad("\xe6\x97\xa5\xe6\x9c\xac", 3, out, sizeof out), 3);
	assert_string_equal(out, "\xe6\x97\xa5\xe2\x80\xa6");
	/* 日本語 in 4 columns: 日… is 3 wide, padded to 4. */
	assert_int_equal(ui_text_pad("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4,
	    out, sizeof out), 4);
	assert_string_equal(out, "\xe6\x97\xa5\xe2\x80\xa6 ");
}

static void
test_fit_left(void **state)
{
	char	out[64];

	(void)state;
	assert_int_equal(ui_text_fit_left("/home/me", 20, out, sizeof out), 8);
	assert_string_equal(out, "/home/me");
	assert_int_equal(ui_text_fit_left("/home/me/projects/ferry", 10, out,
	    sizeof out), 10);
	assert_string_equal(out, "\xe2\x80\xa6" "cts/ferry");
	/* 日本語 is 6 columns: in 4, the front is dropped whole: …語 (3 wide). */
	assert_int_equal(ui_text_fit_left("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    4, out, sizeof out), 3);
	assert_string_equal(out, "\xe2\x80\xa6\xe8\xaa\x9e");
	assert_int_equal(ui_text_fit_left("abc", 0, out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void
test_bar(void **state)
{
	char	out[128];

	(void)state;
	assert_int_equal(ui_bar_render(0, 10, false, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(ui_bar_render(1, 4, false, out, sizeof out), 4);
	assert_string_equal(out, "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88");
	/* 0.45 of 4 cells = 1.8 cells = one full block and six eighths (▊). */
	assert_int_equal(ui_bar_render(0.45, 4, false, out, sizeof out), 2);
	assert_string_equal(out, "\xe2\x96\x88\xe2\x96\x8a");
	/* 1/80 of 10 cells is one eighth: ▏. */
	assert_int_equal(ui_bar_render(1.0 / 80, 10, false, out, sizeof out), 1);
	assert_string_equal(out, "\xe2\x96\x8f");
	/* Out of range and NaN are clamped. */
	assert_int_equal(ui_bar_render(7, 3, false, out, sizeof out), 3);
	assert_int_equal(ui_bar_render(0.0 / 0.0, 3, false, out, sizeof out), 0);
	assert_int_equal(ui_bar_render(-1, 3, false, out, sizeof out), 0);
	/* ASCII fallback rounds half cells up. */
	assert_int_equal(ui_bar_render(0.45, 4, true, out, sizeof out), 2);
	assert_string_equal(out, "##");
	assert_int_equal(ui_bar_render(0.3, 4, true, out, sizeof out), 1);
	assert_string_equal(out, "#");
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
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_fit_left),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_name_cmp),
	};

	/* Widths of non-ASCII characters come from the locale's wcwidth. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "en_US.UTF-8");
	return cmocka_run_group_tests_name("ui_fmt", tests, NULL, NULL);
}
