// Security headers on API and page replies, operations endpoints (/healthz, /metrics,
// /api/v1/openapi.yaml), CORS refusal, unknown routes, and static assets' content types.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, request, rawGet, rawRequest, anonymous, assertError, REPO } from './lib/server.mjs';
import { adminLogin } from './lib/fixtures.mjs';

function csp(res) {
  const v = res.headers['content-security-policy'];
  assert.ok(v, 'Content-Security-Policy present');
  const d = {};
  for (const part of v.split(';')) {
    const [name, ...vals] = part.trim().split(/\s+/);
    if (name) d[name.toLowerCase()] = vals;
  }
  return d;
}

function assertSecurityHeaders(res, what) {
  const h = res.headers;
  const d = csp(res);
  const script = d['script-src'] || d['default-src'];
  assert.ok(script, `${what}: CSP restricts scripts (script-src or default-src)`);
  assert.ok(!script.includes("'unsafe-eval'"), `${what}: no 'unsafe-eval' for scripts`);
  assert.ok(!script.includes("'unsafe-inline'"), `${what}: no 'unsafe-inline' for scripts`);
  assert.ok(!script.includes('*'), `${what}: no wildcard script source`);
  assert.deepEqual(d['frame-ancestors'], ["'none'"], `${what}: frame-ancestors 'none'`);
  assert.equal(h['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.ok(!h.server || !/\d/.test(h.server), `${what}: no version banner in Server: ${h.server}`);
}

describe('headers and operations', () => {
  let srv;
  let admin;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
  });
  after(async () => { await srv?.stop(); });

  it('API success replies carry the security headers, JSON content type and no-store', async () => {
    const r = await admin.get('/auth/me');
    assert.equal(r.status, 200);
    assertSecurityHeaders(r, 'GET /api/v1/auth/me');
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.match(r.headers['cache-control'] || '', /no-store/);
  });

  it('API error replies (401, 404) carry them too', async () => {
    const r401 = await anonymous(srv.base).get('/users');
    assertError(r401, 401, 'unauthenticated');
    assertSecurityHeaders(r401, '401');
    assert.match(r401.headers['cache-control'] || '', /no-store/);
    const r404 = await admin.get('/no-such-endpoint');
    assertError(r404, 404, 'not_found');
    assertSecurityHeaders(r404, '404');
    assert.match(r404.headers['cache-control'] || '', /no-store/);
  });

  it('the login reply (sets the cookie) is no-store', async () => {
    const r = await request(srv.base, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'x' } });
    assert.match(r.headers['cache-control'] || '', /no-store/);
    assertSecurityHeaders(r, 'POST /auth/login');
  });

  it('GET / carries the security headers', async () => {
    const r = await request(srv.base, 'GET', '/');
    assertSecurityHeaders(r, 'GET /');
    if (fs.existsSync(path.join(REPO, 'web/dist/index.html'))) {
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^text\/html/);
    }
  });

  it('[checklist AC-7] an unknown method on a known route → 405, not served', async () => {
    assertError(await admin.req('DELETE', '/auth/me'), 405, 'method_not_allowed');
    assertError(await admin.put('/institutions', {}), 405, 'method_not_allowed');
    const t = await request(srv.base, 'TRACE', '/api/v1/auth/me', { headers: { Cookie: admin.cookie } });
    assert.ok(t.status === 404 || t.status === 405 || t.status === 501, `TRACE → ${t.status}`);
    assert.ok(!t.text.includes(admin.cookie.split('=')[1]), 'TRACE does not echo the cookie');
  });

  it('[checklist WEB-5] a non-JSON content type on a JSON endpoint → 415, nothing done', async () => {
    const r = await request(srv.base, 'POST', '/api/v1/auth/logout', {
      body: '{}', headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Content-Type': 'text/plain' },
    });
    assert.equal(r.status, 415, r.text);
    const f = await request(srv.base, 'POST', '/api/v1/auth/logout', {
      body: 'a=b', headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(f.status, 415, f.text);
    assert.equal((await admin.get('/auth/me')).status, 200, 'session not logged out');
  });

  it('[checklist WEB-1] a write with a valid CSRF token but Origin: https://evil → 403, no change', async () => {
    const before = await admin.ok('GET', '/auth/me');
    const r = await admin.patch(`/institutions/${before.user.org_id}`, { address: 'evil-origin' }, { headers: { Origin: 'https://evil.example' } });
    assert.equal(r.status, 403, r.text);
  });

  it('[checklist WEB-1] a write with Sec-Fetch-Site: cross-site → 403, no change', async () => {
    const me = await admin.ok('GET', '/auth/me');
    const r = await admin.patch(`/institutions/${me.user.org_id}`, { address: 'cross-site' }, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(r.status, 403, r.text);
  });

  it('[checklist SEC-3] a request line over 8 KiB → 414', async () => {
    const r = await rawGet(srv.base, `/api/v1/institutions?q=${'a'.repeat(9000)}`);
    assert.equal(r.status, 414);
  });

  it('[checklist SEC-3] a header over 8 KiB → 431', async () => {
    const u = new URL(srv.base);
    const r = await rawRequest(srv.base, `GET /healthz HTTP/1.1\r\nHost: ${u.host}\r\nX-Big: ${'a'.repeat(9000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 431);
  });

  it('no CORS grant for a foreign origin', async () => {
    const r = await request(srv.base, 'GET', '/api/v1/auth/me', { headers: { Cookie: admin.cookie, Origin: 'https://evil.example' } });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const pre = await request(srv.base, 'OPTIONS', '/api/v1/users', {
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
  });

  it('GET /healthz → 200 {"ok":true}', async () => {
    const r = await request(srv.base, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true, r.text);
  });

  it('GET /metrics is Prometheus text with fcms_http_requests_total', async () => {
    await request(srv.base, 'GET', '/healthz');
    const r = await request(srv.base, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain/);
    assert.match(r.text, /^# TYPE fcms_http_requests_total counter$/m);
    const samples = r.text.split('\n').filter((l) => l.startsWith('fcms_http_requests_total'));
    assert.ok(samples.length > 0, 'has samples');
    const total = samples.reduce((n, l) => n + Number(l.trim().split(/\s+/).pop()), 0);
    assert.ok(total >= 3, `counted requests: ${total}`);
    assert.ok(!/admin|Admin@|fcms_session/.test(r.text), 'no secrets or user names in metrics');
  });

  it('GET /api/v1/openapi.yaml serves the OpenAPI document', async () => {
    const r = await request(srv.base, 'GET', '/api/v1/openapi.yaml');
    assert.equal(r.status, 200);
    assert.match(r.text, /^openapi: 3\.0\.\d/m);
    assert.match(r.text, /^ {2}\/api\/v1\/auth\/login:/m);
    assert.equal(r.text, fs.readFileSync(path.join(REPO, 'docs/openapi.yaml'), 'utf8'),
      'served document is docs/openapi.yaml as built (rebuild after editing it)');
  });

  it('JavaScript assets are served as text/javascript with nosniff', async (t) => {
    const dir = path.join(REPO, 'web/dist/assets');
    if (!fs.existsSync(dir)) { t.skip('web/dist/assets does not exist (web UI not built)'); return; }
    const js = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
    if (!js.length) { t.skip('no .js files in web/dist/assets'); return; }
    for (const f of js.slice(0, 5)) {
      const r = await request(srv.base, 'GET', `/assets/${f}`);
      assert.equal(r.status, 200, f);
      assert.match(r.headers['content-type'], /^text\/javascript/, `${f}: ${r.headers['content-type']}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.text, fs.readFileSync(path.join(dir, f), 'utf8'), `${f} served byte for byte`);
    }
    const css = fs.readdirSync(dir).filter((f) => f.endsWith('.css'));
    for (const f of css.slice(0, 2)) {
      const r = await request(srv.base, 'GET', `/assets/${f}`);
      assert.match(r.headers['content-type'], /^text\/css/, f);
    }
    const missing = await request(srv.base, 'GET', '/assets/no-such-file.js');
    assert.equal(missing.status, 404);
  });
});
