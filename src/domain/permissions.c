/* Permission catalogue and the data-scope rules. Pure functions, unit tested. */
#include "domain/permissions.h"
#include <stdio.h>
#include <string.h>

const struct perm_info perm_catalogue[] = {
	{P_COMPLAINT_REGISTER, "complaint.register", "投诉登记", "投诉管理"},
	{P_COMPLAINT_HANDLE, "complaint.handle", "投诉处理", "投诉管理"},
	{P_COMPLAINT_REVIEW, "complaint.review", "投诉审核", "投诉管理"},
	{P_COMPLAINT_CALLBACK, "complaint.callback", "投诉回访", "投诉管理"},
	{P_COMPLAINT_DELETE_APPROVE, "complaint.delete.approve", "投诉删除审批", "投诉管理"},
	{P_COMPLAINT_VIEW, "complaint.view", "投诉查询", "投诉管理"},
	{P_PII_UNMASK, "pii.unmask", "查看完整个人信息", "投诉管理"},
	{P_PII_LOOKUP, "pii.lookup", "按证件号码或电话精确查询投诉人", "投诉管理"},
	{P_COMPLAINT_IMPORT, "complaint.import", "历史投诉导入", "投诉管理"},
	{P_REPORT_VIEW, "report.view", "统计报表", "统计报表"},
	{P_REGULATOR_MANAGE, "regulator.manage", "监管报送管理", "统计报表"},
	{P_ORG_MANAGE, "org.manage", "机构管理", "组织管理"},
	{P_USER_MANAGE, "user.manage", "用户管理", "组织管理"},
	{P_ROLE_MANAGE, "role.manage", "角色与权限管理", "组织管理"},
	{P_USER_STATUS, "user.status", "用户状态管理(锁定/解锁/重置密码)", "组织管理"},
	{P_TOKEN_MANAGE, "token.manage", "接口令牌管理", "组织管理"},
	{P_INTEGRATION_MANAGE, "integration.manage", "系统集成管理（推送订阅、OA对接、推送日志）", "组织管理"},
	{P_CALLCENTER_LOOKUP, "callcenter.lookup", "客服中心来电弹屏与受理（服务账户）", "投诉管理"},
	{P_CONFIG_MANAGE, "config.manage", "基础数据配置", "基础数据配置"},
	{P_SECURITY_POLICY, "security.policy", "安全策略配置", "基础数据配置"},
	{P_AUDIT_VIEW, "audit.view", "审计日志查看", "系统审计"},
	{0, NULL, NULL, NULL},
};

uint32_t perm_from_code(const char *code)
{
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		if (strcmp(p->code, code) == 0)
			return p->bit;
	return 0;
}

int perm_parse_list(const char *list, uint32_t *mask, const char **bad)
{
	static _Thread_local char word[64];
	*mask = 0;
	const char *s = list ? list : "";
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if (n == 0)
			break;
		snprintf(word, sizeof word, "%.*s", (int)n, s);
		uint32_t bit = n < sizeof word ? perm_from_code(word) : 0;
		if (!bit) {
			if (bad)
				*bad = word;
			return -1;
		}
		*mask |= bit;
		s += n;
	}
	return 0;
}

static const char *const scope_codes[] = {"self", "org", "subtree", "all"};

int scope_from_code(const char *code)
{
	for (int i = 0; i < 4; i++)
		if (code && strcmp(code, scope_codes[i]) == 0)
			return i;
	return -1;
}

const char *scope_code(enum data_scope s)
{
	return (unsigned)s < 4 ? scope_codes[s] : "self";
}

int sanyuan_from_code(const char *code)
{
	if (!code || !*code)
		return SANYUAN_NONE;
	if (strcmp(code, "sys") == 0)
		return SANYUAN_SYS;
	if (strcmp(code, "sec") == 0)
		return SANYUAN_SEC;
	if (strcmp(code, "audit") == 0)
		return SANYUAN_AUDIT;
	return -1;
}

bool sanyuan_conflict(const int *kinds, int n)
{
	int seen = SANYUAN_NONE;
	for (int i = 0; i < n; i++) {
		if (kinds[i] == SANYUAN_NONE)
			continue;
		if (seen != SANYUAN_NONE && seen != kinds[i])
			return true;
		seen = kinds[i];
	}
	return false;
}

static bool path_within(const char *path, const char *root)
{
	size_t n = strlen(root);
	return n > 0 && strncmp(path, root, n) == 0;
}

bool scope_allows(const struct principal *p, const char *obj_org_path, int64_t owner_id)
{
	if (!obj_org_path)
		obj_org_path = "";
	switch (p->scope) {
	case SCOPE_ALL:
		return true;
	case SCOPE_SUBTREE:
		return path_within(obj_org_path, p->org_path);
	case SCOPE_ORG:
		return strcmp(obj_org_path, p->org_path) == 0;
	case SCOPE_SELF:
		return owner_id > 0 ? owner_id == p->user_id : false;
	}
	return false;
}

bool scope_may_register(const struct principal *p, const char *org_path)
{
	return p->scope == SCOPE_ALL || path_within(org_path ? org_path : "", p->org_path);
}

void scope_filter_for(const struct principal *p, struct scope_filter *out)
{
	out->kind = (int)p->scope;
	snprintf(out->path_like, sizeof out->path_like, "%s%%", p->org_path);
	out->org_id = p->org_id;
	out->user_id = p->user_id;
}

enum family perm_family(uint32_t mask)
{
	static const struct {
		uint32_t mask;
		enum family f;
	} fams[] = {{PERMS_SYSTEM, FAMILY_SYSTEM},
		    {PERMS_SECURITY, FAMILY_SECURITY},
		    {PERMS_AUDIT, FAMILY_AUDIT},
		    {PERMS_BUSINESS, FAMILY_BUSINESS}};
	if (!mask)
		return FAMILY_NONE;
	for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++)
		if ((mask & ~fams[i].mask) == 0)
			return fams[i].f;
	return FAMILY_MIXED;
}

enum family role_family_of(const char *sanyuan, uint32_t perms)
{
	switch (sanyuan_from_code(sanyuan)) {
	case SANYUAN_SYS:
		return FAMILY_SYSTEM;
	case SANYUAN_SEC:
		return FAMILY_SECURITY;
	case SANYUAN_AUDIT:
		return FAMILY_AUDIT;
	case SANYUAN_NONE:
		return perm_family(perms);
	}
	return FAMILY_MIXED; /* unknown label: never grantable */
}

const char *family_code(enum family f)
{
	static const char *const codes[] = {"none", "system", "security", "audit", "business", "mixed"};
	return (unsigned)f <= FAMILY_MIXED ? codes[f] : "mixed";
}

const char *family_name(enum family f)
{
	static const char *const names[] = {"无", "系统管理", "安全管理", "审计", "业务", "混合"};
	return (unsigned)f <= FAMILY_MIXED ? names[f] : "混合";
}

enum family family_of_set(const enum family *fams, int n)
{
	enum family seen = FAMILY_NONE;
	for (int i = 0; i < n; i++) {
		if (fams[i] == FAMILY_NONE)
			continue;
		if (fams[i] == FAMILY_MIXED || (seen != FAMILY_NONE && seen != fams[i]))
			return FAMILY_MIXED;
		seen = fams[i];
	}
	return seen;
}
