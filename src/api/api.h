/* The JSON API: the route table, authentication of each request, and helpers shared by the
 * resource files (one file per resource: auth.c institutions.c users.c roles.c audit.c ...). */
#ifndef FCMS_API_H
#define FCMS_API_H
#include "domain/permissions.h"
#include "domain/refusal.h"
#include "http/router.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct http_hooks;

extern const struct route api_routes[];
extern const size_t api_route_count;

/* Resolves the caller from the session cookie or a Bearer token into r->user (arena memory).
 * Returns 0 (r->user may stay NULL for anonymous), or -1 after replying (e.g. 401 for a bad
 * token, 503 when the store fails). */
int api_authenticate(struct request *r);
/* The hooks the HTTP server takes from api (authentication, the store connection, the audience
 * of live events): main sets app.hooks = &api_http_hooks. */
extern const struct http_hooks api_http_hooks;

/* 500 for a database failure (logged with the request id; no details leak); 503 "busy" for a
 * transient one (DB_SOFT). Returns 0. */
int reply_db_error(struct request *r, int rc);

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

/* One sign-in attempt whose credential was checked by the caller (local password, LDAP bind,
 * OpenID Connect ID token). api_login_attempt runs the shared rules in one transaction: lockout
 * per (username, source), the source throttle, the account's status and admin lock, the local
 * password switch, the session and the audit event. 0 with a new session in *out, or -1 after
 * replying the refusal (401/403/423/429, Chinese message). */
struct api_login {
	const char *username; /* lockout key and audit name: as typed, or "oidc:<sub>" */
	const char *method;   /* password | ldap | oidc */
	int64_t user_id;      /* the fcms account the credential names; 0 when none */
	bool credential_ok;
	const char *reason;   /* audit reason of a failure; NULL = bad_password / unknown_user */
	bool local_off;       /* a right local password of an account with local passwords off */
	bool redirect_errors; /* refusals as a redirect to the sign-in page (browser navigations) */
	/* Runs inside the sign-in transaction after a success, before its audit event (r->user is
	 * the account then); may run more than once. NULL = none. */
	int (*on_success)(struct request *r, struct db *d, int64_t user_id, void *arg);
	void *arg;
};
struct api_session {
	char token[64], csrf[64];
};
int api_login_attempt(struct request *r, const struct api_login *a, struct api_session *out);
/* True when username is locked from this address now (read only; the attempt decides again):
 * callers skip the directory round trip for a locked name. */
int api_login_locked(struct request *r, const char *username);
/* Replies a sign-in refusal: JSON {error}, or with redirect a 302 to /#/login?sso_error=<code>
 * (the page shows the Chinese message for the code). Returns 0. */
int api_login_refuse(struct request *r, bool redirect, int status, const char *code, const char *message);
/* Adds the session cookie to the pending reply. */
void api_login_cookie(struct request *r, const struct api_session *sess);
/* Replies 200 {user, csrf_token} with the cookie. Returns 0. */
int api_login_reply(struct request *r, int64_t user_id, const struct api_session *sess);

/* Directory sign-in and its administration (api/sso.c). */
int api_auth_methods(struct request *r);
int api_auth_ldap_login(struct request *r);
int api_auth_oidc_start(struct request *r);
int api_auth_oidc_callback(struct request *r);
int api_directory_settings_get(struct request *r);
int api_directory_settings_put(struct request *r);
int api_directory_links(struct request *r);
int api_directory_link_put(struct request *r);
int api_directory_link_delete(struct request *r);
int api_directory_group_roles_get(struct request *r);
int api_directory_group_roles_put(struct request *r);

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
/* 机构全称 of the closure form: GET for every signed-in user, PUT for org.manage (whole bank). */
int api_bank_name_get(struct request *r);
int api_bank_name_put(struct request *r);
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
/* GET /api/v1/meta: the complaint vocabulary (api/meta.c), with an ETag. */
int api_meta(struct request *r);
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
/* Registers the complaint in r->json (POST /complaints's fields, validated by the caller) under
 * a number reserved earlier (网上投诉), running also(d, arg, new id) in the same transaction
 * (it may run twice). 0 with the client view in *out (caller owns); else the transaction's
 * status, a refusal in *e. */
int api_complaint_register_reserved(struct request *r, const char *complaint_no,
				    int (*also)(struct db *d, void *arg, int64_t id), void *arg, json_t **out,
				    struct refusal *e);
/* The consumer channel (网上投诉, 投诉进度查询; api/consumer.c): public, then staff. */
int api_public_meta(struct request *r);
int api_public_challenge(struct request *r);
int api_public_sms_code(struct request *r);
int api_public_session(struct request *r);
int api_public_session_end(struct request *r);
int api_public_submit(struct request *r);
int api_public_file(struct request *r);
int api_public_progress(struct request *r);
int api_public_supplement(struct request *r);
int api_public_rating(struct request *r);
int api_consumer_queue(struct request *r);
int api_consumer_confirm(struct request *r);
int api_consumer_detail(struct request *r);
/* GET /complaints/{id}/consumer/files/{fid}: a file the consumer uploaded, as a download (audited
 * complaint.consumer_file_download); 404 if fid belongs to another complaint. */
int api_consumer_file_download(struct request *r);
/* The query-string filters of the complaint list (and export): *fb holds buffers the filter points
 * into and the institutions asked for (caller calls api_filter_bufs_free). 0, or replies and -1
 * (then nothing is left to free). */
struct complaint_filter;
struct filter_bufs {
	char name_b[2][33], id_b[2][33], phone_b[2][33]; /* one per blind-index family (pii.h) */
	json_t *org, *complained_org;
};
void api_filter_bufs_free(struct filter_bufs *fb);
/* The query parameter key as epoch ms: ISO 8601 with offset, or YYYY-MM-DD meaning the start of
 * that day in the bank's time zone (end: the start of the next day). 0 when absent; *bad set
 * when malformed. */
int64_t api_query_time(struct request *r, const char *key, bool end, bool *bad);
int api_complaint_filter(struct request *r, struct complaint_filter *f, struct filter_bufs *fb);
int api_todo(struct request *r);
/* Runs workflow action on complaint id as principal as (borrowed; the OA's decision) with params
 * (borrowed; the current version is added), inside the caller's write transaction d: the same
 * checks, timeline, audit, notifications and outbox rows as in-app. 0 with *result (the stored
 * row, caller owns), 1 with *e (a refusal), or a negative db status. May run twice. */
struct principal;
int api_complaint_act_in_tx(struct request *r, struct db *d, const struct principal *as, int64_t id,
			    const char *action, json_t *params, json_t **result, struct refusal *e);
/* Integration (issue 15, api/integration.c). */
int api_hook_sub_list(struct request *r);
int api_hook_sub_create(struct request *r);
int api_hook_sub_update(struct request *r);
int api_hook_deliveries(struct request *r);
int api_hook_delivery(struct request *r);
int api_hook_replay(struct request *r);
int api_integration_settings_get(struct request *r);
int api_integration_settings_put(struct request *r);
int api_callcenter_accounts(struct request *r);
int api_oa_approvals(struct request *r);
int api_oa_callback(struct request *r);
int api_callcenter_lookup(struct request *r);
int api_callcenter_create(struct request *r);
int api_callcenter_recording(struct request *r);
int api_callcenter_recording_state(struct request *r);
int api_callcenter_recording_fetch(struct request *r);
/* The call centre's recording target: complaint_id registered by the caller's account. 1, 0 with
 * a 404 refusal in *e, or a negative db status. */
int api_recording_target(struct request *r, struct db *d, int64_t complaint_id, struct refusal *e);
/* Moves the finished upload at tmp_path into the attachment store (SHA-256 taken on the way)
 * and records it on complaint_id (audited as complaint.attachment_upload with recording=true,
 * and source_url when the file was fetched from a recording server; NULL for an upload).
 * 0 with *out the attachment (caller owns), or -1 after replying with the error. */
int api_attachment_adopt(struct request *r, int64_t complaint_id, const char *tmp_path, const char *name,
			 const char *mime, const char *source_url, json_t **out);

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
/* The complaint id must be visible to r's user (registrar, handler, or within scope): 1 (and,
 * if no is not NULL, its complaint number copied into no[no_len]), 0 with a 404 refusal in *e,
 * negative DB_* error. */
int api_complaint_visible(struct request *r, struct db *d, int64_t id, char *no, size_t no_len, struct refusal *e);
/* Replies 200 streaming a stored file as a download: row holds storage_name, name and mime (the
 * sniffed type; borrowed, the caller still owns row); Content-Disposition: attachment (nosniff is
 * added to every reply by http/server.c).
 * Replies 500 if the file is missing. Returns the reply's result. */
int api_attachment_send(struct request *r, json_t *row);
/* Writes r's body to DATA/attachments/<2>/<storage_name> (0600, fsync'd; path gets the file's
 * path). 0, or -1 (nothing left behind). */
int api_attachment_write(struct request *r, const char *storage_name, char *path, size_t pathlen);
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
