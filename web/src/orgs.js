// Cached institution list for tree-selects and labels. Pages that change institutions call
// loadOrgs(true) so other pages see the new tree.
import { reactive } from 'vue'
import { api } from './api.js'
import { buildOrgTree } from './format.js'

export const orgStore = reactive({ items: [], tree: [], loaded: false })

let pending = null

export function loadOrgs(force = false) {
  if (orgStore.loaded && !force) return Promise.resolve(orgStore.items)
  if (pending && !force) return pending
  pending = api.get('/institutions').then((data) => {
    orgStore.items = (data && data.items) || []
    orgStore.tree = buildOrgTree(orgStore.items)
    orgStore.loaded = true
    return orgStore.items
  }).finally(() => {
    pending = null
  })
  return pending
}

export function resetOrgs() {
  orgStore.items = []
  orgStore.tree = []
  orgStore.loaded = false
}
