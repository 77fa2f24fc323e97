/* apiclient: the subset of Bottlerocket's apiclient that talks to
 * cisreportd — the same command words and flags for the report commands
 * (`apiclient report cis -l 2 -f json`), plus get/set for the settings and
 * raw requests. HTTP over the Unix socket through libcurl. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"

#define DEFAULT_SOCKET "/run/cisreport/api.sock"
#define MAX_RESPONSE (256u << 20)
#define REQUEST_TIMEOUT_S 300L

/* Bottlerocket's apiclient exit codes: 2 usage, 1 failed request. */
enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

static bool verbose;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: apiclient [-s|--socket-path PATH] [-v] SUBCOMMAND [OPTION]...\n\n"
		"Global options:\n"
		"    -s, --socket-path PATH     Server socket.  Default: %s\n"
		"    -v, --verbose              Print the HTTP status to stderr.\n\n"
		"Subcommands:\n"
		"    report cis                 Retrieve a Bottlerocket CIS benchmark compliance report.\n"
		"    report cis-k8s             Retrieve a Kubernetes CIS benchmark compliance report.\n"
		"    report fips                Retrieve a FIPS security policy report.\n"
		"    report runtime             Retrieve the runtime observation report (cisreport's:\n"
		"                               the eBPF runtime checks, outside the CIS report).\n"
		"    report watch [-f text|json]\n"
		"                               Print drift events (a check's status changed) as\n"
		"                               they come, until interrupted.\n"
		"    get [settings | /URI]      Print the settings (or the JSON at URI).\n"
		"    set waiver CHECK --reason TEXT --expires RFC3339 --approved-by NAME\n"
		"                               Waive a check (it still runs; reports show the waiver).\n"
		"    set waiver CHECK --remove  Remove a waiver.\n"
		"    set KEY=VALUE ...          Change level, format or observer.\n"
		"    set -j, --json JSON        Change settings given as a JSON object.\n"
		"    patch settings JSON        PATCH /settings with JSON as it is.\n"
		"    raw -u URI [-m METHOD] [-d DATA]\n"
		"                               Make an HTTP request and print the response.\n\n"
		"report cis options:\n"
		"    -f, --format FORMAT        Format of the report (text or json). Default is text.\n"
		"    -l, --level LEVEL          CIS compliance level to report on (1 or 2). Default is 1.\n"
		"    -t, --type TYPE            Benchmark type. Default is bottlerocket.\n\n"
		"report cis-k8s options:\n"
		"    -f, --format FORMAT        Format of the report (text or json). Default is text.\n"
		"    -l, --level LEVEL          CIS compliance level to report on (1 or 2). Default is 1.\n\n"
		"report fips options:\n"
		"    -f, --format FORMAT        Format of the report (text or json). Default is text.\n\n"
		"report runtime options: those of report cis.\n",
		DEFAULT_SOCKET);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

struct buffer {
	char *data;
	size_t len;
	bool too_big;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buffer *b = userdata;
	size_t n = size * nmemb;
	if (b->len + n > MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	char *d = realloc(b->data, b->len + n + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, ptr, n);
	b->data = d;
	b->len += n;
	d[b->len] = '\0';
	return n;
}

static const char *reason_phrase(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 422: return "Unprocessable Entity";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

/* The server's message: the "error" of a JSON body, else the body. */
static void print_server_error(const char *method, const char *uri, long code,
			       const struct buffer *body)
{
	const char *msg = body->data ? body->data : "";
	json_t *doc = body->data ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	const char *error = json_string_value(json_object_get(doc, "error"));
	if (error)
		msg = error;
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	fprintf(stderr, "Failed %s request to '%s': Status %ld %s: %.*s\n", method, uri, code,
		reason_phrase(code), (int)n, msg);
	json_decref(doc);
}

/* One request. On success (2xx) *body is the response; otherwise the error
 * is printed and EXIT_FAILED returned. */
static int request(const char *socket_path, const char *method, const char *uri,
		   const char *data, struct buffer *body)
{
	memset(body, 0, sizeof(*body));
	CURL *c = curl_easy_init();
	if (!c) {
		fprintf(stderr, "Failed %s request to '%s': cannot initialise libcurl\n", method, uri);
		return EXIT_FAILED;
	}
	char *url = NULL;
	if (asprintf(&url, "http://localhost%s", uri) < 0) {
		curl_easy_cleanup(c);
		return EXIT_FAILED;
	}
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (data) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(data));
	}
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	free(url);
	if (rc != CURLE_OK) {
		fprintf(stderr, "Failed %s request to '%s' on %s: %s\n", method, uri, socket_path,
			body->too_big ? "response too large" : curl_err[0] ? curl_err
									    : curl_easy_strerror(rc));
		free(body->data);
		body->data = NULL;
		return EXIT_FAILED;
	}
	if (verbose)
		fprintf(stderr, "%ld %s\n", code, reason_phrase(code));
	if (code < 200 || code > 299) {
		print_server_error(method, uri, code, body);
		free(body->data);
		body->data = NULL;
		return EXIT_FAILED;
	}
	return 0;
}

/* ---- report ----------------------------------------------------------- */

static char *escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	if (!e) {
		fputs("apiclient: out of memory\n", stderr);
		exit(EXIT_FAILED);
	}
	return e;
}

static void append_query(char *uri, size_t size, const char *key, const char *value)
{
	char *v = escape(value);
	size_t used = strlen(uri);
	bool first = uri[used - 1] == '?';
	snprintf(uri + used, size - used, "%s%s=%s", first ? "" : "&", key, v);
	curl_free(v);
}

/* ---- report watch: the drift events as they come --------------------- */

struct sse {
	char line[16384];
	size_t len;
	bool json;
	bool overflow;
	char last_id[24]; /* for Last-Event-ID on reconnect */
	long code;
	CURL *c;
};

static void print_event(struct sse *st, const char *data)
{
	if (st->json) {
		printf("%s\n", data);
	} else {
		json_t *ev = json_loads(data, 0, NULL);
		const char *at = json_string_value(json_object_get(ev, "at"));
		const char *check = json_string_value(json_object_get(ev, "check"));
		const char *id = json_string_value(json_object_get(ev, "id"));
		const char *from = json_string_value(json_object_get(ev, "from"));
		const char *to = json_string_value(json_object_get(ev, "to"));
		const char *cause = json_string_value(json_object_get(ev, "cause"));
		const char *evidence = json_string_value(json_object_get(ev, "evidence"));
		if (at && check && id && from && to)
			printf("%s %s (%s) %s -> %s: %s%s%s\n", at, check, id, from, to,
			       cause ? cause : "", evidence && *evidence ? "; " : "",
			       evidence ? evidence : "");
		else
			printf("%s\n", data);
		json_decref(ev);
	}
	fflush(stdout);
}

/* One line of the stream: "id: N", "data: {...}", comments and the rest
 * are skipped. */
static void sse_line(struct sse *st, const char *line)
{
	if (strncmp(line, "id: ", 4) == 0)
		snprintf(st->last_id, sizeof(st->last_id), "%s", line + 4);
	else if (strncmp(line, "data: ", 6) == 0)
		print_event(st, line + 6);
}

static size_t sse_write(char *ptr, size_t size, size_t n, void *cls)
{
	struct sse *st = cls;
	size_t total = size * n;
	if (!st->code)
		curl_easy_getinfo(st->c, CURLINFO_RESPONSE_CODE, &st->code);
	for (size_t i = 0; i < total; i++) {
		char ch = ptr[i];
		/* An error body (not 200) is kept whole for the message. */
		if (ch == '\n' && st->code == 200) {
			st->line[st->len] = '\0';
			if (!st->overflow)
				sse_line(st, st->line);
			st->len = 0;
			st->overflow = false;
		} else if (st->len + 1 < sizeof(st->line)) {
			st->line[st->len++] = ch;
		} else {
			st->overflow = true;
		}
	}
	return total;
}

/* GET /events until interrupted; a dropped stream is resumed after the
 * last event seen. An error answer (503: too many streams) ends it. */
static int cmd_watch(const char *socket_path, int argc, char **argv)
{
	struct sse st = {0};
	for (int i = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--format")) && i + 1 < argc) {
			const char *f = argv[++i];
			if (strcmp(f, "json") && strcmp(f, "text"))
				usage_msg("Invalid argument to -f | --format: text or json");
			st.json = strcmp(f, "json") == 0;
		} else {
			usage_msg("Unknown argument '%s'", argv[i]);
		}
	}
	for (;;) {
		CURL *c = curl_easy_init();
		if (!c)
			return EXIT_FAILED;
		st.c = c;
		st.code = 0;
		st.len = 0;
		char header[64];
		struct curl_slist *headers = NULL;
		if (st.last_id[0]) {
			snprintf(header, sizeof(header), "Last-Event-ID: %s", st.last_id);
			headers = curl_slist_append(headers, header);
		}
		char curl_err[CURL_ERROR_SIZE] = "";
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
		curl_easy_setopt(c, CURLOPT_URL, "http://localhost/events");
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
		CURLcode rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st.code);
		curl_slist_free_all(headers);
		curl_easy_cleanup(c);
		if (rc != CURLE_OK && st.code == 0) {
			fprintf(stderr, "Failed GET request to '/events' on %s: %s\n", socket_path,
				curl_err[0] ? curl_err : curl_easy_strerror(rc));
			return EXIT_FAILED;
		}
		if (st.code != 200) {
			struct buffer b = {.data = st.line, .len = st.len};
			print_server_error("GET", "/events", st.code, &b);
			return EXIT_FAILED;
		}
		sleep(1); /* the daemon restarted or closed the stream: resume */
	}
}

static int cmd_report(const char *socket_path, int argc, char **argv)
{
	if (argc < 1)
		usage_msg("Missing or unknown subcommand for 'report'");
	if (strcmp(argv[0], "watch") == 0)
		return cmd_watch(socket_path, argc - 1, argv + 1);
	const char *which = argv[0];
	bool cis = strcmp(which, "cis") == 0, k8s = strcmp(which, "cis-k8s") == 0,
	     fips = strcmp(which, "fips") == 0, runtime = strcmp(which, "runtime") == 0;
	cis |= runtime; /* the same options, another endpoint */
	if (!cis && !k8s && !fips)
		usage_msg("Missing or unknown subcommand for 'report'");
	const char *format = NULL, *level = NULL, *type = k8s ? "kubernetes" : "bottlerocket";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;
		if (!fips && (!strcmp(a, "-l") || !strcmp(a, "--level"))) {
			if (!has_value)
				usage_msg("Did not give argument to -l | --level");
			level = argv[++i];
			char *end;
			errno = 0;
			long v = strtol(level, &end, 10);
			if (errno || end == level || *end || v < -2147483648L || v > 2147483647L)
				usage_msg("Invalid argument to -l | --level");
		} else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
			if (!has_value)
				usage_msg("Did not give argument to -f | --format");
			format = argv[++i];
		} else if (cis && (!strcmp(a, "-t") || !strcmp(a, "--type"))) {
			if (!has_value)
				usage_msg("Did not give argument to -t | --type");
			type = argv[++i];
		} else {
			usage_msg("Unknown argument '%s'", a);
		}
	}
	/* The requests Bottlerocket's apiclient makes, byte for byte:
	 * /report/cis?type=T[&format=F][&level=L] and /report/fips?[format=F]. */
	char uri[1024];
	if (fips) {
		snprintf(uri, sizeof(uri), "/report/fips?");
	} else {
		snprintf(uri, sizeof(uri), runtime ? "/report/runtime?" : "/report/cis?");
		append_query(uri, sizeof(uri), "type", type);
	}
	if (format)
		append_query(uri, sizeof(uri), "format", format);
	if (level)
		append_query(uri, sizeof(uri), "level", level);
	struct buffer body;
	int rc = request(socket_path, "GET", uri, NULL, &body);
	if (rc)
		return rc;
	/* The body as it is, like Bottlerocket's apiclient. */
	if (body.len)
		fwrite(body.data, 1, body.len, stdout);
	free(body.data);
	return fflush(stdout) == 0 ? 0 : EXIT_FAILED;
}

/* ---- get / set / patch / raw ------------------------------------------ */

static int print_json(const struct buffer *body)
{
	json_t *doc = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	if (!doc) {
		fwrite(body->data, 1, body->len, stdout);
		return 0;
	}
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
	return 0;
}

static int cmd_get(const char *socket_path, int argc, char **argv)
{
	const char *uri = "/settings";
	if (argc > 1)
		usage_msg("You can only specify one URI.");
	if (argc == 1) {
		if (argv[0][0] == '/')
			uri = argv[0];
		else if (strcmp(argv[0], "settings") && strcmp(argv[0], "settings."))
			usage_msg("Unknown argument '%s' (use 'settings' or a /URI)", argv[0]);
	}
	struct buffer body;
	int rc = request(socket_path, "GET", uri, NULL, &body);
	if (rc)
		return rc;
	print_json(&body);
	free(body.data);
	return 0;
}

static int send_patch(const char *socket_path, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text) {
		fputs("apiclient: out of memory\n", stderr);
		return EXIT_FAILED;
	}
	struct buffer body;
	int rc = request(socket_path, "PATCH", "/settings", text, &body);
	free(text);
	free(body.data);
	return rc;
}

static int set_waiver(const char *socket_path, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-')
		usage_msg("Missing check name: set waiver CHECK --reason TEXT --expires RFC3339 --approved-by NAME");
	const char *check = argv[0], *reason = NULL, *expires = NULL, *approver = NULL;
	bool remove = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--reason")	  ? &reason
				    : !strcmp(a, "--expires")	  ? &expires
				    : !strcmp(a, "--approved-by") ? &approver
								  : NULL;
		if (slot) {
			if (i + 1 >= argc)
				usage_msg("Did not give argument to %s", a);
			*slot = argv[++i];
		} else if (!strcmp(a, "--remove")) {
			remove = true;
		} else {
			usage_msg("Unknown argument '%s'", a);
		}
	}
	json_t *waiver;
	if (remove) {
		if (reason || expires || approver)
			usage_msg("--remove takes no --reason, --expires or --approved-by");
		waiver = json_null();
	} else {
		if (!reason || !expires || !approver)
			usage_msg("A waiver needs --reason, --expires and --approved-by");
		waiver = json_pack("{s:s, s:s, s:s}", "reason", reason, "expires", expires,
				   "approved-by", approver);
		if (!waiver)
			usage_msg("--reason, --expires and --approved-by must be UTF-8 text");
	}
	return send_patch(socket_path, json_pack("{s:{s:o}}", "waivers", check, waiver));
}

/* KEY=VALUE: as Bottlerocket's apiclient guesses types — a boolean, then a
 * number, else a string. The "settings." prefix is optional. */
static json_t *guess_value(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return json_boolean(!strcmp(v, "true"));
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (*v && !*end && !errno)
		return json_integer(n);
	return json_string(v);
}

static int cmd_set(const char *socket_path, int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "waiver"))
		return set_waiver(socket_path, argc - 1, argv + 1);
	if (argc >= 1 && (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json"))) {
		if (argc != 2)
			usage_msg("Did not give argument to -j | --json");
		json_error_t jerr;
		json_t *doc = json_loads(argv[1], 0, &jerr);
		if (!doc)
			usage_msg("Couldn't parse given JSON input: %s", jerr.text);
		if (!json_is_object(doc))
			usage_msg("JSON input must be an object (map)");
		json_t *inner = json_object_get(doc, "settings");
		if (inner) { /* a "settings" layer around the data is removed */
			if (!json_is_object(inner))
				usage_msg("JSON 'settings' value must be an object (map)");
			json_incref(inner);
			json_object_del(doc, "settings");
			json_object_update(doc, inner);
			json_decref(inner);
		}
		return send_patch(socket_path, doc);
	}
	if (argc == 0)
		usage_msg("Must specify key=value settings, 'waiver ...' or --json settings with 'set'");
	json_t *doc = json_object();
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i])
			usage_msg("Unknown argument '%s'", argv[i]);
		char *key = strndup(argv[i], (size_t)(eq - argv[i]));
		const char *k = strncmp(key, "settings.", 9) == 0 ? key + 9 : key;
		json_t *v = guess_value(eq + 1);
		if (!v)
			usage_msg("Value of '%s' must be UTF-8 text", k);
		json_object_set_new(doc, k, v);
		free(key);
	}
	return send_patch(socket_path, doc);
}

static int cmd_patch(const char *socket_path, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "settings"))
		usage_msg("Usage: apiclient patch settings JSON");
	struct buffer body;
	int rc = request(socket_path, "PATCH", "/settings", argv[1], &body);
	free(body.data);
	return rc;
}

static int cmd_raw(const char *socket_path, int argc, char **argv)
{
	const char *method = "GET", *uri = NULL, *data = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "-u") || !strcmp(a, "--uri") ? &uri
				    : !strcmp(a, "-m") || !strcmp(a, "-X") || !strcmp(a, "--method")
					    ? &method
				    : !strcmp(a, "-d") || !strcmp(a, "--data") ? &data
									       : NULL;
		if (!slot)
			usage_msg("Unknown argument '%s'", a);
		if (i + 1 >= argc)
			usage_msg("Did not give argument to %s", a);
		*slot = argv[++i];
	}
	if (!uri)
		usage_msg("Missing required argument '--uri'");
	struct buffer body;
	int rc = request(socket_path, method, uri, data, &body);
	if (rc)
		return rc;
	if (body.len) {
		fwrite(body.data, 1, body.len, stdout);
		fputc('\n', stdout);
	}
	free(body.data);
	return 0;
}

int main(int argc, char **argv)
{
	const char *socket_path = DEFAULT_SOCKET;
	/* Global options may come anywhere, as in Bottlerocket's apiclient;
	 * the rest is the subcommand and its arguments, in order. */
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int n = 0;
	if (!rest)
		return EXIT_FAILED;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			free(rest);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("apiclient (cisreport) %s\n", CISREPORT_VERSION);
			free(rest);
			return 0;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket-path")) {
			if (i + 1 >= argc)
				usage_msg("Did not give argument to -s | --socket-path");
			socket_path = argv[++i];
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
		} else {
			rest[n++] = argv[i];
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("apiclient: cannot initialise libcurl\n", stderr);
		free(rest);
		return EXIT_FAILED;
	}
	int rc;
	const char *sub = n ? rest[0] : "raw"; /* raw is the default, as in Bottlerocket */
	int skip = n ? 1 : 0;
	if (!strcmp(sub, "report"))
		rc = cmd_report(socket_path, n - skip, rest + skip);
	else if (!strcmp(sub, "get"))
		rc = cmd_get(socket_path, n - skip, rest + skip);
	else if (!strcmp(sub, "set"))
		rc = cmd_set(socket_path, n - skip, rest + skip);
	else if (!strcmp(sub, "patch"))
		rc = cmd_patch(socket_path, n - skip, rest + skip);
	else if (!strcmp(sub, "raw"))
		rc = cmd_raw(socket_path, n - skip, rest + skip);
	else if (sub[0] == '-')
		rc = cmd_raw(socket_path, n, rest);
	else
		usage_msg("Missing or unknown subcommand");
	curl_global_cleanup();
	free(rest);
	return rc;
}
