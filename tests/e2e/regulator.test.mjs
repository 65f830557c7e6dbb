// Browser test of 报送管理 and 数据同步异常提醒设置 (issue 5) against a real `fcms serve` that
// reports to `fcms regulator-sim`, both started here. Set up through the API: complaints that go
// through, one the simulated regulator rejects (it refuses cause code C07), and one made while
// the regulator is hard down. A head-office reviewer then sees the 数据同步异常 banner, the status
// cards, the alerts, the submissions with payload and attempts, brings the backlog through with
// 立即报送到期记录 once the regulator is back, syncs one complaint from its detail page, and
// changes the alert thresholds. Screenshots at 1440x900: tests/e2e/shots/regulator-NN-*.png.
//
// Run: make build && (cd web && npm run build) && node --test tests/e2e/regulator.test.mjs
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { root, BIN, SHOTS, ADMIN_PASSWORD, sleep, freePort, startFcms, createAccount } from './lib.mjs'
import { screenshots } from './ui.mjs'

const require = createRequire(path.join(root, 'web/package.json'))
const { chromium } = require('playwright-core')
const PASSWORD = 'Fcms#Reg2024ok'

let fcms = null
let sim = null
let simBase = ''
let base = ''
let ctx = null
let page = null
let profile = null
const pageErrors = []
const fx = {}

async function startSim() {
  const port = await freePort()
  simBase = `http://127.0.0.1:${port}`
  sim = spawn(BIN, ['regulator-sim', '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${simBase}/stats`)).status === 200) return
    } catch (e) { /* not yet */ }
    await sleep(100)
  }
  throw new Error('regulator-sim did not start')
}
const faults = (f) => fetch(`${simBase}/admin/faults`, { method: 'POST', body: JSON.stringify(f) }).then((r) => r.json())

class Client {
  constructor() { this.cookie = ''; this.csrf = '' }
  async ok(method, p, body) {
    const headers = { 'Content-Type': 'application/json' }
    if (this.cookie) headers.Cookie = this.cookie
    if (method !== 'GET') headers['X-CSRF-Token'] = this.csrf
    const r = await fetch(base + '/api/v1' + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    for (const c of r.headers.getSetCookie()) {
      const m = /^(fcms_session=[^;]*)/.exec(c)
      if (m) this.cookie = m[1]
    }
    const text = await r.text()
    assert.ok(r.status < 300, `${method} ${p} → ${r.status} ${text.slice(0, 300)}`)
    return text ? JSON.parse(text) : null
  }
  async login(username, password) {
    const d = await this.ok('POST', '/auth/login', { username, password })
    this.csrf = d.csrf_token
    return d.user
  }
}

async function staff(admin, username, name, org, roles) {
  const created = await createAccount(base, admin, { username, name, org_id: org }, roles.map((r) => fx.roles[r]))
  const c = new Client()
  await c.login(username, created.initial_password)
  await c.ok('POST', '/auth/password', { old_password: created.initial_password, new_password: PASSWORD,
    activation_code: created.activation_code })
  await c.login(username, PASSWORD)
  return c
}

function bankIso(agoMs) {
  const t = new Date(Date.now() - agoMs + 8 * 3600e3)
  const p = (n) => String(n).padStart(2, '0')
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:00+08:00`
}

const complaint = (org, cause, n) => ({
  source_channel: 'phone', received_at: bankIso(3600e3),
  complainant: { name: '赵六', id_type: '01', id_no: '110101199001011237', phone: `1390000${String(1000 + n)}`, address: '浙江省杭州市上城区解放路1号' },
  complained_org_id: org, region_code: '330102', business_channel_code: 'A0101', business_type_code: 'B03011',
  cause_code: cause, rights: ['R04'], content: `客户反映信用卡年费被扣收（第${n}件）。`, demand: '退还年费', amount_fen: 20000,
})

async function waitUntil(fn, ms, what) {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out: ${what}`)
    await sleep(250)
  }
}

const shot = screenshots(() => page, 'regulator-', { settleMs: 400, fullPage: true })

describe('报送管理 in the browser', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    for (const f of fs.readdirSync(SHOTS)) if (/^regulator-.*\.png$/.test(f)) fs.unlinkSync(path.join(SHOTS, f))
    await startSim()
    fcms = await startFcms('fcms-e2e-reg-data-', { args: ['--regulator', `${simBase}/submissions`] })
    base = fcms.base
  })

  after(async () => {
    try {
      if (ctx) await ctx.close().catch(() => {})
    } finally {
      if (fcms) await fcms.stop()
      if (sim) sim.kill('SIGTERM')
      for (const d of [fcms?.dataDir, profile]) if (d) fs.rmSync(d, { recursive: true, force: true })
    }
  })

  test('set-up: delivered, rejected and stuck submissions', async () => {
    const admin = new Client()
    await admin.login('admin', ADMIN_PASSWORD)
    const head = (await admin.ok('GET', '/institutions')).items.find((o) => !o.parent_id)
    const branch = await admin.ok('POST', '/institutions', {
      parent_id: head.id, name: '宁波分行', internal_code: 'NB001', fin_code: 'B0001H23302001', region_code: '330200', type: 'branch',
    })
    fx.roles = Object.fromEntries((await admin.ok('GET', '/roles')).items.map((r) => [r.code, r.id]))
    fx.clerk = await staff(admin, 'wuqing', '吴青', branch.id, ['registrar', 'handler'])
    fx.rev = await staff(admin, 'zhengxiao', '郑晓', head.id, ['reviewer'])
    await fx.rev.ok('PUT', '/regulator/settings', { alert_failures: 2, backoff_base_ms: 200, backoff_max_ms: 1000 })
    fx.ok = []
    for (let i = 1; i <= 3; i++) fx.ok.push(await fx.clerk.ok('POST', '/complaints', complaint(branch.id, 'C08', i)))
    await faults({ reject_codes: ['C07'] })
    fx.bad = await fx.clerk.ok('POST', '/complaints', complaint(branch.id, 'C07', 4))
    await waitUntil(async () => (await fx.rev.ok('GET', `/complaints/${fx.bad.id}`)).sync_status === 'rejected', 15000, 'rejection')
    await faults({ down: true })
    fx.stuck = await fx.clerk.ok('POST', '/complaints', complaint(branch.id, 'C08', 5))
    await waitUntil(async () => (await fx.rev.ok('GET', '/regulator/status')).consecutive_failures >= 2, 20000, 'failures')
    fx.branch = branch
  })

  test('the reviewer sees the banner, the status and the alerts', async () => {
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-e2e-reg-chromium-'))
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    })
    ctx.setDefaultTimeout(15000)
    page = ctx.pages()[0] || await ctx.newPage()
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    await page.goto(`${base}/#/login`)
    await page.getByPlaceholder('请输入用户名').fill('zhengxiao')
    await page.getByPlaceholder('请输入密码').fill(PASSWORD)
    await page.locator('.login-btn').click()
    await page.waitForURL(/#\/home/)
    const banner = page.locator('[data-test=sync-banner]')
    await banner.waitFor()
    assert.match(await banner.innerText(), /数据同步异常/)
    await shot('home-banner')

    await page.locator('.side-menu .el-menu-item', { hasText: '报送管理' }).click()
    await page.waitForURL(/#\/reports\/regulatory$/)
    await page.locator('[data-test=stat-sent] .stat-value', { hasText: '3' }).waitFor()
    await page.locator('[data-test=stat-rejected] .stat-value', { hasText: '1' }).waitFor()
    await page.locator('[data-test=stat-pending] .stat-value', { hasText: '1' }).waitFor()
    const alerts = await page.locator('[data-test=reg-alerts]').innerText()
    assert.match(alerts, /监管拒收/)
    assert.match(alerts, /连续报送失败/)
    assert.match(await page.locator('[data-test=reg-meta]').innerText(), /存在数据同步异常/)
    assert.equal(await page.locator('[data-test=submissions] .el-table__body-wrapper tr.el-table__row').count(), 5)
    await shot('overview')
  })

  test('a rejected submission shows its payload, codes and attempts', async () => {
    await page.locator('[data-test=stat-rejected]').click()
    const row = page.locator('[data-test=submissions] .el-table__body-wrapper tr.el-table__row', { hasText: fx.bad.complaint_no })
    await row.waitFor()
    assert.equal(await page.locator('[data-test=submissions] .el-table__body-wrapper tr.el-table__row').count(), 1)
    await row.click()
    const drawer = page.locator('[data-test=submission-drawer]')
    await drawer.locator('[data-test=payload]').waitFor()
    const payload = JSON.parse(await drawer.locator('[data-test=payload]').innerText())
    assert.equal(payload.cause_code, 'C07')
    assert.equal(payload.institution_code, 'B0001H23302001')
    assert.match(await drawer.innerText(), /E310/)
    assert.match(await drawer.locator('[data-test=attempts]').innerText(), /拒收/)
    await shot('rejected-drawer')
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'hidden' })
  })

  test('the regulator is back: 立即报送到期记录 brings the backlog through and the failure alert clears', async () => {
    await faults({ down: false })
    await page.locator('[data-test=stat-rejected]').click() // clear the filter
    await page.locator('[data-test=sync-due]').click()
    await page.locator('.el-message-box__btns button', { hasText: '同步' }).click()
    await page.locator('.el-message', { hasText: /已提交|没有等待报送/ }).first().waitFor()
    await page.locator('[data-test=stat-sent] .stat-value', { hasText: '4' }).waitFor({ timeout: 20000 })
    await page.locator('[data-test=stat-pending] .stat-value', { hasText: '0' }).waitFor()
    await page.locator('[data-test=reg-alerts]', { hasText: '连续报送失败' }).waitFor({ state: 'detached', timeout: 20000 })
    await shot('after-sync')
  })

  test('the regulator takes the code again; the rejected complaint is synced by hand from its detail page; the banner goes', async () => {
    await faults({ reject_codes: [] })
    await page.goto(`${base}/#/complaints/${fx.bad.id}`)
    const sync = page.locator('[data-test=sync-status]')
    await sync.filter({ hasText: '被拒收' }).waitFor()
    await shot('detail-rejected')
    await page.locator('[data-test=actions] button', { hasText: '手动同步' }).or(page.locator('[data-test=more-actions] li', { hasText: '手动同步' })).first().click()
      .catch(async () => {
        await page.locator('[data-test=actions] .el-dropdown').click()
        await page.locator('[data-test=more-actions] li', { hasText: '手动同步' }).click()
      })
    const d = page.locator('[data-test=action-dialog]:visible').last()
    await d.waitFor()
    await d.locator('[data-test=action-confirm]').click()
    await page.locator('.el-message', { hasText: '已提交报送' }).first().waitFor()
    await waitUntil(async () => (await fx.rev.ok('GET', `/complaints/${fx.bad.id}`)).sync_status === 'sent', 15000, 'sync accepted')
    await page.reload()
    await sync.filter({ hasText: '已报送' }).waitFor()
    assert.match(await sync.innerText(), /RC\d+/)
    await page.locator('[data-test=sync-banner]').waitFor({ state: 'detached', timeout: 10000 })
    await shot('detail-synced')
  })

  test('数据同步异常提醒设置: thresholds saved, the alert history listed', async () => {
    await page.locator('.side-menu .el-menu-item', { hasText: '数据同步异常提醒设置' }).click()
    await page.waitForURL(/regulatory-alerts/)
    const input = page.locator('[data-test=alert-failures] input')
    await input.fill('3')
    await input.press('Tab') // el-input-number commits on blur
    await page.locator('[data-test=save]').click()
    await page.locator('.el-message', { hasText: '已保存' }).first().waitFor()
    assert.equal((await fx.rev.ok('GET', '/regulator/settings')).alert_failures, 3)
    const hist = page.locator('[data-test=alert-history]')
    await hist.locator('tr.el-table__row').first().waitFor()
    const text = await hist.innerText()
    assert.match(text, /监管拒收/)
    assert.match(text, /解除/)
    await shot('alert-settings')
    assert.deepEqual(pageErrors, [])
  })
})
