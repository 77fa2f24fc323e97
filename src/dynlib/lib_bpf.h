/* libbpf, opened on first use (see lazy_lib.h): the eBPF runtime observer
 * (src/observer/) is its only user, and only `--observe` and cisreportd's
 * observer start it. Linked, libbpf brings libelf and libz, and their
 * relocations cost every report. Built only with the observer
 * (CISREPORT_HAVE_BPF). */
#ifndef CISREPORT_LIB_BPF_H
#define CISREPORT_LIB_BPF_H

#include <stddef.h>

#ifdef CISREPORT_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Members are named after the functions without their "bpf_"/"libbpf_"
 * prefix where that is unambiguous; the observer's skeleton calls them
 * through macros (src/observer/observer.c). */
struct bpf_lib {
	__typeof__(bpf_object__open_skeleton) *object__open_skeleton;
	__typeof__(bpf_object__load_skeleton) *object__load_skeleton;
	__typeof__(bpf_object__attach_skeleton) *object__attach_skeleton;
	__typeof__(bpf_object__detach_skeleton) *object__detach_skeleton;
	__typeof__(bpf_object__destroy_skeleton) *object__destroy_skeleton;
	__typeof__(bpf_map__fd) *map__fd;
	__typeof__(bpf_map__lookup_elem) *map__lookup_elem;
	__typeof__(bpf_map__set_max_entries) *map__set_max_entries;
	__typeof__(bpf_program__attach) *program__attach;
	__typeof__(bpf_program__autoload) *program__autoload;
	__typeof__(bpf_program__set_autoload) *program__set_autoload;
	__typeof__(btf__find_by_name_kind) *btf__find_by_name_kind;
	__typeof__(btf__free) *btf__free;
	__typeof__(btf__load_vmlinux_btf) *btf__load_vmlinux_btf;
	__typeof__(btf__parse) *btf__parse;
	__typeof__(libbpf_num_possible_cpus) *num_possible_cpus;
	__typeof__(libbpf_set_print) *set_print;
	__typeof__(ring_buffer__new) *ring_buffer__new;
	__typeof__(ring_buffer__consume) *ring_buffer__consume;
	__typeof__(ring_buffer__epoll_fd) *ring_buffer__epoll_fd;
	__typeof__(ring_buffer__free) *ring_buffer__free;
};

/* The table, loading libbpf on the first call; NULL with the reason in why
 * ("libbpf.so.1 not available: ...") when it cannot be loaded. */
const struct bpf_lib *bpf_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libbpf the build found. Tests
 * point it at a missing library before the first bpf_lib_get. */
extern const char *bpf_lib_soname;
#endif

#endif
