/* Keeps SQLite's full-text index current (migration 0010): a thread looks every 200 ms for
 * complaints waiting to be indexed and indexes them in one job of the group-commit writer, so
 * the index grows by one segment per batch instead of one per registration. Searches read the
 * complaints still waiting directly (store_complaint_list), so the delay is never visible. */
#include "store/store.h"
#include "util/log.h"
#include "util/periodic.h"
#include <string.h>

#define INTERVAL_MS 200
#define BATCH_ROWS 20000

static struct periodic indexer;

static int catch_up_tx(struct db *d, void *arg)
{
	return store_text_index_catch_up(d, BATCH_ROWS, arg);
}

/* Indexes everything waiting now; a plain read first, so an idle server takes no write lock. */
static void catch_up(void *arg)
{
	(void)arg;
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
		waiting = indexed == BATCH_ROWS && !periodic_stopping(&indexer);
	}
}

int store_text_index_start(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return 0; /* PostgreSQL: pg_trgm indexes as it writes */
	indexer = (struct periodic){.run = catch_up, .at_exit = store_release_thread, .interval_ms = INTERVAL_MS};
	return periodic_start(&indexer);
}

void store_text_index_stop(void)
{
	periodic_stop(&indexer);
}
