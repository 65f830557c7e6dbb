/* A throwaway SQLite database for unit tests: a fresh directory under /tmp holding one database
 * file, and its removal with the WAL, shared-memory and journal files SQLite puts beside it.
 * Header-only: each test is one translation unit. */
#ifndef FCMS_TESTS_UNIT_DB_H
#define FCMS_TESTS_UNIT_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct unit_db {
	char dir[64];
	char path[96]; /* <dir>/fcms.db */
	char url[128]; /* sqlite:<path> */
};

/* Creates /tmp/fcms-unit-<tag>-XXXXXX and fills in the names; 0 or -1. */
static inline int unit_db_make(struct unit_db *u, const char *tag)
{
	snprintf(u->dir, sizeof u->dir, "/tmp/fcms-unit-%s-XXXXXX", tag);
	if (!mkdtemp(u->dir))
		return -1;
	snprintf(u->path, sizeof u->path, "%s/fcms.db", u->dir);
	snprintf(u->url, sizeof u->url, "sqlite:%s", u->path);
	return 0;
}

/* Removes the database files and the directory (close connections first). */
static inline void unit_db_remove(const struct unit_db *u)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[128];
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", u->path, suffix[i]);
		unlink(p);
	}
	rmdir(u->dir);
}

#endif
