/* Raw durable transaction rate of SQLite on this machine, configured as fcms configures it
 * (WAL, synchronous=FULL, BEGIN IMMEDIATE): one INSERT of a complaint-sized row per committed
 * transaction, for the given number of seconds. Prints transactions per second.
 * Usage: sqlite_tx DBFILE SECONDS */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	sqlite3 *db;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, no TEXT, body TEXT, at INTEGER)",
			 NULL, NULL, NULL);
	sqlite3_stmt *ins;
	sqlite3_prepare_v2(db, "INSERT INTO t (no, body, at) VALUES (?, ?, ?)", -1, &ins, NULL);
	static const char body[] = "客户来电反映，信用卡年费未经同意被收取，多次联系未得到解决。要求退还相关费用。"
				   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	double secs = atof(argv[2]), t0 = now();
	long n = 0;
	while (now() - t0 < secs) {
		char no[32];
		snprintf(no, sizeof no, "B-%ld", n);
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(ins, 1, no, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, n);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return 1;
		n++;
	}
	printf("%.0f\n", (double)n / (now() - t0));
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
