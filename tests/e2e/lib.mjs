// Shared harness of the browser tests: a real `fcms serve` on a free port with a fresh data dir
// and the built web UI, stopped with SIGTERM at the end; Debian's /usr/bin/chromium through
// playwright-core, launched by each test with its own profile (launchBrowser); the sign-in form;
// and an API client for fixtures.
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.resolve(root, process.env.FCMS_BIN || 'build/fcms')
export const WEB = path.join(root, 'web/dist')
export const SHOTS = path.join(root, 'tests/e2e/shots')
export const ADMIN_PASSWORD = 'Fcms#Test-Root-2026'
const { chromium } = createRequire(path.join(root, 'web/package.json'))('playwright-core')

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** FCMS_TEST_CRYPTO=gm runs every server (and the demo seed) under the gm crypto profile, as in
 *  tests/api/lib/server.mjs; unset: the default profile. */
export const CRYPTO_ARGS = process.env.FCMS_TEST_CRYPTO ? ['--crypto', process.env.FCMS_TEST_CRYPTO] : []
/** FCMS_TEST_DB (a PostgreSQL URL, as tests/lib/pg.sh pg_start exports) gives every server a fresh
 *  PostgreSQL database of that cluster, dropped when it stops; unset: SQLite in the data dir. */
const PG = process.env.FCMS_TEST_DB ? await import('../api/lib/server.mjs') : null

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Starts fcms and waits for /healthz. Returns {base, dataDir, log(), stop()}.
 *  opts.seed: arguments of `fcms seed-demo` run on the fresh data dir first (the demo bank);
 *  opts.args: extra arguments of `fcms serve`. */
export async function startFcms(dirPrefix = 'fcms-e2e-data-', opts = {}) {
  assert.ok(fs.existsSync(BIN), `server binary not found: ${BIN} (build it first, or set FCMS_BIN)`)
  assert.ok(fs.existsSync(path.join(WEB, 'index.html')), 'web/dist/index.html missing: run npm run build in web/')
  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix))
  const pg = PG ? PG.createPgDatabase() : null
  const dbArgs = pg ? ['--db', pg.url] : []
  if (opts.seed) {
    execFileSync(BIN, ['seed-demo', '--data', dataDir, ...dbArgs, ...opts.seed, ...CRYPTO_ARGS], {
      env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD }, stdio: ['ignore', 'ignore', 'pipe'],
    })
  }
  const base = `http://127.0.0.1:${port}`
  let log = ''
  const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...dbArgs, '--web', WEB, ...CRYPTO_ARGS, ...(opts.args || [])], {
    env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout.on('data', (d) => { log += d })
  server.stderr.on('data', (d) => { log += d })
  let exited = null
  server.on('exit', (code, sig) => { exited = { code, sig } })
  const stop = async () => {
    if (server.exitCode === null) {
      const done = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      const t = setTimeout(() => server.kill('SIGKILL'), 10000)
      await done
      clearTimeout(t)
    }
    if (pg) PG.dropPgDatabase(pg.name)
  }
  // One SQL statement on the server's database, whichever backend (tests that age sessions).
  const sql = (text) => {
    if (pg) return PG.psql(pg.url, text)
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(dataDir, 'fcms.db'), text], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  const deadline = Date.now() + 30000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`fcms serve exited early (${JSON.stringify(exited)}):\n${log}`)
    try {
      const r = await fetch(base + '/healthz')
      if (r.status === 200) return { base, dataDir, log: () => log, stop, sql }
    } catch (e) {
      // not listening yet
    }
    await sleep(200)
  }
  await stop()
  throw new Error('fcms serve did not answer /healthz within 30 s:\n' + log)
}

// API client for setting up fixtures: Node fetch with the session cookie and the CSRF token.
export class Client {
  constructor(base, name) {
    this.base = base
    this.name = name
    this.cookie = ''
    this.csrf = ''
  }

  async req(method, p, body) {
    const headers = { Accept: 'application/json' }
    if (this.cookie) headers.Cookie = this.cookie
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf
    const init = { method, headers }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    const r = await fetch(this.base + '/api/v1' + p, init)
    for (const c of r.headers.getSetCookie()) {
      const m = /^(fcms_session=[^;]*)/.exec(c)
      if (m) this.cookie = m[1]
    }
    const text = await r.text()
    let json = null
    try {
      json = JSON.parse(text)
    } catch (e) {
      json = null
    }
    return { status: r.status, json, text }
  }

  async ok(method, p, body) {
    const r = await this.req(method, p, body)
    assert.ok(r.status >= 200 && r.status < 300, `${this.name}: ${method} ${p} → ${r.status} ${r.text.slice(0, 400)}`)
    return r.json
  }

  async login(username, password) {
    const data = await this.ok('POST', '/auth/login', { username, password })
    this.csrf = data.csrf_token
    this.user = data.user
    return data.user
  }
}

// 三员 (docs/security.md): the system admin creates accounts; a security admin grants roles and
// issues the activation code a password issued by the system admin needs. The tests play that
// security admin: the installation one (the only account the system admin may create with a
// role), made on first use — or the demo's `anquan` on a seeded store.
const secByBase = new Map()
export const E2E_SEC_PASSWORD = 'Sec-e2e@2026pass'
const DEMO_PASSWORD = 'Demo@2026fcms'

/** A signed-in security admin Client for this server. admin: any client with ok(). */
export async function securityAdmin(base, admin, orgId) {
  if (secByBase.has(base)) return secByBase.get(base)
  const sec = new Client(base, 'security admin')
  const roles = (await admin.ok('GET', '/roles')).items
  const existing = roles.find((r) => r.code === 'sec_admin').user_count > 0
  if (existing) {
    await sec.login('anquan', DEMO_PASSWORD)
  } else {
    const username = `e2e_sec_${Math.random().toString(36).slice(2, 8)}`
    const c = await admin.ok('POST', '/users', { username, name: '测试安全管理员', org_id: orgId,
      role_ids: [roles.find((r) => r.code === 'sec_admin').id] })
    await sec.login(username, c.initial_password)
    await sec.ok('POST', '/auth/password', { old_password: c.initial_password, new_password: E2E_SEC_PASSWORD })
    await sec.login(username, E2E_SEC_PASSWORD)
  }
  secByBase.set(base, sec)
  return sec
}

/** POST /users by the system admin, then the roles (ids) granted and the activation code issued
 *  by the security admin. Returns the create reply plus activation_code. */
export async function createAccount(base, admin, body, roleIds = []) {
  const sec = await securityAdmin(base, admin, body.org_id)
  const created = await admin.ok('POST', '/users', body)
  if (roleIds.length) created.user = await sec.ok('PUT', `/users/${created.user.id}/roles`, { role_ids: roleIds })
  if (created.activation_required) {
    created.activation_code = (await sec.ok('POST', `/users/${created.user.id}/activation-code`, {})).activation_code
  }
  return created
}

/** Grants roles (ids) to an existing account and issues its activation code; returns the code. */
export async function grantAndActivate(base, admin, userId, roleIds, orgId) {
  const sec = await securityAdmin(base, admin, orgId)
  if (roleIds.length) await sec.ok('PUT', `/users/${userId}/roles`, { role_ids: roleIds })
  return (await sec.ok('POST', `/users/${userId}/activation-code`, {})).activation_code
}

/** Launches Chromium with a fresh profile (1440x900, zh-CN, Asia/Shanghai, 15 s timeouts). Page
 *  errors and CSP violations of its first page are pushed to opts.errors / opts.csp, prefixed with
 *  opts.label when given. Returns {context, page, profileDir}; close the context, then remove the
 *  profile dir. */
export async function launchBrowser(prefix, { errors = [], csp = [], label = '', downloads = false } = {}) {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: downloads,
  })
  context.setDefaultTimeout(15000)
  const page = context.pages()[0] || await context.newPage()
  const tag = label ? `${label}: ` : ''
  page.on('pageerror', (e) => errors.push(tag + String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) csp.push(tag + m.text())
  })
  return { context, page, profileDir }
}

/** Signs in through the login form and waits for the page the app opens (home by default). */
export async function signIn(page, base, username, password, landing = /#\/home/) {
  await page.goto(`${base}/#/login`)
  await page.getByPlaceholder('请输入用户名').fill(username)
  await page.getByPlaceholder('请输入密码').fill(password)
  await page.locator('.login-btn').click()
  await page.waitForURL(landing, { timeout: 15000 })
  await page.waitForLoadState('networkidle')
}
