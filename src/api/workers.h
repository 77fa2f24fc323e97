/* Worker threads for the slow part of requests (server.c): in the polling
 * mode the polling threads answer what is in memory (cache hits, errors,
 * settings) and hand what may take long (a report to evaluate, /metrics,
 * PATCH /settings) to these, so a slow request never holds a poller. */
#ifndef CISREPORTD_WORKERS_H
#define CISREPORTD_WORKERS_H

#include <stddef.h>

struct workers;

/* n threads (1-64); NULL when out of memory or no thread could start
 * (err says why). */
struct workers *workers_start(unsigned n, char *err, size_t err_size);

/* A job, kept by its submitter (embedded in what it works on) until fn
 * has run: submitting cannot fail. */
struct worker_job {
	struct worker_job *next;
	void (*fn)(struct worker_job *job);
};

/* Queue job for the next free worker. */
void workers_submit(struct workers *w, struct worker_job *job);

/* Jobs queued or running. */
size_t workers_busy(struct workers *w);

/* Run what is queued, then join the threads and free. NULL ok. */
void workers_stop(struct workers *w);

#endif
