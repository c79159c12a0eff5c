/*
 * relay_int.h: the relay's internals shared by relay.c (the relay as a
 * whole), relay_conn.c (one connection) and bridge.c (two paired data
 * connections): struct relay, struct relay_conn and the relay__ functions
 * they call in each other. Private to server/; ferryd.c and the tests see
 * relay.h. Calls go one way, relay.c -> bridge.c -> relay_conn.c: the
 * bridge reaches back into a connection only through the hooks it installs,
 * and relay.c sees the last connection gone from its prepare callback.
 */
#ifndef FERRY_RELAY_INT_H
#define FERRY_RELAY_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "chunk.h"
#include "frame.h"
#include "relay.h"
#include "relay_control.h"

#define RELAY_RBUF_SIZE		65536		/* the shared control read buffer */
#define RELAY_PBUF_SIZE		16384		/* shared plaintext: one TLS record */
#define RELAY_TLS_STEP		4096		/* bytes into or out of TLS at once */
/* Shared ciphertext: records gather here so that a long list is few writes. */
#define RELAY_CBUF_SIZE		(16 * (RELAY_TLS_STEP + 1024))
#define RELAY_HIGH_WATER	(1024 * 1024)	/* far side's unwritten bytes: stop reading */
#define RELAY_LOW_WATER		(256 * 1024)	/* ... and below this, read again */
#define RELAY_INFLIGHT_MAX	8		/* chunks queued to one side, at most */
#define RELAY_PENDING_MAX	65536		/* bytes held for an unpaired data conn */
#define RELAY_CTRL_QUEUE_MAX	(8 * 1024 * 1024) /* unwritten control bytes before we give up */
#define RELAY_ACCEPT_PAUSE_MS	500		/* after EMFILE */
#define RELAY_FLUSH_MS		20		/* joins/leaves batched this long at most */
#define RELAY_TRIM_MS		10000		/* free heap back to the system this often */

struct proto_tls;
struct relay_conn;
struct relay_splice;		/* bridge.c: one side's splice(2) state */
struct relay_src;		/* relay_admit.c: connections from one address */

TAILQ_HEAD(relay_conn_list, relay_conn);

struct relay {
	uv_loop_t		*loop;
	struct relay_config	 cfg;
	struct relay_ctl	 ctl;
	uv_tcp_t		 listener;
	uv_timer_t		 tick;		/* deadlines, every relay_config_tick_ms() */
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
	uint8_t			*rbuf;		/* owned: RELAY_RBUF_SIZE, shared by control reads */
	int			 rbuf_busy;
	uint8_t			*pbuf;		/* owned: RELAY_PBUF_SIZE, decrypted */
	uint8_t			*cbuf;		/* owned: RELAY_CBUF_SIZE, encrypted */
	struct relay_chunks	 chunks;	/* write buffers; keeps cfg.chunk_size ones */
	struct relay_conn_list	 conns;		/* every open connection */
	size_t			 nconns;
	uint64_t		 trimmed;	/* ms, loop clock: last relay_trim() */
	uint8_t			*busy_frame;	/* owned: error{busy}, made once */
	size_t			 busy_len;
	/* relay_admit.c: */
	struct relay_src	**srcs;		/* owned: RELAY_SRC_BUCKETS chains */
	size_t			 ctl_queued;	/* unwritten control bytes, all conns */
	long			 nofile;	/* RLIMIT_NOFILE at listen; 0: unknown */
	char			 addr[PROTO_ADDR_MAX + 1];	/* where we listen */
};

enum relay_conn_mode {
	RELAY_MODE_FRAMES = 0,		/* frames: new, control (in TLS) or data */
	RELAY_MODE_WAIT,		/* attached, waiting for the other side */
	RELAY_MODE_BRIDGE,		/* copying bytes to the partner */
	RELAY_MODE_DRAIN,		/* error sent: discard input until EOF or linger */
};

/*
 * What a connection asks of the bridge once it is paired (bridge.c sets
 * c->bridge in relay__bridge_start(); NULL before).
 */
struct relay__bridge_hooks {
	/* Bytes read with the frames that made c a bridge: pass them on. */
	int	(*forward)(struct relay_conn *c, const uint8_t *p, size_t n);
	/* A write to c finished (bridged: one of the bridge's chunks). */
	void	(*written)(struct relay_conn *c, int bridged);
	/* relay__conn_close(c) began: the partner, c's extra handles. */
	void	(*closing)(struct relay_conn *c);
};

struct relay_conn {
	uv_tcp_t		 tcp;		/* first: the handle is the connection */
	struct relay		*relay;
	struct relay_peer	 peer;		/* what the control logic knows of it */
	struct proto_decoder	 dec;		/* FRAMES only; freed after */
	struct proto_tls	*tls;		/* owned: a control connection's session, else NULL */
	uv_shutdown_t		 shut;
	uint8_t			 mode;		/* enum relay_conn_mode */
	uint8_t			 flags;
#define RELAY_CONN_READING	0x01
#define RELAY_CONN_CLOSING	0x02	/* uv_close() called */
#define RELAY_CONN_RD_EOF	0x04	/* it sent EOF */
#define RELAY_CONN_WR_SHUT	0x08	/* uv_shutdown() called */
#define RELAY_CONN_WR_DONE	0x10	/* ... and finished */
#define RELAY_CONN_PAUSED	0x20	/* reading stopped by backpressure */
#define RELAY_CONN_PLAIN	0x40	/* its first byte was no TLS record: frames in clear */
#define RELAY_CONN_SECURE	0x80	/* tls: the handshake is done */
	uint8_t			 nhandles;	/* closing: handles whose callback is due */
	uint16_t		 inflight;	/* bridge chunks queued to it */
	uint32_t		 nwrites;	/* write requests outstanding to it */
	/* Paired: the bridge's hooks, else NULL. */
	const struct relay__bridge_hooks *bridge;
	struct relay_conn	*partner;	/* BRIDGE: the other side */
	struct relay_splice	*sp;		/* BRIDGE by splice: owned, else NULL */
	struct relay_chunk	*pending;	/* WAIT: bytes read after attach */
	uint64_t		 linger;	/* DRAIN: ms deadline for closing */
	int			 err;		/* why it closed: a libuv error, or 0 */
	size_t			 queued;	/* control bytes in its chunks, unwritten */
	struct relay_src	*src;		/* its source address's count, or NULL */
	TAILQ_ENTRY(relay_conn)	 link;		/* relay.conns */
};

/* relay_conn.c */
/*
 * The listener's connection callback (uv_listen()): accepts, or after
 * EMFILE pauses accepting for RELAY_ACCEPT_PAUSE_MS on r->pause.
 */
void	relay__conn_connection_cb(uv_stream_t *server, int status);
/* uv_close() it (idempotent); a paired one tells its bridge first. */
void	relay__conn_close(struct relay_conn *c);
/* Closes connections whose linger ran out. */
void	relay__conn_tick(struct relay *r, uint64_t now);
/* uv_read_start() with these callbacks unless reading or closing. */
void	relay__conn_read(struct relay_conn *c, uv_alloc_cb alloc_cb,
	    uv_read_cb read_cb);
void	relay__conn_read_stop(struct relay_conn *c);
/*
 * The callback of c->shut: the write side is done; c closes when its read
 * side is too (or on an error).
 */
void	relay__conn_shutdown_cb(uv_shutdown_t *req, int status);
/*
 * Queues ch on c's socket; ch belongs to the request until its callback
 * gives it back (and tells the bridge, if any). On failure ch is put back
 * and c closed: the error is returned.
 */
int	relay__conn_write(struct relay_conn *c, struct relay_chunk *ch);
/* One of c's handles finished closing; frees c after the last. */
void	relay__conn_handle_closed(struct relay_conn *c);
/*
 * The relay_ops the control logic answers through. send encrypts for a
 * control connection (and drops what comes before its handshake is done:
 * there is no way to say it), and writes in clear on any other.
 */
void	relay__conn_send(void *arg, struct relay_peer *p, const uint8_t *frame,
	    size_t len);
void	relay__conn_close_peer(void *arg, struct relay_peer *p, int how);

/* relay_admit.c: admission and the budget of queued output */
/* The address table; -PROTO_E_NOMEM. relay__admit_free() frees it. */
int	relay__admit_init(struct relay *r);
void	relay__admit_free(struct relay *r);
/*
 * May c, just accepted from addr ("HOST:PORT"), stay? NULL: yes, and it
 * counts for its address until relay__admit_release(). Else why not (a
 * line for the log): the caller refuses it with busy.
 */
const char *relay__admit(struct relay *r, struct relay_conn *c,
	    const char *addr);
void	relay__admit_release(struct relay_conn *c);
/* fd may be spent on something other than a refusal (below the reserve). */
int	relay__admit_fd_ok(const struct relay *r, int fd);
/*
 * n control bytes were queued to c (a chunk of its own): count them, and
 * when all clients together hold more than cfg.ctl_budget, close the
 * clients with the largest backlogs until under it. -1 when c was one.
 */
int	relay__admit_queued(struct relay_conn *c, size_t n);
/* ... and n of them were written (or cancelled). */
void	relay__admit_unqueued(struct relay_conn *c, size_t n);

/* bridge.c: both data connections of t attached: pair them (ops.bridge). */
void	relay__bridge_start(void *arg, struct relay_transfer *t);

#endif /* FERRY_RELAY_INT_H */
