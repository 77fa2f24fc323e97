/* iptables-save / ip6tables-save output: fetching it through the host and
 * parsing its stable save format (the format iptables-restore reads):
 *
 *   # comment
 *   *filter
 *   :INPUT DROP [0:0]
 *   -A INPUT -i lo -j ACCEPT
 *   COMMIT
 *
 * Never the columns of "iptables -L", which change between versions. Used by
 * the firewall_policy and firewall_loopback kinds. */
#ifndef CISREPORT_IPTABLES_SAVE_H
#define CISREPORT_IPTABLES_SAVE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/host.h"

struct ipt_rule {
	size_t line;  /* line number in the save text (1-based) */
	char *text;   /* the rule as saved, after "-A <chain> " */
	char **argv;  /* its arguments, tokenized as iptables-restore does */
	size_t argc;
};

struct ipt_chain {
	char *name;
	char *policy; /* ACCEPT or DROP for a built-in chain, "-" for a user chain */
	struct ipt_rule *rules;
	size_t n_rules, cap_rules;
};

struct ipt_table {
	char *name;
	struct ipt_chain *chains;
	size_t n_chains, cap_chains;
};

struct ipt_save {
	struct ipt_table *tables;
	size_t n_tables, cap_tables;
	/* iptables-nft's "# Warning: iptables-legacy tables present": rules
	 * of the other backend exist and are not in this output. */
	bool legacy_tables_present;
};

/* Parse save text. Returns 0, -EINVAL with a message naming the line in err
 * (garbage, a rule outside a table, an unterminated quote, a table without
 * COMMIT...), or -ENOMEM. out is always safe to ipt_save_free. */
int ipt_save_parse(const char *text, size_t len, struct ipt_save *out, char *err,
		   size_t err_size);
void ipt_save_free(struct ipt_save *s);

const struct ipt_table *ipt_save_table(const struct ipt_save *s, const char *name);
const struct ipt_chain *ipt_table_chain(const struct ipt_table *t, const char *name);

/* Split one rule line into arguments as iptables-restore does: blanks
 * separate, "double quotes" group, and inside quotes a backslash escapes
 * the next character. Returns 0, -EINVAL (unterminated quote) or -ENOMEM;
 * free with ipt_argv_free. */
int ipt_tokenize(const char *line, char ***argv, size_t *argc);
void ipt_argv_free(char **argv, size_t argc);

/* The family parameter of the firewall kinds: "ipv4" or "ipv6". */
bool ipt_family_valid(const char *family);
/* "iptables-save" for ipv4, "ip6tables-save" for ipv6. */
const char *ipt_save_command(const char *family);

/* Start the family's save command early (live host only); the host runs
 * each command once per report, however many checks ask. */
void ipt_save_prefetch(struct host *h, const char *family);

/* Run (or collect) the family's save command and parse its output. Returns
 * 0, or -errno with why (a sentence naming the command and what went
 * wrong: not found, exit status, timeout, unparsable output) filled. source
 * says where the text came from, for evidence. */
int ipt_save_load(struct host *h, const char *family, struct ipt_save *out,
		  char *source, size_t source_size, char *why, size_t why_size);

#endif
