/* --ssm-inventory: find the SSM agent's custom inventory folder and write
 * the two inventory files into it atomically. */
#include "ssm_inventory.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/atomic_file.h"

#define CHECKS_FILE "CISBenchmark.json"
#define SUMMARY_FILE "CISBenchmarkSummary.json"

/* The agent names its folder after the instance: "i-<hex>" on EC2,
 * "mi-<hex>" for a hybrid activation. */
static bool is_instance_dir_name(const char *s)
{
	const char *p = strncmp(s, "i-", 2) == 0 ? s + 2 : strncmp(s, "mi-", 3) == 0 ? s + 3 : NULL;
	if (!p || !*p || strlen(p) > 32)
		return false;
	for (; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* The newest instance directory under state (a host path); 0, -ESRCH when
 * there is none, or -errno when state cannot be read. */
static int newest_instance(const struct host *h, const char *state, char *name, size_t size)
{
	char path[PATH_MAX];
	int rc = host_path(h, state, path, sizeof(path));
	if (rc)
		return rc;
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	struct timespec best = {0};
	bool found = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_instance_dir_name(de->d_name))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISDIR(st.st_mode))
			continue;
		/* Newest first; equal times fall back to the name, so the
		 * choice never depends on readdir order. */
		bool newer = !found || st.st_mtim.tv_sec > best.tv_sec ||
			     (st.st_mtim.tv_sec == best.tv_sec &&
			      (st.st_mtim.tv_nsec > best.tv_nsec ||
			       (st.st_mtim.tv_nsec == best.tv_nsec && strcmp(de->d_name, name) > 0)));
		if (newer && strlen(de->d_name) < size) {
			strcpy(name, de->d_name);
			best = st.st_mtim;
			found = true;
		}
	}
	closedir(d);
	return found ? 0 : -ESRCH;
}

int ssm_inventory_dir(const struct host *h, char *buf, size_t size, char *err, size_t err_size)
{
	static const char *const states[] = {SSM_STATE_DIR, SSM_BOTTLEROCKET_STATE_DIR};
	char why[2][128];
	for (size_t i = 0; i < 2; i++) {
		char name[64] = "";
		int rc = newest_instance(h, states[i], name, sizeof(name));
		if (rc == 0) {
			char rel[PATH_MAX];
			snprintf(rel, sizeof(rel), "%s/%s/inventory/custom", states[i], name);
			rc = host_path(h, rel, buf, size);
			if (rc)
				snprintf(err, err_size, "%s: path too long", rel);
			return rc;
		}
		snprintf(why[i], sizeof(why[i]), "%s",
			 rc == -ESRCH ? "no i-* or mi-* directory" : strerror(-rc));
	}
	snprintf(err, err_size,
		 "no SSM agent instance directory found (%s%s: %s; %s%s: %s); is the SSM agent registered? Give the folder: --ssm-inventory DIR",
		 h->root, states[0], why[0], h->root, states[1], why[1]);
	return -ENOENT;
}

/* Files the agent would collect after we write ours: *.json other than ours. */
static int count_other_files(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (strcmp(de->d_name, CHECKS_FILE) && strcmp(de->d_name, SUMMARY_FILE))
			(*n)++;
	}
	closedir(d);
	return 0;
}

int ssm_inventory_write(const char *dir, const struct report *r, const struct writer_options *o,
			char *err, size_t err_size)
{
	/* The agent does not create inventory/custom: make it (and its parent,
	 * "inventory") when missing. */
	char *parent = strdup(dir);
	if (!parent)
		return -ENOMEM;
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
			int rc = -errno;
			snprintf(err, err_size, "%s: cannot create: %s", parent, strerror(errno));
			free(parent);
			return rc;
		}
	}
	free(parent);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;
		snprintf(err, err_size, "%s: cannot create: %s", dir, strerror(errno));
		return rc;
	}
	size_t others;
	int rc = count_other_files(dir, &others);
	if (rc) {
		snprintf(err, err_size, "%s: cannot read: %s", dir, strerror(-rc));
		return rc;
	}
	if (others + 2 > SSM_FOLDER_FILES_MAX) {
		snprintf(err, err_size,
			 "%s holds %zu other inventory files: with these 2 it would exceed SSM's limit of %d files per folder, which fails the whole collection",
			 dir, others, SSM_FOLDER_FILES_MAX);
		return -EMFILE;
	}
	char *checks, *summary;
	rc = ssm_documents(r, o, &checks, &summary);
	if (rc) {
		snprintf(err, err_size, "cannot build the inventory documents: %s",
			 rc == -EFBIG ? "more checks than fit SSM's 200 KB per type" : strerror(-rc));
		return rc;
	}
	const char *files[2] = {CHECKS_FILE, SUMMARY_FILE};
	const char *texts[2] = {checks, summary};
	for (size_t i = 0; i < 2 && !rc; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		rc = atomic_write(path, texts[i], strlen(texts[i]), 0644);
		if (rc)
			snprintf(err, err_size, "%s: %s", path, strerror(-rc));
	}
	free(checks);
	free(summary);
	return rc;
}
