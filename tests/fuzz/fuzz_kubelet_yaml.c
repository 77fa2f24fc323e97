/* A kubelet configuration file: libyaml through checks/yaml_doc.c (limits,
 * anchors, duplicate keys), the lookups the kubelet_config kind makes, the
 * YAML 1.2 core-schema resolution of each scalar, Go durations. */
#include "fuzz.h"
#include "checks/go_duration.h"
#include "checks/yaml_doc.h"

static const char *const fields[] = {
	"kind", "authentication.anonymous.enabled", "authentication.webhook.enabled",
	"authentication.x509.clientCAFile", "authorization.mode", "readOnlyPort",
	"streamingConnectionIdleTimeout", "protectKernelDefaults", "makeIPTablesUtilChains",
	"eventRecordQPS", "tlsCertFile", "tlsPrivateKeyFile", "rotateCertificates",
	"featureGates.RotateKubeletServerCertificate", "serverTLSBootstrap", "tlsCipherSuites",
	NULL,
};

static void walk(const struct ynode *n, unsigned depth)
{
	if (!n || depth > 100)
		return;
	if (n->type == YNODE_SCALAR) {
		struct yscalar v = ynode_resolve(n);
		(void)yscalar_kind_name(v.kind);
		int64_t ns;
		go_duration_parse(n->value, n->len, &ns, NULL);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->type == YNODE_SEQUENCE) {
			walk(n->items[i], depth + 1);
		} else {
			walk(n->pairs[i].key, depth + 1);
			walk(n->pairs[i].value, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ydoc_limits limits = YDOC_DEFAULT_LIMITS;
	struct ydoc *d;
	struct ydoc_error err;
	if (ydoc_load((const char *)data, size, &limits, &d, &err) != 0)
		return 0;
	for (size_t i = 0; fields[i]; i++) {
		const struct ynode *out = NULL, *bad = NULL;
		char at[256];
		size_t dups = 0;
		ydoc_lookup(d, fields[i], &out, &bad, at, sizeof(at), &dups);
	}
	walk(ydoc_root(d), 0);
	ydoc_free(d);
	return 0;
}
