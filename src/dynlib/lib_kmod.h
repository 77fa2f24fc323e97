/* libkmod, opened on first use (see lazy_lib.h): the modprobe
 * configuration for module_disabled. A kernel without loadable module
 * support never needs it, and never loads it. */
#ifndef CISREPORT_LIB_KMOD_H
#define CISREPORT_LIB_KMOD_H

#include <libkmod.h>
#include <stddef.h>

struct kmod_lib {
	__typeof__(kmod_new) *new;
	__typeof__(kmod_unref) *unref;
	__typeof__(kmod_set_log_fn) *set_log_fn;
	__typeof__(kmod_module_new_from_name) *module_new_from_name;
	__typeof__(kmod_module_get_install_commands) *module_get_install_commands;
	__typeof__(kmod_module_unref) *module_unref;
	__typeof__(kmod_config_get_blacklists) *config_get_blacklists;
	__typeof__(kmod_config_iter_next) *config_iter_next;
	__typeof__(kmod_config_iter_get_key) *config_iter_get_key;
	__typeof__(kmod_config_iter_free_iter) *config_iter_free_iter;
};

/* The table, loading libkmod on the first call; NULL with the reason in
 * why ("libkmod.so.2 not available: ...") when it cannot be loaded. */
const struct kmod_lib *kmod_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libkmod the build found. Tests
 * point it at a missing library before the first kmod_lib_get. */
extern const char *kmod_lib_soname;

#endif
