/*
 * test_store.c: the receiver's disk rules in a scratch folder: candidate
 * names ("a (1).txt", "archive (1).tar.gz", ".bashrc (1)"), UTF-8-safe
 * shortening to 255 bytes, part files created with O_EXCL and never through
 * a symlink, commits that never replace a file (also when many threads
 * commit the same name at once), and refusal of names that are paths.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "name.h"
#include "scratch.h"
#include "text.h"
#include "store.h"

static void
put(const char *name, const char *content)
{
	char	path[PATH_MAX * 2];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *
get(const char *name)
{
	static char	buf[256];
	char		path[PATH_MAX * 2];
	FILE		*f;
	size_t		n;

	snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
exists(const char *name)
{
	char		path[PATH_MAX * 2];
	struct stat	st;

	snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
	return lstat(path, &st) == 0;
}

static int
count_files(void)
{
	struct dirent	*e;
	DIR		*d = opendir(scratch_dir);
	int		 n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
test_ext_offset(void **state)
{
	static const struct {
		const char	*name;
		const char	*ext;
	} rows[] = {
		{ "a.txt", ".txt" },
		{ "archive.tar.gz", ".tar.gz" },
		{ "archive.tar.zst", ".tar.zst" },
		{ "x.tar", ".tar" },
		{ ".tar.gz", ".gz" },		/* a dotfile called ".tar" + ".gz" */
		{ "photo.final.jpeg", ".jpeg" },
		{ "noext", "" },
		{ ".bashrc", "" },
		{ "..hidden", "" },
		{ ".config.json", ".json" },
		{ "trailing.", "" },
		{ "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84.txt", ".txt" },
		{ "x.averyveryveryveryveryveryverylongextension", "" },
	};
	size_t	i, off;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		off = client_store_ext_offset(rows[i].name);
		if (strcmp(rows[i].name + off, rows[i].ext) != 0)
			fail_msg("%s: extension \"%s\", want \"%s\"", rows[i].name,
			    rows[i].name + off, rows[i].ext);
	}
}

static void
test_candidates(void **state)
{
	static const struct {
		const char	*name;
		unsigned	 n;
		const char	*suffix;
		const char	*want;
	} rows[] = {
		{ "a.txt", 0, "", "a.txt" },
		{ "a.txt", 1, "", "a (1).txt" },
		{ "a.txt", 12, "", "a (12).txt" },
		{ "a.txt", 0, ".part", "a.txt.part" },
		{ "a.txt", 2, ".part", "a (2).txt.part" },
		{ "archive.tar.gz", 1, "", "archive (1).tar.gz" },
		{ ".bashrc", 1, "", ".bashrc (1)" },
		{ "noext", 3, "", "noext (3)" },
		{ "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84.txt", 1, "",
		  "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84 (1).txt" },
	};
	char	out[STORE_NAME_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(client_store_candidate(rows[i].name, rows[i].n,
		    rows[i].suffix, out, sizeof out), 0);
		assert_string_equal(out, rows[i].want);
	}
	assert_int_equal(client_store_candidate("a.txt", 1, "", out, 5), UV_ENOBUFS);
}

static void
test_bad_names(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", "../x", "/etc/passwd", "a/b", "a\\b", "x\ny",
		"tab\there", "del\x7f", "c1\xc2\x85", "bad\xff", "over\xc0\xaflong",
		"invoice\xe2\x80\xae" "fdp.exe", "trailing ", " leading",
		"\xef\xbb\xbf" "bom.txt", "zw\xe2\x80\x8bsp",
	};
	char	out[STORE_NAME_MAX + 1], part[STORE_NAME_MAX + 1], big[300];
	char	why[PROTO_NAME_WHY_MAX];
	size_t	i;
	int	fd = -1;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (client_store_name_problem(bad[i], why, sizeof why) == NULL)
			fail_msg("name %zu was accepted", i);
		assert_int_equal(client_store_candidate(bad[i], 0, "", out, sizeof out),
		    UV_EINVAL);
		assert_int_not_equal(client_store_open_part(scratch_dir, bad[i], part,
		    sizeof part, &fd), 0);
	}
	memset(big, 'x', 256);
	big[256] = '\0';
	assert_non_null(client_store_name_problem(big, why, sizeof why));
	big[255] = '\0';
	assert_null(client_store_name_problem(big, why, sizeof why));
	/* client_store_remove takes names only. */
	assert_int_equal(client_store_remove(scratch_dir, "../etc"), UV_EINVAL);
	assert_int_equal(client_store_remove(scratch_dir, ".."), UV_EINVAL);
	assert_int_equal(count_files(), 0);
}

/* Names near 255 bytes are shortened, never split inside a character. */
static void
test_long_names(void **state)
{
	char	name[STORE_NAME_MAX + 1], out[STORE_NAME_MAX + 1];
	char	why[PROTO_NAME_WHY_MAX];
	size_t	i, len;

	(void)state;
	/* 63 four-byte characters (252 bytes) + ".txt" = 256: one too many. */
	for (i = 0, len = 0; i < 62; i++, len += 4)
		memcpy(name + len, "\xf0\x9f\x93\x84", 4);
	memcpy(name + len, ".txt", 5);		/* 248 + 4 = 252 bytes */
	assert_null(client_store_name_problem(name, why, sizeof why));
	assert_int_equal(client_store_candidate(name, 0, "", out, sizeof out), 0);
	assert_string_equal(out, name);
	assert_int_equal(client_store_candidate(name, 0, ".part", out, sizeof out), 0);
	assert_true(strlen(out) <= STORE_NAME_MAX);
	assert_true(proto_utf8_valid(out, strlen(out)));
	assert_string_equal(out + strlen(out) - 9, ".txt.part");
	assert_int_equal(client_store_candidate(name, 9999, "", out, sizeof out), 0);
	assert_true(strlen(out) <= STORE_NAME_MAX);
	assert_true(proto_utf8_valid(out, strlen(out)));
	assert_string_equal(out + strlen(out) - 11, " (9999).txt");
}

static void
test_part_and_commit(void **state)
{
	char	part[STORE_NAME_MAX + 1], part2[STORE_NAME_MAX + 1];
	char	saved[STORE_NAME_MAX + 1];
	int	fd, fd2;

	(void)state;
	assert_int_equal(client_store_open_part(scratch_dir, "a.txt", part, sizeof part, &fd), 0);
	assert_string_equal(part, "a.txt.part");
	assert_int_equal(write(fd, "new", 3), 3);
	close(fd);
	/* A second transfer of the same name gets its own part file. */
	assert_int_equal(client_store_open_part(scratch_dir, "a.txt", part2, sizeof part2, &fd2), 0);
	assert_string_equal(part2, "a (1).txt.part");
	assert_int_equal(write(fd2, "two", 3), 3);
	close(fd2);

	put("a.txt", "old");
	assert_int_equal(client_store_commit(scratch_dir, part, "a.txt", saved, sizeof saved), 0);
	assert_string_equal(saved, "a (1).txt");
	assert_string_equal(get("a.txt"), "old");	/* never overwritten */
	assert_string_equal(get("a (1).txt"), "new");
	assert_false(exists("a.txt.part"));
	assert_int_equal(client_store_commit(scratch_dir, part2, "a.txt", saved, sizeof saved), 0);
	assert_string_equal(saved, "a (2).txt");
	assert_string_equal(get("a (2).txt"), "two");
	assert_false(exists("a (1).txt.part"));
	assert_string_equal(get("a.txt"), "old");
	assert_int_equal(count_files(), 3);

	/* Dotfiles and double extensions. */
	put(".bashrc", "x");
	assert_int_equal(client_store_open_part(scratch_dir, ".bashrc", part, sizeof part, &fd), 0);
	close(fd);
	assert_int_equal(client_store_commit(scratch_dir, part, ".bashrc", saved, sizeof saved), 0);
	assert_string_equal(saved, ".bashrc (1)");
	put("b.tar.gz", "x");
	assert_int_equal(client_store_open_part(scratch_dir, "b.tar.gz", part, sizeof part, &fd), 0);
	close(fd);
	assert_int_equal(client_store_commit(scratch_dir, part, "b.tar.gz", saved, sizeof saved), 0);
	assert_string_equal(saved, "b (1).tar.gz");
	assert_int_equal(client_store_remove(scratch_dir, "b (1).tar.gz"), 0);
	assert_false(exists("b (1).tar.gz"));
}

/* A part-file name that exists as a symlink is never followed. */
static void
test_no_follow(void **state)
{
	char	link_path[PATH_MAX * 2], target[PATH_MAX * 2];
	char	part[STORE_NAME_MAX + 1];
	int	fd;

	(void)state;
	snprintf(target, sizeof target, "%s/target", scratch_dir);
	snprintf(link_path, sizeof link_path, "%s/x.bin.part", scratch_dir);
	put("target", "precious");
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(client_store_open_part(scratch_dir, "x.bin", part, sizeof part, &fd), 0);
	assert_string_equal(part, "x (1).bin.part");
	assert_int_equal(write(fd, "zzz", 3), 3);
	close(fd);
	assert_string_equal(get("target"), "precious");
	/* A dangling link as the final name is not replaced either. */
	snprintf(link_path, sizeof link_path, "%s/y.bin", scratch_dir);
	assert_int_equal(symlink("/nonexistent/ferry", link_path), 0);
	{
		char saved[STORE_NAME_MAX + 1];

		assert_int_equal(client_store_commit(scratch_dir, part, "y.bin", saved,
		    sizeof saved), 0);
		assert_string_equal(saved, "y (1).bin");
	}
}

struct racer {
	pthread_t	tid;
	int		r;
	char		saved[STORE_NAME_MAX + 1];
};

static void *
race(void *arg)
{
	struct racer	*x = arg;
	char		 part[STORE_NAME_MAX + 1];
	int		 fd;

	if ((x->r = client_store_open_part(scratch_dir, "same.dat", part, sizeof part, &fd)) != 0)
		return NULL;
	if (write(fd, part, strlen(part)) < 0)
		x->r = -1;
	close(fd);
	if (x->r == 0)
		x->r = client_store_commit(scratch_dir, part, "same.dat", x->saved, sizeof x->saved);
	return NULL;
}

/* Many receivers saving the same name at once: every file survives under its own name. */
static void
test_concurrent_commits(void **state)
{
	struct racer	x[16];
	size_t		i, j;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(pthread_create(&x[i].tid, NULL, race, &x[i]), 0);
	for (i = 0; i < 16; i++) {
		pthread_join(x[i].tid, NULL);
		assert_int_equal(x[i].r, 0);
	}
	for (i = 0; i < 16; i++) {
		for (j = i + 1; j < 16; j++)
			assert_string_not_equal(x[i].saved, x[j].saved);
		assert_true(exists(x[i].saved));
	}
	assert_int_equal(count_files(), 16);
}

static void
test_dir_and_space(void **state)
{
	uint64_t	avail = 0;
	char		file[PATH_MAX * 2];

	(void)state;
	assert_int_equal(client_store_check_dir(scratch_dir), 0);
	assert_int_equal(client_store_free_space(scratch_dir, &avail), 0);
	assert_true(avail > 0);
	assert_int_equal(client_store_check_dir("/nonexistent/ferry"), UV_ENOENT);
	put("plain", "x");
	snprintf(file, sizeof file, "%s/plain", scratch_dir);
	assert_int_equal(client_store_check_dir(file), UV_ENOTDIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext_offset),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test_setup_teardown(test_bad_names, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test_setup_teardown(test_part_and_commit, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_no_follow, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_commits, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_dir_and_space, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
