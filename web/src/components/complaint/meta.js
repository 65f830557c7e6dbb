// Complaint vocabulary for the pages: Chinese labels of statuses, tags, actions, results, and
// helpers for the ISO instants (+08:00) and fen amounts the complaint API uses.

export const STATUSES = [
  { value: 'draft', label: '暂存', tag: 'info' },
  { value: 'registered', label: '待分派', tag: 'warning' },
  { value: 'processing', label: '处理中', tag: 'primary' },
  { value: 'reviewing', label: '待审核', tag: 'warning' },
  { value: 'replied', label: '已答复待回访', tag: 'success' },
  { value: 'closed', label: '已办结', tag: 'success' },
  { value: 'withdrawn', label: '已撤诉', tag: 'info' },
  { value: 'deleted', label: '已删除', tag: 'danger' },
]
export const statusOf = (v) => STATUSES.find((s) => s.value === v) || { value: v, label: v || '', tag: 'info' }

export const TAGS = [
  { value: 'major', label: '重大投诉', tag: 'danger' },
  { value: 'regulator', label: '监管转办', tag: 'warning' },
  { value: 'media', label: '媒体关注', tag: 'warning' },
  { value: 'repeat', label: '重复投诉', tag: 'info' },
  { value: 'group', label: '群体投诉', tag: 'danger' },
]
export const tagOf = (v) => TAGS.find((t) => t.value === v) || { value: v, label: v, tag: 'info' }

export const DEADLINE_STATES = [
  { value: 'on_time', label: '正常', tag: 'success' },
  { value: 'due_soon', label: '临期', tag: 'warning' },
  { value: 'overdue', label: '已逾期', tag: 'danger' },
  { value: 'paused', label: '中止计时', tag: 'info' },
  { value: 'done', label: '已完成', tag: 'info' },
]
export const deadlineOf = (v) => DEADLINE_STATES.find((t) => t.value === v) || { value: v, label: v || '', tag: 'info' }

export const REPLY_RESULTS = [
  { value: 'accepted', label: '诉求已采纳' },
  { value: 'partially_accepted', label: '部分采纳' },
  { value: 'not_accepted', label: '不予采纳' },
  { value: 'explained', label: '解释说明' },
]
export const replyResultLabel = (v) => (REPLY_RESULTS.find((t) => t.value === v) || {}).label || v || ''
// Wording of the printed 投诉处理结单 (the form's own terms for the same four results).
export const FORM_RESULTS = {
  accepted: '满足诉求', partially_accepted: '部分满足', not_accepted: '不予支持', explained: '解释说明',
}
export const formResultLabel = (v) => FORM_RESULTS[v] || replyResultLabel(v)

export const SATISFACTION = [
  { value: 'satisfied', label: '满意', tag: 'success' },
  { value: 'basically_satisfied', label: '基本满意', tag: 'primary' },
  { value: 'unsatisfied', label: '不满意', tag: 'danger' },
]
export const satisfactionOf = (v) => SATISFACTION.find((t) => t.value === v) || { value: v, label: v || '', tag: 'info' }

// Workflow actions: button label and look, in the order buttons are shown.
export const ACTIONS = [
  { value: 'submit', label: '提交登记', type: 'primary' },
  { value: 'assign', label: '分派', type: 'primary' },
  { value: 'reply', label: '答复', type: 'primary' },
  { value: 'approve_reply', label: '审核通过', type: 'success' },
  { value: 'reject_reply', label: '审核退回', type: 'warning' },
  { value: 'approve_extension', label: '批准延期', type: 'success' },
  { value: 'approve_new_facts', label: '批准重新计时', type: 'success' },
  { value: 'reject_new_facts', label: '驳回重新计时', type: 'warning' },
  { value: 'reject_extension', label: '驳回延期', type: 'warning' },
  { value: 'callback', label: '回访', type: 'primary' },
  { value: 'close', label: '办结', type: 'success' },
  { value: 'extend', label: '申请延期', type: 'default' },
  { value: 'transfer', label: '转办', type: 'default' },
  { value: 'return', label: '退回', type: 'default' },
  { value: 'pause', label: '中止计时', type: 'default' },
  { value: 'resume', label: '恢复计时', type: 'default' },
  { value: 'reopen', label: '重新处理', type: 'warning' },
  { value: 'new_facts', label: '补充新事实（申请重新计时）', type: 'default' },
  { value: 'merge', label: '合并重复投诉', type: 'default' },
  { value: 'withdraw', label: '撤诉', type: 'default' },
  { value: 'sync', label: '手动同步', type: 'default' },
  { value: 'request_delete', label: '申请删除', type: 'danger' },
  { value: 'approve_delete', label: '批准删除', type: 'danger' },
  { value: 'reject_delete', label: '驳回删除', type: 'warning' },
  { value: 'withdraw_request', label: '撤回申请', type: 'default' },
]
// Shown as buttons; the rest go under 更多操作.
export const PRIMARY_ACTIONS = ['submit', 'assign', 'reply', 'approve_reply', 'reject_reply', 'approve_extension',
  'approve_new_facts', 'reject_new_facts',
  'callback', 'close', 'extend', 'resume', 'reopen', 'approve_delete', 'reject_extension', 'reject_delete', 'withdraw_request']
export const actionOf = (v) => ACTIONS.find((a) => a.value === v) || { value: v, label: v, type: 'default' }

// Timeline (audit) action names -> Chinese.
const TIMELINE = {
  register: '登记', assign: '分派', transfer: '转办', return: '退回', extend: '申请延期',
  approve_extension: '批准延期', pause: '中止计时', resume: '恢复计时', reply: '答复',
  approve_reply: '审核通过', reject_reply: '审核退回', callback: '回访', close: '办结',
  reopen: '重新处理', withdraw: '撤诉', request_delete: '申请删除', approve_delete: '批准删除',
  reject_extension: '驳回延期', reject_delete: '驳回删除', withdraw_request: '撤回申请',
  sync: '手动同步', unmask: '查看完整信息', update: '修改', draft: '暂存', draft_update: '修改暂存',
  submit: '提交登记', merge: '合并重复投诉', new_facts: '补充新事实，申请重新计时', print: '打印结单',
  approve_new_facts: '批准重新计时', reject_new_facts: '驳回重新计时', lookup: '精确查询投诉人',
  export: '导出', attachment_upload: '上传附件', attachment_download: '下载附件',
}
export function timelineLabel(action) {
  const a = String(action || '').replace(/^complaint\./, '')
  return TIMELINE[a] || a
}

export const TODO_KINDS = [
  { value: 'assigned', label: '我的待办' },
  { value: 'queue', label: '机构待分派' },
  { value: 'review', label: '待审核' },
  { value: 'approve_extension', label: '延期审批' },
  { value: 'approve_new_facts', label: '重新计时审批' },
  { value: 'approve_delete', label: '删除审批' },
  { value: 'callback', label: '待回访' },
]
export const todoKindLabel = (v) => (TODO_KINDS.find((t) => t.value === v) || {}).label || v

export const NOTIFICATION_KINDS = {
  assigned: '分派', due_soon: '临期提醒', due: '到期提醒', overdue: '逾期提醒', escalation: '逾期升级',
  regulator_alert: '数据同步异常',
}
export const NOTIFICATION_TAGS = { assigned: 'primary', due_soon: 'warning', due: 'warning', overdue: 'danger', escalation: 'danger', regulator_alert: 'danger' }

// 报送状态: the complaint's state with the regulator (sync_status) and a submission's status.
export const SYNC_STATUSES = {
  unsent: { label: '未报送', tag: 'info' },
  pending: { label: '待报送', tag: 'warning' },
  sent: { label: '已报送', tag: 'success' },
  failed: { label: '报送失败', tag: 'danger' },
  rejected: { label: '被拒收', tag: 'danger' },
}
export const syncStatusOf = (v) => SYNC_STATUSES[v] || { label: v || '—', tag: 'info' }

export const DAY_TYPES = { calendar: '自然日', working: '工作日' }

const pad = (n) => (n < 10 ? '0' + n : '' + n)

// ISO instant with offset -> "YYYY-MM-DD HH:mm" in the bank's time (the offset the server wrote).
export function fmtIso(s, withSeconds = false) {
  if (!s) return ''
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(String(s))
  if (!m) return String(s)
  return m[1] + ' ' + m[2] + (withSeconds ? m[3] || ':00' : '')
}
export const fmtDate = (s) => (s ? String(s).slice(0, 10) : '')

// Date -> "YYYY-MM-DDTHH:mm:ss+08:00" (bank time zone, whatever the browser's zone is).
export function toBankIso(d) {
  if (!d) return null
  const t = new Date(new Date(d).getTime() + 8 * 3600e3)
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+08:00`
}
export const bankToday = () => toBankIso(new Date()).slice(0, 10)

// Integer fen -> "1,234.56"; empty for null.
export function fmtYuan(fen) {
  if (fen === null || fen === undefined || fen === '') return ''
  const v = Number(fen) / 100
  return v.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
}
export const yuanToFen = (y) => (y === null || y === undefined || y === '' ? null : Math.round(Number(y) * 100))
export const fenToYuan = (f) => (f === null || f === undefined ? null : Number(f) / 100)

// Remaining time to due_at: { text, tag } for the countdown column.
export function countdown(c, now = Date.now()) {
  if (!c) return { text: '', tag: 'info' }
  const st = c.deadline_state
  if (st === 'done' || ['closed', 'withdrawn', 'deleted'].includes(c.status)) return { text: '已完成', tag: 'info' }
  if (st === 'paused' || c.paused) return { text: '已中止计时', tag: 'info' }
  if (c.status === 'draft') return { text: '未登记', tag: 'info' }
  if (!c.due_at) return { text: '—', tag: 'info' }
  const due = Date.parse(c.due_at)
  if (isNaN(due)) return { text: '—', tag: 'info' }
  let diff = due - now
  const over = diff < 0
  diff = Math.abs(diff)
  const days = Math.floor(diff / 864e5)
  const hours = Math.floor((diff % 864e5) / 36e5)
  const mins = Math.floor((diff % 36e5) / 6e4)
  const span = days > 0 ? `${days} 天 ${hours} 小时` : hours > 0 ? `${hours} 小时 ${mins} 分` : `${mins} 分钟`
  if (over) return { text: `已逾期 ${span}`, tag: 'danger' }
  return { text: `剩余 ${span}`, tag: st === 'due_soon' ? 'warning' : st === 'overdue' ? 'danger' : 'success' }
}

// ---- attachments ----

// Kind of an attachment from the MIME type the server sniffed.
export function fileKind(mime) {
  const m = String(mime || '')
  if (m.startsWith('audio/')) return { label: '录音', tag: 'warning' }
  if (m.startsWith('image/')) return { label: '图片', tag: 'success' }
  if (m === 'application/pdf') return { label: 'PDF', tag: 'danger' }
  if (m === 'application/msword' || m.includes('wordprocessingml')) return { label: 'Word', tag: 'primary' }
  if (m === 'application/vnd.ms-excel' || m.includes('spreadsheetml')) return { label: 'Excel', tag: 'success' }
  if (m.includes('presentationml')) return { label: 'PowerPoint', tag: 'warning' }
  return { label: m || '文件', tag: 'info' }
}

// Bytes -> "812 B", "12.3 KB", "4.56 MB".
export function fmtSize(n) {
  const v = Number(n)
  if (!isFinite(v) || v < 0) return ''
  if (v < 1024) return `${v} B`
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`
  return `${(v / 1024 / 1024).toFixed(2)} MB`
}

// What the upload accepts (the server decides by content; this only narrows the file dialog).
export const ATTACHMENT_ACCEPT = '.mp3,.wav,.amr,.m4a,.ogg,.png,.jpg,.jpeg,.gif,.bmp,.webp,.pdf,.doc,.docx,.xls,.xlsx,.pptx'
