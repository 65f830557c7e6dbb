// Browser test of live updates (实时更新), attachments (附件) and the printable closure form (结单打印)
// against a real `fcms serve` started here on a free port with a fresh data dir. The staff and the
// complaint are set up through the API from Node; then two browsers (two Chromium profiles, so two
// sessions) look at the same complaint: a head-office reviewer (A) and a branch registrar/handler
// (B). B assigns the complaint to themself and A's page follows without a reload; B uploads a PDF
// and A sees it; the complaint is closed through the API and A prints the closure form, saved as
// tests/e2e/shots/closure-form.pdf and read back with pdftotext. The print must be in the audit
// log. Screenshots at 1440x900: tests/e2e/shots/live-NN-*.png (git-ignored).
//
// Run: make build && (cd web && npm ci && npm run build) && node --test tests/e2e/complaints-live.test.mjs
// Env: FCMS_BIN (default build/fcms). Needs Debian's /usr/bin/chromium and poppler-utils (pdftotext).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { SHOTS, ADMIN_PASSWORD, sleep, startFcms, Client, launchBrowser, signIn, createAccount } from './lib.mjs'

const PDF = path.join(SHOTS, 'closure-form.pdf')
const NEW_PASSWORD = 'Fcms#Live2024ok' // satisfies both password profiles (length, 4 classes)
const ID_NO = '110101199001011237' // valid resident ID (check digit 7)

let fcms = null
let dataDir = null
let base = ''
const profiles = []
const contexts = []
let pageA = null // reviewer (head office)
let pageB = null // registrar + handler (branch)
const pageErrors = []
const cspViolations = []
let shotNo = 0

const fx = {} // clients, ids, the complaint

async function startServer() {
  fcms = await startFcms('fcms-e2e-live-data-')
  base = fcms.base
  dataDir = fcms.dataDir
}

async function stopServer() {
  if (fcms) await fcms.stop()
}

// A new user with the given role codes; past the one-time password, signed in.
async function newStaff(admin, { username, name, org, roles }) {
  const created = await createAccount(base, admin, { username, name, org_id: org }, roles.map((r) => fx.roles[r]))
  const c = new Client(base, username)
  await c.login(username, created.initial_password)
  await c.ok('POST', '/auth/password', { old_password: created.initial_password, new_password: NEW_PASSWORD,
    activation_code: created.activation_code })
  await c.login(username, NEW_PASSWORD)
  assert.equal(c.user.must_change_password, false)
  return c
}

// Bank time (+08:00) ISO instant `ms` milliseconds ago.
function bankIso(agoMs) {
  const t = new Date(Date.now() - agoMs + 8 * 3600e3)
  const p = (n) => String(n).padStart(2, '0')
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:00+08:00`
}

async function step(client, action, params = {}) {
  const cur = await client.ok('GET', `/complaints/${fx.complaint.id}`)
  const next = await client.ok('POST', `/complaints/${cur.id}/actions/${action}`, { version: cur.version, ...params })
  return next
}

// --- browser helpers ------------------------------------------------------------------------

async function newPage(tag) {
  const { context, page, profileDir } = await launchBrowser(`fcms-e2e-live-chromium-${tag}-`,
    { errors: pageErrors, csp: cspViolations, label: tag, downloads: true })
  profiles.push(profileDir)
  contexts.push(context)
  return page
}

async function shot(page, name) {
  shotNo += 1
  await page.waitForTimeout(350) // let transitions (dialogs, messages) settle
  await page.screenshot({ path: path.join(SHOTS, `live-${String(shotNo).padStart(2, '0')}-${name}.png`) })
}

const login = (page, username) => signIn(page, base, username, NEW_PASSWORD)

async function openDetail(page) {
  await page.goto(`${base}/#/complaints/${fx.complaint.id}`)
  await page.locator('[data-test=complaint-no]', { hasText: fx.complaint.complaint_no }).waitFor()
  await page.waitForLoadState('networkidle')
}

const statusTag = (page, label) => page.locator('.head-card [data-test=status-tag]', { hasText: label }).first()
const message = (page, text) => page.locator('.el-message', { hasText: text }).first()
const attRow = (page, name) => page.locator('[data-test=attachments-table] .el-table__body-wrapper tr.el-table__row', { hasText: name }).first()

describe('fcms live updates, attachments and the closure form', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    for (const f of fs.readdirSync(SHOTS)) if (/^live-.*\.png$|^closure-form\./.test(f)) fs.unlinkSync(path.join(SHOTS, f))
    await startServer()
  })

  after(async () => {
    try {
      for (const c of contexts) await c.close().catch(() => {})
    } finally {
      await stopServer()
      for (const d of [dataDir, ...profiles]) if (d) fs.rmSync(d, { recursive: true, force: true })
    }
  })

  test('set-up through the API: branch, staff, a registered complaint', async () => {
    const admin = new Client(base, 'admin')
    const me = await admin.login('admin', ADMIN_PASSWORD)
    if (me.must_change_password) {
      await admin.ok('POST', '/auth/password', { old_password: ADMIN_PASSWORD, new_password: NEW_PASSWORD + 'A' })
      await admin.login('admin', NEW_PASSWORD + 'A')
    }
    const orgs = (await admin.ok('GET', '/institutions')).items
    const head = orgs.find((o) => o.parent_id === null || o.parent_id === undefined)
    assert.ok(head, 'root institution')
    const branch = await admin.ok('POST', '/institutions', {
      parent_id: head.id, name: '杭州分行', internal_code: 'HZ001', fin_code: 'B0001H23301001', region_code: '330100', type: 'branch',
    })
    fx.roles = Object.fromEntries((await admin.ok('GET', '/roles')).items.map((r) => [r.code, r.id]))
    fx.clerk = await newStaff(admin, { username: 'zhouli', name: '周丽', org: branch.id, roles: ['registrar', 'handler'] })
    fx.rev = await newStaff(admin, { username: 'qianshen', name: '钱审核', org: head.id, roles: ['reviewer'] })
    fx.aud = await newStaff(admin, { username: 'sunaudit', name: '孙审计', org: head.id, roles: ['audit_admin'] })
    fx.bank = head.name

    fx.complaint = await fx.clerk.ok('POST', '/complaints', {
      source_channel: 'phone',
      received_at: bankIso(3600e3),
      complainant: {
        name: '王小明', id_type: '01', id_no: ID_NO, phone: '13900002222', address: '浙江省杭州市西湖区文三路100号', gender: 'male',
      },
      complained_org_id: branch.id,
      region_code: '330106',
      business_channel_code: 'A0101',
      business_type_code: 'B03011',
      cause_code: 'C07',
      rights: ['R04'],
      content: '客户反映信用卡年费在未告知的情况下被扣收，多次致电客服未获解释。',
      demand: '退还年费并书面说明收费依据',
      amount_fen: 88800,
    })
    assert.equal(fx.complaint.status, 'registered')
    assert.match(fx.complaint.complaint_no, /^HZ001-\d{8}-\d{5}$/)
    fx.maskedName = fx.complaint.complainant.name
    assert.ok(fx.maskedName && fx.maskedName !== '王小明' && fx.maskedName.startsWith('王'), `masked name: ${fx.maskedName}`)
  })

  test('B assigns the complaint; A sees the new status live, without a reload', async () => {
    pageA = await newPage('a')
    pageB = await newPage('b')
    await Promise.all([login(pageA, 'qianshen'), login(pageB, 'zhouli')])
    await Promise.all([openDetail(pageA), openDetail(pageB)])
    await statusTag(pageA, '待分派').waitFor()
    await pageA.evaluate(() => { window.__noReload = 'still here' })
    await shot(pageA, 'a-detail-registered')

    await pageB.locator('[data-test=actions] button', { hasText: /^\s*分派\s*$/ }).click()
    const d = pageB.locator('[data-test=action-dialog]:visible').last()
    await d.waitFor()
    assert.match(await d.locator('[data-test=assign-user]').innerText(), /周丽/)
    await d.locator('[data-test=action-confirm]').click()
    await message(pageB, '已分派').waitFor()
    await d.waitFor({ state: 'hidden' })
    await statusTag(pageB, '处理中').waitFor()

    // A: the change arrives over /api/v1/events; the page reloads the complaint by itself.
    await statusTag(pageA, '处理中').waitFor({ timeout: 5000 })
    await message(pageA, '该投诉单已被其他人更新').waitFor({ timeout: 5000 })
    await pageA.locator('.deadline', { hasText: '周丽' }).waitFor({ timeout: 5000 })
    assert.equal(await pageA.evaluate(() => window.__noReload), 'still here', 'A was not reloaded')
    await pageA.locator('[data-test=timeline]', { hasText: '分派' }).waitFor()
    await shot(pageA, 'a-detail-live-updated')
    // B made the change: no "someone else" message there; B's bell got the assignment live.
    assert.equal(await pageB.locator('.el-message', { hasText: '该投诉单已被其他人更新' }).count(), 0)
    await pageB.locator('[data-test=bell] .el-badge__content', { hasText: '1' }).waitFor({ timeout: 5000 })
    await shot(pageB, 'b-detail-assigned')
  })

  test('B uploads a PDF (and is told why a text file is refused); A sees the attachment', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
    const sha = crypto.createHash('sha256').update(pdf).digest('hex')
    const input = pageB.locator('[data-test=attachment-upload] input[type=file]')
    await input.setInputFiles({ name: '客户来信.pdf', mimeType: 'application/pdf', buffer: pdf })
    await message(pageB, '已上传附件「客户来信.pdf」').waitFor()
    const row = attRow(pageB, '客户来信.pdf')
    await row.waitFor()
    const text = await row.innerText()
    assert.match(text, /PDF/)
    assert.match(text, /周丽/)
    assert.match(text, new RegExp(`${pdf.length} B`))
    assert.equal(await row.locator('[data-test=attachment-sha]').innerText(), `${sha.slice(0, 8)}…${sha.slice(-4)}`)

    await input.setInputFiles({ name: '说明.txt', mimeType: 'text/plain', buffer: Buffer.from('plain text is not allowed') })
    await message(pageB, '不支持的文件类型').waitFor()
    assert.equal(await pageB.locator('[data-test=attachments-table] .el-table__body-wrapper tr.el-table__row').count(), 1)
    await pageB.locator('[data-test=attachments]').scrollIntoViewIfNeeded()
    await shot(pageB, 'b-attachment-uploaded')

    // 下载 is a plain link: the browser downloads the file under its name.
    const [download] = await Promise.all([
      pageB.waitForEvent('download'),
      row.locator('[data-test=attachment-download]').click(),
    ])
    assert.equal(download.suggestedFilename(), '客户来信.pdf')
    const saved = await download.path()
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(saved)).digest('hex'), sha)

    // A: uploads publish no live event (see the report), so look again after a reload.
    const seen = await attRow(pageA, '客户来信.pdf').waitFor({ timeout: 2500 }).then(() => true, () => false)
    if (!seen) {
      await pageA.reload()
      await pageA.locator('[data-test=complaint-no]').waitFor()
    }
    await attRow(pageA, '客户来信.pdf').waitFor()
    await pageA.locator('[data-test=attachments]').scrollIntoViewIfNeeded()
    await shot(pageA, 'a-attachments')
  })

  test('closed through the API; A follows live and prints the closure form', async () => {
    // B watches 投诉单查询: the row follows the changes without a reload.
    await pageB.goto(`${base}/#/complaints/search`)
    const bRow = pageB.locator('[data-test=complaints-table] .el-table__body-wrapper tr.el-table__row', { hasText: fx.complaint.complaint_no })
    await bRow.filter({ hasText: '处理中' }).waitFor()
    await pageB.waitForLoadState('networkidle')
    await pageB.evaluate(() => { window.__noReload = 'still here' })

    await step(fx.clerk, 'reply', {
      result: 'accepted', reply_content: '经核实，年费扣收前未按约定短信告知，已全额退还年费并致歉。', compensation_fen: 5000,
    })
    await step(fx.rev, 'approve_reply', { note: '同意答复' })
    const closed = await step(fx.rev, 'callback', { satisfaction: 'satisfied', note: '电话回访，客户对处理结果表示满意。' })
    assert.equal(closed.status, 'closed')
    await bRow.filter({ hasText: '已办结' }).waitFor({ timeout: 5000 })
    assert.equal(await pageB.evaluate(() => window.__noReload), 'still here', 'B was not reloaded')
    await shot(pageB, 'b-search-live')
    await statusTag(pageA, '已办结').waitFor({ timeout: 5000 })
    await pageA.locator('[data-test=facts-callback]', { hasText: '满意' }).waitFor({ timeout: 5000 })
    await shot(pageA, 'a-detail-closed-live')

    await pageA.locator('[data-test=print]').click()
    await pageA.waitForURL(/#\/complaints\/\d+\/print$/)
    const form = pageA.locator('[data-test=print-form]')
    await form.waitFor()
    await pageA.waitForLoadState('networkidle')
    assert.equal(await pageA.locator('.side-menu, .topbar').count(), 0, 'no app frame around the form')
    const onScreen = await form.innerText()
    for (const want of [fx.complaint.complaint_no, `${fx.bank.replace(/总行$/, '')} 金融消费者投诉处理结单`.trim(), 'A0101 营业现场', 'C07', '888.00 元', '50.00 元', '打印人：钱审核']) {
      assert.ok(onScreen.includes(want), `form lacks "${want}": ${onScreen}`)
    }
    assert.match(await form.locator('[data-test=print-result] .cf-opt.on').innerText(), /满足诉求/)
    await shot(pageA, 'print-page')

    await pageA.pdf({ path: PDF, format: 'A4', preferCSSPageSize: true, printBackground: true })
    const pdfText = execFileSync('pdftotext', ['-layout', PDF, '-'], { encoding: 'utf8' })
    const flat = pdfText.replace(/\s+/g, '')
    for (const want of [fx.complaint.complaint_no, '投诉处理结单', fx.maskedName, '满足诉求', '满意', '经办人', '审核人', '盖章']) {
      assert.ok(flat.includes(want.replace(/\s+/g, '')), `PDF lacks "${want}":\n${pdfText}`)
    }
    assert.ok(!flat.includes('王小明') && !flat.includes('13900002222'), 'the PDF carries masked identity only')
    assert.ok(!flat.includes('本次打印已记入审计日志'), 'the on-screen hint is not printed')

    const audit = await fx.aud.ok('GET', '/audit?action=complaint.print')
    const ev = audit.items.find((x) => String(x.target_id) === String(fx.complaint.id))
    assert.ok(ev, `no complaint.print event for #${fx.complaint.id}: ${JSON.stringify(audit.items)}`)
    assert.equal(ev.actor, 'qianshen')
    assert.equal(ev.result, 'ok')
  })

  test('the print page still needs a signed-in user', async () => {
    await pageB.getByRole('button', { name: '退出登录' }).click()
    const box = pageB.locator('.el-message-box:visible').last()
    await box.getByRole('button', { name: '退出' }).click()
    await pageB.waitForURL(/#\/login/)
    await pageB.goto(`${base}/#/complaints/${fx.complaint.id}/print`)
    await pageB.waitForURL(/#\/login\?redirect=/)
    await pageB.getByPlaceholder('请输入用户名').waitFor()
  })

  test('no CSP violations or page errors', () => {
    assert.deepEqual(cspViolations, [])
    assert.deepEqual(pageErrors, [])
  })
})
