/*
 * test_proto_codes.c: the stable error codes of proto.h: wire strings both
 * ways, either sign of the error, and words for people.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static void
test_code_names(void **state)
{
	static const struct {
		int		 err;
		const char	*code;
	} rows[] = {
#define ROW(sym, code, text) { PROTO_E_##sym, code },
		PROTO_ERRORS(ROW)
#undef ROW
	};
	size_t	i;

	(void)state;
	assert_int_equal(sizeof rows / sizeof rows[0], PROTO_E_COUNT - 1);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_string_equal(proto_code_name(rows[i].err), rows[i].code);
		assert_string_equal(proto_code_name(-rows[i].err),
		    rows[i].code);
		assert_int_equal(proto_code_parse(rows[i].code), rows[i].err);
	}
	/* The strings clients match on never change. */
	assert_string_equal(proto_code_name(-PROTO_E_BAD_FRAME), "bad_frame");
	assert_string_equal(proto_code_name(PROTO_E_VERIFY), "verify_failed");
	assert_string_equal(proto_code_name(PROTO_E_NO_SUCH_TRANSFER),
	    "no_such_transfer");
	assert_int_equal(PROTO_E_BAD_FRAME, 1);
}

static void
test_code_unknown(void **state)
{
	(void)state;
	assert_null(proto_code_name(0));
	assert_null(proto_code_name(PROTO_E_COUNT));
	assert_null(proto_code_name(-PROTO_E_COUNT));
	assert_null(proto_code_name(12345));
	assert_null(proto_code_name(-2147483647 - 1));
	assert_int_equal(proto_code_parse("no_such_code"), 0);
	assert_int_equal(proto_code_parse(""), 0);
	assert_int_equal(proto_code_parse("BAD_FRAME"), 0);
	assert_int_equal(proto_code_parse("bad_frame "), 0);
	assert_int_equal(proto_code_parse(NULL), 0);
}

static void
test_strerror(void **state)
{
	int	i;

	(void)state;
	assert_string_equal(proto_strerror(-PROTO_E_TOO_LARGE),
	    "frame over the size limit");
	assert_string_equal(proto_strerror(PROTO_E_TOO_LARGE),
	    "frame over the size limit");
	for (i = 1; i < PROTO_E_COUNT; i++) {
		assert_non_null(proto_strerror(-i));
		assert_true(strlen(proto_strerror(-i)) > 0);
	}
	/* Never NULL, so it can go straight into a format. */
	assert_non_null(proto_strerror(0));
	assert_non_null(proto_strerror(9999));
	assert_non_null(proto_strerror(-9999));
	assert_non_null(proto_strerror(-2147483647 - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_names),
		cmocka_unit_test(test_code_unknown),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("proto codes", tests, NULL, NULL);
}
