#include "signing.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define KEY_FILE_MAX (64u << 10)
#define RSA_MIN_BITS 2048

/* Never prompt for a pass phrase: an encrypted key is an error. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

static int read_key_file(const char *path, char **out, size_t *len, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int rc = -errno;
		snprintf(err, err_size, "%s: cannot read key: %s", path, strerror(errno));
		return rc;
	}
	char *buf = malloc(KEY_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, KEY_FILE_MAX + 1, f) : 0;
	bool bad = ferror(f) || !buf;
	fclose(f);
	if (bad || n > KEY_FILE_MAX) {
		free(buf);
		snprintf(err, err_size, "%s: cannot read key: %s", path,
			 bad ? "I/O error" : "larger than 64 KiB, not a PEM key");
		return bad ? -EIO : -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Only the algorithms the bundle format documents. */
static int check_key_type(EVP_PKEY *key, const char *what, char *err, size_t err_size)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_EC:
		return 0;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(key) < RSA_MIN_BITS) {
			snprintf(err, err_size, "%s: RSA key of %d bits is too small (at least %d)",
				 what, EVP_PKEY_get_bits(key), RSA_MIN_BITS);
			return -EINVAL;
		}
		return 0;
	default:
		snprintf(err, err_size, "%s: key type %s is not supported (use Ed25519, ECDSA or RSA)",
			 what, OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
		return -EINVAL;
	}
}

static int parse_key(const char *what, const char *pem, size_t len, bool private_key,
		     EVP_PKEY **out, char *err, size_t err_size)
{
	*out = NULL;
	if (private_key && (strstr(pem, "ENCRYPTED PRIVATE KEY") || strstr(pem, "Proc-Type: 4,ENCRYPTED"))) {
		snprintf(err, err_size,
			 "%s: the key is encrypted; give an unencrypted PEM key (e.g. on a tmpfs)", what);
		return -EINVAL;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return -ENOMEM;
	EVP_PKEY *key = NULL;
	if (!private_key)
		key = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
	if (!key) {
		/* A private key file also names its public key. */
		BIO_reset(bio);
		key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!key) {
		snprintf(err, err_size, "%s: not a PEM %s key", what,
			 private_key ? "private" : "public (or private)");
		return -EINVAL;
	}
	int rc = check_key_type(key, what, err, err_size);
	if (rc) {
		EVP_PKEY_free(key);
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
	OPENSSL_cleanse(pem, len);
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

const char *sign_key_algorithm(EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
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
static const EVP_MD *key_digest(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

int sign_key_fingerprint(EVP_PKEY *key, char buf[SIGN_FINGERPRINT_SIZE])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	if (n <= 0)
		return -EINVAL;
	char hex[65];
	sha256_hex(der, (size_t)n, hex);
	OPENSSL_free(der);
	snprintf(buf, SIGN_FINGERPRINT_SIZE, "SHA256:%s", hex);
	return 0;
}

int sign_key_public_pem(EVP_PKEY *key, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return -ENOMEM;
	int rc = -EINVAL;
	char *data;
	if (PEM_write_bio_PUBKEY(bio, key) == 1) {
		long n = BIO_get_mem_data(bio, &data);
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
	BIO_free(bio);
	return rc;
}

int sign_data(EVP_PKEY *key, const void *data, size_t len, unsigned char **sig,
	      size_t *sig_len)
{
	*sig = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int rc = -EINVAL;
	size_t n = 0;
	if (EVP_DigestSignInit(ctx, NULL, key_digest(key), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, NULL, &n, data, len) == 1) {
		*sig = malloc(n);
		if (!*sig)
			rc = -ENOMEM;
		else if (EVP_DigestSign(ctx, *sig, &n, data, len) == 1)
			rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
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
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int ok = EVP_DigestVerifyInit(ctx, NULL, key_digest(key), NULL, key) == 1 &&
		 EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EBADMSG;
}
