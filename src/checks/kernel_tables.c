#include "kernel_tables.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void table_release(void *tb)
{
	mount_table_unref(tb);
}

void mount_table_unref(struct mount_table *tb)
{
	if (!tb || __atomic_sub_fetch(&tb->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < tb->n_resolved; i++)
		free(tb->resolved[i]);
	free(tb->resolved);
	free(tb->entries);
	free(tb->strings);
	free(tb);
}

int mountinfo_load(const struct host *h, struct mount_table **out, int *bad_line)
{
	char *text;
	size_t len;
	*bad_line = 0;
	/* Parsed once per report: the table rides with the memo's read. */
	struct mount_table *kept = host_derived_get(h, MOUNTINFO(h));
	if (kept) {
		__atomic_add_fetch(&kept->refs, 1, __ATOMIC_RELAXED);
		*out = kept;
		return 0;
	}
	int rc = host_read_file(h, MOUNTINFO(h), HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	rc = mountinfo_parse(text, len, out, bad_line);
	free(text);
	if (rc)
		return rc;
	(*out)->refs++; /* one for the memo, one for the caller */
	if (host_derived_put(h, MOUNTINFO(h), *out, table_release) < 0)
		mount_table_unref(*out);
	return 0;
}

static bool separator(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_separators(const char *s)
{
	while (separator(*s))
		s++;
	return s;
}

static bool octal(char c)
{
	return c >= '0' && c <= '7';
}

/* The field at *s (up to a blank or the end), unescaped into *out
 * ("\040" is a space); *s moves past it. NULL for an empty field. */
static const char *field(const char **s, char **out)
{
	const char *p = *s, *end = p;
	while (*end && !separator(*end))
		end++;
	*s = end;
	if (end == p)
		return NULL;
	char *start = *out, *o = start;
	while (p < end) {
		if (p[0] == '\\' && end - p >= 4 && octal(p[1]) && octal(p[2]) && octal(p[3])) {
			*o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o++ = '\0';
	*out = o;
	return start;
}

/* A decimal number as strtol reads it, followed by a blank or the end. */
static bool number(const char **s, int *v)
{
	char *end;
	long n = strtol(*s, &end, 10);
	if (end == *s || (*end && !separator(*end)))
		return false;
	*v = (int)n;
	*s = end;
	return true;
}

/* "major:minor", each read as scanf's %u. */
static bool device(const char *s, dev_t *devno)
{
	char *end;
	unsigned long maj = strtoul(s, &end, 10);
	if (end == s || *end != ':')
		return false;
	s = end + 1;
	unsigned long min = strtoul(s, &end, 10);
	if (end == s)
		return false;
	*devno = makedev((unsigned)maj, (unsigned)min);
	return true;
}

/* The kernel names the root filesystem "/dev/root" when it mounted it
 * itself; like libmount, name its device from /sys/dev/block/M:m (the
 * running system's, as libmount reads it). NULL: keep "/dev/root". */
static char *real_root(dev_t devno)
{
	if (major(devno) == 0)
		return NULL;
	char link[64], target[PATH_MAX];
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(devno), minor(devno));
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	char *name = strrchr(target, '/');
	name = name ? name + 1 : target;
	if (!*name)
		return NULL;
	for (char *c = name; *c; c++)
		if (*c == '!')
			*c = '/';
	char *dev = malloc(strlen(name) + 6);
	if (dev)
		sprintf(dev, "/dev/%s", name);
	return dev;
}

/* One line (NUL-terminated, not blank); false when it is not mountinfo. */
static bool parse_line(const char *s, char **out, struct mount_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!number(&s, &e->id) || !*s)
		return false;
	s = skip_separators(s);
	if (!number(&s, &e->parent) || !*s)
		return false;
	s = skip_separators(s);
	if (!device(s, &e->devno))
		return false;
	while (*s && !separator(*s))
		s++;
	s = skip_separators(s);
	if (!(e->root = field(&s, out)))
		return false;
	s = skip_separators(s);
	if (!(e->target = field(&s, out)))
		return false;
	s = skip_separators(s);
	if (!(e->vfs_options = field(&s, out)))
		return false;
	/* Optional fields, up to " - " (kept as they are). */
	const char *dash = strstr(s, " - ");
	if (!dash)
		return false;
	if (dash > s + 1) {
		size_t n = (size_t)(dash - s - 1);
		memcpy(*out, s + 1, n);
		(*out)[n] = '\0';
		e->opt_fields = *out;
		*out += n + 1;
	}
	s = skip_separators(dash + 3);
	if (!(e->fstype = field(&s, out)))
		return false;
	if (!*s)
		return false;
	if (s[0] == ' ' && s[1] == ' ') {
		e->source = ""; /* the kernel shows no source */
	} else {
		s = skip_separators(s);
		if (!(e->source = field(&s, out)))
			return false;
	}
	s = skip_separators(s);
	return (e->fs_options = field(&s, out)) != NULL;
}

int mountinfo_parse(const char *text, size_t len, struct mount_table **out, int *bad_line)
{
	*bad_line = 0;
	if (memchr(text, '\0', len)) {
		*bad_line = 1;
		return -EINVAL;
	}
	struct mount_table *tb = calloc(1, sizeof(*tb));
	if (!tb)
		return -ENOMEM;
	tb->refs = 1;
	size_t lines = 1;
	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		lines++;
	/* Each line's fields and their NULs fit in the line and its newline;
	 * the lines themselves (NUL-terminated copies) come first. */
	tb->strings = malloc(2 * (len + 1));
	tb->entries = calloc(lines, sizeof(*tb->entries));
	if (!tb->strings || !tb->entries) {
		mount_table_unref(tb);
		return -ENOMEM;
	}
	char *copy = tb->strings, *fields = tb->strings + len + 1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	int line = 0;
	for (char *s = copy; s < copy + len;) {
		char *nl = strchr(s, '\n');
		char *next = nl ? nl + 1 : copy + len;
		line++;
		if (nl)
			*nl = '\0';
		else
			nl = copy + len;
		if (nl > s && nl[-1] == '\r')
			nl[-1] = '\0';
		const char *l = skip_separators(s);
		s = next;
		if (!*l || *l == '#')
			continue;
		struct mount_entry *e = &tb->entries[tb->n];
		if (!parse_line(l, &fields, e)) {
			*bad_line = line;
			mount_table_unref(tb);
			return -EINVAL;
		}
		tb->n++;
		if (!strcmp(e->source, "/dev/root")) {
			char *real = real_root(e->devno);
			char **r = real ? realloc(tb->resolved, (tb->n_resolved + 1) * sizeof(*r)) : NULL;
			if (r) {
				tb->resolved = r;
				r[tb->n_resolved++] = real;
				e->source = real;
			} else {
				free(real);
			}
		}
	}
	*out = tb;
	return 0;
}

/* The next name in path: repeated slashes read as one. */
static const char *component(const char *p, size_t *n)
{
	while (*p == '/')
		p++;
	*n = strcspn(p, "/");
	return p;
}

static bool same_path(const char *a, const char *b)
{
	if ((*a == '/') != (*b == '/'))
		return false;
	for (;;) {
		size_t na, nb;
		a = component(a, &na);
		b = component(b, &nb);
		if (na != nb || memcmp(a, b, na) != 0)
			return false;
		if (!na)
			return true;
		a += na;
		b += nb;
	}
}

const struct mount_entry *mountinfo_find_target(const struct mount_table *tb, const char *target)
{
	for (size_t i = tb->n; i-- > 0;)
		if (same_path(tb->entries[i].target, target))
			return &tb->entries[i];
	return NULL;
}

const struct mount_entry *mountinfo_find_fstype(const struct mount_table *tb, const char *fstype)
{
	for (size_t i = tb->n; i-- > 0;)
		if (strcmp(tb->entries[i].fstype, fstype) == 0)
			return &tb->entries[i];
	return NULL;
}

bool mount_option_set(const char *options, const char *name)
{
	size_t want = strlen(name);
	const char *p = options;
	while (*p) {
		const char *start = p;
		bool quoted = false;
		while (*p && (quoted || *p != ',')) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		size_t n = 0;
		while (start + n < p && start[n] != '=')
			n++;
		if (n == want && memcmp(start, name, n) == 0)
			return true;
		if (*p)
			p++;
	}
	return false;
}

int proc_filesystems_lists(const struct host *h, const char *fstype, bool *listed)
{
	char *text;
	size_t len;
	int rc = host_read_file(h, PROC_FILESYSTEMS_PATH, HOST_MAX_FILE, &text, &len);
	if (rc)
		return rc;
	*listed = false;
	if (memchr(text, '\0', len)) {
		free(text);
		return -EINVAL;
	}
	/* Each line: an optional "nodev" flag, a tab, the type name. */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab || strchr(tab + 1, '\t') || strchr(tab + 1, ' ') || !tab[1]) {
			rc = -EINVAL;
			break;
		}
		if (strcmp(tab + 1, fstype) == 0)
			*listed = true;
	}
	free(text);
	return rc;
}
