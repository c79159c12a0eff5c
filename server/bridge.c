/*
 * bridge.c: the data path. Once both sides of a transfer are attached, the
 * bytes of each direction go from one socket to the other one of two ways.
 * On Linux, by splice(2) through a pipe: they stay in the kernel's pages and
 * never enter the relay's memory. Elsewhere, or when the pipes cannot be
 * had, by copy: each read lands in a chunk (256 KiB) that goes to uv_write()
 * on the other side as it is and comes back to a small freelist in the
 * write callback. Either way reading stops while the far side has too much
 * unwritten (backpressure), so memory stays flat whatever the size; an EOF
 * is passed on as a shutdown after what was queued, and a connection closes
 * once both directions end. Nothing on this path allocates or logs per chunk.
 * From the pairing on the bridge owns both connections' reads (its own
 * libuv callbacks) and hears of their writes and closing by the hooks it
 * sets in them (relay_int.h).
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <fcntl.h>
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay_int.h"

#define PIPE_SIZE_MIN	65536		/* smaller pipes (quota): copy instead */

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

static int	bridge_forward(struct relay_conn *, const uint8_t *, size_t);
static void	bridge_written(struct relay_conn *, int);
static void	bridge_closing(struct relay_conn *);
static void	bridge_alloc_cb(uv_handle_t *, size_t, uv_buf_t *);
static void	bridge_read_cb(uv_stream_t *, ssize_t, const uv_buf_t *);
static void	bridge_check(struct relay_conn *);

static const struct relay__bridge_hooks bridge_hooks = {
	bridge_forward,
	bridge_written,
	bridge_closing,
};

/* The copy path reads with the bridge's callbacks: chunks, not rbuf. */
static void
bridge_read_start(struct relay_conn *c)
{
	relay__conn_read(c, bridge_alloc_cb, bridge_read_cb);
}

/* Too much queued for dst: stop reading its partner. */
static int
bridge_over_high(const struct relay_conn *dst)
{
	return dst->tcp.write_queue_size >= RELAY_HIGH_WATER ||
	    dst->inflight >= RELAY_INFLIGHT_MAX;
}

static int
bridge_under_low(const struct relay_conn *dst)
{
	return dst->tcp.write_queue_size <= RELAY_LOW_WATER &&
	    dst->inflight <= RELAY_INFLIGHT_MAX / 2;
}

/* Hands ch (read from src) to dst's socket; ch belongs to the request now. */
static int
bridge_write(struct relay_conn *src, struct relay_conn *dst,
    struct relay_chunk *ch)
{
	int	e;

	ch->bridged = 1;
	if ((e = relay__conn_write(dst, ch)) != 0)
		return e;
	if (bridge_over_high(dst)) {
		relay__conn_read_stop(src);
		src->flags |= RELAY_CONN_PAUSED;
	}
	return 0;
}

/* c sent EOF: its partner gets a shutdown after what is queued to it. */
static void
bridge_eof(struct relay_conn *c)
{
	struct relay_conn	*dst;
	int			 e;

	c->flags |= RELAY_CONN_RD_EOF;
	relay__conn_read_stop(c);
	if ((dst = c->partner) != NULL && !(dst->flags & RELAY_CONN_WR_SHUT)) {
		dst->flags |= RELAY_CONN_WR_SHUT;
		if ((e = uv_shutdown(&dst->shut, (uv_stream_t *)&dst->tcp,
		    relay__conn_shutdown_cb)) != 0) {
			dst->err = e;
			relay__conn_close(dst);
			return;
		}
	}
	bridge_check(c);
}

/* --- the splice path (Linux) ------------------------------------------- */

#ifdef __linux__
#define SPLICE_ROUNDS	16	/* pipefuls per wakeup, then let others run */

static void	splice_poll_cb(uv_poll_t *, int, int);

static void
splice_fds_close(struct relay_splice *sp)
{
	if (sp->dupfd >= 0)
		close(sp->dupfd);
	if (sp->pipe[0] >= 0)
		close(sp->pipe[0]);
	if (sp->pipe[1] >= 0)
		close(sp->pipe[1]);
}

/* The fds of c's splice state; the poll handle comes in splice_start(). */
static int
splice_open(struct relay_conn *c)
{
	struct relay_splice	*sp;
	uv_os_fd_t		 fd;
	int			 n, e;

	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
		return UV_EINVAL;
	/* Owned by c; freed in splice_close_cb() (or splice_discard_cb()). */
	if ((sp = calloc(1, sizeof *sp)) == NULL)
		return UV_ENOMEM;
	sp->conn = c;
	sp->fd = fd;
	sp->dupfd = sp->pipe[0] = sp->pipe[1] = -1;
	if (pipe2(sp->pipe, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    (sp->dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
	    !relay__admit_fd_ok(c->relay, sp->dupfd) ||
	    !relay__admit_fd_ok(c->relay, sp->pipe[1])) {
		/* Past the descriptor reserve: copy instead. */
		e = sp->dupfd >= 0 && sp->pipe[1] >= 0 ? UV_EMFILE : -errno;
		splice_fds_close(sp);
		free(sp);
		return e;
	}
	/*
	 * Best effort: an unprivileged relay past its pipe quota
	 * (pipe-user-pages-soft) gets tiny pipes, and copies instead.
	 */
	(void)fcntl(sp->pipe[1], F_SETPIPE_SZ, (int)c->relay->cfg.pipe_size);
	if ((n = fcntl(sp->pipe[1], F_GETPIPE_SZ)) < PIPE_SIZE_MIN) {
		splice_fds_close(sp);
		free(sp);
		return UV_ENOBUFS;
	}
	sp->cap = (size_t)n;
	c->sp = sp;
	return 0;
}

static void
splice_discard_cb(uv_handle_t *h)
{
	struct relay_splice	*sp = h->data;

	splice_fds_close(sp);
	free(sp);
}

/* Gives up on splicing c before it began (the copy path takes over). */
static void
splice_discard(struct relay_conn *c)
{
	struct relay_splice	*sp = c->sp;

	if (sp == NULL)
		return;
	c->sp = NULL;
	if (sp->poll.type == UV_POLL) {
		sp->poll.data = sp;
		uv_close((uv_handle_t *)&sp->poll, splice_discard_cb);
	} else {
		splice_fds_close(sp);
		free(sp);
	}
}

/* Watches what c needs now: its own socket when its pipe is empty, and
 * writability when its partner's pipe could not be written to it. */
static void
splice_arm(struct relay_conn *c)
{
	struct relay_splice	*sp = c->sp;
	struct relay_conn	*q = c->partner;
	int			 ev = 0, e;

	if (sp == NULL || (c->flags & RELAY_CONN_CLOSING))
		return;
	if (q != NULL && sp->inpipe == 0 && !(c->flags & RELAY_CONN_RD_EOF))
		ev |= UV_READABLE;
	if (q != NULL && q->sp != NULL && q->sp->blocked)
		ev |= UV_WRITABLE;
	if (ev == sp->events)
		return;
	sp->events = ev;
	e = ev == 0 ? uv_poll_stop(&sp->poll) :
	    uv_poll_start(&sp->poll, ev, splice_poll_cb);
	if (e != 0) {
		c->err = e;
		relay__conn_close(c);
	}
}

/*
 * Moves src's bytes on to its partner: what is in the pipe first, then,
 * once it is empty, another read into it. It stops when a socket would
 * block (the poll brings it back), at EOF, or after SPLICE_ROUNDS.
 * Bytes the copy path queued to the partner (the attached frame, what came
 * with attach) go out first: nothing is spliced while they wait.
 */
static void
splice_move(struct relay_conn *src)
{
	struct relay_splice	*sp = src->sp;
	struct relay_conn	*dst = src->partner;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < SPLICE_ROUNDS; i++) {
		if ((src->flags & RELAY_CONN_CLOSING) || dst == NULL ||
		    dst->sp == NULL)
			return;
		if (sp->inpipe > 0) {
			if (dst->nwrites > 0 || (dst->flags & RELAY_CONN_WR_SHUT))
				break;	/* bridge_drained() calls again */
			n = splice(sp->pipe[0], NULL, dst->sp->fd, NULL,
			    sp->inpipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				sp->blocked = 1;
				break;
			}
			if (n <= 0) {
				dst->err = n < 0 ? -errno : UV_EPIPE;
				relay__conn_close(dst);
				return;
			}
			sp->blocked = 0;
			sp->inpipe -= (size_t)n;
			continue;
		}
		sp->blocked = 0;
		if (src->flags & RELAY_CONN_RD_EOF)
			break;
		n = splice(sp->fd, NULL, sp->pipe[1], NULL, sp->cap,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			sp->inpipe = (size_t)n;
			src->peer.bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			src->err = -errno;
			relay__conn_close(src);
			return;
		}
		/* EOF, and the pipe is empty: pass it on. */
		bridge_eof(src);
		break;
	}
	/* Out of rounds with a full pipe: come back when dst can take it. */
	if (i == SPLICE_ROUNDS && sp->inpipe > 0)
		sp->blocked = 1;
	splice_arm(src);
	if (src->partner != NULL)
		splice_arm(src->partner);
}

static void
splice_poll_cb(uv_poll_t *h, int status, int events)
{
	struct relay_splice	*sp = h->data;
	struct relay_conn	*c = sp->conn, *q;
	socklen_t		 len;
	int			 soerr = 0;

	if (c->flags & RELAY_CONN_CLOSING)
		return;
	if (status < 0) {
		/* libuv says EBADF for any POLLERR: ask the socket what it was. */
		len = sizeof soerr;
		if (getsockopt(sp->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
		    soerr != 0)
			status = -soerr;
		c->err = status;
		relay__conn_close(c);
		return;
	}
	q = c->partner;
	if ((events & UV_WRITABLE) && q != NULL && q->sp != NULL)
		splice_move(q);
	if (c->flags & RELAY_CONN_CLOSING)
		return;
	if (events & UV_READABLE)
		splice_move(c);
	else
		splice_arm(c);
}

/* Both sides by splice, or neither: 0, or an error and the copy path. */
static int
splice_start(struct relay_conn *c[2])
{
	int	s, e = 0;

	for (s = 0; s < 2 && e == 0; s++)
		e = splice_open(c[s]);
	for (s = 0; s < 2 && e == 0; s++) {
		if ((e = uv_poll_init(c[s]->relay->loop, &c[s]->sp->poll,
		    c[s]->sp->dupfd)) == 0)
			c[s]->sp->poll.data = c[s]->sp;
		else
			c[s]->sp->poll.type = UV_UNKNOWN_HANDLE;
	}
	if (e != 0) {
		splice_discard(c[0]);
		splice_discard(c[1]);
		return e;
	}
	for (s = 0; s < 2; s++) {
		relay__conn_read_stop(c[s]);
		c[s]->flags &= ~RELAY_CONN_PAUSED;
	}
	for (s = 0; s < 2; s++)
		splice_arm(c[s]);
	return 0;
}

static void
splice_close_cb(uv_handle_t *h)
{
	struct relay_splice	*sp = h->data;
	struct relay_conn	*c = sp->conn;

	/* uv_close() took the dup out of epoll; now the fds can go. */
	splice_fds_close(sp);
	free(sp);
	c->sp = NULL;
	relay__conn_handle_closed(c);
}
#endif /* __linux__ */

/*
 * c began to close: its partner goes too unless both of c's directions
 * ended in order (then the partner is finishing its own), and c's splice
 * handle (with its pipes) closes with it.
 */
static void
bridge_closing(struct relay_conn *c)
{
	struct relay_conn	*q;
	int			 clean;

	if ((q = c->partner) != NULL) {
		clean = (c->flags & (RELAY_CONN_RD_EOF | RELAY_CONN_WR_DONE)) ==
		    (RELAY_CONN_RD_EOF | RELAY_CONN_WR_DONE);
		c->partner = NULL;
		q->partner = NULL;
		if (clean)
			bridge_check(q);
		else
			relay__conn_close(q);
	}
#ifdef __linux__
	if (c->sp == NULL)
		return;
	c->nhandles++;
	uv_close((uv_handle_t *)&c->sp->poll, splice_close_cb);
#endif
}

/* --- both paths ---------------------------------------------------------- */

void
relay__bridge_start(void *arg, struct relay_transfer *t)
{
	struct relay_conn	*c[2], *x, *y;
	struct relay_chunk	*ch;
	int			 s;

	(void)arg;
	c[0] = t->data[RELAY_SIDE_SEND]->owner;
	c[1] = t->data[RELAY_SIDE_RECEIVE]->owner;
	if ((c[0]->flags & RELAY_CONN_CLOSING) ||
	    (c[1]->flags & RELAY_CONN_CLOSING)) {
		relay__conn_close(c[0]);
		relay__conn_close(c[1]);
		return;
	}
	c[0]->partner = c[1];
	c[1]->partner = c[0];
	c[0]->bridge = c[1]->bridge = &bridge_hooks;
	for (s = 0; s < 2; s++) {
		x = c[s];
		y = c[!s];
		x->mode = RELAY_MODE_BRIDGE;
		/* What it sent early follows the attached frame already queued. */
		if ((ch = x->pending) != NULL) {
			x->pending = NULL;
			x->peer.bytes += ch->len;
			if (bridge_write(x, y, ch) != 0)
				return;
		}
	}
#ifdef __linux__
	if (c[0]->relay->cfg.splice && splice_start(c) == 0)
		return;
#endif
	for (s = 0; s < 2; s++) {
		/* From now on the bridge's callbacks read it. */
		relay__conn_read_stop(c[s]);
		c[s]->flags &= ~RELAY_CONN_PAUSED;
		if (!bridge_over_high(c[!s]))
			bridge_read_start(c[s]);
		else
			c[s]->flags |= RELAY_CONN_PAUSED;
	}
}

/* Bytes the client sent with or after attach, forwarded once bridged. */
static int
bridge_forward(struct relay_conn *c, const uint8_t *p, size_t n)
{
	struct relay_chunk	*ch;

	if (c->partner == NULL) {
		relay__conn_close(c);
		return UV_EPIPE;
	}
	if ((ch = relay_chunk_new(&c->relay->chunks, n)) == NULL) {
		relay__conn_close(c);
		return UV_ENOMEM;
	}
	memcpy(ch->data, p, n);
	ch->len = n;
	c->peer.bytes += n;
	return bridge_write(c, c->partner, ch);
}

static void
bridge_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct relay_conn	*c = h->data;
	struct relay_chunk	*ch;

	(void)suggested;
	/* Taken only when the socket is readable: idle bridges hold nothing. */
	if ((ch = relay_chunk_new(&c->relay->chunks,
	    c->relay->cfg.chunk_size)) == NULL) {
		*buf = uv_buf_init(NULL, 0);	/* read_cb gets UV_ENOBUFS */
		return;
	}
	*buf = uv_buf_init((char *)ch->data, (unsigned)ch->cap);
}

/* Closes c when both its directions are finished. */
static void
bridge_check(struct relay_conn *c)
{
	if (!(c->flags & RELAY_CONN_RD_EOF))
		return;
	if ((c->flags & RELAY_CONN_WR_DONE) ||
	    (c->partner == NULL && !(c->flags & RELAY_CONN_WR_SHUT)))
		relay__conn_close(c);
}

static void
bridge_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct relay_conn	*c = stream->data;
	struct relay		*r = c->relay;
	struct relay_chunk	*ch = NULL;
	struct relay_conn	*dst;

	if (buf->base != NULL)
		ch = (struct relay_chunk *)(void *)(buf->base -
		    offsetof(struct relay_chunk, data));
	if (nread > 0) {
		dst = c->partner;
		if (dst == NULL || (dst->flags &
		    (RELAY_CONN_CLOSING | RELAY_CONN_WR_SHUT))) {
			/* Nowhere to deliver it: this side is over too. */
			relay_chunk_put(&r->chunks, ch);
			relay__conn_close(c);
			return;
		}
		ch->len = (size_t)nread;
		c->peer.bytes += (uint64_t)nread;
		bridge_write(c, dst, ch);
		return;
	}
	if (ch != NULL)
		relay_chunk_put(&r->chunks, ch);
	if (nread == 0)
		return;
	if (nread != UV_EOF) {
		c->err = (int)nread;
		relay__conn_close(c);
		return;
	}
	/* Half-close: pass the EOF on after what is queued, keep the other way. */
	bridge_eof(c);
}

/* A bridged write to c finished: maybe let its partner read again. */
static void
bridge_drained(struct relay_conn *c)
{
	struct relay_conn	*src = c->partner;

	if (src == NULL)
		return;
#ifdef __linux__
	if (src->sp != NULL) {
		/* Spliced bytes waited for this write: move them now. */
		if (c->nwrites == 0)
			splice_move(src);
		return;
	}
#endif
	if (!(src->flags & RELAY_CONN_PAUSED) || !bridge_under_low(c))
		return;
	src->flags &= ~RELAY_CONN_PAUSED;
	if (!(src->flags & RELAY_CONN_RD_EOF))
		bridge_read_start(src);
}

/* The splice path waits for every queued write, bridged or not. */
static void
bridge_written(struct relay_conn *c, int bridged)
{
	if (bridged || c->sp != NULL || (c->partner != NULL &&
	    c->partner->sp != NULL))
		bridge_drained(c);
}
