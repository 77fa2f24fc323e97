/* The table of output formats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "writer.h"

static const struct report_writer writers[] = {
	{"text", "text/plain; charset=utf-8", write_text, NULL, render_text},
	{"json", "application/json", write_json, NULL, render_json},
	{"ssm", "application/x-ndjson", write_ssm, NULL, NULL},
	{"xccdf", "application/xml", write_xccdf, NULL, NULL},
	{"asff", "application/x-ndjson", write_asff, asff_check_options, NULL},
	{"junit", "application/xml", write_junit, NULL, NULL},
};

/* Case-insensitive, as bloodhound's -f (the API passes the user's value on). */
const struct report_writer *report_writer_find(const char *name)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcasecmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}

const char *report_writer_names(void)
{
	static char names[256];
	if (!names[0])
		for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
			strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, writers[i].name, sizeof(names) - strlen(names) - 1);
		}
	return names;
}

int writer_emit(FILE *out, const char *buf, size_t len)
{
	int fd = fileno(out);
	if (fd < 0) /* a memory stream (the API's bodies) */
		return fwrite(buf, 1, len, out) == len && !ferror(out) ? 0 : -EIO;
	if (fflush(out) == EOF)
		return -EIO;
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int writer_emit_rendered(int (*render)(const struct report *r, const struct writer_options *o,
				       char **buf, size_t *len),
			 const struct report *r, const struct writer_options *o, FILE *out)
{
	char *buf;
	size_t len;
	int rc = render(r, o, &buf, &len);
	if (rc)
		return rc;
	rc = writer_emit(out, buf, len);
	free(buf);
	return rc;
}
