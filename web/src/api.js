// The one HTTP client of the UI. Every call to /api/v1 goes through request(): it sends the
// session cookie (same-origin) and the CSRF token on non-GET requests, shows the server's
// Chinese error message, and sends the browser back to the login page on 401.
// It must not know about pages: navigation on 401/403 goes through handlers set by main.js.
import { ElMessage } from 'element-plus'

const BASE = '/api/v1'

let csrfToken = ''
let onUnauthenticated = () => {}
let onPasswordChangeRequired = () => {}
let onWrite = () => {}

export function setCsrfToken(token) {
  csrfToken = token || ''
}

// Called with (path, true) when a non-GET request starts and (path, false, response data or
// undefined) when it ends: the live-update module (live.js) uses it to tell this tab's own
// changes from other people's.
export function setWriteHook(fn) {
  onWrite = fn || (() => {})
}

// handlers: { unauthenticated(), passwordChangeRequired() }
export function setAuthHandlers(handlers) {
  onUnauthenticated = handlers.unauthenticated || onUnauthenticated
  onPasswordChangeRequired = handlers.passwordChangeRequired || onPasswordChangeRequired
}

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message)
    this.status = status
    this.code = code
    this.field = field
  }
}

function buildQuery(query) {
  if (!query) return ''
  const parts = []
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v))
  }
  return parts.length ? '?' + parts.join('&') : ''
}

const FALLBACK = {
  400: '请求参数有误',
  401: '登录已失效，请重新登录',
  403: '没有执行该操作的权限',
  404: '对象不存在或已被删除',
  409: '操作与当前数据状态冲突',
  413: '提交的数据过大',
  423: '账户已锁定',
  500: '服务器内部错误，请稍后重试',
}

// options.quiet: do not show the error message (caller handles it).
// options.noRedirect: do not leave the page on 401 (login form, startup probe).
// options.raw: a Blob/File sent as the body as it is (uploads), instead of JSON `body`.
export async function request(method, path, opts = {}) {
  const writing = method !== 'GET' && method !== 'HEAD'
  if (!writing) return send(method, path, opts)
  onWrite(path, true)
  let result
  try {
    result = await send(method, path, opts)
    return result
  } finally {
    onWrite(path, false, result)
  }
}

async function send(method, path, { query, body, raw, quiet = false, noRedirect = false }) {
  const headers = { Accept: 'application/json' }
  const init = { method, credentials: 'same-origin', headers }
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken
    if (raw !== undefined) {
      headers['Content-Type'] = raw.type || 'application/octet-stream'
      init.body = raw
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
  }
  let res
  try {
    res = await fetch(BASE + path + buildQuery(query), init)
  } catch (e) {
    const err = new ApiError(0, 'network', '无法连接服务器，请检查网络')
    if (!quiet) ElMessage.error(err.message)
    throw err
  }
  let data = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch (e) {
      data = null
    }
  }
  if (res.ok) return data
  const e = (data && data.error) || {}
  const err = new ApiError(res.status, e.code || 'http_' + res.status,
    e.message || FALLBACK[res.status] || `请求失败（${res.status}）`, e.field)
  if (res.status === 401 && !noRedirect) {
    onUnauthenticated(err)
    throw err
  }
  if (res.status === 403 && err.code === 'password_change_required') {
    onPasswordChangeRequired(err)
    throw err
  }
  if (!quiet) ElMessage.error(err.message)
  throw err
}

export const api = {
  get: (path, query, opts) => request('GET', path, { ...opts, query }),
  post: (path, body, opts) => request('POST', path, { ...opts, body: body === undefined ? {} : body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),
  // Raw upload: `file` (Blob/File) is the whole body.
  upload: (path, file, query, opts) => request('POST', path, { ...opts, query, raw: file }),
}
