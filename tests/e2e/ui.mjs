// Element Plus helpers for the browser tests: find form items by their label, fill inputs, pick
// from selects, tree selects and cascaders, work dialogs, message boxes, tables and the side
// menu, sign in and out. Every helper acts on the page the test has at the time of the call.
//
//   const ui = elementUi(() => page, () => base)
//   await ui.fill(ui.dialog('新增用户'), '用户名', 'alice')
import path from 'node:path'
import { SHOTS } from './lib.mjs'

/** Screenshot taker: shot(name) saves SHOTS/<prefix>NN-<name>.png after transitions settle. */
export function screenshots(getPage, prefix, { settleMs = 350, fullPage = false } = {}) {
  let n = 0
  return async function shot(name) {
    n += 1
    const page = getPage()
    await page.waitForTimeout(settleMs) // let transitions (dialogs, messages, charts) settle
    await page.screenshot({ path: path.join(SHOTS, `${prefix}${String(n).padStart(2, '0')}-${name}.png`), fullPage })
  }
}

export function elementUi(getPage, getBase) {
  const page = () => getPage()

  function formItem(scope, label) {
    return scope.locator('.el-form-item').filter({
      has: page().locator('.el-form-item__label', { hasText: new RegExp(`^\\s*${label}\\s*$`) }),
    }).first()
  }

  async function fill(scope, label, value) {
    const input = formItem(scope, label).locator('input, textarea').first()
    await input.fill(value)
    await input.blur()
  }

  async function pickSelect(scope, label, optionText) {
    await formItem(scope, label).locator('.el-select__wrapper').first().click()
    await page().locator('.el-select-dropdown__item:visible', { hasText: optionText }).first().click()
  }

  // el-tree-select: open, click the node whose label is exactly `name`, close if still open.
  async function pickTree(scope, label, name) {
    await formItem(scope, label).locator('.el-select__wrapper').first().click()
    const node = page().locator('.el-select-dropdown:visible .el-tree-node__content')
      .filter({ has: page().locator('.el-tree-node__label, span', { hasText: new RegExp(`^${name}$`) }) }).first()
    await node.click()
    await page().keyboard.press('Escape').catch(() => {})
  }

  // el-cascader: open it, then click one node per level (lazy levels load on the way).
  async function pickCascader(scope, label, steps) {
    await formItem(scope, label).locator('.el-cascader').first().click()
    const panel = page().locator('.el-cascader__dropdown:visible').last()
    await panel.waitFor()
    for (let i = 0; i < steps.length; i++) {
      const node = panel.locator('.el-cascader-menu').nth(i).locator('.el-cascader-node', { hasText: steps[i] }).first()
      await node.waitFor()
      await node.click()
    }
    await panel.waitFor({ state: 'hidden' })
  }

  function dialog(title) {
    return page().locator('.el-dialog:visible').filter({
      has: page().locator('.el-dialog__title', { hasText: title }),
    }).last()
  }

  async function confirmBox(button) {
    const box = page().locator('.el-message-box:visible').last()
    await box.waitFor()
    const handle = await box.elementHandle()
    await box.locator('.el-message-box__btns button', { hasText: button }).click()
    await handle.waitForElementState('hidden')
  }

  async function expectMessage(text) {
    await page().locator('.el-message', { hasText: text }).first().waitFor({ timeout: 10000 })
  }

  async function clearMessages() {
    await page().locator('.el-message').last().waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {})
  }

  function row(tableSel, text) {
    return page().locator(`${tableSel} .el-table__body-wrapper tr.el-table__row`).filter({ hasText: text }).first()
  }

  // Clicks a button of the table row that contains `text` (waiting for that row to appear).
  async function rowButton(tableSel, text, button) {
    const rows = page().locator(`${tableSel} .el-table__body-wrapper tr.el-table__row`)
    await rows.filter({ hasText: text }).first().waitFor()
    const n = await rows.count()
    for (let i = 0; i < n; i++) {
      if ((await rows.nth(i).innerText()).includes(text)) {
        await rows.nth(i).locator('button', { hasText: button }).first().click()
        return
      }
    }
    throw new Error(`row "${text}" not found in ${tableSel}`)
  }

  async function menuTexts() {
    return (await page().locator('.side-menu .el-menu-item').allInnerTexts()).map((s) => s.trim()).filter(Boolean)
  }

  async function menu(title) {
    await page().locator('.side-menu .el-menu-item', { hasText: new RegExp(`^\\s*${title}\\s*$`) }).click()
    await page().waitForLoadState('networkidle')
  }

  async function go(hash) {
    await page().goto(`${getBase()}/#${hash}`)
    await page().waitForLoadState('networkidle')
  }

  // Signs in through the form; with expectOk, waits for home or the forced password change.
  async function login(username, password, { expectOk = true } = {}) {
    await go('/login')
    await page().getByPlaceholder('请输入用户名').fill(username)
    await page().getByPlaceholder('请输入密码').fill(password)
    await page().locator('.login-btn').click()
    if (expectOk) {
      await page().waitForURL(/#\/(home|password)/, { timeout: 15000 })
      await page().waitForLoadState('networkidle')
    }
  }

  async function logout() {
    await page().getByRole('button', { name: '退出登录' }).click()
    await confirmBox('退出')
    await page().waitForURL(/#\/login/)
  }

  // activationCode: the security admin's code a password issued by the system admin needs.
  async function changePassword(oldPw, newPw, activationCode) {
    const card = page().locator('.pw-card')
    await fill(card, '当前密码', oldPw)
    if (activationCode) await fill(card, '激活码', activationCode)
    await fill(card, '新密码', newPw)
    await fill(card, '确认新密码', newPw)
    await card.getByRole('button', { name: '确认修改' }).click()
    await expectMessage('密码修改成功')
    await page().waitForURL(/#\/home/, { timeout: 15000 })
  }

  // The one-time secret (initial password, API token) a dialog shows once.
  async function readSecret(title) {
    const d = dialog(title)
    await d.waitFor()
    const value = (await d.locator('[data-test=one-time-secret]').innerText()).trim()
    if (!/仅显示一次/.test(await d.innerText())) throw new Error(`dialog "${title}" does not say the secret is shown once`)
    if (value.length < 8) throw new Error(`one-time secret looks empty: "${value}"`)
    return { d, value }
  }

  return {
    formItem, fill, pickSelect, pickTree, pickCascader, dialog, confirmBox, expectMessage, clearMessages, row,
    rowButton, menuTexts, menu, go, login, logout, changePassword, readSecret,
  }
}
