/* 通知 (GET /notifications, POST /notifications/read, POST /notifications/{id}/read): the user's
 * notifications; marking them read is a write, through the writer. */
#include "api/api.h"
#include "http/request.h"
#include "store/store.h"
#include "util/log.h"
#include <string.h>

int api_notification_list(struct request *r)
{
	json_t *items;
	int64_t unread;
	const char *u = req_query(r, "unread");
	int rc = store_notification_list(r->db, r->user->user_id, u && !strcmp(u, "true"), 50, &items, &unread);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)unread));
}

struct read_ctx {
	int64_t user_id, id, now;
};

static int read_tx(struct db *d, void *arg)
{
	const struct read_ctx *c = arg; /* no outputs: nothing to reset on a retry */
	int rc = store_notification_read(d, c->user_id, c->id, c->now);
	return rc < 0 ? rc : 0;
}

int api_notification_read(struct request *r)
{
	struct read_ctx c = {r->user->user_id, r->nargs ? req_arg_id(r, 0) : 0, now_ms()};
	int rc = store_write(read_tx, &c); /* a write: through the writer, never on r->db */
	if (rc != 0)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}
