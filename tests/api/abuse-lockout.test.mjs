// Issue 11 M1 — lockout abuse and user enumeration at sign-in. Before: five wrong passwords
// locked any account for 30 minutes for everyone (admin included: a denial of service anyone
// could run), and unknown user names never locked and answered in ~6 ms against ~90 ms for known
// ones. Now failures count per (user name, source address): the attacker's address is locked out
// of that name, the owner signing in from elsewhere is not; unknown names are counted and answered
// exactly like known ones, and every attempt spends one password hash. An address that fails
// across many names (password spraying) is refused for every name, and only that address is.
// Clients here sign in from chosen loopback addresses (Linux routes all of 127/8 to lo).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, login, uid, ADMIN_PASSWORD } from './lib/server.mjs';
import { adminLogin, rootOrg, staff, auditEvents } from './lib/fixtures.mjs';

function loginFrom(base, localAddress, username, password) {
  const u = new URL(base);
  const payload = Buffer.from(JSON.stringify({ username, password }));
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/api/v1/auth/login', localAddress,
      agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length, Connection: 'close' } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        let json = null;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, ms });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

describe('abuse: sign-in lockout and enumeration (M1)', () => {
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

  it('five wrong passwords from one address lock that address out, not the owner elsewhere', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await loginFrom(srv.base, '127.0.0.2', victim.username, `Wrong-${i}-Pass!x`)).status, 401);
    const attacker = await loginFrom(srv.base, '127.0.0.2', victim.username, victim.password);
    assert.equal(attacker.status, 423, 'the attacking address is locked out, even with the right password');
    assert.equal(attacker.json.error.code, 'account_locked');
    const owner = await loginFrom(srv.base, '127.0.0.3', victim.username, victim.password);
    assert.equal(owner.status, 200, `the owner from another address still signs in: ${JSON.stringify(owner.json)}`);
  });

  it('the administrator cannot be locked out by anyone else', async () => {
    for (let i = 0; i < 8; i++)
      await loginFrom(srv.base, '127.0.0.4', 'admin', `Wrong-${i}-Pass!x`);
    assert.equal((await loginFrom(srv.base, '127.0.0.4', 'admin', ADMIN_PASSWORD)).status, 423);
    assert.equal((await loginFrom(srv.base, '127.0.0.1', 'admin', ADMIN_PASSWORD)).status, 200);
  });

  it('the lock shows to the security admin, is audited with its source, and unlock clears it', async () => {
    const u = await sec.client.ok('GET', `/users/${victim.user.id}`);
    assert.equal(u.locked, true, 'a per-address lock is visible on the account');
    assert.ok(u.failed_attempts >= 5);
    const lockouts = (await auditEvents(aud.client, 'action=auth.lockout')).filter((e) => e.detail.username === victim.username);
    assert.ok(lockouts.length >= 1, 'auth.lockout audited');
    assert.equal(lockouts[0].detail.source, '127.0.0.2');
    assert.equal((await sec.client.post(`/users/${victim.user.id}/unlock`, {})).status, 200);
    assert.equal((await loginFrom(srv.base, '127.0.0.2', victim.username, victim.password)).status, 200);
    assert.equal((await sec.client.ok('GET', `/users/${victim.user.id}`)).locked, false);
  });

  it('unknown and known user names answer with the same statuses, in the same order', async () => {
    const ghost = uid('ghost_');
    const seq = async (addr, name) => {
      const out = [];
      for (let i = 0; i < 6; i++) out.push((await loginFrom(srv.base, addr, name, `Wrong-${i}-Pass!x`)).status);
      return out;
    };
    const known = await seq('127.0.0.5', victim.username);
    const unknown = await seq('127.0.0.6', ghost);
    assert.deepEqual(known, [401, 401, 401, 401, 401, 423]);
    assert.deepEqual(unknown, known, 'an unknown name locks like a known one');
  });

  it('unknown, known and locked names take the same time (one password hash each)', async () => {
    const times = { known: [], unknown: [], locked: [] };
    for (let i = 0; i < 7; i++) {
      // fresh addresses for the first two so neither gets locked on the way
      times.known.push((await loginFrom(srv.base, `127.0.1.${i + 1}`, victim.username, `Wrong-${i}-Pass!x`)).ms);
      times.unknown.push((await loginFrom(srv.base, `127.0.2.${i + 1}`, uid('ghost_'), `Wrong-${i}-Pass!x`)).ms);
      times.locked.push((await loginFrom(srv.base, '127.0.0.5', victim.username, victim.password)).ms);
    }
    const k = median(times.known);
    for (const other of ['unknown', 'locked']) {
      const ratio = median(times[other]) / k;
      assert.ok(ratio > 0.5 && ratio < 2, `${other} ${median(times[other]).toFixed(1)} ms vs known ${k.toFixed(1)} ms (ratio ${ratio.toFixed(2)})`);
    }
  });

  it('an address spraying many names is refused for every name; other addresses are not', async () => {
    const pol = await sec.client.ok('GET', '/security/policy');
    const threshold = 3; // the lowest the policy allows: fewest hashes for this test
    await sec.client.ok('PUT', '/security/policy', {
      password_profile: pol.password_profile, lockout_threshold: threshold, lockout_minutes: pol.lockout_minutes,
      session_idle_minutes: pol.session_idle_minutes, session_absolute_hours: pol.session_absolute_hours,
    });
    let refused = null;
    for (let i = 0; i < 20 * threshold + 8 && !refused; i += 4) {
      const batch = await Promise.all([0, 1, 2, 3].map(() => loginFrom(srv.base, '127.0.3.1', uid('spray_'), 'Spray-Pass-2026!')));
      refused = batch.find((r) => r.status === 429) || null;
      for (const r of batch) assert.ok([401, 429].includes(r.status), `spray answer ${r.status}`);
    }
    assert.ok(refused, 'the spraying address is throttled');
    assert.equal(refused.json.error.code, 'too_many_attempts');
    assert.equal((await loginFrom(srv.base, '127.0.3.1', victim.username, victim.password)).status, 429);
    assert.equal((await loginFrom(srv.base, '127.0.3.2', victim.username, victim.password)).status, 200);
    await login(srv.base, victim.username, victim.password); // and from the usual address
  });
});
