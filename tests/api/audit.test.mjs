// The audit log as the audit admin sees it: coverage of admin actions, order, filters, paging,
// before/after detail for updates, and GET /audit/verify.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, tryLogin, assertError, ADMIN_PASSWORD } from './lib/server.mjs';
import { adminLogin, rootOrg, createOrg, staff, auditEvents } from './lib/fixtures.mjs';

describe('audit', () => {
  let srv;
  let admin;
  let root;
  let sec;
  let aud;
  let org;
  let victim;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
    sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
    aud = await staff(srv, admin, ['audit_admin'], { org_id: root.id });
    victim = await staff(srv, admin, ['registrar'], { org_id: root.id });
    // A script of administrative events.
    org = await createOrg(admin, root.id, { type: 'branch', name: '审计前名称' });
    await admin.ok('PATCH', `/institutions/${org.id}`, { name: '审计后名称', address: '新地址' });
    const sub = await createOrg(admin, org.id, { type: 'sub_branch' });
    await admin.ok('POST', `/institutions/${sub.id}/move`, { parent_id: root.id });
    await admin.ok('DELETE', `/institutions/${sub.id}`);
    await admin.ok('PATCH', `/users/${victim.user.id}`, { name: '改过的名字' });
    await admin.ok('POST', `/users/${victim.user.id}/disable`, {});
    await admin.ok('POST', `/users/${victim.user.id}/enable`, {});
    await sec.client.ok('POST', `/users/${victim.user.id}/lock`, {});
    await sec.client.ok('POST', `/users/${victim.user.id}/unlock`, {});
    await admin.ok('POST', `/users/${victim.user.id}/reset-password`, {}); // the system admin's since H1
    await sec.client.ok('POST', `/users/${victim.user.id}/activation-code`, {});
    const role = await sec.client.ok('POST', '/roles', { code: 'audit_probe', name: '审计探针', permissions: ['complaint.view'], data_scope: 'org' }, 201);
    await sec.client.ok('PATCH', `/roles/${role.id}`, { name: '审计探针2' });
    await sec.client.ok('DELETE', `/roles/${role.id}`);
    const p = await sec.client.ok('GET', '/security/policy');
    await sec.client.ok('PUT', '/security/policy', {
      password_profile: p.password_profile, lockout_threshold: p.lockout_threshold, lockout_minutes: p.lockout_minutes,
      session_idle_minutes: p.session_idle_minutes, session_absolute_hours: p.session_absolute_hours,
    });
    await tryLogin(srv.base, 'admin', 'Wrong-password-1!');
    const c = await login(srv.base, 'admin', ADMIN_PASSWORD);
    await c.ok('POST', '/auth/logout', {});
  });
  after(async () => { await srv?.stop(); });

  it('every administrative action left its event', async () => {
    const actions = new Set((await auditEvents(aud.client)).map((e) => e.action));
    for (const a of ['auth.login', 'auth.login_failed', 'auth.logout', 'auth.password_change', 'org.create', 'org.update',
      'org.move', 'org.delete', 'user.create', 'user.update', 'user.disable', 'user.enable', 'user.lock', 'user.unlock',
      'user.reset_password', 'user.activation_code', 'role.create', 'role.update', 'role.delete', 'policy.update']) {
      assert.ok(actions.has(a), `audit has ${a}; got ${[...actions].sort().join(', ')}`);
    }
  });

  it('items carry the documented fields with sensible values', async () => {
    const r = await aud.client.ok('GET', '/audit?page_size=50');
    for (const e of r.items) {
      for (const k of ['seq', 'at', 'actor_id', 'actor', 'ip', 'action', 'target_type', 'target_id', 'result', 'detail', 'hash']) {
        assert.ok(k in e, `event.${k} in ${JSON.stringify(e)}`);
      }
      assert.ok(Number.isInteger(e.seq) && e.seq > 0);
      assert.ok(Number.isInteger(e.at) && e.at > 1.6e12 && e.at <= Date.now() + 60000, `at ${e.at} is epoch ms`);
      assert.equal(typeof e.detail, 'object');
      assert.ok(typeof e.hash === 'string' && e.hash.length >= 32, `hash looks like a digest: ${e.hash}`);
    }
    const create = r.items.find((e) => e.action === 'org.create' && String(e.target_id) === String(org.id));
    assert.ok(create, 'org.create for our institution');
    assert.equal(create.actor, 'admin');
    assert.ok(['institution', 'org'].includes(create.target_type), `target_type ${create.target_type}`);
    assert.equal(create.ip, '127.0.0.1');
    assert.ok(typeof create.result === 'string' && create.result.length > 0);
    const failed = r.items.find((e) => e.action === 'auth.login_failed');
    assert.ok(failed, 'a failed login among the latest 50');
    assert.notEqual(failed.result, create.result, 'failure and success results differ');
  });

  it('newest first: seq strictly decreasing, at non-increasing, across pages without overlap', async () => {
    const all = await auditEvents(aud.client);
    for (let i = 1; i < all.length; i++) {
      assert.ok(all[i - 1].seq > all[i].seq, `seq order at ${i}: ${all[i - 1].seq} then ${all[i].seq}`);
      assert.ok(all[i - 1].at >= all[i].at, `time order at ${i}`);
    }
    const p1 = await aud.client.ok('GET', '/audit?page=1&page_size=5');
    const p2 = await aud.client.ok('GET', '/audit?page=2&page_size=5');
    assert.equal(p1.items.length, 5);
    assert.equal(p1.total, p2.total);
    assert.ok(p1.items[4].seq > p2.items[0].seq, 'page 2 continues page 1');
    assert.deepEqual(p1.items.map((e) => e.seq), all.slice(0, 5).map((e) => e.seq));
    assert.equal(new Set(all.map((e) => e.seq)).size, all.length, 'seq unique');
  });

  it('an update records before and after', async () => {
    const evs = await auditEvents(aud.client, `action=org.update&target_id=${org.id}`);
    assert.equal(evs.length, 1, JSON.stringify(evs));
    const d = evs[0].detail;
    assert.ok(d.before && d.after, `detail has before/after: ${JSON.stringify(d)}`);
    assert.equal(d.before.name, '审计前名称');
    assert.equal(d.after.name, '审计后名称');
    assert.equal(d.after.address, '新地址');
    const u = await auditEvents(aud.client, `action=user.update&target_id=${victim.user.id}`);
    assert.equal(u.length, 1);
    assert.equal(u[0].detail.after.name, '改过的名字');
    assert.notEqual(u[0].detail.before.name, '改过的名字');
  });

  it('filters: action, actor, result, target, time range', async () => {
    const byAction = await auditEvents(aud.client, 'action=org.create');
    assert.ok(byAction.length >= 2 && byAction.every((e) => e.action === 'org.create'));
    const byActor = await auditEvents(aud.client, `actor=${sec.username}`);
    assert.ok(byActor.length >= 5 && byActor.every((e) => e.actor === sec.username));
    const failed = await auditEvents(aud.client, 'action=auth.login_failed');
    assert.ok(failed.length >= 1);
    const res = failed[0].result;
    assert.notEqual(res, 'success');
    const byResult = await auditEvents(aud.client, `result=${encodeURIComponent(res)}`);
    assert.ok(byResult.every((e) => e.result === res) && byResult.some((e) => e.seq === failed[0].seq));
    const all = await auditEvents(aud.client);
    const mid = all[Math.floor(all.length / 2)];
    const from = await auditEvents(aud.client, `from=${mid.at}`);
    assert.ok(from.every((e) => e.at >= mid.at) && from.some((e) => e.seq === mid.seq));
    const to = await auditEvents(aud.client, `to=${mid.at}`);
    assert.ok(to.every((e) => e.at <= mid.at + 999));
    assert.equal((await aud.client.ok('GET', '/audit?action=no.such.action')).total, 0);
  });

  it('reading the audit log is itself not writable: no POST/PUT/DELETE on /audit', async () => {
    const n = (await aud.client.ok('GET', '/audit?page_size=1')).total;
    for (const m of ['post', 'put', 'del']) {
      const r = m === 'del' ? await aud.client.del('/audit') : await aud.client[m]('/audit', {});
      assert.ok(r.status === 404 || r.status === 405, `${m} /audit → ${r.status}`);
    }
    const seq = (await aud.client.ok('GET', '/audit?page_size=1')).items[0].seq;
    const d = await aud.client.del(`/audit/${seq}`);
    assert.ok(d.status === 404 || d.status === 405, `DELETE /audit/{seq} → ${d.status}`);
    assert.ok((await aud.client.ok('GET', '/audit?page_size=1')).total >= n);
  });

  it('GET /audit/verify → ok:true over every event', async () => {
    const v = await aud.client.ok('GET', '/audit/verify');
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.equal(v.first_bad_seq, null);
    const total = (await aud.client.ok('GET', '/audit?page_size=1')).total;
    assert.ok(v.events >= total - 1 && v.events <= total + 1, `verify counted ${v.events}, list has ${total}`);
    assert.ok(v.events > 30);
  });

  it('only audit.view may read; others get 403', async () => {
    assertError(await admin.get('/audit'), 403, 'forbidden');
    assertError(await sec.client.get('/audit/verify'), 403, 'forbidden');
    const clerk = await staff(srv, admin, ['registrar'], { org_id: root.id });
    assertError(await clerk.client.get('/audit'), 403, 'forbidden');
  });
});
