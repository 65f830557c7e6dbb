// Browser test of the platform pages (login, institutions, users, roles, user status, security
// policy, audit) against a real `fcms serve` started here on a free port with a fresh data dir.
// Drives Debian's /usr/bin/chromium through playwright-core from web/node_modules and saves a
// 1440x900 screenshot of every page under tests/e2e/shots/ (git-ignored) for a human to look at.
// Assertions are on what a user sees: texts in tables, dialogs and messages.
//
// Run: make build && (cd web && npm ci && npm run build) && node --test tests/e2e/
// Env: FCMS_BIN (default build/fcms), FCMS_E2E_HEADFUL unset (always headless here).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { WEB, SHOTS, ADMIN_PASSWORD, sleep, startFcms, launchBrowser } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'

const NEW_PASSWORD = 'Fcms#Test2024ok' // satisfies both password profiles (length, 4 classes)

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

async function startServer() {
  fcms = await startFcms('fcms-e2e-data-')
  base = fcms.base
  dataDir = fcms.dataDir
}

async function stopServer() {
  if (fcms) await fcms.stop()
}

const shot = screenshots(() => page, '')

const { formItem, fill, pickSelect, pickTree, dialog, confirmBox, expectMessage, row, rowButton, menuTexts, go,
  login, logout, changePassword, readSecret } = elementUi(() => page, () => base)

async function createUser({ username, name, org, role, service = false }) {
  await page.getByRole('button', { name: '新增用户' }).click()
  const d = dialog('新增用户')
  await d.waitFor()
  await fill(d, '用户名', username)
  await fill(d, '姓名', name)
  await pickTree(d, '所属机构', org)
  if (role) {
    await pickSelect(d, '角色', role)
    await d.locator('.el-dialog__title').click() // close the multi-select dropdown
  }
  if (service) await d.locator('.el-checkbox', { hasText: '服务账号' }).click()
  await d.getByRole('button', { name: '确定' }).click()
}

describe('fcms platform web UI', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    for (const f of fs.readdirSync(SHOTS)) if (/^\d\d-.*\.png$/.test(f)) fs.unlinkSync(path.join(SHOTS, f))
    await startServer()
    ;({ context: browser, page, profileDir } = await launchBrowser('fcms-e2e-chromium-',
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

  test('admin signs in and sees the full admin menu', async () => {
    await go('/login')
    await page.locator('.login-card').waitFor()
    assert.match(await page.locator('.login-banner').innerText(), /金融消费者投诉管理系统/)
    await shot('login')
    await login('admin', adminPassword)
    if (page.url().includes('#/password')) {
      // Server demands a first-login change even for the env-provided password.
      await changePassword(adminPassword, NEW_PASSWORD + 'A')
      adminPassword = NEW_PASSWORD + 'A'
    }
    await page.locator('[data-test=home-profile]').waitFor()
    assert.match(await page.locator('[data-test=home-profile]').innerText(), /admin/)
    assert.match(await page.locator('.topbar').innerText(), /金融消费者投诉管理系统/)
    const menu = await menuTexts()
    for (const m of ['首页', '机构管理', '用户管理']) assert.ok(menu.includes(m), `admin menu lacks ${m}: ${menu}`)
    assert.ok(!menu.includes('审计日志'), 'system admin must not see 审计日志 (三员分立)')
    await page.locator('.org-chart canvas').waitFor()
    await page.waitForTimeout(1200) // chart entry animation
    await shot('home-admin')
  })

  test('admin creates a branch under the root institution', async () => {
    await go('/org/institutions')
    const tree = page.locator('[data-test=org-tree]')
    await tree.locator('.el-tree-node__content').first().click()
    const rootName = (await tree.locator('.el-tree-node__content').first().innerText()).split('\n')[0].trim()
    await page.getByRole('button', { name: '新增下级' }).click()
    const form = page.locator('.org-form')
    await fill(form, '机构名称', '上海分行')
    await fill(form, '机构代码', 'SH001')
    await fill(form, '金融机构编码', 'abc123')
    await page.getByText('金融机构编码须为 14 位数字或大写字母').waitFor()
    await shot('institution-validation')
    await fill(form, '金融机构编码', 'b0001h23100001') // upper-cased as typed
    assert.equal(await formItem(form, '金融机构编码').locator('input').inputValue(), 'B0001H23100001')
    await fill(form, '行政区划代码', '310000')
    await pickSelect(form, '机构类型', '分行')
    await fill(form, '地址', '上海市浦东新区陆家嘴环路1000号')
    await form.getByRole('button', { name: '保存' }).click()
    await expectMessage('已新增机构「上海分行」')
    await tree.getByText('上海分行', { exact: true }).waitFor()
    assert.equal(await formItem(form, '上级机构').locator('input').inputValue(), rootName)

    // A sub-branch below it, so that deleting the branch is refused with the server's reason.
    await page.getByRole('button', { name: '新增下级' }).click()
    await fill(form, '机构名称', '浦东支行')
    await fill(form, '机构代码', 'SH001-PD')
    await fill(form, '金融机构编码', 'B0001S23100002')
    await fill(form, '行政区划代码', '310115')
    await form.getByRole('button', { name: '保存' }).click()
    await expectMessage('已新增机构「浦东支行」')
    await tree.getByText('上海分行', { exact: true }).click()
    await page.getByRole('button', { name: '删除' }).click()
    await confirmBox('删除')
    const refusal = page.locator('.el-message-box:visible')
    await refusal.waitFor()
    assert.match(await refusal.innerText(), /无法删除/)
    assert.match(await refusal.locator('.el-message-box__message').innerText(), /[\u4e00-\u9fff]/)
    await shot('institution-delete-refused')
    await refusal.getByRole('button', { name: '知道了' }).click()
    await tree.getByText('浦东支行', { exact: true }).click()
    await page.getByRole('button', { name: '删除' }).click()
    await confirmBox('删除')
    await expectMessage('已删除机构「浦东支行」')
    await tree.getByText('上海分行', { exact: true }).click()
    await page.waitForTimeout(300)
    await shot('institutions')
  })

  test('admin creates users and reads their one-time passwords', async () => {
    await go('/org/users')
    await page.locator('[data-test=users-table] tr.el-table__row').first().waitFor()

    // 三员 (docs/security.md): the system admin creates accounts without roles; the one exception
    // is the installation's first security admin.
    await createUser({ username: 'zhangwei', name: '张伟', org: '上海分行' })
    let s = await readSecret('初始密码')
    secrets.zhangwei = s.value
    await shot('user-initial-password')
    await s.d.getByRole('button', { name: '我已记录' }).click()

    const rootName = (await page.locator('[data-test=current-org]').innerText()).trim()
    await createUser({ username: 'anquan', name: '李安全', org: rootName, role: '安全管理员' })
    s = await readSecret('初始密码')
    secrets.anquan = s.value
    await s.d.getByRole('button', { name: '我已记录' }).click()

    await createUser({ username: 'shenji', name: '王审计', org: rootName })
    s = await readSecret('初始密码')
    secrets.shenji = s.value
    await s.d.getByRole('button', { name: '我已记录' }).click()

    await createUser({ username: 'svc_report', name: '监管报送接口', org: rootName, service: true })
    await page.locator('.el-message', { hasText: '服务账号' }).or(dialog('初始密码')).first().waitFor()
    if (await dialog('初始密码').isVisible()) await dialog('初始密码').getByRole('button', { name: '我已记录' }).click()

    const r = row('[data-test=users-table]', 'zhangwei')
    await r.waitFor()
    const text = await r.innerText()
    for (const want of ['张伟', '上海分行', '正常']) assert.ok(text.includes(want), `row lacks ${want}: ${text}`)
    assert.match(await row('[data-test=users-table]', 'svc_report').innerText(), /服务账号/)
    assert.equal(await r.getByRole('button', { name: '设置角色' }).count(), 0, 'the system admin grants no roles')
    await logout()
  })

  test('the security admin grants roles (三员 refused) and issues activation codes', async () => {
    await login('anquan', secrets.anquan)
    await changePassword(secrets.anquan, NEW_PASSWORD) // the installation one: no code
    secrets.anquan = NEW_PASSWORD
    await go('/org/users')
    await row('[data-test=users-table]', 'zhangwei').waitFor()
    assert.equal(await page.getByRole('button', { name: '新增用户' }).count(), 0, 'the security admin creates no accounts')

    // One account, one family: 处理员 plus 系统管理员 is refused with the server's reason.
    await rowButton('[data-test=users-table]', 'zhangwei', '设置角色')
    let d = dialog('设置角色')
    await d.waitFor()
    await d.locator('.role-item', { hasText: '处理员' }).click()
    await d.locator('.role-item', { hasText: '系统管理员' }).click()
    await d.getByRole('button', { name: '保存' }).click()
    const refused = page.locator('.el-message--error').first()
    await refused.waitFor()
    assert.match(await refused.innerText(), /[\u4e00-\u9fff]/) // the server's Chinese reason
    await shot('user-roles-sanyuan-refused')
    await d.locator('.role-item', { hasText: '系统管理员' }).click()
    await d.getByRole('button', { name: '保存' }).click()
    await expectMessage('角色已更新')
    await page.locator('.el-message').last().waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {})

    await rowButton('[data-test=users-table]', 'shenji', '设置角色')
    d = dialog('设置角色')
    await d.waitFor()
    await d.locator('.role-item', { hasText: '审计管理员' }).click()
    await d.getByRole('button', { name: '保存' }).click()
    await expectMessage('角色已更新')
    assert.match(await row('[data-test=users-table]', 'zhangwei').innerText(), /处理员/)
    await shot('users')

    await page.locator('.side-menu .el-menu-item', { hasText: '用户状态管理' }).click()
    for (const u of ['zhangwei', 'shenji']) {
      await row('[data-test=status-table]', u).waitFor()
      await rowButton('[data-test=status-table]', u, '发放激活码')
      await confirmBox('发放')
      const c = await readSecret('激活码')
      codes[u] = c.value
      if (u === 'zhangwei') await shot('activation-code')
      await c.d.getByRole('button', { name: '我已记录' }).click()
    }
    await logout()
  })

  test('a new handler must change the password, then sees a limited menu', async () => {
    await login('zhangwei', secrets.zhangwei)
    assert.match(page.url(), /#\/password/)
    await page.getByText('首次登录或密码已被重置，请先修改密码').waitFor()
    assert.equal(await page.locator('.side-menu').count(), 0, 'menu must be hidden until the password is changed')
    await shot('forced-password-change')
    await changePassword(secrets.zhangwei, NEW_PASSWORD, codes.zhangwei)
    secrets.zhangwei = NEW_PASSWORD
    const menu = await menuTexts()
    for (const m of ['首页', '待办处理', '投诉单查询', '机构管理']) assert.ok(menu.includes(m), `handler menu lacks ${m}: ${menu}`)
    for (const m of ['用户管理', '角色管理', '用户状态管理', '安全策略', '审计日志', '投诉录入']) {
      assert.ok(!menu.includes(m), `handler menu must not show ${m}: ${menu}`)
    }
    assert.match(await page.locator('.topbar').innerText(), /张伟/)
    assert.match(await page.locator('.topbar').innerText(), /上海分行/)
    await page.waitForTimeout(1200) // chart entry animation
    await shot('home-handler')

    await page.locator('.side-menu .el-menu-item', { hasText: '投诉单查询' }).click()
    await page.locator('[data-test=complaints-table]').waitFor()
    await shot('complaint-search-handler')

    await page.locator('.side-menu .el-menu-item', { hasText: '机构管理' }).click()
    await page.getByText('您只有查看权限').waitFor()
    assert.equal(await page.getByRole('button', { name: '新增下级' }).count(), 0)
    await shot('institutions-readonly')

    await go('/org/users')
    await page.getByText('无权访问').first().waitFor()
    await shot('forbidden')
    await logout()
  })

  test('security admin locks the handler; login then shows the account locked', async () => {
    await login('anquan', secrets.anquan)
    const menu = await menuTexts()
    for (const m of ['用户管理', '角色管理', '用户状态管理', '安全策略']) assert.ok(menu.includes(m), `sec admin menu lacks ${m}: ${menu}`)
    for (const m of ['审计日志']) assert.ok(!menu.includes(m), `sec admin must not see ${m}: ${menu}`)
    await shot('home-security-admin')

    await page.locator('.side-menu .el-menu-item', { hasText: '用户状态管理' }).click()
    await row('[data-test=status-table]', 'zhangwei').waitFor()
    await rowButton('[data-test=status-table]', 'zhangwei', '锁定')
    await confirmBox('锁定')
    await expectMessage('已锁定用户 zhangwei')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=status-table] .el-table__body-wrapper tr.el-table__row')]
      return rows.some((r) => r.innerText.includes('zhangwei') && r.innerText.includes('已锁定'))
    })
    await shot('user-status-locked')

    // Service account token, shown once.
    await rowButton('[data-test=status-table]', 'svc_report', '令牌')
    const td = page.locator('.el-dialog:visible').filter({ hasText: '接口令牌' }).first()
    await td.waitFor()
    await td.getByPlaceholder('令牌名称，如：监管报送接口').fill('监管报送')
    await td.getByRole('button', { name: '创建令牌' }).click()
    const s = await readSecret('新令牌')
    assert.match(s.value, /^fcms_/)
    await shot('token-created')
    await s.d.getByRole('button', { name: '我已记录' }).click()
    await td.locator('tr.el-table__row', { hasText: '监管报送' }).waitFor()
    assert.match(await td.locator('tr.el-table__row', { hasText: '监管报送' }).innerText(), /有效/)
    await shot('tokens')
    await td.locator('.el-dialog__headerbtn').click()

    await logout()
    await login('zhangwei', secrets.zhangwei, { expectOk: false })
    const err = page.locator('[data-test=login-error]')
    await err.waitFor()
    assert.match(await err.innerText(), /账户已锁定/)
    await shot('login-locked')
  })

  test('security admin manages roles and the security policy', async () => {
    await login('anquan', secrets.anquan)
    await page.locator('.side-menu .el-menu-item', { hasText: '角色管理' }).click()
    const handlerRow = row('[data-test=roles-table]', '处理员')
    await handlerRow.waitFor()
    assert.match(await handlerRow.innerText(), /本机构及下级/)
    assert.match(await row('[data-test=roles-table]', '安全管理员').innerText(), /内置/)
    await shot('roles')

    await page.getByRole('button', { name: '新增角色' }).click()
    const d = dialog('新增角色')
    await d.waitFor()
    await fill(d, '角色代码', 'branch_clerk')
    await fill(d, '角色名称', '分行投诉专员')
    await d.locator('.el-radio', { hasText: '本机构' }).first().click()
    const boxes = d.locator('.perm-items .el-checkbox')
    assert.ok(await boxes.count() > 3, 'permission checkboxes missing')
    await d.locator('.perm-items .el-checkbox', { hasText: 'complaint.view' }).click()
    await d.locator('.perm-items .el-checkbox', { hasText: 'complaint.register' }).click()
    await shot('role-dialog')
    await d.getByRole('button', { name: '确定' }).click()
    await expectMessage('已新增角色「分行投诉专员」')
    const newRow = row('[data-test=roles-table]', '分行投诉专员')
    await newRow.waitFor()
    assert.match(await newRow.innerText(), /本机构/)
    await rowButton('[data-test=roles-table]', '分行投诉专员', '删除')
    await confirmBox('删除')
    await expectMessage('角色已删除')
    await newRow.waitFor({ state: 'detached' })

    await page.locator('.side-menu .el-menu-item', { hasText: '安全策略' }).click()
    await page.locator('.policy-form .profile').first().waitFor()
    await page.locator('.policy-form').getByRole('button', { name: '保存' }).click()
    await confirmBox('保存')
    await expectMessage('安全策略已保存')
    await shot('security-policy')
  })

  test('security admin unlocks; the system admin resets; the user needs the new activation code', async () => {
    await page.locator('.side-menu .el-menu-item', { hasText: '用户状态管理' }).click()
    await row('[data-test=status-table]', 'zhangwei').waitFor()
    await rowButton('[data-test=status-table]', 'zhangwei', '解锁')
    await confirmBox('解锁')
    await expectMessage('已解锁用户 zhangwei')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=status-table] .el-table__body-wrapper tr.el-table__row')]
      return rows.some((r) => r.innerText.includes('zhangwei') && r.innerText.includes('未锁定'))
    })
    await logout()

    await login('admin', adminPassword)
    await go('/org/users')
    await rowButton('[data-test=users-table]', 'zhangwei', '重置密码')
    await confirmBox('重置')
    const s = await readSecret('重置密码')
    secrets.zhangwei = s.value
    await shot('reset-password')
    await s.d.getByRole('button', { name: '我已记录' }).click()
    await logout()

    await login('anquan', secrets.anquan)
    await page.locator('.side-menu .el-menu-item', { hasText: '用户状态管理' }).click()
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=status-table] .el-table__body-wrapper tr.el-table__row')]
      return rows.some((r) => r.innerText.includes('zhangwei') && r.innerText.includes('待激活'))
    })
    await shot('user-status')
    await rowButton('[data-test=status-table]', 'zhangwei', '发放激活码')
    await confirmBox('发放')
    const c = await readSecret('激活码')
    codes.zhangwei = c.value
    await c.d.getByRole('button', { name: '我已记录' }).click()
    await logout()

    await login('zhangwei', secrets.zhangwei)
    assert.match(page.url(), /#\/password/)
    await changePassword(secrets.zhangwei, NEW_PASSWORD + 'b', codes.zhangwei)
    await logout()
  })

  test('audit admin reads the trail and verifies the chain', async () => {
    await login('shenji', secrets.shenji)
    await changePassword(secrets.shenji, NEW_PASSWORD, codes.shenji)
    const menu = await menuTexts()
    assert.ok(menu.includes('审计日志'), `auditor menu lacks 审计日志: ${menu}`)
    assert.ok(!menu.includes('用户管理') && !menu.includes('用户状态管理'))
    await page.locator('.side-menu .el-menu-item', { hasText: '审计日志' }).click()
    const table = page.locator('[data-test=audit-table]')
    await table.locator('tr.el-table__row').first().waitFor()
    // Newest first: the auditor's own sign-in and password change lead the list.
    const latest = await table.locator('.el-table__body-wrapper').innerText()
    for (const want of ['修改密码', '登录', 'shenji']) assert.ok(latest.includes(want), `audit page lacks ${want}`)

    await pickSelect(page.locator('.filter-bar'), '操作类型', '新增用户')
    await page.locator('.filter-bar').getByRole('button', { name: '查询' }).click()
    await page.waitForLoadState('networkidle')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-test=audit-table] .el-table__body-wrapper tr.el-table__row')]
      return rows.length >= 4 && rows.every((r) => r.innerText.includes('新增用户'))
    })
    assert.match(await page.locator('.table-footer').innerText(), /共 \d+ 条/)

    await pickSelect(page.locator('.filter-bar'), '操作类型', '锁定用户')
    await page.locator('.filter-bar').getByRole('button', { name: '查询' }).click()
    await page.waitForLoadState('networkidle')
    const rows = table.locator('.el-table__body-wrapper tr.el-table__row')
    await rows.first().waitFor()
    const first = await rows.first().innerText()
    assert.match(first, /锁定用户/)
    assert.match(first, /anquan/)
    await rows.first().locator('.el-table__expand-icon').click()
    await table.locator('.detail pre').first().waitFor()
    await shot('audit-lock-detail')

    await page.locator('.filter-bar').getByRole('button', { name: '重置' }).click()
    await page.getByRole('button', { name: '校验审计链' }).click()
    const v = page.locator('[data-test=verify-result]')
    await v.waitFor()
    assert.match(await v.innerText(), /审计链完整/)
    await shot('audit')
    await go('/password')
    await page.locator('.pw-card').waitFor()
    await shot('change-password')
  })

  test('no CSP violations or page errors', () => {
    assert.deepEqual(cspViolations, [])
    assert.deepEqual(pageErrors, [])
  })
})
