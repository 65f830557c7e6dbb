// Browser test of 客服中心对接 and OA审批 (issue 15 items 3 and 4, their pages) on a demo bank
// (`fcms seed-demo`): an integration administrator (a role with integration.manage granted by the
// demo's security admin) opens both pages at 1440x900.
// 客服中心对接: the recording size limit and the recording servers allowed as the API holds them,
// changed and saved in the page (an http prefix off the machine refused under its field); the
// call-centre service account (callcenter.lookup, a token issued by the security admin and used
// once) listed with its live token and last use.
// OA审批: a real OA subscription (a local receiver verifying signatures) gets extension and deletion
// requests made by a handler through the API; the OA decides two on the signed callback, one
// times out back to fcms, two stay pending. The page lists them newest first as the API answers,
// filters by status and kind, saves the routing switches, and the complaint number leads the
// integration administrator (三员: no complaint.view) to that complaint's deliveries in 系统集成.
// Screenshots: tests/e2e/shots/integration-pages-NN-*.png.
//
// Run: make build && (cd web && npm run build) && node --test tests/e2e/integration-pages.test.mjs
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ADMIN_PASSWORD, SHOTS, sleep, startFcms, createAccount, securityAdmin, launchBrowser, signIn, Client } from './lib.mjs'
import { screenshots } from './ui.mjs'
import { startReceiver, sign } from '../api/lib/receiver.mjs'
import { complaintBody } from '../api/lib/complaints.mjs'

const PASSWORD = 'Fcms#IntegPg2026'
let fcms, rx, ctx, page, profile, base
const pageErrors = []
const shot = screenshots(() => page, 'integration-pages-')
const fx = {}

async function account(admin, org, roleIds, name, tag) {
  const username = `e2e_${tag}_${Math.random().toString(36).slice(2, 7)}`
  const created = await createAccount(base, admin, { username, name, org_id: org }, roleIds)
  const c = new Client(base, name)
  await c.login(username, created.initial_password)
  await c.ok('POST', '/auth/password', { old_password: created.initial_password, new_password: PASSWORD, activation_code: created.activation_code })
  await c.login(username, PASSWORD)
  return { c, username }
}

// One workflow step by client on complaint c (its current version); the complaint after it.
const step = (client, c, action, params = {}) => client.ok('POST', `/complaints/${c.id}/actions/${action}`, { version: c.version, ...params })

async function oaDecide(approvalId, decision, approver, comment) {
  const text = JSON.stringify({ approval_id: approvalId, decision, approver, comment })
  const r = await fetch(`${base}/api/v1/oa/callback`, {
    method: 'POST', body: text,
    headers: { 'Content-Type': 'application/json', 'X-Fcms-Oa-Id': String(fx.oa.id), 'X-Fcms-Signature': sign(fx.oa.secret, text) },
  })
  assert.equal(r.status, 200, await r.text())
}

// A fresh complaint in 处理中 (assigned to the clerk) with an extension or deletion request.
async function requested(kind, reason) {
  const clerk = fx.clerk.c
  let c = await clerk.ok('POST', '/complaints', complaintBody(fx.root.id, { content: `客户反映${reason}，要求尽快处理。` }))
  c = await step(clerk, c, 'assign', { user_id: clerk.user.id })
  c = kind === 'extension' ? await step(clerk, c, 'extend', { days: 10, reason }) : await step(clerk, c, 'request_delete', { reason })
  const list = await fx.integ.c.ok('GET', `/integration/oa-approvals?complaint_no=${encodeURIComponent(c.complaint_no)}`)
  assert.equal(list.items.length, 1, `one approval for ${c.complaint_no}`)
  return { c, approval: list.items[0] }
}

const rows = (sel) => page.locator(`[data-test=${sel}] .el-table__body-wrapper tr.el-table__row`)
async function pick(sel, text) {
  await page.locator(`[data-test=${sel}]`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).click()
}
// Waits for the OA list's next answer after action; returns it.
async function listAnswer(action) {
  const res = page.waitForResponse((r) => r.url().includes('/api/v1/integration/oa-approvals') && r.status() === 200)
  await action()
  const json = await (await res).json()
  await page.waitForTimeout(300)
  return json
}

describe('客服中心对接 and OA审批 pages on the demo bank', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    rx = await startReceiver()
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-e2e-integpg-cfg-'))
    const cfg = path.join(cfgDir, 'fcms.conf')
    fs.writeFileSync(cfg, 'regulator_poll_ms = 100\nregulator_lease_s = 5\n')
    fcms = await startFcms('fcms-e2e-integpg-', { args: ['--config', cfg], seed: ['--complaints', '300', '--seed', '7'] })
    base = fcms.base
    const admin = new Client(base, 'admin')
    await admin.login('admin', ADMIN_PASSWORD)
    fx.root = (await admin.ok('GET', '/institutions')).items.find((o) => !o.parent_id)
    const sec = await securityAdmin(base, admin, fx.root.id)
    const roles = (await admin.ok('GET', '/roles')).items
    const integRole = await sec.ok('POST', '/roles', { code: 'integ_admin', name: '集成管理员', permissions: ['integration.manage'], data_scope: 'all' })
    fx.integ = await account(admin, fx.root.id, [integRole.id], '集成管理员', 'integ')
    fx.clerk = await account(admin, fx.root.id, ['registrar', 'handler'].map((c) => roles.find((r) => r.code === c).id), '陈受理', 'clerk')
    // the call centre: a service account with callcenter.lookup only, its token used once
    const ccRole = await sec.ok('POST', '/roles', { code: 'callcenter', name: '客服中心接口', permissions: ['callcenter.lookup'], data_scope: 'all' })
    const svc = await createAccount(base, admin, { username: 'cti_seat01', name: '客服中心CTI一组', org_id: fx.root.id, is_service: true }, [ccRole.id])
    const tok = await sec.ok('POST', `/users/${svc.user.id}/tokens`, { name: '呼叫中心CTI', expires_days: 30 })
    const look = await fetch(`${base}/api/v1/callcenter/lookup?phone=13912345678`, { headers: { Authorization: `Bearer ${tok.token}` } })
    assert.equal(look.status, 200, await look.text())
    // the OA: a subscription of kind oa at the receiver; both kinds routed
    fx.oa = await fx.integ.c.ok('POST', '/integration/subscriptions', { name: '行内OA', kind: 'oa', url: rx.url('/oa'), event_types: ['approval.requested'] })
    rx.st.secrets.set('/oa', fx.oa.secret)
    // one approval that times out (10 s), then the others with a day to answer
    await fx.integ.c.ok('PUT', '/integration/settings', { oa_extension: true, oa_delete: true, oa_timeout_s: 10 })
    fx.expired = await requested('extension', '需调取营业网点监控录像')
    await fx.integ.c.ok('PUT', '/integration/settings', { oa_timeout_s: 86400 })
    fx.approved = await requested('extension', '需向合作机构调取交易流水')
    fx.rejected = await requested('delete', '与已登记投诉重复')
    fx.pendingExt = await requested('extension', '客户补充材料尚未送达')
    fx.pendingDel = await requested('delete', '客户来电要求撤销投诉')
    await oaDecide(fx.approved.approval.id, 'approved', '王经理', '同意延期10天')
    await oaDecide(fx.rejected.approval.id, 'rejected', '李处长', '并非重复录入，请继续处理')
    for (let i = 0; i < 150; i++) {
      const a = await fx.integ.c.ok('GET', `/integration/oa-approvals?status=expired`)
      if (a.total === 1) break
      await sleep(200)
    }
    ;({ context: ctx, page, profileDir: profile } = await launchBrowser('fcms-e2e-integpg-prof-', { errors: pageErrors }))
  })
  after(async () => {
    await ctx?.close()
    if (profile) fs.rmSync(profile, { recursive: true, force: true })
    await fcms?.stop()
    await rx?.stop()
  })

  test('客服中心对接: the size limit saved in the page, the service account and its token listed', async () => {
    await signIn(page, base, fx.integ.username, PASSWORD)
    await page.locator('.side-menu').getByText('客服中心对接').click()
    await page.waitForURL(/#\/org\/integration-callcenter/)
    await rows('cc-accounts').first().waitFor()
    const acc = await rows('cc-accounts').allInnerTexts()
    assert.equal(acc.length, 1, acc.join('\n'))
    assert.match(acc[0], /cti_seat01[\s\S]*客服中心CTI一组[\s\S]*服务账号[\s\S]*正常[\s\S]*1[\s\S]*\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
    const input = page.locator('[data-test=cc-recording-max] input')
    assert.equal(await input.inputValue(), '200')
    await shot('callcenter')
    await input.fill('300')
    await input.blur()
    // an http prefix off the local machine: refused under its field, in the server's words
    const prefixes = page.locator('textarea[data-test=cc-prefixes]')
    await prefixes.fill('http://rec.bank.local/calls/')
    await page.locator('[data-test=cc-save]').click()
    await page.locator('.el-form-item__error', { hasText: 'http:// 仅限本机' }).waitFor()
    await shot('callcenter-prefix-refused')
    await prefixes.fill('https://rec.bank.local/calls/\nhttps://rec2.bank.local:8443/archive/')
    await page.locator('[data-test=cc-save]').click()
    await page.locator('.el-message--success').filter({ hasText: '客服中心设置已保存' }).waitFor()
    const saved = await fx.integ.c.ok('GET', '/integration/settings')
    assert.equal(saved.recording_max_mb, 300)
    assert.equal(saved.recording_fetch_prefixes, 'https://rec.bank.local/calls/ https://rec2.bank.local:8443/archive/')
    await shot('callcenter-saved')
    assert.deepEqual(pageErrors, [])
  })

  test('OA审批: every approval newest first, filters, routing switches, the complaint link', async () => {
    const all = await listAnswer(() => page.locator('.side-menu').getByText('OA审批', { exact: true }).click())
    await page.waitForURL(/#\/org\/integration-oa/)
    assert.equal(all.total, 5)
    const api = await fx.integ.c.ok('GET', '/integration/oa-approvals')
    assert.deepEqual(all.items.map((a) => a.id), api.items.map((a) => a.id))
    assert.deepEqual(api.items.map((a) => a.id), [fx.pendingDel, fx.pendingExt, fx.rejected, fx.approved, fx.expired].map((x) => x.approval.id), 'newest first')
    const shown = await rows('oa-approvals').allInnerTexts()
    assert.equal(shown.length, 5)
    assert.match(shown[0], new RegExp(`${fx.pendingDel.c.complaint_no}[\\s\\S]*删除申请[\\s\\S]*待OA审批[\\s\\S]*陈受理`))
    assert.match(shown[2], /删除申请[\s\S]*OA已驳回[\s\S]*李处长[\s\S]*并非重复录入/)
    assert.match(shown[3], /延期申请[\s\S]*OA已批准[\s\S]*王经理[\s\S]*同意延期10天/)
    assert.match(shown[4], /延期申请[\s\S]*超时转本系统/)
    assert.match(await page.locator('.card-sub', { hasText: '按申请时间' }).innerText(), /共 5 条/)
    await shot('oa-all')
    // status filter
    const pending = await listAnswer(() => pick('oa-status', '待OA审批'))
    assert.equal(pending.total, 2)
    const pr = await rows('oa-approvals').allInnerTexts()
    assert.equal(pr.length, 2)
    assert.ok(pr.every((t) => t.includes('待OA审批')), pr.join('\n'))
    await shot('oa-pending')
    // and kind
    const ext = await listAnswer(() => pick('oa-kind', '延期申请'))
    assert.equal(ext.total, 1)
    assert.match((await rows('oa-approvals').allInnerTexts())[0], new RegExp(fx.pendingExt.c.complaint_no))
    // reset, then a complaint number
    await listAnswer(() => page.locator('[data-test=oa-filters]').getByRole('button', { name: '重置' }).click())
    await page.locator('input[data-test=oa-no]').fill(fx.approved.c.complaint_no)
    const one = await listAnswer(() => page.locator('[data-test=oa-filters]').getByRole('button', { name: '查询' }).click())
    assert.equal(one.total, 1)
    assert.equal(one.items[0].status, 'approved')
    await shot('oa-by-number')
    // routing switches saved
    await page.locator('[data-test=oa-delete]').click()
    await page.locator('[data-test=oa-save]').click()
    await page.locator('.el-message--success').filter({ hasText: 'OA审批设置已保存' }).waitFor()
    const s = await fx.integ.c.ok('GET', '/integration/settings')
    assert.equal(s.oa_delete, false)
    assert.equal(s.oa_extension, true)
    assert.equal(s.oa_timeout_s, 86400)
    await shot('oa-saved')
    // the complaint number: the integration administrator gets its deliveries in 系统集成
    const deliveries = page.waitForResponse((r) => r.url().includes('/api/v1/integration/deliveries') && r.url().includes('complaint_no=') && r.status() === 200)
    await rows('oa-approvals').first().locator('[data-test=oa-complaint]').click()
    await page.waitForURL(/#\/org\/integration\?complaint_no=/)
    const d = await (await deliveries).json()
    assert.ok(d.total >= 1, JSON.stringify(d))
    assert.ok(d.items.every((x) => x.complaint_no === fx.approved.c.complaint_no))
    await rows('deliveries').first().waitFor()
    const dr = await rows('deliveries').allInnerTexts()
    assert.ok(dr.length >= 1 && dr.every((t) => t.includes(fx.approved.c.complaint_no) && t.includes('行内OA')), dr.join('\n'))
    assert.equal(await page.locator('.filters input[placeholder="完整编号"]').inputValue(), fx.approved.c.complaint_no)
    await shot('oa-link-deliveries')
    assert.deepEqual(pageErrors, [])
  })
})
