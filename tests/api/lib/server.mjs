// Test harness for the fcms API suite: starts a real `fcms serve` on a free port with a fresh
// data dir (and, when FCMS_TEST_DB is set, a fresh PostgreSQL database), and offers small HTTP
// clients: a cookie+CSRF session client, a bearer client, and raw helpers for requests that a
// normal client would rewrite (dot segments, chunked bodies).
// It must not hide server faults: stop() asserts a clean exit (sanitizer builds exit non-zero on
// leaks) and, by default, that `fcms audit-verify` accepts the chain the server left behind.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FCMS_BIN = path.resolve(REPO, process.env.FCMS_BIN || 'build/fcms');
export const ADMIN_PASSWORD = 'Fcms#Test-Root-2026';
export const PG_URL = process.env.FCMS_TEST_DB || null;
export const BACKEND = PG_URL ? 'postgresql' : 'sqlite';
const PG_BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
export const PSQL = fs.existsSync(path.join(PG_BIN, 'psql')) ? path.join(PG_BIN, 'psql') : 'psql';
const START_TIMEOUT_MS = Number(process.env.FCMS_TEST_START_TIMEOUT_MS || 30000);

const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

export function uid(prefix = 'x') {
  return `${prefix}${crypto.randomBytes(4).toString('hex')}`;
}

// Four character classes, long, random: accepted by both the 等保 and the ASVS profile and by the
// cracklib dictionary check, which calls a run of neighbouring characters ("cdcab", "6545")
// "systematic" — so no two neighbours are one step apart (a hex string failed ~0.4% of the time).
export function strongPassword() {
  const alphabet = 'abdeghkmnpqrstuwxyzACDFGHJKLMNPRSTUVWXYZ2345789';
  let s = '';
  while (s.length < 12) {
    const ch = alphabet[crypto.randomInt(alphabet.length)];
    const prev = s ? s[s.length - 1].toLowerCase().charCodeAt(0) : -10;
    if (Math.abs(ch.toLowerCase().charCodeAt(0) - prev) > 1) s += ch;
  }
  return `Pw-${s}-Qz9!`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- PostgreSQL helpers -------------------------------------------------------------------

export function pgUrlFor(dbName) {
  const u = new URL(PG_URL);
  u.pathname = '/' + dbName;
  return u.toString();
}

export function psql(url, sql) {
  const r = spawnSync(PSQL, [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${sql}\n${r.stderr}`);
  return r.stdout;
}

export function createPgDatabase(template) {
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  psql(PG_URL, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  return { name, url: pgUrlFor(name) };
}

export function dropPgDatabase(name) {
  try { psql(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* best effort */ }
}

// ---- the fcms command --------------------------------------------------------------------

export function runFcms(args, opts = {}) {
  // Commands that create a database take the suite's profile too (see cryptoArgs).
  if (['init', 'seed-demo'].includes(args[0]) && !args.includes('--crypto')) args = [...args, ...cryptoArgs()];
  const r = spawnSync(FCMS_BIN, args, {
    encoding: 'utf8',
    timeout: opts.timeout || 120000,
    env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD, ...(opts.env || {}) },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '',
    output: (r.stdout || '') + (r.stderr || ''), error: r.error };
}

/**
 * FCMS_TEST_CRYPTO=gm runs every server under the gm crypto profile: `--crypto gm` is what
 * `fcms init --crypto gm` does for a new database (the same code, before the first event), and a
 * no-op for a data dir that is already gm. Unset: the default profile, as before.
 */
export function cryptoArgs(profile = process.env.FCMS_TEST_CRYPTO) {
  return profile ? ['--crypto', profile] : [];
}

/**
 * Start `fcms serve`. Options:
 *   config      {key: value} written as `key = value` lines to DATA/fcms.conf, passed with --config
 *               (list_count_ms is 0, no bound on a list's count, unless given here)
 *   dataDir     reuse this data dir (default: a fresh temp dir)
 *   db          database URL to use (default: a fresh PostgreSQL database when FCMS_TEST_DB is
 *               set, else none = SQLite in the data dir)
 *   env         extra environment
 *   verifyAudit run `fcms audit-verify` after a clean stop and assert exit 0 (default true)
 *   keep        do not delete the data dir / database on stop (default false)
 *   crypto      'gm' | 'default' passed as --crypto; false for none (default: FCMS_TEST_CRYPTO)
 *   keysFrom    a data dir whose keys/ is copied into this one first: a second instance of the
 *               same database needs the same keys (fcms refuses to start otherwise)
 * Returns {base, port, dataDir, db, dbName, dbArgs, logs(), stop()}.
 */
export async function startServer(opts = {}) {
  const port = await freePort();
  const dataDir = opts.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-api-'));
  if (opts.keysFrom) fs.cpSync(path.join(opts.keysFrom, 'keys'), path.join(dataDir, 'keys'), { recursive: true });
  let db = opts.db ?? null;
  let dbName = null;
  let ownDb = false;
  if (!db && PG_URL && opts.db !== false) {
    const created = createPgDatabase();
    db = created.url;
    dbName = created.name;
    ownDb = true;
  } else if (db) {
    dbName = new URL(db).pathname.slice(1);
  }
  const dbArgs = db ? ['--db', db] : [];
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...dbArgs,
    ...(opts.crypto === false ? [] : cryptoArgs(opts.crypto ?? process.env.FCMS_TEST_CRYPTO))];
  // The config file is `key = value` lines (src/config.c); flags given here override it. A
  // list's SQL count has no time bound unless the test sets one (list_count_ms, default 50 ms in
  // a server): totals asserted exactly must not depend on how busy the machine is.
  const config = { list_count_ms: 0, ...(opts.config || {}) };
  const cfg = path.join(dataDir, 'fcms.conf');
  fs.writeFileSync(cfg, Object.entries(config).map(([k, v]) => `${k} = ${v}\n`).join(''));
  args.push('--config', cfg);
  const child = spawn(FCMS_BIN, args, {
    env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let logText = '';
  child.stdout.on('data', (d) => { logText += d; });
  child.stderr.on('data', (d) => { logText += d; });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; live.delete(child); resolve(exited); });
  });
  const base = `http://127.0.0.1:${port}`;
  const tail = () => logText.split('\n').slice(-60).join('\n');

  function cleanupAfterFailedStart() {
    if (process.env.FCMS_TEST_KEEP) return;
    if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (ownDb) dropPgDatabase(dbName);
  }

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      cleanupAfterFailedStart();
      throw new Error(`fcms serve exited early (${JSON.stringify(exited)}): ${args.join(' ')}\n${tail()}`);
    }
    try {
      const r = await request(base, 'GET', '/healthz', { timeout: 2000 });
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      cleanupAfterFailedStart();
      throw new Error(`fcms serve did not answer /healthz 200 within ${START_TIMEOUT_MS} ms\n${tail()}`);
    }
    await sleep(100);
  }

  let stopped = false;
  async function stop({ verifyAudit = opts.verifyAudit !== false, keep = opts.keep } = {}) {
    if (stopped) return;
    stopped = true;
    if (!exited) child.kill('SIGTERM');
    // The server stops in well under a second (release build: 0.4 s). The ASan build's
    // LeakSanitizer then walks the quarantine of freed chunks, which a gm server's password
    // hashes fill (OpenSSL's PBKDF2 frees a context on each of 100,000 rounds): seconds, tens of
    // seconds on a loaded machine. The wait covers that; a server that does not stop still fails.
    const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, args.includes('gm') ? 60000 : 15000);
    const res = await exitPromise;
    clearTimeout(timer);
    try {
      assert.deepEqual(res, { code: 0, signal: null },
        `fcms serve must exit 0 on SIGTERM; got ${JSON.stringify(res)}\n${tail()}`);
      if (verifyAudit) {
        const v = runFcms(['audit-verify', '--data', dataDir, ...dbArgs]);
        assert.equal(v.status, 0, `fcms audit-verify after the run must exit 0; got ${v.status} ${v.signal || ''} ${v.error || ''}\n${v.output}`);
      }
    } finally {
      // FCMS_TEST_KEEP=1 keeps the data dir and database for a post-mortem.
      if (!keep && !process.env.FCMS_TEST_KEEP) {
        if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
        if (ownDb) dropPgDatabase(dbName);
      }
    }
  }
  return { base, port, dataDir, db, dbName, dbArgs, logs: () => logText, stop, child };
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// ---- HTTP ---------------------------------------------------------------------------------

function parseBody(text, headers) {
  const ct = headers['content-type'] || '';
  if (ct.includes('json') || /^\s*[{[]/.test(text)) {
    try { return JSON.parse(text); } catch { return undefined; }
  }
  return undefined;
}

function makeResponse(status, headers, buf) {
  const text = buf.toString('utf8');
  const raw = headers['set-cookie'];
  const setCookies = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return { status, headers, text, json: parseBody(text, headers), setCookies };
}

/**
 * One request on a fresh connection (no keep-alive, so a server restart never meets a stale
 * pooled socket). body: object → JSON; string/Buffer → sent as is.
 */
export function request(base, method, urlPath, { body, headers = {}, timeout = 30000 } = {}) {
  const u = new URL(base);
  let payload = null;
  const h = { Connection: 'close', ...headers };
  if (body !== undefined && body !== null) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) payload = Buffer.from(body);
    else payload = Buffer.from(JSON.stringify(body));
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    h['Content-Length'] = payload.length;
  }
  return new Promise((resolve, reject) => {
    let response = null;
    const req = http.request({ host: u.hostname, port: u.port, method, path: urlPath, headers: h, agent: false, timeout },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => { response = makeResponse(res.statusCode, res.headers, Buffer.concat(chunks)); resolve(response); });
        res.on('error', (e) => { if (!response) reject(e); });
      });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${urlPath}`)));
    // A server may answer an oversized body (413) and close before it has read it all; the write
    // then fails (EPIPE/ECONNRESET) while the reply is on its way, so give the reply a moment.
    req.on('error', (e) => { if (!response) setTimeout(() => { if (!response) reject(e); }, 300); });
    if (!payload || payload.length <= 16384) {
      if (payload) req.write(payload);
      req.end();
      return;
    }
    // Large bodies: headers first, then a pause in which a server that judges by Content-Length
    // alone can answer; then the body in slices, stopping as soon as a reply arrives.
    (async () => {
      req.flushHeaders();
      for (let i = 0; i < 10 && !req.res && !req.destroyed; i++) await sleep(20);
      for (let off = 0; off < payload.length; off += 16384) {
        if (req.destroyed || response || req.res) break;
        if (!req.write(payload.subarray(off, off + 16384))) {
          await new Promise((r) => { req.once('drain', r); req.once('close', r); });
        }
      }
      if (!req.destroyed) req.end();
    })().catch(() => { /* reported through 'error' */ });
  });
}

/**
 * A request whose body goes out with Transfer-Encoding: chunked and no Content-Length. The server
 * may answer (e.g. 413) and close before all chunks are written; write errors are then ignored.
 */
export function chunkedRequest(base, method, urlPath, chunks, { headers = {}, timeout = 30000 } = {}) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    let response = null;
    const req = http.request({
      host: u.hostname, port: u.port, method, path: urlPath, agent: false, timeout,
      headers: { Connection: 'close', 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...headers },
    }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => { response = makeResponse(res.statusCode, res.headers, Buffer.concat(parts)); resolve(response); });
      res.on('error', (e) => { if (!response) reject(e); });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: chunked ${method} ${urlPath}`)));
    req.on('error', (e) => { if (!response) setTimeout(() => { if (!response) reject(e); }, 200); });
    (async () => {
      for (const c of chunks) {
        if (req.destroyed || response) break;
        const ok = req.write(c);
        if (!ok) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
      }
      if (!req.destroyed) req.end();
    })().catch(() => { /* reported through 'error' */ });
  });
}

/**
 * Send raw bytes over TCP and parse the reply (status, headers, body). Used for request targets
 * that HTTP clients would normalise, such as `/../etc/passwd`.
 */
export function rawRequest(base, rawText, { timeout = 10000 } = {}) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const parts = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('raw request timeout')); }, timeout);
    sock.on('connect', () => sock.write(rawText));
    sock.on('data', (d) => parts.push(d));
    sock.on('error', (e) => { if (!parts.length) { clearTimeout(timer); reject(e); } });
    sock.on('close', () => {
      clearTimeout(timer);
      const buf = Buffer.concat(parts);
      const sep = buf.indexOf('\r\n\r\n');
      const head = (sep >= 0 ? buf.subarray(0, sep) : buf).toString('latin1');
      const lines = head.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = sep >= 0 ? buf.subarray(sep + 4) : Buffer.alloc(0);
      if (/chunked/i.test(headers['transfer-encoding'] || '')) body = dechunk(body);
      resolve({ status: m ? Number(m[1]) : 0, headers, text: body.toString('utf8'), rawHead: head });
    });
  });
}

function dechunk(buf) {
  const out = [];
  let i = 0;
  while (i < buf.length) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!n) break;
    out.push(buf.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

export function rawGet(base, target) {
  const u = new URL(base);
  return rawRequest(base, `GET ${target} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
}

// ---- API clients --------------------------------------------------------------------------

const apiPath = (p) => (p.startsWith('/api/') || p === '/healthz' || p === '/metrics' || p === '/' ? p : `/api/v1${p}`);

/**
 * A signed-in client. Paths are relative to /api/v1 ('/users') unless they start with /api/.
 * Browser-style clients (cookie) send X-CSRF-Token on every non-GET unless {csrf:false} or
 * {csrf:'value'} is passed; bearer clients send only the Authorization header.
 */
export class Client {
  constructor(base, { cookie = null, csrf = null, token = null, user = null } = {}) {
    Object.assign(this, { base, cookie, csrf, token, user });
  }

  headers(method, opt = {}) {
    const h = { ...(opt.headers || {}) };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (method !== 'GET' && method !== 'HEAD' && this.cookie) {
      const v = opt.csrf === undefined ? this.csrf : opt.csrf;
      if (v !== false && v !== null) h['X-CSRF-Token'] = v;
    }
    return h;
  }

  req(method, p, body, opt = {}) {
    return request(this.base, method, apiPath(p), { body, headers: this.headers(method, opt) });
  }

  get(p, opt) { return this.req('GET', p, undefined, opt); }
  post(p, body = {}, opt) { return this.req('POST', p, body, opt); }
  patch(p, body = {}, opt) { return this.req('PATCH', p, body, opt); }
  put(p, body = {}, opt) { return this.req('PUT', p, body, opt); }
  del(p, opt) { return this.req('DELETE', p, undefined, opt); }

  // Same as get/post..., but asserts the status and returns the parsed JSON body.
  async ok(method, p, body, status = 200) {
    const r = await this.req(method, p, body);
    assert.equal(r.status, status, `${method} ${p} ${body ? JSON.stringify(body).slice(0, 300) : ''} → ${r.status} ${r.text.slice(0, 500)}`);
    return r.json;
  }
}

export function cookieFrom(res, name = 'fcms_session') {
  for (const c of res.setCookies) {
    const first = c.split(';')[0];
    const i = first.indexOf('=');
    if (first.slice(0, i).trim() === name) return { pair: first.trim(), value: first.slice(i + 1), full: c };
  }
  return null;
}

export function tryLogin(base, username, password) {
  return request(base, 'POST', '/api/v1/auth/login', { body: { username, password } });
}

export async function login(base, username, password) {
  const r = await tryLogin(base, username, password);
  assert.equal(r.status, 200, `login ${username} → ${r.status} ${r.text}`);
  const c = cookieFrom(r);
  assert.ok(c, `login ${username}: no fcms_session cookie in ${JSON.stringify(r.setCookies)}`);
  assert.ok(r.json && typeof r.json.csrf_token === 'string' && r.json.csrf_token.length > 0, 'login returns csrf_token');
  return new Client(base, { cookie: c.pair, csrf: r.json.csrf_token, user: r.json.user });
}

export function bearer(base, token) { return new Client(base, { token }); }
export function anonymous(base) { return new Client(base); }

// ---- assertions ---------------------------------------------------------------------------

export function assertError(res, status, code, field) {
  const ctx = `expected ${status} ${code}${field ? ` (field ${field})` : ''}; got ${res.status} ${res.text.slice(0, 400)}`;
  assert.equal(res.status, status, ctx);
  assert.ok(res.json && res.json.error && typeof res.json.error === 'object', `error object missing: ${ctx}`);
  if (code) assert.equal(res.json.error.code, code, ctx);
  assert.equal(typeof res.json.error.message, 'string', `error.message must be a string: ${ctx}`);
  if (field !== undefined) assert.equal(res.json.error.field, field, ctx);
}

// 403 or 404 for an object the caller may not see (spec allows both), with no object data.
export function assertHidden(res) {
  assert.ok(res.status === 403 || res.status === 404, `expected 403/404, got ${res.status} ${res.text.slice(0, 300)}`);
  assert.ok(res.json && res.json.error, `expected an error body, got ${res.text.slice(0, 300)}`);
  assert.ok(['forbidden', 'out_of_scope', 'not_found'].includes(res.json.error.code), `code ${res.json.error.code}`);
}

export const hasChinese = (s) => /[\u4e00-\u9fff]/.test(s || '');
