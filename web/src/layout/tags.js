// Open page tabs (tags-view, as in RuoYi) under the top bar, and the <keep-alive> cache behind them.
// Every page visited inside the layout opens a tab (title from the route meta, which the router takes
// from the menu); the home tab is always first and cannot be closed. Each open tab keeps its page
// alive: the layout renders the page inside a wrapper component named after the tab's path
// (wrap()), and `tags.cached` — the <keep-alive include> list — holds the paths of the open tabs,
// so closing a tab drops exactly that page's instance even when several tabs share one component
// (report pages, complaint details). Module state: one tab bar per browser tab; reset on sign-out
// and when another user signs in.
import { defineComponent, h, markRaw, nextTick, reactive } from 'vue'

export const HOME = '/home'
const NO_TAB = ['/forbidden']

// views: [{ path, fullPath, title, fixed }]; cached: paths kept alive; refresh: path -> counter
// (part of the page's vnode key, so 刷新 mounts a new instance).
export const tags = reactive({ views: [], cached: [], refresh: {}, owner: null })
let insertAt = -1 // set by replaceView: where the next new tab goes

function homeView() {
  return { path: HOME, fullPath: HOME, title: '首页', fixed: true }
}

export function resetTags(owner = null) {
  tags.views = [homeView()]
  tags.cached = [HOME]
  tags.refresh = {}
  tags.owner = owner
  insertAt = -1
}
resetTags()

/** A route entered inside the layout: opens its tab or updates the tab's fullPath (query). */
export function addView(route) {
  for (const k of wrappers.keys()) if (k !== route.path && !tags.views.some((x) => x.path === k)) wrappers.delete(k)
  if (NO_TAB.includes(route.path) || route.meta.public) return
  const v = tags.views.find((x) => x.path === route.path)
  if (v) {
    v.fullPath = route.fullPath
    return
  }
  const view = { path: route.path, fullPath: route.fullPath, title: route.meta.title || route.path, fixed: false }
  if (insertAt > 0 && insertAt <= tags.views.length) tags.views.splice(insertAt, 0, view)
  else tags.views.push(view)
  insertAt = -1
  if (!tags.cached.includes(route.path)) tags.cached.push(route.path)
}

/** Title of an open tab, e.g. the complaint number once the detail page has loaded it. */
export function setViewTitle(path, title) {
  const v = tags.views.find((x) => x.path === path)
  if (v && title) v.title = title
}

// Pages that keep state outside their instance (e.g. 投诉单查询's filters in a module store) clear it
// when their tab is closed or refreshed.
const dropHooks = new Map()
export function onViewDropped(path, fn) {
  dropHooks.set(path, fn)
}

function drop(path) {
  const hook = dropHooks.get(path)
  if (hook) hook()
  tags.views = tags.views.filter((x) => x.fixed || x.path !== path)
  tags.cached = tags.cached.filter((p) => p === HOME || p !== path)
  delete tags.refresh[path]
}

/** Closes one tab; when it is the current page, goes to the tab on its right (else left). */
export function closeView(router, path) {
  const i = tags.views.findIndex((x) => x.path === path)
  if (i < 0 || tags.views[i].fixed) return
  const current = router.currentRoute.value.path === path
  drop(path)
  if (current) {
    const next = tags.views[i] || tags.views[i - 1] || homeView()
    router.push(next.fullPath)
  }
}

/** Closes every tab but the home tab and `path` (which becomes the current page). */
export function closeOthers(router, path) {
  for (const v of tags.views.slice()) if (!v.fixed && v.path !== path) drop(v.path)
  const keep = tags.views.find((x) => x.path === path)
  if (keep && router.currentRoute.value.path !== path) router.push(keep.fullPath)
}

/** Closes every tab but the home tab, and goes home. */
export function closeAll(router) {
  for (const v of tags.views.slice()) if (!v.fixed) drop(v.path)
  if (router.currentRoute.value.path !== HOME) router.push(HOME)
}

/** 刷新: the page's kept instance is discarded and a new one mounted (filters, data reloaded). */
export async function refreshView(router, path) {
  const v = tags.views.find((x) => x.path === path)
  if (!v) return
  if (router.currentRoute.value.path !== path) await router.push(v.fullPath)
  const hook = dropHooks.get(path)
  if (hook) hook()
  tags.cached = tags.cached.filter((p) => p !== path) // keep-alive prunes the old instance
  tags.refresh[path] = (tags.refresh[path] || 0) + 1
  await nextTick()
  if (tags.views.some((x) => x.path === path) && !tags.cached.includes(path)) tags.cached.push(path)
}

/** A page that turns into another (a new complaint saved as a draft, a draft submitted): its tab
 *  and kept instance go, and the page it replaces itself with opens a tab in the same place. */
export function replaceView(router, fromPath, to) {
  const i = tags.views.findIndex((x) => x.path === fromPath)
  if (i > 0) {
    drop(fromPath)
    insertAt = i
  }
  return router.replace(to)
}

export const refreshKey = (path) => path + '#' + (tags.refresh[path] || 0)

// One wrapper component per tab path, named after the path, around the route's component.
const wrappers = new Map()
export function wrap(path, component) {
  const w = wrappers.get(path)
  if (w && w.inner === component) return w.outer
  const outer = markRaw(defineComponent({ name: path, setup: () => () => h(component) }))
  wrappers.set(path, { inner: component, outer })
  return outer
}
