/* libyaml, opened on first use (see lazy_lib.h): the YAML event parser
 * behind yaml_doc, which only the Kubernetes report's kubelet_config
 * needs. */
#ifndef CISREPORT_LIB_YAML_H
#define CISREPORT_LIB_YAML_H

#include <stddef.h>
#include <yaml.h>

struct yaml_lib {
	__typeof__(yaml_parser_initialize) *parser_initialize;
	__typeof__(yaml_parser_set_input_string) *parser_set_input_string;
	__typeof__(yaml_parser_parse) *parser_parse;
	__typeof__(yaml_event_delete) *event_delete;
	__typeof__(yaml_parser_delete) *parser_delete;
};

/* The table, loading libyaml on the first call; NULL with the reason in
 * why ("libyaml-0.so.2 not available: ...") when it cannot be loaded. */
const struct yaml_lib *yaml_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libyaml the build found. Tests
 * point it at a missing library before the first yaml_lib_get. */
extern const char *yaml_lib_soname;

#endif
