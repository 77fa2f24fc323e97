/* libdevmapper, opened on first use (see lazy_lib.h): dm_verity asks the
 * kernel for a device's table and status. A kernel without device-mapper,
 * or an offline root (captured tables), never loads it. */
#ifndef CISREPORT_LIB_DEVMAPPER_H
#define CISREPORT_LIB_DEVMAPPER_H

#include <libdevmapper.h>
#include <stddef.h>

struct devmapper_lib {
	__typeof__(dm_task_create) *task_create;
	__typeof__(dm_task_set_name) *task_set_name;
	__typeof__(dm_task_no_open_count) *task_no_open_count;
	__typeof__(dm_task_run) *task_run;
	__typeof__(dm_task_get_info) *task_get_info;
	__typeof__(dm_get_next_target) *get_next_target;
	__typeof__(dm_task_destroy) *task_destroy;
	__typeof__(dm_log_with_errno_init) *log_with_errno_init;
	__typeof__(dm_lib_release) *lib_release;
};

/* The table, loading libdevmapper on the first call; NULL with the reason
 * in why ("libdevmapper.so.1.02.1 not available: ...") when it cannot be
 * loaded. */
const struct devmapper_lib *devmapper_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libdevmapper the build found.
 * Tests point it at a missing library before the first devmapper_lib_get. */
extern const char *devmapper_lib_soname;

#endif
