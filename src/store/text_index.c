/* Keeps SQLite's full-text index current (migration 0010): a thread looks every 200 ms for
 * complaints waiting to be indexed and indexes them in one job of the group-commit writer, so
 * the index grows by one segment per batch instead of one per registration. Searches read the
 * complaints still waiting directly (store_complaint_list), so the delay is never visible. */
#include "store/store.h"
#include "util/log.h"
#include <pthread.h>
#include <string.h>
#include <time.h>

#define INTERVAL_MS 200
#define BATCH_ROWS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping;

static int catch_up_tx(struct db *d, void *arg)
{
	return store_text_index_catch_up(d, BATCH_ROWS, arg);
}

/* Indexes everything waiting now; a plain read first, so an idle server takes no write lock. */
static void catch_up(void)
{
	struct db *d = store_conn();
	int64_t waiting = 0, indexed;
	if (!d || DB_SCALAR(d, &waiting, "SELECT EXISTS (SELECT 1 FROM complaint_text_queue)", DB_END) < 0)
		return;
	while (waiting) {
		int rc = store_write(catch_up_tx, &indexed);
		if (rc != 0) {
			log_error("text index: catching up failed (%d)", rc);
			return;
		}
		pthread_mutex_lock(&lock);
		waiting = indexed == BATCH_ROWS && !stopping;
		pthread_mutex_unlock(&lock);
	}
}

static void *indexer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		pthread_mutex_unlock(&lock);
		catch_up();
		pthread_mutex_lock(&lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&lock);
	store_release_thread();
	return NULL;
}

int store_text_index_start(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return 0; /* PostgreSQL: pg_trgm indexes as it writes */
	stopping = false;
	if (pthread_create(&thread, NULL, indexer_main, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void store_text_index_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
}
