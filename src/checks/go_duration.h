/* Durations as Go's time.ParseDuration reads them and Duration.String
 * prints them: the format of every duration field in a Kubernetes
 * KubeletConfiguration ("4h0m0s", "5m", "1.5s", "0"). */
#ifndef CISREPORT_GO_DURATION_H
#define CISREPORT_GO_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest text go_duration_format writes, with its NUL. */
#define GO_DURATION_MAX 40

/* Parse s (len bytes, need not be NUL-terminated) into nanoseconds.
 * Grammar: [-+]?([0-9]*(\.[0-9]*)?unit)+ with units ns, us, µs, μs, ms,
 * s, m, h; "0" alone is also valid. Returns 0, -EINVAL (not a duration,
 * with a short reason in *why when why is non-NULL) or -ERANGE (does not
 * fit in int64 nanoseconds, as Go reports overflow). */
int go_duration_parse(const char *s, size_t len, int64_t *ns, const char **why);

/* Go's Duration.String: "4h0m0s", "1.5s", "300ms", "0s". buf must hold
 * GO_DURATION_MAX bytes. Returns buf. */
char *go_duration_format(int64_t ns, char *buf);

#endif
