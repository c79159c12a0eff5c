/*
 * digest.c: SHA-256 with OpenSSL EVP, so the hardware-accelerated code is
 * used and the result matches sha256sum.
 */
#include "digest.h"

#include "text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <uv.h>

void
client_digest_setup(void)
{
	(void)OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
}

int
client_digest_init(struct client_digest *d)
{
	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL)
		return UV_ENOMEM;
	if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(d->ctx);
		d->ctx = NULL;
		return UV_EIO;
	}
	return 0;
}

int
client_digest_update(struct client_digest *d, const void *p, size_t len)
{
	if (d->ctx == NULL)
		return UV_EINVAL;
	if (len == 0)
		return 0;
	if (EVP_DigestUpdate(d->ctx, p, len) != 1)
		return UV_EIO;
	return 0;
}

int
client_digest_final(struct client_digest *d, char *hex)
{
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	int		r = 0;

	if (d->ctx == NULL)
		return UV_EINVAL;
	if (EVP_DigestFinal_ex(d->ctx, md, &mdlen) != 1 || mdlen != DIGEST_LEN)
		r = UV_EIO;
	else
		client_digest_hex(md, mdlen, hex);
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
	return r;
}

int
client_digest_peek(const struct client_digest *d, char *hex)
{
	struct client_digest	copy;
	int			r;

	if (d->ctx == NULL)
		return UV_EINVAL;
	if ((copy.ctx = EVP_MD_CTX_new()) == NULL)
		return UV_ENOMEM;
	if (EVP_MD_CTX_copy_ex(copy.ctx, d->ctx) != 1) {
		EVP_MD_CTX_free(copy.ctx);
		return UV_EIO;
	}
	r = client_digest_final(&copy, hex);	/* frees the copy */
	return r;
}

void
client_digest_free(struct client_digest *d)
{
	if (d->ctx != NULL)
		EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
}

int
client_digest_buffer(const void *p, size_t len, char *hex)
{
	struct client_digest	d;
	int		r;

	if ((r = client_digest_init(&d)) != 0)
		return r;
	if ((r = client_digest_update(&d, p, len)) != 0) {
		client_digest_free(&d);
		return r;
	}
	return client_digest_final(&d, hex);
}

void
client_digest_hex(const uint8_t *md, size_t len, char *out)
{
	proto_fmt_hex(md, len, out);
}
