#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int report_render(const struct report *r, const struct report_writer *w,
		  const struct writer_options *o, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (w->render)
		return w->render(r, o, buf, len);
	FILE *f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	int rc = w->write(r, o, f);
	if (fclose(f) == EOF && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return rc;
}
