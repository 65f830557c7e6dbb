// Filters of 投诉单查询 kept for the session of the page (coming back from a detail page keeps
// the search). `extra` holds conditions the form has no field for, set by a report drill-down
// (counted, open, region_code, complained_org_id, right); they show as removable tags.
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
  extra: {},
})

// The route query keys a drill-down may set: form fields, and the extra conditions.
export const QUERY_FIELDS = ['status', 'org_id', 'source_channel', 'business_channel_code', 'business_type_code',
  'cause_code', 'deadline_state']
export const QUERY_EXTRA = ['counted', 'open', 'region_code', 'complained_org_id', 'right']
