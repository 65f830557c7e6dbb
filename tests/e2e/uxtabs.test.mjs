// Browser test of issue 12 items 9, 12 and 16 on the demo bank (seed-demo, real Chinese data):
//   9  the head-office 分派 dialog groups the handlers by institution, the complaint's own
//      institution first, and searches them by name, username or institution;
//   12 an expired session lands on the login page with 会话已过期 and, after sign-in, returns to the
//      page the user was on; ?redirect= to another site is ignored;
//   16 page tabs under the top bar: a tab per visited page, switching keeps the page alive (filters,
//      scroll), × closes, the tab menu offers 刷新 / 关闭其他 / 关闭全部, the home tab is fixed, a
//      complaint's tab shows its number.
// Screenshots: tests/e2e/shots/uxtabs-NN-*.png.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { SHOTS, ADMIN_PASSWORD, startFcms, launchBrowser, Client } from './lib.mjs'
import { elementUi, screenshots } from './ui.mjs'

const DEMO_PASSWORD = 'Demo@2026fcms'
let fcms = null
let browser = null
let page = null
let base = ''
const pageErrors = []
const shot = screenshots(() => page, 'uxtabs-')
const { dialog, expectMessage, go, login, menu, pickTree, formItem } = elementUi(() => page, () => base)

async function api(username) {
  const c = new Client(base, username)
  await c.login(username, username === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD)
  return c
}

async function signInAs(username) {
  await page.context().clearCookies()
  await page.goto('about:blank') // a fresh app: no signed-in state, no tabs left from before
  await login(username, DEMO_PASSWORD)
}

// Ages every session past the idle and absolute limits, as if the user had left the desk.
function expireSessions() {
  fcms.sql('UPDATE sessions SET created_at = 0, last_seen_at = 0')
}

async function openPage(title, url) {
  await menu(title)
  await page.waitForURL(url)
  await page.waitForLoadState('networkidle')
}

const tabs = () => page.locator('[data-test=tags-view] [data-test=tag]')
async function tabTitles() {
  return (await tabs().allInnerTexts()).map((s) => s.trim())
}
const tab = (title) => tabs().filter({ hasText: title }).first()
const activeTab = () => page.locator('[data-test=tags-view] .tag.active')
const mainScroll = () => page.locator('.main').first()

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true })
  fcms = await startFcms('fcms-e2e-uxtabs-data-', { seed: ['--complaints', '400', '--seed', '7'] })
  base = fcms.base
  browser = await launchBrowser('fcms-e2e-uxtabs-prof-', { errors: pageErrors })
  page = browser.page
})
after(async () => {
  if (browser) {
    await browser.context.close()
    fs.rmSync(browser.profileDir, { recursive: true, force: true })
  }
  if (fcms) await fcms.stop()
})

describe('issue 12 items 9, 12, 16', () => {
  test('item 9: 分派 lists handlers grouped by institution, own institution first, searchable', async () => {
    const rev = await api('xiaobao1')
    const list = (await rev.ok('GET', '/complaints?status=processing&page_size=100')).items
      .filter((c) => (c.actions || []).includes('assign') && c.complained_org_id !== 1 && !c.pending)
    assert.ok(list.length, 'demo data has a complaint the head office may assign')
    const all = (await rev.ok('GET', `/complaints/${list[0].id}/assignees?org_id=1`)).items
    const orgCount = new Set(all.map((u) => u.org_id)).size
    assert.ok(all.length > 30 && orgCount > 10, `head office sees handlers of many branches (${all.length} in ${orgCount})`)
    // Preferably one whose 被投诉机构 has handlers of its own.
    const target = list.find((c) => all.some((u) => u.org_id === c.complained_org_id)) || list[0]
    const orgs = (await rev.ok('GET', '/institutions')).items
    const ownPath = orgs.find((o) => o.id === target.complained_org_id).path
    const under = all.filter((u) => u.org_path.startsWith(ownPath))
    const above = all.filter((u) => ownPath.startsWith(u.org_path)).sort((a, b) => b.org_path.length - a.org_path.length)
    const firstOrg = under.some((u) => u.org_id === target.complained_org_id)
      ? `${target.complained_org_name}（被投诉机构）`
      : under.length ? null : `${above[0].org_name}（被投诉机构的上级机构）`

    await signInAs('xiaobao1')
    await go(`/complaints/${target.id}`)
    await page.locator('[data-test=actions] button', { hasText: /^\s*分派\s*$/ }).click()
    const d = dialog('分派')
    await d.waitFor()
    await pickTree(d, '处理机构', '总行')
    await page.waitForLoadState('networkidle')
    await d.locator('[data-test=assign-user] .el-select__wrapper').click()
    const popper = page.locator('.assign-user-popper:visible')
    await popper.locator('.el-select-group__title').first().waitFor()
    const titles = (await popper.locator('.el-select-group__title').allInnerTexts()).map((s) => s.trim())
    assert.equal(titles.length, orgCount, 'one group per institution')
    if (firstOrg) assert.equal(titles[0], firstOrg, `own institution first: ${titles.slice(0, 3)}`)
    else assert.ok(under.some((u) => u.org_name === titles[0]), `an institution under the complained one first: ${titles[0]}`)
    assert.equal(await popper.locator('.el-select-dropdown__item').count(), all.length, 'every handler listed once')
    // The first group holds the handlers of that institution.
    const firstName = titles[0].replace(/（.*）$/, '')
    const ownHandlers = all.filter((u) => u.org_name === firstName).map((u) => u.name)
    const firstGroup = popper.locator('.el-select-group__wrap').first()
    for (const n of ownHandlers) assert.match(await firstGroup.innerText(), new RegExp(n))
    // Then the institutions above it, nearest first; the others in tree order (a province before its cities).
    const names = titles.map((t) => t.replace(/（.*）$/, ''))
    const aboveNames = [...new Set(above.map((u) => u.org_name))].filter((n) => !under.some((u) => u.org_name === n))
    const underCount = new Set(under.map((u) => u.org_id)).size
    assert.deepEqual(names.slice(underCount, underCount + aboveNames.length), aboveNames)
    if (!ownPath.startsWith('/1/137/')) assert.ok(names.indexOf('江苏省分行') < names.indexOf('南京市分行'), `a province before its cities: ${names}`)
    await shot('assign-grouped')

    // Searching by institution name.
    await d.locator('[data-test=assign-user] input').fill('南京')
    await page.waitForTimeout(300)
    const found = (await popper.locator('.el-select-group__title').allInnerTexts()).map((s) => s.trim())
    assert.ok(found.length >= 1 && found.every((t) => t.includes('南京')), `search by institution: ${found}`)
    await shot('assign-search-org')
    // Searching by a handler's name picks them.
    const pick = all.find((u) => u.org_name === '南京市分行') || all[all.length - 1]
    await d.locator('[data-test=assign-user] input').fill(pick.name)
    await page.waitForTimeout(300)
    assert.equal(await popper.locator('.el-select-dropdown__item:visible').count(), all.filter((u) => `${u.name}（${u.username}） ${u.org_name}`.includes(pick.name)).length)
    await popper.locator('.el-select-dropdown__item:visible', { hasText: pick.name }).first().click()
    assert.match(await d.locator('[data-test=assign-user]').innerText(), new RegExp(pick.name))
    await d.locator('[data-test=action-confirm]').click()
    await expectMessage('已分派')
    const after = await rev.ok('GET', `/complaints/${target.id}`)
    assert.equal(after.handler_id, pick.id)
  })

  test('item 12: an expired session says so on the login page and returns to the page after sign-in', async () => {
    await signInAs('xiaobao1')
    await go('/complaints/search')
    await page.locator('[data-test=complaints-table] tr.el-table__row').first().waitFor()
    expireSessions()
    // The next click: 待办处理 asks the server, which answers 401 session_expired.
    await page.locator('.side-menu .el-menu-item', { hasText: /^\s*待办处理\s*$/ }).click()
    await page.waitForURL(/#\/login\?/)
    const notice = page.locator('[data-test=login-notice]')
    await notice.waitFor()
    assert.match(await notice.innerText(), /会话已过期，请重新登录/)
    const url = new URL(page.url())
    assert.match(decodeURIComponent(url.hash), /redirect=\/complaints\/todo/)
    await shot('session-expired-login')
    await page.getByPlaceholder('请输入用户名').fill('xiaobao1')
    await page.getByPlaceholder('请输入密码').fill(DEMO_PASSWORD)
    await page.locator('.login-btn').click()
    await page.waitForURL(/#\/complaints\/todo$/)
    await page.waitForLoadState('networkidle')
    await page.locator('.page').first().waitFor()
    await shot('session-expired-back')

    // A plain visit to the login page shows no notice.
    await page.context().clearCookies()
    await page.goto(`${base}/#/login`)
    await page.reload()
    await page.getByPlaceholder('请输入用户名').waitFor()
    assert.equal(await page.locator('[data-test=login-notice]').count(), 0)

    // Another site (or a protocol-relative URL) in ?redirect= is ignored: home instead.
    for (const evil of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      await page.context().clearCookies()
      await page.goto(`${base}/#/login?redirect=${encodeURIComponent(evil)}`)
      await page.reload()
      await page.getByPlaceholder('请输入用户名').fill('xiaobao1')
      await page.getByPlaceholder('请输入密码').fill(DEMO_PASSWORD)
      await page.locator('.login-btn').click()
      await page.waitForURL(/#\/home$/)
      assert.ok(page.url().startsWith(base + '/'), `${evil}: stayed on ${page.url()}`)
    }
    await shot('evil-redirect-home')
  })

  test('item 16: page tabs keep pages alive; close, 刷新, 关闭其他, 关闭全部; home fixed', async () => {
    await signInAs('xiaobao1')
    assert.deepEqual(await tabTitles(), ['首页'])
    assert.equal(await tab('首页').locator('[data-test=tag-close]').count(), 0, 'the home tab cannot be closed')

    await openPage('投诉单查询', /#\/complaints\/search/)
    const table = page.locator('[data-test=complaints-table] tr.el-table__row')
    await table.first().waitFor()
    const keyword = formItem(page.locator('[data-test=search-filters]'), '关键字').locator('input')
    await keyword.fill('信用卡')
    const scroll = mainScroll()
    const canScroll = await scroll.evaluate((el) => el.scrollHeight - el.clientHeight)
    assert.ok(canScroll > 200, `the search page scrolls (${canScroll})`)
    await scroll.evaluate((el) => { el.scrollTop = 200 })
    // A mark on the page's element: the same element (instance) is shown again, not a new one.
    await page.locator('[data-test=search-filters]').evaluate((el) => { el.dataset.kept = 'yes' })

    await openPage('待办处理', /#\/complaints\/todo/)
    await openPage('回访处理', /#\/complaints\/callbacks/)
    assert.deepEqual(await tabTitles(), ['首页', '投诉单查询', '待办处理', '回访处理'])
    assert.equal((await activeTab().innerText()).trim(), '回访处理')

    // Back to 投诉单查询 by its tab: the typed keyword and the scroll position are still there.
    await tab('投诉单查询').click()
    await page.waitForURL(/#\/complaints\/search/)
    assert.equal(await keyword.inputValue(), '信用卡')
    assert.equal(await page.locator('[data-test=search-filters]').getAttribute('data-kept'), 'yes')
    await page.waitForTimeout(100)
    assert.equal(await scroll.evaluate((el) => el.scrollTop), 200)
    await shot('tabs-kept-alive')

    // A complaint opened from the list: its tab carries the complaint number.
    await scroll.evaluate((el) => { el.scrollTop = 0 })
    await table.first().click()
    await page.waitForURL(/#\/complaints\/\d+$/)
    await page.waitForLoadState('networkidle')
    const detailNo = (await page.locator('[data-test=complaint-no]').innerText()).trim()
    await activeTab().filter({ hasText: /投诉 / }).waitFor()
    const detailTitle = (await activeTab().innerText()).trim()
    assert.equal(detailTitle, `投诉 ${detailNo}`)

    // The tab menu (right-click).
    await tab('待办处理').click({ button: 'right' })
    const ctx = page.locator('[data-test=tags-menu]')
    await ctx.waitFor()
    assert.deepEqual((await ctx.locator('li').allInnerTexts()).map((s) => s.trim()), ['刷新', '关闭', '关闭其他', '关闭全部'])
    await shot('tabs-context-menu')
    await page.keyboard.press('Escape')
    await page.mouse.click(700, 600)
    await ctx.waitFor({ state: 'hidden' })

    // × on the current (detail) tab: the tab on its right, else left, becomes current.
    await activeTab().locator('[data-test=tag-close]').click()
    await page.waitForURL(/#\/complaints\/callbacks/)
    assert.deepEqual(await tabTitles(), ['首页', '投诉单查询', '待办处理', '回访处理'])

    // 刷新 on 投诉单查询: a new instance, the typed keyword gone.
    await tab('投诉单查询').click({ button: 'right' })
    await ctx.locator('li', { hasText: '刷新' }).click()
    await page.waitForURL(/#\/complaints\/search/)
    await table.first().waitFor()
    assert.equal(await keyword.inputValue(), '')
    assert.equal(await page.locator('[data-test=search-filters]').getAttribute('data-kept'), null, '刷新 mounts a new page')
    await keyword.fill('存款')

    // 关闭其他 on 投诉单查询: only 首页 and it remain, still alive.
    await tab('投诉单查询').click({ button: 'right' })
    await ctx.locator('li', { hasText: '关闭其他' }).click()
    assert.deepEqual(await tabTitles(), ['首页', '投诉单查询'])
    assert.equal(await keyword.inputValue(), '存款')
    await shot('tabs-close-others')

    // Closing a page drops its kept instance: reopened, it starts blank.
    await openPage('待办处理', /#\/complaints\/todo/)
    await tab('投诉单查询').locator('[data-test=tag-close]').click()
    assert.deepEqual(await tabTitles(), ['首页', '待办处理'])
    await openPage('投诉单查询', /#\/complaints\/search/)
    assert.equal(await keyword.inputValue(), '')

    // 关闭全部 from the ▾ menu: home alone, and current.
    await page.locator('[data-test=tags-more]').click()
    await page.locator('.el-dropdown-menu__item:visible', { hasText: '关闭全部' }).click()
    await page.waitForURL(/#\/home$/)
    assert.deepEqual(await tabTitles(), ['首页'])
    assert.equal((await activeTab().innerText()).trim(), '首页')
    await shot('tabs-close-all')
    assert.deepEqual(pageErrors, [])
  })
})
