// Typed dates in a daterange filter. Element Plus drops a typed date it will not take (a reversed
// range, a date its disabledDate refuses, a malformed one) without a word; this says why, under
// the field. Usage (the wrapper holds the el-date-picker):
//   const dr = useTypedRange(() => [from, to])         // the model's current range (or null)
//   <el-form-item label="受理日期" :error="dr.error.value">
//     <span :ref="dr.wrap" @input.capture="dr.onInput" @focusout="dr.onLeave"> <el-date-picker .../> </span>
import { nextTick, ref } from 'vue'
import { bankToday } from './components/complaint/meta.js'

const DAY = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/

function norm(text) {
  const m = DAY.exec(text || '')
  if (!m) return null
  const d = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`
  const t = new Date(d + 'T00:00:00Z')
  return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== d ? 'invalid' : d
}

export function useTypedRange(current, { allowFuture = false } = {}) {
  const error = ref('')
  const typed = ['', '']
  const wrap = ref(null)
  function onInput(ev) {
    const inputs = wrap.value ? [...wrap.value.querySelectorAll('input')] : []
    const i = inputs.indexOf(ev.target)
    if (i === 0 || i === 1) typed[i] = ev.target.value
  }
  // Why the typed text did not become the range, or '' when it did (or nothing was typed).
  function explain() {
    const range = current() || []
    const [a, b] = typed.map(norm)
    const today = bankToday()
    for (const [i, d] of [[0, a], [1, b]]) {
      if (!typed[i]) continue
      if (d === null || d === 'invalid') return `${i ? '结束' : '开始'}日期“${typed[i].trim()}”无效，请按 YYYY-MM-DD 填写`
      if (!allowFuture && d > today) return `${i ? '结束' : '开始'}日期 ${d} 晚于今天（${today}），不能查询未来日期`
    }
    const from = a || range[0]
    const to = b || range[1]
    if (from && to && from > to) return `开始日期 ${from} 晚于结束日期 ${to}，请调整日期范围`
    return ''
  }
  async function onLeave() {
    if (!typed[0] && !typed[1]) return
    await nextTick()
    setTimeout(() => {
      const range = current() || []
      const took = typed.every((t, i) => !t || norm(t) === range[i])
      error.value = took ? '' : explain()
      if (!error.value) typed.fill('')
    }, 0)
  }
  function clear() {
    error.value = ''
    typed.fill('')
  }
  return { error, wrap, onInput, onLeave, clear }
}
