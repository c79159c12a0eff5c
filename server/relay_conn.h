/*
 * conn.h: the relay's sockets: struct relay (listener, timers, buffer pools,
 * every connection) and struct relay_conn (one TCP connection, its libuv
 * handle first). Internal to server/; ferryd.c sees only relay.h.
 */
#ifndef FERRY_RELAY_CONN_H
#define FERRY_RELAY_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "relay_control.h"
#include "frame.h"
#include "relay_list.h"
#include "relay.h"

#define RELAY_RBUF_SIZE		65536		/* the shared control read buffer */
#define RELAY_CHUNK_SIZE	(256 * 1024)	/* one bridge read (copy path) */
#define RELAY_CHUNK_MIN		(16 * 1024)	/* FERRY_RELAY_CHUNK is clamped to these */
#define RELAY_CHUNK_MAX		(4 * 1024 * 1024)
#define RELAY_PIPE_SIZE		(1024 * 1024)	/* splice path: pipe per direction */
#define RELAY_PIPE_MIN		65536		/* smaller pipes (quota): copy instead */
#define RELAY_HIGH_WATER	(1024 * 1024)	/* far side's unwritten bytes: stop reading */
#define RELAY_LOW_WATER		(256 * 1024)	/* ... and below this, read again */
#define RELAY_INFLIGHT_MAX	8		/* chunks queued to one side, at most */
#define RELAY_FREE_CHUNKS	8		/* chunks kept for reuse */
#define RELAY_PENDING_MAX	65536		/* bytes held for an unpaired data conn */
#define RELAY_CTRL_QUEUE_MAX	(8 * 1024 * 1024) /* unwritten control bytes before we give up */
#define RELAY_ACCEPT_PAUSE_MS	500		/* after EMFILE */
#define RELAY_FLUSH_MS		20		/* joins/leaves batched this long at most */

/*
 * A write request with its buffer: the read buffer of the bridge, or a copy
 * of a control frame's unsent tail. Owned by the request until its callback
 * runs; then recycled (bridge size) or freed.
 */
struct relay_chunk {
	uv_write_t		 req;
	struct relay_chunk	*next;		/* freelist */
	size_t			 cap;		/* bytes allocated in data */
	size_t			 len;		/* bytes used */
	int			 bridged;	/* counts in the target's inflight */
	uint8_t			 data[];
};

/*
 * The zero-copy bridge (Linux): bytes go from one socket into a pipe and
 * from the pipe to the other socket with splice(2), so they never enter
 * the relay's memory. Readiness comes from a uv_poll_t on a dup of the
 * socket, since libuv's own handle already watches the socket's number.
 * Owned by the data connection it reads from; freed in its close callback.
 */
struct relay_splice {
	uv_poll_t		 poll;
	struct relay_conn	*conn;
	int			 fd;		/* the socket (libuv's) */
	int			 dupfd;		/* what poll watches; closed after it */
	int			 pipe[2];	/* read from this side, not yet written on */
	size_t			 cap;		/* the pipe's size */
	size_t			 inpipe;	/* bytes in it */
	int			 events;	/* UV_READABLE | UV_WRITABLE watched */
	int			 blocked;	/* the pipe waits for the partner to be writable */
};

struct relay {
	uv_loop_t		*loop;
	struct relay_config	 cfg;
	struct relay_ctl	 ctl;
	uv_tcp_t		 listener;
	uv_timer_t		 tick;		/* deadlines, every relay_limits_tick_ms() */
	uv_timer_t		 pause;		/* accept pause after EMFILE */
	uv_prepare_t		 prepare;	/* end of each loop iteration: arm flush */
	uv_timer_t		 flush;		/* sends batched joins and leaves */
	int			 nhandles;	/* of the five above, not yet closed */
	unsigned		 hopen;		/* RELAY_H_* of those inited and not closing */
#define RELAY_H_LISTENER	0x1
#define RELAY_H_TICK		0x2
#define RELAY_H_PAUSE		0x4
#define RELAY_H_PREPARE		0x8
#define RELAY_H_FLUSH		0x10
	unsigned		 flags;
#define RELAY_LISTENING		0x1
#define RELAY_STOPPING		0x2
#define RELAY_ACCEPT_PAUSED	0x4
#define RELAY_ACCEPT_PENDING	0x8	/* a connection waits for uv_accept() */
#define RELAY_HANDLES_CLOSED	0x10
	uint8_t			*rbuf;		/* owned: RELAY_RBUF_SIZE, shared by control reads */
	int			 rbuf_busy;
	struct relay_chunk	*free_chunks;	/* owned: recycled bridge chunks */
	unsigned		 nfree;
	size_t			 chunk_size;	/* copy path read size (FERRY_RELAY_CHUNK) */
	size_t			 pipe_size;	/* splice path pipe size (FERRY_RELAY_PIPE) */
	int			 splice;	/* use splice(2) (FERRY_RELAY_SPLICE=0: no) */
	struct relay_list	 conns;		/* every open connection */
	size_t			 nconns;
	uint8_t			*busy_frame;	/* owned: error{busy}, made once */
	size_t			 busy_len;
	char			 addr[PROTO_ADDR_MAX + 1];	/* where we listen */
};

enum relay_conn_mode {
	RELAY_MODE_FRAMES = 0,		/* reading frames: new or control */
	RELAY_MODE_WAIT,		/* attached, waiting for the other side */
	RELAY_MODE_BRIDGE,		/* copying bytes to the partner */
	RELAY_MODE_DRAIN,		/* error sent: discard input until EOF or linger */
};

struct relay_conn {
	uv_tcp_t		 tcp;		/* first: the handle is the connection */
	struct relay		*relay;
	struct relay_peer	 peer;		/* what control.c knows of it */
	struct proto_decoder	 dec;		/* FRAMES only; freed after */
	uv_shutdown_t		 shut;
	uint8_t			 mode;		/* enum relay_conn_mode */
	uint8_t			 flags;
#define RELAY_CONN_READING	0x01
#define RELAY_CONN_CLOSING	0x02	/* uv_close() called */
#define RELAY_CONN_RD_EOF	0x04	/* it sent EOF */
#define RELAY_CONN_WR_SHUT	0x08	/* uv_shutdown() called */
#define RELAY_CONN_WR_DONE	0x10	/* ... and finished */
#define RELAY_CONN_PAUSED	0x20	/* reading stopped by backpressure */
	uint8_t			 nhandles;	/* closing: handles whose callback is due */
	uint16_t		 inflight;	/* bridge chunks queued to it */
	uint32_t		 nwrites;	/* write requests outstanding to it */
	struct relay_conn	*partner;	/* BRIDGE: the other side */
	struct relay_splice	*sp;		/* BRIDGE by splice: owned, else NULL */
	struct relay_chunk	*pending;	/* WAIT: bytes read after attach */
	uint64_t		 linger;	/* DRAIN: ms deadline for closing */
	int			 err;		/* why it closed: a libuv error, or 0 */
	struct relay_list	 link;		/* relay.conns */
};

extern const struct relay_ops relay_conn_ops;

/* Accepts one connection from the listener (the connection callback said so). */
void	relay_conn_accept(struct relay *r);
/* uv_close() it (idempotent); a partner that did not finish cleanly goes too. */
void	relay_conn_close(struct relay_conn *c);
/* Closes connections whose linger ran out. */
void	relay_conn_tick(struct relay *r, uint64_t now);
void	relay_conn_read_start(struct relay_conn *c);
void	relay_conn_read_stop(struct relay_conn *c);
void	relay_after_write_cb(uv_write_t *req, int status);
/* relay.c: stop accepting for RELAY_ACCEPT_PAUSE_MS. */
void	relay_pause_accept(struct relay *r);
/* relay.c: when stopping and the last connection is gone, close the rest. */
void	relay_stopped_check(struct relay *r);

/* bridge.c */
struct relay_chunk *relay_chunk_new(struct relay *r, size_t cap);
void	relay_chunk_put(struct relay *r, struct relay_chunk *ch);
void	relay_chunk_free_all(struct relay *r);
void	relay_bridge_start(void *arg, struct relay_transfer *t);
void	relay_bridge_alloc(struct relay_conn *c, uv_buf_t *buf);
void	relay_bridge_read(struct relay_conn *c, ssize_t nread, const uv_buf_t *buf);
/* Bytes the client sent with or after attach, forwarded once bridged. */
int	relay_bridge_forward(struct relay_conn *c, const uint8_t *p, size_t n);
/* A bridged write to c finished: maybe let its partner read again. */
void	relay_bridge_drained(struct relay_conn *c);
/* Closes c when both its directions are finished. */
void	relay_bridge_check(struct relay_conn *c);
/* Reads FERRY_RELAY_SPLICE, FERRY_RELAY_CHUNK and FERRY_RELAY_PIPE. */
void	relay_bridge_config(struct relay *r);
/* relay_conn_close(): closes c's splice handle (and pipes) if it has one. */
void	relay_bridge_close(struct relay_conn *c);
/* conn.c: one of c's handles finished closing; frees c after the last. */
void	relay_conn_handle_closed(struct relay_conn *c);

#endif /* FERRY_RELAY_CONN_H */
