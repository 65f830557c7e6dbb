// Shared harness of the browser tests: a real `fcms serve` on a free port with a fresh data dir
// and the built web UI, stopped with SIGTERM at the end. The browser itself (Debian's
// /usr/bin/chromium through playwright-core) is launched by each test with its own profile.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.resolve(root, process.env.FCMS_BIN || 'build/fcms')
export const WEB = path.join(root, 'web/dist')
export const SHOTS = path.join(root, 'tests/e2e/shots')
export const ADMIN_PASSWORD = 'Admin@12345678'

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

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

/** Starts fcms (with extra command-line args) and waits for /healthz. Returns {base, dataDir, log(), stop()}. */
export async function startFcms(dirPrefix = 'fcms-e2e-data-', extraArgs = []) {
  assert.ok(fs.existsSync(BIN), `server binary not found: ${BIN} (build it first, or set FCMS_BIN)`)
  assert.ok(fs.existsSync(path.join(WEB, 'index.html')), 'web/dist/index.html missing: run npm run build in web/')
  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix))
  const base = `http://127.0.0.1:${port}`
  let log = ''
  const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--web', WEB, ...extraArgs], {
    env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout.on('data', (d) => { log += d })
  server.stderr.on('data', (d) => { log += d })
  let exited = null
  server.on('exit', (code, sig) => { exited = { code, sig } })
  const stop = async () => {
    if (server.exitCode !== null) return
    const done = new Promise((r) => server.once('exit', r))
    server.kill('SIGTERM')
    const t = setTimeout(() => server.kill('SIGKILL'), 10000)
    await done
    clearTimeout(t)
  }
  const deadline = Date.now() + 30000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`fcms serve exited early (${JSON.stringify(exited)}):\n${log}`)
    try {
      const r = await fetch(base + '/healthz')
      if (r.status === 200) return { base, dataDir, log: () => log, stop }
    } catch (e) {
      // not listening yet
    }
    await sleep(200)
  }
  await stop()
  throw new Error('fcms serve did not answer /healthz within 30 s:\n' + log)
}
