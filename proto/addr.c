/*
 * addr.c: the HOST:PORT parser of addr.h. Text only: no name lookup, so
 * both the relay and the client can apply their own rules afterwards.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int
addr_fail(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

int
proto_hostport_parse(const char *s, struct proto_hostport *hp, char *err,
    size_t errlen)
{
	const char	*host = s, *port, *end, *colon;
	size_t		 hlen, i;
	unsigned long	 pn = 0;

	memset(hp, 0, sizeof *hp);
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return addr_fail(err, errlen, "expected [IPv6]:PORT");
		host = s + 1;
		hlen = (size_t)(end - host);
		port = end + 2;
		hp->bracketed = true;
		if (hlen == 0)
			return addr_fail(err, errlen, "expected [IPv6]:PORT");
	} else if ((colon = strrchr(s, ':')) == NULL) {
		hlen = 0;		/* just a port */
		port = s;
	} else {
		if (strchr(s, ':') != colon)
			return addr_fail(err, errlen,
			    "put an IPv6 address in brackets: [::1]:7117");
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen > PROTO_HOST_MAX)
		return addr_fail(err, errlen, "host name too long");
	/* One to five digits, no sign, no space, at most 65535. */
	for (i = 0; port[i] >= '0' && port[i] <= '9' && i < 6; i++)
		pn = pn * 10 + (unsigned long)(port[i] - '0');
	if (i == 0 || i > 5 || port[i] != '\0' || pn > 65535)
		return addr_fail(err, errlen, "expected a port number 0-65535");
	memcpy(hp->host, host, hlen);
	hp->host[hlen] = '\0';
	hp->port = (unsigned)pn;
	return 0;
}
