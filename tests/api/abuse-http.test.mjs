// Abuse of the HTTP layer by someone who can reach the port (issue 11, "Insider-proof"):
//  M3  slow request heads (slowloris) from several addresses must not keep normal clients out,
//      and a request head has a deadline that trickling bytes does not extend; one session or
//      user cannot hold every connection with event streams;
//  L4  an event stream ends when its session does (logout, password change, account disabled
//      or locked);
//  L8  request smuggling: Content-Length with Transfer-Encoding, two Content-Lengths, an unknown
//      transfer coding, a NUL (raw or %00) in the request line — 400, connection closed, and
//      the bytes after the head never run as a request of their own;
//  and /metrics only from allowed addresses or with a token, X-Forwarded-For only from trusted
//  proxies, database files readable by the owner only.
// Client sockets are bound to 127.0.0.2..6 where an attacker other than the normal client
// (127.0.0.1) is needed: Linux routes all of 127/8 to the loopback interface.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import path from 'node:path';
import {
  startServer, login, uid, sleep, hasChinese, assertError, strongPassword, BACKEND,
} from './lib/server.mjs';
import { adminLogin, rootOrg, staff } from './lib/fixtures.mjs';
import { slowloris, probe } from '../../bench/slowloris.mjs';

/** Raw bytes on one connection, from localAddress; resolves the whole reply text when the
 * server closes (or after waitMs), and whether the server closed. */
function rawExchange(port, bytes, { localAddress = '127.0.0.1', waitMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    const parts = [];
    let closed = false;
    const timer = setTimeout(() => { s.destroy(); finish(); }, waitMs);
    function finish() {
      clearTimeout(timer);
      // latin1 keeps the head byte for byte; bodies are read as UTF-8 by bodyOf.
      const buf = Buffer.concat(parts);
      resolve({ text: buf.toString('latin1'), buf, closedByServer: closed });
    }
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => parts.push(d));
    s.on('error', () => {});
    s.on('end', () => { closed = true; });
    s.on('close', () => { if (closed) finish(); });
  });
}

// Status lines of every reply on the connection (a body is not followed by CRLF).
const statusLines = (text) => [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[0]);
const bodyOf = (r) => JSON.parse(r.buf.subarray(r.buf.indexOf('\r\n\r\n') + 4).toString('utf8'));

/** GET with the given headers from localAddress; resolves {status, json}. */
function getFrom(port, p, { headers = {}, localAddress = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, localAddress, agent: false,
      headers: { Connection: 'close', ...headers } }, (res) => {
      let t = '';
      res.on('data', (d) => { t += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(t); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, text: t, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens GET /api/v1/events for a client. Resolves once the status is known:
 * {status, body (for refusals), ended: Promise<ms since open>, close()}. */
function openStream(client) {
  const u = new URL(client.base);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let endedResolve;
    const ended = new Promise((r) => { endedResolve = r; });
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/v1/events', agent: false,
      headers: client.headers('GET') }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => endedResolve(Date.now() - t0));
      res.on('close', () => endedResolve(Date.now() - t0));
      if (res.statusCode !== 200) {
        res.on('end', () => {
          let json;
          try { json = JSON.parse(body); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, json, text: body, ended, close: () => req.destroy() });
        });
        return;
      }
      resolve({ status: 200, ended, close: () => req.destroy() });
    });
    req.on('error', (e) => { endedResolve(Date.now() - t0); if (e.code !== 'ECONNRESET') reject(e); });
  });
}

/** Resolves true when the stream ended within ms. */
async function endsWithin(stream, ms) {
  return Promise.race([stream.ended.then(() => true), sleep(ms).then(() => false)]);
}

describe('M3: slow request heads', () => {
  let srv;
  before(async () => { srv = await startServer({ config: { max_connections: 200 } }); });
  after(async () => { await srv?.stop(); });

  test('300 slow-header connections from 127.0.0.2-6 for 10 s: a normal client is served within 1 s every time', async () => {
    const r = await slowloris({ port: srv.port, conns: 300, seconds: 10, lineMs: 2000, probeMs: 400, rampMs: 1500 });
    const slow = r.probes.filter((p) => !p.ok);
    assert.ok(r.peakOpen >= 150, `the attack held connections (peak ${r.peakOpen})`);
    assert.equal(slow.length, 0, `every request of the normal client answered 200 within 1 s; failed ${slow.length} of ${r.probes.length}` +
      ` (max ${r.maxMs.toFixed(0)} ms; attack opened ${r.opened}, cut ${r.closedByServer})`);
    assert.ok(r.maxMs < 1000, `max ${r.maxMs} ms`);
  });

  test('a request head that trickles in has a deadline (10 s) that the trickle does not extend', async () => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress: '127.0.0.2' });
    const t0 = Date.now();
    let closedAt = null;
    s.on('error', () => {});
    s.on('close', () => { closedAt = Date.now() - t0; });
    await new Promise((r) => s.on('connect', r));
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    for (let i = 0; i < 32 && closedAt === null; i++) { // one header line every 0.5 s, for up to 16 s
      await sleep(500);
      if (closedAt === null) s.write(`X-Trickle-${i}: y\r\n`);
    }
    s.destroy();
    assert.ok(closedAt !== null, 'the server closed the connection although bytes kept coming');
    assert.ok(closedAt >= 9000 && closedAt <= 13000, `closed after ${closedAt} ms (header_timeout_s = 10)`);
    assert.ok((await probe(srv.port)).ok, 'and serves others');
  });
});

describe('M3 and L4: event streams', () => {
  let srv;
  let admin;
  let root;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
  });
  after(async () => { await srv?.stop(); });

  test('one session holds at most 5 streams and one user at most 10; beyond, 429 in Chinese', async () => {
    const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
    const open = [];
    try {
      for (let i = 0; i < 5; i++) {
        const s = await openStream(u.client);
        assert.equal(s.status, 200, `stream ${i + 1} of the session`);
        open.push(s);
      }
      const sixth = await openStream(u.client);
      assertError(sixth, 429, 'too_many_streams');
      assert.ok(hasChinese(sixth.json.error.message), sixth.json.error.message);
      // Other sessions of the same user: 5 more in all, then the user's cap.
      const second = await login(srv.base, u.username, u.password);
      const third = await login(srv.base, u.username, u.password);
      for (let i = 0; i < 5; i++) {
        const s = await openStream(i < 3 ? second : third);
        assert.equal(s.status, 200, `stream ${6 + i} of the user`);
        open.push(s);
      }
      const eleventh = await openStream(third);
      assertError(eleventh, 429, 'too_many_streams');
      // Someone else is not affected.
      const other = await openStream(admin);
      assert.equal(other.status, 200);
      open.push(other);
    } finally {
      for (const s of open) s.close();
    }
  });

  test('logout ends the session\'s streams', async () => {
    const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
    const c = await login(srv.base, u.username, u.password);
    const s = await openStream(c);
    assert.equal(s.status, 200);
    assert.equal((await c.post('/auth/logout', {})).status, 200);
    const ended = await endsWithin(s, 9000);
    s.close();
    assert.ok(ended, 'the stream ended within 9 s of the logout');
  });

  test('a password change ends the streams of the user\'s other sessions', async () => {
    const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
    const other = await login(srv.base, u.username, u.password);
    const s = await openStream(other);
    assert.equal(s.status, 200);
    const ch = await u.client.post('/auth/password', { old_password: u.password, new_password: strongPassword() });
    assert.equal(ch.status, 200, ch.text);
    const ended = await endsWithin(s, 9000);
    s.close();
    assert.ok(ended, 'the other session\'s stream ended within 9 s of the password change');
  });

  test('disabling or locking the account ends its streams', async () => {
    const sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
    for (const [how, run] of [
      ['disable', (id) => admin.ok('POST', `/users/${id}/disable`, {})],
      ['lock', (id) => sec.client.ok('POST', `/users/${id}/lock`, {})],
    ]) {
      const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
      const s = await openStream(u.client);
      assert.equal(s.status, 200);
      await run(u.user.id);
      const ended = await endsWithin(s, 9000);
      s.close();
      assert.ok(ended, `the stream ended within 9 s of the ${how}`);
    }
  });

  test('a stream whose session stays valid keeps flowing', async () => {
    const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
    const s = await openStream(u.client);
    assert.equal(s.status, 200);
    const ended = await endsWithin(s, 6500);
    s.close();
    assert.ok(!ended, 'not cut by the session check');
  });
});

describe('L8: request smuggling', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.stop(); });

  const cases = [
    ['Content-Length with Transfer-Encoding', (smuggled) =>
      'POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n' +
      `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['two different Content-Lengths', (smuggled) =>
      'POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\n' +
      `Content-Length: 40\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a transfer coding other than chunked', (smuggled) =>
      'POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ];
  for (const [name, build] of cases) {
    test(`${name}: 400, connection closed, the smuggled request never runs`, async () => {
      const smuggled = `/api/v1/smuggled-${uid()}`;
      const r = await rawExchange(srv.port, build(smuggled));
      const lines = statusLines(r.text);
      assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['400'], `one reply, 400: ${r.text.slice(0, 300)}`);
      assert.match(r.text, /\r\nConnection: close\r\n/i);
      assert.ok(r.closedByServer, 'the server closed the connection');
      const body = bodyOf(r);
      assert.equal(body.error.code, 'bad_framing');
      assert.ok(hasChinese(body.error.message));
      await sleep(400); // the request log is written in blocks every 200 ms
      assert.ok(!srv.logs().includes(smuggled), `the smuggled request ${smuggled} must not have run:\n${srv.logs().split('\n').filter((l) => l.includes('smuggled')).join('\n')}`);
    });
  }

  for (const [name, target] of [['a NUL byte', '/healthz\0/../etc/passwd'], ['%00', '/healthz%00.png'], ['a control byte', '/healthz\x01']]) {
    test(`${name} in the request target: 400, not the cut path`, async () => {
      const r = await rawExchange(srv.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const lines = statusLines(r.text);
      assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['400'], r.text.slice(0, 300));
      const body = bodyOf(r);
      assert.equal(body.error.code, 'bad_request_target');
      assert.ok(hasChinese(body.error.message));
    });
  }

  test('well-framed requests on one keep-alive connection still work', async () => {
    const r = await rawExchange(srv.port,
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '2\r\n{}\r\n0\r\n\r\n' +
      'GET /healthz?x=%41 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statusLines(r.text).map((l) => l.split(' ')[1]), ['200', '400', '200'], r.text.slice(0, 600));
  });
});

describe('/metrics, X-Forwarded-For, file modes', () => {
  test('/metrics: loopback 127.0.0.1 only by default; elsewhere 403', async () => {
    const srv = await startServer();
    try {
      assert.equal((await getFrom(srv.port, '/metrics')).status, 200);
      const r = await getFrom(srv.port, '/metrics', { localAddress: '127.0.0.2' });
      assert.equal(r.status, 403, r.text.slice(0, 200));
      assert.equal(r.json.error.code, 'metrics_forbidden');
      assert.ok(hasChinese(r.json.error.message));
    } finally { await srv.stop(); }
  });

  test('/metrics: metrics_token admits a bearer of it from anywhere, metrics_allow lists addresses', async () => {
    const token = `m-${uid()}${uid()}`;
    const srv = await startServer({ config: { metrics_token: token, metrics_allow: '127.0.0.3, 10.0.0.0/8' } });
    try {
      const from2 = (headers) => getFrom(srv.port, '/metrics', { localAddress: '127.0.0.2', headers });
      assert.equal((await from2({ Authorization: `Bearer ${token}` })).status, 200);
      assert.match((await from2({ Authorization: `Bearer ${token}` })).text, /fcms_http_requests_total/);
      assert.equal((await from2({ Authorization: `Bearer ${token}x` })).status, 403);
      assert.equal((await from2({ Authorization: `Bearer ${token.slice(0, -1)}` })).status, 403);
      assert.equal((await from2({})).status, 403);
      assert.equal((await getFrom(srv.port, '/metrics', { localAddress: '127.0.0.3' })).status, 200);
      assert.equal((await getFrom(srv.port, '/metrics')).status, 403, '127.0.0.1 is not in this metrics_allow');
    } finally { await srv.stop(); }
  });

  const xffMark = (tag) => `/api/v1/xff-probe-${tag}-${uid()}`;
  const logLineOf = (srv, p) => srv.logs().split('\n').find((l) => l.includes(p)) || '';

  test('trust_proxy: X-Forwarded-For from a peer that is no proxy (not 127.0.0.1) is ignored', async () => {
    const srv = await startServer({ config: { trust_proxy: 'true' } });
    try {
      const a = xffMark('untrusted');
      await getFrom(srv.port, a, { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': '203.0.113.9' } });
      const b = xffMark('proxy');
      await getFrom(srv.port, b, { localAddress: '127.0.0.1', headers: { 'X-Forwarded-For': '198.51.100.7' } });
      await sleep(400);
      assert.match(logLineOf(srv, a), / ip=127\.0\.0\.2 /, `a peer that is no proxy cannot choose its address: ${logLineOf(srv, a)}`);
      assert.match(logLineOf(srv, b), / ip=198\.51\.100\.7 /, `the local proxy is believed: ${logLineOf(srv, b)}`);
    } finally { await srv.stop(); }
  });

  test('trusted_proxies: the client is the rightmost hop that is not a trusted proxy', async () => {
    const srv = await startServer({ config: { trust_proxy: 'true', trusted_proxies: '127.0.0.1, 127.0.0.4' } });
    try {
      const b = xffMark('trusted');
      await getFrom(srv.port, b, { localAddress: '127.0.0.4', headers: { 'X-Forwarded-For': '198.51.100.7, 127.0.0.1' } });
      const c = xffMark('spoofed-left');
      await getFrom(srv.port, c, { localAddress: '127.0.0.1', headers: { 'X-Forwarded-For': '203.0.113.9, 198.51.100.8' } });
      const d = xffMark('garbage');
      await getFrom(srv.port, d, { localAddress: '127.0.0.1', headers: { 'X-Forwarded-For': 'not-an-address' } });
      await sleep(400);
      assert.match(logLineOf(srv, b), / ip=198\.51\.100\.7 /, `behind two trusted hops: ${logLineOf(srv, b)}`);
      assert.match(logLineOf(srv, c), / ip=198\.51\.100\.8 /, `not what the client wrote first: ${logLineOf(srv, c)}`);
      assert.match(logLineOf(srv, d), / ip=127\.0\.0\.1 /, `no address in the header: the peer: ${logLineOf(srv, d)}`);
    } finally { await srv.stop(); }
  });

  test('the database files are the owner\'s only (0600) whatever the umask', { skip: BACKEND !== 'sqlite' && 'SQLite files only' }, async () => {
    const old = process.umask(0o022);
    let srv;
    try {
      srv = await startServer();
    } finally { process.umask(old); }
    try {
      await adminLogin(srv); // a write, so the WAL exists
      for (const f of ['fcms.db', 'fcms.db-wal', 'fcms.db-shm']) {
        const p = path.join(srv.dataDir, f);
        if (!fs.existsSync(p)) continue;
        const mode = fs.statSync(p).mode & 0o777;
        assert.equal(mode.toString(8), '600', `${f} mode`);
      }
      assert.ok(fs.existsSync(path.join(srv.dataDir, 'fcms.db')));
    } finally { await srv.stop(); }
  });
});
