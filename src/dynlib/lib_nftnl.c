#include "lib_nftnl.h"

#include "config.h"
#include "lazy_lib.h"

const char *nftnl_lib_soname = CISREPORT_NFTNL_SONAME;

static struct nftnl_lib table;

static const struct lazy_symbol symbols[] = {
	LAZY_SYMBOL(struct nftnl_lib, socket_open, mnl_socket_open),
	LAZY_SYMBOL(struct nftnl_lib, socket_bind, mnl_socket_bind),
	LAZY_SYMBOL(struct nftnl_lib, socket_get_portid, mnl_socket_get_portid),
	LAZY_SYMBOL(struct nftnl_lib, socket_get_fd, mnl_socket_get_fd),
	LAZY_SYMBOL(struct nftnl_lib, socket_sendto, mnl_socket_sendto),
	LAZY_SYMBOL(struct nftnl_lib, socket_recvfrom, mnl_socket_recvfrom),
	LAZY_SYMBOL(struct nftnl_lib, socket_close, mnl_socket_close),
	LAZY_SYMBOL(struct nftnl_lib, cb_run, mnl_cb_run),
	LAZY_SYMBOL(struct nftnl_lib, nlmsg_build_hdr, nftnl_nlmsg_build_hdr),
	LAZY_SYMBOL(struct nftnl_lib, gen_alloc, nftnl_gen_alloc),
	LAZY_SYMBOL(struct nftnl_lib, gen_free, nftnl_gen_free),
	LAZY_SYMBOL(struct nftnl_lib, gen_nlmsg_parse, nftnl_gen_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, gen_get_u32, nftnl_gen_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, table_alloc, nftnl_table_alloc),
	LAZY_SYMBOL(struct nftnl_lib, table_free, nftnl_table_free),
	LAZY_SYMBOL(struct nftnl_lib, table_nlmsg_parse, nftnl_table_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, table_get_str, nftnl_table_get_str),
	LAZY_SYMBOL(struct nftnl_lib, table_get_u32, nftnl_table_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, table_is_set, nftnl_table_is_set),
	LAZY_SYMBOL(struct nftnl_lib, chain_alloc, nftnl_chain_alloc),
	LAZY_SYMBOL(struct nftnl_lib, chain_free, nftnl_chain_free),
	LAZY_SYMBOL(struct nftnl_lib, chain_nlmsg_parse, nftnl_chain_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, chain_get_str, nftnl_chain_get_str),
	LAZY_SYMBOL(struct nftnl_lib, chain_get_u32, nftnl_chain_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, chain_get_s32, nftnl_chain_get_s32),
	LAZY_SYMBOL(struct nftnl_lib, chain_get_u64, nftnl_chain_get_u64),
	LAZY_SYMBOL(struct nftnl_lib, chain_is_set, nftnl_chain_is_set),
	LAZY_SYMBOL(struct nftnl_lib, rule_alloc, nftnl_rule_alloc),
	LAZY_SYMBOL(struct nftnl_lib, rule_free, nftnl_rule_free),
	LAZY_SYMBOL(struct nftnl_lib, rule_nlmsg_parse, nftnl_rule_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, rule_get_str, nftnl_rule_get_str),
	LAZY_SYMBOL(struct nftnl_lib, rule_get_u32, nftnl_rule_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, rule_get_u64, nftnl_rule_get_u64),
	LAZY_SYMBOL(struct nftnl_lib, expr_iter_create, nftnl_expr_iter_create),
	LAZY_SYMBOL(struct nftnl_lib, expr_iter_next, nftnl_expr_iter_next),
	LAZY_SYMBOL(struct nftnl_lib, expr_iter_destroy, nftnl_expr_iter_destroy),
	LAZY_SYMBOL(struct nftnl_lib, expr_is_set, nftnl_expr_is_set),
	LAZY_SYMBOL(struct nftnl_lib, expr_get, nftnl_expr_get),
	LAZY_SYMBOL(struct nftnl_lib, expr_get_u32, nftnl_expr_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, expr_get_str, nftnl_expr_get_str),
	LAZY_SYMBOL(struct nftnl_lib, set_alloc, nftnl_set_alloc),
	LAZY_SYMBOL(struct nftnl_lib, set_free, nftnl_set_free),
	LAZY_SYMBOL(struct nftnl_lib, set_nlmsg_parse, nftnl_set_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, set_get_str, nftnl_set_get_str),
	LAZY_SYMBOL(struct nftnl_lib, set_get_u32, nftnl_set_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, set_is_set, nftnl_set_is_set),
	LAZY_SYMBOL(struct nftnl_lib, set_set_str, nftnl_set_set_str),
	LAZY_SYMBOL(struct nftnl_lib, set_set_u32, nftnl_set_set_u32),
	LAZY_SYMBOL(struct nftnl_lib, set_elems_nlmsg_build_payload, nftnl_set_elems_nlmsg_build_payload),
	LAZY_SYMBOL(struct nftnl_lib, set_elems_nlmsg_parse, nftnl_set_elems_nlmsg_parse),
	LAZY_SYMBOL(struct nftnl_lib, set_elems_iter_create, nftnl_set_elems_iter_create),
	LAZY_SYMBOL(struct nftnl_lib, set_elems_iter_next, nftnl_set_elems_iter_next),
	LAZY_SYMBOL(struct nftnl_lib, set_elems_iter_destroy, nftnl_set_elems_iter_destroy),
	LAZY_SYMBOL(struct nftnl_lib, set_elem_get, nftnl_set_elem_get),
	LAZY_SYMBOL(struct nftnl_lib, set_elem_get_u32, nftnl_set_elem_get_u32),
	LAZY_SYMBOL(struct nftnl_lib, set_elem_get_str, nftnl_set_elem_get_str),
	LAZY_SYMBOL(struct nftnl_lib, set_elem_is_set, nftnl_set_elem_is_set),
};

static struct lazy_lib lib = {
	.symbols = symbols,
	.n_symbols = sizeof(symbols) / sizeof(symbols[0]),
	.table = &table,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	lazy_lib_load(&lib, nftnl_lib_soname);
}

const struct nftnl_lib *nftnl_lib_get(char *why, size_t size)
{
	pthread_once(&lib.once, load);
	return lazy_lib_table(&lib, why, size);
}

bool nftnl_lib_loaded(void)
{
	return lib.loaded;
}
