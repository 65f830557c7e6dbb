#include "util/periodic.h"
#include <time.h>

static void *periodic_main(void *arg)
{
	struct periodic *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		pthread_mutex_unlock(&p->lock);
		p->run(p->arg);
		pthread_mutex_lock(&p->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += p->interval_ms / 1000;
		until.tv_nsec += (p->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!p->stopping && pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&p->lock);
	if (p->at_exit)
		p->at_exit();
	return NULL;
}

int periodic_start(struct periodic *p)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->stopping = false;
	if (pthread_create(&p->thread, NULL, periodic_main, p) != 0)
		return -1;
	p->running = true;
	return 0;
}

void periodic_stop(struct periodic *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->running = false;
}

bool periodic_stopping(struct periodic *p)
{
	pthread_mutex_lock(&p->lock);
	bool s = p->stopping;
	pthread_mutex_unlock(&p->lock);
	return s;
}
