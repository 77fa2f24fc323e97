/* Shared libraries that only some probes need, opened on first use.
 *
 * Loading and relocating a library (and everything it pulls in) costs every
 * run of the CLI, whether a check uses it or not: libkmod alone brings
 * libcrypto, libzstd and liblzma. So libkmod, libsystemd (sd-bus),
 * libdevmapper and libyaml are not linked; each has a lib_<name>.{h,c} with
 * a typed table of the functions the probes call, filled by dlopen + dlsym
 * the first time a probe asks for it (once per process, thread-safe).
 *
 * A library that cannot be opened, or lacks a symbol, gives a reason
 * ("libkmod.so.2 not available: <dlerror()>") that the probe reports as its
 * SKIP reason. The reason is kept, so later callers get the same answer. */
#ifndef CISREPORT_LAZY_LIB_H
#define CISREPORT_LAZY_LIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* One function of a library: its name, and where its pointer goes in the
 * library's table. */
struct lazy_symbol {
	const char *name;
	size_t offset;
};

/* The unevaluated comparison (it adds 0 to the offset) makes the compiler
 * check that the header declares symbol with the field's type. */
#define LAZY_SYMBOL(table_type, field, symbol)                                          \
	{#symbol, offsetof(table_type, field) + 0 * sizeof(((table_type *)0)->field == &(symbol))}

struct lazy_lib {
	const struct lazy_symbol *symbols;
	size_t n_symbols;
	void *table; /* a struct of function pointers, filled by lazy_lib_load */
	pthread_once_t once;
	bool loaded;
	char error[512];
};

/* The whole wiring of one library, in its lib_<name>.c:
 *
 *   LAZY_LIB_DEFINE(kmod, struct kmod_lib, CISREPORT_KMOD_SONAME,
 *                   LAZY_SYMBOL(struct kmod_lib, new, kmod_new), ...)
 *
 * defines `const char *kmod_lib_soname` (what dlopen is given; tests point
 * it at a missing library before the first call), the table, its symbols
 * and `const struct kmod_lib *kmod_lib_get(char *why, size_t size)`: the
 * table, loaded on the first call (pthread_once), or NULL with the kept
 * reason in why. */
#define LAZY_LIB_DEFINE(name, table_type, soname, ...)                                     \
	const char *name##_lib_soname = soname;                                            \
	static table_type name##_table;                                                    \
	static const struct lazy_symbol name##_symbols[] = {__VA_ARGS__};                  \
	static struct lazy_lib name##_lazy = {                                             \
		.symbols = name##_symbols,                                                 \
		.n_symbols = sizeof(name##_symbols) / sizeof(name##_symbols[0]),           \
		.table = &name##_table,                                                    \
		.once = PTHREAD_ONCE_INIT,                                                 \
	};                                                                                 \
	static void name##_load(void)                                                      \
	{                                                                                  \
		lazy_lib_load(&name##_lazy, name##_lib_soname);                            \
	}                                                                                  \
	const table_type *name##_lib_get(char *why, size_t size)                           \
	{                                                                                  \
		pthread_once(&name##_lazy.once, name##_load);                              \
		return lazy_lib_table(&name##_lazy, why, size);                            \
	}

/* dlopen soname and fill the table; on failure the reason is kept in
 * lib->error. Run through pthread_once by each library's getter
 * (LAZY_LIB_DEFINE). */
void lazy_lib_load(struct lazy_lib *lib, const char *soname);

/* The table once loaded, or NULL with the kept reason in why. */
const void *lazy_lib_table(const struct lazy_lib *lib, char *why, size_t size);

#endif
