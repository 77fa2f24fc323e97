/* libsystemd's sd-bus, opened on first use (see lazy_lib.h): chrony asks
 * systemd for a unit's state over the system bus, and cisreportd listens
 * there for the units' PropertiesChanged signals. Without a system bus
 * (no socket, an offline root) the process table answers and libsystemd is
 * never loaded. Built only when the build found libsystemd's headers
 * (CISREPORT_HAVE_SYSTEMD). */
#ifndef CISREPORT_LIB_SDBUS_H
#define CISREPORT_LIB_SDBUS_H

#ifdef CISREPORT_HAVE_SYSTEMD
#include <stddef.h>
#include <systemd/sd-bus.h>

struct sdbus_lib {
	__typeof__(sd_bus_open_system) *open_system;
	__typeof__(sd_bus_set_method_call_timeout) *set_method_call_timeout;
	__typeof__(sd_bus_call_method) *call_method;
	__typeof__(sd_bus_message_read) *message_read;
	__typeof__(sd_bus_get_property_string) *get_property_string;
	__typeof__(sd_bus_error_has_name) *error_has_name;
	__typeof__(sd_bus_error_free) *error_free;
	__typeof__(sd_bus_message_unref) *message_unref;
	__typeof__(sd_bus_flush_close_unref) *flush_close_unref;
	__typeof__(sd_bus_add_match) *add_match;
	__typeof__(sd_bus_get_fd) *get_fd;
	__typeof__(sd_bus_process) *process;
	__typeof__(sd_bus_message_get_path) *message_get_path;
};

/* The table, loading libsystemd on the first call; NULL with the reason in
 * why ("libsystemd.so.0 not available: ...") when it cannot be loaded. */
const struct sdbus_lib *sdbus_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libsystemd the build found.
 * Tests point it at a missing library before the first sdbus_lib_get. */
extern const char *sdbus_lib_soname;
#endif

#endif
