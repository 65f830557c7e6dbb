// Role list for selects (GET /roles answers {items:[...]}; a bare array is accepted too).
import { api } from './api.js'

export async function fetchRoles(opts) {
  const data = await api.get('/roles', null, opts)
  return Array.isArray(data) ? data : (data && data.items) || []
}
