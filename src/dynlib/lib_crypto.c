#include "lib_crypto.h"

#include "config.h"
#include "lazy_lib.h"

const char *crypto_lib_soname = CISREPORT_CRYPTO_SONAME;

static struct crypto_lib table;

/* Each member is named after its function. */
#define SYMBOL(name) LAZY_SYMBOL(struct crypto_lib, name, name)

static const struct lazy_symbol symbols[] = {
	SYMBOL(EVP_sha256),
	SYMBOL(EVP_Digest),
	SYMBOL(EVP_MD_CTX_new),
	SYMBOL(EVP_MD_CTX_free),
	SYMBOL(EVP_DigestInit_ex),
	SYMBOL(EVP_DigestUpdate),
	SYMBOL(EVP_DigestFinal_ex),
	SYMBOL(EVP_MD_fetch),
	SYMBOL(EVP_MD_get0_provider),
	SYMBOL(EVP_MD_free),
	SYMBOL(EVP_PKEY_get_base_id),
	SYMBOL(EVP_PKEY_get_bits),
	SYMBOL(EVP_PKEY_free),
	SYMBOL(EVP_DigestSignInit),
	SYMBOL(EVP_DigestSign),
	SYMBOL(EVP_DigestVerifyInit),
	SYMBOL(EVP_DigestVerify),
	SYMBOL(PEM_read_bio_PUBKEY),
	SYMBOL(PEM_read_bio_PrivateKey),
	SYMBOL(PEM_write_bio_PUBKEY),
	SYMBOL(i2d_PUBKEY),
	SYMBOL(OBJ_nid2sn),
	SYMBOL(BIO_s_mem),
	SYMBOL(BIO_new),
	SYMBOL(BIO_new_mem_buf),
	SYMBOL(BIO_ctrl),
	SYMBOL(BIO_free),
	SYMBOL(ERR_clear_error),
	SYMBOL(ERR_get_error_all),
	SYMBOL(ERR_reason_error_string),
	SYMBOL(ERR_error_string_n),
	SYMBOL(CRYPTO_free),
	SYMBOL(OPENSSL_init_crypto),
	SYMBOL(OpenSSL_version),
	SYMBOL(CONF_get1_default_config_file),
	SYMBOL(OSSL_LIB_CTX_new),
	SYMBOL(OSSL_LIB_CTX_load_config),
	SYMBOL(OSSL_LIB_CTX_free),
	SYMBOL(OSSL_PROVIDER_load),
	SYMBOL(OSSL_PROVIDER_unload),
	SYMBOL(OSSL_PROVIDER_available),
	SYMBOL(OSSL_PROVIDER_self_test),
	SYMBOL(OSSL_PROVIDER_get0_name),
	SYMBOL(OSSL_PROVIDER_get_params),
	SYMBOL(OSSL_PARAM_construct_utf8_ptr),
	SYMBOL(OSSL_PARAM_construct_int),
	SYMBOL(OSSL_PARAM_construct_end),
	SYMBOL(EVP_default_properties_is_fips_enabled),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, crypto_lib_soname);
}

const struct crypto_lib *crypto_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
