/* Every route of the server in one table: method, path, handler, the permissions that may call
 * it, flags. `fcms routes` prints it; a test compares it with docs/openapi.yaml. */
#include "api/api.h"
#include "domain/permissions.h"
#include "http/events.h"

#define PW ROUTE_PW_CHANGE_OK
#define V1 "/api/v1"
#define PUB "/api/public/v1"
#define CONSUMER (ROUTE_PUBLIC | ROUTE_NO_CSRF | ROUTE_CONSUMER)
/* Everyone who works on complaints may read them (within scope); actions check their own. */
#define COMPLAINT_READERS                                                                       \
	(P_COMPLAINT_VIEW | P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW |      \
	 P_COMPLAINT_CALLBACK | P_COMPLAINT_DELETE_APPROVE)
/* Those who add material to a complaint: not the read-only roles (统计员, 管理层查询). */
#define COMPLAINT_CONTRIBUTORS                                                                  \
	(P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW | P_COMPLAINT_CALLBACK)

const struct route api_routes[] = {
	{"GET", "/healthz", api_healthz, 0, ROUTE_PUBLIC, 0, "健康检查"},
	{"GET", "/metrics", api_metrics, 0, ROUTE_PUBLIC, 0, "Prometheus 指标"},
	{"GET", V1 "/openapi.yaml", api_openapi, 0, ROUTE_PUBLIC, 0, "OpenAPI 文档"},

	{"POST", V1 "/auth/login", api_auth_login, 0, ROUTE_PUBLIC | ROUTE_NO_CSRF, 4096, "登录"},
	{"POST", V1 "/auth/logout", api_auth_logout, 0, PW, 0, "退出登录"},
	{"GET", V1 "/auth/me", api_auth_me, 0, PW, 0, "当前用户"},
	{"POST", V1 "/auth/password", api_auth_password, 0, PW, 4096, "修改密码"},
	{"GET", V1 "/auth/methods", api_auth_methods, 0, ROUTE_PUBLIC, 0, "可用登录方式"},
	{"POST", V1 "/auth/ldap/login", api_auth_ldap_login, 0, ROUTE_PUBLIC | ROUTE_NO_CSRF, 4096, "域账号登录"},
	{"GET", V1 "/auth/oidc/start", api_auth_oidc_start, 0, ROUTE_PUBLIC, 0, "发起统一身份认证登录"},
	{"GET", V1 "/auth/oidc/callback", api_auth_oidc_callback, 0, ROUTE_PUBLIC, 0, "统一身份认证回调"},
	{"GET", V1 "/directory/settings", api_directory_settings_get, P_USER_MANAGE, 0, 0, "目录登录设置"},
	{"PUT", V1 "/directory/settings", api_directory_settings_put, P_USER_MANAGE, 0, 0, "修改目录登录设置"},
	{"GET", V1 "/directory/links", api_directory_links, P_USER_MANAGE, 0, 0, "目录身份关联列表"},
	{"GET", V1 "/directory/group-roles", api_directory_group_roles_get, P_ROLE_MANAGE, 0, 0, "目录组角色映射"},
	{"PUT", V1 "/directory/group-roles", api_directory_group_roles_put, P_ROLE_MANAGE, 0, 0, "修改目录组角色映射"},
	{"PUT", V1 "/users/{id}/directory-link", api_directory_link_put, P_USER_MANAGE, 0, 0, "关联目录身份"},
	{"DELETE", V1 "/users/{id}/directory-link", api_directory_link_delete, P_USER_MANAGE, 0, 0, "解除目录身份关联"},

	{"GET", V1 "/institutions", api_org_list, 0, 0, 0, "机构列表"},
	{"POST", V1 "/institutions", api_org_create, P_ORG_MANAGE, 0, 0, "新增机构"},
	{"GET", V1 "/institutions/{id}", api_org_get, 0, 0, 0, "机构详情"},
	{"PATCH", V1 "/institutions/{id}", api_org_update, P_ORG_MANAGE, 0, 0, "修改机构"},
	{"DELETE", V1 "/institutions/{id}", api_org_delete, P_ORG_MANAGE, 0, 0, "删除机构"},
	{"POST", V1 "/institutions/{id}/move", api_org_move, P_ORG_MANAGE, 0, 0, "移动机构"},

	{"GET", V1 "/users", api_user_list, P_USER_MANAGE | P_USER_STATUS | P_TOKEN_MANAGE, 0, 0, "用户列表"},
	{"POST", V1 "/users", api_user_create, P_USER_MANAGE, 0, 0, "新增用户"},
	{"GET", V1 "/users/{id}", api_user_get, P_USER_MANAGE | P_USER_STATUS | P_TOKEN_MANAGE, 0, 0, "用户详情"},
	{"PATCH", V1 "/users/{id}", api_user_update, P_USER_MANAGE, 0, 0, "修改用户"},
	{"DELETE", V1 "/users/{id}", api_user_close, P_USER_MANAGE, 0, 0, "注销用户"},
	{"PUT", V1 "/users/{id}/roles", api_user_set_roles, P_ROLE_MANAGE, 0, 0, "设置用户角色"},
	{"POST", V1 "/users/{id}/enable", api_user_enable, P_USER_MANAGE, 0, 0, "启用用户"},
	{"POST", V1 "/users/{id}/disable", api_user_disable, P_USER_MANAGE, 0, 0, "停用用户"},
	{"POST", V1 "/users/{id}/lock", api_user_lock, P_USER_STATUS, 0, 0, "锁定用户"},
	{"POST", V1 "/users/{id}/unlock", api_user_unlock, P_USER_STATUS, 0, 0, "解锁用户"},
	{"POST", V1 "/users/{id}/reset-password", api_user_reset_password, P_USER_MANAGE, 0, 0, "重置密码"},
	{"POST", V1 "/users/{id}/activation-code", api_user_activation_code, P_USER_STATUS, 0, 0, "发放激活码"},
	{"GET", V1 "/users/{id}/tokens", api_token_list, P_TOKEN_MANAGE, 0, 0, "接口令牌列表"},
	{"POST", V1 "/users/{id}/tokens", api_token_create, P_TOKEN_MANAGE, 0, 0, "创建接口令牌"},
	{"DELETE", V1 "/tokens/{id}", api_token_revoke, P_TOKEN_MANAGE, 0, 0, "吊销接口令牌"},

	{"GET", V1 "/roles", api_role_list, P_ROLE_MANAGE | P_USER_MANAGE, 0, 0, "角色列表"},
	{"POST", V1 "/roles", api_role_create, P_ROLE_MANAGE, 0, 0, "新增角色"},
	{"GET", V1 "/roles/{id}", api_role_get, P_ROLE_MANAGE | P_USER_MANAGE, 0, 0, "角色详情"},
	{"PATCH", V1 "/roles/{id}", api_role_update, P_ROLE_MANAGE, 0, 0, "修改角色"},
	{"DELETE", V1 "/roles/{id}", api_role_delete, P_ROLE_MANAGE, 0, 0, "删除角色"},
	{"GET", V1 "/permissions", api_permission_list, P_ROLE_MANAGE | P_USER_MANAGE, 0, 0, "权限目录"},

	{"GET", V1 "/security/policy", api_policy_get, P_SECURITY_POLICY | P_USER_MANAGE | P_USER_STATUS, 0, 0, "安全策略"},
	{"PUT", V1 "/security/policy", api_policy_put, P_SECURITY_POLICY, 0, 0, "修改安全策略"},

	{"POST", V1 "/complaints", api_complaint_create, P_COMPLAINT_REGISTER, 0, 0, "投诉录入（可暂存）"},
	{"GET", V1 "/complaints", api_complaint_list, COMPLAINT_READERS, 0, 0, "投诉单查询"},
	{"GET", V1 "/reports/{name}", api_report, P_REPORT_VIEW, 0, 0, "统计报表（JSON 或 Excel）"},
	{"POST", V1 "/report-exports", api_report_export_create, P_REPORT_VIEW, 0, 4096, "投诉明细报表导出（后台任务，已脱敏）"},
	{"GET", V1 "/report-exports/{id}", api_report_export_get, P_REPORT_VIEW | P_AUDIT_VIEW, 0, 0, "导出任务状态"},
	{"GET", V1 "/report-exports/{id}/file", api_report_export_file, P_REPORT_VIEW | P_AUDIT_VIEW, 0, 0, "下载导出文件"},
	{"GET", V1 "/dashboard", api_dashboard, P_REPORT_VIEW | COMPLAINT_READERS, 0, 0, "首页统计"},
	{"GET", V1 "/complaints/export", api_complaint_export, COMPLAINT_READERS, 0, 0, "导出查询结果（Excel，已脱敏）"},
	{"GET", V1 "/complaints/{id}", api_complaint_get, COMPLAINT_READERS, 0, 0, "投诉详情"},
	{"PATCH", V1 "/complaints/{id}", api_complaint_update, COMPLAINT_READERS, 0, 0, "修改投诉（暂存或重新分类）"},
	{"GET", V1 "/complaints/{id}/timeline", api_complaint_timeline, COMPLAINT_READERS, 0, 0, "处理轨迹"},
	{"GET", V1 "/complaints/{id}/complainant", api_complaint_identity, COMPLAINT_READERS, 0, 0, "查看完整投诉人信息（pii.unmask，或本人的暂存单）"},
	{"GET", V1 "/complaints/{id}/assignees", api_complaint_assignees, P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW, 0, 0, "可分派的处理人"},
	{"POST", V1 "/complaints/{id}/actions/{action}", api_complaint_action, COMPLAINT_READERS, 0, 0, "投诉处理操作"},
	{"POST", V1 "/complaints/{id}/print", api_complaint_print, COMPLAINT_READERS, 0, 0, "结单打印（记录打印并返回结单数据）"},
	{"GET", V1 "/events", events_subscribe, 0, 0, 0, "实时更新（Server-Sent Events）"},
	{"POST", V1 "/complaints/{id}/attachments", api_attachment_upload, COMPLAINT_CONTRIBUTORS, ROUTE_RAW_BODY | ROUTE_UPLOAD, 0, "上传附件（?name=文件名）"},
	{"GET", V1 "/complaints/{id}/attachments", api_attachment_list, COMPLAINT_READERS, 0, 0, "附件列表"},
	{"GET", V1 "/attachments/{id}", api_attachment_download, COMPLAINT_READERS, 0, 0, "下载附件"},
	{"GET", V1 "/todo", api_todo, 0, 0, 0, "待办"},
	{"GET", V1 "/notifications", api_notification_list, 0, 0, 0, "通知"},
	{"POST", V1 "/notifications/read", api_notification_read, 0, 0, 0, "全部标为已读"},
	{"POST", V1 "/notifications/{id}/read", api_notification_read, 0, 0, 0, "标为已读"},

	{"GET", V1 "/import-fields", api_import_fields, P_COMPLAINT_IMPORT, 0, 0, "历史投诉导入字段"},
	{"GET", V1 "/import-mappings", api_import_mapping_list, P_COMPLAINT_IMPORT, 0, 0, "导入列映射列表"},
	{"POST", V1 "/import-mappings", api_import_mapping_save, P_COMPLAINT_IMPORT, 0, 0, "保存导入列映射（同名覆盖）"},
	{"POST", V1 "/imports", api_import_upload, P_COMPLAINT_IMPORT, ROUTE_RAW_BODY, IMPORT_MAX_BYTES, "上传历史投诉文件（CSV/xlsx，试导入或导入，后台任务）"},
	{"GET", V1 "/imports", api_import_list, P_COMPLAINT_IMPORT, 0, 0, "导入任务列表"},
	{"GET", V1 "/imports/{id}", api_import_get, P_COMPLAINT_IMPORT, 0, 0, "导入任务状态与进度"},
	{"GET", V1 "/imports/{id}/errors", api_import_errors, P_COMPLAINT_IMPORT, 0, 0, "导入任务的错误行"},
	{"GET", V1 "/imports/{id}/report", api_import_report, P_COMPLAINT_IMPORT, 0, 0, "下载逐行校验报告（Excel）"},
	{"POST", V1 "/imports/{id}/import", api_import_run, P_COMPLAINT_IMPORT, 0, 0, "按试导入的文件正式导入"},

	{"GET", V1 "/regulator/status", api_regulator_status, P_REGULATOR_MANAGE, 0, 0, "监管报送状态"},
	{"POST", V1 "/regulator/sync", api_regulator_sync, P_REGULATOR_MANAGE, 0, 0, "手动同步（到期记录、日期范围或失败记录）"},
	{"GET", V1 "/regulator/submissions", api_regulator_submissions, P_REGULATOR_MANAGE, 0, 0, "报送记录"},
	{"GET", V1 "/regulator/submissions/{id}", api_regulator_submission, P_REGULATOR_MANAGE, 0, 0, "报送记录详情（报文与每次尝试）"},
	{"POST", V1 "/regulator/submissions/{id}/retry", api_regulator_retry, P_REGULATOR_MANAGE, 0, 0, "重发报送记录"},
	{"GET", V1 "/regulator/settings", api_regulator_settings_get, P_REGULATOR_MANAGE, 0, 0, "报送与数据同步异常提醒设置"},
	{"PUT", V1 "/regulator/settings", api_regulator_settings_put, P_REGULATOR_MANAGE, 0, 0, "修改报送与数据同步异常提醒设置"},
	{"GET", V1 "/regulator/alerts", api_regulator_alerts, P_REGULATOR_MANAGE, 0, 0, "数据同步异常提醒"},

	{"GET", V1 "/integration/subscriptions", api_hook_sub_list, P_INTEGRATION_MANAGE, 0, 0, "推送订阅列表"},
	{"POST", V1 "/integration/subscriptions", api_hook_sub_create, P_INTEGRATION_MANAGE, 0, 0, "新增推送订阅（密钥仅返回一次）"},
	{"PATCH", V1 "/integration/subscriptions/{id}", api_hook_sub_update, P_INTEGRATION_MANAGE, 0, 0, "修改推送订阅"},
	{"GET", V1 "/integration/deliveries", api_hook_deliveries, P_INTEGRATION_MANAGE, 0, 0, "推送日志"},
	{"GET", V1 "/integration/deliveries/{id}", api_hook_delivery, P_INTEGRATION_MANAGE, 0, 0, "推送记录详情（事件与每次尝试）"},
	{"POST", V1 "/integration/deliveries/{id}/replay", api_hook_replay, P_INTEGRATION_MANAGE, 0, 0, "重新推送"},
	{"GET", V1 "/integration/settings", api_integration_settings_get, P_INTEGRATION_MANAGE, 0, 0, "集成设置"},
	{"PUT", V1 "/integration/settings", api_integration_settings_put, P_INTEGRATION_MANAGE, 0, 0, "修改集成设置"},
	{"GET", V1 "/integration/oa-approvals", api_oa_approvals, P_INTEGRATION_MANAGE, 0, 0, "OA审批记录（?status=&kind=&complaint_no=&from=&to=，新的在前）"},
	{"GET", V1 "/integration/callcenter-accounts", api_callcenter_accounts, P_INTEGRATION_MANAGE, 0, 0, "客服中心接入账号（持有 callcenter.lookup 的账号及其令牌）"},
	{"POST", V1 "/oa/callback", api_oa_callback, 0, ROUTE_PUBLIC | ROUTE_NO_CSRF | ROUTE_RAW_BODY, 16384, "OA审批结果回调（HMAC签名）"},
	{"GET", V1 "/callcenter/lookup", api_callcenter_lookup, P_CALLCENTER_LOOKUP, 0, 0, "来电弹屏：按来电号码查询投诉（脱敏、审计、限频）"},
	{"POST", V1 "/callcenter/complaints", api_callcenter_create, P_CALLCENTER_LOOKUP, 0, 0, "客服中心登记投诉（Idempotency-Key）"},
	{"GET", V1 "/callcenter/complaints/{id}/recording", api_callcenter_recording_state, P_CALLCENTER_LOOKUP, 0, 0, "通话录音续传位置（?name=）"},
	{"PUT", V1 "/callcenter/complaints/{id}/recording", api_callcenter_recording, P_CALLCENTER_LOOKUP, ROUTE_RAW_BODY | ROUTE_UPLOAD, 0, "通话录音分段上传（Content-Range，可续传）"},
	{"POST", V1 "/callcenter/complaints/{id}/recording/fetch", api_callcenter_recording_fetch, P_CALLCENTER_LOOKUP, 0, 0, "从允许的录音服务器拉取通话录音（{url, name}）"},

	{"GET", V1 "/codes", api_codes_list, 0, 0, 0, "JR/T 0169 代码表"},
	{"POST", V1 "/codes", api_code_create, P_CONFIG_MANAGE, 0, 0, "新增代码"},
	{"PATCH", V1 "/codes/{id}", api_code_update, P_CONFIG_MANAGE, 0, 0, "修改代码"},
	{"GET", V1 "/codes/export", api_codes_export, P_CONFIG_MANAGE, 0, 0, "导出代码表（CSV）"},
	{"POST", V1 "/codes/import", api_codes_import, P_CONFIG_MANAGE, ROUTE_RAW_BODY, 4 * 1024 * 1024, "导入代码表（CSV）"},
	{"GET", V1 "/dictionaries/{kind}", api_dict_list, 0, 0, 0, "字典（投诉反映渠道、证件类型）"},
	{"PUT", V1 "/dictionaries/{kind}/{code}", api_dict_put, P_CONFIG_MANAGE, 0, 0, "修改字典项"},
	{"GET", V1 "/regions", api_regions_list, 0, 0, 0, "行政区划（GB/T 2260）"},
	{"GET", V1 "/calendar", api_calendar_list, 0, 0, 0, "节假日日历"},
	{"PUT", V1 "/calendar/{day}", api_calendar_put, P_CONFIG_MANAGE, 0, 0, "设置节假日或调休上班日"},
	{"DELETE", V1 "/calendar/{day}", api_calendar_delete, P_CONFIG_MANAGE, 0, 0, "删除日历项"},
	{"GET", V1 "/settings/complaints", api_settings_get, 0, 0, 0, "投诉时限与流程设置"},
	{"GET", V1 "/settings/complaints/limits", api_settings_limits, 0, 0, 0, "投诉时限与流程设置的取值范围"},
	{"PUT", V1 "/settings/complaints", api_settings_put, P_CONFIG_MANAGE, 0, 0, "修改投诉时限与流程设置"},
	{"GET", V1 "/settings/bank", api_bank_name_get, 0, 0, 0, "机构全称（结单标题）"},
	{"PUT", V1 "/settings/bank", api_bank_name_put, P_ORG_MANAGE, 0, 0, "设置机构全称（结单标题）"},

	{"GET", V1 "/audit", api_audit_list, P_AUDIT_VIEW, 0, 0, "审计日志"},
	{"GET", V1 "/audit/verify", api_audit_verify, P_AUDIT_VIEW, 0, 0, "校验审计链"},
	{"GET", V1 "/meta", api_meta, 0, 0, 0, "投诉状态、操作、处理结果等中文名称"},
	{"GET", V1 "/audit/catalogue", api_audit_catalogue, 0, 0, 0, "审计操作类型与对象类型（中文名称）"},

	/* 网上投诉: the registrars' queue, and what the consumer added to a complaint. */
	{"GET", V1 "/consumer-submissions", api_consumer_queue, P_COMPLAINT_REGISTER, 0, 0, "网上投诉待登记"},
	{"POST", V1 "/consumer-submissions/{id}/confirm", api_consumer_confirm, P_COMPLAINT_REGISTER, 0, 0, "网上投诉确认登记"},
	{"GET", V1 "/complaints/{id}/consumer", api_consumer_detail, COMPLAINT_READERS, 0, 0, "网上投诉：验证手机号、补充材料与评价"},
	{"GET", V1 "/complaints/{id}/consumer/files/{fid}", api_consumer_file_download, COMPLAINT_READERS, 0, 0, "下载投诉人网上提交的材料"},

	/* The public consumer API (ROUTE_CONSUMER: answered under /api/public/ only, never with a
	 * staff session; server.c). */
	{"GET", PUB "/meta", api_public_meta, 0, CONSUMER, 0, "网上投诉：机构与业务类型"},
	{"GET", PUB "/challenge", api_public_challenge, 0, CONSUMER, 0, "网上投诉：安全校验题"},
	{"POST", PUB "/sms-codes", api_public_sms_code, 0, CONSUMER, 4096, "获取短信验证码"},
	{"POST", PUB "/sessions", api_public_session, 0, CONSUMER, 4096, "校验短信验证码"},
	{"DELETE", PUB "/session", api_public_session_end, 0, CONSUMER, 0, "结束本次验证"},
	{"POST", PUB "/submissions", api_public_submit, 0, CONSUMER, 32 * 1024, "提交网上投诉"},
	{"POST", PUB "/files", api_public_file, 0, CONSUMER | ROUTE_RAW_BODY | ROUTE_UPLOAD, 0, "上传照片或PDF（?name=文件名）"},
	{"GET", PUB "/progress", api_public_progress, 0, CONSUMER, 0, "投诉进度查询"},
	{"POST", PUB "/supplements", api_public_supplement, 0, CONSUMER, 8192, "补充材料"},
	{"POST", PUB "/rating", api_public_rating, 0, CONSUMER, 4096, "评价处理结果"},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
