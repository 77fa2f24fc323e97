/* SHA-256 through libcrypto, loaded on first use (lib_crypto.h): the
 * evidence manifest, key fingerprints and long ASFF finding ids. */
#ifndef CISREPORT_SHA256_H
#define CISREPORT_SHA256_H

#include <stddef.h>

/* SHA-256 of data as 64 lower-case hex digits + NUL. 0, or -ELIBACC when
 * libcrypto cannot be loaded (crypto_lib_get says why). */
int sha256_hex(const void *data, size_t len, char hex[65]);
/* The same of what remains to be read from fd: 0, -errno from read(2),
 * -ENOMEM, -EIO (the digest failed) or -ELIBACC. */
int sha256_fd(int fd, char hex[65]);

#endif
