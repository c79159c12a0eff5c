/*
 * wire.h: what the files of wire (the scriptable protocol client, usage in
 * main.c) share: a connection, a variable, the run's state, and the
 * functions one file calls in another.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "frame.h"
#include "msg.h"

#define WIRE_IBUF	(256 * 1024)	/* read size */
#define WIRE_NAME_MAX	64
#define WIRE_ASIDE_MAX	1024		/* presence events set aside, per connection */

/* A presence event set aside until the script expects one. */
struct waside {
	enum proto_msg_type	 type;
	uint8_t			*payload;	/* owned: the frame's JSON */
	size_t			 len;
};

struct proto_tls_ctx;
struct proto_tls;

struct wconn {
	char			 name[WIRE_NAME_MAX];
	int			 fd;		/* -1 once closed */
	struct proto_tls_ctx	*ctx;		/* owned: its own identity's context */
	struct proto_tls	*tls;		/* owned: the session; NULL in clear */
	int			 eof;		/* the relay closed it: 1, 2 after close_notify */
	int			 corked;	/* TLS records wait for uncork */
	uint32_t		 ignore;	/* bit per enum proto_msg_type: skip it */
	char			 hello[WIRE_NAME_MAX + 1];	/* its hello's name */
	struct waside		*aside;		/* owned, with each payload; oldest first */
	size_t			 naside;
	uint8_t			*ibuf;		/* owned: bytes read (decrypted), not consumed */
	size_t			 ipos, ilen;
	struct proto_decoder	 dec;
};

struct wvar {
	char	*name;		/* owned */
	char	*value;		/* owned */
};

struct wire {
	struct proto_hostport	 relay;		/* the HOST:PORT argument */
	char			 port[8];	/* relay.port as text */
	int			 timeout;	/* ms without progress */
	int			 verbose;
	int			 autopong;
	struct wconn		**conns;	/* owned, with each element */
	size_t			 nconns;
	struct wvar		*vars;		/* owned */
	size_t			 nvars;
	int			 line;
	int			 ncmds;		/* commands run, comments aside */
	int			 nrefs;		/* offers made by pair */
	char			 why[1024];	/* the failure, for people */
};

/* main.c: failures, variables, numbers, running a line. */
int	wire__fail(struct wire *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	wire__var_set(struct wire *, const char *, const char *);
/* A variable set by the script, else the environment's; NULL: neither. */
const char *wire__var_get(struct wire *, const char *);
int	wire__parse_u64(const char *, uint64_t *);
int	wire__run_fmt(struct wire *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* sock.c: connections, waiting, frames in, bytes out. */
int64_t	 wire__now_ms(void);
struct wconn *wire__conn_find(struct wire *, const char *);
void	 wire__conn_free(struct wconn *);
int	 wire__conn_open(struct wire *, const char *, int, const char *);
int	 wire__wait_fd(int, short, int64_t);
int	 wire__conn_fill(struct wire *, struct wconn *, int64_t);
int	 wire__conn_frame(struct wire *, struct wconn *, struct proto_frame *,
	    int64_t);
int	 wire__conn_uncork(struct wire *, struct wconn *);
int	 wire__write_all(struct wire *, struct wconn *, const uint8_t *,
	    size_t);
int	 wire__send_json(struct wire *, struct wconn *, const char *);

/* stream.c: raw bytes and the pseudo-random byte streams. */
int	wire__cmd_raw(struct wire *, struct wconn *, const char *);
int	wire__cmd_write(struct wire *, struct wconn *, uint64_t, uint64_t);
int	wire__cmd_read(struct wire *, struct wconn *, uint64_t, uint64_t, int);
int	wire__cmd_pump(struct wire *, struct wconn *, struct wconn *, uint64_t,
	    uint64_t);
int	wire__cmd_fill(struct wire *, struct wconn *, uint64_t, int, uint64_t);

/* expect.c: control messages expected, presence events set aside, pair. */
void	wire__drop_ignored(struct wconn *);
int	wire__cmd_expect(struct wire *, struct wconn *, char **, int);
int	wire__cmd_expect_close(struct wire *, struct wconn *, int);
int	wire__cmd_quiet(struct wire *, struct wconn *, int);
int	wire__cmd_hello(struct wire *, struct wconn *, const char *,
	    const char *);
int	wire__cmd_pair(struct wire *, char **, int);

#endif /* WIRE_H */
