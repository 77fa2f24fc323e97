/* cisreport evidence: run the report and write a PCI DSS 2.2 evidence
 * bundle (docs/evidence.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../report/evidence.h"
#include "../report/host.h"
#include "../report/host_identity.h"
#include "../report/pci_map.h"
#include "../report/profile.h"
#include "../report/report.h"
#include "cli.h"
#include "config.h"

struct evidence_cli {
	const char *output, *check_dir, *type, *root, *sign_key, *pci_map;
	int level;
};

static void evidence_usage(FILE *out)
{
	fprintf(out,
		"Usage: cisreport evidence -o BUNDLE [OPTIONS]\n"
		"Run the report and write a PCI DSS v4.0 requirement 2.2 evidence bundle: a new\n"
		"directory with the report (JSON and text), the profiles used, host identity,\n"
		"the 2.2.x mapping, waivers, runtime observations, a SHA-256 manifest and,\n"
		"with --sign-key, a detached signature. Check it with 'cisreport verify'.\n\n"
		"  -o, --output BUNDLE   the bundle directory to create (must not exist)\n"
		"  -c, --check-dir DIR   profile directory [default: %s]\n"
		"  -t, --type TYPE       benchmark type [default: as for the report]\n"
		"  -l, --level N         level 1 or 2 [default: 1]\n"
		"      --root DIR        read host state under DIR instead of /\n"
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
	enum { OPT_ROOT = 256, OPT_SIGN_KEY, OPT_PCI_MAP };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"check-dir", required_argument, NULL, 'c'},
		{"type", required_argument, NULL, 't'},
		{"level", required_argument, NULL, 'l'},
		{"root", required_argument, NULL, OPT_ROOT},
		{"sign-key", required_argument, NULL, OPT_SIGN_KEY},
		{"pci-map", required_argument, NULL, OPT_PCI_MAP},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*c = (struct evidence_cli){.level = 1};
	optind = 1;
	opterr = 0;
	int opt;
	long v;
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
			if (!parse_int(optarg, 1, 2, &v))
				return evidence_error("invalid level, options are 1 or 2:", optarg);
			c->level = (int)v;
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
	return 0;
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
	if (!c.type)
		c.type = type_from_dir(c.check_dir);

	/* Fail before running anything: an existing bundle, a bad key. */
	char err[1024];
	struct stat st;
	if (lstat(c.output, &st) == 0) {
		fprintf(stderr,
			"cisreport evidence: %s already exists; a bundle is never overwritten, choose a new path\n",
			c.output);
		return EXIT_USAGE;
	}
	if (c.sign_key) {
		EVP_PKEY *key;
		if (sign_key_load_private(c.sign_key, &key, err, sizeof(err)) < 0) {
			fprintf(stderr, "cisreport evidence: --sign-key %s\n", err);
			return EXIT_USAGE;
		}
		EVP_PKEY_free(key);
	}

	struct profile p;
	rc = profile_load(c.check_dir, c.type, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", err);
		return EXIT_CHECKS_NOT_FOUND;
	}
	struct pci_map pci;
	rc = cli_load_pci_map(c.pci_map, c.check_dir, &pci, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", err);
		profile_free(&p);
		return EXIT_CHECKS_NOT_FOUND;
	}
	struct host h;
	rc = host_init(&h, c.root);
	if (rc) {
		fprintf(stderr, "cisreport evidence: --root %s: %s\n", c.root, strerror(-rc));
		pci_map_free(&pci);
		profile_free(&p);
		return EXIT_USAGE;
	}
	struct host_identity id;
	struct report r = {0};
	int exit_code = 0;
	if (host_identity_read(&h, &id) < 0) {
		fprintf(stderr, "cisreport evidence: out of memory\n");
		host_free(&h);
		pci_map_free(&pci);
		profile_free(&p);
		return EXIT_OUTPUT_ERROR;
	}
	struct report_selection sel = {.level = c.level};
	rc = report_run(&h, &p, &sel, &r);
	if (rc) {
		fprintf(stderr, "cisreport evidence: %s\n", strerror(-rc));
		exit_code = EXIT_NO_CHECK_RAN;
	} else if (r.n_entries == 0) {
		fprintf(stderr, "cisreport evidence: no checks of level <= %d selected\n", c.level);
		exit_code = EXIT_CHECKS_NOT_FOUND;
	} else {
		/* INTEGRATION(settings): when --settings FILE exists, pass its
		 * waivers (and the file's path) here as in.waivers and
		 * in.waivers_source; until then waivers.json lists those the
		 * report's entries carry. */
		struct evidence_input in = {.report = &r,
					    .profile = &p,
					    .host = &id,
					    .pci = &pci,
					    .sign_key = c.sign_key};
		rc = evidence_bundle_write(c.output, &in, err, sizeof(err));
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
	host_identity_free(&id);
	host_free(&h);
	pci_map_free(&pci);
	profile_free(&p);
	return exit_code;
}
