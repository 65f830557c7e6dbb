/* Helpers shared by the resource handlers: transaction refusals, audit events for the caller,
 * and the user view. */
#include "api/api.h"
#include "domain/actor.h"
#include "domain/audit.h"
#include "domain/password_policy.h"
#include "domain/security_policy.h"
#include "http/request.h"
#include "store/store.h"
#include "util/log.h"
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int reply_db_error(struct request *r, int rc)
{
	log_error("req=%s database failure %d on %s %s", r->id, rc, r->method, r->path);
	if (rc == DB_SOFT)
		return reply_error(r, 503, "busy", "系统繁忙，请稍后重试", NULL);
	return reply_error(r, 500, "internal", "服务器内部错误，请联系管理员", NULL);
}

int api_reply_tx_error(struct request *r, int rc, const struct refusal *e, const char *dup_code,
		       const char *dup_message)
{
	if (rc > 0 && e && e->code)
		return reply_error(r, e->status, e->code, e->message, refusal_field(e));
	if (rc == DB_CONSTRAINT && dup_code)
		return reply_error(r, 409, dup_code, dup_message, NULL);
	return reply_db_error(r, rc);
}

int api_audit(struct request *r, struct db *d, const char *action, const char *target_type,
	      int64_t target_id, const char *result, json_t *detail)
{
	struct actor who = {r->user, r->ip};
	return audit_by(d, &who, action, target_type, target_id, result, detail);
}

static void to_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (v)
		json_object_set_new(o, key, json_boolean(json_integer_value(v) != 0));
}

json_t *api_user_view(json_t *u)
{
	if (!u)
		return NULL;
	int64_t now = now_ms();
	to_bool(u, "is_service");
	to_bool(u, "must_change_password");
	int64_t locked_until = json_integer_value(json_object_get(u, "locked_until"));
	json_object_set_new(u, "locked", json_boolean(locked_until > now));
	struct security_policy sp;
	struct password_policy pp;
	struct db *d = store_conn();
	bool expired = false;
	if (d && security_policy_get(d, &sp) == 0 && password_policy_for(sp.password_profile, &pp) == 0 &&
	    !json_is_true(json_object_get(u, "is_service")))
		expired = password_expired(&pp, json_integer_value(json_object_get(u, "password_changed_at")), now);
	json_object_set_new(u, "password_expired", json_boolean(expired));

	uint32_t perms = 0;
	int scope = SCOPE_SELF;
	json_t *roles = json_object_get(u, "roles"), *out_roles = json_array();
	enum family fam = FAMILY_NONE;
	size_t i;
	json_t *role;
	json_array_foreach(roles, i, role)
	{
		uint32_t mask = 0;
		perm_parse_list(json_string_value(json_object_get(role, "permissions")), &mask, NULL);
		perms |= mask;
		enum family f[2] = {fam, role_family_of(json_string_value(json_object_get(role, "sanyuan")), mask)};
		fam = family_of_set(f, 2);
		int s = scope_from_code(json_string_value(json_object_get(role, "data_scope")));
		if (s > scope)
			scope = s;
		json_array_append_new(out_roles, json_pack("{s:O, s:O, s:O, s:O}", "id",
							   json_object_get(role, "id"), "code",
							   json_object_get(role, "code"), "name",
							   json_object_get(role, "name"), "sanyuan",
							   json_object_get(role, "sanyuan")));
	}
	json_object_set_new(u, "roles", out_roles);
	json_object_set_new(u, "family", json_string(family_code(fam)));
	json_t *plist = json_array();
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		if (perms & p->bit)
			json_array_append_new(plist, json_string(p->code));
	json_object_set_new(u, "permissions", plist);
	json_object_set_new(u, "data_scope", json_string(scope_code((enum data_scope)scope)));
	return u;
}

static int reply_fd(struct request *r, int fd, const char *mime, const char *disposition);

int api_reply_temp_file(struct request *r, const char *path, const char *mime, const char *disposition)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path); /* the open descriptor keeps the bytes until the reply is sent */
	return reply_fd(r, fd, mime, disposition);
}

int api_reply_file(struct request *r, const char *path, const char *mime, const char *disposition)
{
	return reply_fd(r, open(path, O_RDONLY | O_CLOEXEC), mime, disposition);
}

static int reply_fd(struct request *r, int fd, const char *mime, const char *disposition)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return reply_error(r, 500, "internal", "导出失败", NULL);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return reply_error(r, 500, "internal", "导出失败", NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
	MHD_add_response_header(resp, "Content-Disposition", disposition);
	return reply_response(r, 200, resp);
}
