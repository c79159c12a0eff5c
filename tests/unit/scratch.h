/*
 * scratch.h: scratch folders for the unit tests (scratch.c), shared by
 * every unit program that works on a real disk.
 */
#ifndef FERRY_TEST_SCRATCH_H
#define FERRY_TEST_SCRATCH_H

#include <stddef.h>

/* Makes a fresh folder /tmp/ferry-test-TAG.XXXXXX, its path in buf. 0 or -1. */
int	scratch_make(char *buf, size_t len, const char *tag);
/*
 * Removes path and everything below it; a symlink is removed, never
 * followed. 0, or -1 when something could not be removed.
 */
int	scratch_remove(const char *path);

/*
 * cmocka fixtures for a test that works in one scratch folder: setup makes
 * a fresh scratch_dir (/tmp/ferry-test-unit.XXXXXX), teardown removes it.
 */
extern char	scratch_dir[256];
/* The permission bits of path (which must exist: the test fails otherwise). */
unsigned	scratch_mode(const char *path);
int	scratch_setup(void **state);
int	scratch_teardown(void **state);

#endif /* FERRY_TEST_SCRATCH_H */
