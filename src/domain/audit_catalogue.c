/* Audit action and object-type labels (see audit_catalogue.h). Adding an audit event means
 * adding its line here; tests/api/audit-catalogue.test.mjs fails otherwise. */
#include "domain/audit_catalogue.h"
#include "domain/vocabulary.h"
#include <stdio.h>
#include <string.h>

struct entry {
	const char *code, *label, *group;
};

/* Complaint actions outside the workflow table (intake, reading, printing, files). */
static const struct entry actions[] = {
	{"auth.login", "登录", "登录与会话"},
	{"auth.login_failed", "登录失败", "登录与会话"},
	{"auth.lockout", "账户锁定（失败次数超限）", "登录与会话"},
	{"auth.logout", "退出登录", "登录与会话"},
	{"auth.oidc_start", "发起统一身份认证登录", "登录与会话"},
	{"auth.password_change", "修改密码", "登录与会话"},
	{"complaint.draft", "暂存投诉单", "投诉管理"},
	{"complaint.draft_update", "修改暂存投诉单", "投诉管理"},
	{"complaint.register", "投诉登记", "投诉管理"},
	{"complaint.update", "修改投诉单", "投诉管理"},
	/* complaint.<workflow action> are inserted here from the workflow table */
	{"complaint.unmask", "查看完整投诉人信息", "投诉管理"},
	{"complaint.print", "结单打印", "投诉管理"},
	{"complaint.lookup", "按证件号码或电话精确查询投诉人", "投诉管理"},
	{"complaint.export", "导出投诉单查询结果", "投诉管理"},
	{"complaint.attachment_upload", "上传附件", "投诉管理"},
	{"complaint.attachment_download", "下载附件", "投诉管理"},
	{"complaint.consumer_file_download", "下载网上投诉材料", "投诉管理"},
	{"consumer.code_request", "获取短信验证码（网上投诉/进度查询）", "网上投诉"},
	{"consumer.session", "短信验证码校验通过", "网上投诉"},
	{"consumer.session_failed", "短信验证码校验失败", "网上投诉"},
	{"consumer.submit", "提交网上投诉", "网上投诉"},
	{"consumer.file", "网上投诉上传材料", "网上投诉"},
	{"consumer.supplement", "投诉人补充材料", "网上投诉"},
	{"consumer.rating", "投诉人评价处理结果", "网上投诉"},
	{"import.upload", "上传历史投诉文件（试导入或导入）", "投诉管理"},
	{"import.finish", "历史投诉导入任务结束", "投诉管理"},
	{"import.report_download", "下载导入校验报告", "投诉管理"},
	{"import.mapping_save", "保存导入列映射", "投诉管理"},
	{"report.export", "导出统计报表", "统计报表"},
	{"report.export_done", "报表导出完成", "统计报表"},
	{"report.export_download", "下载报表导出文件", "统计报表"},
	{"regulator.sync", "手动同步（监管报送）", "监管报送"},
	{"regulator.retry", "重发报送记录", "监管报送"},
	{"regulator.settings.update", "修改数据同步异常提醒设置", "监管报送"},
	{"regulator.alert.raise", "数据同步异常提醒", "监管报送"},
	{"regulator.alert.clear", "数据同步异常恢复", "监管报送"},
	{"complaint.oa_close", "OA审批超时或撤回（转本系统审批）", "投诉管理"},
	{"integration.subscription.create", "新增推送订阅", "系统集成"},
	{"integration.subscription.update", "修改推送订阅", "系统集成"},
	{"integration.pii.grant", "授权推送个人信息明文", "系统集成"},
	{"integration.pii.revoke", "取消推送个人信息明文授权", "系统集成"},
	{"integration.delivery.replay", "重新推送事件", "系统集成"},
	{"integration.settings.update", "修改集成设置", "系统集成"},
	{"org.create", "新增机构", "组织管理"},
	{"org.update", "修改机构", "组织管理"},
	{"org.move", "移动机构", "组织管理"},
	{"org.delete", "删除机构", "组织管理"},
	{"org.bank_name", "设置机构全称（结单标题）", "组织管理"},
	{"user.create", "新增用户", "组织管理"},
	{"user.update", "修改用户", "组织管理"},
	{"user.roles", "设置用户角色", "组织管理"},
	{"user.close", "注销用户", "组织管理"},
	{"user.enable", "启用用户", "组织管理"},
	{"user.disable", "停用用户", "组织管理"},
	{"user.lock", "锁定用户", "组织管理"},
	{"user.unlock", "解锁用户", "组织管理"},
	{"user.reset_password", "重置密码", "组织管理"},
	{"user.activation_code", "签发账号激活码", "组织管理"},
	{"user.directory_link", "关联目录身份（域账号/统一身份认证）", "组织管理"},
	{"user.directory_unlink", "解除目录身份关联", "组织管理"},
	{"directory.settings.update", "修改目录登录设置（LDAP/统一身份认证）", "组织管理"},
	{"directory.group_roles.update", "修改目录组角色映射", "组织管理"},
	{"user.directory_roles", "按目录组映射调整用户角色", "组织管理"},
	{"role.create", "新增角色", "组织管理"},
	{"role.update", "修改角色", "组织管理"},
	{"role.delete", "删除角色", "组织管理"},
	{"token.create", "创建接口令牌", "组织管理"},
	{"token.revoke", "吊销接口令牌", "组织管理"},
	{"codes.create", "新增分类代码", "基础数据配置"},
	{"codes.update", "修改分类代码", "基础数据配置"},
	{"codes.import", "导入分类代码表", "基础数据配置"},
	{"dictionary.update", "修改字典项（投诉反应渠道、证件类型）", "基础数据配置"},
	{"calendar.set", "设置节假日日历", "基础数据配置"},
	{"calendar.delete", "删除节假日日历项", "基础数据配置"},
	{"settings.update", "修改时限与流程设置", "基础数据配置"},
	{"policy.update", "修改安全策略", "基础数据配置"},
	{"pii.key_rotate", "轮换个人信息加密密钥", "系统"},
	{"pii.key_retire", "停用旧个人信息加密密钥", "系统"},
	{"audit.rechain", "审计链切换密码算法（检查点）", "系统"},
};
#define NACTIONS (sizeof actions / sizeof actions[0])
/* Where the workflow's complaint actions go in the display order: after complaint.update. */
#define WF_INSERT_AT 9

static const struct entry target_types[] = {
	{"complaint", "投诉单", NULL},
	{"consumer", "网上投诉", NULL},
	{"complaints", "投诉单查询结果", NULL},
	{"reports", "统计报表", NULL},
	{"report_exports", "报表导出任务", NULL},
	{"import_job", "历史投诉导入任务", NULL},
	{"import_mapping", "导入列映射", NULL},
	{"regulator", "监管报送", NULL},
	{"regulator_submission", "报送记录", NULL},
	{"regulator_settings", "数据同步异常提醒设置", NULL},
	{"regulator_alert", "数据同步异常提醒", NULL},
	{"webhook_subscription", "推送订阅", NULL},
	{"webhook_delivery", "推送记录", NULL},
	{"integration_settings", "集成设置", NULL},
	{"user", "用户", NULL},
	{"institution", "机构", NULL},
	{"bank_name", "机构全称", NULL},
	{"role", "角色", NULL},
	{"token", "接口令牌", NULL},
	{"code", "分类代码", NULL},
	{"codes", "分类代码表", NULL},
	{"source_channel", "投诉反应渠道", NULL},
	{"id_type", "证件类型", NULL},
	{"calendar", "节假日日历", NULL},
	{"complaint_settings", "时限与流程设置", NULL},
	{"security_policy", "安全策略", NULL},
	{"directory_settings", "目录登录设置", NULL},
	{"pii_key", "个人信息加密密钥", NULL},
	{"audit_chain", "审计链", NULL},
	{"pii_lookup", "投诉人精确查询", NULL},
};
#define NTYPES (sizeof target_types / sizeof target_types[0])

/* The workflow action of "complaint.<name>", or -1. */
static int wf_of(const char *action)
{
	if (!action || strncmp(action, "complaint.", 10) != 0)
		return -1;
	return wf_action_from_name(action + 10);
}

const char *audit_action_label(const char *action)
{
	if (!action)
		return NULL;
	for (size_t i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i].code, action) == 0)
			return actions[i].label;
	int a = wf_of(action);
	return a >= 0 ? vocab_action_label((enum wf_action)a) : NULL;
}

const char *audit_target_type_label(const char *type)
{
	for (size_t i = 0; type && i < NTYPES; i++)
		if (strcmp(target_types[i].code, type) == 0)
			return target_types[i].label;
	return NULL;
}

static int add(json_t *list, const char *code, const char *label, const char *group)
{
	json_t *o = group ? json_pack("{s:s, s:s, s:s}", "code", code, "label", label, "group", group)
			  : json_pack("{s:s, s:s}", "code", code, "label", label);
	return o ? json_array_append_new(list, o) : -1;
}

json_t *audit_catalogue_json(void)
{
	json_t *acts = json_array(), *types = json_array();
	int bad = !acts || !types;
	for (size_t i = 0; !bad && i < NACTIONS; i++) {
		if (i == WF_INSERT_AT)
			for (int a = 0; !bad && a < WF_ACTION_COUNT; a++) {
				char code[64];
				snprintf(code, sizeof code, "complaint.%s", wf_action_name((enum wf_action)a));
				bad = add(acts, code, vocab_action_label((enum wf_action)a), "投诉管理") != 0;
			}
		if (!bad)
			bad = add(acts, actions[i].code, actions[i].label, actions[i].group) != 0;
	}
	for (size_t i = 0; !bad && i < NTYPES; i++)
		bad = add(types, target_types[i].code, target_types[i].label, NULL) != 0;
	if (bad) {
		json_decref(acts);
		json_decref(types);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "actions", acts, "target_types", types);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void audit_catalogue_label_rows(json_t *items)
{
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e)
	{
		json_object_set_new(e, "action_label",
				    str_or_null(audit_action_label(json_string_value(json_object_get(e, "action")))));
		json_object_set_new(e, "target_type_label",
				    str_or_null(audit_target_type_label(
					    json_string_value(json_object_get(e, "target_type")))));
	}
}
