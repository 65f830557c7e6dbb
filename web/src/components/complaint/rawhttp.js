// Non-JSON exchanges the shared client (api.js, JSON only) does not cover: uploading a CSV body
// and downloading a file. The CSRF token is read from /auth/me, as api.js keeps its own private.
import { api, ApiError } from '../../api.js'

export async function postText(path, text, contentType = 'text/csv; charset=utf-8') {
  const me = await api.get('/auth/me', null, { quiet: true })
  const res = await fetch('/api/v1' + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': contentType, 'X-CSRF-Token': (me && me.csrf_token) || '' },
    body: text,
  })
  let data = null
  try {
    data = await res.json()
  } catch (e) {
    data = null
  }
  if (res.ok) return data
  const e = (data && data.error) || {}
  throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || `请求失败（${res.status}）`, e.field)
}

// GET a file and hand it to the browser as a download named `filename`.
export async function download(path, filename) {
  const res = await fetch('/api/v1' + path, { credentials: 'same-origin' })
  if (!res.ok) {
    let msg = `下载失败（${res.status}）`
    try {
      const d = await res.json()
      if (d && d.error && d.error.message) msg = d.error.message
    } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, 'download_failed', msg)
  }
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
