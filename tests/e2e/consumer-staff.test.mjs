// Browser test of the staff side of the consumer channel (issue 16, second round): on a complaint
// filed online, the 网上投诉 card links the consumer's photos and PDFs (downloaded through
// GET /complaints/{id}/consumer/files/{fid}, same bytes), and once the consumer has rated the
// reply online, the 回访 dialog comes with their satisfaction pre-selected and the note
// "投诉人已在网上评价：…" — the complaint stays 已答复 until the staff member makes the callback.
// Screenshots: tests/e2e/shots/consumer-staff-*.png.
//
// Run: make build/asan/fcms web && FCMS_BIN=build/asan/fcms node --test tests/e2e/consumer-staff.test.mjs
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { SHOTS, launchBrowser } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'
import { startServer } from '../api/lib/server.mjs'
import { complaintFixture, residentId, mobile, step } from '../api/lib/complaints.mjs'
import { startSmsSim, submitViaSms, Consumer, CODE_TEMPLATE, PNG, PDF } from '../api/lib/consumer.mjs'

const CLASSIFY = { region_code: '110105', business_channel_code: 'A0101', business_type_code: 'B03022', cause_code: 'C07', rights: ['R04'] }
let srv, sim, fx, c
const errors = []
const csp = []
const photo = Buffer.concat([PNG, Buffer.from('扣费短信截图')])

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  sim = await startSmsSim()
  srv = await startServer({ config: { pow_bits: 8, sms_resend_s: 0, sms_url: sim.url } })
  fx = await complaintFixture(srv, { only: ['clerk', 'rev'] })
  // Filed online with a photo and a PDF, confirmed, replied and approved; the consumer rates it.
  const phone = mobile('139')
  const { complaint_no: no, consumer } = await submitViaSms(srv, sim, fx.branch.id, phone, residentId())
  assert.equal((await consumer.upload('扣费短信截图.png', photo)).status, 201)
  assert.equal((await consumer.upload('信用卡领用合约.pdf', PDF)).status, 201)
  const item = (await fx.clerk.client.ok('GET', '/consumer-submissions')).items.find((i) => i.complaint_no === no)
  c = await fx.clerk.client.ok('POST', `/consumer-submissions/${item.id}/confirm`, CLASSIFY, 201)
  c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id })
  c = await step(fx.clerk.client, c, 'reply', { result: 'accepted', reply_content: '经核实，年费已退还至您的信用卡账户。', compensation_fen: 0 })
  c = await step(fx.rev.client, c, 'approve_reply')
  assert.equal(c.status, 'replied')
  const q = new Consumer(srv.base)
  assert.equal((await q.askCode('query', phone, no)).status, 202)
  const { code } = await sim.nth(phone, CODE_TEMPLATE, 2)
  assert.equal((await q.verify('query', phone, code, no)).status, 200)
  assert.equal((await q.req('POST', '/rating', { satisfaction: 'basically_satisfied', note: '处理及时，但希望以后收费前先告知' })).status, 201)
})
after(async () => {
  await srv?.stop()
  await sim?.stop()
})

test('the 网上投诉 card links the files; 回访 is pre-filled with the online rating, not done for the staff', async () => {
  const b = await launchBrowser('fcms-e2e-consumer-staff-', { errors, csp, label: 'staff', downloads: true })
  const page = b.page
  const shot = screenshots(() => page, 'consumer-staff-')
  try {
    await page.setViewportSize({ width: 1440, height: 900 })
    const ui = elementUi(() => page, () => srv.base)
    await ui.login(fx.rev.username, fx.rev.password)
    await ui.go(`/complaints/${c.id}`)
    const card = page.locator('[data-test=consumer-card]')
    await card.waitFor()
    await card.scrollIntoViewIfNeeded()
    const links = card.locator('[data-test=consumer-file] a')
    assert.deepEqual(await links.allTextContents(), ['扣费短信截图.png', '信用卡领用合约.pdf'])
    assert.match(await card.textContent(), /消费者评价：基本满意/)
    await shot('card')
    const [dl] = await Promise.all([page.waitForEvent('download'), links.first().click()])
    assert.equal(dl.suggestedFilename(), '扣费短信截图.png')
    assert.ok(fs.readFileSync(await dl.path()).equals(photo), 'the bytes the consumer uploaded')

    // 回访: the consumer's rating pre-selected, with the note; the staff member still decides.
    await page.locator('[data-test=actions]').getByRole('button', { name: '回访', exact: true }).click()
    const d = ui.dialog('回访')
    const note = d.locator('[data-test=consumer-rating-note]')
    await note.waitFor()
    assert.equal((await note.textContent()).split('，评价时间')[0], '投诉人已在网上评价：基本满意（处理及时，但希望以后收费前先告知）')
    assert.equal(await d.locator('[data-test=satisfaction] .el-radio.is-checked').textContent(), '基本满意')
    await shot('callback-dialog')
    await d.getByRole('button', { name: '取消' }).click()
    // Nothing closed or called back on the staff's behalf.
    const now = await fx.rev.client.ok('GET', `/complaints/${c.id}`)
    assert.equal(now.status, 'replied')
    assert.equal(now.callback_at ?? null, null)

    // The staff member makes the callback: what they chose is recorded.
    await page.locator('[data-test=actions]').getByRole('button', { name: '回访', exact: true }).click()
    await ui.dialog('回访').locator('[data-test=consumer-rating-note]').waitFor()
    await ui.dialog('回访').locator('textarea').fill('电话回访，投诉人确认已收到退款。')
    await ui.dialog('回访').locator('[data-test=action-confirm]').click()
    await page.locator('[data-test=facts-callback]').waitFor()
    const done = await fx.rev.client.ok('GET', `/complaints/${c.id}`)
    assert.equal(done.callback_satisfaction, 'basically_satisfied')
    await shot('called-back')
  } finally {
    await b.context.close()
  }
  assert.deepEqual(csp, [])
  assert.deepEqual(errors, [])
})
