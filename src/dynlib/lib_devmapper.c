#include "lib_devmapper.h"

#include "config.h"
#include "lazy_lib.h"

const char *devmapper_lib_soname = CISREPORT_DEVMAPPER_SONAME;

static struct devmapper_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct devmapper_lib, task_create, dm_task_create),
	LAZY_SYMBOL(struct devmapper_lib, task_set_name, dm_task_set_name),
	LAZY_SYMBOL(struct devmapper_lib, task_no_open_count, dm_task_no_open_count),
	LAZY_SYMBOL(struct devmapper_lib, task_run, dm_task_run),
	LAZY_SYMBOL(struct devmapper_lib, task_get_info, dm_task_get_info),
	LAZY_SYMBOL(struct devmapper_lib, get_next_target, dm_get_next_target),
	LAZY_SYMBOL(struct devmapper_lib, task_destroy, dm_task_destroy),
	LAZY_SYMBOL(struct devmapper_lib, log_with_errno_init, dm_log_with_errno_init),
	LAZY_SYMBOL(struct devmapper_lib, lib_release, dm_lib_release),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, devmapper_lib_soname);
}

const struct devmapper_lib *devmapper_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
