#include "signing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dynlib/lib_crypto.h"
#include "dynlib/sha256.h"
#include "util/safe_file.h"

#define KEY_FILE_MAX (64u << 10)
#define RSA_MIN_BITS 2048

/* The table, for functions given a key or a digest context: those exist
 * only once libcrypto is loaded, so this cannot be NULL there. */
static const struct crypto_lib *loaded(void)
{
	return crypto_lib_get(NULL, 0);
}

/* Never prompt for a pass phrase: an encrypted key is an error. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

static int read_key_file(const char *path, char **out, size_t *len, char *err, size_t err_size)
{
	int rc = safe_read(AT_FDCWD, path, 0, KEY_FILE_MAX, out, len);
	if (rc)
		snprintf(err, err_size, "%s: cannot read key: %s", path,
			 rc == -EFBIG ? "larger than 64 KiB, not a PEM key" : safe_strerror(rc));
	return rc == -EFBIG ? -EINVAL : rc;
}

/* Only the algorithms the bundle format documents. */
static int check_key_type(const struct crypto_lib *c, EVP_PKEY *key, const char *what,
			  char *err, size_t err_size)
{
	switch (c->EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_EC:
		return 0;
	case EVP_PKEY_RSA:
		if (c->EVP_PKEY_get_bits(key) < RSA_MIN_BITS) {
			snprintf(err, err_size, "%s: RSA key of %d bits is too small (at least %d)",
				 what, c->EVP_PKEY_get_bits(key), RSA_MIN_BITS);
			return -EINVAL;
		}
		return 0;
	default:
		snprintf(err, err_size, "%s: key type %s is not supported (use Ed25519, ECDSA or RSA)",
			 what, c->OBJ_nid2sn(c->EVP_PKEY_get_base_id(key)));
		return -EINVAL;
	}
}

static int parse_key(const char *what, const char *pem, size_t len, bool private_key,
		     EVP_PKEY **out, char *err, size_t err_size)
{
	*out = NULL;
	char why[512];
	const struct crypto_lib *c = crypto_lib_get(why, sizeof(why));
	if (!c) {
		snprintf(err, err_size, "%s: cannot read the key: %s", what, why);
		return -ELIBACC;
	}
	if (private_key && (strstr(pem, "ENCRYPTED PRIVATE KEY") || strstr(pem, "Proc-Type: 4,ENCRYPTED"))) {
		snprintf(err, err_size,
			 "%s: the key is encrypted; give an unencrypted PEM key (e.g. on a tmpfs)", what);
		return -EINVAL;
	}
	BIO *bio = c->BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return -ENOMEM;
	EVP_PKEY *key = NULL;
	if (!private_key)
		key = c->PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
	if (!key) {
		/* A private key file also names its public key: rewind
		 * (BIO_reset) and read it as one. */
		c->BIO_ctrl(bio, BIO_CTRL_RESET, 0, NULL);
		key = c->PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
	}
	c->BIO_free(bio);
	c->ERR_clear_error();
	if (!key) {
		snprintf(err, err_size, "%s: not a PEM %s key", what,
			 private_key ? "private" : "public (or private)");
		return -EINVAL;
	}
	int rc = check_key_type(c, key, what, err, err_size);
	if (rc) {
		c->EVP_PKEY_free(key);
		return rc;
	}
	*out = key;
	return 0;
}

static int load_key(const char *path, bool private_key, EVP_PKEY **out, char *err,
		    size_t err_size)
{
	char *pem = NULL;
	size_t len = 0;
	int rc = read_key_file(path, &pem, &len, err, err_size);
	if (rc)
		return rc;
	rc = parse_key(path, pem, len, private_key, out, err, err_size);
	/* Wipe the key's bytes, as OPENSSL_cleanse would (libc's own also
	 * works when libcrypto could not be loaded). */
	explicit_bzero(pem, len);
	free(pem);
	return rc;
}

int sign_key_load_private(const char *path, EVP_PKEY **out, char *err, size_t err_size)
{
	return load_key(path, true, out, err, err_size);
}

int sign_key_load_public(const char *path, EVP_PKEY **out, char *err, size_t err_size)
{
	return load_key(path, false, out, err, err_size);
}

int sign_key_parse_public(const char *pem, size_t len, EVP_PKEY **out, char *err,
			  size_t err_size)
{
	if (strstr(pem, "PRIVATE KEY")) {
		snprintf(err, err_size, "signer.pub.pem: holds a private key");
		return -EINVAL;
	}
	return parse_key("signer.pub.pem", pem, len, false, out, err, err_size);
}

void sign_key_free(EVP_PKEY *key)
{
	if (key)
		loaded()->EVP_PKEY_free(key);
}

const char *sign_key_algorithm(EVP_PKEY *key)
{
	switch (loaded()->EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_ED25519:
		return "ed25519";
	case EVP_PKEY_EC:
		return "ecdsa-sha256";
	case EVP_PKEY_RSA:
		return "rsa-pkcs1-sha256";
	default:
		return "unknown";
	}
}

/* The digest each algorithm signs with; Ed25519 hashes internally. */
static const EVP_MD *key_digest(const struct crypto_lib *c, EVP_PKEY *key)
{
	return c->EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : c->EVP_sha256();
}

int sign_key_fingerprint(EVP_PKEY *key, char buf[SIGN_FINGERPRINT_SIZE])
{
	const struct crypto_lib *c = loaded();
	unsigned char *der = NULL;
	int n = c->i2d_PUBKEY(key, &der);
	if (n <= 0)
		return -EINVAL;
	char hex[65];
	int rc = sha256_hex(der, (size_t)n, hex);
	c->CRYPTO_free(der, OPENSSL_FILE, OPENSSL_LINE); /* OPENSSL_free */
	if (rc)
		return rc;
	snprintf(buf, SIGN_FINGERPRINT_SIZE, "SHA256:%s", hex);
	return 0;
}

int sign_key_public_pem(EVP_PKEY *key, char **pem, size_t *len)
{
	const struct crypto_lib *c = loaded();
	BIO *bio = c->BIO_new(c->BIO_s_mem());
	if (!bio)
		return -ENOMEM;
	int rc = -EINVAL;
	char *data;
	if (c->PEM_write_bio_PUBKEY(bio, key) == 1) {
		long n = c->BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data); /* BIO_get_mem_data */
		*pem = n > 0 ? malloc((size_t)n + 1) : NULL;
		if (*pem) {
			memcpy(*pem, data, (size_t)n);
			(*pem)[n] = '\0';
			*len = (size_t)n;
			rc = 0;
		} else {
			rc = -ENOMEM;
		}
	}
	c->BIO_free(bio);
	return rc;
}

int sign_data(EVP_PKEY *key, const void *data, size_t len, unsigned char **sig,
	      size_t *sig_len)
{
	const struct crypto_lib *c = loaded();
	*sig = NULL;
	EVP_MD_CTX *ctx = c->EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int rc = -EINVAL;
	size_t n = 0;
	if (c->EVP_DigestSignInit(ctx, NULL, key_digest(c, key), NULL, key) == 1 &&
	    c->EVP_DigestSign(ctx, NULL, &n, data, len) == 1) {
		*sig = malloc(n);
		if (!*sig)
			rc = -ENOMEM;
		else if (c->EVP_DigestSign(ctx, *sig, &n, data, len) == 1)
			rc = 0;
	}
	c->EVP_MD_CTX_free(ctx);
	c->ERR_clear_error();
	if (rc) {
		free(*sig);
		*sig = NULL;
		return rc;
	}
	*sig_len = n;
	return 0;
}

int sign_verify(EVP_PKEY *key, const void *data, size_t len, const unsigned char *sig,
		size_t sig_len)
{
	const struct crypto_lib *c = loaded();
	EVP_MD_CTX *ctx = c->EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int ok = c->EVP_DigestVerifyInit(ctx, NULL, key_digest(c, key), NULL, key) == 1 &&
		 c->EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	c->EVP_MD_CTX_free(ctx);
	c->ERR_clear_error();
	return ok ? 0 : -EBADMSG;
}
