/*
 * picker.c: the file picker model (listing, order, hidden toggle, filter,
 * marks kept as absolute paths so they survive moving between folders).
 */
#include "picker.h"

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

/* Folders first (".." before all), then everything else, each in natural order. */
static int
entry_cmp(const void *va, const void *vb)
{
	const struct ui_entry	*a = va, *b = vb;
	int			 da, db;

	if ((a->flags & UI_ENTRY_UP) != (b->flags & UI_ENTRY_UP))
		return (a->flags & UI_ENTRY_UP) ? -1 : 1;
	da = (a->flags & UI_ENTRY_DIR) != 0;
	db = (b->flags & UI_ENTRY_DIR) != 0;
	if (da != db)
		return da ? -1 : 1;
	return ui_name_cmp(a->name, b->name);
}

static void
free_entries(struct ui_picker *p)
{
	size_t	i;

	for (i = 0; i < p->nall; i++)
		free(p->all[i].name);
	free(p->all);
	free(p->view);
	p->all = NULL;
	p->view = NULL;
	p->nall = p->nview = 0;
}

/* True when haystack contains needle; case-insensitive unless needle has upper case ("smart case"). */
static bool
filter_match(const char *hay, const char *needle)
{
	const char	*s;
	bool		 fold = true;
	size_t		 n, i, j;

	if (*needle == '\0')
		return true;
	for (s = needle; *s != '\0'; s++) {
		if (isupper((unsigned char)*s))
			fold = false;
	}
	if (!fold)
		return strstr(hay, needle) != NULL;
	n = strlen(needle);
	for (i = 0; hay[i] != '\0'; i++) {
		for (j = 0; j < n && hay[i + j] != '\0'; j++) {
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		}
		if (j == n)
			return true;
	}
	return false;
}

/* Rebuilds the view from all[], keeping the cursor on keep (a name) when given. */
static void
rebuild_view(struct ui_picker *p, const char *keep)
{
	const struct ui_entry	*e;
	size_t			 i;

	p->nview = 0;
	for (i = 0; i < p->nall; i++) {
		e = &p->all[i];
		if (!(e->flags & UI_ENTRY_UP)) {
			if (!p->hidden && e->name[0] == '.')
				continue;
			if (!filter_match(e->name, p->filter))
				continue;
		}
		p->view[p->nview++] = i;
	}
	if (keep != NULL) {
		for (i = 0; i < p->nview; i++) {
			if (strcmp(p->all[p->view[i]].name, keep) == 0) {
				p->cursor = i;
				return;
			}
		}
	}
	if (p->nview == 0)
		p->cursor = 0;
	else if (p->cursor >= p->nview)
		p->cursor = p->nview - 1;
}

/* Reads the folder into a fresh array; on failure the old listing stays. */
static int
list_dir(struct ui_picker *p, const char *keep)
{
	struct ui_entry	*all = NULL, *grown;
	struct dirent	*de;
	struct stat	 st, lst;
	size_t		 n = 0, cap = 0, *view;
	DIR		*d;
	int		 dfd, err;

	if ((d = opendir(p->dir)) == NULL)
		return -errno;
	dfd = dirfd(d);
	/* The ".." row lets mouse and Enter users go up; not at "/". */
	if (strcmp(p->dir, "/") != 0) {
		cap = 64;
		if ((all = calloc(cap, sizeof *all)) == NULL)
			goto nomem;
		if ((all[0].name = strdup("..")) == NULL)
			goto nomem;
		all[0].flags = UI_ENTRY_UP | UI_ENTRY_DIR;
		n = 1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(all, cap * sizeof *all)) == NULL)
				goto nomem;
			all = grown;
		}
		memset(&all[n], 0, sizeof all[n]);
		if ((all[n].name = strdup(de->d_name)) == NULL)
			goto nomem;
		if (fstatat(dfd, de->d_name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(lst.st_mode))
			all[n].flags |= UI_ENTRY_LINK;
		if (fstatat(dfd, de->d_name, &st, 0) != 0)
			all[n].flags |= UI_ENTRY_OTHER;
		else if (S_ISDIR(st.st_mode))
			all[n].flags |= UI_ENTRY_DIR;
		else if (S_ISREG(st.st_mode))
			all[n].size = (uint64_t)st.st_size;
		else
			all[n].flags |= UI_ENTRY_OTHER;
		n++;
	}
	err = errno;
	closedir(d);
	d = NULL;
	if (err != 0) {
		while (n > 0)
			free(all[--n].name);
		free(all);
		return -err;
	}
	if (n > 1)
		qsort(all, n, sizeof *all, entry_cmp);
	if ((view = calloc(n ? n : 1, sizeof *view)) == NULL)
		goto nomem;
	free_entries(p);
	p->all = all;
	p->nall = n;
	p->view = view;
	rebuild_view(p, keep);
	return 0;

nomem:
	if (d != NULL)
		closedir(d);
	while (n > 0)
		free(all[--n].name);
	free(all);
	return -ENOMEM;
}

int
ui_picker_init(struct ui_picker *p, const char *dir)
{
	char	cwd[PATH_MAX];
	int	r;

	memset(p, 0, sizeof *p);
	if (dir == NULL || *dir == '\0')
		dir = ".";
	if (realpath(dir, p->dir) == NULL) {
		r = -errno;
		if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(p->dir, sizeof p->dir, "/");
		else
			snprintf(p->dir, sizeof p->dir, "%s", cwd);
		p->error = -r;
		return r;
	}
	r = list_dir(p, NULL);
	p->error = r < 0 ? -r : 0;
	return r;
}

void
ui_picker_free(struct ui_picker *p)
{
	free_entries(p);
	ui_picker_clear_marks(p);
	p->error = 0;
}

int
ui_picker_reload(struct ui_picker *p)
{
	const struct ui_entry	*e = ui_picker_current(p);
	char			*keep = NULL;
	int			 r;

	if (e != NULL && (keep = strdup(e->name)) == NULL)
		return -ENOMEM;
	r = list_dir(p, keep);
	free(keep);
	p->error = r < 0 ? -r : 0;
	return r;
}

/* Switches to path (absolute), cursor on keep; keeps the old folder on failure. */
static int
change_dir(struct ui_picker *p, const char *path, const char *keep)
{
	char	old[PATH_MAX];
	size_t	oldcur = p->cursor;
	int	r;

	memcpy(old, p->dir, sizeof old);
	snprintf(p->dir, sizeof p->dir, "%s", path);
	p->cursor = 0;
	/* A new folder starts unfiltered, like nnn. */
	p->filter[0] = '\0';
	if ((r = list_dir(p, keep)) < 0) {
		memcpy(p->dir, old, sizeof old);
		p->cursor = oldcur;
		p->error = -r;
		return r;
	}
	p->error = 0;
	return 0;
}

int
ui_picker_up(struct ui_picker *p)
{
	char	 parent[PATH_MAX], base[PATH_MAX];
	char	*slash;

	if (strcmp(p->dir, "/") == 0)
		return 1;
	snprintf(parent, sizeof parent, "%s", p->dir);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return 1;
	snprintf(base, sizeof base, "%s", slash + 1);
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return change_dir(p, parent, base);
}

int
ui_picker_open(struct ui_picker *p)
{
	const struct ui_entry	*e = ui_picker_current(p);
	char			 path[PATH_MAX];
	int			 r;

	if (e == NULL || !(e->flags & UI_ENTRY_DIR))
		return 1;
	if (e->flags & UI_ENTRY_UP)
		return ui_picker_up(p);
	if ((r = ui_picker_path(p, p->cursor, path, sizeof path)) < 0)
		return r;
	return change_dir(p, path, NULL);
}

void
ui_picker_set_hidden(struct ui_picker *p, bool hidden)
{
	const struct ui_entry	*e = ui_picker_current(p);
	char			 keep[PATH_MAX];

	snprintf(keep, sizeof keep, "%s", e != NULL ? e->name : "");
	p->hidden = hidden;
	rebuild_view(p, e != NULL ? keep : NULL);
}

void
ui_picker_set_filter(struct ui_picker *p, const char *text)
{
	const struct ui_entry	*e = ui_picker_current(p);
	char			 keep[PATH_MAX];

	snprintf(keep, sizeof keep, "%s", e != NULL ? e->name : "");
	snprintf(p->filter, sizeof p->filter, "%s", text != NULL ? text : "");
	p->cursor = 0;
	/* Stay on the same entry while it still matches; else go to the first match. */
	rebuild_view(p, e != NULL ? keep : NULL);
	/* Prefer a real match over ".." while filtering. */
	if (p->filter[0] != '\0' && p->nview > 1 &&
	    (p->all[p->view[p->cursor]].flags & UI_ENTRY_UP))
		p->cursor = 1;
}

const struct ui_entry *
ui_picker_row(const struct ui_picker *p, size_t i)
{
	if (i >= p->nview)
		return NULL;
	return &p->all[p->view[i]];
}

const struct ui_entry *
ui_picker_current(const struct ui_picker *p)
{
	return ui_picker_row(p, p->cursor);
}

void
ui_picker_move(struct ui_picker *p, long delta)
{
	long	c = (long)p->cursor + delta;

	if (p->nview == 0) {
		p->cursor = 0;
		return;
	}
	if (c < 0)
		c = 0;
	if (c >= (long)p->nview)
		c = (long)p->nview - 1;
	p->cursor = (size_t)c;
}

int
ui_picker_path(const struct ui_picker *p, size_t i, char *buf, size_t len)
{
	const struct ui_entry	*e = ui_picker_row(p, i);
	int			 n;

	if (e == NULL)
		return -ENOENT;
	if (strcmp(p->dir, "/") == 0)
		n = snprintf(buf, len, "/%s", e->name);
	else
		n = snprintf(buf, len, "%s/%s", p->dir, e->name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Binary search in the sorted mark list; returns true and *at when found, else the insert position. */
static bool
mark_find(const struct ui_picker *p, const char *path, size_t *at)
{
	size_t	lo = 0, hi = p->nmarks, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->marks[mid].path, path);
		if (c == 0) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

bool
ui_picker_is_marked(const struct ui_picker *p, size_t i)
{
	char	path[PATH_MAX];
	size_t	at;

	if (p->nmarks == 0 || ui_picker_path(p, i, path, sizeof path) != 0)
		return false;
	return mark_find(p, path, &at);
}

int
ui_picker_toggle(struct ui_picker *p)
{
	const struct ui_entry	*e = ui_picker_current(p);
	struct ui_mark		*m;
	char			 path[PATH_MAX], *dup;
	size_t			 at;

	if (e == NULL || (e->flags & (UI_ENTRY_OTHER | UI_ENTRY_UP)))
		return 1;
	if (ui_picker_path(p, p->cursor, path, sizeof path) != 0)
		return 1;
	if (mark_find(p, path, &at)) {
		p->marks_total -= p->marks[at].size;
		p->nmark_dirs -= p->marks[at].dir;
		free(p->marks[at].path);
		memmove(&p->marks[at], &p->marks[at + 1],
		    (p->nmarks - at - 1) * sizeof *p->marks);
		p->nmarks--;
		return 0;
	}
	if ((dup = strdup(path)) == NULL)
		return -ENOMEM;
	if ((m = realloc(p->marks, (p->nmarks + 1) * sizeof *m)) == NULL) {
		free(dup);
		return -ENOMEM;
	}
	p->marks = m;
	memmove(&m[at + 1], &m[at], (p->nmarks - at) * sizeof *m);
	m[at].path = dup;
	m[at].dir = (e->flags & UI_ENTRY_DIR) != 0;
	/* A folder's size is known once it is walked, when it is sent. */
	m[at].size = m[at].dir ? 0 : e->size;
	p->nmarks++;
	p->nmark_dirs += m[at].dir;
	p->marks_total += m[at].size;
	return 0;
}

void
ui_picker_clear_marks(struct ui_picker *p)
{
	size_t	i;

	for (i = 0; i < p->nmarks; i++)
		free(p->marks[i].path);
	free(p->marks);
	p->marks = NULL;
	p->nmarks = 0;
	p->nmark_dirs = 0;
	p->marks_total = 0;
}
