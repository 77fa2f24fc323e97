#include "lib_kmod.h"

#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(kmod, struct kmod_lib, CISREPORT_KMOD_SONAME,
	LAZY_SYMBOL(struct kmod_lib, new, kmod_new),
	LAZY_SYMBOL(struct kmod_lib, unref, kmod_unref),
	LAZY_SYMBOL(struct kmod_lib, set_log_fn, kmod_set_log_fn),
	LAZY_SYMBOL(struct kmod_lib, module_new_from_name, kmod_module_new_from_name),
	LAZY_SYMBOL(struct kmod_lib, module_get_install_commands, kmod_module_get_install_commands),
	LAZY_SYMBOL(struct kmod_lib, module_unref, kmod_module_unref),
	LAZY_SYMBOL(struct kmod_lib, config_get_blacklists, kmod_config_get_blacklists),
	LAZY_SYMBOL(struct kmod_lib, config_iter_next, kmod_config_iter_next),
	LAZY_SYMBOL(struct kmod_lib, config_iter_get_key, kmod_config_iter_get_key),
	LAZY_SYMBOL(struct kmod_lib, config_iter_free_iter, kmod_config_iter_free_iter))
