/*
 * transfer_int.h: the transfer engine's internals, shared by its files only
 * (transfer.c lifecycle, list and control messages; transfer_disk.c the
 * thread-pool jobs; transfer_send.c; transfer_recv.c; transfer_data.c the
 * data connection). One struct transfer per offer, in either direction.
 * Disk work runs on libuv's thread pool, one job at a time per transfer, so
 * the loop never waits for a disk.
 */
#ifndef FERRY_TRANSFER_INT_H
#define FERRY_TRANSFER_INT_H

#include <sys/queue.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "conn.h"
#include "digest.h"
#include "msg.h"
#include "store.h"
#include "transfer.h"

#ifndef UV__ERR
#define UV__ERR(x)	(-(x))	/* libuv's error for an errno, as on every unix */
#endif

/*
 * Backpressure bounds. A sender stops reading its file while more than
 * TRANSFER_TX_HIGH bytes wait in the data socket's write queue; a receiver
 * stops reading the socket while more than TRANSFER_RX_HIGH bytes wait for
 * the disk, and starts again below TRANSFER_RX_LOW.
 */
#define TRANSFER_TX_HIGH	(4 * CLIENT_CHUNK_SIZE)
#define TRANSFER_RX_HIGH	(8 * CLIENT_CHUNK_SIZE)
#define TRANSFER_RX_LOW		(4 * CLIENT_CHUNK_SIZE)
#define TRANSFER_SPARE_MAX	6	/* chunk buffers kept for reuse per transfer */
#define TRANSFER_BLOCKS_HIGH	256	/* blocks queued at most (small files make
					   many small ones), either side */
#define TRANSFER_BLOCKS_LOW	128
#define TRANSFER_ANSWER_MS	120000	/* send: the receiver's answer inside the session */
#define TRANSFER_LIST_MS	30000	/* receive: the sender's list once offered, */
#define TRANSFER_LIST_PER	10	/* ... and 1 ms more for each this many entries */
#define TRANSFER_MAX_NAMES	(64 << 20)	/* receive: bytes of names the lists held
						   here may take together */
#define TRANSFER_MAX_WAITING	16	/* receive: offers not answered yet; more are
					   declined at once, with no data connection */
#define TRANSFER_MAX_RECEIVING	32	/* receive: open transfers in all */
#define TRANSFER_MAX_ENTRIES	2000000	/* receive: entries the open offers count
					   together (about 300 bytes each once listed) */
#define TRANSFER_GRACE_MS	1000	/* after the data connection breaks, wait this
					   long for the relay to say why */
#define TRANSFER_CANCEL_MS	10000	/* send: after our cancel inside the session,
					   wait this long for the receiver's receipt */

/* Per-file state the front ends do not see. */
struct transfer_file {
	int		 fd;		/* -1 when closed */
	struct client_digest	 dg;		/* running SHA-256 */
	uint64_t	 offset;	/* bytes read (send) or written (receive) */
	uint64_t	 got;		/* receive: bytes that arrived */
	uint64_t	 st_size;	/* send: size found by the stat job */
	struct timespec	 st_mtim;	/* send: its modification time then */
	char		 sha256[DIGEST_HEX_LEN + 1];	/* our digest once final, else "" */
	char		*part;		/* receive, owned: a top-level entry's part file
					   or staging folder in dir; NULL when none */
	char		*saved;		/* receive, owned: a top-level entry's final
					   name once committed, else NULL */
	size_t		 top;		/* receive: the top-level entry it lies under
					   (its own index at the top) */
	size_t		 parent;	/* receive: the folder it lies in; nfiles at the top */
	size_t		 ord;		/* its number among the files (folders not
					   counted), from 0 */
	bool		 created;	/* receive: its file exists on the disk */
	bool		 committed;
	bool		 resuming;	/* a kept prefix of resume bytes waits for its
					   check: receive, until file_from; send, until
					   the open job hashed it (sha256 holds the
					   receiver's digest of it meanwhile) */
	bool		 from_due;	/* send: file_from goes out before its bytes */
	bool		 in_res;	/* receive: its part is in the resume folder,
					   held open (locked) until it is committed */
	uint64_t	 resume;	/* the kept prefix's length; 0: none */
};

/* send: what the walk of the offered paths found (transfer_walk.c), owned by the job. */
struct transfer_walk {
	struct client_file	*files;		/* owned: n entries, names and paths too */
	struct transfer_file	*xf;		/* owned: n entries */
	size_t			 n, cap;
	size_t			 nfolders;
	char			 skipped[sizeof ((struct client_transfer *)0)->skipped];
};

/* A chunk of file bytes on its way to the socket or the disk, or (receive) a file's end. */
struct transfer_block {
	struct transfer_block	*next;
	int			 kind;		/* TRANSFER_BLOCK_DATA or TRANSFER_BLOCK_END */
#define TRANSFER_BLOCK_DATA	1
#define TRANSFER_BLOCK_END	2
	size_t			 file;		/* index in the offer */
	size_t			 len;		/* data bytes used */
	size_t			 cap;		/* data bytes it holds: CLIENT_CHUNK_SIZE,
						   less for the end of a file */
	uint64_t		 size;		/* END: the sender's file size */
	char			 sha256[PROTO_SHA256_LEN + 1];	/* END: the sender's digest */
	uint8_t			 hdr[PROTO_HEADER_LEN];	/* send: the data frame's header */
	uint8_t			 data[];	/* DATA: cap bytes */
};

struct transfer;
TAILQ_HEAD(transfer_list, transfer);

/* The engine: the client's transfers and what it was told about the client. */
struct transfer_engine {
	struct client		*c;		/* passed back to client.c's hooks */
	struct transfer_settings set;		/* strings borrowed from the client */
	struct transfer_list	 list;		/* every transfer not forgotten, oldest first */
	size_t			 n;
	size_t			 nhidden;	/* of them TRANSFER_LISTING: not shown yet */
	uint64_t		 next_id;	/* local transfer handles */
	uint64_t		 next_ref;	/* offer refs */
};

/* The one disk job a transfer may have on the thread pool (transfer_disk.c). */
enum {
	JOB_STAT = 1,		/* send: walk and check every path before the offer */
	JOB_OPEN_READ,		/* send: open file job_file */
	JOB_READ,		/* send: read and hash the next block of job_file */
	JOB_CHECK_LIST,		/* receive: the sender's list judged as a tree */
	JOB_SPACE,		/* receive: folder writable, free space, then the
				   staging folders and every folder in them */
	JOB_OPEN_PART,		/* receive: create job_file's part file */
	JOB_WRITE,		/* receive: write and hash job_block */
	JOB_FINISH,		/* receive: sync, close, final digest of job_file */
	JOB_COMMIT,		/* receive: give every part file its final name */
	JOB_CLEANUP,		/* both: close files, remove part files unless done */
};

struct transfer {
	struct client_transfer	 pub;		/* first: what front ends read */
	TAILQ_ENTRY(transfer)	 entry;
	struct transfer_engine	*e;		/* the engine whose list holds it */
	uint64_t		 ref;		/* send: our offer's ref */
	struct transfer_file	*xf;		/* owned: pub.nfiles entries */
	size_t			 offered;	/* receive: entries the offer counts; pub.files
						   and xf grow as the list's pages come */
	size_t			 listed;	/* receive: entries of the list so far */
	size_t			 listed_names;	/* receive: their names' bytes */
	size_t			 files_cap;	/* entries pub.files and xf have room for */
	uint64_t		 listed_bytes;	/* receive: their sizes */
	size_t			 rcpt_next;	/* send: entry the next receipt page starts at */
	size_t			 skip_end;	/* send: where the accept's last range ended */
	size_t			 resume_end;	/* send: after the accept's last resume entry */
	struct client_conn	*data;		/* data connection; NULL when none */
	char			*res_dir;	/* receive, owned: DIR/.ferry-resume, where
						   top-level files are received and kept
						   when broken; NULL: beside them, as NAME.part */
	uint8_t			 peer_key[32];	/* TRANSFER_KEYED: who must be at the other end */
	int			 flags;
#define TRANSFER_JOB		0x0001	/* a job is on the thread pool */
#define TRANSFER_ATTACHED	0x0002	/* the relay bridged the data connection */
#define TRANSFER_RELEASED	0x0004	/* files closed and part files handled */
#define TRANSFER_FORGOTTEN	0x0008	/* gone from the list: free when idle */
#define TRANSFER_CANCEL_SENT	0x0010	/* cancel went to the relay */
#define TRANSFER_ACCEPTING	0x0020	/* receive: the free-space check runs */
#define TRANSFER_DATA_LOST	0x0040	/* the data connection broke */
#define TRANSFER_WANT_CANCEL	0x0080	/* send: cancel once "offered" gives an id */
#define TRANSFER_THROTTLED	0x0100	/* send: waiting for the rate limit */
#define TRANSFER_BOUND		0x0200	/* bind for the data connection's slot went out */
#define TRANSFER_LISTING	0x0400	/* receive: hidden until the sender's list arrives */
#define TRANSFER_SECURE		0x0800	/* the end-to-end session is up, the peer's key checked */
#define TRANSFER_KEYED		0x1000	/* peer_key holds the key the relay announced */
#define TRANSFER_CANCELLING	0x2000	/* send: our cancel went inside the session;
					   the receiver's receipt says who won */
#define TRANSFER_COMMITTING	0x4000	/* receive: the last file was verified and the
					   commit decided: only its result ends us */
#define TRANSFER_CANCEL_LATE	0x8000	/* receive: a cancel came after the commit started */
#define TRANSFER_FLUSH		0x10000	/* what we said last goes out before we close */
#define TRANSFER_STOP_LATE	0x20000	/* receive: something else tried to end us while
					   committing (the receipt may not reach the sender) */

	/* The one job in flight (TRANSFER_JOB). */
	uv_work_t		 work;
	int			 job_op;
	size_t			 job_file;
	struct transfer_block	*job_block;	/* owned by the job while it runs */
	struct transfer_walk	*job_walk;	/* owned: JOB_STAT's result until taken */
	int			 job_err;	/* 0 or a libuv error */
	uint64_t		 job_u64;	/* SPACE: free bytes */
	char			 job_msg[PROTO_TEXT_MAX + 1];	/* the job's words for a failure */

	struct transfer_block	*q_head;	/* receive: waiting for the disk, in order */
	struct transfer_block	*q_tail;
	size_t			 q_bytes;
	size_t			 q_blocks;	/* receive: blocks queued, END ones too */
	size_t			 rx_file;	/* receive: file whose bytes arrive now */
	struct transfer_block	*spare;		/* freelist of DATA blocks */
	unsigned		 nspare;
	unsigned		 out_blocks;	/* send: blocks the socket still holds */

	uv_timer_t		*timer;		/* owned: throttle, grace, cancel or commit
						   delay timer, NULL when none */
	char			 cancel_why[PROTO_TEXT_MAX + 1];	/* send: our cancel's reason while CANCELLING */
	uint64_t		 emit_ms;	/* last progress callback */
	uint64_t		 rate_ms;	/* rate sample start */
	uint64_t		 rate_bytes;
};

/* transfer.c: lifecycle, the list, what front ends and the relay see. */
struct transfer *xfer__new(struct transfer_engine *e, enum client_dir dir,
	    size_t nfiles);
/* Grows pub.files and xf to nfiles entries (new ones zero, fd -1). 0 or UV_ENOMEM. */
int	xfer__files(struct transfer *t, size_t nfiles);
/* Frees what n entries own (names, paths, part and saved names, digests). */
void	xfer__files_free(struct client_file *f, struct transfer_file *x,
	    size_t n);
/* Once the list is whole: each file's ord, pub.nfolders and pub.ntop. */
void	xfer__index_files(struct transfer *t);
/* The next entry from i on that has bytes of its own (not a folder) and is taken; nfiles when none. */
size_t	xfer__next_file(const struct transfer *t, size_t i);
int	xfer__forget(struct transfer *t);
void	xfer__maybe_free(struct transfer *t);
/* Ends the transfer with a reason: drops the data connection, releases files, reports. */
void	xfer__end(struct transfer *t, enum client_transfer_state s,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failure on our side: tells the other side why, then ends as FAILED. */
void	xfer__fail(struct transfer *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	xfer__emit(struct transfer *t);
void	xfer__set_state(struct transfer *t, enum client_transfer_state s);
void	xfer__progress(struct transfer *t);
int	xfer__timer_start(struct transfer *t, uv_timer_cb cb, uint64_t ms);
void	xfer__timer_stop(struct transfer *t);
/* Sends cancel on the control connection (once the relay named the transfer). */
void	xfer__send_cancel(struct transfer *t, const char *reason);

/* transfer_cancel.c: cancel against commit (PROTOCOL.md 3.4, who wins). */
/* client_cancel: 0, or UV_EINVAL when the transfer has ended. */
int	xfer__cancel(struct transfer *t, const char *reason);
/* True while a sender's cancel waits for the session's answer. */
bool	xfer__session_decides(const struct transfer *t);
/* A receipt while cancelling: true when it ended the transfer (ok:false). */
bool	xfer__cancel_answered(struct transfer *t, const struct proto_msg *m);
/* The session ended before our cancel was answered. */
void	xfer__cancel_unanswered(struct transfer *t);
/*
 * A cancel from the peer inside the session (or forwarded by the relay,
 * in_session false). The receiver honours it unless its commit started.
 */
void	xfer__peer_cancel(struct transfer *t, const struct proto_msg *m,
	    bool in_session);
/* The other side ended it: "bob declined the transfer: reason". */
void	xfer__remote_end(struct transfer *t, enum client_transfer_state s,
	    const char *verb, const char *reason);
/* Remembers the key the relay announced for the peer of t. */
void	xfer__peer(struct transfer *t, const struct proto_peer *p);
/* Sends m to the peer inside the end-to-end session. 0 or an error. */
int	xfer__send_peer(struct transfer *t, const struct proto_msg *m);
/* A DATA block for want bytes: a whole chunk (recycled) or, under a chunk, just enough. */
struct transfer_block *xfer__block_get(struct transfer *t, uint64_t want);
void	xfer__block_put(struct transfer *t, struct transfer_block *b);
void	xfer__free_blocks(struct transfer *t);
void	xfer__quote(const char *name, char *out, size_t outlen);
void	xfer__text(char *dst, size_t dstlen, const char *src);
const char *xfer__amount(const struct transfer *t, char *buf, size_t len);

/* transfer_walk.c: the sender's JOB_STAT, on a worker thread, and its result back on the loop. */
void	xfer__job_walk(struct transfer *t);
void	xfer__walk_done(struct transfer *t);
/*
 * Opens path to read without ever waiting (O_NONBLOCK, then a regular file
 * required). 0, or a uv error with the reason in msg and a short one in *why.
 */
int	xfer__open_regular(const char *path, int *fd, struct stat *st,
	    char *msg, size_t msglen, const char **why);

/* transfer_disk.c: the jobs on the thread pool. */
/* Queues job op; on 0, b belongs to the job, else it stays the caller's. */
int	xfer__job(struct transfer *t, int op, size_t file,
	    struct transfer_block *b);
/* Closes files and removes part files (on the pool) once no job holds them. */
void	xfer__release(struct transfer *t);

/* transfer_send.c. The after_ functions take the job's results; those with b own it. */
void	xfer__send_offer(struct transfer *t);
/* The session is up: the list of files goes to the receiver. */
void	xfer__send_files(struct transfer *t);
/* The receiver's answer inside the session. */
void	xfer__answer(struct transfer *t, const struct proto_msg *m);
void	xfer__tx_pump(struct transfer *t);
void	xfer__after_read(struct transfer *t, struct transfer_block *b);
void	xfer__receipt(struct transfer *t, const struct proto_msg *m);

/* transfer_recv.c */
void	xfer__incoming(struct transfer_engine *e, const struct proto_msg *m);
/* The sender's list of files, inside the session. */
void	xfer__rx_files(struct transfer *t, const struct proto_msg *m);
/* JOB_CHECK_LIST's work and its result. */
void	xfer__job_check_list(struct transfer *t);
void	xfer__after_check_list(struct transfer *t);
int	xfer__accept(struct transfer *t);
/* Sends decline with a wire reason and ends the transfer with a local one. */
void	xfer__decline_why(struct transfer *t, const char *wire,
	    const char *local);

/* transfer_list.c: the list's pages, the tree check, leaving entries out, the accept. */
/* The list did not come in time (a timer callback). */
void	xfer__list_late_cb(uv_timer_t *tm);
int	xfer__take(struct transfer *t, size_t i, bool take);
int	xfer__send_accept(struct transfer *t);
int	xfer__decline(struct transfer *t, const char *reason);
void	xfer__after_space(struct transfer *t);
uint8_t	*xfer__rx_room(struct transfer *t, size_t left, int probe, size_t *room);
void	xfer__rx_got(struct transfer *t, size_t n);
void	xfer__rx_data(struct transfer *t, const uint8_t *p, size_t len);
void	xfer__rx_file_end(struct transfer *t, const struct proto_msg *m);
void	xfer__rx_pump(struct transfer *t);
void	xfer__after_write(struct transfer *t, struct transfer_block *b);
void	xfer__after_finish(struct transfer *t, const struct transfer_block *b);	/* b: borrowed */
void	xfer__after_commit(struct transfer *t);
/* The receiver's answer to a cancel that came before its commit: receipt ok:false, ended. */
void	xfer__rx_cancelled(struct transfer *t, const char *reason);

/* transfer_resume.c: going on from a kept part (PROTOCOL.md, resume). */
#define TRANSFER_RESUME_MAX	16	/* receive: top-level files of one offer received
					   into the resume folder (each keeps a descriptor
					   until the commit); the others as NAME.part */
/* JOB_SPACE's first step, on the pool: the resume folder, kept parts found and hashed. */
void	xfer__job_resume_scan(struct transfer *t);
/* JOB_OPEN_PART for a file with in_res: its part in the resume folder. */
int	xfer__resume_open_part(struct transfer *t, size_t i);
/* Receive: what was kept, counted once the accept is out. */
void	xfer__resume_accepted(struct transfer *t);
/* Receive: the accept's resume pages, after its skip pages. 0 or an error. */
int	xfer__send_resume(struct transfer *t);
bool	xfer__has_resume(const struct transfer *t);
/* Receive: bytes kept from before, which need no room on the disk. */
uint64_t xfer__resume_bytes(const struct transfer *t);
/*
 * A connection broke: marks t broken (a retry resumes) and returns the end
 * of its message ("; what arrived is kept, ...", "; nothing was saved").
 */
const char *xfer__broke(struct transfer *t);
/* Receive: file_from on the data connection. */
void	xfer__rx_file_from(struct transfer *t, const struct proto_msg *m);
/* Send: an accept page's resume entries. 0, or -1 after failing the transfer. */
int	xfer__take_resume(struct transfer *t, const struct proto_msg *m);
/* Send, on the pool: checks a resumed file's prefix; sets offset. 0 or an error (job_msg). */
int	xfer__resume_check(struct transfer *t, size_t i);
/* Send: file_from for file i, before its bytes. */
void	xfer__send_file_from(struct transfer *t, size_t i);
/* Receive, on the pool: parts of a transfer that broke are kept, others removed. */
void	xfer__resume_release(struct transfer *t, size_t i);

/* transfer_data.c: a transfer's own connection to the relay. */
void	xfer__ready(struct transfer *t, const struct proto_msg *m);

#endif /* FERRY_TRANSFER_INT_H */
