/* libselinux, opened on first use (see lazy_lib.h): the kernel's SELinux
 * state for the selinux kind (only where selinuxfs is mounted) and the
 * observer's "is SELinux enabled". Linked, it cost every run of cisreport
 * its relocations and its constructor's system calls (and libpcre2's);
 * cisreportd links it anyway (api/watch.c), and then gets that copy. */
#ifndef CISREPORT_LIB_SELINUX_H
#define CISREPORT_LIB_SELINUX_H

#include <selinux/selinux.h>
#include <stddef.h>

struct selinux_lib {
	__typeof__(is_selinux_enabled) *is_selinux_enabled;
	__typeof__(security_getenforce) *security_getenforce;
	__typeof__(security_reject_unknown) *security_reject_unknown;
	__typeof__(security_deny_unknown) *security_deny_unknown;
	__typeof__(fini_selinuxmnt) *fini_selinuxmnt;
	__typeof__(set_selinuxmnt) *set_selinuxmnt;
};

/* The table, loading libselinux on the first call; NULL with the reason in
 * why ("libselinux.so.1 not available: ...") when it cannot be loaded. */
const struct selinux_lib *selinux_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libselinux the build found.
 * Tests point it at a missing library before the first selinux_lib_get. */
extern const char *selinux_lib_soname;

#endif
