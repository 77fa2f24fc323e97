#include "host_identity.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/utf8.h"

#define OS_RELEASE_MAX (64u << 10)

/* One small value file into buf; on failure buf is "" and the reason is
 * recorded under field. */
static int read_item(const struct host *h, struct host_identity *id, const char *field,
		     const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	int rc = host_read_value(h, path, buf, size);
	if (rc == 0) {
		/* Identity values are single tokens or lines: keep the first line. */
		buf[strcspn(buf, "\n")] = '\0';
		return 0;
	}
	buf[0] = '\0';
	char msg[512];
	snprintf(msg, sizeof(msg), "%s: %s", path, host_strerror(rc));
	json_t *s = json_string(msg);
	if (!s)
		s = json_string("unreadable");
	if (json_object_set_new(id->unreadable, field, s) < 0)
		return -ENOMEM;
	return rc == -ENOMEM ? -ENOMEM : 1;
}

static bool is_hex_id(const char *s)
{
	size_t n = strlen(s);
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Parse one os-release value: unquoted, "double" (with \ escapes) or
 * 'single' quoted. Returns a malloc'd string. */
static char *os_value(const char *v, size_t len)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
		char q = v[0];
		for (size_t i = 1; i + 1 < len; i++) {
			if (q == '"' && v[i] == '\\' && i + 2 < len)
				i++;
			out[o++] = v[i];
		}
	} else {
		memcpy(out, v, len);
		o = len;
	}
	out[o] = '\0';
	return out;
}

json_t *os_release_parse(const char *text)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	const char *p = text ? text : "";
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p;
		p = eol ? eol + 1 : p + len;
		while (len && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		if (!len || line[0] == '#')
			continue;
		const char *eq = memchr(line, '=', len);
		if (!eq || eq == line)
			continue;
		size_t klen = (size_t)(eq - line);
		bool key_ok = klen < 128;
		for (size_t i = 0; key_ok && i < klen; i++)
			key_ok = isupper((unsigned char)line[i]) || isdigit((unsigned char)line[i]) ||
				 line[i] == '_';
		if (!key_ok)
			continue;
		char key[128];
		memcpy(key, line, klen);
		key[klen] = '\0';
		char *raw = os_value(eq + 1, len - klen - 1);
		char *val = raw ? utf8_clean(raw, false) : NULL;
		free(raw);
		if (!val || json_object_set_new(obj, key, json_string(val)) < 0) {
			free(val);
			json_decref(obj);
			return NULL;
		}
		free(val);
	}
	return obj;
}

int host_identity_read(const struct host *h, struct host_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->unreadable = json_object();
	if (!id->unreadable)
		return -ENOMEM;
	int rc;
	struct utsname u;
	bool have_uname = h->live && !h->mounted && uname(&u) == 0;
	if (have_uname) {
		/* This machine: uname(2) is what the four kernel.* files show
		 * (hostname, osrelease, version, arch), in one call. */
		snprintf(id->hostname, sizeof(id->hostname), "%s", u.nodename);
		snprintf(id->kernel_release, sizeof(id->kernel_release), "%s", u.release);
		snprintf(id->kernel_version, sizeof(id->kernel_version), "%s", u.version);
		snprintf(id->arch, sizeof(id->arch), "%s", u.machine);
		rc = 0;
	} else if ((rc = read_item(h, id, "hostname", "/proc/sys/kernel/hostname", id->hostname,
				   sizeof(id->hostname))) > 0) {
		/* Not a live /proc (e.g. an image tree): the configured name. */
		char alt[256];
		if (host_read_value(h, "/etc/hostname", alt, sizeof(alt)) == 0 && alt[0]) {
			alt[strcspn(alt, "\n")] = '\0';
			snprintf(id->hostname, sizeof(id->hostname), "%s", alt);
			json_object_del(id->unreadable, "hostname");
		}
	}
	if (rc < 0)
		goto nomem;
	if (read_item(h, id, "machine_id", "/etc/machine-id", id->machine_id,
		      sizeof(id->machine_id)) < 0 ||
	    read_item(h, id, "boot_id", "/proc/sys/kernel/random/boot_id", id->boot_id,
		      sizeof(id->boot_id)) < 0 ||
	    (!have_uname &&
	     (read_item(h, id, "kernel_release", "/proc/sys/kernel/osrelease", id->kernel_release,
			sizeof(id->kernel_release)) < 0 ||
	      read_item(h, id, "kernel_version", "/proc/sys/kernel/version", id->kernel_version,
			sizeof(id->kernel_version)) < 0)))
		goto nomem;
	id->machine_id_valid = is_hex_id(id->machine_id);
	if (id->machine_id[0] && !id->machine_id_valid &&
	    json_object_set_new(id->unreadable, "machine_id",
				json_string("/etc/machine-id: not 32 hexadecimal digits")) < 0)
		goto nomem;

	rc = have_uname ? 0 : read_item(h, id, "arch", "/proc/sys/kernel/arch", id->arch, sizeof(id->arch));
	if (rc < 0)
		goto nomem;
	if (rc > 0 && h->live && uname(&u) == 0) {
		/* Kernels before 5.x have no kernel.arch sysctl. */
		snprintf(id->arch, sizeof(id->arch), "%s", u.machine);
		json_object_del(id->unreadable, "arch");
	}

	/* os-release(5): /etc first, /usr/lib as the fallback. */
	static const char *const os_paths[] = {"/etc/os-release", "/usr/lib/os-release"};
	int os_rc = 0;
	for (size_t i = 0; i < 2 && !id->os_release; i++) {
		char *text = NULL;
		os_rc = host_read_file(h, os_paths[i], OS_RELEASE_MAX, &text, NULL);
		if (os_rc == 0) {
			id->os_release = utf8_clean(text, false);
			free(text);
			if (!id->os_release)
				goto nomem;
			snprintf(id->os_release_path, sizeof(id->os_release_path), "%s", os_paths[i]);
		}
	}
	if (!id->os_release) {
		char msg[256];
		snprintf(msg, sizeof(msg), "/etc/os-release and /usr/lib/os-release: %s",
			 host_strerror(os_rc));
		if (json_object_set_new(id->unreadable, "os_release", json_string(msg)) < 0)
			goto nomem;
		id->os_release = strdup("");
		if (!id->os_release)
			goto nomem;
	}
	id->os = os_release_parse(id->os_release);
	if (!id->os)
		goto nomem;
	return 0;
nomem:
	host_identity_free(id);
	return -ENOMEM;
}

void host_identity_free(struct host_identity *id)
{
	free(id->os_release);
	json_decref(id->os);
	json_decref(id->unreadable);
	memset(id, 0, sizeof(*id));
}

const char *host_identity_os(const struct host_identity *id, const char *key)
{
	const json_t *v = id->os ? json_object_get(id->os, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : "";
}

const char *host_identity_key(const struct host_identity *id)
{
	if (id->machine_id_valid)
		return id->machine_id;
	if (id->hostname[0])
		return id->hostname;
	return "unknown-host";
}

/* Raw identity values come from files: make them valid UTF-8 for JSON. */
static json_t *clean_string(const char *s)
{
	char *c = utf8_clean(s, false);
	json_t *j = c ? json_string(c) : NULL;
	free(c);
	return j;
}

json_t *host_identity_json(const struct host_identity *id)
{
	json_t *o = json_object();
	json_t *kernel = json_object();
	if (!o || !kernel) {
		json_decref(o);
		json_decref(kernel);
		return NULL;
	}
	json_object_set_new(o, "hostname", clean_string(id->hostname));
	json_object_set_new(o, "machine_id", clean_string(id->machine_id));
	json_object_set_new(o, "boot_id", clean_string(id->boot_id));
	json_object_set_new(kernel, "release", clean_string(id->kernel_release));
	json_object_set_new(kernel, "version", clean_string(id->kernel_version));
	json_object_set_new(kernel, "arch", clean_string(id->arch));
	json_object_set_new(o, "kernel", kernel);
	json_object_set_new(o, "os_release_file", json_string(id->os_release_path));
	json_object_set_new(o, "os_release", json_deep_copy(id->os));
	json_object_set_new(o, "os_release_text", json_string(id->os_release));
	json_object_set_new(o, "unreadable", json_deep_copy(id->unreadable));
	return o;
}
