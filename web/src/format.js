// Display helpers: epoch-ms times, Chinese labels for codes, tree building for institutions.

function pad(n) {
  return n < 10 ? '0' + n : '' + n
}

// epoch ms -> "YYYY-MM-DD HH:mm:ss" in the browser's local time; empty for null.
export function fmtTime(ms) {
  if (ms === null || ms === undefined || ms === '') return ''
  const d = new Date(Number(ms))
  if (isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export const ORG_TYPES = [
  { value: 'head_office', label: '总行' },
  { value: 'branch', label: '分行' },
  { value: 'sub_branch', label: '支行' },
  { value: 'outlet', label: '网点' },
  { value: 'department', label: '部门' },
]
export const orgTypeLabel = (v) => (ORG_TYPES.find((t) => t.value === v) || {}).label || v || ''

export const DATA_SCOPES = [
  { value: 'self', label: '本人' },
  { value: 'org', label: '本机构' },
  { value: 'subtree', label: '本机构及下级' },
  { value: 'all', label: '全部' },
]
export const dataScopeLabel = (v) => (DATA_SCOPES.find((t) => t.value === v) || {}).label || v || ''

export const USER_STATUSES = [
  { value: 'active', label: '正常', tag: 'success' },
  { value: 'disabled', label: '停用', tag: 'warning' },
  { value: 'closed', label: '已注销', tag: 'info' },
]
export const userStatus = (v) => USER_STATUSES.find((t) => t.value === v) || { label: v, tag: 'info' }

export const SANYUAN = { sys: '系统管理员', sec: '安全管理员', audit: '审计管理员' }

// Audit action and object-type labels come from the server: see catalogue.js.

// Result words the server writes: ok / failed / denied (others are shown raw).
export const AUDIT_RESULTS = [
  { value: 'ok', label: '成功' },
  { value: 'failed', label: '失败' },
  { value: 'denied', label: '拒绝' },
]
const RESULTS = {
  success: ['成功', 'success'], ok: ['成功', 'success'], succeeded: ['成功', 'success'],
  failure: ['失败', 'danger'], failed: ['失败', 'danger'], fail: ['失败', 'danger'],
  error: ['失败', 'danger'], denied: ['拒绝', 'warning'], forbidden: ['拒绝', 'warning'],
}
export const auditResult = (v) => {
  const r = RESULTS[String(v || '').toLowerCase()]
  return r ? { label: r[0], tag: r[1] } : { label: v || '', tag: 'info' }
}

// Flat institution list (ordered by path) -> el-tree data. Nodes whose parent is missing
// (outside the caller's scope) become roots.
export function buildOrgTree(items) {
  const byId = new Map()
  for (const it of items) byId.set(String(it.id), { ...it, children: [] })
  const roots = []
  for (const node of byId.values()) {
    const pid = node.parent_id === null || node.parent_id === undefined ? null : String(node.parent_id)
    const parent = pid !== null ? byId.get(pid) : null
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const sortRec = (list) => {
    list.sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0))
    list.forEach((n) => sortRec(n.children))
  }
  sortRec(roots)
  return roots
}

// Ids of a node and everything below it (for excluding a subtree from "move to" choices).
export function subtreeIds(node) {
  const out = new Set()
  const walk = (n) => {
    out.add(String(n.id))
    ;(n.children || []).forEach(walk)
  }
  if (node) walk(node)
  return out
}
