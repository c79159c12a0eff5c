/*
 * addr.h: the one HOST:PORT parser, shared by the client (--server, --to)
 * and the relay (--listen): "host:7117", "[::1]:7117", ":7117" and "7117".
 * It only splits and checks the text; each caller says which forms it takes.
 */
#ifndef FERRY_ADDR_H
#define FERRY_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define PROTO_HOST_MAX	255	/* bytes of a host name (DNS allows 253) */

struct proto_hostport {
	char		host[PROTO_HOST_MAX + 1];	/* "" when none was given */
	unsigned	port;				/* 0..65535 */
	bool		bracketed;			/* written as [v6]:port */
};

/*
 * Splits s into host and port. The host may be empty (":7117", or just
 * "7117"); an IPv6 address must be in brackets, so "::1:7117" is refused.
 * The port is 0 to 65535, digits only. Returns 0, or -1 with the reason in
 * a person's words in err ("expected a port number 0-65535", ...).
 */
int	proto_hostport_parse(const char *s, struct proto_hostport *hp,
	    char *err, size_t errlen);

#endif /* FERRY_ADDR_H */
