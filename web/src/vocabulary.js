// The complaint vocabulary the server defines once (GET /api/v1/meta, src/domain/vocabulary.c):
// labels of statuses, workflow actions, reply results and satisfaction, the status sets and the
// fixed limits. Loaded once per page load, after sign-in (router guard); the pages read it
// through components/complaint/meta.js, which keeps only the presentation (tag colours, order of
// the buttons). Reactive, so a label shown before the load is replaced when it arrives.
import { reactive } from 'vue'
import { api } from './api.js'

export const vocabulary = reactive({
  loaded: false,
  statuses: [], // [{ code, label, open, clock, unfinished }]
  status_sets: { open: [], clock: [], unfinished: [] },
  actions: [], // [{ code, label }]
  reply_results: [],
  satisfaction: [],
  limits: {},
})

const listeners = []
// fn(vocabulary) runs after every load (meta.js fills its lists from it).
export function onVocabulary(fn) { listeners.push(fn) }

let loading = null
// Asks the server once; a failure is retried at the next call. Resolves to the vocabulary.
export function loadVocabulary() {
  if (!loading) {
    loading = api.get('/meta', null, { quiet: true, noRedirect: true }).then((m) => {
      Object.assign(vocabulary, m, { loaded: true })
      for (const fn of listeners) fn(vocabulary)
      return vocabulary
    }).catch((e) => { loading = null; throw e })
  }
  return loading
}
