/*
 * relay_addr.c: the relay's addresses: "HOST:PORT" (through proto/addr.c)
 * to a sockaddr for the listener, and a peer's sockaddr back to text.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <uv.h>

#include "addr.h"
#include "relay.h"

static int
addr_fail(char *err, size_t errlen, const char *s, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "bad address \"%s\": %s", s, why);
	return UV_EINVAL;
}

/* HOST:PORT through proto/addr.c; no host means every IPv4 address. */
int
relay_parse_addr(const char *s, struct sockaddr_storage *ss, char *err,
    size_t errlen)
{
	struct addrinfo		 hints, *res = NULL;
	struct proto_hostport	 hp;
	char			 why[96];
	int			 e;

	memset(ss, 0, sizeof *ss);
	if (proto_hostport_parse(s, &hp, why, sizeof why) != 0)
		return addr_fail(err, errlen, s, why);
	if (hp.bracketed) {
		if (uv_ip6_addr(hp.host, (int)hp.port,
		    (struct sockaddr_in6 *)ss) != 0)
			return addr_fail(err, errlen, s, "not an IPv6 address");
		return 0;
	}
	if (hp.host[0] == '\0')
		snprintf(hp.host, sizeof hp.host, "0.0.0.0");
	if (uv_ip4_addr(hp.host, (int)hp.port, (struct sockaddr_in *)ss) == 0 &&
	    inet_pton(AF_INET, hp.host,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(hp.host, NULL, &hints, &res)) != 0 || res == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot resolve \"%s\": %s",
			    hp.host, gai_strerror(e));
		return UV_EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen < sizeof *ss ?
	    res->ai_addrlen : sizeof *ss);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)hp.port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)hp.port);
	else
		return addr_fail(err, errlen, s, "not an IP address");
	return 0;
}

void
relay_format_addr(const struct sockaddr *sa, char *out, size_t len)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	char				 ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, len, "%s:%u", ip, (unsigned)ntohs(in4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		/* A v4 client on a dual-stack socket: show it as v4. */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			if (inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip,
			    sizeof ip) == NULL)
				snprintf(ip, sizeof ip, "?");
			snprintf(out, len, "%s:%u", ip,
			    (unsigned)ntohs(in6->sin6_port));
			return;
		}
		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, len, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
	} else
		snprintf(out, len, "?");
}
