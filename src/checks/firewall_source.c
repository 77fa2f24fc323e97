#include "firewall_source.h"

#include "params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fw_family(const char *family)
{
	return family && strcmp(family, "ipv6") == 0 ? NFR_FAM_IP6 : NFR_FAM_IP;
}

void fw_source_free(struct fw_source *s)
{
	s->rs = NULL; /* the host's */
	s->nft = false;
}

/* The host's nf_tables document parsed, or the parse's error: kept with the
 * document (host_nft_derived_put), so the four firewall checks of a report,
 * and the reports that share the document (core/nft_cache.h), parse it once.
 * Read only once kept: several reports' threads may use it at once. */
struct parsed_ruleset {
	int rc;
	char err[256];
	struct nfr_ruleset rs;
};

static void parsed_release(void *obj)
{
	struct parsed_ruleset *p = obj;
	nfr_free(&p->rs);
	free(p);
}

static int parse_shared(struct host *h, const json_t *doc, const struct nfr_ruleset **rs,
			char *err, size_t err_size)
{
	struct parsed_ruleset *p = host_nft_derived_get(h);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			snprintf(err, err_size, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		p->rc = nfr_parse_json(doc, &p->rs, p->err, sizeof(p->err));
		if (p->rc == -ENOMEM) {
			/* not what the document is: not kept, the next
			 * check parses again */
			snprintf(err, err_size, "%s", p->err);
			parsed_release(p);
			return -ENOMEM;
		}
		p = host_nft_derived_put(h, p, parsed_release);
		if (!p) {
			snprintf(err, err_size, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
	}
	snprintf(err, err_size, "%s", p->err);
	*rs = p->rc ? NULL : &p->rs;
	return p->rc;
}

static const char *names_file(const char *family)
{
	return fw_family(family) == NFR_FAM_IP6 ? "/proc/net/ip6_tables_names"
						: "/proc/net/ip_tables_names";
}

bool fw_legacy_loaded(struct host *h, const char *family)
{
	char names[512];
	int rc = host_read_value(h, names_file(family), names, sizeof(names));
	return rc == -EFBIG || (rc == 0 && names[0]);
}

int fw_source_load(struct host *h, const char *family, struct fw_source *out, char *why,
		   size_t why_size)
{
	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	const char *names_path = names_file(family);
	char names[512];
	int nrc = host_read_value(h, names_path, names, sizeof(names));
	bool legacy_loaded = nrc == 0 && names[0] != '\0';
	if (nrc == -EFBIG) /* many tables: loaded all the same */
		legacy_loaded = true;
	if (legacy_loaded) {
		for (char *p = names; *p; p++)
			if (*p == '\n')
				*p = ' ';
		out->legacy = true;
		snprintf(out->legacy_note, sizeof(out->legacy_note),
			 "legacy x_tables loaded (%s: %.60s)", names_path, nrc ? "..." : names);
	}

	const json_t *doc;
	const char *source, *nwhy;
	int rc = host_nft_ruleset(h, &doc, &source, &nwhy);
	if (rc == 0) {
		char err[256];
		rc = parse_shared(h, doc, &out->rs, err, sizeof(err));
		if (rc) {
			snprintf(why, why_size, "cannot evaluate the nf_tables ruleset (%s): %s", source, err);
			return rc;
		}
		out->nft = true;
		snprintf(out->nft_source, sizeof(out->nft_source), "%s", source);
		return 0;
	}
	if (!h->live && rc == -ENOENT) {
		/* an offline tree from before nf_tables captures: its
		 * iptables-save output is what there is */
		if (!out->legacy) {
			out->legacy = true;
			snprintf(out->legacy_note, sizeof(out->legacy_note),
				 "no captured nf_tables ruleset (%s)", HOST_NFT_RULESET);
		}
		return 0;
	}
	if (rc == -ENOPROTOOPT) {
		if (out->legacy)
			return 0; /* legacy only */
		snprintf(why, why_size, "%s, and no legacy iptables tables (%s empty or absent)", nwhy,
			 names_path);
		return -ENOENT;
	}
	snprintf(why, why_size, "%s", nwhy);
	return rc;
}

static const struct evidence *find_item(const struct check_result *r, const char *item)
{
	for (size_t i = 0; i < r->n_evidence; i++)
		if (strcmp(r->evidence[i].item, item) == 0)
			return &r->evidence[i];
	return NULL;
}

void fw_merge(struct check_result *r, const struct check_result *nft,
	      const struct check_result *legacy, bool (*any)(const char *item, const char *expected),
	      const char *legacy_note)
{
	const struct check_result *skip = nft->status == CHECK_SKIP ? nft
					  : legacy->status == CHECK_SKIP ? legacy : NULL;
	if (skip) {
		result_skip(r, skip->outcome, "%s%s", skip == legacy ? "iptables-legacy: " : "nf_tables: ",
			    skip->error ? skip->error : "");
		return;
	}
	for (size_t i = 0; i < nft->n_evidence; i++) {
		const struct evidence *a = &nft->evidence[i];
		const struct evidence *b = find_item(legacy, a->item);
		if (!b) {
			result_evidence(r, a->item, a->expected, a->ok, "nf_tables: %s", a->actual);
			continue;
		}
		bool either = any(a->item, a->expected);
		bool ok = either ? (a->ok || b->ok) : (a->ok && b->ok);
		result_evidence(r, a->item, a->expected, ok, "nf_tables: %s; iptables-legacy: %s",
				a->actual, b->actual);
	}
	for (size_t i = 0; i < legacy->n_evidence; i++) {
		const struct evidence *b = &legacy->evidence[i];
		if (!find_item(nft, b->item))
			result_evidence(r, b->item, b->expected, b->ok, "iptables-legacy: %s", b->actual);
	}
	result_evidence(r, "backends", "every backend that filters evaluated", true,
			"nf_tables and legacy x_tables both hold rules, a packet passes both: %s",
			legacy_note);
	result_from_evidence(r);
}

void fw_run(struct host *h, const json_t *params, struct check_result *r,
	    const struct fw_backends *b)
{
	struct fw_source src;
	char why[PATH_MAX + 256];
	if (fw_source_load(h, param_str(params, "family", "ipv4"), &src, why, sizeof(why))) {
		result_skip(r, OUTCOME_UNABLE, "%s", why);
		fw_source_free(&src);
		return;
	}
	if (src.nft && src.legacy) {
		struct check_result a, l;
		result_init(&a);
		result_init(&l);
		b->nft(params, &src, &a);
		b->legacy(h, params, &l);
		fw_merge(r, &a, &l, b->either, src.legacy_note);
		result_free(&a);
		result_free(&l);
	} else if (src.nft) {
		b->nft(params, &src, r);
	} else {
		b->legacy(h, params, r);
	}
	fw_source_free(&src);
}
