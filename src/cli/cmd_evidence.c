/* cisreport evidence: run the report and write a PCI DSS 2.2 evidence
 * bundle (docs/evidence.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "observe.h"
#include "core/host.h"
#include "core/host_identity.h"
#include "dynlib/lib_crypto.h"
#include "evidence/evidence.h"
#include "formats/writer.h"
#include "observer/observer.h"
#include "report/pci_map.h"
#include "report/profile.h"
#include "report/report.h"
#include "settings/report_build.h"
#include "settings/settings.h"
#include "util/safe_file.h"

struct evidence_cli {
	const char *output, *check_dir, *type, *root, *sign_key, *pci_map;
	const char *settings; /* --settings FILE: waivers (and the default level) */
	long observe_ms;      /* --observe DURATION; 0 = off */
	int level;
	bool level_given;
};

static void evidence_usage(FILE *out)
{
	fprintf(out,
		"Usage: cisreport evidence -o BUNDLE [OPTIONS]\n"
		"Run the report and write a PCI DSS v4.0 requirement 2.2 evidence bundle: a new\n"
		"directory with the report (JSON and text), the profiles and settings used, host\n"
		"identity, the 2.2.x mapping, the waivers (active and expired, with the checks'\n"
		"real status), the runtime observations, a SHA-256 manifest and, with\n"
		"--sign-key, a detached signature. Check it with 'cisreport verify'.\n\n"
		"  -o, --output BUNDLE   the bundle directory to create (must not exist)\n"
		"  -c, --check-dir DIR   profile directory [default: %s]\n"
		"  -t, --type TYPE       benchmark: bottlerocket, kubernetes or fips\n"
		"                        [default: as for the report]\n"
		"  -l, --level N         levels 0..N, N from 0 to 255 [default: the settings'\n"
		"                        level, else 1]\n"
		"      --root DIR        read host state under DIR instead of /\n"
		"      --settings FILE   apply this settings file's waivers (cisreportd's\n"
		"                        settings.json); the file is copied into the bundle\n"
		"      --observe DURATION  watch the host (eBPF) for DURATION (e.g. 30s, 5m,\n"
		"                        1h) before the report, and add the runtime checks and\n"
		"                        their observations; Ctrl-C ends the window early\n"
		"      --sign-key KEY    sign the manifest with this PEM private key\n"
		"                        (Ed25519, ECDSA, or RSA >= 2048 bits; unencrypted)\n"
		"      --pci-map FILE    the 2.2.x mapping [default: DIR/" PCI_MAP_FILE "]\n"
		"  -h, --help            this help\n\n"
		"Exit status: 0 bundle written, 1 usage error, 2 no checks found or bad profile\n"
		"or mapping, 3 bundle not written, 4 bundle written but no check could run.\n",
		CISREPORT_PROFILE_DIR);
}

static int evidence_error(const char *msg, const char *arg)
{
	fprintf(stderr, "cisreport evidence: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	fputs("Try 'cisreport evidence --help' for the options.\n", stderr);
	return EXIT_USAGE;
}

static int parse_evidence_args(int argc, char **argv, struct evidence_cli *c)
{
	enum { OPT_ROOT = 256, OPT_SIGN_KEY, OPT_PCI_MAP, OPT_SETTINGS, OPT_OBSERVE };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"check-dir", required_argument, NULL, 'c'},
		{"type", required_argument, NULL, 't'},
		{"level", required_argument, NULL, 'l'},
		{"root", required_argument, NULL, OPT_ROOT},
		{"sign-key", required_argument, NULL, OPT_SIGN_KEY},
		{"pci-map", required_argument, NULL, OPT_PCI_MAP},
		{"settings", required_argument, NULL, OPT_SETTINGS},
		{"observe", required_argument, NULL, OPT_OBSERVE},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*c = (struct evidence_cli){.level = 1};
	optind = 1;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, ":o:c:t:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			c->output = optarg;
			break;
		case 'c':
			c->check_dir = optarg;
			break;
		case 't':
			c->type = optarg;
			break;
		case 'l':
			c->level = report_parse_level(optarg);
			if (c->level < 0)
				return evidence_error("invalid level, a number from 0 to 255:", optarg);
			c->level_given = true;
			break;
		case OPT_ROOT:
			c->root = optarg;
			break;
		case OPT_SIGN_KEY:
			c->sign_key = optarg;
			break;
		case OPT_PCI_MAP:
			c->pci_map = optarg;
			break;
		case OPT_SETTINGS:
			c->settings = optarg;
			break;
		case OPT_OBSERVE:
			if (observe_parse_duration(optarg, &c->observe_ms))
				return evidence_error("invalid --observe duration: use 100ms to 24h, "
						      "e.g. 30s, 5m, 1h:", optarg);
			break;
		case 'h':
			evidence_usage(stdout);
			exit(0);
		case ':':
			return evidence_error("option needs a value:", argv[optind - 1]);
		default:
			return evidence_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return evidence_error("unexpected argument", argv[optind]);
	if (!c->output || !c->output[0])
		return evidence_error("-o BUNDLE is required (the bundle directory to create)", NULL);
	if (c->observe_ms && c->root && strcmp(c->root, "/") != 0)
		return evidence_error("--observe watches the live host; it cannot be combined with --root",
				      NULL);
	return 0;
}

/* The settings file, read once: the bytes copied into the bundle are the
 * bytes whose waivers the report applied. Validated as settings_load does
 * (a full document over the defaults; expired waivers are kept). A missing
 * file is an error here: a bundle claiming waivers must have them. */
static int load_settings_file(const char *path, struct settings *s, char **text, size_t *len,
			      char *err, size_t err_size)
{
	*text = NULL;
	*len = 0;
	char *buf;
	size_t n;
	int rc = safe_read(AT_FDCWD, path, 0, SETTINGS_MAX_FILE, &buf, &n);
	if (rc) {
		if (rc == -EFBIG)
			snprintf(err, err_size, "%s: larger than %u bytes", path, SETTINGS_MAX_FILE);
		else
			snprintf(err, err_size, "%s: %s", path, safe_strerror(rc));
		return rc;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		free(buf);
		return -EINVAL;
	}
	struct settings defaults;
	rc = settings_init(&defaults);
	char msg[512] = "out of memory";
	if (!rc)
		rc = settings_patch(&defaults, doc, NULL, s, msg, sizeof(msg));
	settings_free(&defaults);
	json_decref(doc);
	if (rc) {
		snprintf(err, err_size, "%s: %s", path, msg);
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

static void said_removed(const char *tmp, void *arg)
{
	(void)arg;
	fprintf(stderr, "cisreport evidence: removed %s, left by an interrupted run\n", tmp);
}

int cmd_evidence(int argc, char **argv)
{
	struct evidence_cli c;
	int rc = parse_evidence_args(argc, argv, &c);
	if (rc)
		return rc;
	if (!c.check_dir)
		c.check_dir = default_check_dir();
	if (!dir_exists(c.check_dir)) {
		fprintf(stderr, "cisreport evidence: check directory %s is not a directory\n",
			c.check_dir);
		return EXIT_CHECKS_NOT_FOUND;
	}

	/* What an interrupted run (kill -9, power loss) left beside the
	 * bundle goes first; a running writer's is left alone. */
	evidence_bundle_remove_stale(c.output, said_removed, NULL);
	/* Fail before running anything: an existing bundle, a bad key, bad
	 * settings. */
	char err[1024];
	struct stat st;
	if (lstat(c.output, &st) == 0) {
		fprintf(stderr,
			"cisreport evidence: %s already exists; a bundle is never overwritten, choose a new path\n",
			c.output);
		return EXIT_USAGE;
	}
	/* Every file of the bundle is hashed (and the manifest signed) with
	 * libcrypto, loaded now rather than after the checks have run. */
	char lib_why[512];
	if (!crypto_lib_get(lib_why, sizeof(lib_why))) {
		fprintf(stderr, "cisreport evidence: cannot hash or sign a bundle: %s\n", lib_why);
		return EXIT_OUTPUT_ERROR;
	}
	if (c.sign_key) {
		EVP_PKEY *key;
		if (sign_key_load_private(c.sign_key, &key, err, sizeof(err)) < 0) {
			fprintf(stderr, "cisreport evidence: --sign-key %s\n", err);
			return EXIT_USAGE;
		}
		sign_key_free(key);
	}
	struct settings settings;
	char *settings_text = NULL;
	size_t settings_len = 0;
	if (c.settings) {
		if (load_settings_file(c.settings, &settings, &settings_text, &settings_len, err,
				       sizeof(err)) < 0) {
			fprintf(stderr, "cisreport evidence: --settings %s\n", err);
			return EXIT_USAGE;
		}
		if (!c.level_given)
			c.level = settings.level;
	}

	int exit_code = 0;
	struct profile p;
	struct pci_map pci = {0};
	struct host h = {0};
	struct host_identity id = {0};
	bool have_profile = false, have_host = false, have_id = false;
	rc = profile_load(c.check_dir, c.type, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", err);
		exit_code = EXIT_CHECKS_NOT_FOUND;
		goto out;
	}
	have_profile = true;
	rc = cli_load_pci_map(c.pci_map, c.check_dir, &pci, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", err);
		exit_code = EXIT_CHECKS_NOT_FOUND;
		goto out;
	}
	rc = host_init(&h, c.root);
	if (rc) {
		fprintf(stderr, "cisreport evidence: --root %s: %s\n", c.root, strerror(-rc));
		exit_code = EXIT_USAGE;
		goto out;
	}
	have_host = true;
	if (host_identity_read(&h, &id) < 0) {
		fprintf(stderr, "cisreport evidence: out of memory\n");
		exit_code = EXIT_OUTPUT_ERROR;
		goto out;
	}
	have_id = true;

	/* --observe: as the report does (src/cli/main.c); the runtime checks
	 * report why if the observer cannot start, so it stays attached. */
	struct evidence_observation observation = {.requested_ms = c.observe_ms};
	char oerr[256] = "";
	if (c.observe_ms) {
		h.observer = observer_new(NULL);
		if (!h.observer) {
			fprintf(stderr, "cisreport evidence: out of memory\n");
			exit_code = EXIT_NO_CHECK_RAN;
			goto out;
		}
		int started = observer_start(h.observer, oerr, sizeof(oerr));
		/* the window opens once the programs are attached */
		clock_gettime(CLOCK_REALTIME, &observation.started);
		if (started < 0) {
			fprintf(stderr, "cisreport evidence: runtime observation unavailable: %s\n",
				oerr);
			observation.unavailable = oerr;
		} else {
			observation.observed_ms = observe_wait(c.observe_ms, isatty(STDERR_FILENO));
		}
		clock_gettime(CLOCK_REALTIME, &observation.ended);
	}

	struct report r = {0};
	struct report_selection sel = {.level = c.level};
	rc = report_build(&h, &p, &sel, c.settings ? &settings : NULL, &r);
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", strerror(-rc));
		exit_code = EXIT_NO_CHECK_RAN;
	} else if (r.n_entries == 0) {
		fprintf(stderr, "cisreport evidence: no checks of level <= %d selected\n", c.level);
		exit_code = EXIT_CHECKS_NOT_FOUND;
	} else {
		/* the bundle names the file an assessor can find again */
		char *settings_abs = c.settings ? realpath(c.settings, NULL) : NULL;
		struct evidence_input in = {.report = &r,
					    .profile = &p,
					    .host = &id,
					    .pci = &pci,
					    .sign_key = c.sign_key,
					    .settings = c.settings ? &settings : NULL,
					    .settings_path = settings_abs ? settings_abs : c.settings,
					    .settings_text = settings_text,
					    .settings_len = settings_len,
					    .observation = c.observe_ms ? &observation : NULL};
		rc = evidence_bundle_write(c.output, &in, err, sizeof(err));
		free(settings_abs);
		if (rc) {
			fprintf(stderr, "cisreport evidence: %s\n", err);
			exit_code = EXIT_OUTPUT_ERROR;
		} else {
			printf("Evidence bundle written: %s (%s, level %d: %s; %zu passed, %zu failed, %zu skipped; %s)\n",
			       c.output, r.bm->name, r.level, check_status_name(r.status), r.passed,
			       r.failed, r.skipped, c.sign_key ? "signed" : "unsigned");
			if (r.status == CHECK_SKIP) {
				fprintf(stderr, "Warning: No checks were able to run\n");
				exit_code = EXIT_NO_CHECK_RAN;
			}
		}
	}
	report_free(&r);
out:
	if (have_id)
		host_identity_free(&id);
	if (have_host) {
		observer_free(h.observer);
		host_free(&h);
	}
	pci_map_free(&pci);
	if (have_profile)
		profile_free(&p);
	if (c.settings) {
		settings_free(&settings);
		free(settings_text);
	}
	return exit_code;
}
