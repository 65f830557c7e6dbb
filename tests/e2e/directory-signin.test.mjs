// Browser test of directory sign-in (issue 15 item 1): the sign-in page offers 域账号登录 and
// 统一身份认证登录 once the system admin configured them on 目录登录设置; a bank employee signs in
// with the directory password (real slapd, StartTLS) and through the identity platform (the npm
// oidc-provider, its development login form), lands on the home page of the linked fcms account,
// and sees Chinese reasons when refused. Screenshots under tests/e2e/shots/directory-*.png.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { ADMIN_PASSWORD, E2E_SEC_PASSWORD, startFcms, launchBrowser, Client, createAccount, securityAdmin } from './lib.mjs'
import { screenshots } from './ui.mjs'
import { startSlapd, ldapSettings, LDAP_USERS, startOidcProvider, oidcSettings } from '../api/lib/directory.mjs'

let fcms, ldap, op, browser, page, profileDir, admin
const errors = []
const shot = screenshots(() => page, 'directory-')
const pw = (uid) => LDAP_USERS.find((u) => u.uid === uid).password
// The sign-in page on a fresh load: the app keeps the previous user's pages alive otherwise.
async function freshLogin() {
  await page.goto(`${fcms.base}/#/login`)
  await page.reload()
  await page.getByText('其他登录方式').waitFor()
}

describe('directory sign-in in the browser', () => {
  before(async () => {
    fcms = await startFcms('fcms-e2e-dir-')
    ldap = await startSlapd()
    op = await startOidcProvider(fcms.base)
    admin = new Client(fcms.base, 'admin')
    await admin.login('admin', ADMIN_PASSWORD)
    const root = (await admin.ok('GET', '/institutions')).items[0]
    const registrar = (await admin.ok('GET', '/roles')).items.find((r) => r.code === 'registrar').id
    for (const [username, name, provider, subject] of [
      ['zhangwei01', '张伟', 'ldap', 'zhangwei'], ['lina01', '李娜', 'oidc', 'lina@bank.cn'], ['wangfang01', '王芳'],
    ]) {
      const c = await createAccount(fcms.base, admin, { username, name, org_id: root.id }, [registrar])
      if (provider) await admin.ok('PUT', `/users/${c.user.id}/directory-link`, { provider, subject, local_password_off: true })
    }
    ;({ context: browser, page, profileDir } = await launchBrowser('fcms-e2e-dir-profile-', { errors }))
  })
  after(async () => {
    await browser?.close()
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true })
    await op?.stop()
    await ldap?.stop()
    await fcms?.stop()
  })

  test('without directory settings the sign-in page shows only the local form', async () => {
    await page.goto(`${fcms.base}/#/login`)
    await page.getByText('用户登录').waitFor()
    await page.waitForLoadState('networkidle')
    assert.equal(await page.getByRole('button', { name: '域账号登录' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: '统一身份认证登录' }).count(), 0)
  })

  test('the system admin configures LDAP and OIDC on 目录登录设置', async () => {
    await admin.ok('PUT', '/directory/settings', { ...ldapSettings(ldap), ...oidcSettings(op.issuer, fcms.base), ldap_group_base: 'ou=groups,dc=bank,dc=cn' })
    await page.goto(`${fcms.base}/#/login`)
    await page.getByPlaceholder('请输入用户名').fill('admin')
    await page.getByPlaceholder('请输入密码').fill(ADMIN_PASSWORD)
    await page.locator('.login-btn').click()
    await page.waitForURL(/#\/home/)
    await page.goto(`${fcms.base}/#/org/directory`)
    await page.getByText('目录身份关联').first().waitFor()
    await page.getByRole('cell', { name: 'zhangwei', exact: true }).waitFor()
    assert.ok(await page.getByPlaceholder('已设置（加密保存），留空则不修改').count() >= 2, 'secrets shown as set, never their value')
    await shot('settings')
    // link 王芳's account to her domain name through the dialog
    await page.getByRole('button', { name: '新增关联' }).click()
    const d = page.locator('.el-dialog', { hasText: '新增目录身份关联' })
    await d.waitFor()
    await d.locator('.el-select__wrapper').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'wangfang01' }).click()
    await d.getByPlaceholder('登录属性的值，如 zhangwei').fill('wangfang')
    await d.locator('.el-switch').click()
    await shot('link-dialog')
    await d.getByRole('button', { name: '关联' }).click()
    await page.getByRole('cell', { name: 'wangfang', exact: true }).waitFor()
    await page.locator('.page-title', { hasText: '目录身份关联' }).scrollIntoViewIfNeeded()
    await shot('links')
    const links = (await admin.ok('GET', '/directory/links')).items
    assert.ok(links.some((l) => l.username === 'wangfang01' && l.provider === 'ldap' && l.subject === 'wangfang' && l.local_password_off))
    await browser.clearCookies()
  })

  test('the security admin maps the directory group complaints to 处理员', async () => {
    const sec = await securityAdmin(fcms.base, admin, (await admin.ok('GET', '/institutions')).items[0].id)
    await page.goto(`${fcms.base}/#/login`)
    await page.reload()
    await page.getByPlaceholder('请输入用户名').fill(sec.user.username)
    await page.getByPlaceholder('请输入密码').fill(E2E_SEC_PASSWORD)
    await page.locator('.login-btn').click()
    await page.waitForURL(/#\/home/)
    await page.goto(`${fcms.base}/#/org/directory`)
    await page.locator('.page-title', { hasText: '目录组角色映射' }).waitFor()
    assert.equal(await page.locator('.page-title', { hasText: '目录登录设置' }).count(), 0, 'the connection is the system admin\'s')
    await page.getByRole('button', { name: '添加一行' }).click()
    await page.getByPlaceholder('如 complaints').fill('complaints')
    await page.locator('.map-table .el-select__wrapper').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '处理员' }).click()
    await page.getByRole('button', { name: '保存映射' }).click()
    await page.getByText('目录组角色映射已保存').waitFor()
    await shot('group-roles')
    const m = (await sec.ok('GET', '/directory/group-roles')).items
    assert.deepEqual(m.map((x) => [x.group_name, x.role_code]), [['complaints', 'handler']])
    await browser.clearCookies()
  })

  test('域账号登录: the LDAP password signs into the linked account', async () => {
    await freshLogin()
    await shot('login-methods')
    await page.getByRole('button', { name: '域账号登录' }).click()
    await page.getByRole('heading', { name: '域账号登录' }).waitFor()
    await page.getByPlaceholder('请输入域账号（如 zhangwei）').fill('zhangwei')
    await page.getByPlaceholder('请输入密码').fill('wrong-password')
    await page.locator('.login-btn').click()
    await page.getByText('域账号或密码错误，或该域账号未关联本系统账户').waitFor()
    await shot('ldap-wrong-password')
    await page.getByPlaceholder('请输入域账号（如 zhangwei）').fill('zhangwei')
    await page.getByPlaceholder('请输入密码').fill(pw('zhangwei'))
    await page.locator('.login-btn').click()
    await page.waitForURL(/#\/home/)
    await page.getByText('张伟').first().waitFor()
    await page.getByText('处理员').first().waitFor() // from the directory group, next to 受理员
    await page.waitForLoadState('networkidle')
    await shot('ldap-home')
    await browser.clearCookies()
  })

  test('统一身份认证登录: through the identity platform to the linked account', async () => {
    await freshLogin()
    await page.getByRole('button', { name: '统一身份认证登录' }).click()
    await page.waitForURL(new RegExp(`^${op.issuer}/interaction/`))
    await page.locator('input[name=login]').fill('lina@bank.cn')
    await page.locator('input[name=password]').fill('any')
    await shot('oidc-provider-login')
    await page.locator('button[type=submit]').click()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL(/#\/home/)
    await page.getByText('李娜').first().waitFor()
    await page.waitForLoadState('networkidle')
    await shot('oidc-home')
    await browser.clearCookies()
  })

  test('an unlinked identity comes back to the sign-in page with the reason in Chinese', async () => {
    await freshLogin()
    await page.getByRole('button', { name: '统一身份认证登录' }).click()
    await page.waitForURL(new RegExp(`^${op.issuer}/interaction/`))
    await page.locator('input[name=login]').fill('stranger@bank.cn')
    await page.locator('input[name=password]').fill('any')
    await page.locator('button[type=submit]').click()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL(/#\/login\?sso_error=directory_unlinked/)
    await page.getByText('该统一身份认证账号未关联本系统账户，请联系系统管理员').waitFor()
    await shot('oidc-unlinked')
    assert.deepEqual(errors, [])
  })
})
