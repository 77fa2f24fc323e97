#include "report_build.h"

int report_build(struct host *h, const struct profile *p, const struct report_selection *sel,
		 const struct settings *s, struct report *out)
{
	int rc = report_run(h, p, sel, out);
	if (!rc && s)
		rc = settings_apply_waivers(s, out, out->started.tv_sec);
	return rc;
}
