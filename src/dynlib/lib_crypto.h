/* libcrypto (OpenSSL 3), opened on first use (see lazy_lib.h): SHA-256 and
 * signatures for evidence bundles and `verify`, SHA-256 for ASFF finding
 * ids too long to keep whole, and the openssl_fips kind. A plain report
 * needs none of these, and does not load it.
 *
 * OpenSSL has no one prefix to drop (BIO_free, EVP_PKEY_free and
 * CRYPTO_free would all become "free"), so each member has the full name
 * of the function it points to: c->EVP_Digest(...). Only real functions
 * are in the table: where OpenSSL's headers offer a macro, the call site
 * uses what the macro expands to (OPENSSL_free is CRYPTO_free with the
 * caller's file and line, BIO_reset and BIO_get_mem_data are BIO_ctrl). */
#ifndef CISREPORT_LIB_CRYPTO_H
#define CISREPORT_LIB_CRYPTO_H

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

struct crypto_lib {
	/* digests */
	__typeof__(EVP_sha256) *EVP_sha256;
	__typeof__(EVP_Digest) *EVP_Digest;
	__typeof__(EVP_MD_CTX_new) *EVP_MD_CTX_new;
	__typeof__(EVP_MD_CTX_free) *EVP_MD_CTX_free;
	__typeof__(EVP_DigestInit_ex) *EVP_DigestInit_ex;
	__typeof__(EVP_DigestUpdate) *EVP_DigestUpdate;
	__typeof__(EVP_DigestFinal_ex) *EVP_DigestFinal_ex;
	__typeof__(EVP_MD_fetch) *EVP_MD_fetch;
	__typeof__(EVP_MD_get0_provider) *EVP_MD_get0_provider;
	__typeof__(EVP_MD_free) *EVP_MD_free;
	/* keys and signatures */
	__typeof__(EVP_PKEY_get_base_id) *EVP_PKEY_get_base_id;
	__typeof__(EVP_PKEY_get_bits) *EVP_PKEY_get_bits;
	__typeof__(EVP_PKEY_free) *EVP_PKEY_free;
	__typeof__(EVP_DigestSignInit) *EVP_DigestSignInit;
	__typeof__(EVP_DigestSign) *EVP_DigestSign;
	__typeof__(EVP_DigestVerifyInit) *EVP_DigestVerifyInit;
	__typeof__(EVP_DigestVerify) *EVP_DigestVerify;
	__typeof__(PEM_read_bio_PUBKEY) *PEM_read_bio_PUBKEY;
	__typeof__(PEM_read_bio_PrivateKey) *PEM_read_bio_PrivateKey;
	__typeof__(PEM_write_bio_PUBKEY) *PEM_write_bio_PUBKEY;
	__typeof__(i2d_PUBKEY) *i2d_PUBKEY;
	__typeof__(OBJ_nid2sn) *OBJ_nid2sn;
	/* memory BIOs */
	__typeof__(BIO_s_mem) *BIO_s_mem;
	__typeof__(BIO_new) *BIO_new;
	__typeof__(BIO_new_mem_buf) *BIO_new_mem_buf;
	__typeof__(BIO_ctrl) *BIO_ctrl;
	__typeof__(BIO_free) *BIO_free;
	/* errors, memory, the library itself */
	__typeof__(ERR_clear_error) *ERR_clear_error;
	__typeof__(ERR_get_error_all) *ERR_get_error_all;
	__typeof__(ERR_reason_error_string) *ERR_reason_error_string;
	__typeof__(ERR_error_string_n) *ERR_error_string_n;
	__typeof__(CRYPTO_free) *CRYPTO_free;
	__typeof__(OPENSSL_init_crypto) *OPENSSL_init_crypto;
	__typeof__(OpenSSL_version) *OpenSSL_version;
	__typeof__(CONF_get1_default_config_file) *CONF_get1_default_config_file;
	/* library contexts and providers (openssl_fips) */
	__typeof__(OSSL_LIB_CTX_new) *OSSL_LIB_CTX_new;
	__typeof__(OSSL_LIB_CTX_load_config) *OSSL_LIB_CTX_load_config;
	__typeof__(OSSL_LIB_CTX_free) *OSSL_LIB_CTX_free;
	__typeof__(OSSL_PROVIDER_load) *OSSL_PROVIDER_load;
	__typeof__(OSSL_PROVIDER_unload) *OSSL_PROVIDER_unload;
	__typeof__(OSSL_PROVIDER_available) *OSSL_PROVIDER_available;
	__typeof__(OSSL_PROVIDER_self_test) *OSSL_PROVIDER_self_test;
	__typeof__(OSSL_PROVIDER_get0_name) *OSSL_PROVIDER_get0_name;
	__typeof__(OSSL_PROVIDER_get_params) *OSSL_PROVIDER_get_params;
	__typeof__(OSSL_PARAM_construct_utf8_ptr) *OSSL_PARAM_construct_utf8_ptr;
	__typeof__(OSSL_PARAM_construct_int) *OSSL_PARAM_construct_int;
	__typeof__(OSSL_PARAM_construct_end) *OSSL_PARAM_construct_end;
	__typeof__(EVP_default_properties_is_fips_enabled) *EVP_default_properties_is_fips_enabled;
};

/* The table, loading libcrypto on the first call; NULL with the reason in
 * why ("libcrypto.so.3 not available: ...") when it cannot be loaded. */
const struct crypto_lib *crypto_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libcrypto the build found. Tests
 * point it at a missing library before the first crypto_lib_get. */
extern const char *crypto_lib_soname;

#endif
