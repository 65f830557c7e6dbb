// Complaint vocabulary for the pages: Chinese labels of statuses, tags, actions, results, and
// helpers for the ISO instants (+08:00) and fen amounts the complaint API uses. The labels of
// statuses, actions, reply results and satisfaction are the server's (../../vocabulary.js);
// this file adds only their look.
import { reactive } from 'vue'
import { vocabulary, onVocabulary } from '../../vocabulary.js'

// Presentation only: the tag colour of each status. The labels, and which statuses exist, are
// the server's (GET /api/v1/meta, loaded by vocabulary.js at sign-in).
const STATUS_TAGS = {
  draft: 'info', registered: 'warning', processing: 'primary', reviewing: 'warning',
  replied: 'success', closed: 'success', withdrawn: 'info', deleted: 'danger',
}
export const STATUSES = reactive([])
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

export const REPLY_RESULTS = reactive([])
export const replyResultLabel = (v) => (REPLY_RESULTS.find((t) => t.value === v) || {}).label || v || ''
// Wording of the printed 投诉处理结单: the server's labels are the form's own terms.
export const FORM_RESULTS = reactive({})
export const formResultLabel = (v) => FORM_RESULTS[v] || replyResultLabel(v)

const SATISFACTION_TAGS = { satisfied: 'success', basically_satisfied: 'primary', unsatisfied: 'danger' }
export const SATISFACTION = reactive([])
export const satisfactionOf = (v) => SATISFACTION.find((t) => t.value === v) || { value: v, label: v || '', tag: 'info' }

// Workflow actions: the look of each button, in the order buttons are shown; labels are the
// server's.
const ACTION_TYPES = [
  ['submit', 'primary'], ['assign', 'primary'], ['reply', 'primary'], ['approve_reply', 'success'],
  ['reject_reply', 'warning'], ['approve_extension', 'success'], ['approve_new_facts', 'success'],
  ['reject_new_facts', 'warning'], ['reject_extension', 'warning'], ['callback', 'primary'], ['close', 'success'],
  ['extend', 'default'], ['transfer', 'default'], ['return', 'default'], ['pause', 'default'], ['resume', 'default'],
  ['reopen', 'warning'], ['new_facts', 'default'], ['merge', 'default'], ['withdraw', 'default'], ['sync', 'default'],
  ['request_delete', 'danger'], ['approve_delete', 'danger'], ['reject_delete', 'warning'],
  ['withdraw_request', 'default'],
]
export const ACTIONS = reactive([])
// Shown as buttons; the rest go under 更多操作.
export const PRIMARY_ACTIONS = ['submit', 'assign', 'reply', 'approve_reply', 'reject_reply', 'approve_extension',
  'approve_new_facts', 'reject_new_facts',
  'callback', 'close', 'extend', 'resume', 'reopen', 'approve_delete', 'reject_extension', 'reject_delete', 'withdraw_request']
export const actionOf = (v) => ACTIONS.find((a) => a.value === v) ||
  { value: v, label: timelineLabel(v), type: 'default' }

// Timeline (audit) action -> Chinese, for an event without the server's action_label.
export function timelineLabel(action) {
  const a = String(action || '').replace(/^complaint\./, '')
  return (vocabulary.actions.find((x) => x.code === a) || {}).label || a
}

// Fills the lists above from the server's vocabulary (in place: the pages hold these arrays).
function apply(v) {
  const labelled = (list, tags) => list.map((e) => ({ value: e.code, label: e.label, ...(tags ? { tag: tags[e.code] || 'info' } : {}) }))
  STATUSES.splice(0, STATUSES.length, ...labelled(v.statuses, STATUS_TAGS))
  REPLY_RESULTS.splice(0, REPLY_RESULTS.length, ...labelled(v.reply_results))
  for (const e of v.reply_results) FORM_RESULTS[e.code] = e.label
  SATISFACTION.splice(0, SATISFACTION.length, ...labelled(v.satisfaction, SATISFACTION_TAGS))
  const label = new Map(v.actions.map((a) => [a.code, a.label]))
  ACTIONS.splice(0, ACTIONS.length, ...ACTION_TYPES.filter(([code]) => label.has(code))
    .map(([value, type]) => ({ value, label: label.get(value), type })))
}
onVocabulary(apply)
if (vocabulary.loaded) apply(vocabulary)

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
