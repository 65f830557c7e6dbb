// Drill-down: the complaint-list query (投诉单查询, GET /complaints) that lists exactly the
// complaints behind a report figure. `counted=true` applies the reports' counting rule (no
// drafts, deleted or merged complaints); the report's own filters carry over; the row adds its
// dimension. Returns null for figures the list cannot reproduce exactly: "（本级）" rows of code
// and institution trees (the list filters by prefix / subtree), unfilled values, hours of day.

const CARRIED = ['from', 'to', 'org_id', 'status', 'source_channel', 'business_channel_code', 'business_type_code',
  'cause_code', 'region_code']

export function baseQuery(params) {
  const q = { counted: 'true' }
  for (const k of CARRIED) if (params[k] !== undefined && params[k] !== null && params[k] !== '') q[k] = String(params[k])
  return q
}

// A code filter narrowed to `code`: the longer of the two when one contains the other.
function narrow(current, code) {
  if (!current || code.startsWith(current)) return code
  return current.startsWith(code) ? current : null
}

// GB/T 2260: a province or city stands for its prefix ("440000" → "44", "440300" → "4403").
export function regionPrefix(code) {
  let c = String(code || '')
  while (c.length > 2 && c.endsWith('00')) c = c.slice(0, -2)
  return c
}

function withDim(q, dim, row) {
  const key = row.key !== undefined ? row.key : row.code
  if (!key) return null
  if (dim === 'region_code') {
    const v = row.self ? key : regionPrefix(key)
    const r = narrow(q.region_code, v)
    return r === null ? null : { ...q, region_code: r }
  }
  if (row.self) return null
  if (dim === 'complained_org_id' || dim === 'right') return { ...q, [dim]: String(key) }
  if (dim === 'source_channel') return q.source_channel && q.source_channel !== key ? null : { ...q, source_channel: key }
  const c = narrow(q[dim], key)
  return c === null ? null : { ...q, [dim]: c }
}

// A row of a list or tree report (def from reportDefs.js).
export function drillRow(def, params, row) {
  if (!row) return null
  const q = baseQuery(params)
  if (def.kind === 'time' || def.kind === 'compare') {
    if (!row.from || !row.to) return null
    return { ...q, from: row.from, to: row.to }
  }
  return withDim(q, def.drill, row)
}

// A cell of the regulator matrix: row = branch (institution id) or province; column = code.
export function drillCell(def, params, rowsBy, row, col) {
  let q = baseQuery(params)
  if (row.code !== 'total') {
    if (rowsBy === 'region') {
      if (!row.code) return null
      const r = narrow(q.region_code, regionPrefix(row.code))
      if (r === null) return null
      q.region_code = r
    } else {
      if (row.name === '（本级）') return null
      q.org_id = String(row.code)
    }
  }
  if (col && col.code !== 'total') {
    q = withDim(q, def.drill, { key: col.code })
  }
  return q
}
