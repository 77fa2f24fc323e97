#include "lib_bpf.h"

#ifdef CISREPORT_HAVE_BPF
#include "config.h"
#include "lazy_lib.h"

const char *bpf_lib_soname = CISREPORT_LIBBPF_SONAME;

static struct bpf_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct bpf_lib, object__open_skeleton, bpf_object__open_skeleton),
	LAZY_SYMBOL(struct bpf_lib, object__load_skeleton, bpf_object__load_skeleton),
	LAZY_SYMBOL(struct bpf_lib, object__attach_skeleton, bpf_object__attach_skeleton),
	LAZY_SYMBOL(struct bpf_lib, object__detach_skeleton, bpf_object__detach_skeleton),
	LAZY_SYMBOL(struct bpf_lib, object__destroy_skeleton, bpf_object__destroy_skeleton),
	LAZY_SYMBOL(struct bpf_lib, map__fd, bpf_map__fd),
	LAZY_SYMBOL(struct bpf_lib, map__lookup_elem, bpf_map__lookup_elem),
	LAZY_SYMBOL(struct bpf_lib, map__set_max_entries, bpf_map__set_max_entries),
	LAZY_SYMBOL(struct bpf_lib, program__attach, bpf_program__attach),
	LAZY_SYMBOL(struct bpf_lib, program__autoload, bpf_program__autoload),
	LAZY_SYMBOL(struct bpf_lib, program__set_autoload, bpf_program__set_autoload),
	LAZY_SYMBOL(struct bpf_lib, btf__find_by_name_kind, btf__find_by_name_kind),
	LAZY_SYMBOL(struct bpf_lib, btf__free, btf__free),
	LAZY_SYMBOL(struct bpf_lib, btf__load_vmlinux_btf, btf__load_vmlinux_btf),
	LAZY_SYMBOL(struct bpf_lib, btf__parse, btf__parse),
	LAZY_SYMBOL(struct bpf_lib, num_possible_cpus, libbpf_num_possible_cpus),
	LAZY_SYMBOL(struct bpf_lib, set_print, libbpf_set_print),
	LAZY_SYMBOL(struct bpf_lib, ring_buffer__new, ring_buffer__new),
	LAZY_SYMBOL(struct bpf_lib, ring_buffer__consume, ring_buffer__consume),
	LAZY_SYMBOL(struct bpf_lib, ring_buffer__epoll_fd, ring_buffer__epoll_fd),
	LAZY_SYMBOL(struct bpf_lib, ring_buffer__free, ring_buffer__free),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, bpf_lib_soname);
}

const struct bpf_lib *bpf_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int lib_bpf_not_built;
#endif
