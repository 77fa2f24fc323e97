/* A report rendered with a writer into memory: the API daemon's response
 * bodies, the evidence bundle's report files. */
#ifndef CISREPORT_RENDER_H
#define CISREPORT_RENDER_H

#include <stddef.h>

#include "writer.h"
#include "report/report.h"

/* Render r with w into a malloc'd buffer (NUL-terminated, *len bytes
 * without the NUL). Returns 0, -ENOMEM or the writer's error. */
int report_render(const struct report *r, const struct report_writer *w,
		  const struct writer_options *o, char **buf, size_t *len);

#endif
