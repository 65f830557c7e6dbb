// Browser test of the consumer channel (issue 16) at 360×740 (a phone) and 1440×900: 网上投诉
// on the public site /h5/ with the code read from `fcms sms-sim`, the registrar confirming it in
// the staff UI (网上投诉登记), staff working it to an approved reply, and 投诉进度查询 as the
// consumer through to the reply and the rating. Screenshots: tests/e2e/shots/consumer-*.png.
// The public page must load under its strict CSP with no violation and no page error, and must
// not fetch anything of the staff UI.
//
// Run: make build/asan/fcms web && FCMS_BIN=build/asan/fcms node --test tests/e2e/consumer.test.mjs
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SHOTS, launchBrowser } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'
import { startServer } from '../api/lib/server.mjs'
import { complaintFixture, residentId, mobile, step } from '../api/lib/complaints.mjs'
import { startSmsSim, CODE_TEMPLATE, NUMBER_TEMPLATE, PNG } from '../api/lib/consumer.mjs'

const VIEWPORTS = [{ name: 'phone', width: 360, height: 740 }, { name: 'desktop', width: 1440, height: 900 }]

let srv, sim, fx, photo
const errors = []
const csp = []
const staffRequests = []

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  assert.ok(fs.existsSync('web/dist-h5/index.html'), 'web/dist-h5 missing: make web')
  sim = await startSmsSim()
  srv = await startServer({ config: { pow_bits: 12, sms_resend_s: 0, sms_url: sim.url } })
  fx = await complaintFixture(srv, { only: ['clerk', 'rev'] })
  photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-e2e-h5-')), '扣费凭证.png')
  fs.writeFileSync(photo, PNG)
})
after(async () => {
  await srv?.stop()
  await sim?.stop()
})

async function consumerPage(vp) {
  const b = await launchBrowser(`fcms-e2e-h5-${vp.name}-`, { errors, csp, label: vp.name })
  await b.page.setViewportSize({ width: vp.width, height: vp.height })
  b.page.on('request', (r) => { if (!/\/h5\/|\/api\/public\//.test(r.url())) staffRequests.push(r.url()) })
  return b
}

async function codeInto(page, phone, nth) {
  await page.getByRole('button', { name: /获取验证码|重新获取/ }).click()
  await page.getByText('验证码已发送').waitFor({ timeout: 30000 })
  const { code } = await sim.nth(phone, CODE_TEMPLATE, nth, 10000)
  await page.locator('input[name=code]').fill(code)
}

describe('网上投诉 and 投诉进度查询 in the browser', () => {
  for (const vp of VIEWPORTS) {
    test(`${vp.name} ${vp.width}×${vp.height}: submit, confirm, query, reply, rate`, async () => {
      const shot = screenshots(() => b.page, `consumer-${vp.name}-`, { fullPage: true })
      const phone = mobile('139'), idNo = residentId()
      const b = await consumerPage(vp)
      const page = b.page
      try {
        const main = await page.goto(`${srv.base}/h5/`)
        assert.match(main.headers()['content-security-policy'], /default-src 'none'/)
        await page.getByRole('button', { name: /我要投诉/ }).waitFor()
        await shot('home')
        // 网上投诉: phone, code from the SMS simulator
        await page.getByRole('button', { name: /我要投诉/ }).click()
        await page.locator('input[name=phone]').fill(phone)
        await codeInto(page, phone, 1)
        await shot('code')
        await page.getByRole('button', { name: '下一步' }).click()
        await page.locator('input[name=name]').waitFor()
        await page.locator('input[name=name]').fill('王小明')
        await page.locator('input[name=id_no]').fill(idNo)
        await page.locator('input[name=org_search]').fill(fx.branch.name)
        await page.locator('.pick li', { hasText: fx.branch.name }).first().click()
        await page.getByRole('button', { name: '信用卡', exact: true }).click()
        await page.locator('textarea[name=content]').fill('我的信用卡3月5日被扣了300元年费，开卡时说首年免年费，客服电话一直打不通。')
        await page.locator('textarea[name=demand]').fill('退还年费并说明收费依据')
        await page.locator('input[name=files]').setInputFiles(photo)
        await shot('form')
        await page.getByRole('button', { name: '提交投诉' }).click()
        const noEl = page.locator('[data-test=complaint-no]')
        await noEl.waitFor()
        const no = (await noEl.textContent()).trim()
        assert.equal((await sim.nth(phone, NUMBER_TEMPLATE, 1)).complaint_no, no, 'the number came by SMS too')
        assert.equal(await page.locator('.warn').count(), 0, 'the photo was uploaded')
        await shot('submitted')

        // The registrar confirms it in the staff UI (网上投诉登记) — at desktop size.
        const s = await launchBrowser(`fcms-e2e-h5-staff-${vp.name}-`, { errors, csp, label: `staff-${vp.name}` })
        let complaintId
        try {
          const ui = elementUi(() => s.page, () => srv.base)
          const staffShot = screenshots(() => s.page, `consumer-${vp.name}-staff-`)
          await ui.login(fx.clerk.username, fx.clerk.password)
          await ui.go('/complaints/online')
          const row = s.page.locator('[data-test=consumer-queue] .el-table__row', { hasText: no })
          await row.waitFor()
          assert.ok((await row.textContent()).includes(`${phone.slice(0, 3)}****${phone.slice(7)}`), 'verified phone, masked')
          await staffShot('queue')
          await row.getByRole('button', { name: '确认登记' }).click()
          const d = ui.dialog('确认登记网上投诉')
          await ui.pickCascader(d, '行政区划', ['上海市', '浦东新区'])
          await ui.pickCascader(d, '业务办理渠道', ['前台业务渠道', '营业现场'])
          await ui.pickCascader(d, '业务类别', ['银行卡', '信用卡', '信用卡使用和还款'])
          await ui.pickCascader(d, '投诉原因', ['因服务态度及服务质量引起的投诉'])
          await staffShot('confirm-dialog')
          await d.locator('[data-test=confirm-consumer]').click()
          await s.page.waitForURL(/#\/complaints\/\d+/)
          complaintId = Number(s.page.url().match(/complaints\/(\d+)/)[1])
          await s.page.locator('[data-test=consumer-card]').waitFor()
          const card = await s.page.locator('[data-test=consumer-card]').textContent()
          assert.ok(card.includes('手机号已短信验证') && card.includes('扣费凭证.png'), card)
          await staffShot('detail')
        } finally {
          await s.context.close()
        }

        // 投诉进度查询 before the reply
        await page.locator('button.big', { hasText: '返回首页' }).click()
        await page.getByRole('button', { name: /投诉进度查询/ }).click()
        await page.locator('input[name=complaint_no]').fill(no)
        await page.locator('input[name=phone]').fill(phone)
        await codeInto(page, phone, 2)
        await page.getByRole('button', { name: '下一步' }).click()
        await page.locator('[data-test=status]').waitFor()
        assert.equal(await page.locator('[data-test=status]').textContent(), '已登记，正在安排处理')
        await page.locator('textarea').last().fill('补充：扣费短信截图已上传。')
        await page.getByRole('button', { name: '提交补充材料' }).click()
        await page.getByText('补充：扣费短信截图已上传。').waitFor()
        await shot('progress-registered')

        // Staff work it to an approved reply (API), then the consumer sees it and rates.
        let c = await fx.clerk.client.ok('GET', `/complaints/${complaintId}`)
        c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id })
        c = await step(fx.clerk.client, c, 'reply', { result: 'accepted', reply_content: '经核实，年费已于今日退还至您的信用卡账户，给您带来不便深表歉意。', compensation_fen: 0 })
        await step(fx.rev.client, c, 'approve_reply')
        await page.reload()
        // The session cookie survives a reload; the page starts at home again.
        await page.getByRole('button', { name: /投诉进度查询/ }).click()
        await page.locator('input[name=complaint_no]').fill(no)
        await page.locator('input[name=phone]').fill(phone)
        await codeInto(page, phone, 3)
        await page.getByRole('button', { name: '下一步' }).click()
        await page.locator('[data-test=reply]').waitFor()
        assert.equal(await page.locator('[data-test=status]').textContent(), '已答复')
        const text = await page.locator('main').textContent()
        for (const name of [fx.clerk.username, fx.clerk.user.name, fx.rev.username, fx.rev.user.name]) assert.ok(!text.includes(name), `no staff name ${name}`)
        await shot('progress-replied')
        await page.getByRole('button', { name: '基本满意' }).click()
        await page.getByRole('button', { name: '提交评价' }).click()
        await page.getByText('您的评价：基本满意').waitFor()
        await shot('rated')
        const d2 = await fx.clerk.client.ok('GET', `/complaints/${complaintId}/consumer`)
        assert.equal(d2.messages.find((m) => m.kind === 'rating').satisfaction, 'basically_satisfied')
      } finally {
        await b.context.close()
      }
    })
  }

  test('no CSP violation, no page error, nothing of the staff UI fetched by the public site', () => {
    assert.deepEqual(csp, [])
    assert.deepEqual(errors, [])
    assert.deepEqual(staffRequests, [])
  })
})
