// Browser test of 系统集成 (issue 15 item 2): an integration administrator (a role with
// integration.manage granted by the security admin) creates a subscription in the page (the
// secret is shown once), complaints change through the API and their events reach a real local
// receiver that verifies every signature, a second subscription points at a dead port so the log
// shows failures with their attempts; the drawer shows attempts and the stored (masked) event,
// replay works, and the PII grant asks for confirmation. Screenshots at 1440x900:
// tests/e2e/shots/integration-NN-*.png.
//
// Run: make build && (cd web && npm run build) && node --test tests/e2e/integration.test.mjs
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ADMIN_PASSWORD, sleep, freePort, startFcms, createAccount, launchBrowser, signIn, Client } from './lib.mjs'
import { screenshots } from './ui.mjs'
import { startReceiver } from '../api/lib/receiver.mjs'
import { complaintBody } from '../api/lib/complaints.mjs'

const PASSWORD = 'Fcms#Integ2026ok'
let fcms, rx, ctx, page, profile, base
const pageErrors = []
const shot = screenshots(() => page, 'integration-')

async function account(admin, sec, org, roleIds, name, tag) {
  const username = `e2e_${tag}_${Math.random().toString(36).slice(2, 7)}`
  const created = await createAccount(base, admin, { username, name, org_id: org }, roleIds)
  const c = new Client(base, name)
  await c.login(username, created.initial_password)
  await c.ok('POST', '/auth/password', { old_password: created.initial_password, new_password: PASSWORD, activation_code: created.activation_code })
  await c.login(username, PASSWORD)
  return { c, username }
}

describe('系统集成 page', () => {
  let integ, clerk
  before(async () => {
    rx = await startReceiver()
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-e2e-integ-cfg-'))
    const cfg = path.join(cfgDir, 'fcms.conf')
    fs.writeFileSync(cfg, 'regulator_poll_ms = 100\nregulator_lease_s = 5\n')
    fcms = await startFcms('fcms-e2e-integ-', { args: ['--config', cfg] })
    base = fcms.base
    const admin = new Client(base, 'admin')
    await admin.login('admin', ADMIN_PASSWORD)
    const root = (await admin.ok('GET', '/institutions')).items.find((o) => !o.parent_id)
    const { securityAdmin } = await import('./lib.mjs')
    const sec = await securityAdmin(base, admin, root.id)
    const role = await sec.ok('POST', '/roles', { code: 'integ_admin', name: '集成管理员', permissions: ['integration.manage'], data_scope: 'all' })
    const roles = (await admin.ok('GET', '/roles')).items
    integ = await account(admin, sec, root.id, [role.id], '集成管理员', 'integ')
    clerk = await account(admin, sec, root.id, ['registrar', 'handler'].map((c) => roles.find((r) => r.code === c).id), '受理员', 'clerk')
    await integ.c.ok('PUT', '/integration/settings', { backoff_base_ms: 500, backoff_max_ms: 5000 })
    ;({ context: ctx, page, profileDir: profile } = await launchBrowser('fcms-e2e-integ-prof-', { errors: pageErrors }))
    fx.root = root
  })
  after(async () => {
    await ctx?.close()
    if (profile) fs.rmSync(profile, { recursive: true, force: true })
    await fcms?.stop()
    await rx?.stop()
  })
  const fx = {}

  test('subscribe in the page, see deliveries, failures, the drawer, replay and the PII grant', async () => {
    await signIn(page, base, integ.username, PASSWORD)
    await page.goto(`${base}/#/org/integration`)
    await page.locator('[data-test=subscriptions]').waitFor()
    await shot('empty')
    // create in the page
    await page.locator('[data-test=sub-new]').click()
    const dlg = page.locator('[data-test=sub-dialog]')
    await dlg.getByPlaceholder('如：企业服务总线-投诉事件').fill('企业服务总线-投诉事件')
    await dlg.getByPlaceholder('https://esb.bank.local/fcms/events').fill(rx.url('/esb'))
    await shot('create-dialog')
    await page.locator('[data-test=sub-save]').click()
    const secretBox = page.locator('.el-dialog').filter({ has: page.locator('[data-test=one-time-secret]') })
    await secretBox.waitFor()
    const secret = (await page.locator('[data-test=one-time-secret]').innerText()).trim()
    assert.match(secret, /^whsec_/)
    rx.st.secrets.set('/esb', secret)
    await shot('secret-once')
    await secretBox.getByRole('button', { name: '我已记录' }).click()
    // a dead receiver for failures
    const dead = await freePort()
    await integ.c.ok('POST', '/integration/subscriptions', { name: '旧版OA（停机中）', url: `http://127.0.0.1:${dead}/oa`, event_types: ['complaint.registered'] })
    // complaints change through the API
    for (let i = 0; i < 3; i++) {
      const c = await clerk.c.ok('POST', '/complaints', complaintBody(fx.root.id))
      await clerk.c.ok('POST', `/complaints/${c.id}/actions/assign`, { version: c.version, user_id: clerk.c.user.id })
    }
    for (let i = 0; i < 100 && rx.events('/esb').length < 6; i++) await sleep(200)
    assert.equal(rx.events('/esb').length, 6, 'six events reached the receiver')
    assert.equal(rx.st.bad, 0, 'signatures verified')
    await sleep(1500) // a couple of failed attempts on the dead one
    await page.getByRole('button', { name: '查询' }).click()
    await page.locator('[data-test=deliveries] .el-table__row').nth(8).waitFor()
    await shot('log')
    // a failed one: its drawer
    await page.locator('[data-test=log-status]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '待推送' }).click()
    await page.locator('[data-test=deliveries] .el-table__row').first().click()
    const drawer = page.locator('[data-test=delivery-drawer]')
    await drawer.locator('[data-test=attempts] .el-table__row').first().waitFor()
    assert.match(await drawer.innerText(), /无法连接接收方/)
    await shot('failed-drawer')
    await page.keyboard.press('Escape')
    // a sent one: payload masked; replay
    await page.locator('[data-test=log-status]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '已推送' }).click()
    await page.locator('[data-test=deliveries] .el-table__row').first().click()
    await drawer.locator('[data-test=payload]').waitFor()
    const payload = await drawer.locator('[data-test=payload]').innerText()
    assert.match(payload, /"phone": "\d{3}\*+\d{4}"/, 'masked phone in the stored event')
    await shot('sent-drawer')
    const dups = rx.st.dups
    await drawer.locator('[data-test=replay]').click()
    for (let i = 0; i < 50 && rx.st.dups === dups; i++) await sleep(200)
    assert.equal(rx.st.dups, dups + 1, 'the replay reached the receiver with the same event id')
    await page.keyboard.press('Escape')
    // PII grant asks first
    await page.locator('[data-test=subscriptions] .el-table__row').first().getByRole('button', { name: '授权个人信息' }).click()
    const box = page.locator('.el-message-box')
    await box.waitFor()
    assert.match(await box.innerText(), /审计日志/)
    await shot('pii-confirm')
    await box.getByRole('button', { name: '确定' }).click()
    await page.locator('[data-test=subscriptions]').getByText('明文推送').waitFor()
    await shot('pii-granted')
    assert.deepEqual(pageErrors, [])
  })
})
