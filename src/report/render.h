/* One report, as the CLI and the API daemon both produce it: run the
 * selected checks against a host, attach the waivers, render with a writer. */
#ifndef CISREPORT_RENDER_H
#define CISREPORT_RENDER_H

#include <stddef.h>
#include <time.h>

#include "report.h"
#include "settings.h"
#include "writer.h"

/* report_run, then the waivers of s (NULL: none) judged at the report's
 * start time. Returns 0 or -ENOMEM; *out is to be freed with report_free. */
int report_build(struct host *h, const struct profile *p, const struct report_selection *sel,
		 const struct settings *s, struct report *out);

/* Render r with w into a malloc'd buffer (NUL-terminated, *len bytes
 * without the NUL). Returns 0, -ENOMEM or the writer's error. */
int report_render(const struct report *r, const struct report_writer *w,
		  const struct writer_options *o, char **buf, size_t *len);

#endif
