/*
 * test_ui_widget.c: the list arithmetic every pane shares: keeping the
 * selection visible while scrolling, and moving a selection within bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "widget.h"

static void
test_scroll_fix(void **state)
{
	size_t	top = 0;

	(void)state;
	/* Fits: never scrolled. */
	ui_scroll_fix(&top, 3, 5, 10);
	assert_int_equal(top, 0);
	/* Selection below the window: it becomes the last visible row. */
	ui_scroll_fix(&top, 12, 40, 10);
	assert_int_equal(top, 3);
	/* Inside the window: the window stays. */
	ui_scroll_fix(&top, 8, 40, 10);
	assert_int_equal(top, 3);
	/* Above the window: it becomes the first visible row. */
	ui_scroll_fix(&top, 1, 40, 10);
	assert_int_equal(top, 1);
	/* The list shrank (peers left): no empty rows at the bottom while more is above. */
	top = 30;
	ui_scroll_fix(&top, 33, 35, 10);
	assert_int_equal(top, 25);
	/* Empty list, zero rows. */
	top = 7;
	ui_scroll_fix(&top, 0, 0, 10);
	assert_int_equal(top, 0);
	top = 7;
	ui_scroll_fix(&top, 3, 10, 0);
	assert_int_equal(top, 0);
}

static void
test_sel_move(void **state)
{
	(void)state;
	assert_int_equal(ui_sel_move(0, 1, 3), 1);
	assert_int_equal(ui_sel_move(2, 1, 3), 2);
	assert_int_equal(ui_sel_move(1, -5, 3), 0);
	assert_int_equal(ui_sel_move(0, 100, 3), 2);
	assert_int_equal(ui_sel_move(4, 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scroll_fix),
		cmocka_unit_test(test_sel_move),
	};

	return cmocka_run_group_tests_name("ui_widget", tests, NULL, NULL);
}
