#include "lib_kmod.h"

#include "config.h"
#include "lazy_lib.h"

const char *kmod_lib_soname = CISREPORT_KMOD_SONAME;

static struct kmod_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct kmod_lib, new, kmod_new),
	LAZY_SYMBOL(struct kmod_lib, unref, kmod_unref),
	LAZY_SYMBOL(struct kmod_lib, set_log_fn, kmod_set_log_fn),
	LAZY_SYMBOL(struct kmod_lib, module_new_from_name, kmod_module_new_from_name),
	LAZY_SYMBOL(struct kmod_lib, module_get_install_commands, kmod_module_get_install_commands),
	LAZY_SYMBOL(struct kmod_lib, module_unref, kmod_module_unref),
	LAZY_SYMBOL(struct kmod_lib, config_get_blacklists, kmod_config_get_blacklists),
	LAZY_SYMBOL(struct kmod_lib, config_iter_next, kmod_config_iter_next),
	LAZY_SYMBOL(struct kmod_lib, config_iter_get_key, kmod_config_iter_get_key),
	LAZY_SYMBOL(struct kmod_lib, config_iter_free_iter, kmod_config_iter_free_iter),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, kmod_lib_soname);
}

const struct kmod_lib *kmod_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
