/*
 * transfer.h: the transfer engine. One struct transfer per offer, in either
 * direction: the offer and its answer on the control connection, then a
 * data connection of its own that streams the files (sender) or writes,
 * hashes and verifies them (receiver). Disk work runs on libuv's thread
 * pool, one job at a time per transfer, so the loop never waits for a disk.
 */
#ifndef FERRY_TRANSFER_H
#define FERRY_TRANSFER_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client.h"
#include "core.h"
#include "digest.h"
#include "msg.h"
#include "store.h"

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
#define TRANSFER_GRACE_MS	1000	/* after the data connection breaks, wait this
					   long for the relay to say why */

/* Per-file state the front ends do not see. */
struct transfer_file {
	int		 fd;		/* -1 when closed */
	struct client_digest	 dg;		/* running SHA-256 */
	uint64_t	 offset;	/* bytes read (send) or written (receive) */
	uint64_t	 got;		/* receive: bytes that arrived */
	uint64_t	 st_size;	/* send: size found by the stat job */
	char		 sha256[DIGEST_HEX_LEN + 1];	/* our digest once final, else "" */
	char		 part[STORE_NAME_MAX + 1];	/* receive: part file in dir, "" when none */
	char		 saved[STORE_NAME_MAX + 1];	/* receive: final name once committed */
	bool		 committed;
};

/* A chunk of file bytes on its way to the socket or the disk, or (receive) a file's end. */
struct transfer_block {
	struct transfer_block	*next;
	int			 kind;		/* TRANSFER_BLOCK_DATA or TRANSFER_BLOCK_END */
#define TRANSFER_BLOCK_DATA	1
#define TRANSFER_BLOCK_END	2
	size_t			 file;		/* index in the offer */
	size_t			 len;		/* data bytes used */
	uint64_t		 size;		/* END: the sender's file size */
	char			 sha256[PROTO_SHA256_LEN + 1];	/* END: the sender's digest */
	uint8_t			 hdr[PROTO_HEADER_LEN];	/* send: the data frame's header */
	uint8_t			 data[];	/* DATA: CLIENT_CHUNK_SIZE bytes */
};

struct transfer {
	struct client_transfer	 pub;		/* first: what front ends read */
	TAILQ_ENTRY(transfer)	 entry;
	struct client		*c;
	uint64_t		 ref;		/* send: our offer's ref */
	struct transfer_file	*xf;		/* owned: pub.nfiles entries */
	struct client_conn		*data;		/* data connection; NULL when none */
	char			 token[PROTO_TOKEN_LEN + 1];
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

	/* The one job in flight (TRANSFER_JOB). */
	uv_work_t		 work;
	int			 job_op;
	size_t			 job_file;
	struct transfer_block	*job_block;	/* owned by the job while it runs */
	int			 job_err;	/* 0 or a libuv error */
	uint64_t		 job_u64;	/* SPACE: free bytes */
	char			 job_msg[PROTO_TEXT_MAX + 1];	/* the job's words for a failure */

	struct transfer_block	*q_head;	/* receive: waiting for the disk, in order */
	struct transfer_block	*q_tail;
	size_t			 q_bytes;
	size_t			 rx_file;	/* receive: file whose bytes arrive now */
	struct transfer_block	*spare;		/* freelist of DATA blocks */
	unsigned		 nspare;
	unsigned		 out_blocks;	/* send: blocks the socket still holds */

	uv_timer_t		*timer;		/* owned: throttle or grace timer, NULL when none */
	uint64_t		 emit_ms;	/* last progress callback */
	uint64_t		 rate_ms;	/* rate sample start */
	uint64_t		 rate_bytes;
};

/* Handles a transfer-related control message (offered, incoming, decline, cancel, ready, error with transfer/ref). Returns 1 when it was one. */
int	client_xfer_on_control(struct client *c, const struct proto_msg *m);
/* Starts an offer (client_offer): examines the files off the loop, then sends the offer. */
int	client_xfer_offer(struct client *c, const char *to, const char *const *paths,
	    size_t n, uint64_t *id, char *err, size_t errlen);
int	client_xfer_accept(struct transfer *t);
int	client_xfer_decline(struct transfer *t, const char *reason);
int	client_xfer_cancel(struct transfer *t, const char *reason);
/* Peers left the relay: their transfers that have not ended fail. */
void	client_xfer_peers_left(struct client *c, const uint64_t *ids, size_t n);
/* The control connection is gone: every transfer that has not ended fails. */
void	client_xfer_relay_lost(struct client *c, const char *why);
/* Drops an ended transfer from the list; frees it once idle. */
int	client_xfer_forget(struct transfer *t);
/* client_free: frees a transfer that is idle (after CLOSED). */
void	client_xfer_free(struct transfer *t);
struct transfer *client_xfer_find(struct client *c, uint64_t id);

#endif /* FERRY_TRANSFER_H */
