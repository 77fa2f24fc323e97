#include "lib_bpf.h"

#ifdef CISREPORT_HAVE_BPF
#include "config.h"
#include "lazy_lib.h"

LAZY_LIB_DEFINE(bpf, struct bpf_lib, CISREPORT_LIBBPF_SONAME,
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
	LAZY_SYMBOL(struct bpf_lib, ring_buffer__free, ring_buffer__free))
#else
/* ISO C wants a translation unit to declare something. */
typedef int lib_bpf_not_built;
#endif
