// Authentication and sessions: login, cookie attributes, session rotation, logout, CSRF,
// /auth/me and the User object, disabled accounts, bearer tokens for service accounts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, login, tryLogin, request, cookieFrom, bearer, anonymous, assertError, ADMIN_PASSWORD, uid,
} from './lib/server.mjs';
import { adminLogin, rootOrg, createOrg, createUser, staff, listAll } from './lib/fixtures.mjs';

describe('auth', () => {
  let srv;
  let admin;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
  });
  after(async () => { await srv?.stop(); });

  it('login with the bootstrap password succeeds and returns the user and a CSRF token', async () => {
    const r = await tryLogin(srv.base, 'admin', ADMIN_PASSWORD);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.username, 'admin');
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.ok(r.json.csrf_token.length >= 16, 'CSRF token has at least 16 chars');
    assert.ok(r.json.user.roles.some((x) => x.code === 'sys_admin'), 'admin holds sys_admin');
    // The password came from FCMS_ADMIN_PASSWORD, so no forced change (CONTRACT).
    assert.equal(r.json.user.must_change_password, false);
  });

  it('session cookie is HttpOnly, SameSite=Strict, Path=/', async () => {
    const r = await tryLogin(srv.base, 'admin', ADMIN_PASSWORD);
    const c = cookieFrom(r);
    assert.ok(c, `fcms_session cookie set: ${JSON.stringify(r.setCookies)}`);
    const attrs = c.full.split(';').slice(1).map((s) => s.trim().toLowerCase());
    assert.ok(attrs.includes('httponly'), `HttpOnly in ${c.full}`);
    assert.ok(attrs.includes('samesite=strict'), `SameSite=Strict in ${c.full}`);
    assert.ok(attrs.includes('path=/'), `Path=/ in ${c.full}`);
    assert.ok(!attrs.some((a) => a.startsWith('domain=')), `no Domain attribute in ${c.full}`);
    assert.ok(c.value.length >= 22, 'session id carries at least 128 bits');
  });

  it('wrong password and unknown user both get 401 invalid_credentials with the same body', async () => {
    const a = await tryLogin(srv.base, 'admin', 'Wrong@123456789');
    const b = await tryLogin(srv.base, uid('nobody_'), 'Wrong@123456789');
    assertError(a, 401, 'invalid_credentials');
    assertError(b, 401, 'invalid_credentials');
    assert.deepEqual(a.json, b.json, 'no user enumeration through the error body');
    assert.equal(cookieFrom(a)?.value || '', '', 'no session cookie on failure');
  });

  it('missing fields → 400, not 401/500', async () => {
    const r = await request(srv.base, 'POST', '/api/v1/auth/login', { body: { username: 'admin' } });
    assertError(r, 400, 'missing_field', 'password');
  });

  it('each login issues a new session id', async () => {
    const ids = new Set();
    for (let i = 0; i < 3; i++) {
      const r = await tryLogin(srv.base, 'admin', ADMIN_PASSWORD);
      ids.add(cookieFrom(r).value);
    }
    assert.equal(ids.size, 3);
  });

  it('a login presenting an existing session cookie still gets a fresh id', async () => {
    const c1 = await adminLogin(srv);
    const r = await request(srv.base, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD }, headers: { Cookie: c1.cookie },
    });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(cookieFrom(r).pair, c1.cookie);
  });

  it('GET /auth/me returns the full User object and the CSRF token', async () => {
    const me = await admin.ok('GET', '/auth/me');
    assert.equal(me.csrf_token, admin.csrf);
    const u = me.user;
    const keys = ['id', 'username', 'name', 'org_id', 'org_name', 'phone', 'email', 'status', 'locked',
      'locked_until', 'failed_attempts', 'last_login_at', 'password_changed_at', 'password_expired',
      'must_change_password', 'is_service', 'roles', 'permissions', 'data_scope', 'created_at'];
    for (const k of keys) assert.ok(k in u, `User.${k} present`);
    assert.equal(u.username, 'admin');
    assert.equal(u.status, 'active');
    assert.equal(u.locked, false);
    assert.equal(u.is_service, false);
    assert.equal(u.data_scope, 'all');
    assert.ok(Number.isInteger(u.created_at) && u.created_at > 1.6e12, 'created_at is epoch ms');
    assert.ok(Number.isInteger(u.last_login_at) && u.last_login_at > 1.6e12, 'last_login_at is epoch ms');
    assert.ok(u.permissions.includes('org.manage') && u.permissions.includes('user.manage'));
    assert.ok(!u.permissions.includes('audit.view'), 'sys admin lacks audit.view');
    for (const role of u.roles) for (const k of ['id', 'code', 'name']) assert.ok(k in role, `role.${k}`);
    assert.ok(!('password_hash' in u) && !JSON.stringify(me).includes('$argon2'), 'no password hash leaks');
  });

  it('GET /auth/me without a session → 401 unauthenticated; with a forged cookie → 401', async () => {
    assertError(await anonymous(srv.base).get('/auth/me'), 401, 'unauthenticated');
    const r = await request(srv.base, 'GET', '/api/v1/auth/me', { headers: { Cookie: 'fcms_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    assertError(r, 401, 'unauthenticated');
  });

  it('POST without X-CSRF-Token or with a wrong one → 403 csrf_invalid and nothing is written', async () => {
    const root = await rootOrg(admin);
    const before = (await listAll(admin, '/institutions')).total;
    const body = { parent_id: root.id, name: uid('csrf-'), internal_code: uid('IC_'), fin_code: 'CSRF0000000001', region_code: '110101', type: 'branch' };
    assertError(await admin.post('/institutions', body, { csrf: false }), 403, 'csrf_invalid');
    assertError(await admin.post('/institutions', body, { csrf: 'not-the-token' }), 403, 'csrf_invalid');
    assertError(await admin.post('/institutions', body, { csrf: '' }), 403, 'csrf_invalid');
    // Another session's token is not this session's token.
    const other = await adminLogin(srv);
    assertError(await admin.post('/institutions', body, { csrf: other.csrf }), 403, 'csrf_invalid');
    assert.equal((await listAll(admin, '/institutions')).total, before);
  });

  it('logout without CSRF is refused and the session stays valid', async () => {
    const c = await adminLogin(srv);
    assertError(await c.post('/auth/logout', {}, { csrf: false }), 403, 'csrf_invalid');
    assert.equal((await c.get('/auth/me')).status, 200);
  });

  it('logout ends the session: the old cookie gets 401 afterwards', async () => {
    const c = await adminLogin(srv);
    const r = await c.post('/auth/logout', {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { ok: true });
    assertError(await c.get('/auth/me'), 401, 'unauthenticated');
    assertError(await c.get('/institutions'), 401, 'unauthenticated');
    // Other sessions of the same user are unaffected.
    assert.equal((await admin.get('/auth/me')).status, 200);
  });

  it('a disabled account gets 403 account_disabled even with the right password; enable restores it', async () => {
    const root = await rootOrg(admin);
    const s = await staff(srv, admin, ['registrar'], { org_id: root.id });
    assert.equal((await admin.post(`/users/${s.user.id}/disable`, {})).status, 200);
    assertError(await tryLogin(srv.base, s.username, s.password), 403, 'account_disabled');
    assert.equal((await admin.ok('GET', `/users/${s.user.id}`)).status, 'disabled');
    assert.equal((await admin.post(`/users/${s.user.id}/enable`, {})).status, 200);
    await login(srv.base, s.username, s.password);
  });

  it('a closed (deleted) account cannot sign in and is kept with status closed', async () => {
    const root = await rootOrg(admin);
    const s = await staff(srv, admin, ['registrar'], { org_id: root.id });
    assert.equal((await admin.del(`/users/${s.user.id}`)).status, 200);
    assertError(await tryLogin(srv.base, s.username, s.password), 403, 'account_disabled');
    assertError(await s.client.get('/auth/me'), 401, 'unauthenticated');
    assert.equal((await admin.ok('GET', `/users/${s.user.id}`)).status, 'closed');
  });

  it('[checklist AUD-8] a username with CR/LF cannot forge a log line', async () => {
    const r = await tryLogin(srv.base, 'x\r\nFORGED-LINE user=admin 200', 'Wrong@123456789');
    assert.equal(r.status, 401);
    assert.ok(!/^FORGED-LINE/m.test(srv.logs()), 'no log line starts with the injected text');
  });

  describe('bearer tokens', () => {
    let sec;
    let svc;
    let token;
    let tokenId;
    let roleForSvc;
    before(async () => {
      const root = await rootOrg(admin);
      sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
      roleForSvc = await sec.client.ok('POST', '/roles', {
        // Business permissions only: since H1 a service account (its token minted by the security
        // admin) holds business roles without pii.unmask; this role had org.manage.
        code: uid('integ_'), name: '对接接口', permissions: ['config.manage', 'complaint.view'], data_scope: 'all',
      }, 201);
      const created = await createUser(admin, { org_id: root.id, roles: [roleForSvc.id], is_service: true });
      svc = created.user;
      assert.equal(svc.is_service, true);
      assert.ok(created.initial_password === undefined || created.initial_password === null,
        'service accounts get no password');
    });

    it('a service account cannot sign in with a password', async () => {
      const r = await tryLogin(srv.base, svc.username, 'Anything@12345');
      assert.ok(r.status === 401 || r.status === 403, `got ${r.status}`);
      assert.equal(cookieFrom(r)?.value || '', '');
    });

    it('sys admin cannot issue tokens (token.manage is the security admin\'s)', async () => {
      assertError(await admin.post(`/users/${svc.id}/tokens`, { name: 'x' }), 403, 'forbidden');
    });

    it('tokens are only for service accounts', async () => {
      const r = await sec.client.post(`/users/${sec.user.id}/tokens`, { name: 'nope' });
      assert.ok(r.status >= 400 && r.status < 500, `got ${r.status} ${r.text}`);
      assert.ok(!/fcms_/.test(r.text), 'no token issued');
    });

    it('security admin issues a token; it is shown once and listed by prefix only', async () => {
      const r = await sec.client.post(`/users/${svc.id}/tokens`, { name: 'core-banking', expires_days: 30 });
      assert.equal(r.status, 201, r.text);
      token = r.json.token;
      tokenId = r.json.id;
      assert.match(token, /^fcms_/);
      assert.ok(token.length >= 30, 'token long enough to carry ≥128 bits');
      const list = await sec.client.ok('GET', `/users/${svc.id}/tokens`);
      const t = list.items.find((x) => String(x.id) === String(tokenId));
      assert.ok(t, 'issued token listed');
      assert.equal(t.name, 'core-banking');
      assert.equal(t.revoked_at, null);
      assert.ok(Number.isInteger(t.expires_at) && t.expires_at > Date.now() + 29 * 86400e3);
      assert.ok(token.startsWith(t.prefix) && t.prefix.length < token.length, 'prefix is a prefix, not the token');
      assert.ok(!JSON.stringify(list).includes(token), 'full token never listed');
    });

    it('bearer works without cookie or CSRF, including for a POST', async () => {
      const b = bearer(srv.base, token);
      const me = await b.ok('GET', '/auth/me');
      assert.equal(me.user.username, svc.username);
      // A far-future day, so the calendar of other tests is not touched.
      const put = await b.ok('PUT', '/calendar/20991230', { kind: 'holiday', note: '令牌写入' });
      assert.ok(put, 'bearer PUT accepted');
      await b.ok('DELETE', '/calendar/20991230');
      const list = await sec.client.ok('GET', `/users/${svc.id}/tokens`);
      const t = list.items.find((x) => String(x.id) === String(tokenId));
      assert.ok(Number.isInteger(t.last_used_at), 'last_used_at recorded');
    });

    it('a bearer token limited to its permissions: no user.manage → 403', async () => {
      assertError(await bearer(srv.base, token).post('/users', { username: uid('zz'), name: 'x', org_id: 1 }), 403, 'forbidden');
    });

    // A bad bearer is 401; the code may be the common `unauthenticated` or the more specific
    // `invalid_token` (RFC 6750's name) — the spec names only the status for this case.
    const assertBadToken = (r) => {
      assert.equal(r.status, 401, r.text);
      assert.ok(['unauthenticated', 'invalid_token'].includes(r.json?.error?.code), r.text);
    };

    it('a wrong or malformed bearer → 401', async () => {
      assertBadToken(await bearer(srv.base, `${token}x`).get('/auth/me'));
      assertBadToken(await bearer(srv.base, 'fcms_').get('/auth/me'));
      assertBadToken(await bearer(srv.base, '').get('/auth/me'));
    });

    it('after revoke the token is refused', async () => {
      const r = await sec.client.del(`/tokens/${tokenId}`);
      assert.equal(r.status, 200, r.text);
      assertBadToken(await bearer(srv.base, token).get('/auth/me'));
      const r2 = await bearer(srv.base, token).put('/calendar/20991231', { kind: 'holiday' });
      assertBadToken(r2);
      const list = await sec.client.ok('GET', `/users/${svc.id}/tokens`);
      const t = list.items.find((x) => String(x.id) === String(tokenId));
      assert.ok(Number.isInteger(t.revoked_at), 'revoked_at set');
    });

    it('[checklist AUD-9] the server log holds no password, session id, CSRF token or API token', () => {
      const logs = srv.logs();
      assert.ok(logs.length > 0, 'the server logged something');
      const secrets = { 'admin password': ADMIN_PASSWORD, 'session id': admin.cookie.split('=')[1], 'CSRF token': admin.csrf,
        'API token': token, 'token secret part': token.slice(12) };
      for (const [what, v] of Object.entries(secrets)) assert.ok(!logs.includes(v), `${what} not in the log`);
    });
  });
});
