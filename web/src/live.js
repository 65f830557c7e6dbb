// Live updates (实时更新): one EventSource on /api/v1/events per signed-in tab (same-origin, the
// session cookie goes with it). Opened when a user is signed in (and past a forced password
// change), closed on logout or when the session ends. Pages listen through useLive() /
// useLiveRefresh(); after a reconnection they get a 'resync' so that nothing missed stays stale.
// Events: `complaint` {id, complaint_no, action, status, version, deadline_state} and
// `notification` {complaint_id, complaint_no, kind}; `regulator` {kind: status|alert} (监管报送,
// head-office scope).
import { onBeforeUnmount, reactive, watch } from 'vue'
import { session } from './session.js'
import { setWriteHook } from './api.js'

const EVENTS_URL = '/api/v1/events'
const RETRY_MIN_MS = 5000
const RETRY_MAX_MS = 60000

export const liveState = reactive({ connected: false })

const listeners = new Map() // type -> Set of callbacks
let es = null
let active = false
let retryTimer = null
let retryDelay = RETRY_MIN_MS
let missed = false // the connection dropped after being open: events may have been lost

function emit(type, data) {
  for (const fn of [...(listeners.get(type) || [])]) {
    try {
      fn(data)
    } catch (e) {
      console.error('live listener failed', e)
    }
  }
}

function parse(ev) {
  try {
    return JSON.parse(ev.data)
  } catch (e) {
    return null
  }
}

function connect() {
  clearTimeout(retryTimer)
  retryTimer = null
  const src = new EventSource(EVENTS_URL)
  es = src
  src.addEventListener('open', () => {
    liveState.connected = true
    retryDelay = RETRY_MIN_MS
    if (missed) emit('resync', {})
    missed = false
  })
  for (const type of ['complaint', 'notification', 'regulator']) {
    src.addEventListener(type, (ev) => {
      const data = parse(ev)
      if (data) emit(type, data)
    })
  }
  src.addEventListener('error', () => {
    if (es !== src) return
    if (liveState.connected) missed = true
    liveState.connected = false
    // After a network error the browser reconnects by itself (readyState CONNECTING). On an
    // HTTP error (401 after the session ended, 503, ...) it gives up (CLOSED): try again later,
    // less and less often, for as long as the user is signed in.
    if (src.readyState === EventSource.CLOSED) {
      src.close()
      es = null
      missed = true
      retryTimer = setTimeout(() => { if (active) connect() }, retryDelay)
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS)
    }
  })
}

export function startLive() {
  if (active || typeof EventSource === 'undefined') return
  active = true
  missed = false
  retryDelay = RETRY_MIN_MS
  connect()
}

export function stopLive() {
  active = false
  clearTimeout(retryTimer)
  retryTimer = null
  if (es) es.close()
  es = null
  liveState.connected = false
  missed = false
  writes.clear()
}

// Follows the session: connected while a user is signed in, reconnected for another user.
export function initLive() {
  watch(() => (session.user && !session.user.must_change_password ? session.user.id : null), (uid) => {
    stopLive()
    if (uid) startLive()
  }, { immediate: true })
}

// ---- this tab's own changes ----
// Writes to /complaints/{id}/... in flight, and the versions they produced: an event with such a
// version (or arriving while a write is under way) is this tab's doing, not someone else's.
const writes = new Map() // complaint id -> { inflight, versions: [] }
setWriteHook((path, starting, result) => {
  const m = /^\/complaints\/(\d+)(?:\/|$)/.exec(path)
  if (!m) return
  const w = writes.get(m[1]) || { inflight: 0, versions: [] }
  if (starting) {
    w.inflight += 1
  } else {
    w.inflight = Math.max(0, w.inflight - 1)
    if (result && result.version !== undefined) w.versions = w.versions.concat(Number(result.version)).slice(-20)
  }
  writes.set(m[1], w)
})

export function isOwnChange(ev) {
  const w = writes.get(String(ev.id))
  return !!w && (w.inflight > 0 || w.versions.includes(Number(ev.version)))
}

// ---- listening ----

export function onLive(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set())
  listeners.get(type).add(fn)
  return () => listeners.get(type).delete(fn)
}

// onLive() for the lifetime of the calling component.
export function useLive(type, fn) {
  const off = onLive(type, fn)
  onBeforeUnmount(off)
  return off
}

// Debounced call: `wait` ms after the last kick, but no later than `maxWait` after the first.
export function debounce(fn, wait = 500, maxWait = 3000) {
  let timer = null
  let first = 0
  const run = () => {
    timer = null
    first = 0
    fn()
  }
  const kick = () => {
    const now = Date.now()
    if (!first) first = now
    clearTimeout(timer)
    timer = setTimeout(run, Math.max(0, Math.min(wait, first + maxWait - now)))
  }
  kick.cancel = () => {
    clearTimeout(timer)
    timer = null
    first = 0
  }
  return kick
}

// Refreshes a page on live events (by default `complaint`), debounced; while the tab is hidden
// the refresh waits until it is shown again. filter(ev) skips events that cannot concern the page.
export function useLiveRefresh(fn, { types = ['complaint'], filter = null, wait = 500 } = {}) {
  let dirty = false
  const kick = debounce(() => {
    if (document.visibilityState === 'hidden') {
      dirty = true
      return
    }
    fn()
  }, wait)
  const offs = types.map((t) => onLive(t, (ev) => { if (!filter || filter(ev)) kick() }))
  offs.push(onLive('resync', kick))
  const onVisible = () => {
    if (dirty && document.visibilityState === 'visible') {
      dirty = false
      fn()
    }
  }
  document.addEventListener('visibilitychange', onVisible)
  onBeforeUnmount(() => {
    offs.forEach((off) => off())
    kick.cancel()
    document.removeEventListener('visibilitychange', onVisible)
  })
  return kick
}
