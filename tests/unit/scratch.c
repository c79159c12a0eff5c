/*
 * scratch.c: scratch folders for the unit tests: made under /tmp, removed
 * with everything in them, without following a symlink out of them.
 */
#include "scratch.h"

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char	scratch_dir[256];

int
scratch_setup(void **state)
{
	(void)state;
	return scratch_make(scratch_dir, sizeof scratch_dir, "unit");
}

int
scratch_teardown(void **state)
{
	(void)state;
	return scratch_remove(scratch_dir);
}

int
scratch_make(char *buf, size_t len, const char *tag)
{
	if ((size_t)snprintf(buf, len, "/tmp/ferry-test-%s.XXXXXX", tag) >= len)
		return -1;
	return mkdtemp(buf) == NULL ? -1 : 0;
}

int
scratch_remove(const char *path)
{
	char		 p[PATH_MAX];
	struct stat	 st;
	struct dirent	*e;
	DIR		*d;
	int		 r = 0;

	if (lstat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", path, e->d_name) >=
		    sizeof p || scratch_remove(p) != 0)
			r = -1;
	}
	closedir(d);
	if (rmdir(path) != 0)
		r = -1;
	return r;
}

unsigned
scratch_mode(const char *path)
{
	struct stat	st;

	/* No file has mode 0xffff: an assert on a missing path fails. */
	if (stat(path, &st) != 0)
		return 0xffff;
	return st.st_mode & 0777;
}
