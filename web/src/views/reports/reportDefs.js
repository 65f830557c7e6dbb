// The twelve statistical reports (统计报表): one entry per report, read by the menu, the router and
// the generic page (ReportView.vue). `kind` picks the shape of the answer:
//   tree    rows with level/parent (code trees, regions, institutions), expandable table, bar chart
//   flat    one row per catalog value (pie chart)
//   time    period buckets plus hour-of-day (line + hour bars)
//   compare time buckets with the previous period (环比 / 同比): line with the growth rate
//   detail  the complaint ledger (DetailReport.vue)
// `drill` is the complaint-list filter a row's `key` goes into; `matrix` offers the regulator layout;
// `codes` is the code tree (A/B/C) whose cascader the filter bar shows first.
import { reactive } from 'vue'
import { STATUSES } from '../../components/complaint/meta.js'
import { onVocabulary } from '../../vocabulary.js'

export const REPORTS = [
  { name: 'detail', title: '投诉明细报表', kind: 'detail' },
  { name: 'region', title: '投诉地区分布', kind: 'tree', drill: 'region_code', dimLabel: '地区' },
  { name: 'category', title: '投诉类别分布', kind: 'flat', drill: 'business_type_code', matrix: true, codes: 'B', dimLabel: '投诉类别' },
  { name: 'business_channel', title: '金融消费者投诉业务办理渠道', menu: '业务办理渠道统计', kind: 'tree', drill: 'business_channel_code', matrix: true, codes: 'A', dimLabel: '业务办理渠道' },
  { name: 'business_type', title: '投诉业务类别统计', kind: 'tree', drill: 'business_type_code', matrix: true, codes: 'B', dimLabel: '业务类别' },
  { name: 'cause', title: '投诉原因统计', kind: 'tree', drill: 'cause_code', matrix: true, codes: 'C', dimLabel: '投诉原因' },
  { name: 'institution', title: '被投诉机构统计', kind: 'tree', drill: 'complained_org_id', dimLabel: '被投诉机构' },
  { name: 'source_channel', title: '投诉反映渠道统计', kind: 'flat', drill: 'source_channel', dimLabel: '反映渠道' },
  { name: 'time', title: '投诉时间统计', kind: 'time', dimLabel: '统计期间' },
  { name: 'mom', title: '投诉时间环比', kind: 'compare', dimLabel: '统计期间' },
  { name: 'yoy', title: '投诉同比统计', kind: 'compare', dimLabel: '统计期间' },
  { name: 'rights', title: '投诉基本权利统计', kind: 'flat', drill: 'right', dimLabel: '基本权利' },
]

export const reportPath = (name) => '/reports/' + name.replace(/_/g, '-')
export const findReport = (name) => REPORTS.find((r) => r.name === name)

export const GRANULARITIES = [
  { value: 'day', label: '日' },
  { value: 'week', label: '周' },
  { value: 'month', label: '月' },
  { value: 'quarter', label: '季' },
  { value: 'year', label: '年' },
]

// Statuses the reports count (drafts and deleted complaints never are).
// Filled from the server's vocabulary (vocabulary.js) like STATUSES itself.
export const REPORT_STATUSES = reactive([])
const fillStatuses = () => REPORT_STATUSES.splice(0, REPORT_STATUSES.length,
  ...STATUSES.filter((s) => s.value !== 'draft' && s.value !== 'deleted'))
onVocabulary(fillStatuses)
fillStatuses()
