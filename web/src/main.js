// Entry point: Element Plus (zh-cn) with only the components the pages use, the router, and
// the API client's handlers for 401 / forced password change, and the live-update stream.
import { createApp } from 'vue'
import {
  ElAlert, ElAside, ElAvatar, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElCheckbox,
  ElCheckboxGroup, ElCol, ElConfigProvider, ElContainer, ElDatePicker, ElDescriptions,
  ElDescriptionsItem, ElDialog, ElDivider, ElDropdown, ElDropdownItem, ElDropdownMenu, ElEmpty,
  ElForm, ElFormItem, ElHeader, ElIcon, ElInput, ElInputNumber, ElLink, ElLoading, ElMain, ElMenu,
  ElMenuItem, ElOption, ElOptionGroup, ElPagination, ElPopover, ElRadio, ElRadioButton, ElRadioGroup, ElResult,
  ElRow, ElScrollbar, ElSelect, ElSkeleton, ElSubMenu, ElTable, ElTableColumn, ElTag, ElTooltip,
  ElTree, ElTreeSelect,
} from 'element-plus'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { router } from './router.js'
import { setAuthHandlers } from './api.js'
import { clearSession, session } from './session.js'
import { initLive } from './live.js'
import { ElMessage, ElMessageBox, provideGlobalConfig } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn.mjs'

const components = [
  ElAlert, ElAside, ElAvatar, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElCheckbox,
  ElCheckboxGroup, ElCol, ElConfigProvider, ElContainer, ElDatePicker, ElDescriptions,
  ElDescriptionsItem, ElDialog, ElDivider, ElDropdown, ElDropdownItem, ElDropdownMenu, ElEmpty,
  ElForm, ElFormItem, ElHeader, ElIcon, ElInput, ElInputNumber, ElLink, ElMain, ElMenu,
  ElMenuItem, ElOption, ElOptionGroup, ElPagination, ElPopover, ElRadio, ElRadioButton, ElRadioGroup, ElResult,
  ElRow, ElScrollbar, ElSelect, ElSkeleton, ElSubMenu, ElTable, ElTableColumn, ElTag, ElTooltip,
  ElTree, ElTreeSelect,
]

let redirecting = false
setAuthHandlers({
  // The login page says why (会话已过期 for the server's `session_expired`) and, after sign-in,
  // returns to the page the user was on (?redirect=, checked by the login page).
  unauthenticated(err) {
    const wasSignedIn = !!session.user
    clearSession()
    if (redirecting) return
    redirecting = true
    const cur = router.currentRoute.value
    const query = {}
    if (err && err.code === 'session_expired') query.reason = 'expired'
    else if (wasSignedIn) query.reason = 'signed_out'
    if (cur && !cur.meta.public && cur.fullPath && cur.fullPath !== '/home') query.redirect = cur.fullPath
    router.replace({ path: '/login', query }).finally(() => { redirecting = false })
  },
  passwordChangeRequired() {
    if (session.user) session.user.must_change_password = true
    router.replace('/password')
  },
})

const app = createApp(App)
for (const c of components) app.use(c)
app.use(ElLoading)
app.use(ElMessage)
app.use(ElMessageBox)
// Global locale so ElMessageBox and other services (outside <el-config-provider>) speak Chinese.
provideGlobalConfig({ locale: zhCn }, app, true)
app.use(router)
app.mount('#app')
// Live updates follow the session (opened after login, closed on logout or expiry).
initLive()
