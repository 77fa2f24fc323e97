/* libnftnl (and libmnl, which it needs), opened on first use (see
 * lazy_lib.h): the netlink dump of the nf_tables ruleset behind the firewall
 * checks (core/nft_netlink.c). A report without firewall checks never loads
 * either. dlopen of libnftnl brings libmnl as its dependency, and dlsym on
 * libnftnl's handle finds libmnl's functions through it. */
#ifndef CISREPORT_LIB_NFTNL_H
#define CISREPORT_LIB_NFTNL_H

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <stdbool.h>
#include <stddef.h>

struct nftnl_lib {
	/* libmnl */
	__typeof__(mnl_socket_open) *socket_open;
	__typeof__(mnl_socket_bind) *socket_bind;
	__typeof__(mnl_socket_get_portid) *socket_get_portid;
	__typeof__(mnl_socket_get_fd) *socket_get_fd;
	__typeof__(mnl_socket_sendto) *socket_sendto;
	__typeof__(mnl_socket_recvfrom) *socket_recvfrom;
	__typeof__(mnl_socket_close) *socket_close;
	__typeof__(mnl_cb_run) *cb_run;
	/* libnftnl */
	__typeof__(nftnl_nlmsg_build_hdr) *nlmsg_build_hdr;
	__typeof__(nftnl_gen_alloc) *gen_alloc;
	__typeof__(nftnl_gen_free) *gen_free;
	__typeof__(nftnl_gen_nlmsg_parse) *gen_nlmsg_parse;
	__typeof__(nftnl_gen_get_u32) *gen_get_u32;
	__typeof__(nftnl_table_alloc) *table_alloc;
	__typeof__(nftnl_table_free) *table_free;
	__typeof__(nftnl_table_nlmsg_parse) *table_nlmsg_parse;
	__typeof__(nftnl_table_get_str) *table_get_str;
	__typeof__(nftnl_table_get_u32) *table_get_u32;
	__typeof__(nftnl_table_is_set) *table_is_set;
	__typeof__(nftnl_chain_alloc) *chain_alloc;
	__typeof__(nftnl_chain_free) *chain_free;
	__typeof__(nftnl_chain_nlmsg_parse) *chain_nlmsg_parse;
	__typeof__(nftnl_chain_get_str) *chain_get_str;
	__typeof__(nftnl_chain_get_u32) *chain_get_u32;
	__typeof__(nftnl_chain_get_s32) *chain_get_s32;
	__typeof__(nftnl_chain_get_u64) *chain_get_u64;
	__typeof__(nftnl_chain_is_set) *chain_is_set;
	__typeof__(nftnl_rule_alloc) *rule_alloc;
	__typeof__(nftnl_rule_free) *rule_free;
	__typeof__(nftnl_rule_nlmsg_parse) *rule_nlmsg_parse;
	__typeof__(nftnl_rule_get_str) *rule_get_str;
	__typeof__(nftnl_rule_get_u32) *rule_get_u32;
	__typeof__(nftnl_rule_get_u64) *rule_get_u64;
	__typeof__(nftnl_expr_iter_create) *expr_iter_create;
	__typeof__(nftnl_expr_iter_next) *expr_iter_next;
	__typeof__(nftnl_expr_iter_destroy) *expr_iter_destroy;
	__typeof__(nftnl_expr_is_set) *expr_is_set;
	__typeof__(nftnl_expr_get) *expr_get;
	__typeof__(nftnl_expr_get_u32) *expr_get_u32;
	__typeof__(nftnl_expr_get_str) *expr_get_str;
	__typeof__(nftnl_set_alloc) *set_alloc;
	__typeof__(nftnl_set_free) *set_free;
	__typeof__(nftnl_set_nlmsg_parse) *set_nlmsg_parse;
	__typeof__(nftnl_set_get_str) *set_get_str;
	__typeof__(nftnl_set_get_u32) *set_get_u32;
	__typeof__(nftnl_set_is_set) *set_is_set;
	__typeof__(nftnl_set_set_str) *set_set_str;
	__typeof__(nftnl_set_set_u32) *set_set_u32;
	__typeof__(nftnl_set_elems_nlmsg_build_payload) *set_elems_nlmsg_build_payload;
	__typeof__(nftnl_set_elems_nlmsg_parse) *set_elems_nlmsg_parse;
	__typeof__(nftnl_set_elems_iter_create) *set_elems_iter_create;
	__typeof__(nftnl_set_elems_iter_next) *set_elems_iter_next;
	__typeof__(nftnl_set_elems_iter_destroy) *set_elems_iter_destroy;
	__typeof__(nftnl_set_elem_get) *set_elem_get;
	__typeof__(nftnl_set_elem_get_u32) *set_elem_get_u32;
	__typeof__(nftnl_set_elem_get_str) *set_elem_get_str;
	__typeof__(nftnl_set_elem_is_set) *set_elem_is_set;
};

/* The table, loading libnftnl on the first call; NULL with the reason in
 * why ("libnftnl.so.11 not available: ...") when it cannot be loaded. */
const struct nftnl_lib *nftnl_lib_get(char *why, size_t size);

/* What dlopen is given: the SONAME of the libnftnl the build found. Tests
 * point it at a missing library before the first nftnl_lib_get. */
extern const char *nftnl_lib_soname;

/* Whether libnftnl has been loaded in this process (tests and the bench:
 * a report without firewall checks must not load it). */
bool nftnl_lib_loaded(void);

#endif
