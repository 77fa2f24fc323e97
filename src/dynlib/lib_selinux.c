#include "lib_selinux.h"

#include "config.h"
#include "lazy_lib.h"

const char *selinux_lib_soname = CISREPORT_SELINUX_SONAME;

static struct selinux_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct selinux_lib, is_selinux_enabled, is_selinux_enabled),
	LAZY_SYMBOL(struct selinux_lib, security_getenforce, security_getenforce),
	LAZY_SYMBOL(struct selinux_lib, security_reject_unknown, security_reject_unknown),
	LAZY_SYMBOL(struct selinux_lib, security_deny_unknown, security_deny_unknown),
	LAZY_SYMBOL(struct selinux_lib, fini_selinuxmnt, fini_selinuxmnt),
	LAZY_SYMBOL(struct selinux_lib, set_selinuxmnt, set_selinuxmnt),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, selinux_lib_soname);
}

const struct selinux_lib *selinux_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
