/*
 * client.h: the client core's public interface. The TUI (ui/) and the
 * headless commands (ui/headless.c) drive the same core through these
 * functions and learn what happened through struct client_ops.
 */
#ifndef FERRY_CLIENT_H
#define FERRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/*
 * Bytes per data frame and per file read or write. Files of CLIENT_CHUNK_SIZE
 * - 1, CLIENT_CHUNK_SIZE and CLIENT_CHUNK_SIZE + 1 bytes exercise the edges.
 */
#define CLIENT_CHUNK_SIZE	1048576

/* Default relay when neither --server nor $FERRY_SERVER says otherwise. */
#define CLIENT_DEFAULT_SERVER	"127.0.0.1:7117"

/*
 * Keepalive of the control connection: after this much silence from the
 * relay the client pings it, and after CLIENT_IDLE_MS it gives up on a relay
 * that vanished without a word (stopped, or a network that drops packets).
 */
#define CLIENT_PING_MS		30000
#define CLIENT_IDLE_MS		60000

/* Default progress callbacks per second per transfer (state changes are never delayed). */
#define CLIENT_PROGRESS_HZ	10

struct client;

/* The control connection's state, as on_state reports it. */
enum client_state {
	CLIENT_IDLE = 0,	/* created, client_start() not called yet */
	CLIENT_CONNECTING,	/* resolving, connecting, or waiting for welcome */
	CLIENT_CONNECTED,	/* welcome received: peers and offers work */
	CLIENT_DISCONNECTED,	/* lost or refused; retry_in > 0 when a reconnect is scheduled */
	CLIENT_CLOSED,		/* client_close() finished: every handle is closed */
};

enum client_dir {
	CLIENT_SEND = 1,	/* we offered files */
	CLIENT_RECEIVE,		/* somebody offered files to us */
};

/*
 * A transfer's life. Sending: OFFERING (reading the files' sizes, waiting
 * for the relay's "offered") -> WAITING (the receiver decides) -> ACCEPTED
 * (data connection opening) -> TRANSFERRING -> VERIFYING (every byte sent,
 * waiting for the receipt) -> DONE. Receiving: WAITING (the front end must
 * call client_accept or client_decline) -> ACCEPTED -> TRANSFERRING ->
 * VERIFYING (checking digests, renaming part files) -> DONE. Any state may
 * end in DECLINED, CANCELLED or FAILED, with a reason.
 */
enum client_transfer_state {
	CLIENT_TRANSFER_OFFERING = 0,
	CLIENT_TRANSFER_WAITING,
	CLIENT_TRANSFER_ACCEPTED,
	CLIENT_TRANSFER_TRANSFERRING,
	CLIENT_TRANSFER_VERIFYING,
	CLIENT_TRANSFER_DONE,		/* every file verified by the receiver */
	CLIENT_TRANSFER_DECLINED,	/* reason says who declined and why */
	CLIENT_TRANSFER_CANCELLED,	/* reason says who cancelled */
	CLIENT_TRANSFER_FAILED,		/* reason says what went wrong */
};

/* True for DONE, DECLINED, CANCELLED and FAILED. */
#define CLIENT_TRANSFER_ENDED(s)	((s) >= CLIENT_TRANSFER_DONE)

struct client_options {
	const char	*server;	/* "HOST:PORT" or "[v6]:PORT"; NULL: CLIENT_DEFAULT_SERVER */
	const char	*name;		/* our peer name, 1..64 bytes; required */
	const char	*room;		/* the room we meet peers in (a name's rules); NULL/"": none */
	const char	*dir;		/* where received files go; NULL: "." */
	bool		 reconnect;	/* reconnect with backoff (1 s doubling to 30 s) when lost */
	unsigned	 progress_hz;	/* progress on_transfer calls per second per transfer; 0: CLIENT_PROGRESS_HZ */
	uint64_t	 rate_limit;	/* sending: bytes per second per transfer; 0: no limit */
	uint64_t	 ping_ms;	/* relay silent this long: ping it; 0: CLIENT_PING_MS */
	uint64_t	 idle_ms;	/* ... this long: give up on it; 0: CLIENT_IDLE_MS */
	const char	*identity;	/* our key file (identity.h), created on first use; NULL: a key for this run only */
	bool		 identity_private; /* its folder is the default one: made 0700, checked */
	const char	*known_peers;	/* names and the keys they had (trust.h); NULL: keep none */
	const char	*known_relays;	/* the relays' pinned keys (relays.h); NULL: pin nothing */
	const char	*relay_fingerprint; /* the relay's key must be this one (full or >= 16 characters); NULL: any pinned or new */
};

/*
 * What known_peers says about a peer's key: the name was never seen, its
 * key is the one remembered (verified by a person or only seen), or the
 * name is known with another key.
 */
enum client_trust {
	CLIENT_TRUST_UNKNOWN = 0,
	CLIENT_TRUST_SEEN,
	CLIENT_TRUST_VERIFIED,
	CLIENT_TRUST_CHANGED,
};

/* Another peer on the relay. */
struct client_peer {
	uint64_t	 id;		/* relay-issued */
	char		 name[65];	/* PROTO_PEER_NAME_MAX + 1 */
	char		 addr[65];	/* "HOST:PORT" as the relay sees it */
	char		 fingerprint[53]; /* of its key as the relay announced it (PROTO_FPR_LEN + 1) */
	char		 short_fpr[20];	/* "K7QF-2MZD-9XW4-TR3B" */
	uint8_t		 key[32];	/* its raw Ed25519 key */
	enum client_trust trust;	/* of that key under that name (known_peers) */
	unsigned	 active;	/* transfers with this peer that have not ended */
};

/* One file of a transfer. */
struct client_file {
	char		*name;		/* the name on the wire (owned by the core): a
					   path inside a sent folder ("photos/a.jpg") */
	char		*path;		/* sending: the local path; receiving: NULL */
	uint64_t	 size;		/* offered bytes */
	uint64_t	 done;		/* bytes sent or received so far */
	char		 sha256[65];	/* lowercase hex once known, else "" */
	char		*saved_as;	/* receiving: final name in dir once saved;
					   sending: the name the receiver reported; else NULL */
	uint64_t	 mtime;		/* modification time, seconds since 1970; 0: unknown */
	bool		 dir;		/* a folder of a sent tree: no bytes of its own */
	bool		 exec;		/* the executable bit */
	bool		 skip;		/* left out by the receiver (client_take) */
	bool		 verified;	/* receiving: whole, and its digest matched the
					   sender's (saved once the transfer is DONE) */
	uint64_t	 resumed;	/* bytes a broken transfer had delivered, checked
					   and not sent again (in done too); 0: none */
};

/*
 * A read-only view of one transfer. The core owns it and updates it in
 * place; the pointer stays valid until client_transfer_forget() or
 * client_free(). Front ends must not write to it.
 */
struct client_transfer {
	uint64_t	 id;		/* local handle, unique in this client, >= 1 */
	uint64_t	 relay_id;	/* the relay's transfer id; 0 until known */
	enum client_dir	 dir;
	enum client_transfer_state state;
	char		 peer_name[65];	/* the other side (for an offer: the `to` until "offered") */
	char		 peer_addr[65];	/* "" until known */
	uint64_t	 peer_id;	/* 0 until known */
	size_t		 nfiles;
	struct client_file *files;	/* nfiles entries */
	size_t		 current;	/* index of the file being streamed */
	uint64_t	 bytes_done;	/* all files together */
	uint64_t	 bytes_total;	/* of the files taken */
	uint64_t	 bytes_offered;	/* of every file offered */
	double		 rate;		/* bytes per second, smoothed; 0 when unknown */
	double		 eta;		/* seconds left; < 0 when unknown */
	uint64_t	 started_ms;	/* uv_now() when bytes started to flow; 0 before */
	uint64_t	 ended_ms;	/* uv_now() when it ended; 0 before */
	char		 reason[600];	/* a person's words for DECLINED, CANCELLED, FAILED */
	char		 skipped[600];	/* sending: what the folders held that is not
					   sent ("2 skipped: a/l (a symbolic link), ..."),
					   set before OFFERED; "" when nothing */
	size_t		 nfolders;	/* of nfiles, folders (dir) */
	size_t		 ntop;		/* of nfiles, top-level entries ("photos", not "photos/a") */
	size_t		 nskipped;	/* of nfiles, left out by the receiver (files and folders) */
	size_t		 current_no;	/* 1-based number of files[current] among the
					   files (not folders); 0 before any */
	uint64_t	 bytes_resumed;	/* of bytes_done, what was kept from a broken
					   transfer and not sent again */
	bool		 broken;	/* FAILED because a connection broke: the
					   receiver keeps what arrived, so offering
					   the same files again resumes them */
	/* Once the end-to-end session is up (auth_code[0] != '\0'): */
	char		 peer_fpr[20];	/* the peer's short fingerprint, "K7QF-2MZD-9XW4-TR3B" */
	enum client_trust trust;	/* what known_peers said (UNKNOWN: a first contact, now SEEN) */
	char		 auth_code[12];	/* "123 456 789": the same at both ends of this session */
};

/*
 * Callbacks into the front end. Any of them may be NULL. They run on the
 * loop thread, from inside the core: a callback may call client_accept,
 * client_decline, client_cancel, client_offer, client_transfer_forget (for
 * a transfer other than the one being reported) and client_close, but never
 * client_free.
 */
/* The control connection changed state; reason is set for DISCONNECTED ("connection refused"), retry_in is in seconds (0: no retry). */
typedef void	(*client_state_cb)(struct client *c, enum client_state state,
		    const char *reason, unsigned retry_in, void *arg);
/* The peer list changed (see client_peers). */
typedef void	(*client_peers_cb)(struct client *c, void *arg);
/* An offer arrived and waits in CLIENT_TRANSFER_WAITING for client_accept or client_decline. */
typedef void	(*client_incoming_cb)(struct client *c,
		    const struct client_transfer *t, void *arg);
/* A transfer changed state, or made progress (at most progress_hz per second). */
typedef void	(*client_transfer_cb)(struct client *c,
		    const struct client_transfer *t, void *arg);
/* One line for the user, without "ferry: " and without a newline. */
typedef void	(*client_message_cb)(struct client *c, const char *line, void *arg);

struct client_ops {
	client_state_cb		 on_state;
	client_peers_cb		 on_peers;
	client_incoming_cb	 on_incoming;
	client_transfer_cb	 on_transfer;
	client_message_cb	 on_message;
};

/*
 * Creates a client on the caller's loop (nothing happens until
 * client_start). The options' strings are copied. Returns 0, UV_EINVAL
 * with a reason in err (a bad server address or name) or UV_ENOMEM.
 */
int	client_new(uv_loop_t *loop, const struct client_options *opts,
	    const struct client_ops *ops, void *arg, struct client **out,
	    char *err, size_t errlen);
/* Connects to the relay, says hello and asks for the peer list. */
int	client_start(struct client *c);
/*
 * Cancels every transfer that has not ended (part files are removed),
 * closes every handle, and reports CLIENT_CLOSED through on_state once the
 * last one is closed (at once, from inside this call, for a client that
 * was never started). Idempotent.
 */
void	client_close(struct client *c);
/* Frees the client. Only after CLIENT_CLOSED (or before client_start), never from a callback. */
void	client_free(struct client *c);

enum client_state client_state(const struct client *c);
/* Our id, name and address as the relay sees us, once CONNECTED ("" / 0 before). */
uint64_t	 client_self_id(const struct client *c);
const char	*client_self_name(const struct client *c);
const char	*client_self_addr(const struct client *c);
/* Our key's short fingerprint ("K7QF-2MZD-9XW4-TR3B"); NULL without an identity. */
const char	*client_self_fingerprint(const struct client *c);
/* The room we said hello in ("" for none). */
const char	*client_room(const struct client *c);
/* The relay address we connect to ("127.0.0.1:7117"). */
const char	*client_server(const struct client *c);
/* The folder received files go to. */
const char	*client_dir(const struct client *c);

/* One kept part client_prune_parts removed: its file's name, bytes kept of size, age. */
typedef void	(*client_pruned_fn)(void *arg, const char *name, uint64_t have,
		    uint64_t size, uint64_t age_s);
/*
 * Removes the parts of broken transfers (kept in DIR/.ferry-resume so the
 * same files sent again go on from there) that nobody wrote to for max_age_s
 * seconds, calling cb for each. Blocks on the disk: call it before
 * client_start. 0, or a libuv error about the resume folder, why in err.
 */
int	client_prune_parts(struct client *c, uint64_t max_age_s,
	    client_pruned_fn cb, void *arg, char *err, size_t errlen);

/*
 * The other peers, sorted by name; *n gets the count. The array is owned by
 * the core and valid until control returns to the loop (copy what you keep).
 * Peer-list snapshots complete (every `more` page in) before on_peers runs.
 */
const struct client_peer *client_peers(const struct client *c, size_t *n);
/* True once a whole peer list has arrived on the current connection. */
bool	client_peers_loaded(const struct client *c);
/* The peer spec names, as client_offer reads it (client_peers_resolve), or NULL. */
const struct client_peer *client_peer_find(const struct client *c, const char *spec);

/* Transfers in creation order: pass NULL for the first; NULL at the end. */
const struct client_transfer *client_transfer_next(const struct client *c,
	    const struct client_transfer *prev);
const struct client_transfer *client_transfer_find(const struct client *c, uint64_t id);
size_t	client_transfer_count(const struct client *c);

/*
 * Offers paths[0..n) (regular files and folders, each offered under its base
 * name; a folder with everything in it, see transfer_walk.c) to
 * `to` as client_peers_resolve (peers.h) reads it: a "HOST:PORT" address, a
 * name whose key is not known to have changed, or a fingerprint's first 8
 * or more characters. The files are examined off the loop; problems found
 * then end the transfer as FAILED with a reason. Returns 0 and the local
 * handle in *id, or UV_ENOTCONN (not connected, or the peer list has not
 * arrived yet), UV_ENOENT (nobody is `to`, or the name's key changed),
 * UV_EINVAL (n is 0 or over PROTO_OFFER_MAX, or a name client_offer_check refuses)
 * or UV_ENOMEM, with a reason in err.
 */
int	client_offer(struct client *c, const char *to, const char *const *paths,
	    size_t n, uint64_t *id, char *err, size_t errlen);
/*
 * The names paths[0..n) would be offered under, checked as a receiver
 * checks them (proto_file_name_problem: no path, nothing that hides or
 * reorders text, no white space at the ends). 0, or UV_EINVAL with every
 * bad name and its reason in err ("2 file names cannot be sent (rename and
 * send again): \"invoice?fdp.exe\" contains U+202E RIGHT-TO-LEFT OVERRIDE
 * at byte 7 (character 8); \"notes \" ends with a space"), as many as
 * fit, then "and N more". client_offer checks this first; a front end may
 * call it before it connects.
 */
int	client_offer_check(const char *const *paths, size_t n, char *err,
	    size_t errlen);
/*
 * Accepts an incoming offer in WAITING: checks free space in the receive
 * folder first and declines with "no_space: ..." when the files do not fit.
 * Returns 0, or UV_ENOENT (unknown id) / UV_EINVAL (not an incoming offer
 * in WAITING).
 */
int	client_accept(struct client *c, uint64_t id);
/*
 * Before client_accept: takes (take true) or leaves out entry i of an
 * incoming offer in WAITING. Everything is taken to begin with. A folder
 * takes or leaves out everything in it; taking an entry takes the folders
 * it lies in. bytes_total and nskipped follow. 0, UV_ENOENT (unknown id),
 * UV_EINVAL (not an incoming offer in WAITING, or i out of range).
 */
int	client_take(struct client *c, uint64_t id, size_t i, bool take);
/*
 * The person compared transfer id's auth_code with its peer and it
 * matched: the peer's key is remembered as verified for its name. 0, or
 * an error with a reason in err.
 */
int	client_verify(struct client *c, uint64_t id, char *err, size_t errlen);
/* Declines an incoming offer in WAITING; reason may be NULL ("declined"). */
int	client_decline(struct client *c, uint64_t id, const char *reason);
/*
 * Cancels a transfer in any state that has not ended (tells the relay,
 * closes the data connection, removes part files). reason may be NULL.
 */
int	client_cancel(struct client *c, uint64_t id, const char *reason);
/* Drops an ended transfer from the list (its pointer becomes invalid). */
int	client_transfer_forget(struct client *c, uint64_t id);

/* "waiting", "transferring", "done", ... */
const char	*client_transfer_state_name(enum client_transfer_state s);

#endif /* FERRY_CLIENT_H */
