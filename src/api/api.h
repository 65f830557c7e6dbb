/* The JSON API: the route table, authentication of each request, and helpers shared by the
 * resource files (one file per resource: auth.c institutions.c users.c roles.c audit.c ...). */
#ifndef FCMS_API_H
#define FCMS_API_H
#include "domain/refusal.h"
#include "http/router.h"
#include <jansson.h>

struct db;

extern const struct route api_routes[];
extern const size_t api_route_count;

/* Resolves the caller from the session cookie or a Bearer token into r->user (arena memory).
 * Returns 0 (r->user may stay NULL for anonymous), or -1 after replying (e.g. 401 for a bad
 * token, 503 when the store fails). */
int api_authenticate(struct request *r);

/* Replies for a db_tx() result that is not 0: a refusal (rc > 0) with *e, a uniqueness
 * violation with 409 dup_code/dup_message, anything else as a database error. */
int api_reply_tx_error(struct request *r, int rc, const struct refusal *e, const char *dup_code,
		       const char *dup_message);

/* Appends an audit event for the caller inside the current transaction on d. Steals detail. */
int api_audit(struct request *r, struct db *d, const char *action, const char *target_type,
	      int64_t target_id, const char *result, json_t *detail);

/* Loads a user the caller may see (data scope applied): 1 with the store row in *out (caller
 * owns), 0 with *e set to 404 when absent or out of scope, negative on a database failure. */
int api_fetch_user(struct request *r, struct db *d, int64_t id, json_t **out, struct refusal *e);

/* Shapes a user row from the store for replies: booleans, lock and expiry state, roles as
 * {id, code, name}, the union of permissions and the widest data scope. Steals u. */
json_t *api_user_view(json_t *u);

/* Replies 200 with the file at path as an attachment and removes the file (the open descriptor
 * keeps the bytes until the reply is sent). disposition is the whole Content-Disposition value.
 * Replies 500 when the file cannot be opened. Returns 0. */
#define XLSX_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
int api_reply_temp_file(struct request *r, const char *path, const char *mime, const char *disposition);
/* The same for a file that stays where it is. */
int api_reply_file(struct request *r, const char *path, const char *mime, const char *disposition);

/* Handlers, by resource. */
int api_auth_login(struct request *r);
int api_auth_logout(struct request *r);
int api_auth_me(struct request *r);
int api_auth_password(struct request *r);
int api_org_list(struct request *r);
int api_org_get(struct request *r);
int api_org_create(struct request *r);
int api_org_update(struct request *r);
int api_org_move(struct request *r);
int api_org_delete(struct request *r);
int api_user_list(struct request *r);
int api_user_get(struct request *r);
int api_user_create(struct request *r);
int api_user_update(struct request *r);
int api_user_set_roles(struct request *r);
int api_user_close(struct request *r);
int api_user_enable(struct request *r);
int api_user_disable(struct request *r);
int api_user_lock(struct request *r);
int api_user_unlock(struct request *r);
int api_user_reset_password(struct request *r);
/* POST /users/{id}/activation-code: the security admin's half of an issued password. */
int api_user_activation_code(struct request *r);
int api_token_list(struct request *r);
int api_token_create(struct request *r);
int api_token_revoke(struct request *r);
int api_role_list(struct request *r);
int api_role_get(struct request *r);
int api_role_create(struct request *r);
int api_role_update(struct request *r);
int api_role_delete(struct request *r);
int api_permission_list(struct request *r);
int api_policy_get(struct request *r);
int api_policy_put(struct request *r);
int api_audit_list(struct request *r);
int api_audit_verify(struct request *r);
int api_audit_catalogue(struct request *r);
int api_complaint_create(struct request *r);
int api_complaint_list(struct request *r);
int api_complaint_get(struct request *r);
int api_complaint_update(struct request *r);
int api_complaint_timeline(struct request *r);
int api_complaint_action(struct request *r);
int api_complaint_identity(struct request *r);
int api_complaint_print(struct request *r);
int api_complaint_assignees(struct request *r);
int api_complaint_export(struct request *r);
/* The query-string filters of the complaint list (and export): *fb holds buffers the filter points
 * into and the institutions asked for (caller calls api_filter_bufs_free). 0, or replies and -1
 * (then nothing is left to free). */
struct complaint_filter;
struct filter_bufs {
	char name_b[33], id_b[33], phone_b[33];
	json_t *org, *complained_org;
};
void api_filter_bufs_free(struct filter_bufs *fb);
int api_complaint_filter(struct request *r, struct complaint_filter *f, struct filter_bufs *fb);
int api_todo(struct request *r);
/* Publishes a live "complaint" event for a row with id, complaint_no, org_path, registrar_id and
 * handler_id: the deadline watch ("deadline") and attachments ("attachment") use it. */
void api_complaint_publish(json_t *row, const char *action);
int api_notification_list(struct request *r);
int api_notification_read(struct request *r);
int api_codes_list(struct request *r);
int api_codes_export(struct request *r);
int api_codes_import(struct request *r);
int api_code_create(struct request *r);
int api_code_update(struct request *r);
int api_dict_list(struct request *r);
int api_dict_put(struct request *r);
int api_regions_list(struct request *r);
int api_calendar_list(struct request *r);
int api_calendar_put(struct request *r);
int api_calendar_delete(struct request *r);
int api_settings_get(struct request *r);
int api_settings_limits(struct request *r);
int api_settings_put(struct request *r);
int api_attachment_upload(struct request *r);
int api_attachment_list(struct request *r);
int api_attachment_download(struct request *r);
int api_report(struct request *r);
int api_dashboard(struct request *r);
/* The filters shared by every report (date range, institution, codes, status, channel, layout)
 * and the caller's data scope into *p; *org is the institution asked for or NULL (caller
 * json_decref's it). 0, or replies and returns -1. */
struct report_params;
int api_report_params(struct request *r, struct report_params *p, json_t **org);
/* Replies with a report's JSON (built for p) as a formatted xlsx, and audits the export. Takes res. */
int api_report_send_xlsx(struct request *r, const struct report_params *p, json_t *res);
/* 投诉明细报表 export jobs: create (POST), state, and the finished file. */
int api_report_export_create(struct request *r);
int api_report_export_get(struct request *r);
int api_report_export_file(struct request *r);
int api_regulator_status(struct request *r);
int api_regulator_sync(struct request *r);
int api_regulator_submissions(struct request *r);
int api_regulator_submission(struct request *r);
int api_regulator_retry(struct request *r);
int api_regulator_settings_get(struct request *r);
int api_regulator_settings_put(struct request *r);
int api_regulator_alerts(struct request *r);
int api_healthz(struct request *r);
int api_metrics(struct request *r);
int api_openapi(struct request *r);

/* Historical-complaint import (api/imports.c). */
#define IMPORT_MAX_BYTES ((size_t)64 << 20)
int api_import_fields(struct request *r);
int api_import_mapping_list(struct request *r);
int api_import_mapping_save(struct request *r);
int api_import_upload(struct request *r);
int api_import_run(struct request *r);
int api_import_list(struct request *r);
int api_import_get(struct request *r);
int api_import_errors(struct request *r);
int api_import_report(struct request *r);

#endif
