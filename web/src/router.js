// Hash-based routes (the server needs no fallback for them). The guard loads the current user
// once, sends anonymous visitors to the login page, forces the password change when the
// server demands it, and keeps users out of pages their permissions do not cover.
import { createRouter, createWebHashHistory } from 'vue-router'
import { session, loadMe, can } from './session.js'
import { loadVocabulary } from './vocabulary.js'
import { MENU, allowed, findMenuItem } from './menu.js'

const Building = () => import('./views/Building.vue')

const pages = {
  '/home': () => import('./views/Home.vue'),
  '/org/institutions': () => import('./views/Institutions.vue'),
  '/org/users': () => import('./views/Users.vue'),
  '/org/roles': () => import('./views/Roles.vue'),
  '/org/user-status': () => import('./views/UserStatus.vue'),
  '/org/bank-name': () => import('./views/BankName.vue'),
  '/org/integration': () => import('./views/integration/Webhooks.vue'),
  '/org/integration-callcenter': () => import('./views/integration/CallCenter.vue'),
  '/org/integration-oa': () => import('./views/integration/OaApprovals.vue'),
  '/config/security': () => import('./views/SecurityPolicy.vue'),
  '/org/directory': () => import('./views/DirectorySettings.vue'),
  '/audit/logs': () => import('./views/AuditLogs.vue'),
  '/complaints/new': () => import('./views/complaints/Register.vue'),
  '/complaints/drafts': () => import('./views/complaints/Drafts.vue'),
  '/complaints/online': () => import('./views/complaints/ConsumerQueue.vue'),
  '/complaints/todo': () => import('./views/complaints/Todo.vue'),
  '/complaints/search': () => import('./views/complaints/Search.vue'),
  '/complaints/callbacks': () => import('./views/complaints/Callbacks.vue'),
  '/complaints/delete-approvals': () => import('./views/complaints/DeleteApprovals.vue'),
  '/complaints/print': () => import('./views/complaints/PrintList.vue'),
  '/complaints/sync': () => import('./views/regulator/Submissions.vue'),
  '/complaints/import': () => import('./views/complaints/Import.vue'),
  '/config/rights': () => import('./views/basedata/Categories.vue'),
  '/config/reminders': () => import('./views/basedata/Settings.vue'),
  '/config/categories': () => import('./views/basedata/Categories.vue'),
  '/config/dictionaries': () => import('./views/basedata/Dictionaries.vue'),
  '/config/calendar': () => import('./views/basedata/Calendar.vue'),
  '/config/complaint-settings': () => import('./views/basedata/Settings.vue'),
  '/reports/regulatory': () => import('./views/regulator/Submissions.vue'),
  '/reports/regulatory-alerts': () => import('./views/regulator/AlertSettings.vue'),
}

// 统计报表: one generic page for every report but the ledger.
const ReportView = () => import('./views/reports/ReportView.vue')
const DetailReport = () => import('./views/reports/DetailReport.vue')
const reportPage = (item) => (item.report === 'detail' ? DetailReport : ReportView)

const children = []
for (const entry of MENU) {
  for (const item of entry.children || [entry]) {
    children.push({
      path: item.path.slice(1),
      component: pages[item.path] || (item.report ? reportPage(item) : Building),
      meta: { title: item.title, group: entry.children ? entry.title : null, perm: item.perm, report: item.report },
    })
  }
}
// Pages outside the menu: `menu` is the item highlighted for them, `perm` guards them.
children.push(
  {
    path: 'complaints/:id(\\d+)', component: () => import('./views/complaints/Detail.vue'),
    meta: { title: '投诉详情', group: '投诉管理', perm: 'complaint.view', menu: '/complaints/search' },
  },
  {
    path: 'complaints/edit/:id(\\d+)', component: () => import('./views/complaints/Register.vue'),
    meta: { title: '编辑暂存投诉单', group: '投诉管理', perm: 'complaint.register', menu: '/complaints/drafts' },
  },
  { path: 'password', component: () => import('./views/ChangePassword.vue'), meta: { title: '修改密码' } },
  { path: 'forbidden', component: () => import('./views/Forbidden.vue'), meta: { title: '无权访问' } },
)

const routes = [
  { path: '/login', component: () => import('./views/Login.vue'), meta: { title: '登录', public: true } },
  { path: '/', component: () => import('./layout/MainLayout.vue'), redirect: '/home', children },
  // The printable closure form stands alone (no menu or top bar), still behind the sign-in.
  {
    path: '/complaints/:id(\\d+)/print', component: () => import('./views/complaints/Print.vue'),
    meta: { title: '结单打印', perm: 'complaint.view' },
  },
  { path: '/:rest(.*)*', redirect: '/home' },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

// Where the login page may send the user afterwards: a path of this app (hash route) only — never
// another site ("https://…", "//host", "/\\host") — and not the login page itself. Else '/home'.
export function safeRedirect(v) {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || v.startsWith('/\\')) return '/home'
  if (/[\u0000-\u001f]/.test(v)) return '/home'
  const r = router.resolve(v)
  if (!r.matched.length || r.meta.public || r.path === '/login') return '/home'
  return r.fullPath
}

router.beforeEach(async (to) => {
  if (!session.loaded) await loadMe()
  const user = session.user
  if (to.meta.public) {
    if (user && to.path === '/login') return user.must_change_password ? '/password' : '/home'
    return true
  }
  if (!user) return { path: '/login', query: to.fullPath !== '/home' ? { redirect: to.fullPath } : {} }
  if (user.must_change_password && to.path !== '/password') return '/password'
  // The complaint vocabulary, once per page load (the pages read labels from it).
  if (!user.must_change_password) await loadVocabulary().catch(() => {})
  const m = findMenuItem(to.path)
  if (m && !allowed(m.item, can)) return '/forbidden'
  if (!m && to.meta.perm && !allowed(to.meta, can)) return '/forbidden'
  return true
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' - ' : '') + '金融消费者投诉管理系统'
})
