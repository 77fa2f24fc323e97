/* cisreport: run a CIS benchmark report once and write it. The flags are
 * bloodhound's (-c -f -l -o), so Bottlerocket's API server can run it. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "observe.h"
#include "checks/kind.h"
#include "core/host.h"
#include "formats/ssm_inventory.h"
#include "formats/writer.h"
#include "observer/observer.h"
#include "report/pci_map.h"
#include "report/profile.h"
#include "report/report.h"
#include "settings/report_build.h"
#include "settings/settings.h"
#include "util/atomic_file.h"

struct cli {
	const char *check_dir;
	const char *format;
	const char *output;
	const char *type;
	const char *root;
	bool host_root; /* --host-root: root is this machine's, mounted */
	const char *settings; /* --settings FILE: defaults and waivers */
	char *only_arg;
	int level;
	int fail_exit; /* --exit-code N; 0 = off */
	long observe_ms; /* --observe DURATION; 0 = off */
	long checker_timeout_ms; /* --checker-timeout DURATION; 0 = default */
	bool list, verbose;
	bool runtime; /* --runtime: the runtime report, not the benchmark */
	/* exports */
	bool ssm_inventory;
	const char *ssm_dir; /* --ssm-inventory DIR; NULL: find the agent's */
	const char *aws_account, *aws_region, *resource_id;
	bool level_given, format_given;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cisreport [OPTIONS]\n"
		"       cisreport evidence -o BUNDLE [OPTIONS]   (PCI DSS 2.2 evidence bundle)\n"
		"       cisreport verify BUNDLE [--key PUB.pem]\n"
		"Run a CIS benchmark report against this host and write it.\n\n"
		"  -c, --check-dir DIR   profile directory (holds level0/, level1/ ...),\n"
		"                        bloodhound's flag; --checks DIR is an alias\n"
		"                        [default: %s]\n"
		"  -t, --type TYPE       benchmark: bottlerocket, kubernetes, fips, or\n"
		"                        fips-agent (this agent's OpenSSL FIPS provider)\n"
		"                        [default: the type DIR/metadata.json names,\n"
		"                        else the only type in DIR, else bottlerocket]\n"
		"  -l, --level N         run the checks of levels 0..N, N from 0 to 255\n"
		"                        [default: 1]\n"
		"  -f, --format FORMAT   %s [default: text]\n"
		"  -o, --output FILE     write to FILE atomically [default: stdout]\n"
		"  -v, --verbose         text: show evidence, reasons and remediation\n"
		"      --root DIR        read host state under DIR instead of / (an offline\n"
		"                        tree: no commands, no netlink, no observer)\n"
		"      --host-root DIR   DIR is this machine's root filesystem mounted into\n"
		"                        a container: files under DIR, the kernel live\n"
		"      --settings FILE   cisreportd settings (waivers; default level and\n"
		"                        format when -l/-f are not given)\n"
		"      --check ID[,ID]   run only these checks (name or benchmark id)\n"
		"      --list            list the checks (name, id, level, mode, kind, title)\n"
		"      --exit-code N     exit with N (1-255) when any check FAILs\n"
		"      --ssm-inventory [DIR]  also write SSM custom inventory files into DIR\n"
		"                        [default: the SSM agent's inventory/custom folder]\n"
		"      --aws-account ID  asff: AWS account [env CISREPORT_AWS_ACCOUNT, AWS_ACCOUNT_ID]\n"
		"      --aws-region R    asff: AWS region [env AWS_REGION, AWS_DEFAULT_REGION]\n"
		"      --resource-id ID  asff: instance id (i-..., mi-...) or ARN the findings are\n"
		"                        about [env CISREPORT_RESOURCE_ID; default: this host]\n"
		"      --checker-timeout DURATION  how long each bloodhound checker in DIR\n"
		"                        may run (e.g. 500ms, 10s) [default: 10s]\n"
		"      --observe DURATION  watch what the host does (eBPF) for DURATION\n"
		"                        (e.g. 30s, 5m, 1h), then report with the runtime\n"
		"                        checks; Ctrl-C ends the window early\n"
		"      --runtime         report the runtime checks (what --observe saw)\n"
		"                        instead of the benchmark; without --observe they\n"
		"                        SKIP saying so\n"
		"  -h, --help            this help\n"
		"  -V, --version         version and build features\n\n"
		"Exit status: 0 report written, 1 usage error, 2 no checks found or bad\n"
		"profile, 3 output error, 4 no check could run, N with --exit-code N.\n",
		CISREPORT_PROFILE_DIR, report_writer_names());
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cisreport: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cisreport --help' for the options.\n", stderr);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	enum {
		OPT_ROOT = 256,
		OPT_CHECK,
		OPT_LIST,
		OPT_EXIT_CODE,
		OPT_SSM_INVENTORY,
		OPT_AWS_ACCOUNT,
		OPT_AWS_REGION,
		OPT_RESOURCE_ID,
		OPT_OBSERVE,
		OPT_SETTINGS,
		OPT_RUNTIME,
		OPT_CHECKER_TIMEOUT,
		OPT_HOST_ROOT,
	};
	static const struct option opts[] = {
		{"check-dir", required_argument, NULL, 'c'},
		{"checks", required_argument, NULL, 'c'}, /* an alias; bloodhound's is check-dir */
		{"format", required_argument, NULL, 'f'},
		{"level", required_argument, NULL, 'l'},
		{"output", required_argument, NULL, 'o'},
		{"type", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"root", required_argument, NULL, OPT_ROOT},
		{"host-root", required_argument, NULL, OPT_HOST_ROOT},
		{"check", required_argument, NULL, OPT_CHECK},
		{"list", no_argument, NULL, OPT_LIST},
		{"exit-code", required_argument, NULL, OPT_EXIT_CODE},
		{"ssm-inventory", optional_argument, NULL, OPT_SSM_INVENTORY},
		{"aws-account", required_argument, NULL, OPT_AWS_ACCOUNT},
		{"aws-region", required_argument, NULL, OPT_AWS_REGION},
		{"resource-id", required_argument, NULL, OPT_RESOURCE_ID},
		{"observe", required_argument, NULL, OPT_OBSERVE},
		{"settings", required_argument, NULL, OPT_SETTINGS},
		{"runtime", no_argument, NULL, OPT_RUNTIME},
		{"checker-timeout", required_argument, NULL, OPT_CHECKER_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	*c = (struct cli){.format = "text", .level = 1};
	opterr = 0;
	int opt;
	long v;
	while ((opt = getopt_long(argc, argv, ":c:f:l:o:t:vhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c->check_dir = optarg;
			break;
		case 'f':
			if (!report_writer_find(optarg))
				return usage_error("invalid format '%s', options are: %s", optarg,
						   report_writer_names());
			c->format = optarg;
			c->format_given = true;
			break;
		case 'l':
			c->level = report_parse_level(optarg);
			if (c->level < 0)
				return usage_error("invalid level '%s': a number from 0 to 255 (checks of levels 0 to N run)",
						   optarg);
			c->level_given = true;
			break;
		case 'o':
			c->output = optarg;
			break;
		case 't':
			if (!*optarg)
				return usage_error("empty --type; use bottlerocket, kubernetes or fips");
			c->type = optarg;
			break;
		case 'v':
			c->verbose = true;
			break;
		case OPT_ROOT:
		case OPT_HOST_ROOT:
			if (c->root)
				return usage_error("--root and --host-root: one root (--root for an offline tree, --host-root for this machine's mounted root)");
			c->root = optarg;
			c->host_root = opt == OPT_HOST_ROOT;
			break;
		case OPT_CHECK:
			c->only_arg = optarg;
			break;
		case OPT_SETTINGS:
			c->settings = optarg;
			break;
		case OPT_LIST:
			c->list = true;
			break;
		case OPT_RUNTIME:
			c->runtime = true;
			break;
		case OPT_EXIT_CODE:
			if (!parse_int(optarg, 1, 255, &v))
				return usage_error("invalid --exit-code '%s', use a number 1-255", optarg);
			c->fail_exit = (int)v;
			break;
		case OPT_SSM_INVENTORY:
			/* "--ssm-inventory DIR" as well as "--ssm-inventory=DIR":
			 * the report takes no operands, so a following word is DIR. */
			c->ssm_inventory = true;
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			c->ssm_dir = optarg;
			break;
		case OPT_AWS_ACCOUNT:
			c->aws_account = optarg;
			break;
		case OPT_AWS_REGION:
			c->aws_region = optarg;
			break;
		case OPT_RESOURCE_ID:
			c->resource_id = optarg;
			break;
		case OPT_OBSERVE:
			if (observe_parse_duration(optarg, &c->observe_ms))
				return usage_error("invalid --observe '%s': use a duration from 100ms "
						   "to 24h, e.g. 30s, 5m, 1h", optarg);
			break;
		case OPT_CHECKER_TIMEOUT:
			if (observe_parse_duration(optarg, &c->checker_timeout_ms) ||
			    c->checker_timeout_ms > 3600000)
				return usage_error("invalid --checker-timeout '%s': use a duration from "
						   "100ms to 1h, e.g. 500ms, 10s", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("cisreport %s\nfeatures: %s\n", CISREPORT_VERSION, CISREPORT_FEATURES);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (c->observe_ms && c->root && strcmp(c->root, "/") != 0 && !c->host_root)
		return usage_error("--observe watches the live host; it cannot be combined with --root");
	return 0;
}

/* "a,b,c" -> NULL-terminated list (pointing into s, which it modifies). */
static const char **split_ids(char *s)
{
	size_t n = 1;
	for (char *p = s; *p; p++)
		n += *p == ',';
	const char **list = calloc(n + 1, sizeof(*list));
	if (!list)
		return NULL;
	size_t i = 0;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
		list[i++] = tok;
	return list;
}

static void list_checks(const struct profile *p)
{
	printf("%-12s %-9s %-5s %-9s %-14s %s\n", "NAME", "ID", "LEVEL", "MODE", "KIND", "TITLE");
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct check_def *c = &p->checks[i];
		printf("%-12s %-9s %-5d %-9s %-14s %s\n", c->name, c->id, c->level,
		       c->manual ? "Manual" : "Automatic", c->kind_name, c->title);
	}
}

static int write_report(const struct cli *c, const struct report *r,
			const struct writer_options *base)
{
	const struct report_writer *w = report_writer_find(c->format);
	struct writer_options wo = *base;
	char why[1024] = ""; /* the writer's own explanation, when it has one */
	wo.error = why;
	wo.error_size = sizeof(why);
	/* A stale errno (e.g. from probing the profile directory) must not be
	 * reported as the cause of a write error. */
	errno = 0;
	if (!c->output) {
		if (w->write(r, &wo, stdout) < 0 || fflush(stdout) == EOF) {
			fprintf(stderr, "cisreport: error writing report to stdout: %s\n",
				why[0] ? why : strerror(errno ? errno : EIO));
			return EXIT_OUTPUT_ERROR;
		}
		return 0;
	}
	struct atomic_file af;
	int rc = atomic_open(&af, c->output, 0644);
	if (rc) {
		fprintf(stderr, "cisreport: cannot write %s: %s\n", c->output, strerror(-rc));
		return EXIT_OUTPUT_ERROR;
	}
	errno = 0;
	if (w->write(r, &wo, af.f) < 0) {
		int err = errno ? errno : EIO; /* e.g. ENOSPC from a buffered write */
		atomic_abort(&af);
		fprintf(stderr, "cisreport: cannot write %s: %s\n", c->output,
			why[0] ? why : strerror(err));
		return EXIT_OUTPUT_ERROR;
	}
	rc = atomic_commit(&af);
	if (rc) {
		fprintf(stderr, "cisreport: cannot write %s: %s\n", c->output, strerror(-rc));
		return EXIT_OUTPUT_ERROR;
	}
	return 0;
}

/* --ssm-inventory: the agent's folder (or DIR), both files atomically. */
static int write_ssm_inventory(const struct cli *c, const struct host *h, const struct report *r,
			       const struct writer_options *wo)
{
	char dir[PATH_MAX], err[1024];
	if (c->ssm_dir) {
		snprintf(dir, sizeof(dir), "%s", c->ssm_dir);
	} else if (ssm_inventory_dir(h, dir, sizeof(dir), err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreport: --ssm-inventory: %s\n", err);
		return EXIT_OUTPUT_ERROR;
	}
	if (ssm_inventory_write(dir, r, wo, err, sizeof(err)) < 0) {
		fprintf(stderr, "cisreport: --ssm-inventory: %s\n", err);
		return EXIT_OUTPUT_ERROR;
	}
	return 0;
}
static int cli_run(const struct cli *cp, const struct settings *settings,
		   struct writer_options wo);

/* jansson seeds its hash function from /dev/urandom (open, read, close) on
 * first use unless given a seed: getrandom(2) is one call. */
static void seed_json_hash(void)
{
	size_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
		json_object_seed(seed);
}

int main(int argc, char **argv)
{
	seed_json_hash();
	profile_use_shipped(&cisreport_shipped_profiles);
	/* Subcommands: the report itself takes no operands. */
	if (argc > 1 && strcmp(argv[1], "evidence") == 0)
		return cmd_evidence(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	struct cli c;
	int rc = parse_args(argc, argv, &c);
	if (rc)
		return rc;
	if (!c.check_dir)
		c.check_dir = default_check_dir();
	if (!dir_exists(c.check_dir)) {
		fprintf(stderr, "cisreport: check directory %s is not a directory\n", c.check_dir);
		return EXIT_CHECKS_NOT_FOUND;
	}

	struct settings settings;
	bool have_settings = false;
	if (c.settings) {
		char serr[1024];
		bool missing;
		rc = settings_load(c.settings, &settings, &missing, serr, sizeof(serr));
		if (!rc && missing) {
			settings_free(&settings);
			snprintf(serr, sizeof(serr), "%s: %s", c.settings, strerror(ENOENT));
			rc = -ENOENT;
		}
		if (rc) {
			fprintf(stderr, "cisreport: --settings %s\n", serr);
			return EXIT_USAGE;
		}
		have_settings = true;
		if (!c.level_given)
			c.level = settings.level;
		if (!c.format_given)
			c.format = settings.format;
	}
	struct writer_options wo = {.verbose = c.verbose,
				    .aws_account = c.aws_account,
				    .aws_region = c.aws_region,
				    .resource_id = c.resource_id};
	const struct report_writer *w = report_writer_find(c.format);
	char opt_err[512];
	if (w->check_options && w->check_options(&wo, opt_err, sizeof(opt_err)) < 0) {
		if (have_settings)
			settings_free(&settings);
		return usage_error("%s", opt_err);
	}
	rc = cli_run(&c, have_settings ? &settings : NULL, wo);
	if (have_settings)
		settings_free(&settings);
	return rc;
}

static int cli_run(const struct cli *cp, const struct settings *settings,
		   struct writer_options wo)
{
	struct cli c = *cp;
	int rc;

	struct profile p;
	char err[4096];
	if (c.checker_timeout_ms)
		host_set_checker_timeout((int)c.checker_timeout_ms);
	/* A report of levels 0..N reads no profile of a level above N; the
	 * list shows every level, and --check names checks of any level (one
	 * above N is then "not selected", not unknown). */
	rc = profile_load_levels(c.check_dir, c.type, c.list || c.only_arg ? INT_MAX : c.level,
				 &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cisreport: %s\n", err);
		return EXIT_CHECKS_NOT_FOUND;
	}
	for (size_t i = 0; i < p.n_warnings; i++)
		fprintf(stderr, "cisreport: warning: %s\n", p.warnings[i]);
	if (c.list) {
		list_checks(&p);
		profile_free(&p);
		return 0;
	}

	const char **only = NULL;
	if (c.only_arg) {
		only = split_ids(c.only_arg);
		for (size_t i = 0; only && only[i]; i++) {
			if (!profile_find_check(&p, only[i])) {
				fprintf(stderr,
					"cisreport: --check: no check named '%s' in benchmark %s (see --list)\n",
					only[i], p.bm.type);
				free(only);
				profile_free(&p);
				return EXIT_USAGE;
			}
		}
	}

	struct host h;
	rc = c.host_root ? host_init_mounted(&h, c.root) : host_init(&h, c.root);
	if (rc) {
		fprintf(stderr, "cisreport: %s %s: %s\n", c.host_root ? "--host-root" : "--root", c.root,
			strerror(-rc));
		free(only);
		profile_free(&p);
		return EXIT_USAGE;
	}
	/* ASFF names the PCI DSS requirements a check evidences, when the
	 * mapping is installed; without it the findings simply omit them. */
	struct pci_map pci = {0};
	char pci_err[1024];
	if (strcmp(c.format, "asff") == 0 &&
	    cli_load_pci_map(NULL, c.check_dir, &pci, pci_err, sizeof(pci_err)) == 0)
		wo.pci = &pci;
	if (c.observe_ms) {
		/* The runtime checks report why if it cannot start: keep it attached
		 * either way. */
		h.observer = observer_new(NULL);
		if (!h.observer) {
			fprintf(stderr, "cisreport: out of memory\n");
			pci_map_free(&pci);
			host_free(&h);
			free(only);
			profile_free(&p);
			return EXIT_NO_CHECK_RAN;
		}
		char oerr[256];
		if (observer_start(h.observer, oerr, sizeof(oerr)) < 0)
			fprintf(stderr, "cisreport: runtime observation unavailable: %s\n", oerr);
		else
			observe_wait(c.observe_ms, isatty(STDERR_FILENO));
	}
	struct report r;
	struct report_selection sel = {
		.level = c.level, .view = c.runtime ? REPORT_RUNTIME : REPORT_BENCHMARK, .only = only};
	rc = report_build(&h, &p, &sel, settings, &r);
	/* The formats that name the host read its identity through h, after
	 * the report: what it shares with the checks (osrelease) is the
	 * report's own read. */
	wo.report_host = &h;
	int exit_code = 0;
	if (rc) {
		fprintf(stderr, "cisreport: %s\n", strerror(-rc));
		exit_code = EXIT_NO_CHECK_RAN;
	} else if (r.n_entries == 0) {
		fprintf(stderr, "cisreport: no %schecks of level <= %d selected\n",
			c.runtime ? "runtime " : "", c.level);
		exit_code = EXIT_CHECKS_NOT_FOUND;
	} else {
		exit_code = write_report(&c, &r, &wo);
		if (!exit_code && c.ssm_inventory)
			exit_code = write_ssm_inventory(&c, &h, &r, &wo);
		if (!exit_code && r.status == CHECK_SKIP) {
			fprintf(stderr, "Warning: No checks were able to run\n");
			exit_code = EXIT_NO_CHECK_RAN;
		} else if (!exit_code && c.fail_exit && r.failed) {
			exit_code = c.fail_exit;
		}
	}
	observer_free(h.observer);
	host_free(&h); /* its processes: checkers still running are killed */
#if !CISREPORT_FREE_AT_EXIT
	/* The rest is memory, which the kernel takes back at exit faster than
	 * free() hands it back piece by piece (the profile's and the report's
	 * trees). The sanitizer build frees it all, so that leak checking
	 * still sees an owner for every allocation. */
	return exit_code;
#endif
	report_free(&r);
	pci_map_free(&pci);
	free(only);
	profile_free(&p);
	return exit_code;
}
