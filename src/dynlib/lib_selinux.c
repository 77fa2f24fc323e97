#include "lib_selinux.h"

#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(selinux, struct selinux_lib, CISREPORT_SELINUX_SONAME,
	LAZY_SYMBOL(struct selinux_lib, is_selinux_enabled, is_selinux_enabled),
	LAZY_SYMBOL(struct selinux_lib, security_getenforce, security_getenforce),
	LAZY_SYMBOL(struct selinux_lib, security_reject_unknown, security_reject_unknown),
	LAZY_SYMBOL(struct selinux_lib, security_deny_unknown, security_deny_unknown),
	LAZY_SYMBOL(struct selinux_lib, fini_selinuxmnt, fini_selinuxmnt),
	LAZY_SYMBOL(struct selinux_lib, set_selinuxmnt, set_selinuxmnt))
