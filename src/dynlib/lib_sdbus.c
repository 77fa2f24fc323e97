#include "lib_sdbus.h"

#ifdef CISREPORT_HAVE_SYSTEMD
#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(sdbus, struct sdbus_lib, CISREPORT_SYSTEMD_SONAME,
	LAZY_SYMBOL(struct sdbus_lib, open_system, sd_bus_open_system),
	LAZY_SYMBOL(struct sdbus_lib, set_method_call_timeout, sd_bus_set_method_call_timeout),
	LAZY_SYMBOL(struct sdbus_lib, call_method, sd_bus_call_method),
	LAZY_SYMBOL(struct sdbus_lib, message_read, sd_bus_message_read),
	LAZY_SYMBOL(struct sdbus_lib, get_property_string, sd_bus_get_property_string),
	LAZY_SYMBOL(struct sdbus_lib, error_has_name, sd_bus_error_has_name),
	LAZY_SYMBOL(struct sdbus_lib, error_free, sd_bus_error_free),
	LAZY_SYMBOL(struct sdbus_lib, message_unref, sd_bus_message_unref),
	LAZY_SYMBOL(struct sdbus_lib, flush_close_unref, sd_bus_flush_close_unref),
	LAZY_SYMBOL(struct sdbus_lib, add_match, sd_bus_add_match),
	LAZY_SYMBOL(struct sdbus_lib, get_fd, sd_bus_get_fd),
	LAZY_SYMBOL(struct sdbus_lib, process, sd_bus_process),
	LAZY_SYMBOL(struct sdbus_lib, message_get_path, sd_bus_message_get_path))
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int lib_sdbus_unused;
#endif
