/*
 * conn.h: one framed TCP connection to the relay (the control connection
 * or a transfer's data connection): resolve, connect, optionally run TLS
 * over it (from the start, or from a moment the owner picks), decode
 * frames, write frames with the buffer's ownership travelling with the
 * write.
 */
#ifndef FERRY_CONN_H
#define FERRY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "frame.h"
#include "msg.h"

#define CONN_READ_BUF	(256 * 1024)	/* bytes per read from the socket */

struct client_conn;

/*
 * on_lost's status for bytes that are not frames: a value no libuv error
 * uses, so the two never mix. CONN_PROTO_CODE gives the PROTO_E_* back.
 */
#define CONN_E_PROTO(e)		(-100000 - (e))	/* e: PROTO_E_*, positive */
#define CONN_IS_PROTO(s)	((s) <= -100000 && (s) > -100000 - PROTO_E_COUNT)
#define CONN_PROTO_CODE(s)	(-100000 - (s))
/* on_tls's or on_lost's status when TLS failed: client_conn_tls_error() says why. */
#define CONN_E_TLS		(-200000)

struct proto_tls;
struct proto_tls_ctx;

/*
 * What a connection reports. on_connect runs once, with 0 or a libuv error
 * (the connection then closes by itself). on_frame gets each whole frame;
 * it returns 0 to go on or a negative value after it called client_conn_close().
 * on_lost runs once when the stream ends or breaks before client_conn_close() was
 * called: UV_EOF for a clean end, a libuv error, or -PROTO_E_* for bytes
 * that are not frames (CONN_E_PROTO); the connection closes by itself afterwards.
 * on_tls runs once after client_conn_start_tls(), with 0 when the handshake
 * is complete or CONN_E_TLS (the owner closes, or the connection closes by
 * itself after on_lost if it does not); frames before it are plaintext.
 * on_written runs after each write completes (for backpressure). on_closed
 * runs when the handle is closed; the conn is freed right after it returns.
 *
 * data_room and data_got are optional (both or neither): the payload of a
 * data frame then never goes through on_frame or the conn's own buffer but
 * is read from the socket straight into the owner's memory. data_room asks
 * where the next bytes of a data frame of len payload bytes go, left of them
 * still to come; it returns the place and its size in *room (1..left). The
 * read may bring nothing, so it may prepare room but not count anything.
 * With probe set it is called from libuv's alloc callback, where nothing
 * may be closed: it returns NULL for anything it would refuse, and is then
 * asked again without probe, where NULL means it refused the frame (after
 * client_conn_close()). data_got says that n bytes arrived at the place
 * data_room gave last; it returns 0 to go on or a negative value after it
 * called client_conn_close().
 */
struct client_conn_ops {
	void	(*on_connect)(struct client_conn *, int status, void *arg);
	int	(*on_frame)(struct client_conn *, const struct proto_frame *, void *arg);
	void	(*on_lost)(struct client_conn *, int status, void *arg);
	void	(*on_tls)(struct client_conn *, int status, void *arg);
	void	(*on_written)(struct client_conn *, void *arg);
	void	(*on_closed)(struct client_conn *, void *arg);
	uint8_t	*(*data_room)(struct client_conn *, size_t len, size_t left,
		    int probe, size_t *room, void *arg);
	int	(*data_got)(struct client_conn *, size_t n, void *arg);
};

/* Release function for a buffer handed to client_conn_send_data. */
typedef void	(*client_conn_release_cb)(void *buf, void *arg);

/*
 * Starts resolving host:port and connecting. Returns 0 and the connection
 * in *out (on_connect follows), or a libuv error (nothing to close).
 */
int	client_conn_open(uv_loop_t *loop, const char *host, const char *port,
	    const struct client_conn_ops *ops, void *arg, struct client_conn **out);
/*
 * From now on the connection is TLS (ctx's side), the handshake starting
 * at once (a client sends its hello; a server waits for one). dns_name,
 * for a client, is the name the server was asked by (SNI and the
 * certificate check of proto_tls_peer_ca_ok), or NULL. Frames sent before
 * on_tls(0) are refused. Bytes already read after the last plaintext frame
 * are the handshake's. With clear_busy (the control connection), a frame
 * in clear instead of the server's hello is taken if it is an error (a
 * relay too busy to start TLS says so), anything else ends the connection,
 * and nothing is ever sent in clear. 0, or a negative error with nothing
 * changed.
 */
int	client_conn_start_tls(struct client_conn *c, struct proto_tls_ctx *ctx,
	    const char *dns_name, bool clear_busy);
/* The session after on_tls(0) (peer key, exporter), else NULL. Borrowed. */
struct proto_tls	*client_conn_tls(struct client_conn *c);
/* Why TLS failed, in words ("" when it did not). */
const char	*client_conn_tls_error(const struct client_conn *c);
/* Writes a whole encoded frame; takes ownership of buf (malloc'd), even on error. */
int	client_conn_send(struct client_conn *c, uint8_t *buf, size_t len);
/* Encodes and writes one control message. */
int	client_conn_send_msg(struct client_conn *c, const struct proto_msg *m);
/*
 * Writes one data frame whose payload is buf[0..len) preceded by hdr (5
 * bytes, filled in here, owned by the caller with buf). release(buf, rarg)
 * runs once the write is done or failed.
 */
int	client_conn_send_data(struct client_conn *c, uint8_t *hdr, uint8_t *buf, size_t len,
	    client_conn_release_cb release, void *rarg);
/* Bytes written but not yet handed to the kernel. */
size_t	client_conn_queued(const struct client_conn *c);
/* Stops or restarts reading (idempotent). */
void	client_conn_pause(struct client_conn *c);
void	client_conn_resume(struct client_conn *c);
/* Closes now: pending writes are dropped. Idempotent; on_closed follows. */
void	client_conn_close(struct client_conn *c);
/* Closes after pending writes are flushed (shutdown, then close). */
void	client_conn_finish(struct client_conn *c);
/* True once client_conn_close or client_conn_finish was called or the stream was lost. */
int	client_conn_closing(const struct client_conn *c);

#endif /* FERRY_CONN_H */
