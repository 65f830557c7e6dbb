// The form of a settings page (时限与流程设置, 数据同步异常提醒设置, 安全策略): the values the
// server holds, which ones the user changed, field errors under their fields.
//   const s = useSettingsForm(form, { path, toBody, fromData, sendAll })
//     form      the page's reactive form, keyed like the API's fields
//     toBody    form -> request body (default: a copy); fromData(key, value) the reverse per field
//     sendAll   PUT every field (an API that wants them all) instead of only the changed ones
//     limitsPath  GET path of the server's ranges ({field: {kind, min, max, label}}): s.limits
//               feeds the inputs' min/max, and save() refuses a value outside them under its
//               field, in the server's words, before any confirm dialog
//   s.load()  GET path and fill the form;  s.reset()  back to what the server holds
//   s.save({ check, confirm: { title, message }, success })  check(errors) may add field errors;
//     confirm asks first; success is the message, or a function of the server's answer
import { computed, reactive, ref } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import { api } from './api.js'

export function useSettingsForm(form, { path, toBody = (f) => ({ ...f }), fromData = (k, v) => v, sendAll = false, limitsPath = null }) {
  const original = ref({})
  const limits = reactive({})
  const errors = reactive({})
  const loading = ref(false)
  const saving = ref(false)
  const loaded = ref(false)
  const changed = computed(() => {
    const now = toBody(form)
    return Object.keys(now).filter((k) => now[k] !== original.value[k])
  })

  function clearErrors() {
    for (const k of Object.keys(errors)) delete errors[k]
  }
  // Takes the server's values (a body-shaped object) into the form; they become the unchanged state.
  function fill(data) {
    for (const k of Object.keys(form)) if (data && k in data) form[k] = fromData(k, data[k])
    original.value = toBody(form)
  }

  // The server's own range check, run here so the user hears it under the field.
  function checkLimits(err) {
    for (const [k, l] of Object.entries(limits)) {
      if (!(k in form) || l.kind !== 'int') continue
      const v = form[k]
      if (!Number.isInteger(v) || v < l.min || v > l.max) err[k] = `${l.label}必须是${l.min}到${l.max}之间的整数`
    }
  }

  async function load() {
    loading.value = true
    try {
      if (limitsPath) Object.assign(limits, await api.get(limitsPath))
      fill(await api.get(path))
      loaded.value = true
    } catch (e) { /* the API client shows it */ } finally {
      loading.value = false
    }
  }

  async function save({ check, confirm, success } = {}) {
    clearErrors()
    checkLimits(errors)
    if (check) check(errors)
    if (Object.keys(errors).length) return null
    if (!sendAll && !changed.value.length) {
      ElMessage.info('没有需要保存的修改')
      return null
    }
    if (confirm) {
      try {
        await ElMessageBox.confirm(confirm.message, confirm.title, {
          type: 'warning', confirmButtonText: '保存', cancelButtonText: '取消',
        })
      } catch (e) {
        return null
      }
    }
    const now = toBody(form)
    const body = {}
    for (const k of sendAll ? Object.keys(now) : changed.value) body[k] = now[k]
    saving.value = true
    try {
      const data = await api.put(path, body, { quiet: true })
      fill(data)
      ElMessage.success(typeof success === 'function' ? success(data) : success)
      return data
    } catch (e) {
      if (e.field && e.field in form) errors[e.field] = e.message
      else ElMessage.error(e.message)
      return null
    } finally {
      saving.value = false
    }
  }

  function reset() {
    fill(original.value)
    clearErrors()
  }

  return { errors, limits, loading, saving, loaded, changed, load, save, reset }
}
