#include "lib_devmapper.h"

#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(devmapper, struct devmapper_lib, CISREPORT_DEVMAPPER_SONAME,
	LAZY_SYMBOL(struct devmapper_lib, task_create, dm_task_create),
	LAZY_SYMBOL(struct devmapper_lib, task_set_name, dm_task_set_name),
	LAZY_SYMBOL(struct devmapper_lib, task_no_open_count, dm_task_no_open_count),
	LAZY_SYMBOL(struct devmapper_lib, task_run, dm_task_run),
	LAZY_SYMBOL(struct devmapper_lib, task_get_info, dm_task_get_info),
	LAZY_SYMBOL(struct devmapper_lib, get_next_target, dm_get_next_target),
	LAZY_SYMBOL(struct devmapper_lib, task_destroy, dm_task_destroy),
	LAZY_SYMBOL(struct devmapper_lib, log_with_errno_init, dm_log_with_errno_init),
	LAZY_SYMBOL(struct devmapper_lib, lib_release, dm_lib_release))
