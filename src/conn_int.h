/*
 * conn_int.h: the inside of a client connection, shared by conn.c (the
 * socket, frames in clear) and conn_tls.c (TLS over it). Nothing else
 * includes it.
 */
#ifndef FERRY_CONN_INT_H
#define FERRY_CONN_INT_H

#include <stdbool.h>

#include "conn.h"

#define CONN_RESOLVING	0x01	/* getaddrinfo in flight */
#define CONN_CONNECTED	0x02	/* connect succeeded, reading */
#define CONN_PAUSED	0x04	/* client_conn_pause: reading stopped */
#define CONN_CLOSING	0x08	/* client_conn_close/finish called or lost: no more callbacks but on_closed */
#define CONN_RETRY	0x10	/* the handle is closing to try the next address */
#define CONN_INREAD	0x20	/* inside read_cb */
#define CONN_LINGER	0x40	/* the linger timer is initialised */
#define CONN_TLS_UP	0x80	/* the TLS handshake is complete */
#define CONN_TLS_NEW	0x100	/* start_tls ran inside on_frame: the rest is TLS */
#define CONN_FINISHING	0x200	/* client_conn_finish: waiting for both ends to close */
#define CONN_RD_EOF	0x400	/* ... the peer's end arrived */
#define CONN_WR_DONE	0x800	/* ... our shutdown completed */
#define CONN_TLS_RX	0x1000	/* the peer's first TLS bytes arrived */
#define CONN_CLEAR_OK	0x2000	/* the relay may refuse us in clear before TLS */
#define CONN_CLEAR_ERR	0x4000	/* ... and did: one error frame, nothing else */

#define CONN_LINGER_MS	2000	/* conn_finish waits this long for the flush at most */

struct client_conn {
	uv_tcp_t		 tcp;		/* first: the handle's owner is the conn */
	uv_loop_t		*loop;
	uv_getaddrinfo_t	 gai;
	uv_connect_t		 creq;
	uv_shutdown_t		 sreq;
	uv_timer_t		 linger;	/* conn_finish: closes anyway if the flush hangs */
	struct addrinfo		*ai;		/* owned: resolver result, freed once connected */
	struct addrinfo		*ai_next;	/* the address being tried */
	const struct client_conn_ops	*ops;
	void			*arg;
	struct proto_decoder	 dec;
	uint8_t			*rbuf;		/* owned: CONN_READ_BUF bytes, lent to libuv per read */
	size_t			 raw_len;	/* data_room: payload size of the data frame being read */
	size_t			 raw_left;	/* ... bytes of it still to come; 0: between frames */
	uint8_t			*direct;	/* the owner's memory lent to libuv for this read */
	struct proto_tls	*tls;		/* owned: the session once start_tls ran, else NULL */
	uint8_t			*pbuf;		/* owned: CONN_READ_BUF of plaintext, with tls */
	char			 tls_err[160];	/* why TLS failed */
	int			 flags;
	int			 refs;		/* the handle, a pending getaddrinfo, the linger timer */
};

/* conn.c */
/* The stream broke or ended on its own: tell the owner once, then close. */
void	conn__lost(struct client_conn *c, int status);
/* Plaintext from the socket or from TLS: frames, or a data frame's payload. */
void	conn__plain(struct client_conn *c, const uint8_t *p, size_t len);
/* n bytes of the current data frame arrived where data_room said. 0, or -1 when closed. */
int	conn__raw_got(struct client_conn *c, size_t n);
/* Queues bufs on the socket as they are; own goes with the request. */
int	conn__write_raw(struct client_conn *c, uv_buf_t *bufs, unsigned nbufs,
	    uint8_t *own, client_conn_release_cb release, void *rarg);

/* conn_tls.c */
/* Bytes of the TLS stream from the socket. */
void	conn__tls_in(struct client_conn *c, const uint8_t *p, size_t len);
/* conn_write for a connection with a session (or refused in clear). */
int	conn__tls_write(struct client_conn *c, uv_buf_t *bufs, unsigned nbufs,
	    uint8_t *own, client_conn_release_cb release, void *rarg);
/* Writes what the session has for the peer. 0 or a libuv error. */
int	conn__tls_flush(struct client_conn *c);
/* Whether f is an error message: all a relay may say in clear. */
bool	conn__clear_error(const struct proto_frame *f);

#endif /* FERRY_CONN_INT_H */
