// 监管报送 vocabulary shared by the gateway pages: event and alert labels, ages.
export const EVENTS = {
  registered: '登记', updated: '更新', replied: '答复', closed: '办结', withdrawn: '撤诉', deleted: '删除',
  reopened: '重新办理', sync: '手动同步',
}
export const ALERT_KINDS = {
  consecutive_failures: '连续报送失败', pending_age: '待报送超时', rejection: '监管拒收', missed_run: '定时报送未执行',
}
export const SCHEDULES = [
  { value: 'realtime', label: '实时报送' },
  { value: 'daily', label: '每日定时报送' },
  { value: 'manual', label: '仅手动报送' },
]
export const OUTCOMES = {
  accepted: { label: '已受理', tag: 'success' }, rejected: { label: '拒收', tag: 'danger' },
  error: { label: '失败', tag: 'warning' }, written: { label: '已写入批次', tag: 'info' },
}

// Seconds → "3 小时 5 分" style.
export function fmtAge(s) {
  if (s === null || s === undefined) return '—'
  if (s < 60) return `${s} 秒`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} 分钟`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} 小时 ${m % 60} 分`
  return `${Math.floor(h / 24)} 天 ${h % 24} 小时`
}
