// Permissions, data scope and 三员 separation: who may write institutions, which users a
// branch-scoped manager sees, one 三员 role per account, no self-grant, audit only for auditors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, assertHidden, uid } from './lib/server.mjs';
import { adminLogin, rootOrg, createOrg, createUser, staff, roleId, listAll, finCode } from './lib/fixtures.mjs';

describe('permissions and scope', () => {
  let srv;
  let admin;
  let root;
  let sec;
  let aud;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
    sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
    aud = await staff(srv, admin, ['audit_admin'], { org_id: root.id });
  });
  after(async () => { await srv?.stop(); });

  describe('institution writes need org.manage', () => {
    let clerk;
    let target;
    before(async () => {
      target = await createOrg(admin, root.id, { type: 'branch' });
      clerk = await staff(srv, admin, ['registrar'], { org_id: target.id });
    });

    it('POST /institutions → 403 forbidden, nothing created', async () => {
      const before = (await listAll(admin, '/institutions')).total;
      const r = await clerk.client.post('/institutions', {
        parent_id: target.id, name: uid('x'), internal_code: uid('IC_'), fin_code: finCode(), region_code: '110101', type: 'sub_branch',
      });
      assertError(r, 403, 'forbidden');
      assert.equal((await listAll(admin, '/institutions')).total, before);
    });

    it('PATCH /institutions/{id} → 403 forbidden, unchanged', async () => {
      assertError(await clerk.client.patch(`/institutions/${target.id}`, { name: '改名' }), 403, 'forbidden');
      assert.equal((await admin.ok('GET', `/institutions/${target.id}`)).name, target.name);
    });

    it('DELETE /institutions/{id} and move → 403 forbidden, still there', async () => {
      const leaf = await createOrg(admin, target.id, { type: 'sub_branch' });
      assertError(await clerk.client.del(`/institutions/${leaf.id}`), 403, 'forbidden');
      assertError(await clerk.client.post(`/institutions/${leaf.id}/move`, { parent_id: root.id }), 403, 'forbidden');
      const now = await admin.ok('GET', `/institutions/${leaf.id}`);
      assert.equal(now.parent_id, target.id);
      assert.equal(now.status, 'active');
    });

    it('a signed-in user without org.manage can still read institutions in scope', async () => {
      const r = await clerk.client.ok('GET', `/institutions/${target.id}`);
      assert.equal(r.id, target.id);
    });

    it('a user without user.manage cannot list or create users', async () => {
      assertError(await clerk.client.get('/users'), 403, 'forbidden');
      assertError(await clerk.client.post('/users', { username: uid('u_'), name: 'x', org_id: target.id }), 403, 'forbidden');
    });
  });

  describe('data scope "subtree"', () => {
    let branchA;
    let subA;
    let branchB;
    let inA;
    let inSubA;
    let inB;
    let mgr;
    let scopedRole;
    before(async () => {
      branchA = await createOrg(admin, root.id, { type: 'branch', name: uid('甲分行') });
      subA = await createOrg(admin, branchA.id, { type: 'sub_branch', name: uid('甲支行') });
      branchB = await createOrg(admin, root.id, { type: 'branch', name: uid('乙分行') });
      inA = (await createUser(admin, { org_id: branchA.id, roles: ['registrar'] })).user;
      inSubA = (await createUser(admin, { org_id: subA.id, roles: ['handler'] })).user;
      inB = (await createUser(admin, { org_id: branchB.id, roles: ['registrar'] })).user;
      scopedRole = await sec.client.ok('POST', '/roles', {
        code: uid('branch_um_'), name: '分行用户管理员', permissions: ['user.manage'], data_scope: 'subtree',
      }, 201);
      mgr = await staff(srv, admin, [scopedRole.id], { org_id: branchA.id });
    });

    it('the manager\'s User shows the role\'s permissions and scope', async () => {
      const me = await mgr.client.ok('GET', '/auth/me');
      assert.equal(me.user.data_scope, 'subtree');
      assert.deepEqual(me.user.permissions, ['user.manage']);
      assert.equal(me.user.org_id, branchA.id);
    });

    it('GET /users lists only users in the branch subtree, and total agrees', async () => {
      const r = await listAll(mgr.client, '/users');
      const ids = new Set(r.items.map((u) => u.id));
      const allowed = new Set([branchA.id, subA.id]);
      for (const u of r.items) assert.ok(allowed.has(u.org_id), `user ${u.username} at org ${u.org_id} is outside the subtree`);
      for (const u of [inA, inSubA, mgr.user]) assert.ok(ids.has(u.id), `${u.username} listed`);
      assert.ok(!ids.has(inB.id), 'sibling branch user hidden');
      assert.ok(!r.items.some((u) => u.username === 'admin'), 'root user hidden');
      assert.equal(r.total, r.items.length, 'total counts only users in scope');
      assert.equal(r.total, 3);
    });

    it('filters stay inside scope: org_id of a sibling branch gives nothing (or 403)', async () => {
      const r = await mgr.client.get(`/users?org_id=${branchB.id}`);
      if (r.status === 200) {
        assert.equal(r.json.total, 0);
        assert.deepEqual(r.json.items, []);
      } else {
        assertHidden(r);
      }
      const q = await mgr.client.ok('GET', `/users?q=${encodeURIComponent(inB.username)}`);
      assert.equal(q.total, 0, 'search cannot find a user outside scope');
    });

    it('org_id filter means that institution\'s subtree', async () => {
      const r = await listAll(admin, `/users?org_id=${branchA.id}`);
      const ids = r.items.map((u) => u.id).sort();
      assert.deepEqual(ids, [inA.id, inSubA.id, mgr.user.id].sort());
    });

    it('a user outside scope cannot be fetched, changed, closed or re-roled', async () => {
      assertHidden(await mgr.client.get(`/users/${inB.id}`));
      assertHidden(await mgr.client.patch(`/users/${inB.id}`, { name: '越权修改' }));
      assertHidden(await mgr.client.del(`/users/${inB.id}`));
      assertHidden(await mgr.client.post(`/users/${inB.id}/disable`, {}));
      // Granting roles is the security admin's (role.manage), not a user manager's: 403 before scope.
      assertError(await mgr.client.put(`/users/${inB.id}/roles`, { role_ids: [] }), 403, 'forbidden');
      const now = await admin.ok('GET', `/users/${inB.id}`);
      assert.equal(now.name, inB.name);
      assert.equal(now.status, 'active');
      assert.equal(now.roles.length, 1);
    });

    it('a user inside scope can be fetched and edited', async () => {
      const u = await mgr.client.ok('GET', `/users/${inSubA.id}`);
      assert.equal(u.username, inSubA.username);
      const p = await mgr.client.ok('PATCH', `/users/${inSubA.id}`, { name: '范围内修改' });
      assert.equal(p.name, '范围内修改');
    });

    // The institution here is a referenced value, not the addressed object: besides 403/404 the
    // spec's invalid_field (field org_id) is a fair answer, and it does not reveal existence.
    const assertRefused = (r) => {
      if (r.status === 400) assertError(r, 400, 'invalid_field', 'org_id');
      else assertHidden(r);
    };

    it('cannot create a user in, or move a user to, an institution outside scope', async () => {
      const before = (await listAll(admin, '/users')).total;
      const r = await mgr.client.post('/users', { username: uid('u_'), name: '越权新建', org_id: branchB.id });
      assertRefused(r);
      assert.equal((await listAll(admin, '/users')).total, before);
      assertRefused(await mgr.client.patch(`/users/${inA.id}`, { org_id: branchB.id }));
      assert.equal((await admin.ok('GET', `/users/${inA.id}`)).org_id, branchA.id);
    });

    it('institution reads follow scope: sibling branch hidden from a subtree user', async () => {
      assertHidden(await mgr.client.get(`/institutions/${branchB.id}`));
      const list = await listAll(mgr.client, '/institutions');
      const ids = new Set(list.items.map((o) => o.id));
      assert.ok(ids.has(branchA.id) && ids.has(subA.id));
      assert.ok(!ids.has(branchB.id), 'sibling branch not listed');
    });

    it('scope follows a move at once: moving the user to branch B changes what they see', async () => {
      await admin.ok('PATCH', `/users/${mgr.user.id}`, { org_id: branchB.id });
      const r = await listAll(mgr.client, '/users');
      const ids = new Set(r.items.map((u) => u.id));
      assert.ok(ids.has(inB.id) && !ids.has(inA.id), 'now sees branch B only');
      await admin.ok('PATCH', `/users/${mgr.user.id}`, { org_id: branchA.id });
    });
  });

  describe('三员 separation', () => {
    it('creating a user with two 三员 roles → 409 sanyuan_conflict, no user created', async () => {
      const uname = uid('dual_');
      const pairs = [['sys_admin', 'audit_admin'], ['sys_admin', 'sec_admin'], ['sec_admin', 'audit_admin']];
      for (const pair of pairs) {
        const ids = [await roleId(admin, pair[0]), await roleId(admin, pair[1])];
        const r = await admin.post('/users', { username: uname, name: '双角色', org_id: root.id, role_ids: ids });
        assertError(r, 409, 'sanyuan_conflict');
      }
      assert.equal((await admin.ok('GET', `/users?q=${uname}`)).total, 0);
    });

    it('PUT roles giving a second 三员 role → 409 sanyuan_conflict, roles unchanged', async () => {
      const other = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
      const ids = [await roleId(admin, 'sec_admin'), await roleId(admin, 'audit_admin')];
      assertError(await sec.client.put(`/users/${other.user.id}/roles`, { role_ids: ids }), 409, 'sanyuan_conflict');
      const u = await admin.ok('GET', `/users/${other.user.id}`);
      assert.deepEqual(u.roles.map((r) => r.code), ['sec_admin']);
    });

    // Changed with H1 (issue 11): this test asserted that a 三员 role plus a business role was
    // allowed — the hole itself. An account's roles are now of one family.
    it('one 三员 role plus a business role → 409 sanyuan_conflict (an account holds one family)', async () => {
      const ids = [await roleId(admin, 'audit_admin'), await roleId(admin, 'statistician')];
      const u = await staff(srv, admin, ['registrar'], { org_id: root.id });
      assertError(await sec.client.put(`/users/${u.user.id}/roles`, { role_ids: ids }), 409, 'sanyuan_conflict');
      assert.deepEqual((await admin.ok('GET', `/users/${u.user.id}`)).roles.map((x) => x.code), ['registrar']);
    });

    it('the sys admin cannot read the audit log', async () => {
      assertError(await admin.get('/audit'), 403, 'forbidden');
      assertError(await admin.get('/audit/verify'), 403, 'forbidden');
    });

    it('the audit admin cannot create users, change roles or policy', async () => {
      assertError(await aud.client.post('/users', { username: uid('u_'), name: 'x', org_id: root.id }), 403, 'forbidden');
      assertError(await aud.client.put(`/users/${sec.user.id}/roles`, { role_ids: [] }), 403, 'forbidden');
      assertError(await aud.client.post('/roles', { code: uid('r_'), name: 'x', permissions: [], data_scope: 'self' }), 403, 'forbidden');
      assertError(await aud.client.put('/security/policy', { password_profile: 'asvs', lockout_threshold: 5, lockout_minutes: 30, session_idle_minutes: 30, session_absolute_hours: 12 }), 403, 'forbidden');
      assertError(await aud.client.post('/institutions', { name: 'x' }), 403, 'forbidden');
    });

    it('the security admin cannot create accounts or institutions', async () => {
      assertError(await sec.client.post('/users', { username: uid('u_'), name: 'x', org_id: root.id }), 403, 'forbidden');
      assertError(await sec.client.post('/institutions', { name: 'x' }), 403, 'forbidden');
    });

    it('changing one\'s own roles → 403 self_grant (the sys admin may not grant at all)', async () => {
      const me = await sec.client.ok('GET', '/auth/me');
      const ids = [await roleId(admin, 'sec_admin'), await roleId(admin, 'reviewer')];
      assertError(await sec.client.put(`/users/${me.user.id}/roles`, { role_ids: ids }), 403, 'self_grant');
      assertError(await sec.client.put(`/users/${me.user.id}/roles`, { role_ids: [] }), 403, 'self_grant');
      const adminMe = await admin.ok('GET', '/auth/me');
      assertError(await admin.put(`/users/${adminMe.user.id}/roles`, { role_ids: [] }), 403, 'forbidden');
      const after = await sec.client.ok('GET', '/auth/me');
      assert.deepEqual(after.user.roles.map((r) => r.code), ['sec_admin']);
    });
  });
});
