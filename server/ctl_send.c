/*
 * ctl_send.c: the control logic's way out: a message, or an error{code},
 * encoded and handed to relay_ops.send; and the "10 s" of its messages.
 * Below session.c, presence.c and routing.c, calling none of them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "relay_ctl_int.h"
#include "relay_log.h"

/* "10 s" or "250 ms", for messages people read. */
const char *
relay__ctl_dur(char *buf, size_t len, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	return buf;
}

/* Encodes m and queues it for p. */
int
relay__ctl_send(struct relay_ctl *ctl, struct relay_peer *p,
    const struct proto_msg *m)
{
	uint8_t	*f;
	size_t	 n;
	char	 err[160];
	int	 r;

	if ((r = proto_msg_frame_err(m, &f, &n, err, sizeof err)) != 0) {
		relay_log(RELAY_LOG_ERROR, p->addr, "cannot encode %s: %s",
		    proto_msg_type_name(m->type), err);
		return r;
	}
	ctl->ops->send(ctl->arg, p, f, n);
	free(f);
	return 0;
}

void
relay__ctl_error(struct relay_ctl *ctl, struct relay_peer *p, int err,
    uint64_t transfer, uint64_t ref, const char *fmt, ...)
{
	char	 msg[PROTO_TEXT_MAX + 1];
	uint8_t	*f;
	size_t	 n;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (proto_error_frame(err, msg, transfer, ref, &f, &n) != 0) {
		relay_log(RELAY_LOG_ERROR, p->addr, "cannot encode error %s",
		    proto_code_name(err));
		return;
	}
	relay_log(RELAY_LOG_DEBUG, p->addr, "error %s sent: %s",
	    proto_code_name(err), msg);
	if (err > 0 && err < PROTO_E_COUNT)
		ctl->stats.errors[err]++;	/* the metrics' ferry_refusals_total */
	ctl->ops->send(ctl->arg, p, f, n);
	free(f);
}
