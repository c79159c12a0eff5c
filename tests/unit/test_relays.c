/*
 * test_relays.c: the relay pins (src/relays.c) in a scratch folder: a
 * first contact pins the key (file 0600, folder made 0700), the same key
 * is known afterwards, a changed key is refused with both fingerprints and
 * the line to delete and leaves the file as it was, --relay-fingerprint
 * accepts only its key and replaces an old pin on the user's word, a CA's
 * word needs no pin, a file others may change is not trusted, and typed
 * fingerprints match with dashes, case and look-alikes ignored.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "keyfile.h"
#include "relays.h"
#include "scratch.h"

/* Two made-up keys' names: only the fingerprints matter here. */
static struct proto_key_names	key_a, key_b;

static void
names_for(struct proto_key_names *n, uint8_t seed)
{
	uint8_t	raw[PROTO_KEY_RAW_LEN];

	memset(raw, seed, sizeof raw);
	assert_int_equal(proto_key_names_raw(raw, n), 0);
}

static int
setup(void **state)
{
	names_for(&key_a, 1);
	names_for(&key_b, 2);
	return scratch_setup(state);
}

/* The whole file, NUL-terminated, into buf. */
static void
slurp(const char *path, char *buf, size_t len)
{
	FILE	*f = fopen(path, "r");
	size_t	 n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
test_first_contact_then_known(void **state)
{
	char	file[600], dir[512], msg[2048], body[1024], want[256];

	(void)state;
	snprintf(dir, sizeof dir, "%s/cfg", scratch_dir);
	snprintf(file, sizeof file, "%s/known_relays", dir);
	assert_int_equal(client_relays_check(file, "10.0.0.1:7117", &key_a,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	assert_non_null(strstr(msg, "first contact with relay 10.0.0.1:7117"));
	assert_non_null(strstr(msg, key_a.short_fpr));
	assert_int_equal(scratch_mode(file), 0600);
	assert_int_equal(scratch_mode(dir), 0700);
	slurp(file, body, sizeof body);
	snprintf(want, sizeof want, "10.0.0.1:7117 %s\n", key_a.fingerprint);
	assert_string_equal(body, want);

	assert_int_equal(client_relays_check(file, "10.0.0.1:7117", &key_a,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_KNOWN);
	assert_string_equal(msg, "");
	/* Another port is another relay: a first contact of its own. */
	assert_int_equal(client_relays_check(file, "10.0.0.1:7118", &key_b,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	assert_int_equal(client_relays_check(file, "10.0.0.1:7117", &key_a,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_KNOWN);
}

static void
test_changed_key_refused(void **state)
{
	char	file[512], msg[2048], before[1024], after[1024];

	(void)state;
	snprintf(file, sizeof file, "%s/known_relays", scratch_dir);
	assert_int_equal(client_relays_check(file, "relay.example:7117", &key_a,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	slurp(file, before, sizeof before);
	assert_int_equal(client_relays_check(file, "relay.example:7117", &key_b,
	    false, NULL, msg, sizeof msg), CLIENT_RELAY_REFUSED);
	assert_non_null(strstr(msg, "THE KEY OF RELAY relay.example:7117 HAS CHANGED"));
	assert_non_null(strstr(msg, key_a.fingerprint));
	assert_non_null(strstr(msg, key_b.fingerprint));
	assert_non_null(strstr(msg, "delete line 1 of"));
	assert_non_null(strstr(msg, "--relay-fingerprint"));
	slurp(file, after, sizeof after);
	assert_string_equal(before, after);
	/* A CA's word for the DNS name needs no pin, and overrides none. */
	assert_int_equal(client_relays_check(file, "relay.example:7117", &key_b,
	    true, NULL, msg, sizeof msg), CLIENT_RELAY_KNOWN);
	slurp(file, after, sizeof after);
	assert_string_equal(before, after);
}

static void
test_expected_fingerprint(void **state)
{
	char	file[512], msg[2048], body[1024], typed[64], want[512];

	(void)state;
	snprintf(file, sizeof file, "%s/known_relays", scratch_dir);
	/* The wrong one is refused even on first contact, and pins nothing. */
	assert_int_equal(client_relays_check(file, "h:1", &key_a, false,
	    key_b.fingerprint, msg, sizeof msg), CLIENT_RELAY_REFUSED);
	assert_non_null(strstr(msg, "not the one --relay-fingerprint names"));
	assert_int_equal(access(file, F_OK), -1);
	/* Even a CA's word does not override it. */
	assert_int_equal(client_relays_check(file, "h:1", &key_a, true,
	    key_b.short_fpr, msg, sizeof msg), CLIENT_RELAY_REFUSED);
	/* The short form, typed in lower case, is enough. */
	snprintf(typed, sizeof typed, "%s", key_a.short_fpr);
	for (char *p = typed; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	assert_int_equal(client_relays_check(file, "h:1", &key_a, false,
	    typed, msg, sizeof msg), CLIENT_RELAY_PINNED);
	/* ... and replaces an old pin on the user's word. */
	assert_int_equal(client_relays_check(file, "h:2", &key_a, false,
	    NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	assert_int_equal(client_relays_check(file, "h:1", &key_b, false,
	    key_b.fingerprint, msg, sizeof msg), CLIENT_RELAY_REPINNED);
	slurp(file, body, sizeof body);
	snprintf(want, sizeof want, "h:2 %s\nh:1 %s\n", key_a.fingerprint,
	    key_b.fingerprint);
	assert_string_equal(body, want);
	assert_int_equal(scratch_mode(file), 0600);
	assert_int_equal(client_relays_check(file, "h:1", &key_b, false,
	    NULL, msg, sizeof msg), CLIENT_RELAY_KNOWN);
}

static void
test_untrusted_file(void **state)
{
	char	file[512], msg[2048];

	(void)state;
	snprintf(file, sizeof file, "%s/known_relays", scratch_dir);
	assert_int_equal(client_relays_check(file, "h:1", &key_a, false,
	    NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	assert_int_equal(chmod(file, 0666), 0);
	assert_int_equal(client_relays_check(file, "h:1", &key_a, false,
	    NULL, msg, sizeof msg), CLIENT_RELAY_REFUSED);
	assert_non_null(strstr(msg, "chmod 600"));
	/* No file to keep pins in: told so, never silently accepted as known. */
	assert_int_equal(client_relays_check(NULL, "h:1", &key_a, false,
	    NULL, msg, sizeof msg), CLIENT_RELAY_PINNED);
	assert_non_null(strstr(msg, "not pinned"));
}

static void
test_typed_fingerprints(void **state)
{
	char	typed[80];

	(void)state;
	assert_true(client_fpr_match(key_a.fingerprint, key_a.fingerprint));
	assert_true(client_fpr_match(key_a.short_fpr, key_a.fingerprint));
	assert_false(client_fpr_match(key_b.short_fpr, key_a.fingerprint));
	/* 15 characters are too few to name a key. */
	snprintf(typed, sizeof typed, "%.15s", key_a.fingerprint);
	assert_false(client_fpr_match(typed, key_a.fingerprint));
	assert_false(client_fpr_valid(typed));
	assert_true(client_fpr_valid(key_a.short_fpr));
	assert_false(client_fpr_valid("ABCD-EFGH-JKMN-PQRU"));	/* U is not in it */
	/* Crockford's look-alikes: O is 0, I and L are 1. */
	snprintf(typed, sizeof typed, "%s", key_a.fingerprint);
	for (char *p = typed; *p != '\0'; p++)
		if (*p == '0')
			*p = 'o';
		else if (*p == '1')
			*p = 'L';
	assert_true(client_fpr_match(typed, key_a.fingerprint));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_first_contact_then_known,
		    setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_changed_key_refused,
		    setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_expected_fingerprint,
		    setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_file,
		    setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_typed_fingerprints,
		    setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
