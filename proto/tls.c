/*
 * tls.c: TLS 1.3 sessions over OpenSSL memory BIOs (tls.h). The socket
 * belongs to the caller's event loop: it feeds what it read, takes what is
 * pending and writes it. Certificates are self-signed wrappers around the
 * Ed25519 identity keys; OpenSSL checks the handshake's signatures (proof
 * of possession), the caller checks whose key it was.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "keyfile.h"
#include "tls.h"

/*
 * A memory BIO keeps the largest buffer it ever needed: after one 1 MiB
 * write, or one 64 KiB read fed at once, a session would hold that much
 * for the rest of its life, idle or not. So a BIO that was drained empty
 * with more than this much room gets a new, empty buffer (its bytes are
 * all gone, so nothing moves). Except in a stream: a burst over this size
 * right after another one keeps its buffer for the next (growing a buffer
 * of a megabyte from nothing on every write costs more than the
 * encryption); the next small burst gives it back.
 */
#define TLS_BIO_KEEP	4096

/* How one BIO was used since it was last empty. */
struct bio_use {
	size_t	burst;		/* bytes through it since */
	bool	streaming;	/* the burst before was over TLS_BIO_KEEP */
};

static void	bio_drained(BIO *, struct bio_use *);

struct proto_tls_ctx {
	SSL_CTX		*ssl;		/* owned */
	bool		 server;
	bool		 trust;		/* proto_tls_ctx_trust_system */
};

struct proto_tls {
	SSL		*ssl;		/* owned, with its two BIOs */
	bool		 host_set;	/* proto_tls_set_host: the name is checked */
	BIO		*rbio;		/* bytes from the peer (borrowed from ssl) */
	BIO		*wbio;		/* bytes for the peer (borrowed from ssl) */
	struct bio_use	 in, out;	/* of rbio and wbio: when to give them back */
	char		 err[160];
};

/* The first queued OpenSSL error in words after what, then an empty queue. */
static void
ssl_reason(char *err, size_t errlen, const char *what)
{
	unsigned long	e = ERR_get_error();
	char		buf[128];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(err, errlen, "%s: %s", what, buf);
	} else
		snprintf(err, errlen, "%s", what);
	ERR_clear_error();
}

/*
 * The peer's certificate is self-signed, so there is no chain to check
 * here: TLS has already checked that the peer holds the certificate's key
 * (CertificateVerify), and the application decides whether that key is
 * the one it expects.
 */
static int
any_chain(int preverify, X509_STORE_CTX *x)
{
	(void)preverify;
	(void)x;
	return 1;
}

/* A self-signed X.509 v3 certificate for key, valid from yesterday for 100 years. */
static X509 *
make_cert(EVP_PKEY *key)
{
	X509		*x;
	X509_NAME	*name;
	BIGNUM		*bn = NULL;
	unsigned char	 serial[16];
	int		 ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	ok = X509_set_version(x, 2) == 1 &&
	    RAND_bytes(serial, sizeof serial) == 1 &&
	    (serial[0] &= 0x7f, (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL &&
	    X509_time_adj_ex(X509_getm_notAfter(x), 36500, 0, NULL) != NULL &&
	    X509_set_pubkey(x, key) == 1 &&
	    (name = X509_get_subject_name(x)) != NULL &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"ferry", -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, name) == 1 &&
	    X509_sign(x, key, NULL) > 0;	/* Ed25519 hashes by itself */
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* A TLS 1.3-only context for one side, with no certificate yet. */
static struct proto_tls_ctx *
ctx_alloc(bool server, char *err, size_t errlen)
{
	struct proto_tls_ctx	*ctx;

	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctx->server = server;
	ctx->ssl = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx->ssl == NULL ||
	    SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx->ssl, TLS1_3_VERSION) != 1) {
		ssl_reason(err, errlen, "cannot set up TLS");
		proto_tls_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * What every context does: ask for the peer's certificate (a server
 * refuses a client without one), and make every session a full handshake,
 * since a resumed one carries no certificate to check. Idle sessions give
 * their record buffers back (a relay holds thousands).
 */
static void
ctx_policy(struct proto_tls_ctx *ctx)
{
	SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_PEER |
	    (ctx->server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), any_chain);
	SSL_CTX_set_session_cache_mode(ctx->ssl, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx->ssl, 0);
	SSL_CTX_set_options(ctx->ssl, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx->ssl, SSL_MODE_RELEASE_BUFFERS);
}

int
proto_tls_ctx_new(bool server, EVP_PKEY *key, struct proto_tls_ctx **out,
    char *err, size_t errlen)
{
	struct proto_tls_ctx	*ctx;
	X509			*cert = NULL;
	int			 ok;

	*out = NULL;
	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "a TLS identity must be an Ed25519 key");
		return -1;
	}
	if ((ctx = ctx_alloc(server, err, errlen)) == NULL)
		return -1;
	ok = (cert = make_cert(key)) != NULL &&
	    SSL_CTX_use_certificate(ctx->ssl, cert) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx->ssl, key) == 1 &&
	    SSL_CTX_check_private_key(ctx->ssl) == 1;
	X509_free(cert);	/* the context holds its own reference */
	if (!ok) {
		ssl_reason(err, errlen, "cannot set up TLS");
		proto_tls_ctx_free(ctx);
		return -1;
	}
	ctx_policy(ctx);
	*out = ctx;
	return 0;
}

int
proto_tls_ctx_new_files(const char *cert_file, const char *key_file,
    struct proto_tls_ctx **out, char *err, size_t errlen)
{
	struct proto_tls_ctx	*ctx;
	struct stat		 st;

	*out = NULL;
	/* The same rule as for our own key files: nobody else may read it. */
	if (stat(key_file, &st) != 0) {
		snprintf(err, errlen, "%s: %s", key_file, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: others may read this key (chmod 600 "
		    "%s, owned by the user who runs ferryd)", key_file, key_file);
		return -1;
	}
	if ((ctx = ctx_alloc(true, err, errlen)) == NULL)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl, cert_file) != 1) {
		ssl_reason(err, errlen, cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx->ssl, key_file, SSL_FILETYPE_PEM) != 1) {
		ssl_reason(err, errlen, key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx->ssl) != 1) {
		ssl_reason(err, errlen, "the key does not belong to the certificate");
		goto fail;
	}
	ctx_policy(ctx);
	*out = ctx;
	return 0;
fail:
	proto_tls_ctx_free(ctx);
	return -1;
}

int
proto_tls_ctx_trust_system(struct proto_tls_ctx *ctx, char *err, size_t errlen)
{
	if (SSL_CTX_set_default_verify_paths(ctx->ssl) != 1) {
		ssl_reason(err, errlen, "cannot read the system's trust store");
		return -1;
	}
	ctx->trust = true;
	return 0;
}

void
proto_tls_ctx_free(struct proto_tls_ctx *ctx)
{
	if (ctx != NULL) {
		SSL_CTX_free(ctx->ssl);
		free(ctx);
	}
}

int
proto_tls_new(struct proto_tls_ctx *ctx, struct proto_tls **out)
{
	struct proto_tls	*t;

	*out = NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return -1;
	t->ssl = SSL_new(ctx->ssl);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return -1;
	}
	/* Reading an empty memory BIO means "not yet", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);	/* ssl owns both from here */
	if (ctx->server)
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	*out = t;
	return 0;
}

void
proto_tls_free(struct proto_tls *t)
{
	if (t != NULL) {
		SSL_free(t->ssl);	/* and its two BIOs */
		free(t);
	}
}

int
proto_tls_set_host(struct proto_tls *t, const char *dns_name)
{
	if (SSL_set_tlsext_host_name(t->ssl, dns_name) != 1 ||
	    SSL_set1_host(t->ssl, dns_name) != 1) {
		ssl_reason(t->err, sizeof t->err, "bad server name");
		return -1;
	}
	t->host_set = true;
	return 0;
}

int
proto_tls_feed(struct proto_tls *t, const void *p, size_t len)
{
	size_t	done;

	if (len == 0)
		return 0;
	if (BIO_write_ex(t->rbio, p, len, &done) != 1 || done != len) {
		ssl_reason(t->err, sizeof t->err, "out of memory");
		return -1;
	}
	t->in.burst += len;
	return 0;
}

/* What an SSL call's failure means for us. */
static int
outcome(struct proto_tls *t, int r, const char *what)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return PROTO_TLS_WANT;
	case SSL_ERROR_ZERO_RETURN:
		return PROTO_TLS_CLOSED;
	default:
		ssl_reason(t->err, sizeof t->err, what);
		return -1;
	}
}

int
proto_tls_handshake(struct proto_tls *t)
{
	int	r;

	if (SSL_is_init_finished(t->ssl))
		return 0;
	if ((r = SSL_do_handshake(t->ssl)) == 1)
		r = 0;
	else if ((r = outcome(t, r, "TLS handshake failed")) == PROTO_TLS_CLOSED)
		r = -1;
	bio_drained(t->rbio, &t->in);
	return r;
}

int
proto_tls_read(struct proto_tls *t, void *buf, size_t len, size_t *got)
{
	int	r;

	*got = 0;
	/* What the call meant is read before the trim touches the BIO. */
	if ((r = SSL_read_ex(t->ssl, buf, len, got)) == 1)
		r = 0;
	else
		r = outcome(t, r, "bad TLS record");
	bio_drained(t->rbio, &t->in);
	return r;
}

int
proto_tls_write(struct proto_tls *t, const void *p, size_t len)
{
	size_t	done = 0;

	if (len == 0)
		return 0;
	/* A memory BIO takes everything, so a write is never partial. */
	if (SSL_write_ex(t->ssl, p, len, &done) != 1 || done != len) {
		ssl_reason(t->err, sizeof t->err, "cannot encrypt");
		return -1;
	}
	return 0;
}

void
proto_tls_close(struct proto_tls *t)
{
	if (SSL_is_init_finished(t->ssl))
		SSL_shutdown(t->ssl);
	ERR_clear_error();
}

/*
 * bio was read to its end: give its grown buffer back unless a stream is
 * on (TLS_BIO_KEEP), and start counting the next burst.
 */
static void
bio_drained(BIO *bio, struct bio_use *u)
{
	BUF_MEM	*bm = NULL, *fresh;
	bool	 big;

	if (u->burst == 0 || BIO_ctrl_pending(bio) != 0)
		return;
	big = u->burst > TLS_BIO_KEEP;
	u->burst = 0;
	if (big && u->streaming)
		return;
	u->streaming = big;
	if (BIO_get_mem_ptr(bio, &bm) != 1 || bm == NULL ||
	    bm->max <= TLS_BIO_KEEP)
		return;
	/* Out of memory: the old buffer stays, which is only bigger. */
	if ((fresh = BUF_MEM_new()) == NULL) {
		ERR_clear_error();
		return;
	}
	/* The BIO frees the old buffer (BIO_CLOSE is its close flag) and owns fresh. */
	if (BIO_set_mem_buf(bio, fresh, BIO_CLOSE) != 1)
		BUF_MEM_free(fresh);
}

size_t
proto_tls_memory(const struct proto_tls *t)
{
	BUF_MEM	*bm;
	size_t	 n = 0;

	if (BIO_get_mem_ptr(t->rbio, &bm) == 1 && bm != NULL)
		n += bm->max;
	if (BIO_get_mem_ptr(t->wbio, &bm) == 1 && bm != NULL)
		n += bm->max;
	return n;
}

size_t
proto_tls_pending(const struct proto_tls *t)
{
	return BIO_ctrl_pending(t->wbio);
}

size_t
proto_tls_take(struct proto_tls *t, void *buf, size_t len)
{
	size_t	got = 0;

	if (len == 0 || BIO_read_ex(t->wbio, buf, len, &got) != 1)
		return 0;
	t->out.burst += got;
	bio_drained(t->wbio, &t->out);
	return got;
}

int
proto_tls_peer_key(struct proto_tls *t, uint8_t key[PROTO_TLS_KEY_LEN])
{
	X509		*cert;
	EVP_PKEY	*pk;
	size_t		 len = PROTO_TLS_KEY_LEN;

	if (!SSL_is_init_finished(t->ssl) ||
	    (cert = SSL_get0_peer_certificate(t->ssl)) == NULL ||
	    (pk = X509_get0_pubkey(cert)) == NULL) {
		snprintf(t->err, sizeof t->err, "the peer showed no key");
		ERR_clear_error();
		return -1;
	}
	if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, key, &len) != 1 ||
	    len != PROTO_TLS_KEY_LEN) {
		snprintf(t->err, sizeof t->err, "the peer's key is not Ed25519");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
proto_tls_peer_names(struct proto_tls *t, struct proto_key_names *n)
{
	X509		*cert;
	EVP_PKEY	*pk;
	uint8_t		 raw[PROTO_TLS_KEY_LEN], md[32];
	unsigned char	*der = NULL;
	unsigned	 mdlen = sizeof md;
	int		 len, ok;

	if (proto_tls_peer_key(t, raw) == 0)
		return proto_key_names_raw(raw, n);
	if (!SSL_is_init_finished(t->ssl) ||
	    (cert = SSL_get0_peer_certificate(t->ssl)) == NULL ||
	    (pk = X509_get0_pubkey(cert)) == NULL ||
	    (len = i2d_PUBKEY(pk, &der)) <= 0) {
		snprintf(t->err, sizeof t->err, "the peer showed no key");
		ERR_clear_error();
		return -1;
	}
	ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1;
	OPENSSL_free(der);
	if (!ok)
		return -1;
	proto_key_names_digest(md, n);
	t->err[0] = '\0';
	return 0;
}

bool
proto_tls_peer_ca_ok(const struct proto_tls *t)
{
	return t->host_set && SSL_is_init_finished(t->ssl) &&
	    SSL_get0_peer_certificate(t->ssl) != NULL &&
	    SSL_get_verify_result(t->ssl) == X509_V_OK;
}

int
proto_tls_export(struct proto_tls *t, const char *label, uint8_t *out,
    size_t len)
{
	if (!SSL_is_init_finished(t->ssl) ||
	    SSL_export_keying_material(t->ssl, out, len, label, strlen(label),
	    NULL, 0, 0) != 1) {
		ssl_reason(t->err, sizeof t->err, "no keying material");
		return -1;
	}
	return 0;
}

const char *
proto_tls_cipher(const struct proto_tls *t)
{
	const SSL_CIPHER	*c;

	if (!SSL_is_init_finished(t->ssl) ||
	    (c = SSL_get_current_cipher(t->ssl)) == NULL)
		return "";
	return SSL_CIPHER_get_name(c);
}

const char *
proto_tls_error(const struct proto_tls *t)
{
	return t->err[0] != '\0' ? t->err : "no error";
}
