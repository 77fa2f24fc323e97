#include "lib_yaml.h"

#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(yaml, struct yaml_lib, CISREPORT_YAML_SONAME,
	LAZY_SYMBOL(struct yaml_lib, parser_initialize, yaml_parser_initialize),
	LAZY_SYMBOL(struct yaml_lib, parser_set_input_string, yaml_parser_set_input_string),
	LAZY_SYMBOL(struct yaml_lib, parser_parse, yaml_parser_parse),
	LAZY_SYMBOL(struct yaml_lib, event_delete, yaml_event_delete),
	LAZY_SYMBOL(struct yaml_lib, parser_delete, yaml_parser_delete))
