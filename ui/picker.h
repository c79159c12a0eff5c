/*
 * picker.h: the file picker model behind the Files pane: a directory
 * listing (folders first, then files, natural order), a hidden-file toggle,
 * a typed filter and marks that survive moving between folders. No curses:
 * the pane draws it, the unit tests drive it.
 */
#ifndef FERRY_UI_PICKER_H
#define FERRY_UI_PICKER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UI_ENTRY_DIR	0x1	/* a folder (after following a symlink) */
#define UI_ENTRY_LINK	0x2	/* the name is a symlink */
#define UI_ENTRY_OTHER	0x4	/* neither a regular file nor a folder (fifo, socket, dangling link) */
#define UI_ENTRY_UP	0x8	/* the ".." row */

struct ui_entry {
	char		*name;		/* owned (malloc): the name inside the folder */
	uint64_t	 size;		/* bytes (regular files), 0 otherwise */
	int		 flags;		/* UI_ENTRY_* */
};

/* A marked file: where it is and how big it was when marked. */
struct ui_mark {
	char		*path;		/* owned (malloc): absolute */
	uint64_t	 size;		/* bytes; 0 for a folder */
	bool		 dir;		/* a folder: sent with everything in it */
};

struct ui_picker {
	char		  dir[PATH_MAX];	/* absolute path of the folder shown */
	struct ui_entry	 *all;		/* owned: every entry of the folder, sorted */
	size_t		  nall;
	size_t		 *view;		/* owned: indices into all that pass hidden+filter */
	size_t		  nview;
	size_t		  cursor;	/* index into view */
	bool		  hidden;	/* show names that start with '.' */
	char		  filter[256];	/* typed filter text, "" for none */
	int		  error;	/* errno of the last listing that failed, 0 if it worked */

	struct ui_mark	 *marks;	/* owned: the marked files and folders, sorted by path */
	size_t		  nmarks;
	size_t		  nmark_dirs;	/* of them, folders */
	uint64_t	  marks_total;	/* bytes of the marked files */
};

/* Opens dir (relative paths are made absolute). Returns 0 or -errno; on error the picker is empty. */
int	ui_picker_init(struct ui_picker *p, const char *dir);
void	ui_picker_free(struct ui_picker *p);

/* Lists p->dir again, keeping the cursor on the same name when it still exists. */
int	ui_picker_reload(struct ui_picker *p);
/* Enters the folder under the cursor (or goes up on ".."). Returns 0, 1 if it is not a folder, or -errno. */
int	ui_picker_open(struct ui_picker *p);
/* Goes to the parent folder, with the cursor on the folder we came from. 1 at "/". */
int	ui_picker_up(struct ui_picker *p);

void	ui_picker_set_hidden(struct ui_picker *p, bool hidden);
/* Sets the filter (case-insensitive substring unless it has upper case). */
void	ui_picker_set_filter(struct ui_picker *p, const char *text);

/* The entry under view row i, or NULL. */
const struct ui_entry *ui_picker_row(const struct ui_picker *p, size_t i);
/* The entry under the cursor, or NULL when the view is empty. */
const struct ui_entry *ui_picker_current(const struct ui_picker *p);
/* Moves the cursor by delta rows, clamped to the view. */
void	ui_picker_move(struct ui_picker *p, long delta);

/* True when the entry of view row i is marked. */
bool	ui_picker_is_marked(const struct ui_picker *p, size_t i);
/*
 * Toggles the mark on the entry under the cursor. Regular files and folders
 * can be marked: returns 0 when toggled, 1 when the entry cannot be sent
 * ("..", a fifo, a dangling link), -ENOMEM.
 */
int	ui_picker_toggle(struct ui_picker *p);
void	ui_picker_clear_marks(struct ui_picker *p);

/*
 * Writes the absolute path of row i into buf. Returns 0, or -ENAMETOOLONG.
 */
int	ui_picker_path(const struct ui_picker *p, size_t i, char *buf, size_t len);

#endif /* FERRY_UI_PICKER_H */
