#include "iptables_save.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipt_argv_free(char **argv, size_t argc)
{
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static int argv_push(char ***argv, size_t *argc, size_t *cap, const char *s, size_t n)
{
	if (*argc == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **a = realloc(*argv, ncap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		*argv = a;
		*cap = ncap;
	}
	char *copy = strndup(s, n);
	if (!copy)
		return -ENOMEM;
	(*argv)[(*argc)++] = copy;
	return 0;
}

/* The rules of iptables-restore's own tokenizer (add_param_to_argv): a
 * quote opens a group that the next unescaped quote closes, and the closing
 * quote ends the argument; within it "\x" is x. Outside quotes a backslash
 * is data. */
int ipt_tokenize(const char *line, char ***argv_out, size_t *argc_out)
{
	char **argv = NULL;
	size_t argc = 0, cap = 0;
	size_t n = strlen(line);
	char *buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	bool quoted = false, escaped = false, have = false;
	int rc = 0;
	for (const char *p = line; *p && !rc; p++) {
		if (quoted) {
			if (escaped) {
				buf[len++] = *p;
				escaped = false;
			} else if (*p == '\\') {
				escaped = true;
			} else if (*p == '"') {
				quoted = false;
				rc = argv_push(&argv, &argc, &cap, buf, len);
				len = 0;
				have = false;
			} else {
				buf[len++] = *p;
			}
			continue;
		}
		if (*p == '"') { /* ab"c d" is the one argument "abc d" */
			quoted = true;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			if (have) {
				rc = argv_push(&argv, &argc, &cap, buf, len);
				len = 0;
				have = false;
			}
			continue;
		}
		buf[len++] = *p;
		have = true;
	}
	if (!rc && quoted)
		rc = -EINVAL;
	if (!rc && have)
		rc = argv_push(&argv, &argc, &cap, buf, len);
	free(buf);
	if (rc) {
		ipt_argv_free(argv, argc);
		return rc;
	}
	*argv_out = argv;
	*argc_out = argc;
	return 0;
}

static void chain_free(struct ipt_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		free(c->rules[i].text);
		ipt_argv_free(c->rules[i].argv, c->rules[i].argc);
	}
	free(c->rules);
	free(c->name);
	free(c->policy);
}

void ipt_save_free(struct ipt_save *s)
{
	for (size_t t = 0; t < s->n_tables; t++) {
		struct ipt_table *tb = &s->tables[t];
		for (size_t c = 0; c < tb->n_chains; c++)
			chain_free(&tb->chains[c]);
		free(tb->chains);
		free(tb->name);
	}
	free(s->tables);
	memset(s, 0, sizeof(*s));
}

const struct ipt_table *ipt_save_table(const struct ipt_save *s, const char *name)
{
	for (size_t i = 0; i < s->n_tables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

const struct ipt_chain *ipt_table_chain(const struct ipt_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

static struct ipt_chain *chain_mut(struct ipt_table *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (strlen(t->chains[i].name) == n && strncmp(t->chains[i].name, name, n) == 0)
			return &t->chains[i];
	return NULL;
}

static int add_table(struct ipt_save *s, const char *name, size_t n)
{
	if (s->n_tables == s->cap_tables) {
		size_t cap = s->cap_tables ? s->cap_tables * 2 : 4;
		struct ipt_table *t = realloc(s->tables, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		s->tables = t;
		s->cap_tables = cap;
	}
	struct ipt_table *t = &s->tables[s->n_tables];
	memset(t, 0, sizeof(*t));
	t->name = strndup(name, n);
	if (!t->name)
		return -ENOMEM;
	s->n_tables++;
	return 0;
}

static int add_chain(struct ipt_table *t, const char *name, size_t n, const char *policy,
		     size_t pn)
{
	if (t->n_chains == t->cap_chains) {
		size_t cap = t->cap_chains ? t->cap_chains * 2 : 8;
		struct ipt_chain *c = realloc(t->chains, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		t->chains = c;
		t->cap_chains = cap;
	}
	struct ipt_chain *c = &t->chains[t->n_chains];
	memset(c, 0, sizeof(*c));
	c->name = strndup(name, n);
	c->policy = strndup(policy, pn);
	if (!c->name || !c->policy) {
		free(c->name);
		free(c->policy);
		return -ENOMEM;
	}
	t->n_chains++;
	return 0;
}

static int add_rule(struct ipt_chain *c, size_t line, const char *text)
{
	if (c->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? c->cap_rules * 2 : 8;
		struct ipt_rule *r = realloc(c->rules, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		c->rules = r;
		c->cap_rules = cap;
	}
	struct ipt_rule *r = &c->rules[c->n_rules];
	memset(r, 0, sizeof(*r));
	r->line = line;
	int rc = ipt_tokenize(text, &r->argv, &r->argc);
	if (rc)
		return rc;
	r->text = strdup(text);
	if (!r->text) {
		ipt_argv_free(r->argv, r->argc);
		return -ENOMEM;
	}
	c->n_rules++;
	return 0;
}

static size_t word_len(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ' ' && p[n] != '\t')
		n++;
	return n;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool valid_name(const char *p, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || p[i] == 0x7f)
			return false;
	return true;
}

/* One line (NUL-terminated, no newline). cur is the open table or NULL. */
static int parse_line(struct ipt_save *s, struct ipt_table **cur, size_t lineno, char *line,
		      char *err, size_t err_size)
{
	const char *p = skip_blanks(line);
	size_t end = strlen(p);
	while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t' || p[end - 1] == '\r'))
		end--;
	line[(size_t)(p - line) + end] = '\0';
	if (*p == '#') {
		if (strstr(p, "iptables-legacy tables present"))
			s->legacy_tables_present = true;
		return 0;
	}
	if (*p == '\0')
		return 0;
	if (*p == '*') {
		if (*cur) {
			snprintf(err, err_size, "line %zu: table %s starts before table %s has COMMIT",
				 lineno, p + 1, (*cur)->name);
			return -EINVAL;
		}
		size_t n = strlen(p + 1);
		if (!valid_name(p + 1, n)) {
			snprintf(err, err_size, "line %zu: bad table name", lineno);
			return -EINVAL;
		}
		for (size_t i = 0; i < s->n_tables; i++)
			if (strcmp(s->tables[i].name, p + 1) == 0) {
				snprintf(err, err_size, "line %zu: table %s appears twice", lineno,
					 p + 1);
				return -EINVAL;
			}
		int rc = add_table(s, p + 1, n);
		if (rc)
			return rc;
		*cur = &s->tables[s->n_tables - 1];
		return 0;
	}
	if (!*cur) {
		snprintf(err, err_size, "line %zu: \"%.40s\" outside a table", lineno, p);
		return -EINVAL;
	}
	if (strcmp(p, "COMMIT") == 0) {
		*cur = NULL;
		return 0;
	}
	if (*p == ':') {
		/* ":NAME POLICY [packets:bytes]" */
		const char *name = p + 1;
		size_t nn = word_len(name);
		const char *policy = skip_blanks(name + nn);
		size_t pn = word_len(policy);
		const char *rest = skip_blanks(policy + pn);
		if (!valid_name(name, nn) || !valid_name(policy, pn) ||
		    (*rest && *rest != '[')) {
			snprintf(err, err_size, "line %zu: bad chain line \"%.60s\"", lineno, p);
			return -EINVAL;
		}
		if (chain_mut(*cur, name, nn)) {
			snprintf(err, err_size, "line %zu: chain %.*s declared twice", lineno,
				 (int)nn, name);
			return -EINVAL;
		}
		return add_chain(*cur, name, nn, policy, pn);
	}
	/* "iptables-save -c" prefixes each rule with its counters. */
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (close)
			p = skip_blanks(close + 1);
	}
	if (strncmp(p, "-A", 2) == 0 && (p[2] == ' ' || p[2] == '\t')) {
		const char *name = skip_blanks(p + 2);
		size_t nn = word_len(name);
		struct ipt_chain *c = chain_mut(*cur, name, nn);
		if (!c) {
			snprintf(err, err_size, "line %zu: rule for undeclared chain %.*s", lineno,
				 (int)nn, name);
			return -EINVAL;
		}
		int rc = add_rule(c, lineno, skip_blanks(name + nn));
		if (rc == -EINVAL)
			snprintf(err, err_size, "line %zu: unterminated quote", lineno);
		return rc;
	}
	snprintf(err, err_size, "line %zu: unexpected \"%.40s\"", lineno, p);
	return -EINVAL;
}

int ipt_save_parse(const char *text, size_t len, struct ipt_save *out, char *err,
		   size_t err_size)
{
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (memchr(text, '\0', len)) {
		snprintf(err, err_size, "output holds a NUL byte");
		return -EINVAL;
	}
	struct ipt_table *cur = NULL;
	size_t lineno = 0;
	const char *p = text, *endp = text + len;
	int rc = 0;
	while (p < endp && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(endp - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(endp - p);
		char *line = strndup(p, n);
		if (!line) {
			rc = -ENOMEM;
			break;
		}
		lineno++;
		rc = parse_line(out, &cur, lineno, line, err, err_size);
		free(line);
		p += n + (nl ? 1 : 0);
	}
	if (!rc && cur) {
		snprintf(err, err_size, "table %s has no COMMIT (output cut short?)", cur->name);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	if (rc)
		ipt_save_free(out);
	return rc;
}

bool ipt_family_valid(const char *family)
{
	return family && (strcmp(family, "ipv4") == 0 || strcmp(family, "ipv6") == 0);
}

const char *ipt_save_command(const char *family)
{
	return strcmp(family, "ipv6") == 0 ? "ip6tables-save" : "iptables-save";
}

void ipt_save_prefetch(struct host *h, const char *family)
{
	const char *cmd = ipt_save_command(family);
	char *const argv[] = {(char *)cmd, NULL};
	host_command_prefetch(h, cmd, argv);
}

int ipt_save_load(struct host *h, const char *family, struct ipt_save *out, char *source,
		  size_t source_size, char *why, size_t why_size)
{
	const char *cmd = ipt_save_command(family);
	char *const argv[] = {(char *)cmd, NULL};
	const char *text = NULL;
	size_t len = 0;
	int status = 0;
	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	char captured[PATH_MAX];
	snprintf(captured, sizeof(captured), "%s%s/%s", h->root, HOST_CAPTURE_DIR, cmd);
	int rc = host_command_output(h, cmd, argv, &text, &len, &status);
	if (rc) {
		if (!h->live)
			snprintf(why, why_size, "no captured %s output: %s: %s", cmd, captured,
				 host_strerror(rc));
		else if (rc == -ENOENT)
			snprintf(why, why_size, "%s not found in PATH", cmd);
		else if (rc == -ETIMEDOUT)
			snprintf(why, why_size, "%s timed out after %d ms", cmd,
				 h->command_timeout_ms);
		else
			snprintf(why, why_size, "%s could not run: %s", cmd, host_strerror(rc));
		return rc;
	}
	if (status != 0) {
		if (status > 128)
			snprintf(why, why_size, "%s was killed by signal %d", cmd, status - 128);
		else
			snprintf(why, why_size,
				 "%s exited with status %d (it needs root, CAP_NET_ADMIN)", cmd,
				 status);
		return -EIO;
	}
	char err[256];
	rc = ipt_save_parse(text, len, out, err, sizeof(err));
	if (rc) {
		snprintf(why, why_size, "cannot parse %s output: %s", cmd, err);
		return rc;
	}
	const char *legacy = out->legacy_tables_present
				     ? "; warning: iptables-legacy tables are present and not shown in it"
				     : "";
	if (h->live)
		snprintf(source, source_size, "%s (exit 0)%s", cmd, legacy);
	else
		snprintf(source, source_size, "captured %s output %s%s", cmd, captured, legacy);
	return 0;
}
