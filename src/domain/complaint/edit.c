/* Editing a complaint (PATCH /complaints/{id}): a draft by its registrar, or the re-coding of an
 * open complaint by a handler or reviewer. Out of draft the record must stay complete, the
 * deadline follows the new facts and the change goes to the regulator with it. The record and
 * the input are typed (struct complaint, struct complaint_input); the audit, the regulator and
 * the webhooks get the row JSON. */
#include "domain/complaint/service.h"
#include "regulator/gateway.h"
#include "regulator/webhooks.h"
#include "store/store.h"
#include "util/log.h"
#include <string.h>

/* Who may edit what: 0, or 1 with *e. */
static int may_edit(const struct actor *a, const struct complaint *rec, bool draft, struct refusal *e)
{
	if (draft && rec->registrar_id != a->user->user_id)
		return refuse(e, 403, "forbidden", "只能修改自己暂存的投诉单", NULL);
	if (!draft && !wf_status_open(rec->status))
		return refuse(e, 409, "invalid_transition", "已办结、撤诉或删除的投诉单不能修改", NULL);
	if (!(a->user->perms & (draft ? P_COMPLAINT_REGISTER : (P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW))))
		return refuse(e, 403, "forbidden", "没有修改该投诉单的权限", NULL);
	return 0;
}

/* The input applied to rec; out of draft the record stays complete and the deadline follows. */
static int apply_edit(struct db *d, const struct actor *a, const struct complaint_edit_cmd *cmd,
		      const struct complaint_settings *cfg, struct complaint *rec, bool draft, int64_t now,
		      struct refusal *e)
{
	int rc = draft ? complaint_check_register_org(d, a, cmd->input.complained_org_id, e) : 0;
	if (rc == 0)
		rc = complaint_record_apply_input(d, &cmd->input, rec, e);
	if (rc == 0 && !draft)
		rc = complaint_record_check_complete(d, rec, now, e);
	if (rc == 0 && !draft) {
		rc = complaint_record_update_deadline(d, rec, cfg, now);
		/* news for the regulator: its 报送状态 is pending until the receipt */
		CREC_SET_TEXT(rec, sync_status, "pending");
	}
	return rc;
}

/* Audit, and for an open complaint the regulator and the webhooks, with the save. */
static int record(struct db *d, const struct actor *a, int64_t id, const struct complaint *was,
		  const struct complaint *rec, bool draft, int64_t now)
{
	json_t *before = complaint_record_json(was), *after = complaint_record_json(rec);
	int rc = before && after ? 0 : DB_HARD;
	if (rc == 0)
		rc = complaint_audit(d, a, draft ? "complaint.draft_update" : "complaint.update", id,
				     complaint_diff(before, after));
	/* Changed codes or facts go to the regulator with the change. */
	if (rc == 0 && !draft)
		rc = regulator_enqueue(d, after, "updated", false, now);
	if (rc == 0 && !draft)
		rc = webhook_enqueue(d, after, "complaint.updated", NULL, now);
	json_decref(before);
	json_decref(after);
	return rc;
}

int complaint_edit(struct db *d, const struct actor *a, const struct complaint_edit_cmd *cmd,
		   const struct complaint_settings *cfg, json_t **result, struct refusal *e)
{
	/* a retried transaction starts over */
	json_decref(*result);
	*result = NULL;
	struct complaint rec, before;
	int rc = complaint_load_for_change(d, a, cmd->id, cmd->version, &rec, e);
	if (rc != 0)
		return rc;
	bool draft = strcmp(rec.status, "draft") == 0;
	if ((rc = may_edit(a, &rec, draft, e)) != 0 || (rc = complaint_record_copy(&before, &rec)) != 0) {
		complaint_record_free(&rec);
		return rc;
	}
	int64_t now = now_ms();
	rc = apply_edit(d, a, cmd, cfg, &rec, draft, now, e);
	if (rc == 0)
		rc = complaint_save_next(d, &rec, cmd->version, now, e);
	if (rc == 0)
		rc = record(d, a, cmd->id, &before, &rec, draft, now);
	complaint_record_free(&before);
	complaint_record_free(&rec);
	if (rc != 0)
		return rc;
	rc = store_complaint_get(d, cmd->id, result);
	return rc == 1 ? 0 : rc < 0 ? rc : DB_HARD;
}
