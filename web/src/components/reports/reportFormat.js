// Number shapes of the reports: counts with thousands separators, 0..1 rates as percentages,
// fen as yuan, and "—" for what has no base (a rate over nothing, an empty comparison period).

export const DASH = '—'
const none = (v) => v === null || v === undefined || v === ''

export const fmtCount = (n) => (none(n) ? DASH : Number(n).toLocaleString('zh-CN'))
export const fmtRate = (r, digits = 1) => (none(r) ? DASH : (Number(r) * 100).toFixed(digits) + '%')
// Growth keeps its sign: "+12.5%", "-3.0%".
export const fmtGrowth = (r) => (none(r) ? DASH : (r > 0 ? '+' : '') + (Number(r) * 100).toFixed(1) + '%')
export const fmtDays = (d) => (none(d) ? DASH : Number(d).toFixed(1))
export const fmtFenYuan = (fen) => (none(fen) ? DASH
  : (Number(fen) / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }))
// Large amounts in 万元 for headline cards: "561.11 万元".
export const fmtFenShort = (fen) => (none(fen) ? DASH : Math.abs(fen) >= 1e6
  ? (Number(fen) / 1e6).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' 万元'
  : fmtFenYuan(fen) + ' 元')

// The measure columns every report row carries, in table order.
export const MEASURES = [
  { key: 'count', label: '投诉量', fmt: fmtCount, width: 96 },
  { key: 'share', label: '占比', fmt: fmtRate, width: 80 },
  { key: 'closed', label: '已办结', fmt: fmtCount, width: 84 },
  { key: 'closed_on_time', label: '按时办结', fmt: fmtCount, width: 90 },
  { key: 'on_time_rate', label: '按时办结率', fmt: fmtRate, width: 104 },
  { key: 'overdue', label: '逾期', fmt: fmtCount, width: 76 },
  { key: 'open', label: '未办结', fmt: fmtCount, width: 84 },
  { key: 'due_soon', label: '临期', fmt: fmtCount, width: 76 },
  { key: 'avg_handling_days', label: '平均办理天数', fmt: fmtDays, width: 116 },
  { key: 'callbacks', label: '回访数', fmt: fmtCount, width: 84 },
  { key: 'satisfaction_rate', label: '满意率', fmt: fmtRate, width: 84 },
  { key: 'repeats', label: '重复投诉', fmt: fmtCount, width: 90 },
  { key: 'repeat_rate', label: '重复投诉率', fmt: fmtRate, width: 104 },
  { key: 'compensation_fen', label: '赔偿金额（元）', fmt: fmtFenYuan, width: 136 },
]

// "YYYY-MM-DD" in the bank's time zone (+08:00), `days` from today.
export function bankDay(days = 0) {
  const t = new Date(Date.now() + 8 * 3600e3 + days * 864e5)
  return t.toISOString().slice(0, 10)
}
// The default range: the twelve months up to today (as the server defaults).
export function lastTwelveMonths() {
  const to = bankDay()
  const [y, m, d] = to.split('-').map(Number)
  const back = new Date(Date.UTC(y - 1, m - 1, d === 29 && m === 2 ? 28 : d) + 864e5)
  return [back.toISOString().slice(0, 10), to]
}
// Time reports start on the first of a month, so that their first bucket is a whole month: the
// eleven months before this one and this month up to today. Other reports: the last twelve months.
export function defaultRange(def) {
  if (def && (def.kind === 'time' || def.kind === 'compare')) {
    const to = bankDay()
    const [y, m] = to.split('-').map(Number)
    return [new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10), to]
  }
  return lastTwelveMonths()
}
