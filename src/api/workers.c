/* Worker threads (workers.h): a FIFO of jobs under one lock. */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct worker_job *head, *tail;
	size_t busy; /* queued or running */
	bool stop;
	unsigned n;
	pthread_t threads[];
};

static void *run(void *arg)
{
	struct workers *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		struct worker_job *j = w->head;
		if (!j)
			break; /* stopping, and nothing left */
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		j->fn(j); /* may free j */
		pthread_mutex_lock(&w->lock);
		w->busy--;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct workers *workers_start(unsigned n, char *err, size_t err_size)
{
	struct workers *w = calloc(1, sizeof(*w) + n * sizeof(pthread_t));
	if (!w) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	for (; w->n < n; w->n++) {
		int rc = pthread_create(&w->threads[w->n], NULL, run, w);
		if (rc) {
			snprintf(err, err_size, "cannot start worker thread %u: %s", w->n + 1,
				 strerror(rc));
			workers_stop(w);
			return NULL;
		}
	}
	return w;
}

void workers_submit(struct workers *w, struct worker_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->busy++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

size_t workers_busy(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	size_t n = w->busy;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void workers_stop(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
