/* Libraries loaded on demand (src/dynlib/lib_*.c): a probe that does not
 * need its library never loads it, and a library that cannot be loaded
 * makes the probe SKIP (or, for chrony, fall back) with dlopen's reason.
 *
 * The tests run in this order in one process: first the "never loaded"
 * ones with the real SONAMEs, then the loaders are pointed at libraries
 * that do not exist (each loader tries once per process). This binary is
 * not linked with any of the five libraries, so dlopen(RTLD_NOLOAD) tells
 * whether the code under test loaded one. */
#include "report_fixture.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "checks/yaml_doc.h"
#include "dynlib/lazy_lib.h"
#include "dynlib/lib_bpf.h"
#include "dynlib/lib_crypto.h"
#include "dynlib/lib_devmapper.h"
#include "dynlib/lib_kmod.h"
#include "dynlib/lib_sdbus.h"
#include "dynlib/lib_selinux.h"
#include "dynlib/lib_yaml.h"
#include "dynlib/sha256.h"
#include "evidence/evidence.h"
#include "evidence/signing.h"
#include "observer/observer.h"
#include "report/pci_map.h"

#define MISSING_KMOD "libcisreport-test-missing-kmod.so.9"
#define MISSING_DM "libcisreport-test-missing-devmapper.so.9"
#define MISSING_YAML "libcisreport-test-missing-yaml.so.9"
#define MISSING_SYSTEMD "libcisreport-test-missing-systemd.so.9"
#define MISSING_CRYPTO "libcisreport-test-missing-crypto.so.9"
#define MISSING_BPF "libcisreport-test-missing-bpf.so.9"
#define MISSING_SELINUX "libcisreport-test-missing-selinux.so.9"
#define NOT_FOUND "cannot open shared object file: No such file or directory"

#define UDF "{\"module\":\"udf\",\"filesystem\":\"udf\"}"
#define DM_PARAMS "{\"cmdline\":[\"root=/dev/dm-0\"],\"device\":\"root\",\"mountpoint\":\"/\"}"
#define KUBELET "{\"path\":\"/etc/kubernetes/kubelet/config\",\"field\":\"authentication.anonymous.enabled\",\"test\":\"is_false\",\"default\":false}"

static bool is_loaded(const char *soname)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
	if (h)
		dlclose(h);
	return h != NULL;
}

static void assert_not_loaded(const char *soname)
{
	if (is_loaded(soname))
		fail_msg("%s is loaded, but nothing here needed it", soname);
}

static bool kernel_has_device_mapper(void)
{
	FILE *f = fopen("/proc/devices", "r");
	char line[128];
	bool has = false;
	while (f && fgets(line, sizeof(line), f))
		has = has || strstr(line, " device-mapper\n");
	if (f)
		fclose(f);
	return has;
}

static void assert_actual_contains(const struct check_result *r, const char *item,
				   const char *needle)
{
	const struct evidence *e = find_evidence(r, item);
	if (!strstr(e->actual, needle))
		fail_msg("%s: '%s' does not contain '%s'", item, e->actual, needle);
}

/* ---- not needed, not loaded (real SONAMEs) ---- */

static void nothing_loaded_at_start(void **state)
{
	(void)state;
	assert_not_loaded(CISREPORT_KMOD_SONAME);
	assert_not_loaded(CISREPORT_DEVMAPPER_SONAME);
	assert_not_loaded(CISREPORT_YAML_SONAME);
	assert_not_loaded(CISREPORT_CRYPTO_SONAME);
	assert_not_loaded("libnftnl.so.11");
	assert_not_loaded("libmnl.so.0");
	assert_not_loaded(CISREPORT_SELINUX_SONAME);
#ifdef CISREPORT_HAVE_SYSTEMD
	assert_not_loaded(CISREPORT_SYSTEMD_SONAME);
#endif
#ifdef CISREPORT_HAVE_BPF
	assert_not_loaded(CISREPORT_LIBBPF_SONAME);
#endif
}

/* No /proc/modules: nothing can be loaded, so the modprobe configuration
 * (libkmod's job) is not read at all. */
static void kmod_not_loaded_without_module_support(void **state)
{
	(void)state;
	char *t = make_temp_dir();
	write_file(t, "proc/sys/kernel/osrelease", "6.1.119\n", 0644);
	write_file(t, "proc/filesystems", "nodev\tsysfs\n\text4\n", 0444);
	struct check_result r;
	run_kind("module_disabled", UDF, t, &r);
	assert_result(&r, CHECK_PASS, NULL);
	assert_actual_contains(&r, "install command", "not applicable: without loadable module support");
	result_free(&r);
	rm_tree(t);
	free(t);
	assert_not_loaded(CISREPORT_KMOD_SONAME);
}

/* Offline root: the captured table is read. Live host without
 * device-mapper in the kernel: nothing to ask. */
static void devmapper_not_loaded_without_device_mapper(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("dm_verity", DM_PARAMS, "dm_verity-corrupted", &r);
	assert_result(&r, CHECK_FAIL, NULL);
	result_free(&r);
	if (!kernel_has_device_mapper()) {
		run_kind("dm_verity", DM_PARAMS, NULL, &r);
		assert_actual_contains(&r, "dm table root",
				       "not applicable: the kernel has no device-mapper");
		result_free(&r);
	}
	assert_not_loaded(CISREPORT_DEVMAPPER_SONAME);
}

/* The ASFF options of the export tests: short ids, no hashing. */
static struct writer_options asff_options(const struct host_identity *id)
{
	return (struct writer_options){.host = id,
				       .aws_account = "123456789012",
				       .aws_region = "eu-west-1",
				       .resource_id = "i-0123456789abcdef0"};
}

/* A report, written in every format (ASFF ids short enough to keep
 * whole), and openssl_fips over an offline root: no SHA-256, no
 * signature, no agent's OpenSSL to examine, so no libcrypto. */
static void crypto_not_loaded_by_reports_and_exports(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	static const char *const formats[] = {"text", "json", "ssm", "xccdf", "asff", "junit"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct writer_options o = asff_options(&f.id);
		int rc;
		char *out = fixture_write(formats[i], &f.r, &o, &rc);
		if (rc || !out[0])
			fail_msg("%s: rc %d, %zu bytes", formats[i], rc, strlen(out));
		free(out);
	}
	fixture_free(&f);
	struct check_result r;
	run_kind("openssl_fips", NULL, "fips-enabled", &r);
	assert_result(&r, CHECK_SKIP, "examined on the live host only (--root given)");
	result_free(&r);
	assert_not_loaded(CISREPORT_CRYPTO_SONAME);
}

#ifdef CISREPORT_HAVE_SYSTEMD
/* A live chrony config in a scratch directory, checked on the live host. */
static void run_live_chrony(struct check_result *r)
{
	char *t = make_temp_dir();
	chmod(t, 0755);
	write_file(t, "chrony.conf", "pool 2.pool.ntp.org iburst\n", 0644);
	char params[PATH_MAX + 128];
	snprintf(params, sizeof(params),
		 "{\"config\":\"%s/chrony.conf\",\"service\":\"chronyd.service\",\"process\":\"chronyd\"}",
		 t);
	run_kind("chrony", params, NULL, r);
	rm_tree(t);
	free(t);
}

/* No system bus socket and no $DBUS_SYSTEM_BUS_ADDRESS: the process table
 * answers and libsystemd stays out of the process. */
static void sdbus_not_loaded_without_system_bus(void **state)
{
	(void)state;
	if (access("/run/dbus/system_bus_socket", F_OK) == 0)
		skip(); /* this host has a system bus */
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	struct check_result r;
	run_live_chrony(&r);
	assert_actual_contains(&r, "chronyd running",
			       "; system bus unavailable: no /run/dbus/system_bus_socket");
	result_free(&r);
	struct check_result offline;
	run_kind("chrony", "{\"config\":\"/etc/chrony.conf\",\"service\":\"chronyd.service\",\"process\":\"chronyd\"}",
		 "hardened", &offline);
	assert_result(&offline, CHECK_PASS, NULL);
	result_free(&offline);
	assert_not_loaded(CISREPORT_SYSTEMD_SONAME);
}
#endif

/* ---- the library cannot be loaded ---- */

static void kmod_missing_skips(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("module_disabled", UDF, "hardened", &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot read the modprobe configuration: " MISSING_KMOD
		      " not available: " MISSING_KMOD ": " NOT_FOUND);
	assert_string_equal(check_outcome_name(r.outcome), "unable_to_check");
	result_free(&r);
	/* and the same reason again: the loader tries once */
	char why[512];
	assert_null(kmod_lib_get(why, sizeof(why)));
	assert_string_equal(why, MISSING_KMOD " not available: " MISSING_KMOD ": " NOT_FOUND);
	assert_not_loaded(CISREPORT_KMOD_SONAME);
}

/* selinuxfs mounted (the hardened tree) but no libselinux: SKIP, naming
 * the library, after the mount table said SELinux is enabled. */
static void selinux_missing_skips(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("selinux", "{\"mode\":\"enforcing\"}", "hardened", &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot read the kernel's SELinux state: " MISSING_SELINUX
		      " not available: " MISSING_SELINUX ": " NOT_FOUND);
	result_free(&r);
	assert_not_loaded(CISREPORT_SELINUX_SONAME);
}

static void yaml_missing_skips(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("kubelet_config", KUBELET, "k8s-hardened", &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot parse /etc/kubernetes/kubelet/config: " MISSING_YAML
		      " not available: " MISSING_YAML ": " NOT_FOUND);
	result_free(&r);
	struct ydoc *d = NULL;
	struct ydoc_error err;
	assert_int_equal(ydoc_load("a: 1\n", 5, NULL, &d, &err), -ELIBACC);
	assert_null(d);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, MISSING_YAML " not available: " MISSING_YAML ": " NOT_FOUND);
}

/* The probe itself only reaches libdevmapper on a kernel with
 * device-mapper; the loader's answer is checked everywhere. */
static void devmapper_missing_skips(void **state)
{
	(void)state;
	char why[512];
	assert_null(devmapper_lib_get(why, sizeof(why)));
	assert_string_equal(why, MISSING_DM " not available: " MISSING_DM ": " NOT_FOUND);
	if (!kernel_has_device_mapper())
		skip(); /* no device-mapper here: dm_verity never asks (see above) */
	struct check_result r;
	run_kind("dm_verity", "{\"device\":\"root\"}", NULL, &r);
	assert_result(&r, CHECK_SKIP,
		      "cannot query device-mapper device root: " MISSING_DM " not available: ");
	assert_actual_contains(&r, "dm table root", "unknown: cannot query device-mapper device root: ");
	result_free(&r);
}

#ifdef CISREPORT_HAVE_SYSTEMD
/* There is a bus to ask but no libsystemd: the process table decides, and
 * the evidence says why systemd was not asked. */
static void sdbus_missing_falls_back_to_process_table(void **state)
{
	(void)state;
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/run/cisreport-test-no-bus", 1);
	struct check_result r;
	run_live_chrony(&r);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	const struct evidence *e = find_evidence(&r, "chronyd running");
	if (!strstr(e->actual, " in /proc") ||
	    !strstr(e->actual, "; cannot ask systemd: " MISSING_SYSTEMD " not available: " MISSING_SYSTEMD ": " NOT_FOUND))
		fail_msg("chronyd running: %s", e->actual);
	assert_true(r.status == CHECK_PASS || r.status == CHECK_FAIL);
	result_free(&r);
}
#endif

#define CRYPTO_REASON MISSING_CRYPTO " not available: " MISSING_CRYPTO ": " NOT_FOUND

/* No bundle without hashes: evidence, verify and key loading say why,
 * and nothing is left on disk. */
static void crypto_missing_evidence_is_an_error(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct pci_map pci;
	char err[1024];
	assert_int_equal(pci_map_load(PROFILES "/" PCI_MAP_FILE, &pci, err, sizeof(err)), 0);
	char *work = make_temp_dir();
	char bundle[PATH_MAX];
	snprintf(bundle, sizeof(bundle), "%s/bundle", work);
	struct evidence_input in = {.report = &f.r, .profile = &f.p, .host = &f.id, .pci = &pci};
	assert_int_equal(evidence_bundle_write(bundle, &in, err, sizeof(err)), -ELIBACC);
	assert_string_equal(err, "cannot hash the bundle's files (SHA-256): " CRYPTO_REASON);
	DIR *d = opendir(work);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fail_msg("left behind: %s", de->d_name);
	closedir(d);

	/* verify: no verdict (not "problems found"), and the reason */
	mkdir(bundle, 0755);
	write_file(bundle, EVIDENCE_MANIFEST, "", 0644);
	struct evidence_verification v;
	char *problems = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&problems, &len);
	assert_int_equal(evidence_bundle_verify(bundle, NULL, out, &v, err, sizeof(err)),
			 -ELIBACC);
	fclose(out);
	assert_string_equal(err, "cannot check SHA-256 hashes or signatures: " CRYPTO_REASON);
	assert_string_equal(problems, "");
	free(problems);

	/* a key file: read, but not parsed */
	write_file(work, "key.pem", "-----BEGIN PRIVATE KEY-----\n", 0600);
	char key[PATH_MAX];
	snprintf(key, sizeof(key), "%s/key.pem", work);
	EVP_PKEY *pkey = NULL;
	assert_int_equal(sign_key_load_private(key, &pkey, err, sizeof(err)), -ELIBACC);
	assert_null(pkey);
	char want[PATH_MAX + 256];
	snprintf(want, sizeof(want), "%s: cannot read the key: " CRYPTO_REASON, key);
	assert_string_equal(err, want);
	char hex[65];
	assert_int_equal(sha256_hex("x", 1, hex), -ELIBACC);

	rm_tree(work);
	free(work);
	pci_map_free(&pci);
	fixture_free(&f);
}

/* ASFF needs libcrypto only for an id too long to keep whole: short ids
 * are written as ever, a long one is an output error naming the library. */
static void crypto_missing_asff_long_id_is_an_error(void **state)
{
	(void)state;
	struct report_fixture f;
	fixture_run(&f, FIXTURE_CHECKS);
	struct writer_options o = asff_options(&f.id);
	int rc;
	char *out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"Id\":\"cisreport/i-0123456789abcdef0/bottlerocket/br01040100\""));
	free(out);
	fixture_free(&f);

	char name[601];
	memcpy(name, "long-", 5);
	memset(name + 5, 'a', 595);
	name[600] = '\0';
	char checks[1024];
	snprintf(checks, sizeof(checks),
		 "{\"name\":\"%s\",\"id\":\"9.9\",\"title\":\"Long\",\"mode\":\"Automatic\","
		 "\"kind\":\"sysctl\",\"params\":{\"keys\":{\"fs.suid_dumpable\":\"0\"}},"
		 "\"remediation\":\"Set fs.suid_dumpable = 0\"}",
		 name);
	fixture_run(&f, checks);
	char why[1024] = "";
	o = asff_options(&f.id);
	o.error = why;
	o.error_size = sizeof(why);
	out = fixture_write("asff", &f.r, &o, &rc);
	assert_int_equal(rc, -ELIBACC);
	assert_string_equal(out, "");
	assert_string_equal(why, "asff: cannot shorten an id of 643 bytes (ASFF allows 512) with its SHA-256: " CRYPTO_REASON);
	free(out);
	fixture_free(&f);
}

/* openssl_fips examines the agent's own OpenSSL: there is none to examine. */
static void crypto_missing_openssl_fips_skips(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("openssl_fips", NULL, NULL, &r);
	assert_result(&r, CHECK_SKIP, "cannot examine the agent's OpenSSL: " CRYPTO_REASON);
	assert_string_equal(check_outcome_name(r.outcome), "unable_to_check");
	const struct evidence *e = find_evidence(&r, "OpenSSL library");
	assert_false(e->ok);
	assert_string_equal(e->actual, CRYPTO_REASON);
	result_free(&r);
	assert_not_loaded(CISREPORT_CRYPTO_SONAME);
}

/* ---- the loader itself ---- */

struct libc_table {
	__typeof__(getpid) *getpid;
	__typeof__(getppid) *getppid;
};

static void missing_symbol_is_a_reason(void **state)
{
	(void)state;
	struct libc_table table = {0};
	static const struct lazy_symbol good[] = {
		LAZY_SYMBOL(struct libc_table, getpid, getpid),
		LAZY_SYMBOL(struct libc_table, getppid, getppid),
	};
	struct lazy_lib ok = {.symbols = good, .n_symbols = 2, .table = &table};
	lazy_lib_load(&ok, "libc.so.6");
	char why[512] = "";
	const struct libc_table *t = lazy_lib_table(&ok, why, sizeof(why));
	assert_non_null(t);
	assert_int_equal(t->getpid(), getpid());
	assert_int_equal(t->getppid(), getppid());

	static const struct lazy_symbol bad[] = {
		{"getpid", offsetof(struct libc_table, getpid)},
		{"cisreport_no_such_function", offsetof(struct libc_table, getppid)},
	};
	struct libc_table table2 = {0};
	struct lazy_lib missing = {.symbols = bad, .n_symbols = 2, .table = &table2};
	lazy_lib_load(&missing, "libc.so.6");
	assert_null(lazy_lib_table(&missing, why, sizeof(why)));
	if (strncmp(why, "libc.so.6 not usable: ", 22) != 0 ||
	    !strstr(why, "undefined symbol: cisreport_no_such_function"))
		fail_msg("reason: %s", why);
}

#ifdef CISREPORT_HAVE_BPF
/* An observer made and freed without starting loads nothing; one that
 * cannot load libbpf says so (the runtime checks SKIP with that reason). */
static void bpf_missing_observer_says_why(void **state)
{
	(void)state;
	struct observer *idle = observer_new(NULL);
	assert_non_null(idle);
	observer_free(idle);
	assert_not_loaded(CISREPORT_LIBBPF_SONAME);
	struct observer *o = observer_new(NULL);
	assert_non_null(o);
	char err[512];
	assert_true(observer_start(o, err, sizeof(err)) < 0);
	assert_string_equal(err, "cannot load the eBPF programs: " MISSING_BPF " not available: " MISSING_BPF
			    ": " NOT_FOUND);
	observer_free(o);
	assert_not_loaded(CISREPORT_LIBBPF_SONAME);
}
#endif

/* The firewall checks read nf_tables over a netlink socket of their own,
 * live or over a tree: no library (libnftnl, libmnl) is loaded, none can be
 * missing. Not root: the kernel's EPERM, said as such. */
static void firewall_needs_no_library(void **state)
{
	(void)state;
	struct check_result r;
	run_kind("firewall_loopback", "{\"family\":\"ipv4\",\"source\":\"127.0.0.0/8\"}", NULL, &r);
	if (r.status == CHECK_SKIP)
		assert_non_null(strstr(r.error, "nf_tables"));
	result_free(&r);
	run_kind("firewall_policy", "{\"family\":\"ipv4\",\"chains\":{\"INPUT\":\"DROP\"}}",
		 "hardened", &r);
	assert_result(&r, CHECK_PASS, NULL);
	result_free(&r);
	assert_not_loaded("libnftnl.so.11");
	assert_not_loaded("libmnl.so.0");
}

static int point_at_missing_libraries(void **state)
{
	(void)state;
	kmod_lib_soname = MISSING_KMOD;
	devmapper_lib_soname = MISSING_DM;
	yaml_lib_soname = MISSING_YAML;
	selinux_lib_soname = MISSING_SELINUX;
	crypto_lib_soname = MISSING_CRYPTO;
#ifdef CISREPORT_HAVE_BPF
	bpf_lib_soname = MISSING_BPF;
#endif
#ifdef CISREPORT_HAVE_SYSTEMD
	sdbus_lib_soname = MISSING_SYSTEMD;
#endif
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_loaded_at_start),
		cmocka_unit_test(kmod_not_loaded_without_module_support),
		cmocka_unit_test(devmapper_not_loaded_without_device_mapper),
		cmocka_unit_test(crypto_not_loaded_by_reports_and_exports),
#ifdef CISREPORT_HAVE_SYSTEMD
		cmocka_unit_test(sdbus_not_loaded_without_system_bus),
#endif
		cmocka_unit_test_setup(kmod_missing_skips, point_at_missing_libraries),
		cmocka_unit_test(yaml_missing_skips),
		cmocka_unit_test(selinux_missing_skips),
		cmocka_unit_test(devmapper_missing_skips),
		cmocka_unit_test(firewall_needs_no_library),
		cmocka_unit_test(crypto_missing_evidence_is_an_error),
		cmocka_unit_test(crypto_missing_asff_long_id_is_an_error),
		cmocka_unit_test(crypto_missing_openssl_fips_skips),
#ifdef CISREPORT_HAVE_SYSTEMD
		cmocka_unit_test(sdbus_missing_falls_back_to_process_table),
#endif
#ifdef CISREPORT_HAVE_BPF
		cmocka_unit_test(bpf_missing_observer_says_why),
#endif
		cmocka_unit_test(missing_symbol_is_a_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
