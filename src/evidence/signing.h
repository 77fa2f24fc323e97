/* Detached signatures with OpenSSL for evidence bundles.
 *
 * Keys are PEM files: Ed25519 (pure EdDSA over the message), ECDSA on a
 * named curve (SHA-256, DER signature) or RSA of at least 2048 bits
 * (SHA-256, PKCS#1 v1.5). These are exactly what the openssl command line
 * verifies, so an auditor can check a bundle without cisreport:
 *   Ed25519: openssl pkeyutl -verify -pubin -inkey K -rawin -in M -sigfile S
 *   ECDSA/RSA: openssl dgst -sha256 -verify K -signature S M
 *
 * libcrypto is loaded on first use (lib_crypto.h). The functions that
 * start from nothing (loading a key, hashing) return -ELIBACC when it
 * cannot be loaded, with the reason in err where they take one; those
 * given a key can rely on it, since a key only exists once it is loaded. */
#ifndef CISREPORT_SIGNING_H
#define CISREPORT_SIGNING_H

#include <stddef.h>

#include <openssl/evp.h>

/* "SHA256:" + 64 hex digits of the DER SubjectPublicKeyInfo + NUL. */
#define SIGN_FINGERPRINT_SIZE 72

/* Load a private key (unencrypted PEM). Returns 0, or -errno / -EINVAL /
 * -ELIBACC with the reason (file, type not allowed, too small, libcrypto
 * not available) in err. */
int sign_key_load_private(const char *path, EVP_PKEY **out, char *err, size_t err_size);
/* Load a public key: a PEM public key, or the public half of a private key. */
int sign_key_load_public(const char *path, EVP_PKEY **out, char *err, size_t err_size);
/* Parse a PEM public key from memory (the bundle's signer.pub.pem). */
int sign_key_parse_public(const char *pem, size_t len, EVP_PKEY **out, char *err,
			  size_t err_size);

/* Free a key from the functions above (NULL is fine). */
void sign_key_free(EVP_PKEY *key);

/* "ed25519", "ecdsa-sha256" or "rsa-pkcs1-sha256". */
const char *sign_key_algorithm(EVP_PKEY *key);
/* "SHA256:<hex>" of the public key (openssl pkey -pubout -outform DER | sha256sum). */
int sign_key_fingerprint(EVP_PKEY *key, char buf[SIGN_FINGERPRINT_SIZE]);
/* The public key as PEM (malloc'd). */
int sign_key_public_pem(EVP_PKEY *key, char **pem, size_t *len);

/* Sign data; *sig is malloc'd. Returns 0 or -errno. */
int sign_data(EVP_PKEY *key, const void *data, size_t len, unsigned char **sig,
	      size_t *sig_len);
/* 0 when sig is a valid signature of data by key, -EBADMSG when it is not. */
int sign_verify(EVP_PKEY *key, const void *data, size_t len, const unsigned char *sig,
		size_t sig_len);

#endif
