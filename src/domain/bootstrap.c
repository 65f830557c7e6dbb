/* First-start data (see bootstrap.h). Built-in roles follow the 三员 separation
 * (docs/security.md): the system admin runs institutions and accounts and issues one-time
 * passwords but cannot grant roles or read the audit log; the security admin defines and grants
 * roles, issues activation codes, sets policy and locks business accounts; the audit admin only
 * reads. Every business role holds business permissions only (one family per role). */
#include "domain/bootstrap.h"
#include "domain/audit.h"
#include "domain/password_policy.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

static const struct {
	const char *code, *name, *description, *permissions, *scope, *sanyuan;
} builtin_roles[] = {
	{"sys_admin", "系统管理员", "三员之一：管理机构与账号、重置密码（须安全管理员发放激活码），不能授权、不能查看审计日志",
	 "org.manage user.manage", "all", "sys"},
	{"sec_admin", "安全管理员", "三员之一：定义与授予角色、发放激活码、安全策略、业务账号锁定解锁与接口令牌",
	 "role.manage user.status security.policy token.manage", "all", "sec"},
	{"audit_admin", "审计管理员", "三员之一：只读查看与校验审计日志", "audit.view", "all", "audit"},
	{"registrar", "受理员", "登记各渠道投诉", "complaint.register complaint.view pii.lookup", "org", NULL},
	{"handler", "处理员", "调查处理、答复投诉、申请延期", "complaint.handle complaint.view pii.lookup", "subtree", NULL},
	{"reviewer", "审核员(消保)", "总行消保部：审核、审批、回访、报表、监管报送",
	 "complaint.review complaint.callback complaint.delete.approve complaint.view pii.unmask"
	 " report.view regulator.manage config.manage",
	 "all", NULL},
	{"statistician", "统计员", "查询统计报表", "report.view complaint.view", "subtree", NULL},
	{"manager", "管理层查询", "管理层查询投诉与报表", "complaint.view report.view", "subtree", NULL},
};

struct boot_ctx {
	const char *password;
	bool must_change;
	char hash[128];
	bool created_admin;
};

static int boot_tx(struct db *d, void *arg)
{
	struct boot_ctx *c = arg;
	c->created_admin = false; /* a retried transaction starts over */
	int64_t now = now_ms(), root_id = 0, id;
	int rc = store_org_root_id(d, &root_id);
	if (rc < 0)
		return rc;
	struct audit_event ev = {.actor = "system", .ip = "", .result = "ok"};
	if (rc == 0) {
		struct org_fields f = {.name = "总行", .internal_code = "HQ", .fin_code = "HQ000000000000",
				       .region_code = "110000", .type = "head_office", .address = ""};
		if ((rc = store_org_insert(d, 0, &f, now, &root_id)) < 0)
			return rc;
		char tid[24];
		snprintf(tid, sizeof tid, "%lld", (long long)root_id);
		ev.action = "org.create", ev.target_type = "institution", ev.target_id = tid;
		ev.detail = json_pack("{s:s}", "bootstrap", "root institution");
		rc = audit_append(d, &ev);
		json_decref(ev.detail);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof builtin_roles / sizeof builtin_roles[0]; i++) {
		if ((rc = store_role_id(d, builtin_roles[i].code, &id)) != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if ((rc = store_role_insert(d, builtin_roles[i].code, builtin_roles[i].name,
					    builtin_roles[i].description, builtin_roles[i].permissions,
					    builtin_roles[i].scope, true, builtin_roles[i].sanyuan, now, &id)) < 0)
			return rc;
	}
	struct user_auth ua;
	if ((rc = store_user_auth(d, "admin", &ua)) != 0)
		return rc < 0 ? rc : 0;
	int64_t admin_id, role_id = 0;
	if ((rc = store_user_insert(d, "admin", "系统管理员", root_id, "", "", c->hash, false, now, &admin_id)) < 0)
		return rc;
	if (!c->must_change &&
	    (rc = store_user_set_must_change(d, admin_id, false)) < 0)
		return rc;
	if ((rc = store_role_id(d, "sys_admin", &role_id)) != 1)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = store_user_set_roles(d, admin_id, &role_id, 1)) < 0)
		return rc;
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)admin_id);
	ev.action = "user.create", ev.target_type = "user", ev.target_id = tid;
	ev.detail = json_pack("{s:s, s:s}", "bootstrap", "admin account", "role", "sys_admin");
	rc = audit_append(d, &ev);
	json_decref(ev.detail);
	c->created_admin = rc >= 0;
	return rc < 0 ? rc : 0;
}

int bootstrap_run(struct db *d, const char *admin_password)
{
	struct boot_ctx c = {0};
	char random_pw[17];
	struct user_auth ua;
	int rc = store_user_auth(d, "admin", &ua);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (admin_password && *admin_password) {
			struct password_policy pp;
			const char *reason;
			password_policy_for("dengbao", &pp);
			if (password_check(&pp, admin_password, "admin", &reason) != 0) {
				fprintf(stderr, "FCMS_ADMIN_PASSWORD 不符合密码策略：%s\n", reason);
				return -1;
			}
			c.password = admin_password;
		} else {
			crypto_random_password(random_pw);
			c.password = random_pw;
			c.must_change = true;
		}
		if (crypto_password_hash(c.password, c.hash) != 0)
			return -1;
	}
	rc = db_tx(d, true, boot_tx, &c);
	if (rc != 0) {
		fprintf(stderr, "bootstrap failed (%d)\n", rc);
		return -1;
	}
	if (c.created_admin) {
		if (c.must_change)
			printf("管理员账号已创建 / admin account created: admin / %s  (首次登录须修改密码 / must be "
			       "changed at first login)\n",
			       c.password);
		else
			printf("管理员账号已创建 / admin account created: admin (password from FCMS_ADMIN_PASSWORD)\n");
		fflush(stdout);
	}
	return 0;
}
