/* Exact PII lookups: permission, limits and audit (see pii_lookup.h). */
#include "domain/pii_lookup.h"
#include "domain/audit.h"
#include "domain/pii.h"
#include "store/store.h"
#include "util/dates.h"
#include <stdio.h>

/* A static message: the body may run on the writer thread and the reply on another. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define TOO_MANY                                                                                \
	"按证件号码或电话精确查询过于频繁（每分钟最多" STR(PII_LOOKUP_PER_MINUTE) "次、每天最多" \
	STR(PII_LOOKUP_PER_DAY) "次），请稍后再试"

static int record(struct db *d, const struct principal *p, const char *ip, const char *uid, const char *result,
		  const char *reason, const struct pii_lookup *q, int64_t now)
{
	json_t *detail = json_pack("{s:s}", "reason", reason);
	if (!detail)
		return DB_HARD;
	char m[100];
	if (q->id_no) {
		pii_mask(PII_ID_NO, q->id_no, m, sizeof m);
		json_object_set_new(detail, "id_no", json_string(m));
	}
	if (q->phone) {
		pii_mask(PII_PHONE, q->phone, m, sizeof m);
		json_object_set_new(detail, "phone", json_string(m));
	}
	struct audit_event ev = {.at = now, .actor_id = p->user_id, .actor = p->username, .ip = ip ? ip : "",
				 .action = "complaint.lookup", .target_type = "pii_lookup", .target_id = uid,
				 .result = result, .detail = detail};
	int rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}

int pii_lookup_admit(struct db *d, const struct principal *p, const char *ip, const struct pii_lookup *q,
		     int64_t now, struct refusal *e)
{
	char uid[24];
	snprintf(uid, sizeof uid, "%lld", (long long)p->user_id);
	const char *field = q->phone ? "phone" : "id_no";
	if (!(p->perms & (P_PII_LOOKUP | P_PII_UNMASK | P_CALLCENTER_LOOKUP))) {
		int rc = record(d, p, ip, uid, "denied", "no_permission", q, now);
		return rc < 0 ? rc : refuse(e, 403, "forbidden", "没有按证件号码或电话精确查询投诉人的权限", field);
	}
	int64_t minute, day;
	int rc = store_audit_count_since(d, "pii_lookup", uid, "ok", now - 60000, &minute);
	if (rc >= 0)
		rc = store_audit_count_since(d, "pii_lookup", uid, "ok", now - MS_PER_DAY, &day);
	if (rc < 0)
		return rc;
	if (minute >= PII_LOOKUP_PER_MINUTE || day >= PII_LOOKUP_PER_DAY) {
		rc = record(d, p, ip, uid, "denied", minute >= PII_LOOKUP_PER_MINUTE ? "per_minute" : "per_day", q, now);
		return rc < 0 ? rc
			      : refuse(e, 429, "too_many_lookups", TOO_MANY, field);
	}
	return record(d, p, ip, uid, "ok", "lookup", q, now);
}
