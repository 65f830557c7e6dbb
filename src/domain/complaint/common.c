/* The steps every complaint use case shares (service.h): fetching within the actor's scope, the
 * version check, saving as the next version, the audit event, the registration step with its
 * repeat detection. Runs inside the caller's transaction; nothing here reads a request. */
#include "domain/complaint/service.h"
#include "domain/audit.h"
#include "store/store.h"
#include "util/dates.h"
#include <stdio.h>
#include <string.h>

bool complaint_record_visible(const struct actor *a, const struct complaint *c)
{
	int64_t me = a->user->user_id;
	return c->registrar_id == me || c->handler_id.v == me || scope_allows(a->user, c->org_path, c->registrar_id);
}

static int not_found(struct refusal *e)
{
	return refuse(e, 404, "not_found", "投诉单不存在或不在您的数据范围内", NULL), 0;
}

static int stale(struct refusal *e)
{
	return refuse(e, 409, "stale_version", "投诉单已被他人修改，请刷新后重试", "version");
}

int complaint_load(struct db *d, const struct actor *a, int64_t id, struct complaint *c, struct refusal *e)
{
	int rc = store_complaint_read(d, id, c);
	if (rc < 0)
		return rc;
	if (rc == 0 || !complaint_record_visible(a, c)) {
		complaint_record_free(c);
		return not_found(e);
	}
	return 1;
}

int complaint_load_for_change(struct db *d, const struct actor *a, int64_t id, int64_t version, struct complaint *c,
			      struct refusal *e)
{
	int rc = complaint_load(d, a, id, c, e);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if (c->version == version)
		return 0;
	complaint_record_free(c);
	return stale(e);
}

int complaint_save_next(struct db *d, struct complaint *c, int64_t version, int64_t now, struct refusal *e)
{
	c->version = version + 1;
	c->updated_at = now;
	int rc = store_complaint_save_record(d, c, version);
	return rc == 1 ? 0 : rc == 0 ? stale(e) : rc;
}

int complaint_audit(struct db *d, const struct actor *a, const char *action, int64_t id, json_t *detail)
{
	return audit_by(d, a, action, "complaint", id, NULL, detail);
}

int complaint_check_register_org(struct db *d, const struct actor *a, int64_t org_id, struct refusal *e)
{
	json_t *org;
	if (org_id == 0)
		return 0;
	int rc = store_org_get(d, org_id, &org);
	if (rc <= 0)
		return rc;
	bool ok = scope_may_register(a->user, json_string_value(json_object_get(org, "path")));
	json_decref(org);
	return ok ? 0 : refuse(e, 403, "out_of_scope", "被投诉机构只能是本机构或其下辖机构", "complained_org_id");
}

/* Marks a repeat: the same complainant (by blind index) within the window (重复投诉). The tag
 * always (the reports count it); the earlier complaint's id only when the registrar may see it,
 * or registering would tell them whom another branch serves (issue 11 L2). */
static int detect_repeat(struct db *d, const struct actor *a, struct complaint *rec, const struct complaint_settings *cfg)
{
	int64_t other = 0;
	int rc = store_complaint_find_repeat(d, rec->id_no_bidx, rec->phone_bidx,
					     rec->received_at.v - (int64_t)cfg->repeat_window_days * MS_PER_DAY, rec->id,
					     &other);
	if (rc <= 0)
		return rc;
	struct complaint earlier;
	if ((rc = store_complaint_read(d, other, &earlier)) < 0)
		return rc;
	if (rc == 1 && complaint_record_visible(a, &earlier))
		rec->repeat_of = OPT_SOME(other);
	complaint_record_free(&earlier);
	complaint_record_add_tag(rec, "repeat");
	return 0;
}

int complaint_register(struct db *d, const struct actor *a, struct complaint *rec, const struct complaint_settings *cfg,
		       int64_t now, struct refusal *e)
{
	int rc = complaint_record_check_complete(d, rec, now, e);
	if (rc != 0)
		return rc;
	CREC_SET_TEXT(rec, status, "registered");
	rec->registered_at = OPT_SOME(now);
	if ((rc = detect_repeat(d, a, rec, cfg)) < 0)
		return rc;
	return complaint_record_update_deadline(d, rec, cfg, now);
}

int complaint_unmask(struct db *d, const struct actor *a, int64_t id, json_t **identity, struct refusal *e)
{
	/* a retried transaction starts over */
	json_decref(*identity);
	*identity = NULL;
	struct complaint rec;
	int rc = complaint_load(d, a, id, &rec, e);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	/* pii.unmask, or the registrar of a draft reading back what they typed (still audited) */
	bool own_draft = strcmp(rec.status, "draft") == 0 && rec.registrar_id == a->user->user_id;
	if (!(a->user->perms & P_PII_UNMASK) && !own_draft) {
		complaint_record_free(&rec);
		return refuse(e, 403, "forbidden", "没有查看完整个人信息的权限", NULL);
	}
	*identity = complaint_identity_of(rec.complainant_enc, rec.pii_key_id, rec.id);
	complaint_record_free(&rec);
	if (!*identity)
		return refuse(e, 404, "not_found", "该投诉单没有可查看的投诉人信息", NULL);
	return complaint_audit(d, a, "complaint.unmask", id, json_pack("{s:s}", "fields", "name id_type id_no phone address"));
}
