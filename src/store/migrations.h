/* Numbered schema migrations embedded in the binary (generated from migrations/<backend>/NNNN_name.sql). */
#ifndef FCMS_MIGRATIONS_H
#define FCMS_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};
/* Terminated by an entry with name NULL. */
extern const struct migration migrations_sqlite[];
extern const struct migration migrations_pg[];

#endif
