/* What an nf_tables ruleset does to three kinds of packet, per family and
 * hook, with nf_tables semantics: every base chain at the hook sees the
 * packet in priority order; an accept ends only its chain (the next base
 * chain still sees the packet), a drop in any base chain is final; a packet
 * no rule decides falls to its chain's policy. Jumps and gotos to regular
 * chains are followed (at most NFE_MAX_DEPTH deep, as the kernel's jump
 * stack); sets and verdict maps are read.
 *
 * A rule counts for a packet class only when it matches every packet of the
 * class: "iif lo accept" is the loopback accept, "iif lo tcp dport 22
 * accept" is not (restricted by tcp dport). An inet table counts for IPv4
 * and IPv6; an ip table for IPv4 only. */
#ifndef CISREPORT_NFT_EVAL_H
#define CISREPORT_NFT_EVAL_H

#include <stdbool.h>

#include "nft_ruleset.h"

#define NFE_MAX_DEPTH 16
/* Rules visited per evaluation before giving up (a hostile ruleset of
 * jumps to chains of jumps). */
#define NFE_MAX_STEPS 200000
#define NFE_TEXT 1536

enum nfe_verdict {
	NFE_OK,     /* as the benchmark wants */
	NFE_NOT_OK, /* not; text says why */
	NFE_UNABLE, /* cannot tell (too deep, too many steps); text says why */
};

struct nfe_result {
	enum nfe_verdict verdict;
	char text[NFE_TEXT];
};

/* Default deny at hook for fam (NFR_FAM_IP or NFR_FAM_IP6): some base
 * chain drops whatever no rule accepts (its policy, or a drop of every
 * packet). want_drop false asks the opposite (a hook that lets everything
 * through by default). Text starts with "DROP" or "ACCEPT". */
void nfe_default_policy(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook, bool want_drop,
			struct nfe_result *out);

/* Loopback accept at hook (input: iif lo, output: oif lo): every base chain
 * lets loopback traffic through, and at least one accepts it with an
 * unrestricted rule before any drop that catches it. A drop restricted only
 * by a source address inside loopback (ip saddr 127.0.0.0/8 drop) before the
 * accept counts as such a drop. loopback: the loopback network of fam. */
void nfe_loopback_accept(const struct nfr_ruleset *rs, int fam, enum nfr_hook hook,
			 const struct nfr_range *loopback, struct nfe_result *out);

/* Spoofed loopback sources: a packet from the loopback network arriving on
 * another interface is dropped, by an explicit rule, at the input hook. */
void nfe_spoof_drop(const struct nfr_ruleset *rs, int fam, const struct nfr_range *loopback,
		    struct nfe_result *out);

#endif
