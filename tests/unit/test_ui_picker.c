/*
 * test_ui_picker.c: the Files pane's model on a real temporary folder:
 * order (folders first, natural order), hidden toggle, filter, marks across
 * folders, going in and out of folders.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "picker.h"

static char	root[PATH_MAX];

static void
make_file(const char *rel, size_t size)
{
	char	path[PATH_MAX * 2];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	while (size-- > 0)
		fputc('x', f);
	fclose(f);
}

static void
make_dir(const char *rel)
{
	char	path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int
setup(void **state)
{
	char	path[PATH_MAX * 2];

	(void)state;
	snprintf(root, sizeof root, "/tmp/ferry-picker.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	make_dir("Zeta");
	make_dir("alpha");
	make_dir(".git");
	make_file("b10.txt", 10);
	make_file("b2.txt", 2000);
	make_file("A.txt", 1);
	make_file(".hidden", 5);
	make_file("caf\xc3\xa9.md", 3);
	make_file("alpha/inner.bin", 7);
	snprintf(path, sizeof path, "%s/fifo", root);
	if (mkfifo(path, 0644) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[PATH_MAX + 32];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The names of the view, joined by '|'. */
static const char *
names(const struct ui_picker *p)
{
	static char	buf[1024];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < p->nview; i++) {
		if (i > 0)
			strcat(buf, "|");
		strcat(buf, ui_picker_row(p, i)->name);
	}
	return buf;
}

static void
test_order(void **state)
{
	struct ui_picker	p;
	const struct ui_entry	*e;

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	assert_int_equal(p.error, 0);
	/* ".." first, then folders, then files and others, natural and case-insensitive. */
	assert_string_equal(names(&p),
	    "..|alpha|Zeta|A.txt|b2.txt|b10.txt|caf\xc3\xa9.md|fifo");
	e = ui_picker_row(&p, 4);
	assert_string_equal(e->name, "b2.txt");
	assert_int_equal(e->size, 2000);
	assert_false(e->flags & UI_ENTRY_DIR);
	assert_true(ui_picker_row(&p, 1)->flags & UI_ENTRY_DIR);
	assert_true(ui_picker_row(&p, 7)->flags & UI_ENTRY_OTHER);
	assert_true(ui_picker_row(&p, 0)->flags & UI_ENTRY_UP);
	ui_picker_free(&p);
}

static void
test_hidden(void **state)
{
	struct ui_picker	p;

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	ui_picker_move(&p, 3);		/* on A.txt */
	ui_picker_set_hidden(&p, true);
	assert_string_equal(names(&p),
	    "..|.git|alpha|Zeta|.hidden|A.txt|b2.txt|b10.txt|caf\xc3\xa9.md|fifo");
	/* The cursor stays on the same file. */
	assert_string_equal(ui_picker_current(&p)->name, "A.txt");
	ui_picker_set_hidden(&p, false);
	assert_string_equal(ui_picker_current(&p)->name, "A.txt");
	ui_picker_free(&p);
}

static void
test_filter(void **state)
{
	struct ui_picker	p;

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	ui_picker_set_filter(&p, "b");
	assert_string_equal(names(&p), "..|b2.txt|b10.txt");
	/* While filtering, the cursor goes to the first real match, not "..". */
	assert_string_equal(ui_picker_current(&p)->name, "b2.txt");
	/* Lower case matches any case... */
	ui_picker_set_filter(&p, "a");
	assert_string_equal(names(&p), "..|alpha|Zeta|A.txt|caf\xc3\xa9.md");
	/* ...upper case matches exactly (smart case). */
	ui_picker_set_filter(&p, "A");
	assert_string_equal(names(&p), "..|A.txt");
	/* UTF-8 text matches as bytes. */
	ui_picker_set_filter(&p, "\xc3\xa9");
	assert_string_equal(names(&p), "..|caf\xc3\xa9.md");
	ui_picker_set_filter(&p, "nothing-matches");
	assert_string_equal(names(&p), "..");
	ui_picker_set_filter(&p, "");
	assert_int_equal(p.nview, 8);
	ui_picker_free(&p);
}

static void
test_marks(void **state)
{
	struct ui_picker	p;
	char			path[PATH_MAX * 2];

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	/* ".." and fifos cannot be marked; a folder can, with no size of its own. */
	assert_int_equal(ui_picker_toggle(&p), 1);
	ui_picker_move(&p, 1);
	assert_int_equal(ui_picker_toggle(&p), 0);
	assert_int_equal(p.nmarks, 1);
	assert_int_equal(p.nmark_dirs, 1);
	assert_true(p.marks[0].dir);
	assert_int_equal(p.marks_total, 0);
	assert_int_equal(ui_picker_toggle(&p), 0);
	assert_int_equal(p.nmarks, 0);
	assert_int_equal(p.nmark_dirs, 0);
	ui_picker_move(&p, 6);
	assert_string_equal(ui_picker_current(&p)->name, "fifo");
	assert_int_equal(ui_picker_toggle(&p), 1);
	assert_int_equal(p.nmarks, 0);

	ui_picker_move(&p, -3);		/* b2.txt */
	assert_int_equal(ui_picker_toggle(&p), 0);
	ui_picker_move(&p, -1);		/* A.txt */
	assert_int_equal(ui_picker_toggle(&p), 0);
	assert_int_equal(p.nmarks, 2);
	assert_int_equal(p.marks_total, 2001);
	assert_true(ui_picker_is_marked(&p, 3));
	assert_true(ui_picker_is_marked(&p, 4));
	assert_false(ui_picker_is_marked(&p, 5));

	/* Marks survive going into a folder and marking there too. */
	ui_picker_move(&p, -10);
	ui_picker_move(&p, 1);
	assert_string_equal(ui_picker_current(&p)->name, "alpha");
	assert_int_equal(ui_picker_open(&p), 0);
	assert_string_equal(names(&p), "..|inner.bin");
	ui_picker_move(&p, 1);
	assert_int_equal(ui_picker_toggle(&p), 0);
	assert_int_equal(p.nmarks, 3);
	assert_int_equal(p.marks_total, 2008);
	snprintf(path, sizeof path, "%s/alpha/inner.bin", root);
	assert_string_equal(p.marks[1].path, path);	/* sorted by bytes: A.txt, alpha/, b2.txt */
	assert_int_equal(p.marks[1].size, 7);

	/* Up again: the cursor lands on the folder we came from, marks still shown. */
	assert_int_equal(ui_picker_up(&p), 0);
	assert_string_equal(ui_picker_current(&p)->name, "alpha");
	assert_true(ui_picker_is_marked(&p, 4));

	/* Toggling again unmarks. */
	ui_picker_move(&p, 3);
	assert_string_equal(ui_picker_current(&p)->name, "b2.txt");
	assert_int_equal(ui_picker_toggle(&p), 0);
	assert_int_equal(p.nmarks, 2);
	assert_int_equal(p.marks_total, 8);
	ui_picker_clear_marks(&p);
	assert_int_equal(p.nmarks, 0);
	assert_int_equal(p.marks_total, 0);
	ui_picker_free(&p);
}

static void
test_navigation(void **state)
{
	struct ui_picker	p;
	char			cwd[PATH_MAX];

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	/* Enter on a file is not a folder. */
	ui_picker_move(&p, 3);
	assert_int_equal(ui_picker_open(&p), 1);
	/* Enter on ".." goes up. */
	ui_picker_move(&p, -100);
	assert_int_equal(ui_picker_open(&p), 0);
	assert_true(strlen(p.dir) < strlen(root));
	ui_picker_free(&p);

	/* "/" has no "..", and up from there does nothing. */
	assert_int_equal(ui_picker_init(&p, "/"), 0);
	assert_string_equal(p.dir, "/");
	assert_false(ui_picker_row(&p, 0)->flags & UI_ENTRY_UP);
	assert_int_equal(ui_picker_up(&p), 1);
	ui_picker_free(&p);

	/* A relative start folder is made absolute. */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(ui_picker_init(&p, "."), 0);
	assert_string_equal(p.dir, cwd);
	ui_picker_free(&p);

	/* A missing folder is an error, not a crash; the picker stays usable. */
	assert_int_equal(ui_picker_init(&p, "/nonexistent/ferry/dir"), -ENOENT);
	assert_int_equal(p.error, ENOENT);
	assert_null(ui_picker_current(&p));
	ui_picker_move(&p, 1);
	assert_int_equal(ui_picker_toggle(&p), 1);
	ui_picker_free(&p);
}

static void
test_reload(void **state)
{
	struct ui_picker	p;

	(void)state;
	assert_int_equal(ui_picker_init(&p, root), 0);
	ui_picker_move(&p, 5);
	assert_string_equal(ui_picker_current(&p)->name, "b10.txt");
	make_file("b1.txt", 1);
	assert_int_equal(ui_picker_reload(&p), 0);
	/* A new file before the cursor does not move it off its file. */
	assert_string_equal(ui_picker_current(&p)->name, "b10.txt");
	assert_int_equal(p.nview, 9);
	ui_picker_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_navigation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("ui_picker", tests, NULL, NULL);
}
