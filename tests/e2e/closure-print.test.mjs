// Browser test of 结单打印 (issue 12 item 11) on the demo bank (seed-demo, real Chinese data):
//   - the system administrator sets 机构全称 on 机构全称设置 (PUT /settings/bank), read back through
//     the API; business staff see no such menu item;
//   - a complaint with 4,000 characters of content and a 2,000-character reply is registered; while
//     it is open the complaint page offers no 打印结单 and the form's URL says why (409, Chinese);
//   - closed, the complaint page offers 打印结单; the form prints to PDF (page.pdf, A4) and
//     pdftotext reads back: the title "<机构全称> 金融消费者投诉处理结单" on page 1, the start of the
//     content on page 1 (the page is not left blank by a row that would not split), the end of the
//     content and of the reply further on, and "第 N 页 / 共 M 页" on every page.
// The pages are also rendered as PNG (pdftoppm -r 60): tests/e2e/shots/closure-print-page-N.png.
// Screenshots: tests/e2e/shots/closure-print-NN-*.png.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { SHOTS, ADMIN_PASSWORD, startFcms, launchBrowser, Client } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'

const DEMO_PASSWORD = 'Demo@2026fcms'
const BANK = '某某银行股份有限公司'
const PDF = path.join(SHOTS, 'closure-print.pdf')
let fcms = null
let browser = null
let page = null
let base = ''
const pageErrors = []
const shot = screenshots(() => page, 'closure-print-')
const { expectMessage, go, login } = elementUi(() => page, () => base)

// Exactly n characters of a customer's account in Chinese, in paragraphs, opening with `start`
// and closing with `end` (both found again in the PDF).
function longText(n, start, end, sentences) {
  let body = start
  for (let i = 0; body.length < n; i++) {
    body += sentences[i % sentences.length].replace('#', String(i + 1))
    if (i % 6 === 5) body += '\n'
  }
  return body.slice(0, n - end.length) + end
}
const CONTENT_START = '投诉人王某某于二〇二六年十月八日到本行营业网点办理信用卡分期业务'
const CONTENT_END = '以上情况属实，请求贵行依法依规处理并书面答复。完'
const CONTENT = longText(4000, CONTENT_START, CONTENT_END, [
  '第#项，客户称办理分期时柜员未告知手续费率及提前还款违约金的计算方式，合同条款字体过小无法阅读。',
  '客户表示此后每月账单均出现分期手续费，金额与当时口头承诺的免息活动不符，多次致电客服未获解决。',
  '客户提供了办理当日的录音片段及宣传单页，宣传单页载明“零手续费”，但页脚小字注明仅限指定商户。',
  '客户认为本行在营销过程中存在误导性宣传，侵害了其知情权与自主选择权，要求退还已收取的全部费用。',
])
const REPLY_START = '经核查，我行已调取办理当日的柜面录像、业务凭证及营销宣传材料'
const REPLY_END = '我行将以此为鉴，持续改进消费者权益保护工作。'
const REPLY = longText(2000, REPLY_START, REPLY_END, [
  '第#点，经核对分期业务申请书，客户签字确认了手续费率条款，但柜员未按规定进行逐条提示说明。',
  '宣传单页“零手续费”表述未在显著位置注明适用范围，存在表述不清的问题，我行已责令网点整改。',
  '综合上述情况，我行同意退还客户已支付的分期手续费，并已于答复当日原路退回至客户信用卡账户。',
])

// pdftotext of one page (1-based), or of the whole file.
const pdfText = (file, pageNo) => execFileSync('pdftotext', ['-layout', ...(pageNo ? ['-f', String(pageNo), '-l', String(pageNo)] : []), file, '-'], { encoding: 'utf8' })
const flat = (s) => s.replace(/\s+/g, '')
const cjkCount = (s) => (s.match(/[\u4e00-\u9fff]/g) || []).length

async function api(username) {
  const c = new Client(base, username)
  await c.login(username, username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD)
  return c
}

async function signInAs(username) {
  await page.context().clearCookies()
  await page.goto('about:blank')
  await login(username, username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD)
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  fcms = await startFcms('fcms-e2e-print-data-', { seed: ['--complaints', '40', '--seed', '11'] })
  base = fcms.base
  browser = await launchBrowser('fcms-e2e-print-prof-', { errors: pageErrors })
  page = browser.page
})
after(async () => {
  if (browser) {
    await browser.context.close()
    fs.rmSync(browser.profileDir, { recursive: true, force: true })
  }
  if (fcms) await fcms.stop()
})

describe('结单打印: bank name, print only when closed, a long complaint on A4 with page numbers', () => {
  let admin, rev, reg, handler
  let c = null
  before(async () => {
    admin = await api('admin')
    rev = await api('xiaobao1')
    reg = await api('hq_registrar')
    handler = await api('hq_handler')
  })

  test('the system administrator sets 机构全称 on its settings page', async () => {
    const unset = await admin.ok('GET', '/settings/bank')
    assert.equal(unset.bank_name, '')
    await signInAs('admin')
    await go('/org/bank-name')
    const form = page.locator('[data-test=bank-name-form]')
    await form.waitFor()
    assert.match(await page.locator('.el-menu').first().innerText(), /机构全称设置/)
    const input = page.locator('input[data-test=bank-name]') // el-input passes data-test to its <input>
    await page.waitForFunction(() => !document.querySelector('input[data-test=bank-name]').disabled)
    assert.match(await page.locator('[data-test=bank-name-default]').innerText(), /不显示机构名称/, 'the demo root is 总行: no name')
    await shot('settings-unset')
    // Blank is refused under the field, in Chinese, before anything is sent.
    await input.fill('   ')
    await page.locator('[data-test=bank-name-save]').click()
    await form.locator('.el-form-item__error', { hasText: '机构全称不能为空' }).waitFor()
    await input.fill(BANK)
    assert.equal(await page.locator('[data-test=bank-name-preview]').innerText(), `${BANK} 金融消费者投诉处理结单`)
    await page.locator('[data-test=bank-name-save]').click()
    await expectMessage('机构全称已保存')
    await shot('settings-saved')
    const saved = await admin.ok('GET', '/settings/bank')
    assert.equal(saved.bank_name, BANK, 'stored through PUT /settings/bank')
    assert.equal(saved.print_title_name, BANK)
    // Business staff have no such page, and the server refuses them.
    const r = await rev.req('PUT', '/settings/bank', { bank_name: '冒名银行' })
    assert.equal(r.status, 403, r.text)
  })

  test('an open complaint offers no 打印结单, and its form says why', async () => {
    const root = (await reg.ok('GET', '/institutions?page_size=1')).items.find((o) => o.parent_id === null) ||
      (await admin.ok('GET', '/institutions')).items.find((o) => o.parent_id === null)
    const now = new Date(Date.now() + 8 * 3600e3 - 3600e3).toISOString().slice(0, 16)
    c = await reg.ok('POST', '/complaints', {
      source_channel: 'onsite', received_at: `${now}:00+08:00`,
      complainant: { name: '王某某', id_type: '01', id_no: '110101199001011237', phone: '13912345678', address: '北京市西城区金融大街1号' },
      complained_org_id: root.id, region_code: '110102', business_channel_code: 'A0101', business_type_code: 'B03011',
      cause_code: 'C07', rights: ['R04'], content: CONTENT, demand: '退还全部分期手续费并书面道歉', amount_fen: 128800,
    })
    assert.equal([...c.content].length, 4000, 'the content is 4,000 characters')
    assert.ok(!c.actions.includes('print'), `offered while ${c.status}: ${c.actions}`)
    await signInAs('xiaobao1')
    assert.doesNotMatch(await page.locator('.side-menu').innerText(), /机构全称设置/, 'not in a reviewer\'s menu')
    await go(`/complaints/${c.id}`)
    await page.locator('[data-test=actions]').waitFor()
    assert.equal(await page.locator('[data-test=print]').count(), 0, `no 打印结单 while ${c.status_label}`)
    await go(`/complaints/${c.id}/print`)
    await page.getByText('无法生成结单').waitFor()
    assert.match(await page.locator('.cf-error').innerText(), /办结后才能打印/)
    await shot('refused-while-open')
  })

  test('closed: printed to PDF, the content flows from page 1 and every page is numbered', async () => {
    c = await rev.ok('POST', `/complaints/${c.id}/actions/assign`, { version: c.version, user_id: handler.user.id })
    c = await handler.ok('POST', `/complaints/${c.id}/actions/reply`, { version: c.version, result: 'partially_accepted', reply_content: REPLY, compensation_fen: 12880 })
    c = await rev.ok('POST', `/complaints/${c.id}/actions/approve_reply`, { version: c.version })
    c = await rev.ok('POST', `/complaints/${c.id}/actions/callback`, { version: c.version, satisfaction: 'basically_satisfied', note: '客户对退费结果基本满意' })
    assert.equal(c.status, 'closed')
    assert.ok(c.actions.includes('print'))

    await go(`/complaints/${c.id}`)
    await page.locator('[data-test=print]').waitFor()
    await shot('closed-offers-print')
    await page.locator('[data-test=print]').click()
    await page.waitForURL(/#\/complaints\/\d+\/print$/)
    const form = page.locator('[data-test=print-form]')
    await form.waitFor()
    assert.equal(await page.locator('.cf-title').innerText(), `${BANK} 金融消费者投诉处理结单`)
    await shot('form-on-screen')
    await page.pdf({ path: PDF, format: 'A4', preferCSSPageSize: true, printBackground: true })

    const info = execFileSync('pdfinfo', [PDF], { encoding: 'utf8' })
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)[1])
    assert.match(info, /Page size:\s+59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\)/)
    // 6,000 characters of text at about 2,400 a full page, plus the form: 4 pages at most.
    assert.ok(pages >= 3 && pages <= 4, `4,000 + 2,000 characters take 3–4 A4 pages, not ${pages}`)
    const texts = []
    for (let n = 1; n <= pages; n++) texts.push(pdfText(PDF, n))
    for (let n = 2; n < pages; n++) {
      assert.ok(cjkCount(texts[n - 1]) >= 1500, `page ${n} is full: ${cjkCount(texts[n - 1])} Chinese characters`)
    }
    const p1 = flat(texts[0])
    assert.ok(p1.includes(flat(`${BANK} 金融消费者投诉处理结单`)), 'page 1 holds the title with the bank name')
    assert.ok(p1.includes(flat(CONTENT_START)), 'page 1 holds the start of the content')
    // Not mostly blank: the content goes on well down page 1 (a full page holds about 2,000).
    const contentOnP1 = flat(CONTENT).slice(0, 2000)
    let k = 0
    while (k < contentOnP1.length && p1.includes(contentOnP1.slice(0, k + 50))) k += 50
    assert.ok(k >= 600, `only ${k} characters of the content on page 1`)
    assert.ok(cjkCount(texts[0]) >= 1200, `page 1 holds ${cjkCount(texts[0])} Chinese characters`)
    const all = flat(texts.join(''))
    for (const want of [CONTENT_END, REPLY_START, REPLY_END, '部分满足', '基本满意', '经办人（签字）']) {
      assert.ok(all.includes(flat(want)), `the PDF holds ${want}`)
    }
    for (let n = 1; n <= pages; n++) {
      assert.ok(flat(texts[n - 1]).includes(`第${n}页/共${pages}页`), `page ${n} is numbered: ${texts[n - 1].slice(-200)}`)
    }
    assert.ok(!all.includes('本次打印已记入审计日志'), 'the on-screen bar is not printed')
    // Each page as an image, to be looked at.
    for (const f of fs.readdirSync(SHOTS).filter((x) => /^closure-print-page-\d+\.png$/.test(x))) fs.rmSync(path.join(SHOTS, f))
    execFileSync('pdftoppm', ['-png', '-r', '60', PDF, path.join(SHOTS, 'closure-print-page')])
    console.log(`closure form: ${pages} pages; Chinese characters per page ${texts.map(cjkCount).join(', ')}; ${k}+ of the content on page 1`)
    assert.deepEqual(pageErrors, [])
  })
})
