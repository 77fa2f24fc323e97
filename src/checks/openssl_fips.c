/* openssl_fips: is the OpenSSL this agent uses (libcrypto, loaded on demand
 * by lib_crypto) running with a FIPS provider? Informational: it describes
 * the agent's own crypto, not the host's kernel FIPS mode, so the FIPS
 * profile keeps it at level 2.
 *
 * params: {"provider": "fips"} (optional; the provider's name)
 *
 * PASS  the provider is loaded in the agent's default library context, the
 *       default properties require fips=yes, SHA2-256 fetched with those
 *       defaults comes from that provider, and its self-test passes.
 * FAIL  a FIPS provider is installed but not in use, does not load, fails
 *       its self-test, or is loaded without fips=yes being required.
 * SKIP  (not_applicable) no FIPS provider module is installed, or the
 *       report reads an offline --root tree (the agent's library says
 *       nothing about that tree). (unable_to_check) libcrypto cannot be
 *       loaded.
 *
 * Whether the provider loads is tried in a fresh library context, so the
 * agent's own context is never changed by the check. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>

#include "params.h"
#include "rooted_stat.h"
#include "dynlib/lib_crypto.h"
#include "util/safe_file.h"

#define PROBE_DIGEST "SHA2-256"

static int openssl_fips_validate(const json_t *params, struct param_error *err)
{
	static const char *const allowed[] = {"provider", NULL};
	if (!params)
		return 0;
	int rc = param_require_object(params, err);
	if (!rc)
		rc = param_only(params, allowed, err);
	if (!rc)
		rc = param_string(params, "provider", false, err);
	if (rc)
		return rc;
	const char *name = param_str(params, "provider", "fips");
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ' ')
			return param_fail(err, "provider", "must be a provider name such as \"fips\"");
	return 0;
}

/* Drain OpenSSL's error queue into one line: "reason (data); ...". */
static void take_errors(const struct crypto_lib *c, char *buf, size_t size)
{
	size_t used = 0;
	unsigned long e;
	const char *data = NULL;
	int flags = 0;
	buf[0] = '\0';
	while ((e = c->ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = c->ERR_reason_error_string(e);
		char code[128];
		if (!reason) {
			c->ERR_error_string_n(e, code, sizeof(code));
			reason = code;
		}
		bool has_data = data && *data && (flags & ERR_TXT_STRING);
		if (used < size) {
			int n = snprintf(buf + used, size - used, "%s%s%s%s%s", used ? "; " : "",
					 reason, has_data ? " (" : "", has_data ? data : "",
					 has_data ? ")" : "");
			if (n > 0)
				used += (size_t)n;
		}
	}
	if (!buf[0])
		snprintf(buf, size, "no error reported by OpenSSL");
}

/* "OpenSSL FIPS Provider 3.0.9 (status 1)" */
static void describe_provider(const struct crypto_lib *c, OSSL_PROVIDER *p, char *buf,
			      size_t size)
{
	const char *name = NULL, *version = NULL;
	int status = -1;
	OSSL_PARAM req[] = {
		c->OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&name, 0),
		c->OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_VERSION, (char **)&version, 0),
		c->OSSL_PARAM_construct_int(OSSL_PROV_PARAM_STATUS, &status),
		c->OSSL_PARAM_construct_end(),
	};
	if (!c->OSSL_PROVIDER_get_params(p, req)) {
		c->ERR_clear_error();
		snprintf(buf, size, "provider \"%s\" (no parameters)", c->OSSL_PROVIDER_get0_name(p));
		return;
	}
	snprintf(buf, size, "%s%s%s%s", name ? name : c->OSSL_PROVIDER_get0_name(p),
		 version ? " " : "", version ? version : "",
		 status == 0 ? " (status: inactive)" : "");
}

/* The folder OpenSSL loads provider modules from. */
static void modules_dir(const struct crypto_lib *c, char *buf, size_t size)
{
	const char *env = secure_getenv("OPENSSL_MODULES");
	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	/* 'MODULESDIR: "/usr/lib/x86_64-linux-gnu/ossl-modules"' */
	const char *s = c->OpenSSL_version(OPENSSL_MODULES_DIR);
	const char *q = s ? strchr(s, '"') : NULL;
	const char *e = q ? strchr(q + 1, '"') : NULL;
	if (q && e)
		snprintf(buf, size, "%.*s", (int)(e - q - 1), q + 1);
	else
		snprintf(buf, size, "%s", s ? s : "");
}

/* Does the provider load (and self-test) in a fresh context configured
 * from the default configuration file? */
static bool trial_load(const struct crypto_lib *c, const char *name, char *desc, size_t size)
{
	OSSL_LIB_CTX *ctx = c->OSSL_LIB_CTX_new();
	if (!ctx) {
		snprintf(desc, size, "cannot create an OpenSSL library context");
		return false;
	}
	char *conf = c->CONF_get1_default_config_file();
	char conf_err[256] = "";
	/* OpenSSL opens it itself, blocking: a FIFO there must not hang us. */
	int conf_rc = conf && access(conf, R_OK) == 0 ? safe_check(AT_FDCWD, conf, 0) : -ENOENT;
	if (conf_rc && conf_rc != -ENOENT)
		snprintf(conf_err, sizeof(conf_err), "%s: %s (not loaded)", conf,
			 safe_strerror(conf_rc));
	else if (!conf_rc && !c->OSSL_LIB_CTX_load_config(ctx, conf))
		take_errors(c, conf_err, sizeof(conf_err));
	bool ok = false;
	OSSL_PROVIDER *p = c->OSSL_PROVIDER_load(ctx, name);
	if (!p) {
		char why[512];
		take_errors(c, why, sizeof(why));
		snprintf(desc, size, "does not load: %s%s%s", why, conf_err[0] ? "; config: " : "",
			 conf_err);
	} else if (!c->OSSL_PROVIDER_self_test(p)) {
		char why[512];
		take_errors(c, why, sizeof(why));
		snprintf(desc, size, "loads but fails its self-test: %s", why);
		c->OSSL_PROVIDER_unload(p);
	} else {
		char d[256];
		describe_provider(c, p, d, sizeof(d));
		snprintf(desc, size, "loads and passes its self-test: %s", d);
		ok = true;
		c->OSSL_PROVIDER_unload(p);
	}
	c->ERR_clear_error();
	c->CRYPTO_free(conf, OPENSSL_FILE, OPENSSL_LINE); /* OPENSSL_free */
	c->OSSL_LIB_CTX_free(ctx);
	return ok;
}

static void openssl_fips_run(struct host *h, const json_t *params, struct check_result *r)
{
	const char *name = param_str(params, "provider", "fips");
	if (!h->live) {
		result_skip(r, OUTCOME_NOT_APPLICABLE,
			    "the agent's own OpenSSL is examined on the live host only (--root given)");
		return;
	}
	if (h->mounted) {
		/* In a container the library loaded here is the image's, not
		 * the one the host's programs use. */
		result_skip(r, OUTCOME_NOT_APPLICABLE,
			    "the agent runs in a container (--host-root): its OpenSSL is the image's, not the host's");
		return;
	}
	char why[512];
	const struct crypto_lib *c = crypto_lib_get(why, sizeof(why));
	if (!c) {
		result_evidence(r, "OpenSSL library", "OpenSSL 3 or later", false, "%s", why);
		result_skip(r, OUTCOME_UNABLE, "cannot examine the agent's OpenSSL: %s", why);
		return;
	}
	result_evidence(r, "OpenSSL library", "OpenSSL 3 or later", true, "%s",
			c->OpenSSL_version(OPENSSL_VERSION));

	char dir[PATH_MAX], module[PATH_MAX + 64];
	modules_dir(c, dir, sizeof(dir));
	snprintf(module, sizeof(module), "%s/%s.so", dir, name);
	struct stat st;
	int module_rc = dir[0] == '/' ? rooted_stat(h, module, &st) : -ENOENT;

	/* The agent's default context, configured as for any OpenSSL user. */
	if (!c->OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL))
		c->ERR_clear_error();
	bool loaded = c->OSSL_PROVIDER_available(NULL, name) == 1;
	bool required = c->EVP_default_properties_is_fips_enabled(NULL) == 1;
	c->ERR_clear_error();

	if (!loaded) {
		if (module_rc) {
			result_evidence(r, "provider module", "installed", false, "%s: %s", module,
					host_strerror(module_rc));
			result_skip(r, OUTCOME_NOT_APPLICABLE,
				    "no FIPS provider is installed for this agent's OpenSSL (%s: %s)",
				    module, host_strerror(module_rc));
			return;
		}
		result_evidence(r, "provider module", "installed", true, "%s", module);
		result_evidence(r, "provider in the agent's default context", "loaded", false,
				"not loaded");
		char desc[1024];
		bool loads = trial_load(c, name, desc, sizeof(desc));
		result_evidence(r, "provider load test", "loads and passes its self-test", loads,
				"%s", desc);
		if (loads)
			result_fail(r, "the FIPS provider %s is installed and works, but the agent's OpenSSL configuration does not activate it",
				    module);
		else
			result_fail(r, "the FIPS provider %s is installed but %s", module, desc);
		return;
	}

	/* Loaded: the configuration may name any module file, so the modules
	 * folder says nothing more here. */
	OSSL_PROVIDER *p = c->OSSL_PROVIDER_load(NULL, name); /* takes a reference */
	char desc[256] = "";
	bool self_test = false;
	if (p) {
		describe_provider(c, p, desc, sizeof(desc));
		self_test = c->OSSL_PROVIDER_self_test(p) == 1;
		c->OSSL_PROVIDER_unload(p);
	}
	c->ERR_clear_error();
	result_evidence(r, "provider in the agent's default context", "loaded", true, "%s",
			desc[0] ? desc : "loaded");
	result_evidence(r, "provider self-test", "passes", self_test, "%s",
			self_test ? "passes" : "fails");
	result_evidence(r, "default properties", "fips=yes", required, "%s",
			required ? "fips=yes" : "fips=yes not required");

	/* What an ordinary fetch actually gets. */
	EVP_MD *md = c->EVP_MD_fetch(NULL, PROBE_DIGEST, NULL);
	const char *from = md ? c->OSSL_PROVIDER_get0_name(c->EVP_MD_get0_provider(md)) : NULL;
	bool from_fips = from && strcmp(from, name) == 0;
	char fetch_err[256] = "";
	if (!md)
		take_errors(c, fetch_err, sizeof(fetch_err));
	char want_from[96];
	snprintf(want_from, sizeof(want_from), "from provider %s", name);
	if (md)
		result_evidence(r, PROBE_DIGEST " fetched with default properties", want_from,
				from_fips, "from provider %s", from);
	else
		result_evidence(r, PROBE_DIGEST " fetched with default properties", want_from,
				false, "cannot be fetched: %s", fetch_err);
	c->EVP_MD_free(md);
	c->ERR_clear_error();
	result_from_evidence(r);
}

const struct check_kind openssl_fips_kind = {
	.name = "openssl_fips",
	.summary = "the agent's own OpenSSL runs with a FIPS provider (informational)",
	.validate = openssl_fips_validate,
	.run = openssl_fips_run,
};
