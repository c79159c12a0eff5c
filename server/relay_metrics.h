/*
 * relay_metrics.h: ferryd --metrics-listen: the relay's counters and gauges
 * in the Prometheus text format (0.0.4) over plain HTTP/1.x, on a listener
 * of its own on the relay's loop (metrics.c).
 */
#ifndef FERRY_RELAY_METRICS_H
#define FERRY_RELAY_METRICS_H

#include <stddef.h>

#include <uv.h>

#include "relay.h"

#define RELAY_METRICS_REQ_MAX	8192	/* request bytes read at most */
#define RELAY_METRICS_CONNS	16	/* open at once; the next is closed */
#define RELAY_METRICS_DEADLINE	5000	/* ms a connection may stay */

struct relay_metrics;

/*
 * Parses addr (HOST:PORT, relay_parse_addr()), binds and listens on r's
 * loop, logs "metrics on HOST:PORT" with the real port. *loopback tells
 * whether the address is a loopback one (set once it parsed, even when the
 * bind then fails). The endpoint belongs to the
 * caller until relay_metrics_close(). 0, or a negative libuv error with a
 * line for people in err (nothing is left open then).
 */
int	relay_metrics_start(struct relay *r, const char *addr,
	    struct relay_metrics **out, int *loopback, char *err, size_t errlen);
/*
 * Closes the listener and every metrics connection; the memory is freed
 * from their close callbacks (the loop must run on). NULL: nothing.
 */
void	relay_metrics_close(struct relay_metrics *m);

/*
 * The exposition text for r, uptime_s seconds after start, into buf (NUL
 * ended). Its length, or -1 when len is too small.
 */
int	relay_metrics_text(const struct relay *r, double uptime_s, char *buf,
	    size_t len);

#endif /* FERRY_RELAY_METRICS_H */
