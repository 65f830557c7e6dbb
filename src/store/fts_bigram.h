/* The two-character FTS5 tokenizer of complaints_bigram (migration sqlite/0034): searches of
 * two characters, which the trigram index cannot answer. SQLite only. */
#ifndef FCMS_FTS_BIGRAM_H
#define FCMS_FTS_BIGRAM_H

#define FTS_BIGRAM "fcms_bigram"

struct sqlite3;
/* Registers FTS_BIGRAM on the connection; every connection that opens complaints_bigram (or
 * writes complaints, whose triggers do) needs it. SQLITE_OK or an SQLite error code. */
int fts_bigram_register(struct sqlite3 *db);

#endif
