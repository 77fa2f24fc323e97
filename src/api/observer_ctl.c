/* The daemon's runtime observer: started when the settings' switch is on,
 * dropped when it goes off, shared with the requests by reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "observer/observer.h"

#define OFF_BY_SETTINGS "switched off in the settings (\"observer\": false)"

struct shared_observer *shared_observer_ref(struct shared_observer *so)
{
	if (so)
		atomic_fetch_add(&so->refs, 1);
	return so;
}

void shared_observer_unref(struct shared_observer *so)
{
	if (!so || atomic_fetch_sub(&so->refs, 1) != 1)
		return;
	/* Detaches the programs and joins the drain thread: done by whoever
	 * lets go last, a request thread included. */
	observer_free(so->o);
	free(so);
}

struct shared_observer *daemon_observer(struct daemon *d, char *off_reason, size_t size)
{
	pthread_mutex_lock(&d->lock);
	struct shared_observer *so = shared_observer_ref(d->observer);
	if (!so && off_reason && size)
		snprintf(off_reason, size, "%s", d->observer_off);
	pthread_mutex_unlock(&d->lock);
	return so;
}

/* Swap in so (may be NULL) with the reason it is off; returns the old one. */
static struct shared_observer *swap(struct daemon *d, struct shared_observer *so,
				    const char *off)
{
	pthread_mutex_lock(&d->lock);
	struct shared_observer *old = d->observer;
	d->observer = so;
	snprintf(d->observer_off, sizeof(d->observer_off), "%s", so ? "" : off);
	pthread_mutex_unlock(&d->lock);
	return old;
}

static struct shared_observer *start(struct daemon *d)
{
	struct shared_observer *so = calloc(1, sizeof(*so));
	if (!so || !(so->o = observer_new(NULL))) {
		free(so);
		daemon_log("runtime observer not started: out of memory");
		return NULL;
	}
	atomic_init(&so->refs, 1);
	atomic_fetch_add(&d->observer_starts, 1);
	char err[512];
	if (observer_start(so->o, err, sizeof(err)) < 0) {
		/* Kept, not running: every runtime check SKIPs with this. */
		daemon_log("runtime observer unavailable: %s; runtime checks SKIP with this reason",
			   err);
		return so;
	}
	char since[48];
	observer_format_time(observer_since_ns(so->o), since, sizeof(since));
	daemon_log("runtime observer running since %s", since);
	return so;
}

void daemon_observer_follow(struct daemon *d, bool on)
{
	if (d->opt.root && !d->opt.host_root) {
		/* Only at start-up does d->observer_off start empty. */
		if (!d->observer_off[0]) {
			snprintf(d->observer_off, sizeof(d->observer_off),
				 "--root %s: reports read an offline tree, the observer watches the live host",
				 d->opt.root);
			daemon_log("runtime observer not started: %s", d->observer_off);
		}
		return;
	}
	pthread_mutex_lock(&d->lock);
	bool have = d->observer != NULL;
	pthread_mutex_unlock(&d->lock);
	if (on == have) {
		if (!on && !d->observer_off[0])
			swap(d, NULL, OFF_BY_SETTINGS);
		return;
	}
	if (on) {
		struct shared_observer *so = start(d);
		shared_observer_unref(swap(d, so, so ? "" : "could not be created: out of memory"));
	} else {
		shared_observer_unref(swap(d, NULL, OFF_BY_SETTINGS));
		daemon_log("runtime observer stopped: %s", OFF_BY_SETTINGS);
	}
}
