/*
 * relay_fake.h: the control logic (relay_control.h) driven with no loop
 * and no socket, for test_relay_control.c and test_relay_hardening.c. Fake
 * connections record what the relay sends them, decoded with the real
 * proto code, so a test reads like a conversation: who said what, what
 * each side heard, who got closed.
 */
#ifndef FERRY_TEST_RELAY_FAKE_H
#define FERRY_TEST_RELAY_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "relay_control.h"

/* One fake connection: the relay's peer and what it heard. */
struct rfake {
	struct relay_peer	 p;
	struct proto_msg	*msgs;		/* owned: what the relay sent, in order */
	size_t			 nmsgs, head, cap;
	size_t			 frames;	/* every frame, recorded or not */
	int			 record;	/* 0: count frames only (big tests) */
	int			 closed;	/* 0, or 1 + RELAY_CLOSE_* */
	/* Of the recorded messages: */
	int			 n[PROTO_MSG_COUNT];	/* how many, by type */
	char			 code[33];	/* the last error's code */
	uint64_t		 err_transfer, err_ref;	/* ... its transfer and ref */
	uint64_t		 transfer;	/* of the last incoming/offered/ready */
	char			 slot[PROTO_SLOT_LEN + 1];	/* of the last slot */
	/* The key its TLS handshake showed: 32 bytes of keyseed (0: one of i's own). */
	uint8_t			 keyseed;
};

struct rfake_harness {
	struct relay_ctl	 ctl;
	struct rfake		*f;		/* owned: nf of them */
	size_t			 nf;
	uint64_t		 bridged;	/* last transfer the bridge op got */
	int			 nbridged;
	uint64_t		 now;		/* the clock every call gives */
};

/*
 * A relay_ctl on cfg (NULL: relay_config_default()) with n fake
 * connections and the clock at now.
 */
struct rfake_harness *rfake_new(size_t n, const struct relay_config *cfg,
	    uint64_t now);
void	rfake_free(struct rfake_harness *h);
/* A cmocka teardown: rfake_free(*state). */
int	rfake_teardown(void **state);

/*
 * Connection i arrives, from 10.0.x.y:(5000+i), and records; a slot used
 * before keeps what it heard then. rfake_conn is a control connection
 * whose TLS handshake is done (its key: keyseed, see above); rfake_plain
 * one in clear (a data connection, or a client without TLS).
 */
struct rfake *rfake_conn(struct rfake_harness *h, int i);
struct rfake *rfake_plain(struct rfake_harness *h, int i);
/* The key of connection i in hex, as welcome and peer objects carry it. */
void	rfake_key_hex(const struct rfake_harness *h, int i,
	    char out[PROTO_KEY_HEX + 1]);
/* Connection i arrives in clear, says attach and hears its slot (f->slot). */
void	rfake_attach(struct rfake_harness *h, int i);
/* Control connection c says bind {transfer id, data connection d's slot}. */
void	rfake_bind(struct rfake_harness *h, int c, int d, uint64_t id);
/* Connection i says json (which must decode). */
void	rfake_say(struct rfake_harness *h, int i, const char *json);
void	rfake_sayf(struct rfake_harness *h, int i, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The next message connection i heard; it must be of type t. */
struct proto_msg *rfake_heard(struct rfake_harness *h, int i,
	    enum proto_msg_type t);
/* The next message is error{code}. */
struct proto_msg *rfake_heard_error(struct rfake_harness *h, int i,
	    const char *code);
/* ... and about transfer id. */
struct proto_msg *rfake_heard_on(struct rfake_harness *h, int i,
	    enum proto_msg_type t, uint64_t id);
struct proto_msg *rfake_heard_error_on(struct rfake_harness *h, int i,
	    const char *code, uint64_t id);
/* Connection i heard nothing more. */
void	rfake_silent(struct rfake_harness *h, int i);
/* Connection i arrives, says hello as name and hears welcome. */
void	rfake_join(struct rfake_harness *h, int i, const char *name);

/* Two joined peers (0 alice, 1 bob) whose joins were pushed and heard. */
void	rfake_two(struct rfake_harness *h);
/*
 * alice (0) offers bob (1) two files of 8 bytes in all, and both hear
 * what follows (offered, incoming, ready), each checked. The transfer id.
 */
uint64_t rfake_offer(struct rfake_harness *h);
/* Data connection d attaches and control connection c binds it to id. */
void	rfake_pair(struct rfake_harness *h, int c, int d, uint64_t id);

#endif /* FERRY_TEST_RELAY_FAKE_H */
