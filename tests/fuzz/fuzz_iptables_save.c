/* iptables-save text (checks/iptables_save.c): tables, chains, rules, the
 * iptables-restore tokenizer. */
#include "fuzz.h"
#include "checks/iptables_save.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipt_save s;
	char err[512];
	if (ipt_save_parse((const char *)data, size, &s, err, sizeof(err)) == 0) {
		const struct ipt_table *t = ipt_save_table(&s, "filter");
		if (t) {
			static const char *const chains[] = {"INPUT", "OUTPUT", "FORWARD"};
			for (size_t i = 0; i < 3; i++) {
				const struct ipt_chain *c = ipt_table_chain(t, chains[i]);
				for (size_t j = 0; c && j < c->n_rules; j++)
					FUZZ_ASSERT(c->rules[j].argc == 0 || c->rules[j].argv[0]);
			}
		}
	}
	ipt_save_free(&s);
	/* The tokenizer alone, over the input as one line. */
	char *line = fuzz_strndup(data, size);
	char **argv;
	size_t argc;
	if (ipt_tokenize(line, &argv, &argc) == 0)
		ipt_argv_free(argv, argc);
	free(line);
	return 0;
}
