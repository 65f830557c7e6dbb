/* The reads behind the report index (src/report/facts.c): the complaint columns the statistics
 * need, all of them at start and the changed ones after, plus the trees reports roll up along. */
#include "store/store.h"
#include "store/complaint_sql.h"

/* Keep in step with enum fact_col in report/facts.c. */
#define FACT_COLUMNS                                                                            \
	"c.id, c.status, c.received_at, c.handling_org_id, c.registrar_org_id, c.complained_org_id," \
	" c.region_code, c.business_channel_code, c.business_type_code, c.cause_code,"            \
	" c.source_channel, c.rights, c.deadline_state, c.due_at, c.closed_at,"                  \
	" c.callback_satisfaction, c.repeat_of, c.tags, c.merged_into, c.compensation_fen, c.replied_at,"    \
	" c.clock_restarts, c.registrar_id, c.handler_id"

static int each_row(struct db *d, const char *sql, const struct db_val *args, store_fact_row_fn fn,
		    void *ctx)
{
	struct db_res *r;
	int rc = db_query(d, &r, sql, args);
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1)
		if (fn(r, ctx) != 0) {
			rc = 0;
			break;
		}
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

int store_changes_head(struct db *d, int64_t *seq)
{
	*seq = 0;
	int rc = DB_SCALAR(d, seq, "SELECT COALESCE(MAX(seq), 0) FROM complaint_changes", DB_END);
	return rc < 0 ? rc : DB_OK;
}

int store_changes_oldest(struct db *d, int64_t *seq)
{
	*seq = 0;
	int rc = DB_SCALAR(d, seq, "SELECT COALESCE(MIN(seq), 0) FROM complaint_changes", DB_END);
	return rc < 0 ? rc : DB_OK;
}

int store_changes_prune(struct db *d, int64_t below_seq)
{
	int rc = DBX(d, "DELETE FROM complaint_changes WHERE seq < ?", DB_INT(below_seq));
	return rc < 0 ? rc : DB_OK;
}

int store_facts_fingerprint(struct db *d, int64_t *first_id, int64_t *first_created)
{
	*first_id = *first_created = 0;
	int rc = DB_SCALAR(d, first_id, "SELECT COALESCE(MIN(id), 0) FROM complaints", DB_END);
	if (rc >= 0)
		rc = DB_SCALAR(d, first_created, "SELECT COALESCE(MAX(created_at), 0) FROM complaints WHERE id = ?",
			       DB_INT(*first_id));
	return rc < 0 ? rc : DB_OK;
}

/* Rows read by one statement of store_facts_all. */
#define FACTS_LOAD_CHUNK 20000

/* Counts the rows fn saw and keeps the last id: store_facts_all's next chunk starts after it. */
struct chunk_ctx {
	store_fact_row_fn fn;
	void *ctx;
	int64_t last_id, rows;
	bool stopped;
};

static int chunk_row(struct db_res *r, void *arg)
{
	struct chunk_ctx *c = arg;
	c->last_id = db_int(r, 0); /* FACT_COLUMNS begins with c.id */
	c->rows++;
	return (c->stopped = c->fn(r, c->ctx) != 0);
}

int store_facts_all(struct db *d, store_fact_row_fn fn, void *ctx)
{
	/* In chunks of ids: libpq holds a statement's whole result in memory (600 MB for 1M
	 * complaints), which the allocator kept after the load (PSS 130 -> 720 MB per server). */
	struct chunk_ctx c = {.fn = fn, .ctx = ctx, .last_id = INT64_MIN};
	int rc;
	do {
		c.rows = 0;
		rc = each_row(d, "SELECT " FACT_COLUMNS " FROM complaints c WHERE c.id > ? ORDER BY c.id LIMIT ?",
			      (const struct db_val[]){DB_INT(c.last_id), DB_INT(FACTS_LOAD_CHUNK), DB_END}, chunk_row,
			      &c);
	} while (rc >= 0 && !c.stopped && c.rows == FACTS_LOAD_CHUNK);
	return rc;
}

int store_facts_changed(struct db *d, int64_t after_seq, store_fact_row_fn fn, void *ctx)
{
	return each_row(d,
			"SELECT " FACT_COLUMNS ", ch.seq FROM complaint_changes ch"
			" LEFT JOIN complaints c ON c.id = ch.complaint_id WHERE ch.seq > ? ORDER BY ch.seq",
			(const struct db_val[]){DB_INT(after_seq), DB_END}, fn, ctx);
}

int store_report_orgs(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT id, parent_id, path, name, fin_code, depth, sort FROM institutions ORDER BY path",
		   DB_END);
}

int store_report_org_paths(struct db *d, const char *prefix, bool exact, json_t **items)
{
	char end[600];
	if (exact)
		return DBJ(d, items, "SELECT id, path FROM institutions WHERE path = ?", DB_TEXT(prefix));
	if (!complaint_sql_prefix_end(prefix, end, sizeof end))
		return DB_HARD;
	return DBJ(d, items, "SELECT id, path FROM institutions WHERE path >= ? AND path < ?", DB_TEXT(prefix),
		   DB_TEXT(end));
}

int store_report_regions(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT code, name, parent, level FROM regions", DB_END);
}

int store_report_codes(struct db *d, json_t **items)
{
	return DBJ(d, items,
		   "SELECT dimension, code, parent, level, name, sort FROM codes c WHERE valid_from ="
		   " (SELECT MAX(valid_from) FROM codes x WHERE x.dimension = c.dimension AND x.code = c.code)"
		   " ORDER BY dimension, sort, code",
		   DB_END);
}
