/*
 * tls.h: TLS 1.3 over memory buffers, for an event loop that owns the
 * sockets (libuv on both sides). OpenSSL does the protocol; this layer only
 * moves bytes between the socket and OpenSSL's memory BIOs, makes the
 * self-signed certificate that carries an Ed25519 identity key, and hands
 * out what the application checks after the handshake: the peer's raw key
 * (to pin or compare; certificates prove possession, not trust) and keying
 * material from the exporter (RFC 8446 section 7.5) for authentication
 * codes. The same code serves the control connection to the relay and,
 * later, the end-to-end session between two clients inside a bridge.
 */
#ifndef FERRY_TLS_H
#define FERRY_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_TLS_KEY_LEN	32	/* bytes of a raw Ed25519 public key */

/* Results besides 0 and errors (which are negative). */
#define PROTO_TLS_WANT		1	/* needs more bytes from the peer */
#define PROTO_TLS_CLOSED	2	/* the peer closed the session cleanly */

struct evp_pkey_st;
struct proto_tls_ctx;
struct proto_tls;

/*
 * A context for one side (server or client) that presents a self-signed
 * certificate for key (an Ed25519 private key; the context takes its own
 * reference) and asks the peer for one too: a server refuses a client that
 * presents none. TLS 1.3 only. Returns 0 or -1 with the reason in err.
 */
int	proto_tls_ctx_new(bool server, struct evp_pkey_st *key,
	    struct proto_tls_ctx **out, char *err, size_t errlen);
/*
 * A server context from a certificate chain and its private key in PEM
 * files (a CA-signed certificate for a DNS name; any key type OpenSSL
 * takes). Clients must still present a certificate. The key file must be
 * the caller's own and unreadable by others. 0 or -1 with err.
 */
int	proto_tls_ctx_new_files(const char *cert_file, const char *key_file,
	    struct proto_tls_ctx **out, char *err, size_t errlen);
/*
 * Client contexts: also check the server's chain against the system's
 * trust store (honours SSL_CERT_FILE and SSL_CERT_DIR). The verdict is
 * only recorded (proto_tls_peer_ca_ok): a self-signed relay still gets
 * through the handshake, to be checked against its pin. 0 or -1.
 */
int	proto_tls_ctx_trust_system(struct proto_tls_ctx *ctx, char *err,
	    size_t errlen);
void	proto_tls_ctx_free(struct proto_tls_ctx *ctx);

/* One session on ctx (which must outlive it). 0 or -1 (out of memory). */
int	proto_tls_new(struct proto_tls_ctx *ctx, struct proto_tls **out);
void	proto_tls_free(struct proto_tls *t);
/*
 * Client, before the handshake: the DNS name the server was asked by (sent
 * as SNI, and the name its certificate must carry for proto_tls_peer_ca_ok).
 * 0 or -1.
 */
int	proto_tls_set_host(struct proto_tls *t, const char *dns_name);

/* Bytes that arrived from the peer's socket. 0 or -1. */
int	proto_tls_feed(struct proto_tls *t, const void *p, size_t len);
/*
 * Advances the handshake with what was fed: 0 once it is complete,
 * PROTO_TLS_WANT while it needs more from the peer (send what
 * proto_tls_pending holds first), -1 when it failed (proto_tls_error).
 */
int	proto_tls_handshake(struct proto_tls *t);
/*
 * Decrypted bytes, up to len, into buf; *got says how many. 0 with *got >
 * 0, PROTO_TLS_WANT when nothing is ready yet, PROTO_TLS_CLOSED after the
 * peer's close_notify, -1 on a bad record (tampered, truncated: the
 * session is dead).
 */
int	proto_tls_read(struct proto_tls *t, void *buf, size_t len, size_t *got);
/* Encrypts len bytes for the peer (into the pending output). 0 or -1. */
int	proto_tls_write(struct proto_tls *t, const void *p, size_t len);
/* Sends close_notify (into the pending output). */
void	proto_tls_close(struct proto_tls *t);

/*
 * The room the session's two memory buffers hold (bytes from and for the
 * peer, pending or not): small once they are drained, whatever passed
 * through them before (a drained buffer over 4 KiB is given back). For
 * tests and measurements.
 */
size_t	proto_tls_memory(const struct proto_tls *t);

/* Bytes waiting to go to the peer's socket, and taking them (up to len). */
size_t	proto_tls_pending(const struct proto_tls *t);
size_t	proto_tls_take(struct proto_tls *t, void *buf, size_t len);

/* After the handshake: the peer's Ed25519 public key from its certificate. 0 or -1. */
int	proto_tls_peer_key(struct proto_tls *t, uint8_t key[PROTO_TLS_KEY_LEN]);
/*
 * After the handshake: the names of the peer's key (struct proto_key_names
 * of keyfile.h): SHA-256 of the raw key for Ed25519, of the DER
 * SubjectPublicKeyInfo for any other type (keyline then ""). 0 or -1.
 */
struct proto_key_names;
int	proto_tls_peer_names(struct proto_tls *t, struct proto_key_names *n);
/*
 * After the handshake, on a context with proto_tls_ctx_trust_system: true
 * when the peer's chain verified against the trust store and carries the
 * name given to proto_tls_set_host.
 */
bool	proto_tls_peer_ca_ok(const struct proto_tls *t);
/* After the handshake: len bytes of keying material for label. 0 or -1. */
int	proto_tls_export(struct proto_tls *t, const char *label, uint8_t *out,
	    size_t len);
/* The negotiated cipher suite ("TLS_AES_256_GCM_SHA384"), or "" before. */
const char	*proto_tls_cipher(const struct proto_tls *t);
/* Why the last call failed, in words. */
const char	*proto_tls_error(const struct proto_tls *t);

#endif /* FERRY_TLS_H */
