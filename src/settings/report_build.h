/* One report as the CLI, the API daemon and the evidence bundle build it:
 * run the selected checks against a host, then attach the waivers. */
#ifndef CISREPORT_REPORT_BUILD_H
#define CISREPORT_REPORT_BUILD_H

#include "settings.h"
#include "report/report.h"

/* report_run, then the waivers of s (NULL: none) judged at the report's
 * start time. Returns 0 or -ENOMEM; *out is to be freed with report_free. */
int report_build(struct host *h, const struct profile *p, const struct report_selection *sel,
		 const struct settings *s, struct report *out);

#endif
