/* --observe DURATION: the observation window of the CLI. */
#include "observe.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int observe_parse_duration(const char *s, long *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	double scale;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		scale = 1000;
	else if (strcmp(end, "ms") == 0)
		scale = 1;
	else if (strcmp(end, "m") == 0)
		scale = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		scale = 3600 * 1000;
	else
		return -EINVAL;
	double total = v * scale;
	if (total < 100 || total > OBSERVE_MAX_MS)
		return -ERANGE;
	*ms = (long)total;
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long observe_wait(long ms, bool countdown)
{
	struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_requested = 0;
	long start = now_ms(), deadline = start + ms;
	long shown = -1;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0 || stop_requested)
			break;
		if (countdown && (left + 999) / 1000 != shown) {
			shown = (left + 999) / 1000;
			fprintf(stderr, "\rcisreport: observing, %lds left (Ctrl-C to report now) ",
				shown);
			fflush(stderr);
		}
		long step = left % 1000 ? left % 1000 : 1000;
		struct timespec ts = {.tv_sec = step / 1000, .tv_nsec = (step % 1000) * 1000000};
		nanosleep(&ts, NULL); /* a signal cuts it short */
	}
	if (countdown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return now_ms() - start;
}
