// Account lockout (等保 登录失败处理, ASVS 2.2): five consecutive failures lock the account even
// for the right password; only the security admin unlocks; every step is audited.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, tryLogin, assertError } from './lib/server.mjs';
import { adminLogin, rootOrg, staff, auditEvents, concerns } from './lib/fixtures.mjs';

describe('lockout', () => {
  let srv;
  let admin;
  let sec;
  let aud;
  let victim;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    const root = await rootOrg(admin);
    sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
    aud = await staff(srv, admin, ['audit_admin'], { org_id: root.id });
    victim = await staff(srv, admin, ['registrar'], { org_id: root.id });
  });
  after(async () => { await srv?.stop(); });

  it('the security admin had to change the one-time password before anything else', async () => {
    // staff() went through it; the account now works and no longer needs a change.
    const me = await sec.client.ok('GET', '/auth/me');
    assert.equal(me.user.must_change_password, false);
    assert.ok(me.user.roles.some((r) => r.code === 'sec_admin'));
    assert.ok(Number.isInteger(me.user.password_changed_at));
  });

  it('five wrong passwords → 401 each; the sixth, with the right password, → 423 account_locked', async () => {
    for (let i = 0; i < 5; i++) {
      assertError(await tryLogin(srv.base, victim.username, `Wrong-${i}-Pass!x`), 401, 'invalid_credentials');
    }
    const r = await tryLogin(srv.base, victim.username, victim.password);
    assertError(r, 423, 'account_locked');
    assert.ok(!r.setCookies.some((c) => /^fcms_session=[^;]+/.test(c)), 'no session issued');
  });

  it('a locked account stays locked on further tries, and the status is visible to the security admin', async () => {
    assertError(await tryLogin(srv.base, victim.username, victim.password), 423, 'account_locked');
    const u = await sec.client.ok('GET', `/users/${victim.user.id}`);
    assert.equal(u.locked, true);
    assert.ok(Number.isInteger(u.locked_until), 'locked_until is epoch ms');
    const minutes = (u.locked_until - Date.now()) / 60000;
    assert.ok(minutes > 25 && minutes <= 31, `locked for about 30 min, got ${minutes.toFixed(1)}`);
    assert.ok(u.failed_attempts >= 5);
  });

  it('the sys admin may not unlock (三员: user.status belongs to the security admin)', async () => {
    assertError(await admin.post(`/users/${victim.user.id}/unlock`, {}), 403, 'forbidden');
    assertError(await tryLogin(srv.base, victim.username, victim.password), 423, 'account_locked');
  });

  it('the security admin unlocks → login works and the counters are clear', async () => {
    const r = await sec.client.post(`/users/${victim.user.id}/unlock`, {});
    assert.equal(r.status, 200, r.text);
    const c = await login(srv.base, victim.username, victim.password);
    const me = await c.ok('GET', '/auth/me');
    assert.equal(me.user.locked, false);
    assert.equal(me.user.failed_attempts, 0);
  });

  it('the failure counter resets on success: 4 failures, success, 4 failures → not locked', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await tryLogin(srv.base, victim.username, 'Nope-nope-1!')).status, 401);
    await login(srv.base, victim.username, victim.password);
    for (let i = 0; i < 4; i++) assert.equal((await tryLogin(srv.base, victim.username, 'Nope-nope-2!')).status, 401);
    await login(srv.base, victim.username, victim.password);
  });

  it('an admin lock (security admin) → 423 for the right password; unlock restores', async () => {
    assert.equal((await sec.client.post(`/users/${victim.user.id}/lock`, {})).status, 200);
    assertError(await tryLogin(srv.base, victim.username, victim.password), 423, 'account_locked');
    assert.equal((await sec.client.post(`/users/${victim.user.id}/unlock`, {})).status, 200);
    await login(srv.base, victim.username, victim.password);
  });

  it('the audit log holds auth.login_failed ×5, then auth.lockout, then user.unlock by the security admin', async () => {
    const evs = (await auditEvents(aud.client)).filter((e) => concerns(e, victim.user));
    const asc = [...evs].sort((a, b) => a.seq - b.seq);
    const lockIdx = asc.findIndex((e) => e.action === 'auth.lockout');
    assert.ok(lockIdx >= 0, `auth.lockout recorded; actions: ${asc.map((e) => e.action).join(',')}`);
    const failsBefore = asc.slice(0, lockIdx).filter((e) => e.action === 'auth.login_failed');
    assert.equal(failsBefore.length, 5, 'exactly five failures led to the lockout');
    for (const f of failsBefore) assert.notEqual(f.result, 'success', 'a failed login is not recorded as success');
    const unlock = asc.find((e) => e.action === 'user.unlock' && e.seq > asc[lockIdx].seq);
    assert.ok(unlock, 'user.unlock recorded after the lockout');
    assert.equal(unlock.actor, sec.username, 'unlock attributed to the security admin');
    assert.equal(String(unlock.target_id), String(victim.user.id));
    assert.ok(unlock.ip && /127\.0\.0\.1/.test(unlock.ip), `source ip recorded: ${unlock.ip}`);
    assert.ok(asc.some((e) => e.action === 'user.lock'), 'admin lock audited');
    assert.ok(asc.some((e) => e.action === 'auth.login' && e.seq > unlock.seq), 'successful login audited');
    // The failed logins never record the password tried.
    assert.ok(!JSON.stringify(evs).includes('Wrong-0-Pass!x'), 'no password text in audit');
  });

  it('the audit admin reads the log; the security admin cannot', async () => {
    assertError(await sec.client.get('/audit'), 403, 'forbidden');
    const v = await aud.client.ok('GET', '/audit/verify');
    assert.equal(v.ok, true, JSON.stringify(v));
  });
});
