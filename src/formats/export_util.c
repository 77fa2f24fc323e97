#include "export_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"
#include "core/host_identity.h"
#include "report/report.h"
#include "util/utf8.h"
#include "util/utc_time.h"

char *evidence_lines(const struct check_result *r, const char *sep)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	for (size_t i = 0; i < r->n_evidence; i++) {
		const struct evidence *e = &r->evidence[i];
		fprintf(f, "%s%s: expected %s, found %s [%s]", i ? sep : "", e->item, e->expected,
			e->actual, e->ok ? "ok" : "BAD");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *level_severity(int level)
{
	return level <= 1 ? "medium" : "low";
}

void format_time_ms(const struct timespec *ts, char *buf, size_t size)
{
	char base[UTC_TIME_LEN];
	utc_format(ts->tv_sec, base);
	snprintf(buf, size, "%s.%03ldZ", base, ts->tv_nsec / 1000000);
}

void format_time_s(const struct timespec *ts, bool zone, char *buf, size_t size)
{
	char base[UTC_TIME_LEN];
	utc_format(ts->tv_sec, base);
	snprintf(buf, size, "%s%s", base, zone ? "Z" : "");
}

double report_duration(const struct report *r)
{
	if (r->finished.tv_sec == 0)
		return 0;
	double d = (double)(r->finished.tv_sec - r->started.tv_sec) +
		   (double)(r->finished.tv_nsec - r->started.tv_nsec) / 1e9;
	return d > 0 ? d : 0;
}

const struct host_identity *writer_host(const struct writer_options *o,
					struct host_identity *buf)
{
	memset(buf, 0, sizeof(*buf));
	if (o && o->host)
		return o->host;
	if (o && o->report_host)
		return host_identity_read(o->report_host, buf) < 0 ? NULL : buf;
	struct host live;
	if (host_init(&live, NULL) < 0)
		return NULL;
	int rc = host_identity_read(&live, buf);
	host_free(&live);
	return rc < 0 ? NULL : buf;
}
