/*
 * test_store_resume.c: the receiver's kept parts in a scratch folder: the
 * resume folder is made 0700 and refused when others may use it or it is
 * a link; a key names one file from one sender (another sender, size or
 * time gives another key); a part is found again after its holder closed
 * it, never while it is locked, never when it is longer than the file;
 * commit_from moves it out without replacing anything; the age cleanup
 * removes old parts only and says what each was.
 */
#define _GNU_SOURCE
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "scratch.h"
#include "store.h"

static const uint8_t	alice[32] = { 1, 2, 3 }, bob[32] = { 9, 9, 9 };

static void
rdir_of(char *out, size_t len)
{
	char	why[256];

	assert_int_equal(client_store_resume_dir(scratch_dir, out, len, why,
	    sizeof why), 0);
}

static void
test_dir_rules(void **state)
{
	char		rdir[PATH_MAX], why[256], p[PATH_MAX];

	(void)state;
	rdir_of(rdir, sizeof rdir);
	assert_int_equal(scratch_mode(rdir), 0700);
	/* Others may use it: refused, and the message says how to fix it. */
	assert_int_equal(chmod(rdir, 0755), 0);
	assert_int_equal(client_store_resume_dir(scratch_dir, p, sizeof p, why,
	    sizeof why), UV_EPERM);
	assert_non_null(strstr(why, "chmod 700"));
	assert_int_equal(rmdir(rdir), 0);
	/* A link planted in its place is never followed. */
	assert_int_equal(symlink("/tmp", rdir), 0);
	assert_int_not_equal(client_store_resume_dir(scratch_dir, p, sizeof p,
	    why, sizeof why), 0);
	assert_int_equal(unlink(rdir), 0);
}

static void
test_keys(void **state)
{
	char	a[STORE_RESUME_KEY_LEN + 1], b[STORE_RESUME_KEY_LEN + 1];

	(void)state;
	assert_int_equal(client_store_resume_key(alice, "a.bin", 10, 5, a), 0);
	assert_int_equal(strlen(a), STORE_RESUME_KEY_LEN);
	assert_int_equal(client_store_resume_key(alice, "a.bin", 10, 5, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(client_store_resume_key(bob, "a.bin", 10, 5, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(client_store_resume_key(alice, "a.bin", 11, 5, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(client_store_resume_key(alice, "a.bin", 10, 6, b), 0);
	assert_string_not_equal(a, b);
	/* "a.bin" size 10 and "a.bin1" size 0 must not meet. */
	assert_int_equal(client_store_resume_key(alice, "a.bin1", 0, 5, b), 0);
	assert_string_not_equal(a, b);
}

static void
test_find_create(void **state)
{
	char		rdir[PATH_MAX], key[STORE_RESUME_KEY_LEN + 1], rec[512];
	char		part[STORE_NAME_MAX + 1], part2[STORE_NAME_MAX + 1];
	char		p[PATH_MAX * 2], buf[64];
	struct stat	st;
	uint64_t	len;
	int		fd, fd2;

	(void)state;
	rdir_of(rdir, sizeof rdir);
	assert_int_equal(client_store_resume_key(alice, "a.bin", 10, 5, key), 0);
	assert_int_equal(client_store_resume_find(rdir, key, 10, part,
	    sizeof part, &fd, &len), UV_ENOENT);
	assert_int_equal(client_store_resume_record("a.bin", 10, 5, rec,
	    sizeof rec), 0);
	assert_int_equal(client_store_resume_create(rdir, key, rec, part,
	    sizeof part, &fd), 0);
	assert_string_equal(part, key);
	assert_int_equal(write(fd, "hello", 5), 5);
	/* Held: nobody else finds it, and a second create takes KEY.1. */
	assert_int_equal(client_store_resume_find(rdir, key, 10, part2,
	    sizeof part2, &fd2, &len), UV_EBUSY);
	assert_int_equal(client_store_resume_create(rdir, key, rec, part2,
	    sizeof part2, &fd2), 0);
	assert_int_not_equal(strcmp(part, part2), 0);
	assert_int_equal(client_store_resume_remove(rdir, part2), 0);
	close(fd2);
	close(fd);
	/* Let go (the receiver died): found, with what it had. */
	assert_int_equal(client_store_resume_find(rdir, key, 10, part2,
	    sizeof part2, &fd, &len), 0);
	assert_string_equal(part2, key);
	assert_int_equal(len, 5);
	assert_int_equal(pread(fd, buf, 5, 0), 5);
	assert_memory_equal(buf, "hello", 5);
	close(fd);
	/* A new part never takes (and empties) a kept one nobody holds. */
	assert_int_equal(client_store_resume_create(rdir, key, rec, part2,
	    sizeof part2, &fd2), 0);
	assert_string_not_equal(part2, key);
	close(fd2);
	assert_int_equal(client_store_resume_remove(rdir, part2), 0);
	assert_int_equal(client_store_resume_find(rdir, key, 10, part2,
	    sizeof part2, &fd, &len), 0);
	assert_int_equal(len, 5);
	close(fd);
	/* A part longer than the file offered is not this file's. */
	assert_int_not_equal(client_store_resume_find(rdir, key, 4, part2,
	    sizeof part2, &fd, &len), 0);
	/* A planted link in its place is not followed. */
	snprintf(p, sizeof p, "%s/%s", rdir, key);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_not_equal(client_store_resume_find(rdir, key, 1 << 20, part2,
	    sizeof part2, &fd, &len), 0);
	assert_int_equal(unlink(p), 0);
	/* Committed into the receive folder, never over an existing file. */
	assert_int_equal(client_store_resume_create(rdir, key, rec, part,
	    sizeof part, &fd), 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	snprintf(p, sizeof p, "%s/a.bin", scratch_dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(client_store_commit_from(rdir, part, scratch_dir,
	    "a.bin", part2, sizeof part2), 0);
	assert_string_equal(part2, "a (1).bin");
	assert_int_equal(client_store_resume_forget(rdir, part), 0);
	snprintf(p, sizeof p, "%s/%s.info", rdir, part);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/a.bin", scratch_dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
}

struct pruned {
	int		n;
	char		name[64];
	uint64_t	have, size;
};

static void
on_pruned(void *arg, const char *name, uint64_t have, uint64_t size,
    uint64_t age)
{
	struct pruned	*p = arg;

	(void)age;
	p->n++;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->have = have;
	p->size = size;
}

static void
test_prune(void **state)
{
	char		rdir[PATH_MAX], key[STORE_RESUME_KEY_LEN + 1], rec[512];
	char		old[STORE_NAME_MAX + 1], young[STORE_NAME_MAX + 1];
	char		p[PATH_MAX * 2];
	struct timespec	ts[2];
	struct pruned	pr = { 0 };
	int		fd, held;

	(void)state;
	/* No resume folder: nothing to clean, and none is made for it. */
	assert_int_equal(client_store_resume_prune(scratch_dir, 0, on_pruned,
	    &pr), 0);
	snprintf(p, sizeof p, "%s/%s", scratch_dir, STORE_RESUME_DIR);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(pr.n, 0);
	rdir_of(rdir, sizeof rdir);
	assert_int_equal(client_store_resume_key(alice, "old.iso", 100, 1, key), 0);
	assert_int_equal(client_store_resume_record("old.iso", 100, 1, rec,
	    sizeof rec), 0);
	assert_int_equal(client_store_resume_create(rdir, key, rec, old,
	    sizeof old, &fd), 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 10 * 86400;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	assert_int_equal(client_store_resume_key(alice, "young", 100, 1, key), 0);
	assert_int_equal(client_store_resume_create(rdir, key, rec, young,
	    sizeof young, &held), 0);
	assert_int_equal(futimens(held, ts), 0);	/* old, but held right now */
	assert_int_equal(client_store_resume_prune(scratch_dir, 7 * 86400,
	    on_pruned, &pr), 0);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.name, "old.iso");
	assert_int_equal(pr.have, 3);
	assert_int_equal(pr.size, 100);
	snprintf(p, sizeof p, "%s/%s", rdir, old);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/%s.info", rdir, old);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/%s", rdir, young);
	assert_int_equal(access(p, F_OK), 0);
	close(held);
	/* A record whose part is gone goes with the cleanup. */
	snprintf(p, sizeof p, "%s/orphan.info", rdir);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	/* Let go, it is old enough now; a young cutoff keeps nothing old. */
	pr.n = 0;
	assert_int_equal(client_store_resume_prune(scratch_dir, 7 * 86400,
	    on_pruned, &pr), 0);
	assert_int_equal(pr.n, 1);
	assert_int_equal(access(p, F_OK), -1);	/* the orphan record */
	snprintf(p, sizeof p, "%s/%s", rdir, young);
	assert_int_equal(access(p, F_OK), -1);
	/* Emptied: the folder goes as well. */
	assert_int_equal(access(rdir, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_rules, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_find_create, scratch_setup,
		    scratch_teardown),
		cmocka_unit_test_setup_teardown(test_prune, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
