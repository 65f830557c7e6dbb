// Cached base data for the complaint pages: code tables A/B/C/R (JR/T 0169) as lists and
// trees, the dictionaries (source channels, ID types) and region names. Pages that change base
// data call the load functions with force=true so other pages see the change.
import { reactive } from 'vue'
import { api } from '../../api.js'

export const DIMENSIONS = [
  { value: 'A', label: '业务办理渠道', short: '渠道' },
  { value: 'B', label: '业务类别', short: '业务' },
  { value: 'C', label: '投诉原因', short: '原因' },
  { value: 'R', label: '基本权益', short: '权益' },
]
export const dimensionLabel = (d) => (DIMENSIONS.find((x) => x.value === d) || {}).label || d

export const codeStore = reactive({ A: [], B: [], C: [], R: [], trees: { A: [], B: [], C: [], R: [] }, loaded: false })
export const dictStore = reactive({ source_channel: [], id_type: [], loaded: false })

// Flat code list -> tree (by `parent`), sorted by `sort`; leaves carry no `children`.
export function buildCodeTree(items) {
  const byCode = new Map()
  for (const it of items) byCode.set(it.code, { ...it, label: it.name, children: [] })
  const roots = []
  for (const n of byCode.values()) {
    const p = n.parent ? byCode.get(n.parent) : null
    if (p) p.children.push(n)
    else roots.push(n)
  }
  const fin = (list) => {
    list.sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0) || String(a.code).localeCompare(String(b.code)))
    for (const n of list) {
      if (n.children.length) fin(n.children)
      else delete n.children
    }
  }
  fin(roots)
  return roots
}

let codesPending = null
export function loadCodes(force = false) {
  if (codeStore.loaded && !force) return Promise.resolve(codeStore)
  if (codesPending && !force) return codesPending
  codesPending = Promise.all(DIMENSIONS.map((d) => api.get('/codes', { dimension: d.value })))
    .then((res) => {
      DIMENSIONS.forEach((d, i) => {
        const items = (res[i] && res[i].items) || []
        codeStore[d.value] = items
        codeStore.trees[d.value] = buildCodeTree(items)
      })
      codeStore.loaded = true
      return codeStore
    })
    .finally(() => { codesPending = null })
  return codesPending
}

export function findCode(dim, code) {
  return (codeStore[dim] || []).find((c) => c.code === code) || null
}
// "A0101 营业现场" (the code alone when the table does not know it).
export function codeLabel(dim, code) {
  if (!code) return ''
  const c = findCode(dim, code)
  return c ? `${c.code} ${c.name}` : code
}
// Names from the root down to the code: "前台业务渠道 / 营业现场".
export function codePath(dim, code) {
  const out = []
  let c = findCode(dim, code)
  let guard = 0
  while (c && guard++ < 10) {
    out.unshift(c.name)
    c = c.parent ? findCode(dim, c.parent) : null
  }
  return out.join(' / ')
}

let dictPending = null
export function loadDicts(force = false) {
  if (dictStore.loaded && !force) return Promise.resolve(dictStore)
  if (dictPending && !force) return dictPending
  dictPending = Promise.all([api.get('/dictionaries/source_channel'), api.get('/dictionaries/id_type')])
    .then(([a, b]) => {
      dictStore.source_channel = ((a && a.items) || []).slice().sort((x, y) => (x.sort ?? 0) - (y.sort ?? 0))
      dictStore.id_type = ((b && b.items) || []).slice().sort((x, y) => (x.sort ?? 0) - (y.sort ?? 0))
      dictStore.loaded = true
      return dictStore
    })
    .finally(() => { dictPending = null })
  return dictPending
}
export function dictName(kind, code) {
  if (!code) return ''
  const it = (dictStore[kind] || []).find((x) => x.code === code)
  return it ? it.name : code
}
export const channelName = (code) => dictName('source_channel', code)
export const idTypeName = (code) => dictName('id_type', code)

// Regions: lazy children by parent, cached; full name of a code from its ancestors.
const regionCache = new Map() // parent ('' for provinces) -> items
export async function regionChildren(parent) {
  const key = parent || ''
  if (regionCache.has(key)) return regionCache.get(key)
  const data = await api.get('/regions', parent ? { parent } : undefined, { quiet: true })
  const items = (data && data.items) || []
  regionCache.set(key, items)
  return items
}
const MUNICIPALITIES = ['11', '12', '31', '50']
// GB/T 2260 code -> cascader path of codes from the province down.
export function regionPath(code) {
  if (!code || !/^\d{6}$/.test(code)) return []
  const prov = code.slice(0, 2) + '0000'
  if (code === prov) return [prov]
  if (code.endsWith('00') || MUNICIPALITIES.includes(code.slice(0, 2))) return [prov, code]
  return [prov, code.slice(0, 4) + '00', code]
}
export async function regionName(code) {
  const path = regionPath(code)
  if (!path.length) return code || ''
  const names = []
  let parent = ''
  for (const c of path) {
    try {
      const items = await regionChildren(parent)
      const hit = items.find((x) => x.code === c)
      if (!hit) break
      names.push(hit.name)
    } catch (e) {
      break
    }
    parent = c
  }
  return names.length ? names.join(' / ') : code
}
