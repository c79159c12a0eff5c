/*
 * metrics.c: ferryd --metrics-listen: GET /metrics answers the relay's
 * gauges and counters in the Prometheus text exposition format 0.0.4 over
 * plain HTTP/1.x, from a listener of its own on the relay's loop. Built to
 * face anyone who can reach the port: at most RELAY_METRICS_CONNS
 * connections at once (the next is closed at once), RELAY_METRICS_REQ_MAX
 * request bytes read, RELAY_METRICS_DEADLINE ms per connection, one
 * answer each and then the connection is closed.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay_int.h"
#include "relay_log.h"
#include "relay_metrics.h"

#define METRICS_BODY_MAX	16384	/* the exposition text, at most */

struct mconn {
	uv_tcp_t		 tcp;		/* first: the handle is the connection */
	uv_timer_t		 timer;		/* the deadline */
	uv_write_t		 wr;
	uv_shutdown_t		 shut;
	struct relay_metrics	*m;
	LIST_ENTRY(mconn)	 link;		/* m->conns */
	int			 nhandles;	/* closing: callbacks still due */
	int			 state;		/* 0 reading, 1 answered, 2 closing */
	size_t			 len;		/* request bytes in req */
	char			 req[RELAY_METRICS_REQ_MAX];
	char			 head[256];	/* the answer's status and headers */
	char			*body;		/* owned: the answer's body, or NULL */
};

struct relay_metrics {
	struct relay		*relay;
	uv_tcp_t		 listener;
	uint64_t		 started;	/* uv_hrtime() at start */
	LIST_HEAD(, mconn)	 conns;		/* owned: open metrics connections */
	size_t			 nconns;
	unsigned		 handles;	/* listener + refused + conns, not yet closed */
	int			 closing;
};

/* Frees m once it is closing and its last handle has closed. */
static void
metrics_check_free(struct relay_metrics *m)
{
	if (m->closing && m->handles == 0)
		free(m);
}

/* --- the exposition text -------------------------------------------------- */

struct out {
	char	*p;
	size_t	 len, used;
	int	 full;
};

static void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->full = 1;
	else
		o->used += (size_t)n;
}

static void
out_head(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Resident memory from /proc/self/statm; 0 when it cannot be read. */
static uint64_t
resident_bytes(void)
{
	FILE		*f;
	unsigned long	 size, rss;
	long		 page = sysconf(_SC_PAGESIZE);
	int		 n;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &rss);
	fclose(f);
	if (n != 2 || page <= 0)
		return 0;
	return (uint64_t)rss * (uint64_t)page;
}

int
relay_metrics_text(const struct relay *r, double uptime_s, char *buf,
    size_t len)
{
	static const char *const outcomes[RELAY_OUT_COUNT] = {
		"done", "failed", "cancelled", "declined",
	};
	const struct relay_ctl		*ctl = &r->ctl;
	const struct relay_transfer	*t;
	struct out			 o = { buf, len, 0, 0 };
	uint64_t			 bytes = ctl->stats.bytes;
	int				 i, s;

	/* Bridges still open count with what they moved so far. */
	TAILQ_FOREACH(t, &ctl->xfers.bridging, qlink)
		for (s = 0; s < 2; s++)
			bytes += t->data[s] != NULL ? t->data[s]->bytes :
			    t->bytes[s];
	if (len == 0)
		return -1;
	buf[0] = '\0';
	out_head(&o, "ferry_clients", "gauge",
	    "Clients connected that said hello.");
	out_printf(&o, "ferry_clients %zu\n", ctl->reg.count);
	out_head(&o, "ferry_connections", "gauge",
	    "Open relay connections of any kind (control, data, not yet known).");
	out_printf(&o, "ferry_connections %zu\n", r->nconns);
	out_head(&o, "ferry_rooms", "gauge",
	    "Named rooms with at least one client.");
	out_printf(&o, "ferry_rooms %zu\n", ctl->reg.nrooms);
	out_head(&o, "ferry_transfers_active", "gauge",
	    "Transfers offered and not yet finished.");
	out_printf(&o, "ferry_transfers_active %zu\n", ctl->xfers.count);
	out_head(&o, "ferry_transfers_total", "counter",
	    "Transfers finished, by outcome.");
	for (i = 0; i < RELAY_OUT_COUNT; i++)
		out_printf(&o, "ferry_transfers_total{outcome=\"%s\"} %" PRIu64
		    "\n", outcomes[i], ctl->stats.transfers[i]);
	out_head(&o, "ferry_bytes_bridged_total", "counter",
	    "Bytes the relay carried between data connections, both ways.");
	out_printf(&o, "ferry_bytes_bridged_total %" PRIu64 "\n", bytes);
	out_head(&o, "ferry_refusals_total", "counter",
	    "Protocol errors the relay sent, by stable error code.");
	for (i = 1; i < PROTO_E_COUNT; i++)
		out_printf(&o, "ferry_refusals_total{code=\"%s\"} %" PRIu64 "\n",
		    proto_code_name(i), ctl->stats.errors[i]);
	out_head(&o, "ferry_resident_memory_bytes", "gauge",
	    "Resident set size of ferryd (/proc/self/statm).");
	out_printf(&o, "ferry_resident_memory_bytes %" PRIu64 "\n",
	    resident_bytes());
	out_head(&o, "ferry_uptime_seconds", "gauge",
	    "Seconds since the metrics endpoint started with the relay.");
	out_printf(&o, "ferry_uptime_seconds %.3f\n", uptime_s);
	return o.full ? -1 : (int)o.used;
}

/* --- one HTTP connection -------------------------------------------------- */

static void
mconn_closed_cb(uv_handle_t *h)
{
	struct mconn		*c = h->data;
	struct relay_metrics	*m = c->m;

	if (--c->nhandles > 0)
		return;
	LIST_REMOVE(c, link);
	m->nconns--;
	m->handles--;
	free(c->body);
	free(c);
	metrics_check_free(m);
}

static void
mconn_close(struct mconn *c)
{
	if (c->state == 2)
		return;
	c->state = 2;
	c->nhandles = 2;
	uv_close((uv_handle_t *)&c->timer, mconn_closed_cb);
	uv_close((uv_handle_t *)&c->tcp, mconn_closed_cb);
}

static void
mconn_timeout_cb(uv_timer_t *t)
{
	mconn_close(t->data);
}

static void
mconn_shutdown_cb(uv_shutdown_t *req, int status)
{
	if (status < 0)
		mconn_close(req->data);
	/* Else the client's EOF (or the deadline) closes it. */
}

/*
 * One answer, then the connection is done: our side sends EOF and what
 * the client still sends is read and dropped until its EOF, so closing
 * never resets the connection under an answer not yet read.
 */
static void
mconn_written_cb(uv_write_t *w, int status)
{
	struct mconn	*c = w->data;

	c->shut.data = c;
	if (status < 0 || c->state == 2 || uv_shutdown(&c->shut,
	    (uv_stream_t *)&c->tcp, mconn_shutdown_cb) != 0)
		mconn_close(c);
}

/* Sends the status line, headers and body (c->body, blen bytes), then closes. */
static void
mconn_answer(struct mconn *c, const char *status, const char *extra,
    size_t blen)
{
	uv_buf_t	b[2];
	int		n;

	c->state = 1;
	n = snprintf(c->head, sizeof c->head, "HTTP/1.1 %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s"
	    "Connection: close\r\n\r\n", status, blen > 0 && extra == NULL ?
	    "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8", blen, extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= sizeof c->head) {
		mconn_close(c);
		return;
	}
	b[0] = uv_buf_init(c->head, (unsigned)n);
	b[1] = uv_buf_init(c->body != NULL ? c->body : c->head, (unsigned)blen);
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, b, blen > 0 ? 2 : 1,
	    mconn_written_cb) != 0)
		mconn_close(c);
}

/* A short plain-text error answer. */
static void
mconn_error(struct mconn *c, const char *status, const char *extra)
{
	size_t	len = strlen(status) + 1;

	/* Owned by c, freed with it. */
	if ((c->body = malloc(len)) == NULL) {
		mconn_close(c);
		return;
	}
	snprintf(c->body, len, "%s", status);
	c->body[len - 1] = '\n';
	mconn_answer(c, status, extra != NULL ? extra : "", len);
}

/* The request head is complete (its lines are in c->req): answer it. */
static void
mconn_request(struct mconn *c)
{
	struct relay_metrics	*m = c->m;
	char			*sp1, *sp2, *eol;
	size_t			 plen;
	int			 n;

	eol = memchr(c->req, '\n', c->len);
	sp1 = memchr(c->req, ' ', (size_t)(eol - c->req));
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || eol - sp2 < 9 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		mconn_error(c, "400 Bad Request", NULL);
		return;
	}
	if (sp1 - c->req != 3 || memcmp(c->req, "GET", 3) != 0) {
		mconn_error(c, "405 Method Not Allowed", "Allow: GET\r\n");
		return;
	}
	plen = (size_t)(sp2 - sp1 - 1);
	if (!((plen == 8 || (plen > 8 && sp1[9] == '?')) &&
	    memcmp(sp1 + 1, "/metrics", 8) == 0)) {
		mconn_error(c, "404 Not Found", NULL);
		return;
	}
	/* Owned by c, freed with it. */
	if ((c->body = malloc(METRICS_BODY_MAX)) == NULL ||
	    (n = relay_metrics_text(m->relay, (double)(uv_hrtime() -
	    m->started) / 1e9, c->body, METRICS_BODY_MAX)) < 0) {
		relay_log(RELAY_LOG_ERROR, NULL, "metrics: cannot make the "
		    "exposition text");
		free(c->body);
		c->body = NULL;
		mconn_error(c, "500 Internal Server Error", NULL);
		return;
	}
	mconn_answer(c, "200 OK", NULL, (size_t)n);
}

static void
mconn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct mconn	*c = h->data;

	(void)hint;
	if (c->state != 0)	/* answered: what comes now is dropped */
		c->len = 0;
	*buf = uv_buf_init(c->req + c->len, (unsigned)(sizeof c->req - c->len));
}

/* The head is complete: it holds "\r\n\r\n" or "\n\n". */
static int
head_done(const char *p, size_t len)
{
	size_t	i;

	for (i = 1; i < len; i++)
		if (p[i] == '\n' && (p[i - 1] == '\n' ||
		    (i >= 3 && p[i - 1] == '\r' && p[i - 2] == '\n' &&
		    p[i - 3] == '\r')))
			return 1;
	return 0;
}

static void
mconn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct mconn	*c = s->data;

	(void)buf;
	if (nread < 0) {
		mconn_close(c);
		return;
	}
	if (c->state != 0)
		return;
	c->len += (size_t)nread;
	if (head_done(c->req, c->len))
		mconn_request(c);
	else if (c->len >= sizeof c->req)
		mconn_error(c, "431 Request Header Fields Too Large", NULL);
}

/* --- the listener --------------------------------------------------------- */

static void
refused_closed_cb(uv_handle_t *h)
{
	struct relay_metrics	*m = h->data;

	free(h);
	m->handles--;
	metrics_check_free(m);
}

/* One too many: accept it only to close it. */
static void
metrics_refuse(struct relay_metrics *m)
{
	uv_tcp_t	*t;

	/* Owned until refused_closed_cb(). */
	if ((t = malloc(sizeof *t)) == NULL)
		return;
	uv_tcp_init(m->listener.loop, t);
	t->data = m;
	m->handles++;
	(void)uv_accept((uv_stream_t *)&m->listener, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, refused_closed_cb);
}

static void
metrics_connection_cb(uv_stream_t *server, int status)
{
	struct relay_metrics	*m = server->data;
	struct mconn		*c;

	if (status < 0 || m->closing)
		return;
	if (m->nconns >= RELAY_METRICS_CONNS) {
		metrics_refuse(m);
		return;
	}
	/* Owned by m->conns; freed in mconn_closed_cb(). */
	if ((c = calloc(1, sizeof *c)) == NULL) {
		metrics_refuse(m);
		return;
	}
	c->m = m;
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	LIST_INSERT_HEAD(&m->conns, c, link);
	m->nconns++;
	m->handles++;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, mconn_alloc_cb,
	    mconn_read_cb) != 0) {
		mconn_close(c);
		return;
	}
	uv_timer_start(&c->timer, mconn_timeout_cb, RELAY_METRICS_DEADLINE, 0);
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6	*in6;

	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->
		    sin_addr.s_addr) >> 24) == 127;
	in6 = (const struct sockaddr_in6 *)(const void *)ss;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
	    in6->sin6_addr.s6_addr[12] == 127);
}

static void
listener_closed_cb(uv_handle_t *h)
{
	struct relay_metrics	*m = h->data;

	m->handles--;
	metrics_check_free(m);
}

int
relay_metrics_start(struct relay *r, const char *addr,
    struct relay_metrics **out, int *loopback, char *err, size_t errlen)
{
	struct relay_metrics	*m;
	struct sockaddr_storage	 ss;
	char			 shown[PROTO_ADDR_MAX + 1];
	int			 e, len;

	*out = NULL;
	if ((e = relay_parse_addr(addr, &ss, err, errlen)) != 0)
		return e;
	*loopback = is_loopback(&ss);
	/* Owned by the caller until relay_metrics_close(). */
	if ((m = calloc(1, sizeof *m)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return UV_ENOMEM;
	}
	m->relay = r;
	m->started = uv_hrtime();
	LIST_INIT(&m->conns);
	if ((e = uv_tcp_init(r->loop, &m->listener)) != 0) {
		free(m);
		snprintf(err, errlen, "metrics: %s", uv_strerror(e));
		return e;
	}
	m->listener.data = m;
	m->handles = 1;
	len = sizeof ss;
	if ((e = uv_tcp_bind(&m->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (e = uv_listen((uv_stream_t *)&m->listener, 64,
	    metrics_connection_cb)) != 0 ||
	    (e = uv_tcp_getsockname(&m->listener, (struct sockaddr *)&ss,
	    &len)) != 0) {
		snprintf(err, errlen, "cannot listen for metrics on %s: %s",
		    addr, uv_strerror(e));
		relay_metrics_close(m);
		return e;
	}
	relay_format_addr((struct sockaddr *)&ss, shown, sizeof shown);
	relay_log(RELAY_LOG_NOTICE, NULL, "metrics on %s", shown);
	*out = m;
	return 0;
}

void
relay_metrics_close(struct relay_metrics *m)
{
	struct mconn	*c;

	if (m == NULL || m->closing)
		return;
	m->closing = 1;
	LIST_FOREACH(c, &m->conns, link)
		mconn_close(c);
	uv_close((uv_handle_t *)&m->listener, listener_closed_cb);
}
