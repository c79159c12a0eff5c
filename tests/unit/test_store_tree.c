/*
 * test_store_tree.c: the receiver's rules for folders (store_tree.c).
 * client_store_tree_check judges lists as trees: good ones pass with the
 * right top-level entries, and each kind of hostile list (a path out of
 * the folder, absolute, an empty part, a folder given after what it holds,
 * a file used as a folder, a name twice, a bad part deep inside) is
 * refused naming the entry. On a scratch disk, staging folders are made
 * without following planted links, filled, given their final name
 * ("photos (1)" when "photos" exists), undone and removed without
 * following links planted inside.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <uv.h>

#include "scratch.h"
#include "store.h"

struct entry {
	const char	*name;
	bool		 dir;
};

struct list {
	const struct entry	*e;
	size_t			 n;
	size_t			 bad[16];	/* refused entries, in call order */
	char			 why[16][160];
	size_t			 nbad;
	size_t			 parent2;	/* parent[2] of the last check */
};

static const char *
at(void *arg, size_t i, bool *dir)
{
	const struct list	*l = arg;

	*dir = l->e[i].dir;
	return l->e[i].name;
}

static void
bad(void *arg, size_t i, const char *why)
{
	struct list	*l = arg;

	if (l->nbad < 16) {
		l->bad[l->nbad] = i;
		snprintf(l->why[l->nbad], sizeof l->why[0], "%s", why);
	}
	l->nbad++;
}

/* Checks list e[0..n): the refused count, and top[] into tops. */
static long
check(const struct entry *e, size_t n, struct list *l, size_t *tops)
{
	size_t	*parent = calloc(n + 1, sizeof *parent);
	long	 r;

	assert_non_null(parent);
	memset(l, 0, sizeof *l);
	l->e = e;
	l->n = n;
	r = client_store_tree_check(n, at, l, tops, parent, bad, l);
	l->parent2 = n > 2 ? parent[2] : 0;
	free(parent);
	assert_int_equal(r, (long)l->nbad);
	return r;
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_good_trees(void **state)
{
	static const struct entry tree[] = {
		{ "photos", true }, { "photos/a.jpg", false },
		{ "photos/2024", true }, { "photos/2024/trip", true },
		{ "photos/2024/trip/b.jpg", false }, { "photos/2024/empty", true },
		{ "notes.txt", false }, { "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84", true },
		{ "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84/\xe6\x97\xa5\xe6\x9c\xac", false },
		{ "notes.txt", false },		/* top-level files may share a name */
	};
	static const size_t want[] = { 0, 0, 0, 0, 0, 0, 6, 7, 7, 9 };
	struct list	l;
	size_t		top[N(tree)], i;

	(void)state;
	assert_int_equal(check(tree, N(tree), &l, top), 0);
	for (i = 0; i < N(tree); i++)
		assert_int_equal(top[i], want[i]);
	assert_int_equal(l.parent2, 0);		/* photos/2024 lies in photos */
	assert_int_equal(check(tree, 0, &l, top), 0);
}

/* Each hostile list: refused, naming entry `which` and saying `words`. */
static void
refused(const struct entry *e, size_t n, size_t which, const char *words)
{
	struct list	l;
	size_t		top[8];

	assert_true(n <= 8);
	assert_int_equal(check(e, n, &l, top), 1);
	assert_int_equal(l.bad[0], which);
	if (strstr(l.why[0], words) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", e[which].name,
		    l.why[0], words);
}

static void
test_hostile_trees(void **state)
{
	(void)state;
	refused((const struct entry[]){ { "d", true }, { "d/../../x", false } },
	    2, 1, "in its part 2: is \"..\"");
	refused((const struct entry[]){ { "../x", false } }, 1, 0, "in its part 1");
	refused((const struct entry[]){ { "/etc/passwd", false } }, 1, 0,
	    "not a relative path");
	refused((const struct entry[]){ { "d", true }, { "d//x", false } }, 2, 1,
	    "empty part");
	refused((const struct entry[]){ { "d", true }, { "d/", true } }, 2, 1,
	    "empty part");
	refused((const struct entry[]){ { "d/x", false }, { "d", true } }, 2, 0,
	    "does not give before it");
	refused((const struct entry[]){ { "f", false }, { "f/x", false } }, 2, 1,
	    "does not give before it");
	refused((const struct entry[]){ { "a/b", false } }, 1, 0,
	    "does not give before it");
	refused((const struct entry[]){ { "d", true }, { "d", true } }, 2, 1,
	    "listed twice");
	refused((const struct entry[]){ { "d", true }, { "d", false } }, 2, 1,
	    "listed twice");
	refused((const struct entry[]){ { "d", true }, { "d/x", false },
	    { "d/x", false } }, 3, 2, "listed twice");
	refused((const struct entry[]){ { "d", true }, { "d/e", true },
	    { "d/e/\xe2\x80\xae" "gpj.exe", false } }, 3, 2,
	    "in its part 3: contains U+202E");
	refused((const struct entry[]){ { "d", true }, { "d/tab\there", false } },
	    2, 1, "in its part 2");
	refused((const struct entry[]){ { "d", true }, { "d/.", false } }, 2, 1,
	    "in its part 2");
	{
		/* A path in a folder leaves room for " (9999)" after the folder's name. */
		static char	 longp[STORE_PATH_MAX + 2];
		size_t		 k;

		memcpy(longp, "d/", 2);
		for (k = 2; k < STORE_PATH_MAX + 1; k++)
			longp[k] = (k % 200 == 0) ? '/' : 'x';
		longp[STORE_PATH_MAX + 1] = '\0';
		refused((const struct entry[]){ { "d", true }, { longp, false } },
		    2, 1, "is longer than 1017 bytes");
	}
}

/* Many entries: every one judged, each bad one named once. */
static void
test_many(void **state)
{
	struct entry	*e;
	struct list	 l;
	size_t		*top, n = 20000, i;
	char		**names;

	(void)state;
	e = calloc(n, sizeof *e);
	names = calloc(n, sizeof *names);
	top = calloc(n, sizeof *top);
	assert_non_null(e);
	assert_non_null(names);
	assert_non_null(top);
	e[0].name = "big";
	e[0].dir = true;
	for (i = 1; i < n; i++) {
		names[i] = malloc(32);
		assert_non_null(names[i]);
		snprintf(names[i], 32, "big/f%06zu", (i * 7919) % n);	/* not sorted */
		e[i].name = names[i];
	}
	assert_int_equal(check(e, n, &l, top), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(top[i], 0);
	/* Entry (i * 7919) % n == 0 for i == n would repeat: make one twice. */
	snprintf(names[n - 1], 32, "%s", names[1]);
	assert_int_equal(check(e, n, &l, top), 1);
	assert_int_equal(l.bad[0], n - 1);
	for (i = 1; i < n; i++)
		free(names[i]);
	free(names);
	free(e);
	free(top);
}

static void
path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", scratch_dir, rel);
}

static void
test_stage_disk(void **state)
{
	char	 stage[256], saved[256], p[PATH_MAX], q[PATH_MAX + 64];
	char	 outside[256];
	int	 fd;

	(void)state;
	/* A link planted under the staging name is never followed. */
	assert_int_equal(scratch_make(outside, sizeof outside, "outside"), 0);
	path(p, sizeof p, "photos.part");
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(client_store_stage_open(scratch_dir, "photos", stage,
	    sizeof stage), 0);
	assert_string_equal(stage, "photos (1).part");
	assert_int_equal(scratch_mode((path(p, sizeof p, stage), p)), 0700);
	assert_int_equal(client_store_stage_mkdir(scratch_dir, stage, "2024"), 0);
	assert_int_equal(client_store_stage_mkdir(scratch_dir, stage,
	    "2024/trip"), 0);
	assert_int_equal(client_store_stage_mkdir(scratch_dir, stage, "2024"),
	    UV_EEXIST);
	assert_int_equal(client_store_stage_create(scratch_dir, stage,
	    "2024/trip/a.jpg", &fd), 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(client_store_file_finish(fd, true, 1000000000), 0);
	close(fd);
	/* A link planted inside the stage is not followed on the way to a file. */
	path(p, sizeof p, stage);
	snprintf(q, sizeof q, "%s/evil", p);
	assert_int_equal(symlink(outside, q), 0);
	assert_int_equal(client_store_stage_create(scratch_dir, stage,
	    "evil/x", &fd), UV_ENOTDIR);
	assert_int_equal(client_store_stage_create(scratch_dir, stage,
	    "evil", &fd), UV_EEXIST);
	assert_int_equal(client_store_stage_mtime(scratch_dir, stage, "2024",
	    1100000000), 0);
	/* "photos" exists: the tree is saved as "photos (1)". */
	path(p, sizeof p, "photos");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(client_store_stage_commit(scratch_dir, stage, "photos",
	    1200000000, saved, sizeof saved), 0);
	assert_string_equal(saved, "photos (1)");
	{
		struct stat st;

		path(p, sizeof p, "photos (1)/2024/trip/a.jpg");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, 3);
		assert_true(st.st_mode & S_IXUSR);
		assert_int_equal(st.st_mtime, 1000000000);
		path(p, sizeof p, "photos (1)/2024");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mtime, 1100000000);
		path(p, sizeof p, "photos (1)");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mtime, 1200000000);
		assert_int_not_equal(st.st_mode & 07777, 0700);	/* a folder's mode now */
	}
	/* Undone and removed: the link inside is removed, its target untouched. */
	assert_int_equal(client_store_stage_undo(scratch_dir, saved, stage), 0);
	assert_int_equal(client_store_stage_remove(scratch_dir, stage), 0);
	path(p, sizeof p, stage);
	assert_int_equal(access(p, F_OK), -1);
	path(p, sizeof p, "photos");
	assert_int_equal(access(p, F_OK), 0);
	snprintf(q, sizeof q, "%s/kept", outside);
	fd = open(q, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* Removing a stage that is a planted link removes nothing through it. */
	assert_int_equal(client_store_stage_remove(scratch_dir, "photos.part"),
	    UV_ENOTDIR);
	assert_int_equal(access(q, F_OK), 0);
	assert_int_equal(scratch_remove(outside), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_trees),
		cmocka_unit_test(test_hostile_trees),
		cmocka_unit_test(test_many),
		cmocka_unit_test_setup_teardown(test_stage_disk, scratch_setup,
		    scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
