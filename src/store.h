/*
 * store.h: the receiver's safety rules on disk. A name from the wire is a
 * name, never a path; files are written as NAME.part (created, never
 * followed), verified, then given a final name that never replaces an
 * existing file: "NAME", else "stem (1).ext", "stem (2).ext", ...
 *
 * These functions block (they are system calls on the receive folder): the
 * transfer engine runs them on libuv's thread pool, never on the loop.
 */
#ifndef FERRY_STORE_H
#define FERRY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define STORE_NAME_MAX		255	/* bytes in one file name (NAME_MAX) */
#define STORE_PART_SUFFIX	".part"
#define STORE_TRIES		10000	/* "stem (9999).ext" is the last candidate */
#define STORE_PATH_MAX		(PROTO_FILE_NAME_MAX - 7)	/* a path in a folder: room
					   for " (9999)" after its folder's name */

/*
 * The receiver's verdict on a name from an offer: NULL when it may be
 * created inside the receive folder and cannot fool a person, else why
 * (whylen bytes, PROTO_NAME_WHY_MAX will do) with a reason ("contains a
 * slash", "ends with a space"): proto_file_name_problem.
 */
const char	*client_store_name_problem(const char *name, char *why,
		    size_t whylen);

/*
 * Where the extension of name begins ("archive.tar.gz" -> ".tar.gz",
 * "a.txt" -> ".txt", ".bashrc" -> none): an offset into name, strlen(name)
 * when there is none. Leading dots belong to the stem.
 */
size_t	client_store_ext_offset(const char *name);

/*
 * The n-th candidate for name followed by suffix ("" or STORE_PART_SUFFIX):
 * n = 0 is the name itself, n >= 1 is "stem (n).ext". The stem is shortened
 * at a UTF-8 character boundary so the result fits STORE_NAME_MAX bytes.
 * Returns 0, or UV_EINVAL for a name client_store_name_problem refuses, or
 * UV_ENOBUFS when out is too small.
 */
int	client_store_candidate(const char *name, unsigned n, const char *suffix,
	    char *out, size_t outlen);

/* The same for a folder: the number goes at the end ("photos.2024 (1)"). */
int	client_store_candidate_folder(const char *name, unsigned n,
	    const char *suffix, char *out, size_t outlen);

/*
 * Renames from to to, both names in the folder open as d, unless to exists:
 * renameat2 RENAME_NOREPLACE, else (a file) link + unlink, else an O_EXCL
 * placeholder (an empty folder for a folder) that rename then replaces,
 * our own and never someone else's. 0, UV_EEXIST or another error.
 */
int	client_store_move_noreplace(int d, const char *from, const char *to,
	    bool folder);
/* The same from folder df to folder d (one file system). */
int	client_store_move_noreplace_at(int df, const char *from, int d,
	    const char *to, bool folder);

/*
 * Creates a new, empty part file for name in dir with O_CREAT|O_EXCL|
 * O_NOFOLLOW ("NAME.part", then "stem (1).ext.part", ... when one exists),
 * opened for writing. On success *fd is the descriptor and part[] the part
 * file's name in dir. Returns 0 or a negative libuv error.
 */
int	client_store_open_part(const char *dir, const char *name, char *part,
	    size_t partlen, int *fd);

/*
 * Gives the part file its final name: the first of name, "stem (1).ext", ...
 * that does not exist, chosen atomically (renameat2 RENAME_NOREPLACE, else
 * link + unlink, else an O_EXCL placeholder) so nothing is ever replaced.
 * saved[] gets the final name. Returns 0 or a negative libuv error.
 */
int	client_store_commit(const char *dir, const char *part, const char *name,
	    char *saved, size_t savedlen);

/* The same for a part file kept in from_dir (the resume folder), committed into dir. */
int	client_store_commit_from(const char *from_dir, const char *part,
	    const char *dir, const char *name, char *saved, size_t savedlen);

/* Removes file (a name, not a path) from dir. Returns 0 or a negative libuv error. */
int	client_store_remove(const char *dir, const char *file);

/* Bytes an unprivileged user may still write in dir (statvfs f_bavail). */
int	client_store_free_space(const char *dir, uint64_t *avail);

/* 0 when dir is an existing folder we may write into, else a negative libuv error. */
int	client_store_check_dir(const char *dir);

/* --- folders (store_tree.c) ------------------------------------------- */

/* Entry i of a list: its path, and in *dir whether it is a folder. */
typedef const char	*(*store_entry_fn)(void *arg, size_t i, bool *dir);
/* Called for each refused entry with its reason ("is listed twice"). */
typedef void		 (*store_bad_fn)(void *arg, size_t i, const char *why);

/*
 * Judges n entries as a tree: every path relative, each of its parts a
 * name (client_store_name_problem), every folder on the way an entry of
 * its own listed before it, no path twice (top-level files excepted: they
 * are saved side by side). top[i] gets the index of entry i's top-level
 * entry, parent[i] that of its folder (n at the top level). Calls bad for
 * each refused entry; returns how many, or UV_ENOMEM. No disk is touched.
 */
long	client_store_tree_check(size_t n, store_entry_fn at, void *arg,
	    size_t *top, size_t *parent, store_bad_fn bad, void *bad_arg);

/*
 * Creates the staging folder of top-level folder name in dir: "NAME.part",
 * else "stem (1).part", ..., mode 0700 while it fills. stage[] its name.
 */
int	client_store_stage_open(const char *dir, const char *name, char *stage,
	    size_t stagelen);
/* Creates folder rel ("2024/trip": a path below the top) in the stage. */
int	client_store_stage_mkdir(const char *dir, const char *stage,
	    const char *rel);
/* Creates file rel in the stage with O_CREAT|O_EXCL|O_NOFOLLOW, opened to write. */
int	client_store_stage_create(const char *dir, const char *stage,
	    const char *rel, int *fd);
/* Sets the modification time of folder rel in the stage ("" the stage itself). */
int	client_store_stage_mtime(const char *dir, const char *stage,
	    const char *rel, uint64_t mtime);
/*
 * Gives the stage the mode of a new folder and its time (mtime 0: leaves
 * it), then its final name: name, else "name (1)", ... (never replacing
 * anything). saved[] gets it.
 */
int	client_store_stage_commit(const char *dir, const char *stage,
	    const char *name, uint64_t mtime, char *saved, size_t savedlen);
/* Takes a committed folder back to its stage name (the commit is undone). */
int	client_store_stage_undo(const char *dir, const char *saved,
	    const char *stage);
/* Removes the stage and everything in it, following no symbolic link. */
int	client_store_stage_remove(const char *dir, const char *stage);
/* A received file gets the executable bit (where readable) and its time (mtime 0: leaves it). */
int	client_store_file_finish(int fd, bool exec, uint64_t mtime);

/* --- kept parts, to resume (store_resume.c) --------------------------- */

#define STORE_RESUME_DIR	".ferry-resume"	/* in the receive folder, 0700 */
#define STORE_RESUME_TRIES	10	/* KEY, KEY.1, ... KEY.9 for one file */
#define STORE_RESUME_KEY_LEN	64	/* hex characters of a key */

/*
 * The resume folder of dir: creates DIR/.ferry-resume (0700) when missing;
 * path[] gets its path. Refuses (UV_EPERM, why[] says how to fix it) a
 * folder that is not ours or that others may use, and a link.
 */
int	client_store_resume_dir(const char *dir, char *path, size_t pathlen,
	    char *why, size_t whylen);
/* key[STORE_RESUME_KEY_LEN + 1]: what names the part of one file from one sender. */
int	client_store_resume_key(const uint8_t peer_key[32], const char *name,
	    uint64_t size, uint64_t mtime, char *key);
/*
 * Finds a kept part for key no longer than size, free (not locked by a
 * running transfer): *fd open to read and write, locked until closed;
 * *len its length; part[] its name in rdir. 0; UV_EBUSY when every part
 * for key is held; UV_ENOENT.
 */
int	client_store_resume_find(const char *rdir, const char *key,
	    uint64_t size, char *part, size_t partlen, int *fd, uint64_t *len);
/* A new empty part for key, locked, with its record beside it (record_fn's text). */
int	client_store_resume_create(const char *rdir, const char *key,
	    const char *record, char *part, size_t partlen, int *fd);
/* The record of a kept part: "ferry-part 1\nSIZE MTIME\nPATH\n". */
int	client_store_resume_record(const char *name, uint64_t size,
	    uint64_t mtime, char *out, size_t outlen);
/* Removes the resume folder when it is empty, so a receive folder shows nothing of it. */
void	client_store_resume_tidy(const char *rdir);
/* Removes part's record (its part was committed). */
int	client_store_resume_forget(const char *rdir, const char *part);
/* Removes part and its record. */
int	client_store_resume_remove(const char *rdir, const char *part);

/* One kept part the cleanup removed: its path, bytes kept of size, age. */
typedef void	(*store_pruned_fn)(void *arg, const char *name, uint64_t have,
		    uint64_t size, uint64_t age_s);
/*
 * Removes kept parts of dir last written max_age_s or more ago and not held
 * by a transfer, calling cb for each. 0, or an error about the folder.
 */
int	client_store_resume_prune(const char *dir, uint64_t max_age_s,
	    store_pruned_fn cb, void *arg);

#endif /* FERRY_STORE_H */
