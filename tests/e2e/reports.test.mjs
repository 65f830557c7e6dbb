// Browser test of 统计报表 and the 首页 dashboard against a real `fcms serve` on a demo bank
// (`fcms seed-demo`, 451 institutions, a few thousand complaints over two years). Signs in as the
// head-office statistician (tongji), opens the dashboard and each of the twelve reports, and
// checks what a user sees against the API answering the same filters: the total shown, the
// rows, the chart canvas. Then the regulator layout (merged header with 小计 and 投诉量合计),
// expanding and collapsing a tree row, drill-down from a row and a matrix cell (the complaint
// list shows as many complaints as the figure clicked), time granularity and an empty 同比
// period ("—"), the xlsx export and the ledger's background export, and a branch statistician
// (created here: the demo has none) who sees only the branch's subtree even when asking for more;
// a handler without report.view keeps the home page without statistics.
// Screenshots at 1440x900: tests/e2e/shots/reports-NN-*.png (git-ignored).
//
// Run: make build && (cd web && npm ci && npm run build) && node --test tests/e2e/reports.test.mjs
// Env: FCMS_BIN (default build/fcms).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { SHOTS, ADMIN_PASSWORD, startFcms, Client, launchBrowser, signIn, createAccount } from './lib.mjs'
import { screenshots } from './ui.mjs'

const DEMO_PASSWORD = 'Demo@2026fcms'
const NEW_PASSWORD = 'Fcms#Rpt2024ok'
const REPORTS = [
  ['detail', '投诉明细报表'], ['region', '投诉地区分布'], ['category', '投诉类别分布'],
  ['business_channel', '业务办理渠道统计'], ['business_type', '投诉业务类别统计'], ['cause', '投诉原因统计'],
  ['institution', '被投诉机构统计'], ['source_channel', '投诉反映渠道统计'], ['time', '投诉时间统计'],
  ['mom', '投诉时间环比'], ['yoy', '投诉同比统计'], ['rights', '投诉基本权利统计'],
]
const slug = (name) => name.replace(/_/g, '-')
const fmt = (n) => Number(n).toLocaleString('zh-CN')

let fcms = null
let base = ''
let profileDir = null
let browser = null
let page = null
let tongji = null // API client signed in as tongji
const pageErrors = []
const cspViolations = []

const shot = screenshots(() => page, 'reports-', { settleMs: 400 })

const login = (username, password) => signIn(page, base, username, password)

async function logout() {
  await page.getByRole('button', { name: '退出登录' }).click()
  await page.locator('.el-message-box__btns button', { hasText: '退出' }).click()
  await page.waitForURL(/#\/login/)
}

// Opens a report page and returns the API answer the page got (and its query string).
async function openReport(name, query = '') {
  const answer = page.waitForResponse((r) => r.url().includes(`/api/v1/reports/${name}`) && r.status() === 200)
  await page.goto(`${base}/#/reports/${slug(name)}${query}`)
  const res = await answer
  await page.waitForLoadState('networkidle')
  return { json: await res.json(), qs: new URL(res.url()).search }
}

// Waits for the page's next report answer after `action`.
async function reload(name, action) {
  const answer = page.waitForResponse((r) => r.url().includes(`/api/v1/reports/${name}`) && r.status() === 200)
  await action()
  const res = await answer
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(200)
  return { json: await res.json(), qs: new URL(res.url()).search }
}

const shownTotal = async () => (await page.locator('[data-test=report-total]').first().innerText()).trim()
const bodyRows = (sel) => page.locator(`${sel} .el-table__body-wrapper tr.el-table__row`)
const visibleRows = (sel) => page.locator(`${sel} .el-table__body-wrapper tr.el-table__row:visible`)

// Clicks through to the complaint list (drill-down) and returns the total its pager shows once
// the list has answered (the pager must agree with the answer).
async function drillTotal(click) {
  const answer = page.waitForResponse((r) => /\/api\/v1\/complaints\?/.test(r.url()) && r.status() === 200)
  await click()
  const json = await (await answer).json()
  await page.waitForURL(/#\/complaints\/search/)
  const pager = page.locator('.el-pagination__total').first()
  await pager.filter({ hasText: String(json.total) }).waitFor()
  return Number((await pager.innerText()).replace(/[^\d]/g, ''))
}

describe('fcms statistical reports (统计报表) and dashboard', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    for (const f of fs.readdirSync(SHOTS)) if (/^reports-.*\.png$/.test(f)) fs.unlinkSync(path.join(SHOTS, f))
    fcms = await startFcms('fcms-e2e-rpt-data-', { seed: ['--complaints', '4000', '--seed', '11'] })
    base = fcms.base
    tongji = new Client(base, 'tongji')
    await tongji.login('tongji', DEMO_PASSWORD)
    ;({ context: browser, page, profileDir } = await launchBrowser('fcms-e2e-rpt-chromium-',
      { errors: pageErrors, csp: cspViolations, downloads: true }))
  })

  after(async () => {
    try {
      if (browser) await browser.close()
    } finally {
      if (fcms) await fcms.stop()
      for (const d of [fcms && fcms.dataDir, profileDir]) if (d) fs.rmSync(d, { recursive: true, force: true })
    }
  })

  test('the dashboard shows the figures of /dashboard and opens the filtered list', async () => {
    await login('tongji', DEMO_PASSWORD)
    const dash = await tongji.ok('GET', '/dashboard')
    const panel = page.locator('[data-test=dashboard]')
    await panel.waitFor()
    assert.equal((await panel.locator('[data-test=kpi-today] .kpi-value').innerText()).trim(), fmt(dash.today))
    assert.equal((await panel.locator('[data-test=kpi-open] .kpi-value').innerText()).trim(), fmt(dash.open))
    assert.equal((await panel.locator('[data-test=kpi-overdue] .kpi-value').innerText()).trim(), fmt(dash.overdue_open))
    const rate = (await panel.locator('[data-test=kpi-on_time] .kpi-value').innerText()).trim()
    assert.equal(rate, dash.last_30_days.on_time_rate === null ? '—' : (dash.last_30_days.on_time_rate * 100).toFixed(1) + '%')
    for (const chart of ['dash-trend', 'dash-channels', 'dash-causes', 'dash-types']) {
      assert.equal(await panel.locator(`[data-test=${chart}] canvas`).count(), 1, `${chart} has a canvas`)
    }
    await shot('dashboard')
    // 今日新增 → the complaints received today.
    assert.equal(await drillTotal(() => panel.locator('[data-test=kpi-today]').click()), dash.today)
    // 未办结 → the complaints still being handled.
    await page.goto(`${base}/#/home`)
    await panel.waitFor()
    assert.equal(await drillTotal(() => panel.locator('[data-test=kpi-open]').click()), dash.open)
  })

  test('the 统计报表 menu lists the twelve reports', async () => {
    await page.goto(`${base}/#/home`)
    await page.waitForLoadState('networkidle')
    const items = (await page.locator('.side-menu .el-menu-item').allInnerTexts()).map((s) => s.trim())
    for (const [, title] of REPORTS) assert.ok(items.includes(title), `menu item ${title} in ${items.join(',')}`)
  })

  for (const [name, title] of REPORTS) {
    test(`report ${name} (${title}) shows the API's figures`, async () => {
      const { json, qs } = await openReport(name)
      // The same filters asked independently give the same answer, and the page shows its total.
      const again = await tongji.ok('GET', `/reports/${name}${qs}`)
      assert.equal(again.total, json.total)
      assert.ok(json.total > 0, `${name}: the demo bank has complaints in the default range`)
      assert.equal(await shownTotal(), fmt(json.total))
      const rows = bodyRows('[data-test=report-table]')
      await rows.first().waitFor()
      assert.ok(await rows.count() > 0, `${name}: table rows`)
      if (name === 'detail') {
        assert.equal(await rows.count(), Math.min(20, json.total))
        assert.match(await rows.first().innerText(), /\*/, 'complainant masked')
      } else {
        assert.equal(await page.locator('[data-test=report-chart] canvas').count(), 1, `${name}: chart canvas`)
        const topLevel = json.rows.filter((r) => !r.level || r.level === 1).length
        const shown = await visibleRows('[data-test=report-table]').count()
        assert.ok(shown >= topLevel, `${name}: ${shown} rows shown for ${topLevel} top rows`)
        const footer = await page.locator('[data-test=report-table] .el-table__footer-wrapper').innerText()
        assert.match(footer, /合计/)
        assert.ok(footer.includes(fmt(json.total)), `${name}: 合计 row shows ${json.total}`)
        const text = await page.locator('[data-test=report-table]').innerText()
        assert.doesNotMatch(text, /undefined|NaN|null/, `${name}: no raw values in the table`)
      }
      if (name === 'time') assert.equal(await page.locator('[data-test=hour-chart] canvas').count(), 1)
      await shot(name)
    })
  }

  test('regulator layout: merged header with 小计 and 投诉量合计; a cell drills down', async () => {
    await openReport('business_channel')
    const { json } = await reload('business_channel', () =>
      page.locator('[data-test=layout] .el-radio-button', { hasText: '监管报表格式' }).click())
    assert.equal(json.layout, 'matrix')
    const table = page.locator('[data-test=matrix-table]')
    await table.waitFor()
    const head = await table.locator('.el-table__header-wrapper').innerText()
    assert.match(head, /小计/)
    assert.match(head, /投诉量合计/)
    assert.match(head, /前台业务渠道/)
    // A parent spans its children: the group header cell has colspan > 1.
    const span = await table.locator('.el-table__header-wrapper th', { hasText: '前台业务渠道' }).first().getAttribute('colspan')
    assert.ok(Number(span) > 2, `前台业务渠道 spans ${span} columns`)
    const last = json.rows[json.rows.length - 1]
    assert.equal(last.name, '合计')
    assert.equal(last.count, json.total)
    const totalRow = bodyRows('[data-test=matrix-table]').filter({ hasText: '合计' }).last()
    assert.ok((await totalRow.innerText()).includes(fmt(json.total)))
    await shot('business-channel-matrix')
    // Rows by province.
    const byRegion = await reload('business_channel', async () => {
      await page.locator('[data-test=rows-by]').click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: '地区（省）' }).click()
    })
    assert.equal(byRegion.json.rows_by, 'region')
    await page.locator('[data-test=matrix-table] .el-table__body-wrapper tr.el-table__row', { hasText: byRegion.json.rows[1].name }).first().waitFor()
    await shot('business-channel-matrix-region')
    // A cell of a province row (first column: 营业现场) opens the complaints behind it.
    const prov = byRegion.json.rows.find((r) => r.code && r.cells[0] > 0)
    const row = bodyRows('[data-test=matrix-table]').filter({ hasText: prov.name }).first()
    assert.equal(await drillTotal(() => row.locator('td').nth(1).click()), prov.cells[0])
  })

  test('tree rows expand and collapse; a row drills down to the complaint list', async () => {
    const { json } = await openReport('business_type')
    const parent = json.rows.find((r) => r.level === 1 && r.has_children)
    const child = json.rows.find((r) => r.parent === parent.code && !r.self)
    const childRow = bodyRows('[data-test=report-table]').filter({ hasText: child.name }).first()
    assert.equal(await childRow.isVisible(), false, 'children start collapsed')
    const parentRow = bodyRows('[data-test=report-table]').filter({ hasText: parent.name }).first()
    await parentRow.locator('.el-table__expand-icon').click()
    await childRow.waitFor({ state: 'visible' })
    await parentRow.evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await shot('business-type-expanded')
    await parentRow.locator('.el-table__expand-icon').click()
    await childRow.waitFor({ state: 'hidden' })
    // Expanding did not leave the page; a click on the row itself drills down.
    assert.match(page.url(), /#\/reports\/business-type/)
    assert.equal(await drillTotal(() => parentRow.locator('td').first().click()), parent.count)
    const tags = await page.locator('[data-test=extra-filter]').allInnerTexts()
    assert.ok(tags.some((t) => t.includes('统计口径')), `counting-rule tag in ${tags}`)
    await shot('drill-down-list')
    // Back to the report: the filters come back from the URL.
    await page.goBack()
    await page.waitForURL(/#\/reports\/business-type/)
    await page.locator('[data-test=report-table]').waitFor()
  })

  test('an institution row drills down by complained institution; a region row by region', async () => {
    const inst = await openReport('institution')
    const branch = inst.json.rows.find((r) => r.level === 2 && !r.self && r.count > 0)
    const cell = (name) => bodyRows('[data-test=report-table]').filter({ hasText: name }).first().locator('td').first()
    assert.equal(await drillTotal(() => cell(branch.name).click()), branch.count)
    const reg = await openReport('region')
    const prov = reg.json.rows.find((r) => r.level === 1 && r.count > 0)
    assert.equal(await drillTotal(() => cell(prov.name).click()), prov.count)
    assert.ok((await page.locator('[data-test=extra-filter]').allInnerTexts()).some((t) => t.includes(prov.name)))
  })

  test('time granularity, a period row drills down, an empty 同比 period shows —', async () => {
    await openReport('mom')
    const q = await reload('mom', () => page.locator('[data-test=granularity] .el-radio-button', { hasText: '季' }).click())
    assert.equal(q.json.granularity, 'quarter')
    assert.equal(await visibleRows('[data-test=report-table]').count(), q.json.rows.length)
    await shot('mom-quarter')
    const period = q.json.rows.find((r) => r.count > 0)
    const cell = bodyRows('[data-test=report-table]').filter({ hasText: period.name }).first().locator('td').first()
    assert.equal(await drillTotal(() => cell.click()), period.count)
    // Nothing was received a year before 2001: growth has no base.
    const y = await openReport('yoy', '?from=2001-01-01&to=2001-12-31')
    assert.equal(y.json.summary.growth_rate, null)
    assert.equal((await page.locator('[data-test=report-growth]').innerText()).trim(), '—')
  })

  test('exports: a report as xlsx; the ledger as a background job with progress', async () => {
    await openReport('cause')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test=report-export]').click(),
    ])
    const file = await download.path()
    const head = fs.readFileSync(file).subarray(0, 2).toString('latin1')
    assert.equal(head, 'PK', 'an xlsx (zip) file')
    await openReport('detail', '?from=2026-01-01&to=2026-01-31')
    const ledger = Promise.race([
      page.waitForEvent('download', { timeout: 60000 }).then((d) => ({ download: d })),
      page.locator('.el-message--error').first().waitFor({ timeout: 60000 }).then(async () => ({
        error: await page.locator('.el-message--error').first().innerText(),
      })),
    ])
    await page.locator('[data-test=report-export]').click()
    await page.locator('[data-test=export-progress]').waitFor().catch(() => {})
    const got = await ledger
    if (got.error) {
      // The export endpoint may be missing on an older server: the message must be Chinese.
      assert.match(got.error, /[\u4e00-\u9fa5]/, `error message: ${got.error}`)
    } else {
      const head2 = fs.readFileSync(await got.download.path()).subarray(0, 2).toString('latin1')
      assert.equal(head2, 'PK')
      assert.match(await page.locator('[data-test=export-progress]').innerText(), /导出完成/)
    }
    await shot('detail-export')
  })

  test('a branch statistician sees only its subtree, even when asking for the whole bank', async () => {
    const admin = new Client(base, 'admin')
    const me = await admin.login('admin', ADMIN_PASSWORD)
    assert.equal(me.must_change_password, false)
    const orgs = (await admin.ok('GET', '/institutions')).items
    const gd = orgs.find((o) => o.internal_code === 'GD00')
    const root = orgs.find((o) => o.parent_id === null || o.parent_id === undefined)
    const roles = Object.fromEntries((await admin.ok('GET', '/roles')).items.map((r) => [r.code, r.id]))
    const created = await createAccount(base, admin, { username: 'gd_tongji', name: '粤统计', org_id: gd.id }, [roles.statistician])
    const c = new Client(base, 'gd_tongji')
    await c.login('gd_tongji', created.initial_password)
    await c.ok('POST', '/auth/password', { old_password: created.initial_password, new_password: NEW_PASSWORD,
      activation_code: created.activation_code })
    // What the head office counts for the branch's subtree.
    const subtree = await tongji.ok('GET', `/reports/institution?org_id=${gd.id}`)

    await logout()
    await login('gd_tongji', NEW_PASSWORD)
    const dash = await c.ok('GET', '/dashboard')
    await page.locator('[data-test=kpi-open] .kpi-value', { hasText: fmt(dash.open) }).waitFor()
    await shot('branch-dashboard')
    const { json } = await openReport('institution')
    assert.equal(json.total, subtree.total)
    assert.equal(await shownTotal(), fmt(subtree.total))
    assert.equal(json.rows[0].name, gd.name)
    assert.ok(json.rows.every((r) => r.level > 1 || r.name === gd.name), 'only the branch at the top')
    await shot('branch-institution')
    // Asking for the whole bank still counts the branch only.
    const wide = await openReport('institution', `?org_id=${root.id}`)
    assert.equal(wide.json.total, subtree.total)
    assert.equal(await shownTotal(), fmt(subtree.total))
  })

  test('users without report.view keep the home page without statistics and the menu without reports', async () => {
    await logout()
    await login('GD00_handler', DEMO_PASSWORD)
    await page.locator('[data-test=home-profile]').waitFor()
    assert.equal(await page.locator('[data-test=dashboard]').count(), 0)
    await page.locator('[data-test=home-todo]').waitFor()
    const items = (await page.locator('.side-menu .el-menu-item').allInnerTexts()).map((s) => s.trim())
    for (const [, title] of REPORTS) assert.ok(!items.includes(title), `no ${title} for a handler`)
    await page.goto(`${base}/#/reports/cause`)
    await page.waitForURL(/#\/forbidden/)
    await page.goto(`${base}/#/home`)
    await page.locator('[data-test=home-todo]').waitFor()
    await shot('handler-home')
  })

  test('no page errors and no CSP violations', () => {
    assert.deepEqual(pageErrors, [])
    assert.deepEqual(cspViolations, [])
  })
})
