#include "lib_yaml.h"

#include "config.h"
#include "lazy_lib.h"

const char *yaml_lib_soname = CISREPORT_YAML_SONAME;

static struct yaml_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct yaml_lib, parser_initialize, yaml_parser_initialize),
	LAZY_SYMBOL(struct yaml_lib, parser_set_input_string, yaml_parser_set_input_string),
	LAZY_SYMBOL(struct yaml_lib, parser_parse, yaml_parser_parse),
	LAZY_SYMBOL(struct yaml_lib, event_delete, yaml_event_delete),
	LAZY_SYMBOL(struct yaml_lib, parser_delete, yaml_parser_delete),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, yaml_lib_soname);
}

const struct yaml_lib *yaml_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
