// Browser test of the complaint pages against a real `fcms serve` started here on a free port
// with a fresh data dir: intake form (cascaders), drafts, query, detail with workflow actions
// (assign, extension and its approval, reply, review, callback), to-do tabs, notification bell,
// unmasking, delete approval and the base data pages. Drives Debian's /usr/bin/chromium through
// playwright-core from web/node_modules and saves a 1440x900 screenshot of every page as
// tests/e2e/shots/complaints-NN-*.png (git-ignored). Assertions are on what a user sees.
//
// Run: make build && (cd web && npm ci && npm run build) && node --test tests/e2e/complaints.test.mjs
// Env: FCMS_BIN (default build/fcms).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { WEB, SHOTS, ADMIN_PASSWORD, sleep, startFcms, launchBrowser, Client, grantAndActivate } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'

const NEW_PASSWORD = 'Fcms#Test2024ok' // satisfies both password profiles (length, 4 classes)
const ID_NO = '110101199001011237' // valid resident ID (check digit 7)

let fcms = null
let dataDir = null
let profileDir = null
let browser = null
let page = null
let base = ''
let adminPassword = ADMIN_PASSWORD
const pageErrors = []
const cspViolations = []
const secrets = {} // username -> current password
const codes = {} // username -> activation code issued by the security admin
let complaintNo = ''

async function startServer() {
  fcms = await startFcms('fcms-e2e-cmp-data-')
  base = fcms.base
  dataDir = fcms.dataDir
}

async function stopServer() {
  if (fcms) await fcms.stop()
}

const shot = screenshots(() => page, 'complaints-')

const { formItem, fill, pickSelect, pickTree, pickCascader, dialog, confirmBox, expectMessage, clearMessages, row,
  rowButton, menuTexts, menu, go, login, logout, changePassword, readSecret } = elementUi(() => page, () => base)

// --- flows ----------------------------------------------------------------------------------

// First sign-in of a new user: the one-time password must be changed.
async function firstLogin(username) {
  await login(username, secrets[username])
  assert.match(page.url(), /#\/password/)
  await changePassword(secrets[username], NEW_PASSWORD, codes[username])
  secrets[username] = NEW_PASSWORD
  await page.locator('[data-test=home-profile]').waitFor()
}

// The system admin creates the account in the UI (no roles: 三员, docs/security.md); a security
// admin grants the roles (by name) and issues the activation code through the API.
async function createUser({ username, name, org, roles }) {
  await page.getByRole('button', { name: '新增用户' }).click()
  const d = dialog('新增用户')
  await d.waitFor()
  await fill(d, '用户名', username)
  await fill(d, '姓名', name)
  await pickTree(d, '所属机构', org)
  await d.getByRole('button', { name: '确定' }).click()
  const s = await readSecret('初始密码')
  secrets[username] = s.value
  await s.d.getByRole('button', { name: '我已记录' }).click()
  const api = new Client(base, 'admin')
  await api.login('admin', adminPassword)
  const byName = Object.fromEntries((await api.ok('GET', '/roles')).items.map((r) => [r.name, r.id]))
  const user = (await api.ok('GET', `/users?q=${username}`)).items.find((u) => u.username === username)
  codes[username] = await grantAndActivate(base, api, user.id, roles.map((r) => byName[r]), user.org_id)
}

// Detail page helpers.
async function openComplaint(no) {
  await menu('投诉单查询')
  const filters = page.locator('[data-test=search-filters]')
  await fill(filters, '投诉编号', no)
  await filters.getByRole('button', { name: '查询' }).click()
  await page.waitForLoadState('networkidle')
  await row('[data-test=complaints-table]', no).click()
  await page.locator('[data-test=complaint-no]', { hasText: no }).waitFor()
  await page.waitForLoadState('networkidle')
}

async function status() {
  return (await page.locator('.head-card [data-test=status-tag]').first().innerText()).trim()
}

async function waitStatus(label) {
  await page.locator('.head-card [data-test=status-tag]', { hasText: label }).first().waitFor()
}

async function act(action) {
  await page.locator('[data-test=actions] button', { hasText: new RegExp(`^\\s*${action}\\s*$`) }).click()
  const d = page.locator('[data-test=action-dialog]:visible').last()
  await d.waitFor()
  return d
}

async function confirmAction(d, message) {
  await d.locator('[data-test=action-confirm]').click()
  await expectMessage(message)
  await d.waitFor({ state: 'hidden' })
  await page.waitForLoadState('networkidle')
}

async function timelineText() {
  return page.locator('[data-test=timeline]').innerText()
}

describe('fcms complaint pages', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    for (const f of fs.readdirSync(SHOTS)) if (/^complaints-.*\.png$/.test(f)) fs.unlinkSync(path.join(SHOTS, f))
    await startServer()
    ;({ context: browser, page, profileDir } = await launchBrowser('fcms-e2e-cmp-chromium-',
      { errors: pageErrors, csp: cspViolations }))
  })

  after(async () => {
    try {
      if (browser) await browser.close()
    } finally {
      await stopServer()
      for (const d of [dataDir, profileDir]) if (d) fs.rmSync(d, { recursive: true, force: true })
    }
  })

  test('admin creates a branch and the complaint users', async () => {
    await login('admin', adminPassword)
    if (page.url().includes('#/password')) {
      await changePassword(adminPassword, NEW_PASSWORD + 'A')
      adminPassword = NEW_PASSWORD + 'A'
    }
    await go('/org/institutions')
    const tree = page.locator('[data-test=org-tree]')
    await tree.locator('.el-tree-node__content').first().click()
    await page.getByRole('button', { name: '新增下级' }).click()
    const form = page.locator('.org-form')
    await fill(form, '机构名称', '上海分行')
    await fill(form, '机构代码', 'SH001')
    await fill(form, '金融机构编码', 'B0001H23100001')
    await fill(form, '行政区划代码', '310000')
    await pickSelect(form, '机构类型', '分行')
    await form.getByRole('button', { name: '保存' }).click()
    await expectMessage('已新增机构「上海分行」')

    await go('/org/users')
    await page.locator('[data-test=users-table] tr.el-table__row').first().waitFor()
    const rootName = (await page.locator('[data-test=current-org]').innerText()).trim()
    await createUser({ username: 'liming', name: '李明', org: '上海分行', roles: ['受理员', '处理员'] })
    await createUser({ username: 'wangshen', name: '王审核', org: rootName, roles: ['审核员(消保)'] })
    await page.reload()
    await page.locator('[data-test=users-table] tr.el-table__row').first().waitFor()
    const r = await row('[data-test=users-table]', 'liming').innerText()
    assert.match(r, /受理员/)
    assert.match(r, /处理员/)
    await logout()
  })

  test('registrar fills the intake form with cascaders and registers a phone complaint', async () => {
    await firstLogin('liming')
    const m = await menuTexts()
    for (const want of ['投诉录入', '暂存处理', '待办处理', '投诉单查询', '投诉分类代码']) assert.ok(m.includes(want), `registrar menu lacks ${want}: ${m}`)
    for (const not of ['回访处理', '投诉工单删除']) assert.ok(!m.includes(not), `registrar must not see ${not}`)
    await page.locator('[data-test=home-todo]').waitFor()
    await shot('home-registrar')

    await menu('投诉录入')
    const f = page.locator('[data-test=register-form]')
    await formItem(f, '投诉反映渠道').waitFor()
    await page.waitForLoadState('networkidle')
    await shot('register-empty')
    // A regulator transfer needs the external ticket number; the phone channel does not.
    await pickSelect(f, '投诉反映渠道', '人民银行转办')
    await formItem(f, '外部工单号').waitFor()
    await pickSelect(f, '投诉反映渠道', '电话')
    await formItem(f, '外部工单号').waitFor({ state: 'detached' })
    assert.ok(await formItem(f, '接收时间').locator('input').inputValue(), 'received time defaults to now')

    await fill(f, '姓名', '张三')
    await fill(f, '证件号码', '110101199001011234')
    await formItem(f, '证件号码').getByText('居民身份证号码校验位不正确').waitFor()
    await fill(f, '证件号码', ID_NO)
    await formItem(f, '证件号码').locator('.el-form-item__error').waitFor({ state: 'detached' })
    await fill(f, '联系电话', '13800001111')
    await fill(f, '联系地址', '上海市浦东新区世纪大道100号')
    await formItem(f, '被投诉机构').locator('.el-select__wrapper', { hasText: '上海分行' }).waitFor() // defaults to own branch
    await pickCascader(f, '行政区划', ['上海市', '浦东新区'])
    assert.equal(await formItem(f, '行政区划').locator('input').inputValue(), '上海市 / 浦东新区')
    await pickCascader(f, '业务办理渠道', ['前台业务渠道', '营业现场'])
    await pickCascader(f, '业务类别', ['贷款', '个人住房贷款'])
    await pickCascader(f, '投诉原因', ['因服务态度及服务质量引起的投诉'])
    // The cause pre-fills its suggested rights.
    await formItem(f, '基本权益').locator('.el-tag', { hasText: 'R07' }).waitFor()
    await fill(f, '投诉内容', '客户反映在营业厅办理房贷提前还款时，柜员态度生硬，多次催促并拒绝解释违约金计算方式。')
    await fill(f, '诉求', '要求网点道歉并书面说明违约金计算依据。')
    await fill(f, '涉及金额', '1234.5')
    await page.locator('.guide-card').getByText('已完成 5 / 5 项').waitFor()
    await page.locator('#sec-org').scrollIntoViewIfNeeded()
    await shot('register-form')

    await page.locator('[data-test=submit-register]').click()
    const box = page.locator('.el-message-box:visible').filter({ hasText: '登记成功' })
    await box.waitFor()
    const text = await box.innerText()
    const mm = /SH001-\d{8}-\d{5}/.exec(text)
    assert.ok(mm, `no complaint number in: ${text}`)
    complaintNo = mm[0]
    await shot('register-done')
    await box.getByRole('button', { name: '继续录入' }).click()
    await box.waitFor({ state: 'hidden' })
    assert.equal(await formItem(f, '姓名').locator('input').inputValue(), '')

    // A second complaint saved as a draft (暂存): only what is filled.
    await pickSelect(f, '投诉反映渠道', '信函')
    await fill(f, '姓名', '李四')
    await fill(f, '投诉内容', '来信反映信用卡年费收取未提前告知，待补充材料后登记。')
    await page.locator('[data-test=save-draft]').click()
    await expectMessage('已暂存')
    await page.waitForURL(/#\/complaints\/edit\/\d+/)
    await page.locator('.draft-alert').waitFor()
    // The saved identity comes back masked, as a hint in the emptied input.
    await formItem(f, '姓名').locator('input[placeholder*="李*"]').waitFor()

    await menu('暂存处理')
    const draftRow = row('[data-test=drafts-table]', '李*')
    await draftRow.waitFor()
    assert.match(await draftRow.innerText(), /信函/)
    await shot('drafts')
    await rowButton('[data-test=drafts-table]', '李*', '继续编辑')
    await page.locator('.draft-alert').waitFor()
    await page.waitForLoadState('networkidle')
    assert.match(await page.locator('.guide-card').innerText(), /编辑暂存投诉单/)
    await shot('draft-edit')
    // Not wanted after all: ask for its deletion (approved later by the reviewer).
    await menu('暂存处理')
    await rowButton('[data-test=drafts-table]', '李*', '删除')
    const prompt = page.locator('.el-message-box:visible')
    await prompt.locator('input').fill('重复录入，投诉人已改为电话反映')
    await prompt.getByRole('button', { name: '提交申请' }).click()
    await expectMessage('已提交删除申请')
    await row('[data-test=drafts-table]', '删除待审批').waitFor()
  })

  test('the complaint appears in 投诉单查询; the registrar assigns it and asks for an extension', async () => {
    await menu('投诉单查询')
    const r = row('[data-test=complaints-table]', complaintNo)
    await r.waitFor()
    const text = await r.innerText()
    for (const want of ['待分派', '张*', '电话', '上海分行', 'C01']) assert.ok(text.includes(want), `search row lacks ${want}: ${text}`)
    assert.match(text, /剩余 1[45] 天/)
    // Exact lookup by phone (blind index).
    const filters = page.locator('[data-test=search-filters]')
    await filters.getByRole('button', { name: '更多条件' }).click()
    await fill(filters, '手机号', '13800001111')
    await filters.getByRole('button', { name: '查询' }).click()
    await page.waitForLoadState('networkidle')
    await row('[data-test=complaints-table]', complaintNo).waitFor()
    // The footer is read once the filtered answer is shown: before it, the unfiltered list (the
    // complaint and the draft) can still be on screen, which read 共 2 条.
    await page.locator('.table-footer', { hasText: /共 1 条/ }).waitFor({ timeout: 10000 })
    assert.match(await page.locator('.table-footer').innerText(), /共 1 条/)
    await shot('search')
    await filters.getByRole('button', { name: '重置' }).click()

    await openComplaint(complaintNo)
    assert.equal(await status(), '待分派')
    const facts = await page.locator('[data-test=facts-content]').innerText()
    assert.match(facts, /A0101 营业现场/)
    assert.match(facts, /B0201 个人住房贷款/)
    assert.match(facts, /C01 因服务态度及服务质量引起的投诉/)
    assert.match(facts, /1,234\.50 元/)
    assert.match(await page.locator('[data-test=facts-intake]').innerText(), /上海市 \/ 浦东新区/)
    assert.match(await page.locator('[data-test=facts-person]').innerText(), /1101\*+1237/)
    assert.equal(await page.locator('[data-test=unmask]').count(), 0, 'registrar has no pii.unmask')
    await shot('detail-registered')

    let d = await act('分派')
    // Without the user directory the registrar-handler can assign to themself.
    assert.match(await d.locator('[data-test=assign-user]').innerText(), /李明/)
    await shot('action-assign')
    await confirmAction(d, '已分派')
    await waitStatus('处理中')
    assert.match(await page.locator('.deadline').innerText(), /处理人\s*李明/)

    d = await act('申请延期')
    await fill(d, '延期原因', '需调取营业厅监控录像并核实违约金计算过程')
    await shot('action-extend')
    await confirmAction(d, '已提交延期申请')
    await page.locator('[data-test=pending]', { hasText: '申请延期 15 日' }).waitFor()
    assert.ok(!(await page.locator('[data-test=actions]').innerText()).includes('答复'), 'no reply while the extension is pending')

    // The assignment notified the handler: bell badge, list, click opens and marks read.
    await page.reload()
    await page.waitForLoadState('networkidle')
    await page.locator('[data-test=bell] .el-badge__content', { hasText: '1' }).waitFor()
    await page.locator('[data-test=bell]').click()
    const item = page.locator('[data-test=bell-list] .bell-item', { hasText: '已分派给您处理' })
    await item.waitFor()
    await shot('notifications')
    await item.click()
    await page.locator('[data-test=bell] .el-badge__content').waitFor({ state: 'hidden' })
    await logout()
  })

  test('the reviewer approves the extension from 待办 延期审批 and checks the base data pages', async () => {
    await firstLogin('wangshen')
    const m = await menuTexts()
    for (const want of ['待办处理', '投诉单查询', '回访处理', '投诉工单删除', '时限与流程设置']) assert.ok(m.includes(want), `reviewer menu lacks ${want}: ${m}`)
    assert.ok(!m.includes('投诉录入'))
    await page.waitForTimeout(1200) // chart entry animation
    await shot('home-reviewer')

    await menu('待办处理')
    const tab = page.locator('.el-tabs__item.is-active')
    await tab.filter({ hasText: '延期审批' }).waitFor()
    assert.match(await tab.innerText(), /1/)
    const r = row('[data-test=todo-table]', complaintNo)
    await r.waitFor()
    assert.match(await r.innerText(), /延期 15 日/)
    assert.match(await r.innerText(), /剩余 1[45] 天/)
    await shot('todo-extension')
    await r.click()
    await page.locator('[data-test=complaint-no]', { hasText: complaintNo }).waitFor()
    const d = await act('批准延期')
    assert.match(await d.innerText(), /延期后总时限 30 日/)
    await shot('action-approve-extension')
    await confirmAction(d, '已批准延期')
    await page.locator('[data-test=pending]').waitFor({ state: 'detached' })
    assert.match(await page.locator('.deadline').innerText(), /30 日/)
    assert.match(await page.locator('.deadline').innerText(), /延期次数\s*1/)

    // Base data, editable with config.manage.
    await menu('投诉分类代码')
    await row('[data-test=codes-table]', '前台业务渠道').waitFor()
    await page.locator('[data-test=code-tabs] .el-tabs__item', { hasText: '投诉原因' }).click()
    await row('[data-test=codes-table]', '因服务态度及服务质量引起的投诉').waitFor()
    await page.locator('[data-test=import-file]').setInputFiles({
      name: 'codes.csv', mimeType: 'text/csv',
      buffer: Buffer.from('dimension,code,parent,level,name,suggest_rights\nC,C98,,1,因第三方合作机构引起的投诉,R01 R04\n'),
    })
    const done = page.locator('.el-message-box:visible').filter({ hasText: '导入完成' })
    await done.waitFor()
    assert.match(await done.innerText(), /新增 1 条/)
    await done.getByRole('button', { name: '知道了' }).click()
    await row('[data-test=codes-table]', 'C98').waitFor()
    await shot('base-codes')

    await menu('投诉反应渠道配置')
    const ch = row('[data-test=dict-table]', '人民银行转办')
    await ch.waitFor()
    assert.match(await ch.innerText(), /需要/)
    await rowButton('[data-test=dict-table]', '信访转办', '编辑')
    await dialog('编辑投诉反映渠道').waitFor()
    await shot('base-channel-edit')
    await dialog('编辑投诉反映渠道').getByRole('button', { name: '取消' }).click()

    await menu('节假日日历')
    await page.locator('[data-test=calendar] .el-calendar-table').waitFor()
    await page.waitForLoadState('networkidle')
    await shot('base-calendar')

    await menu('时限与流程设置')
    const sf = page.locator('[data-test=settings-form]')
    await formItem(sf, '标准处理时限').waitFor()
    assert.equal(await formItem(sf, '标准处理时限').locator('input').inputValue(), '15')
    assert.equal(await formItem(sf, '第二次延期总时限').locator('input').inputValue(), '60')
    await shot('base-settings')
    await logout()
  })

  test('the handler replies', async () => {
    await login('liming', secrets.liming)
    await menu('待办处理')
    await page.locator('.el-tabs__item.is-active', { hasText: '我的待办' }).waitFor()
    await row('[data-test=todo-table]', complaintNo).click()
    await page.locator('[data-test=complaint-no]', { hasText: complaintNo }).waitFor()
    await waitStatus('处理中')
    const d = await act('答复')
    await d.locator('.el-radio', { hasText: '满足诉求' }).click()
    await fill(d, '答复内容', '经调取监控核实，柜员服务确有不当，已向您致歉并对柜员批评教育；违约金按合同第八条计算，已书面说明。')
    await shot('action-reply')
    await confirmAction(d, '已提交答复')
    await waitStatus('待审核')
    assert.match(await page.locator('[data-test=facts-reply]').innerText(), /满足诉求/)
    await logout()
  })

  test('the reviewer approves the reply, records the callback and the complaint is closed', async () => {
    await login('wangshen', secrets.wangshen)
    await menu('待办处理')
    await page.locator('.el-tabs__item', { hasText: '待审核' }).click()
    await row('[data-test=todo-table]', complaintNo).click()
    await page.locator('[data-test=complaint-no]', { hasText: complaintNo }).waitFor()
    await waitStatus('待审核')
    await confirmAction(await act('审核通过'), '审核已通过')
    await waitStatus('已答复待回访')

    await menu('回访处理')
    await row('[data-test=callbacks-table]', complaintNo).waitFor()
    await shot('callbacks')
    await rowButton('[data-test=callbacks-table]', complaintNo, '回访')
    const d = page.locator('[data-test=action-dialog]:visible')
    await d.waitFor()
    await d.locator('.el-radio', { hasText: /^\s*满意\s*$/ }).click()
    await fill(d, '回访记录', '电话回访，客户对处理结果表示满意。')
    await shot('action-callback')
    await confirmAction(d, '回访已记录')
    await row('[data-test=callbacks-table]', complaintNo).waitFor({ state: 'detached' })

    await openComplaint(complaintNo)
    await waitStatus('已办结')
    assert.match(await page.locator('[data-test=facts-callback]').innerText(), /满意/)
    const tl = await timelineText()
    const steps = ['登记', '分派', '申请延期', '批准延期', '答复', '审核通过', '回访']
    let at = -1
    for (const s of steps) {
      const i = tl.indexOf(s, at + 1)
      assert.ok(i > at, `timeline lacks "${s}" after position ${at}: ${tl}`)
      at = i
    }
    assert.match(tl, /已办结/)
    await shot('detail-closed')
    await page.locator('[data-test=facts-reply]').scrollIntoViewIfNeeded()
    await page.locator('.tl-card .el-card__body').evaluate((el) => { el.scrollTop = el.scrollHeight })
    await shot('detail-reply-timeline')

    // Full identity for pii.unmask, with the audit warning; the view itself joins the timeline.
    await page.locator('[data-test=unmask]').click()
    await confirmBox('确定查看')
    const person = page.locator('[data-test=facts-person]')
    await person.getByText(ID_NO).waitFor()
    assert.match(await person.innerText(), /张三/)
    await page.getByText('本次查看已记入审计日志').waitFor()
    await page.locator('[data-test=timeline]', { hasText: '查看完整投诉人信息' }).waitFor()
    await shot('detail-unmasked')
  })

  test('the reviewer approves the draft deletion in 删除审批', async () => {
    await menu('投诉工单删除')
    const r = row('[data-test=delete-table]', '李*')
    await r.waitFor()
    assert.match(await r.innerText(), /重复录入/)
    assert.match(await r.innerText(), /李明/)
    await shot('delete-approvals')
    await rowButton('[data-test=delete-table]', '李*', '批准')
    const d = page.locator('[data-test=action-dialog]:visible')
    await d.waitFor()
    await confirmAction(d, '已批准删除')
    await page.getByText('暂无待审批的删除申请').waitFor()

    await menu('待办处理')
    await page.locator('[data-test=todo-table]').waitFor()
    await shot('todo-empty')
    await logout()
  })

  test('no CSP violations or page errors', () => {
    assert.deepEqual(cspViolations, [])
    assert.deepEqual(pageErrors, [])
  })
})
