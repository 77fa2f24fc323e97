/* Helpers shared by the cisreport subcommands. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "report/pci_map.h"
#include "report/profile.h"

int cli_load_pci_map(const char *path, const char *check_dir, struct pci_map *m, char *err,
		     size_t err_size)
{
	if (path)
		return pci_map_load(path, m, err, err_size);
	char first[PATH_MAX], second[PATH_MAX];
	snprintf(first, sizeof(first), "%s/%s", check_dir, PCI_MAP_FILE);
	snprintf(second, sizeof(second), "%s/%s", default_check_dir(), PCI_MAP_FILE);
	int rc = pci_map_load(first, m, err, err_size);
	if (rc != -ENOENT || strcmp(first, second) == 0)
		return rc;
	rc = pci_map_load(second, m, err, err_size);
	if (rc == -ENOENT)
		snprintf(err, err_size, "no PCI DSS mapping found (looked for %s and %s); give --pci-map FILE",
			 first, second);
	return rc;
}

bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool dir_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The installed profiles, or the source tree's when run from a build dir. */
const char *default_check_dir(void)
{
	return profile_default_dir();
}
