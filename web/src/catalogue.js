// Vocabularies the server defines once and serves (never copied into the UI): the audit log's
// action and object-type labels (GET /audit/catalogue). Loaded once per page load.
import { ref } from 'vue'
import { api } from './api.js'

export const auditCatalogue = ref({ actions: [], target_types: [] })
let loading = null

export function loadAuditCatalogue() {
  if (!loading) {
    loading = api.get('/audit/catalogue').then((c) => { auditCatalogue.value = c; return c })
      .catch((e) => { loading = null; throw e })
  }
  return loading
}

// Actions grouped for a select: [{ label: group, options: [{ value, label }] }].
export function auditActionGroups(c) {
  const groups = new Map()
  for (const a of c.actions || []) {
    if (!groups.has(a.group)) groups.set(a.group, [])
    groups.get(a.group).push({ value: a.code, label: a.label })
  }
  return [...groups].map(([label, options]) => ({ label, options }))
}
