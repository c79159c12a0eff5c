/*
 * test_identity.c: the client's Ed25519 identity (src/identity.c) in a
 * scratch folder: created once with private modes and then reloaded, the
 * fingerprint is the SHA-256 of the raw public key, and a key others could
 * read, a folder others may enter, a symlink, a file with no key or with
 * another kind of key are refused with a sentence that says what to do.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "digest.h"
#include "identity.h"
#include "scratch.h"
#include "text.h"

static void
path_in(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", scratch_dir, rel);
}

static void
test_create_and_reload(void **state)
{
	struct client_identity	*a, *b;
	char			 path[512], sub[512], err[512];
	bool			 created;

	(void)state;
	path_in(path, sizeof path, "cfg/ferry/identity.pem");
	path_in(sub, sizeof sub, "cfg/ferry");
	assert_int_equal(client_identity_load(path, true, &a, &created, err,
	    sizeof err), 0);
	assert_true(created);
	assert_int_equal(scratch_mode(path), 0600);
	assert_int_equal(scratch_mode(sub), 0700);
	assert_int_equal(strlen(a->names.fingerprint), PROTO_FPR_LEN);
	assert_int_equal(strlen(a->names.short_fpr), PROTO_FPR_SHORT_LEN);
	assert_memory_equal(a->names.short_fpr, a->names.fingerprint, 4);
	assert_int_equal(a->names.short_fpr[4], '-');
	assert_string_equal(a->path, path);

	assert_int_equal(client_identity_load(path, true, &b, &created, err,
	    sizeof err), 0);
	assert_false(created);
	assert_string_equal(a->names.fingerprint,
	    b->names.fingerprint);
	assert_string_equal(a->names.keyline, b->names.keyline);
	client_identity_free(b);

	/* Another file is another key. */
	path_in(path, sizeof path, "other.pem");
	assert_int_equal(client_identity_load(path, false, &b, &created, err,
	    sizeof err), 0);
	assert_true(created);
	assert_string_not_equal(a->names.fingerprint,
	    b->names.fingerprint);
	client_identity_free(b);
	client_identity_free(a);
}

/* The fingerprint and key line, computed here from the PEM file itself. */
static void
test_fingerprint_is_the_key(void **state)
{
	struct client_identity	*id;
	char			 path[512], err[512], fpr[64], line[80];
	uint8_t			 raw[32], md[32];
	unsigned char		 b64[48];
	size_t			 rawlen = sizeof raw;
	unsigned		 mdlen = sizeof md;
	EVP_PKEY		*key;
	FILE			*f;

	(void)state;
	path_in(path, sizeof path, "k.pem");
	assert_int_equal(client_identity_load(path, false, &id, NULL, err,
	    sizeof err), 0);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(key = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	fclose(f);
	assert_int_equal(EVP_PKEY_get_id(key), EVP_PKEY_ED25519);
	assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &rawlen), 1);
	assert_int_equal(EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL), 1);
	EVP_PKEY_free(key);
	assert_string_equal(id->names.fingerprint,
	    proto_fmt_base32(md, sizeof md, fpr));
	EVP_EncodeBlock(b64, raw, (int)rawlen);
	snprintf(line, sizeof line, "ferry-ed25519 %s", b64);
	assert_string_equal(id->names.keyline, line);
	client_identity_free(id);
}

/* load must fail with a message holding want; nothing is created or changed. */
static void
refused(const char *path, bool private_dir, const char *want)
{
	struct client_identity	*id = (void *)1;
	char			 err[512] = "";

	assert_int_not_equal(client_identity_load(path, private_dir, &id, NULL,
	    err, sizeof err), 0);
	assert_null(id);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, want);
}

static void
test_refusals(void **state)
{
	struct client_identity	*id;
	char			 path[512], sub[512], other[512], err[512];
	EVP_PKEY		*x;
	FILE			*f;

	(void)state;
	path_in(path, sizeof path, "cfg/ferry/identity.pem");
	path_in(sub, sizeof sub, "cfg/ferry");
	assert_int_equal(client_identity_load(path, true, &id, NULL, err,
	    sizeof err), 0);
	client_identity_free(id);

	assert_int_equal(chmod(path, 0644), 0);
	refused(path, true, "chmod 600");
	assert_int_equal(chmod(path, 0640), 0);
	refused(path, false, "chmod 600");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chmod(sub, 0755), 0);
	refused(path, true, "chmod 700");
	assert_int_equal(chmod(sub, 0700), 0);

	path_in(other, sizeof other, "link.pem");
	assert_int_equal(symlink(path, other), 0);
	refused(other, false, "symbolic link");

	path_in(other, sizeof other, "junk.pem");
	assert_non_null(f = fopen(other, "w"));
	fputs("not a key\n", f);
	fclose(f);
	assert_int_equal(chmod(other, 0600), 0);
	refused(other, false, "no private key");

	path_in(other, sizeof other, "x25519.pem");
	assert_non_null(x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
	assert_non_null(f = fopen(other, "w"));
	assert_int_equal(PEM_write_PrivateKey(f, x, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(x);
	assert_int_equal(chmod(other, 0600), 0);
	refused(other, false, "not Ed25519");

	path_in(other, sizeof other, "cfg");
	refused(other, false, "not a regular file");
	refused("", false, "no identity file");

	/* After the refusals the good key still loads. */
	assert_int_equal(client_identity_load(path, true, &id, NULL, err,
	    sizeof err), 0);
	client_identity_free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_reload, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_is_the_key, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
