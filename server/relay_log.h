/*
 * relay_log.h: the relay's event log: one line per event on stderr, each with a
 * UTC timestamp, the level and the peer's address when there is one.
 */
#ifndef FERRY_RELAY_LOG_H
#define FERRY_RELAY_LOG_H

enum relay_log_level {
	RELAY_LOG_NOTICE = -1,		/* always written: "listening on", "stopped" */
	RELAY_LOG_ERROR = 0,
	RELAY_LOG_WARN,
	RELAY_LOG_INFO,
	RELAY_LOG_DEBUG,
};

/* Lines above this level are dropped; the default is RELAY_LOG_INFO. */
void	relay_log_set_level(enum relay_log_level level);
int	relay_log_enabled(enum relay_log_level level);
/* "error", "warn", "info" or "debug" to a level; -1 when unknown. */
int	relay_log_parse_level(const char *s);

/*
 * Writes "2025-01-02T03:04:05.678Z info 127.0.0.1:50312 hello ..." in one
 * write(2). addr may be NULL for events that concern no peer.
 */
void	relay_log(enum relay_log_level level, const char *addr,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* FERRY_RELAY_LOG_H */
