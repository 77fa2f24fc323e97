#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "lib_crypto.h"

static void to_hex(const unsigned char md[32], char hex[65])
{
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

int sha256_hex(const void *data, size_t len, char hex[65])
{
	const struct crypto_lib *c = crypto_lib_get(NULL, 0);
	if (!c)
		return -ELIBACC;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (c->EVP_Digest(data, len, md, &n, c->EVP_sha256(), NULL) != 1 || n != 32) {
		c->ERR_clear_error();
		return -ENOMEM;
	}
	to_hex(md, hex);
	return 0;
}

int sha256_fd(int fd, char hex[65])
{
	const struct crypto_lib *c = crypto_lib_get(NULL, 0);
	if (!c)
		return -ELIBACC;
	EVP_MD_CTX *ctx = c->EVP_MD_CTX_new();
	int rc = ctx && c->EVP_DigestInit_ex(ctx, c->EVP_sha256(), NULL) == 1 ? 0 : -ENOMEM;
	char buf[65536];
	while (!rc) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		if (c->EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			rc = -EIO;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!rc && (c->EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32))
		rc = -EIO;
	c->EVP_MD_CTX_free(ctx);
	c->ERR_clear_error();
	if (!rc)
		to_hex(md, hex);
	return rc;
}
