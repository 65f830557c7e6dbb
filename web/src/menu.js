// The side menu: groups and items in the order bank staff expect. `perm` (one code or a list,
// any of which suffices) decides visibility; items without `perm` are open to every user.
// `report` names the statistical report a page shows (views/reports/reportDefs.js).
import { REPORTS, reportPath } from './views/reports/reportDefs.js'

const TODO_PERMS = ['complaint.register', 'complaint.handle', 'complaint.review', 'complaint.callback',
  'complaint.delete.approve']
// Base data is readable by every signed-in user (the API allows it); the menu offers it to
// complaint staff and to those who maintain it (config.manage), not to the 三员 administrators.
const BASE_DATA_READ = ['config.manage', 'complaint.view', 'complaint.register']

export const MENU = [
  { path: '/home', title: '首页', icon: 'HomeFilled' },
  {
    // Item names as the regulator's system and the seed name them.
    title: '投诉管理', icon: 'Tickets', children: [
      { path: '/complaints/new', title: '投诉录入', perm: 'complaint.register' },
      { path: '/complaints/drafts', title: '暂存处理', perm: 'complaint.register' },
      { path: '/complaints/online', title: '网上投诉登记', perm: 'complaint.register' },
      { path: '/complaints/todo', title: '待办处理', perm: TODO_PERMS },
      { path: '/complaints/search', title: '投诉单查询', perm: 'complaint.view' },
      { path: '/complaints/print', title: '结单打印', perm: 'complaint.view' },
      { path: '/complaints/callbacks', title: '回访处理', perm: 'complaint.callback' },
      { path: '/complaints/delete-approvals', title: '投诉工单删除', perm: 'complaint.delete.approve' },
      { path: '/complaints/sync', title: '手动同步', perm: 'regulator.manage' },
      { path: '/complaints/import', title: '历史投诉导入', perm: 'complaint.import' },
    ],
  },
  {
    title: '统计报表', icon: 'DataAnalysis', children: [
      ...REPORTS.map((r) => ({ path: reportPath(r.name), title: r.menu || r.title, perm: 'report.view', report: r.name })),
      { path: '/reports/regulatory', title: '报送管理', perm: 'regulator.manage' },
    ],
  },
  {
    title: '组织管理', icon: 'OfficeBuilding', children: [
      { path: '/org/institutions', title: '机构管理' },
      { path: '/org/users', title: '用户管理', perm: ['user.manage', 'role.manage'] },
      { path: '/org/roles', title: '角色管理', perm: 'role.manage' },
      { path: '/org/user-status', title: '用户状态管理', perm: 'user.status' },
      { path: '/org/bank-name', title: '机构全称设置', perm: 'org.manage' },
      { path: '/org/directory', title: '目录登录设置', perm: ['user.manage', 'role.manage'] },
      { path: '/org/integration', title: '系统集成', perm: 'integration.manage' },
      { path: '/org/integration-callcenter', title: '客服中心对接', perm: 'integration.manage' },
      { path: '/org/integration-oa', title: 'OA审批', perm: 'integration.manage' },
    ],
  },
  {
    title: '基础数据配置', icon: 'Setting', children: [
      { path: '/config/categories', title: '投诉分类代码', perm: BASE_DATA_READ },
      { path: '/config/rights', title: '基本权益侵害配置', perm: BASE_DATA_READ },
      { path: '/config/dictionaries', title: '投诉反应渠道配置', perm: BASE_DATA_READ },
      { path: '/config/calendar', title: '节假日日历', perm: BASE_DATA_READ },
      { path: '/config/complaint-settings', title: '时限与流程设置', perm: BASE_DATA_READ },
      { path: '/config/reminders', title: '工单待办提醒设置', perm: BASE_DATA_READ },
      { path: '/reports/regulatory-alerts', title: '数据同步异常提醒设置', perm: 'regulator.manage' },
      { path: '/config/security', title: '安全策略', perm: 'security.policy' },
    ],
  },
  {
    title: '系统审计', icon: 'Document', children: [
      { path: '/audit/logs', title: '审计日志', perm: 'audit.view' },
    ],
  },
]

export function allowed(item, can) {
  if (!item.perm) return true
  const perms = Array.isArray(item.perm) ? item.perm : [item.perm]
  return perms.some(can)
}

// Menu filtered for the user; groups with no visible item disappear.
export function visibleMenu(can) {
  const out = []
  for (const entry of MENU) {
    if (entry.children) {
      const children = entry.children.filter((c) => allowed(c, can))
      if (children.length) out.push({ ...entry, children })
    } else if (allowed(entry, can)) {
      out.push(entry)
    }
  }
  return out
}

export function findMenuItem(path) {
  for (const entry of MENU) {
    if (entry.path === path) return { item: entry, group: null }
    for (const c of entry.children || []) if (c.path === path) return { item: c, group: entry }
  }
  return null
}
