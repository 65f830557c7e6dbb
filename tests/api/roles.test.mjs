// Roles (角色管理): built-ins, the permission catalogue, create/edit/delete custom roles, guards
// for roles in use and for built-in 三员 roles.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, uid } from './lib/server.mjs';
import { adminLogin, rootOrg, staff } from './lib/fixtures.mjs';

const BUILTIN = {
  sys_admin: { perms: ['org.manage', 'user.manage'], scope: 'all', sanyuan: 'sys' },
  sec_admin: { perms: ['role.manage', 'security.policy', 'token.manage', 'user.status'], scope: 'all', sanyuan: 'sec' },
  audit_admin: { perms: ['audit.view'], scope: 'all', sanyuan: 'audit' },
  registrar: { perms: ['complaint.register', 'complaint.view', 'pii.lookup'], scope: 'org', sanyuan: null },
  handler: { perms: ['complaint.handle', 'complaint.view', 'pii.lookup'], scope: 'subtree', sanyuan: null },
  // docs/api-platform.md (审核员(消保) also runs 基础数据配置 and 监管报送).
  reviewer: {
    perms: ['complaint.callback', 'complaint.delete.approve', 'complaint.review', 'complaint.view', 'config.manage', 'pii.unmask', 'regulator.manage', 'report.view'],
    scope: 'all', sanyuan: null,
  },
  statistician: { perms: ['complaint.view', 'report.view'], scope: 'subtree', sanyuan: null },
  manager: { perms: ['complaint.view', 'report.view'], scope: 'subtree', sanyuan: null },
};

describe('roles', () => {
  let srv;
  let admin;
  let sec;
  let root;
  let role;
  const roles = async () => (await sec.client.ok('GET', '/roles')).items;

  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
    sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
  });
  after(async () => { await srv?.stop(); });

  it('built-in roles exist with the specified permissions, scope and 三员 marker', async () => {
    const items = await roles();
    const wrong = [];
    for (const [code, want] of Object.entries(BUILTIN)) {
      const r = items.find((x) => x.code === code);
      assert.ok(r, `built-in role ${code}`);
      for (const k of ['id', 'code', 'name', 'description', 'permissions', 'data_scope', 'builtin', 'sanyuan', 'user_count']) {
        assert.ok(k in r, `Role.${k}`);
      }
      const got = { builtin: r.builtin, perms: [...r.permissions].sort(), scope: r.data_scope, sanyuan: r.sanyuan };
      const exp = { builtin: true, ...want };
      if (JSON.stringify(got) !== JSON.stringify(exp)) wrong.push(`${code}: got ${JSON.stringify(got)}, spec ${JSON.stringify(exp)}`);
    }
    assert.deepEqual(wrong, [], 'built-in roles as in docs/api-platform.md and docs/api-complaints.md');
    assert.equal(items.find((x) => x.code === 'sys_admin').name, '系统管理员');
    assert.equal(items.find((x) => x.code === 'sys_admin').user_count, 1);
  });

  it('GET /permissions lists every code with a name and group', async () => {
    const p = await sec.client.ok('GET', '/permissions');
    const codes = p.items.map((x) => x.code);
    const all = new Set(Object.values(BUILTIN).flatMap((b) => b.perms));
    for (const c of all) assert.ok(codes.includes(c), `permission ${c} listed`);
    for (const x of p.items) {
      assert.equal(typeof x.name, 'string');
      assert.ok(x.name.length > 0);
      assert.equal(typeof x.group, 'string');
    }
  });

  it('the sys admin reads roles (user.manage) but cannot write them (role.manage)', async () => {
    assert.equal((await admin.get('/roles')).status, 200);
    assertError(await admin.post('/roles', { code: uid('r_'), name: 'x', permissions: [], data_scope: 'org' }), 403, 'forbidden');
  });

  it('a user with neither role.manage nor user.manage cannot read roles', async () => {
    const clerk = await staff(srv, admin, ['registrar'], { org_id: root.id });
    assertError(await clerk.client.get('/roles'), 403, 'forbidden');
  });

  it('create a role with permissions and scope → 201', async () => {
    const body = { code: uid('branch_viewer_'), name: '分行查询员', description: '只读', permissions: ['complaint.view', 'report.view'], data_scope: 'org' };
    const r = await sec.client.post('/roles', body);
    assert.equal(r.status, 201, r.text);
    role = r.json;
    assert.equal(role.code, body.code);
    assert.equal(role.name, body.name);
    assert.equal(role.description, '只读');
    assert.deepEqual([...role.permissions].sort(), body.permissions);
    assert.equal(role.data_scope, 'org');
    assert.equal(role.builtin, false);
    assert.equal(role.sanyuan, null);
    assert.equal(role.user_count, 0);
    assert.ok((await roles()).some((x) => x.id === role.id));
  });

  it('bad role input → 400 naming the field; duplicate code → 409', async () => {
    const n = (await roles()).length;
    const base = { code: uid('r_'), name: '坏角色', permissions: ['complaint.view'], data_scope: 'org' };
    assertError(await sec.client.post('/roles', { ...base, permissions: ['no.such.permission'] }), 400, 'invalid_field', 'permissions');
    assertError(await sec.client.post('/roles', { ...base, permissions: 'complaint.view' }), 400, 'invalid_field', 'permissions');
    assertError(await sec.client.post('/roles', { ...base, data_scope: 'galaxy' }), 400, 'invalid_field', 'data_scope');
    const { code, ...noCode } = base;
    assertError(await sec.client.post('/roles', noCode), 400, 'missing_field', 'code');
    const dup = await sec.client.post('/roles', { ...base, code: role.code });
    assert.equal(dup.status, 409, dup.text);
    assert.equal((await roles()).length, n);
  });

  it('PATCH edits name, permissions and scope', async () => {
    const r = await sec.client.ok('PATCH', `/roles/${role.id}`, { name: '分行查询员2', permissions: ['complaint.view'], data_scope: 'subtree' });
    assert.equal(r.name, '分行查询员2');
    assert.deepEqual(r.permissions, ['complaint.view']);
    assert.equal(r.data_scope, 'subtree');
    const again = (await roles()).find((x) => x.id === role.id);
    assert.deepEqual(again.permissions, ['complaint.view']);
    assert.equal(again.code, role.code, 'code unchanged');
    assertError(await sec.client.patch(`/roles/${role.id}`, { code: 'renamed' }), 400, 'unknown_field', 'code');
  });

  it('a permission change reaches users of the role at once', async () => {
    const u = await staff(srv, admin, [role.id], { org_id: root.id });
    assert.deepEqual((await u.client.ok('GET', '/auth/me')).user.permissions, ['complaint.view']);
    await sec.client.ok('PATCH', `/roles/${role.id}`, { permissions: ['complaint.view', 'report.view'] });
    assert.deepEqual([...(await u.client.ok('GET', '/auth/me')).user.permissions].sort(), ['complaint.view', 'report.view']);
    role.holder = u;
  });

  it('delete while assigned → 409 role_in_use; after unassigning → 200', async () => {
    assert.equal((await roles()).find((x) => x.id === role.id).user_count, 1);
    assertError(await sec.client.del(`/roles/${role.id}`), 409, 'role_in_use');
    await sec.client.ok('PUT', `/users/${role.holder.user.id}/roles`, { role_ids: [] }); // grants are the security admin's
    assert.equal((await roles()).find((x) => x.id === role.id).user_count, 0);
    const r = await sec.client.del(`/roles/${role.id}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!(await roles()).some((x) => x.id === role.id));
  });

  it('built-in roles: delete → 409 role_builtin; 三员 permissions cannot change → 409 role_builtin', async () => {
    const items = await roles();
    for (const code of ['sys_admin', 'sec_admin', 'audit_admin', 'registrar']) {
      assertError(await sec.client.del(`/roles/${items.find((x) => x.code === code).id}`), 409, 'role_builtin');
    }
    for (const code of ['sys_admin', 'sec_admin', 'audit_admin']) {
      const r = items.find((x) => x.code === code);
      assertError(await sec.client.patch(`/roles/${r.id}`, { permissions: [...r.permissions, 'pii.unmask'] }), 409, 'role_builtin');
    }
    const after = await roles();
    for (const code of ['sys_admin', 'sec_admin', 'audit_admin']) {
      assert.deepEqual([...after.find((x) => x.code === code).permissions].sort(), BUILTIN[code].perms);
    }
  });

  it('unknown role id → 404 not_found', async () => {
    assertError(await sec.client.patch('/roles/987654321', { name: 'x' }), 404, 'not_found');
    assertError(await sec.client.del('/roles/987654321'), 404, 'not_found');
  });
});
