// Filters of 投诉单查询 kept for the session of the page (coming back from a detail page keeps
// the search).
import { reactive } from 'vue'

export const blankFilters = () => ({
  complaint_no: '', q: '', status: '', range: null, org_id: null, business_channel_code: '',
  business_type_code: '', cause_code: '', source_channel: '', tag: '', deadline_state: '', overdue: false,
  id_no: '', phone: '',
})

export const searchState = reactive({
  filters: blankFilters(),
  paging: { page: 1, page_size: 20 },
  more: false,
  sortDue: false,
})
