/* A background thread that runs one pass of a job at once and then every interval until
 * stopped; stopping wakes it from its wait, so a stop never waits out an interval. */
#ifndef FCMS_UTIL_PERIODIC_H
#define FCMS_UTIL_PERIODIC_H

#include <pthread.h>
#include <stdbool.h>

struct periodic {
	void (*run)(void *arg); /* one pass */
	void *arg;
	void (*at_exit)(void);  /* on the thread before it ends (e.g. store_release_thread); may be NULL */
	long interval_ms;
	/* private */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping, running;
};

/* Starts the thread for *p (which must stay valid until periodic_stop). 0 or -1. */
int periodic_start(struct periodic *p);
/* Asks the thread to end after its current pass and waits for it. Safe if never started. */
void periodic_stop(struct periodic *p);
/* Whether a stop was asked: a long pass may check it to end early. */
bool periodic_stopping(struct periodic *p);

#endif
