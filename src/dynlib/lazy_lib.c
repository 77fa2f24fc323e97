#include "lazy_lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, which needs the two to be the same size. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
	       "function pointers must fit the pointers dlsym returns");

void lazy_lib_load(struct lazy_lib *lib, const char *soname)
{
	/* RTLD_NOW: a missing function shows here, as a reason, rather than
	 * as a crash in the middle of a probe. RTLD_LOCAL: the library's
	 * symbols do not leak into the global namespace. */
	void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *err = dlerror();
		snprintf(lib->error, sizeof(lib->error), "%s not available: %s", soname,
			 err ? err : "dlopen failed");
		return;
	}
	for (size_t i = 0; i < lib->n_symbols; i++) {
		dlerror();
		void *fn = dlsym(handle, lib->symbols[i].name);
		if (!fn) {
			const char *err = dlerror();
			snprintf(lib->error, sizeof(lib->error), "%s not usable: %s", soname,
				 err ? err : lib->symbols[i].name);
			dlclose(handle);
			return;
		}
		memcpy((char *)lib->table + lib->symbols[i].offset, &fn, sizeof(fn));
	}
	/* The handle stays open for the life of the process: the table points
	 * into it. */
	lib->loaded = true;
}

const void *lazy_lib_table(const struct lazy_lib *lib, char *why, size_t size)
{
	if (lib->loaded)
		return lib->table;
	if (why && size)
		snprintf(why, size, "%s", lib->error);
	return NULL;
}
