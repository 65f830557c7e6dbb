// Browser test of 历史投诉导入 (issue 15 item 5) against a real `fcms serve`: an account holding
// only complaint.import (granted by the security admin) writes a column mapping in the dialog,
// chooses a 3 000-row CSV from the old system with broken rows, runs the dry run and watches the
// progress bar, reads the bad rows with their columns and Chinese reasons, downloads the
// row-by-row workbook, imports the checked file, and imports it again (nothing new, and the page
// says so). Screenshots at 1440x900: tests/e2e/shots/import-NN-*.png.
//
// Run: make build && (cd web && npm run build) && node --test tests/e2e/import.test.mjs
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ADMIN_PASSWORD, Client, startFcms, createAccount, launchBrowser, signIn } from './lib.mjs'
import { screenshots } from './ui.mjs'
import { historicalFile, COLUMNS } from '../api/lib/import-file.mjs'

const PASSWORD = 'Fcms#Imp2026ok'
const ROWS = 3000
let fcms, ctx, page, profile, csvPath, f
const errors = []

before(async () => {
  fcms = await startFcms('fcms-e2e-import-')
  const admin = new Client(fcms.base, 'admin')
  await admin.login('admin', ADMIN_PASSWORD)
  const orgs = (await admin.ok('GET', '/institutions')).items
  const root = orgs.find((o) => !o.parent_id) || orgs[0]
  const sec = (await import('./lib.mjs')).securityAdmin
  const secAdmin = await sec(fcms.base, admin, root.id)
  const role = await secAdmin.ok('POST', '/roles', { code: 'history_importer', name: '历史数据导入员',
    permissions: ['complaint.import'], data_scope: 'all' })
  const c = await createAccount(fcms.base, admin, { username: 'qianyi', name: '迁移专员', org_id: root.id }, [role.id])
  const u = new Client(fcms.base, 'qianyi')
  await u.login('qianyi', c.initial_password)
  await u.ok('POST', '/auth/password', { old_password: c.initial_password, new_password: PASSWORD, activation_code: c.activation_code })
  f = historicalFile({ rows: ROWS, org: root.fin_code, prefix: 'GD2021', handler: 'qianyi' })
  csvPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-e2e-csv-')), '原投诉系统台账2021-2022.csv')
  fs.writeFileSync(csvPath, f.csv)
  ;({ context: ctx, page, profileDir: profile } = await launchBrowser('fcms-e2e-import-profile-', { errors, downloads: true }))
})

after(async () => {
  await ctx?.close()
  if (profile) fs.rmSync(profile, { recursive: true, force: true })
  await fcms?.stop()
})

async function waitDone() {
  await page.locator('[data-test=job] .el-tag', { hasText: /已完成|失败/ }).waitFor({ timeout: 600000 })
}

test('the import page: mapping, dry run with progress and bad rows, report, import, second run', async () => {
  const shot = screenshots(() => page, 'import-')
  await signIn(page, fcms.base, 'qianyi', PASSWORD)
  await page.locator('.el-menu').getByText('历史投诉导入').click()
  await page.waitForURL(/#\/complaints\/import/)
  await page.getByText('历史投诉导入', { exact: true }).first().waitFor()

  // the mapping, written in the dialog
  await page.locator('[data-test=new-mapping]').click()
  const dlg = page.locator('[data-test=mapping-dialog]')
  await dlg.locator('input[data-test=mapping-name], [data-test=mapping-name] input').fill('原投诉系统V3')
  for (const [k, v] of Object.entries(COLUMNS)) await dlg.locator(`input[data-test=col-${k}], [data-test=col-${k}] input`).fill(v)
  await shot('mapping-dialog')
  await dlg.locator('[data-test=mapping-save]').click()
  await page.getByText('列映射“原投诉系统V3”已保存').waitFor()

  // the dry run
  await page.locator('[data-test=file]').setInputFiles(csvPath)
  await page.locator('[data-test=dry-run]').click()
  await page.locator('[data-test=progress]').waitFor()
  await page.locator('[data-test=job] .el-tag', { hasText: /进行中|已完成/ }).waitFor({ timeout: 60000 })
  await shot('dry-run-progress')
  await waitDone()
  await page.locator('[data-test=errors]').waitFor()
  const summary = await page.locator('[data-test=summary]').innerText()
  assert.match(summary, new RegExp(`共 ${ROWS} 行，可导入 ${f.good} 行，错误 ${f.bad.size} 行`))
  const firstBad = Math.min(...f.bad.keys())
  const row = page.locator('[data-test=errors] .el-table__row').first()
  assert.match(await row.innerText(), new RegExp(`^${firstBad}\\s`))
  assert.match(await row.innerText(), /投诉原因代码“C9999”不在 JR\/T 0169 代码表中/)
  await shot('dry-run-errors')

  // the row-by-row workbook
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=report]').click()])
  assert.match(dl.suggestedFilename(), /导入校验报告-任务\d+\.xlsx/)
  const saved = path.join(os.tmpdir(), `import-report-${process.pid}.xlsx`)
  await dl.saveAs(saved)
  assert.ok(fs.statSync(saved).size > 10000)
  fs.rmSync(saved)

  // the import of the checked file
  await page.locator('[data-test=import-checked]').click()
  await page.locator('[data-test=job] .page-title', { hasText: '导入 ·' }).waitFor()
  await waitDone()
  assert.match(await page.locator('[data-test=summary]').innerText(), new RegExp(`导入 ${f.good} 行`))
  await shot('imported')

  // the same file again: nothing new
  await page.locator('[data-test=file]').setInputFiles(csvPath)
  await page.locator('[data-test=import]').click()
  await page.locator('.el-message-box').getByRole('button', { name: '导入' }).click()
  await page.waitForTimeout(500)
  await waitDone()
  assert.match(await page.locator('[data-test=summary]').innerText(), new RegExp(`没有新导入的投诉：${f.good} 行此前已导入`))
  await page.locator('[data-test=jobs] .el-table__row').nth(2).waitFor()
  await shot('second-run')
  assert.deepEqual(errors, [])
})
