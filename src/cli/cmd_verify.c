/* cisreport verify: check an evidence bundle's manifest and signature. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evidence/evidence.h"

static void verify_usage(FILE *out)
{
	fputs("Usage: cisreport verify BUNDLE [--key PUB.pem]\n"
	      "Check an evidence bundle: every file's SHA-256 against manifest.sha256, that no\n"
	      "file is missing or added, and the signature of the manifest. With --key the\n"
	      "signature must verify with that public key (a signed bundle is then required);\n"
	      "without it a signature is checked against the bundle's own signer.pub.pem,\n"
	      "which proves integrity but not who signed.\n\n"
	      "  -k, --key PUB.pem     the signer's public key (PEM; a private key also works)\n"
	      "  -h, --help            this help\n\n"
	      "Exit status: 0 verified, 1 usage error, unreadable bundle/key, or libcrypto\n"
	      "(which checks the hashes) cannot be loaded, 5 verification failed (each\n"
	      "problem is printed).\n",
	      out);
}

static int verify_error(const char *msg, const char *arg)
{
	fprintf(stderr, "cisreport verify: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	fputs("Try 'cisreport verify --help' for the options.\n", stderr);
	return EXIT_USAGE;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *key = NULL;
	optind = 1;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, ":k:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			exit(0);
		case ':':
			return verify_error("option needs a value:", argv[optind - 1]);
		default:
			return verify_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return verify_error("which bundle? Give its directory: cisreport verify BUNDLE", NULL);
	if (optind + 1 < argc)
		return verify_error("one bundle at a time; unexpected", argv[optind + 1]);
	const char *bundle = argv[optind];

	struct evidence_verification v;
	char err[1024];
	fflush(stdout);
	int rc = evidence_bundle_verify(bundle, key, stderr, &v, err, sizeof(err));
	if (rc == -EBADMSG) {
		fprintf(stderr, "%s: FAILED: %zu problem%s\n", bundle, v.problems,
			v.problems == 1 ? "" : "s");
		return EXIT_VERIFY_FAILED;
	}
	if (rc) {
		fprintf(stderr, "cisreport verify: %s\n", err);
		return EXIT_USAGE;
	}
	printf("%s: OK: %zu files match manifest.sha256", bundle, v.files);
	if (!v.is_signed)
		printf("; unsigned\n");
	else if (v.key_given)
		printf("; signature valid (%s, key %s)\n", v.algorithm, v.fingerprint);
	else
		printf("; signature valid with the bundle's own key (%s, %s): give --key to check who signed\n",
		       v.algorithm, v.fingerprint);
	return 0;
}
