/*
 * digest.h: incremental SHA-256 through OpenSSL's EVP API, and the lowercase
 * hex form that travels in file_end and receipts and that sha256sum prints.
 */
#ifndef FERRY_DIGEST_H
#define FERRY_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_LEN	32		/* bytes of a SHA-256 */
#define DIGEST_HEX_LEN	64		/* its lowercase hex, without the NUL */

struct evp_md_ctx_st;

struct client_digest {
	struct evp_md_ctx_st	*ctx;	/* owned: EVP_MD_CTX, NULL when not started */
};

/*
 * Initialises OpenSSL (its configuration included) on the calling thread.
 * Called once from client_new(): done lazily on a worker thread instead,
 * it leaves that thread's error state behind at exit (valgrind: definitely
 * lost). Idempotent and thread-safe.
 */
void	client_digest_setup(void);
/* Starts a SHA-256. Returns 0 or UV_ENOMEM / UV_EIO. */
int	client_digest_init(struct client_digest *d);
/* Feeds len bytes. Safe to call from a worker thread (one thread at a time per digest). */
int	client_digest_update(struct client_digest *d, const void *p, size_t len);
/* Finishes into hex[DIGEST_HEX_LEN + 1] and releases the context. */
int	client_digest_final(struct client_digest *d, char *hex);
/* The digest of what was fed so far into hex[], going on from there afterwards. */
int	client_digest_peek(const struct client_digest *d, char *hex);
/* Releases the context without a result. Safe on a digest never started. */
void	client_digest_free(struct client_digest *d);

/* One-shot SHA-256 of a buffer into hex[DIGEST_HEX_LEN + 1]. */
int	client_digest_buffer(const void *p, size_t len, char *hex);
/* Lowercase hex of len bytes into out[2 * len + 1]. */
void	client_digest_hex(const uint8_t *md, size_t len, char *out);

#endif /* FERRY_DIGEST_H */
