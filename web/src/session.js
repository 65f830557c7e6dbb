// Signed-in user state shared by the layout, the router guard and the pages.
// Holds the user object from /auth/login or /auth/me; the CSRF token lives in api.js.
import { reactive } from 'vue'
import { api, setCsrfToken } from './api.js'

export const session = reactive({
  user: null,
  loaded: false, // /auth/me has been asked once since the page loaded
})

export function setSession(data) {
  session.user = data ? data.user : null
  setCsrfToken(data ? data.csrf_token : '')
  session.loaded = true
}

export function clearSession() {
  session.user = null
  setCsrfToken('')
}

// Fetches the current user; resolves to null when not signed in.
export async function loadMe() {
  try {
    const data = await api.get('/auth/me', null, { quiet: true, noRedirect: true })
    setSession(data)
  } catch (e) {
    clearSession()
    session.loaded = true
  }
  return session.user
}

export function can(perm) {
  const u = session.user
  if (!u || !Array.isArray(u.permissions)) return false
  return u.permissions.includes(perm)
}

export function canAny(perms) {
  return perms.some(can)
}
