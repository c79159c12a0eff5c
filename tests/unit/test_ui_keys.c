/*
 * test_ui_keys.c: the key table behind the TUI, the help overlay and the
 * status line hints: lookups per context, no key bound twice in one context,
 * and every action a context can trigger is documented in the help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "keys.h"

static const unsigned contexts[] = {
	UI_CTX_PEERS, UI_CTX_FILES, UI_CTX_XFERS, UI_CTX_OFFER, UI_CTX_HELP
};

static void
test_lookup(void **state)
{
	(void)state;
	/* The keys the issue names. */
	assert_int_equal(ui_key_action(UI_FKEY(KEY_DOWN), UI_CTX_PEERS), UI_ACT_DOWN);
	assert_int_equal(ui_key_action('j', UI_CTX_PEERS), UI_ACT_DOWN);
	assert_int_equal(ui_key_action('k', UI_CTX_XFERS), UI_ACT_UP);
	assert_int_equal(ui_key_action('\t', UI_CTX_FILES), UI_ACT_NEXT_PANE);
	assert_int_equal(ui_key_action(UI_FKEY(KEY_BTAB), UI_CTX_FILES), UI_ACT_PREV_PANE);
	assert_int_equal(ui_key_action('\n', UI_CTX_FILES), UI_ACT_OPEN);
	assert_int_equal(ui_key_action(UI_FKEY(KEY_BACKSPACE), UI_CTX_FILES), UI_ACT_PARENT);
	assert_int_equal(ui_key_action(' ', UI_CTX_FILES), UI_ACT_MARK);
	assert_int_equal(ui_key_action('.', UI_CTX_FILES), UI_ACT_HIDDEN);
	assert_int_equal(ui_key_action('/', UI_CTX_FILES), UI_ACT_FILTER);
	assert_int_equal(ui_key_action('s', UI_CTX_FILES), UI_ACT_SEND);
	assert_int_equal(ui_key_action('s', UI_CTX_PEERS), UI_ACT_SEND);
	assert_int_equal(ui_key_action('x', UI_CTX_XFERS), UI_ACT_CANCEL);
	assert_int_equal(ui_key_action('c', UI_CTX_XFERS), UI_ACT_CLEAR);
	assert_int_equal(ui_key_action('?', UI_CTX_PEERS), UI_ACT_HELP);
	assert_int_equal(ui_key_action('q', UI_CTX_XFERS), UI_ACT_QUIT);
	assert_int_equal(ui_key_action('y', UI_CTX_OFFER), UI_ACT_ACCEPT);
	assert_int_equal(ui_key_action('n', UI_CTX_OFFER), UI_ACT_DECLINE);
	/* A pane gives a key its own meaning: h goes up in Files only. */
	assert_int_equal(ui_key_action('h', UI_CTX_FILES), UI_ACT_PARENT);
	assert_int_equal(ui_key_action('h', UI_CTX_PEERS), UI_ACT_NONE);
	/* c clears only in Transfers; q closes the help instead of quitting. */
	assert_int_equal(ui_key_action('c', UI_CTX_FILES), UI_ACT_NONE);
	assert_int_equal(ui_key_action('q', UI_CTX_HELP), UI_ACT_CLOSE);
	/* The offer dialog takes no pane keys. */
	assert_int_equal(ui_key_action('q', UI_CTX_OFFER), UI_ACT_NONE);
	assert_int_equal(ui_key_action('s', UI_CTX_OFFER), UI_ACT_NONE);
	/* Characters and function keys never collide: KEY_DOWN's number as a character is nothing. */
	assert_int_equal(ui_key_action(KEY_DOWN, UI_CTX_FILES), UI_ACT_NONE);
}

static void
test_no_shadowed_rows(void **state)
{
	const struct ui_binding	*b;
	size_t			 n, i, j, c;

	(void)state;
	b = ui_key_table(&n);
	/* A later row for the same key and context would never be reached. */
	for (c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
		for (i = 0; i < n; i++) {
			if (!(b[i].ctx & contexts[c]))
				continue;
			for (j = i + 1; j < n; j++) {
				if ((b[j].ctx & contexts[c]) && b[j].key == b[i].key &&
				    b[j].action != b[i].action) {
					print_error("key %#x in context %#x: row %zu shadows row %zu\n",
					    b[i].key, contexts[c], i, j);
					fail();
				}
			}
		}
	}
}

/* Actions whose help row is their partner's ("PgUp PgDn  move a page up or down"). */
static enum ui_action
partner(enum ui_action a)
{
	switch (a) {
	case UI_ACT_DOWN:
		return UI_ACT_UP;
	case UI_ACT_PGDN:
		return UI_ACT_PGUP;
	case UI_ACT_END:
		return UI_ACT_HOME;
	case UI_ACT_PREV_PANE:
		return UI_ACT_NEXT_PANE;
	case UI_ACT_FOCUS_FILES:
	case UI_ACT_FOCUS_XFERS:
		return UI_ACT_FOCUS_PEERS;
	default:
		return a;
	}
}

static void
test_help_covers_every_action(void **state)
{
	const struct ui_binding	*b;
	size_t			 n, i, j;
	bool			 documented;
	enum ui_action		 a;

	(void)state;
	b = ui_key_table(&n);
	for (i = 0; i < n; i++) {
		/* Hints and labels go together, and a labelled row has a sentence. */
		if (b[i].hint != NULL)
			assert_non_null(b[i].label);
		if (b[i].label != NULL) {
			assert_non_null(b[i].help);
			assert_true(strlen(b[i].help) > 0);
		}
		/* The help overlay's own keys are shown in its frame, not as rows. */
		if (b[i].ctx == UI_CTX_HELP)
			continue;
		documented = false;
		for (j = 0; j < n && !documented; j++) {
			a = b[j].action;
			documented = b[j].label != NULL && (b[j].ctx & b[i].ctx) != 0 &&
			    (a == b[i].action || a == partner(b[i].action));
		}
		/* Aliases of documented keys in a wider context are fine too (s, x everywhere). */
		for (j = 0; j < n && !documented; j++)
			documented = b[j].label != NULL && b[j].action == b[i].action;
		if (!documented) {
			print_error("row %zu (key %#x, action %d) is in no help row\n",
			    i, b[i].key, b[i].action);
			fail();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_no_shadowed_rows),
		cmocka_unit_test(test_help_covers_every_action),
	};

	return cmocka_run_group_tests_name("ui_keys", tests, NULL, NULL);
}
