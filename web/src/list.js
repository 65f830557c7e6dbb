// The rows of a list page: items, total, the spinner and paging ({ page, page_size }, for
// TablePager), filled by fetch({ quiet }), an API call answering { items, total }.
//   load()    the spinner; on failure the list empties (the API client shows the message)
//   refresh() a live update: no spinner, no message, the rows shown stay on failure
//   search()  load() from page 1 (new filters, new page size)
// options.paging: a reactive { page, page_size } kept elsewhere (e.g. across route changes).
import { reactive, ref } from 'vue'

export function useList(fetch, { pageSize = 20, paging = null } = {}) {
  const items = ref([])
  const total = ref(0)
  const capped = ref(false) // total is a lower bound ("at least"): the server stopped counting
  const loading = ref(false)
  const pg = paging || reactive({ page: 1, page_size: pageSize })
  // The latest call wins: an answer to an older call (a slow first load, a query clicked twice
  // with other filters) arriving after a newer one is dropped, never shown under the new filters.
  let latest = 0

  async function run(quiet) {
    const mine = ++latest
    if (!quiet) loading.value = true
    try {
      const data = await fetch({ quiet })
      if (mine !== latest) return
      items.value = (data && data.items) || []
      total.value = (data && data.total) || 0
      capped.value = !!(data && data.total_capped)
    } catch (e) {
      if (quiet || mine !== latest) return
      items.value = []
      total.value = 0
      capped.value = false
    } finally {
      if (mine === latest) loading.value = false
    }
  }
  // Without arguments on purpose: handlers pass events (clicks, dialog results) to what they call.
  const load = () => run(false)
  const refresh = () => run(true)
  function search() {
    pg.page = 1
    return load()
  }
  return { items, total, capped, loading, paging: pg, load, refresh, search }
}
