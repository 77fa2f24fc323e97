/* --observe DURATION: the observation window of the CLI. */
#ifndef CISREPORT_CLI_OBSERVE_H
#define CISREPORT_CLI_OBSERVE_H

#include <stdbool.h>

#define OBSERVE_MAX_MS (24L * 3600 * 1000)

/* "30", "30s", "500ms", "5m", "1h" -> milliseconds (0.1 s to 24 h).
 * Returns 0, -EINVAL (not a duration) or -ERANGE. */
int observe_parse_duration(const char *s, long *ms);

/* Wait ms (SIGINT/SIGTERM end the window early and the report is still
 * written), with a countdown on stderr when countdown is set. Returns the
 * milliseconds actually waited. */
long observe_wait(long ms, bool countdown);

#endif
