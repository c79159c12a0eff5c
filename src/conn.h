/*
 * conn.h: one framed TCP connection to the relay (the control connection
 * or a transfer's data connection): resolve, connect, decode frames, write
 * frames with the buffer's ownership travelling with the write.
 */
#ifndef FERRY_CONN_H
#define FERRY_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "frame.h"
#include "msg.h"

#define CONN_READ_BUF	(256 * 1024)	/* bytes per read from the socket */

struct conn;

/*
 * on_lost's status for bytes that are not frames: a value no libuv error
 * uses, so the two never mix. CONN_PROTO_CODE gives the PROTO_E_* back.
 */
#define CONN_E_PROTO(e)		(-100000 - (e))	/* e: PROTO_E_*, positive */
#define CONN_IS_PROTO(s)	((s) <= -100000 && (s) > -100000 - PROTO_E_COUNT)
#define CONN_PROTO_CODE(s)	(-100000 - (s))

/*
 * What a connection reports. on_connect runs once, with 0 or a libuv error
 * (the connection then closes by itself). on_frame gets each whole frame;
 * it returns 0 to go on or a negative value after it called conn_close().
 * on_lost runs once when the stream ends or breaks before conn_close() was
 * called: UV_EOF for a clean end, a libuv error, or -PROTO_E_* for bytes
 * that are not frames (CONN_E_PROTO); the connection closes by itself afterwards.
 * on_written runs after each write completes (for backpressure). on_closed
 * runs when the handle is closed; the conn is freed right after it returns.
 */
struct conn_ops {
	void	(*on_connect)(struct conn *, int status, void *arg);
	int	(*on_frame)(struct conn *, const struct proto_frame *, void *arg);
	void	(*on_lost)(struct conn *, int status, void *arg);
	void	(*on_written)(struct conn *, void *arg);
	void	(*on_closed)(struct conn *, void *arg);
};

/* Release function for a buffer handed to conn_send_data. */
typedef void	(*conn_release_cb)(void *buf, void *arg);

/*
 * Starts resolving host:port and connecting. Returns 0 and the connection
 * in *out (on_connect follows), or a libuv error (nothing to close).
 */
int	conn_open(uv_loop_t *loop, const char *host, const char *port,
	    const struct conn_ops *ops, void *arg, struct conn **out);
/* Writes a whole encoded frame; takes ownership of buf (malloc'd), even on error. */
int	conn_send(struct conn *c, uint8_t *buf, size_t len);
/* Encodes and writes one control message. */
int	conn_send_msg(struct conn *c, const struct proto_msg *m);
/*
 * Writes one data frame whose payload is buf[0..len) preceded by hdr (5
 * bytes, filled in here, owned by the caller with buf). release(buf, rarg)
 * runs once the write is done or failed.
 */
int	conn_send_data(struct conn *c, uint8_t *hdr, uint8_t *buf, size_t len,
	    conn_release_cb release, void *rarg);
/* Bytes written but not yet handed to the kernel. */
size_t	conn_queued(const struct conn *c);
/* Stops or restarts reading (idempotent). */
void	conn_pause(struct conn *c);
void	conn_resume(struct conn *c);
/* Closes now: pending writes are dropped. Idempotent; on_closed follows. */
void	conn_close(struct conn *c);
/* Closes after pending writes are flushed (shutdown, then close). */
void	conn_finish(struct conn *c);
/* True once conn_close or conn_finish was called or the stream was lost. */
int	conn_closing(const struct conn *c);
/* Changes the argument passed to the callbacks. */
void	conn_set_arg(struct conn *c, void *arg);

#endif /* FERRY_CONN_H */
