/* The base data a new database starts with: the JR/T 0169 code table shipped in data/ (provisional
 * numbering, replaceable by import), the source-channel and ID-type dictionaries, the GB/T 2260
 * regions from the npm package compiled in, and the official holiday arrangements of recent
 * years. Idempotent: only what is missing is added; what the bank edited is kept. */
#ifndef FCMS_BASE_DATA_H
#define FCMS_BASE_DATA_H

struct db;

/* Seeds what is missing inside one transaction. 0, or a negative db status. */
int base_data_seed(struct db *d);

#endif
