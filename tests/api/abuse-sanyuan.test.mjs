// Abuse tests for the 三员 separation (issue 11, H1; design in docs/security.md). Every path by
// which one administrator got around 三员 on commit 1207e4e is tried here and must fail:
//   - the security admin widens the built-in 统计员 role to every permission, resets tongji's
//     password, signs in as tongji; resets the auditor; locks/unlocks the system admin;
//   - the system admin creates a sec_admin account (password comes back), or a reviewer account;
//   - PUT /users/{id}/roles with an all-permission custom role plus a 三员 role;
//   - the security admin mints a token for a service account holding sys_admin.
// Then a scripted attack runs every path from each 三员 account alone (system admin, security
// admin, auditor), uses every credential it obtained, and ends by asserting that no account holds
// two families and that no account an attacker controls holds PII or another 三员's duties.
// On a server from before families (no `family` on roles) the setup falls back to the old way of
// making accounts, so the same assertions run there and fail on the holes themselves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, login, tryLogin, bearer, uid, strongPassword, assertError,
} from './lib/server.mjs';
import { adminLogin, rootOrg, roleId, securityAdmin, staff, activate, listAll } from './lib/fixtures.mjs';

const FAMILY = {
  'org.manage': 'system', 'user.manage': 'system', 'integration.manage': 'system', // issue 15
  'role.manage': 'security', 'user.status': 'security', 'security.policy': 'security', 'token.manage': 'security',
  'audit.view': 'audit',
};
const familyOf = (perm) => FAMILY[perm] || 'business';
const families = (perms) => new Set(perms.map(familyOf));

describe('三员 separation: abuse (H1)', () => {
  let srv;
  let admin;
  let root;
  let sec;
  let aud;
  let tongji;
  let reviewer;
  let allPerms;
  let legacy = false;

  // An activated account with these roles, made the way the server in front of us allows.
  async function account(roles, opts = {}) {
    if (!legacy) return staff(srv, admin, roles, { org_id: root.id, ...opts });
    const role_ids = [];
    for (const r of roles) role_ids.push(typeof r === 'string' ? await roleId(admin, r) : r);
    const username = opts.username || uid('u_');
    const c = await admin.ok('POST', '/users', { username, name: `用户${username}`, org_id: root.id, role_ids }, 201);
    const { client, password } = await activate(srv.base, username, c.initial_password);
    return { user: c.user, client, password, username };
  }

  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
    legacy = (await admin.ok('GET', '/roles')).items.every((r) => r.family === undefined);
    sec = await securityAdmin(admin);
    aud = await account(['audit_admin']);
    tongji = await account(['statistician'], { username: uid('tongji_') });
    reviewer = await account(['reviewer'], { username: uid('xiaobao_') });
    allPerms = (await admin.ok('GET', '/permissions')).items.map((p) => p.code);
    assert.ok(allPerms.length >= 17, 'the catalogue lists every permission');
  });
  after(async () => { await srv?.stop(); });

  describe('the security admin alone', () => {
    it('cannot widen the built-in 统计员 role to every permission', async () => {
      const id = await roleId(admin, 'statistician');
      const r = await sec.client.patch(`/roles/${id}`, { permissions: allPerms, data_scope: 'all' });
      assertError(r, 400, 'role_family', 'permissions');
      const role = await sec.client.ok('GET', `/roles/${id}`);
      assert.deepEqual([...role.permissions].sort(), ['complaint.view', 'report.view']);
    });

    it('cannot reset tongji\'s password (resets are the system admin\'s), so cannot sign in as tongji', async () => {
      const r = await sec.client.post(`/users/${tongji.user.id}/reset-password`, {});
      assertError(r, 403, 'forbidden');
      assert.ok(!('password' in (r.json || {})), 'no password comes back');
      assert.equal((await tryLogin(srv.base, tongji.username, tongji.password)).status, 200, 'tongji\'s own password still works');
    });

    it('cannot reset the auditor\'s password', async () => {
      assertError(await sec.client.post(`/users/${aud.user.id}/reset-password`, {}), 403, 'forbidden');
    });

    it('cannot lock or unlock the system admin or the auditor', async () => {
      const me = await admin.ok('GET', '/auth/me');
      assertError(await sec.client.post(`/users/${me.user.id}/lock`, {}), 403, 'sanyuan_target');
      assertError(await sec.client.post(`/users/${me.user.id}/unlock`, {}), 403, 'sanyuan_target');
      assertError(await sec.client.post(`/users/${aud.user.id}/lock`, {}), 403, 'sanyuan_target');
      assert.equal((await admin.get('/auth/me')).status, 200, 'the system admin is still signed in');
    });

    it('cannot take the auditor\'s role away or give it business roles', async () => {
      assertError(await sec.client.put(`/users/${aud.user.id}/roles`, { role_ids: [await roleId(admin, 'reviewer')] }),
        403, 'sanyuan_target');
      assert.deepEqual((await aud.client.ok('GET', '/auth/me')).user.permissions, ['audit.view']);
    });

    it('cannot mint a token for a service account holding sys_admin (nor give one that role)', async () => {
      const svc = await admin.post('/users', { username: uid('svc_'), name: '接口', org_id: root.id, is_service: true,
        role_ids: [await roleId(admin, 'sys_admin')] });
      assertError(svc, 409, 'service_account_role', 'role_ids');
      const plain = await admin.ok('POST', '/users', { username: uid('svc_'), name: '接口', org_id: root.id, is_service: true }, 201);
      for (const code of ['sys_admin', 'sec_admin', 'audit_admin', 'reviewer']) {
        assertError(await sec.client.put(`/users/${plain.user.id}/roles`, { role_ids: [await roleId(admin, code)] }),
          409, 'service_account_role', 'role_ids');
      }
      // A business role without PII is fine; the role cannot then gain pii.unmask.
      const role = await sec.client.ok('POST', '/roles', { code: uid('intake_'), name: uid('接口受理'), permissions: ['complaint.register'], data_scope: 'org' }, 201);
      await sec.client.ok('PUT', `/users/${plain.user.id}/roles`, { role_ids: [role.id] });
      const tok = await sec.client.ok('POST', `/users/${plain.user.id}/tokens`, { name: 'intake' }, 201);
      assertError(await sec.client.patch(`/roles/${role.id}`, { permissions: ['complaint.register', 'complaint.view', 'pii.unmask'] }),
        409, 'service_account_role', 'permissions');
      const me = await bearer(srv.base, tok.token).ok('GET', '/auth/me');
      assert.deepEqual(me.user.permissions, ['complaint.register']);
    });
  });

  describe('the system admin alone', () => {
    it('cannot create an account with the sec_admin role once the security admin exists', async () => {
      const username = uid('sec2_');
      const r = await admin.post('/users', { username, name: '第二安全员', org_id: root.id, role_ids: [await roleId(admin, 'sec_admin')] });
      assertError(r, 403, 'grant_forbidden', 'role_ids');
      assert.ok(!('initial_password' in (r.json || {})));
      assert.equal((await admin.ok('GET', `/users?q=${username}`)).total, 0);
    });

    it('cannot create roles, nor an account with a reviewer (PII) role, nor grant roles afterwards', async () => {
      assertError(await admin.post('/roles', { code: uid('god_'), name: uid('全权'), permissions: allPerms, data_scope: 'all' }), 403, 'forbidden');
      assertError(await admin.post('/users', { username: uid('rv_'), name: '审核', org_id: root.id, role_ids: [await roleId(admin, 'reviewer')] }),
        403, 'grant_forbidden', 'role_ids');
      const c = await admin.ok('POST', '/users', { username: uid('rv_'), name: '审核', org_id: root.id }, 201);
      assertError(await admin.put(`/users/${c.user.id}/roles`, { role_ids: [await roleId(admin, 'reviewer')] }), 403, 'forbidden');
    });

    it('knows only half of a credential: a password he issued cannot be replaced without the security admin\'s code', async () => {
      // The reviewer forgot the password: the system admin resets it and learns the one-time password.
      const r = await admin.ok('POST', `/users/${reviewer.user.id}/reset-password`, {});
      assert.equal(r.activation_required, true);
      const as = await login(srv.base, reviewer.username, r.password);
      assert.equal(as.user.must_change_password, true);
      assertError(await as.get('/complaints'), 403, 'password_change_required');
      assertError(await as.post('/auth/password', { old_password: r.password, new_password: strongPassword() }), 403, 'activation_not_issued');
      // The owner gets the code from the security admin (who never saw the password).
      const code = (await sec.client.ok('POST', `/users/${reviewer.user.id}/activation-code`, {})).activation_code;
      assertError(await as.post('/auth/password', { old_password: r.password, new_password: strongPassword(), activation_code: `${code}x` }),
        400, 'invalid_activation_code');
      reviewer.password = strongPassword();
      await as.ok('POST', '/auth/password', { old_password: r.password, new_password: reviewer.password, activation_code: code });
      reviewer.client = await login(srv.base, reviewer.username, reviewer.password);
      assert.ok((await reviewer.client.ok('GET', '/auth/me')).user.permissions.includes('pii.unmask'));
    });
  });

  describe('one account, two families', () => {
    it('a custom role with every permission cannot exist; a 三员 role plus a business role → 409', async () => {
      assertError(await sec.client.post('/roles', { code: uid('god_'), name: uid('全权'), permissions: allPerms, data_scope: 'all' }),
        400, 'role_family', 'permissions');
      assertError(await sec.client.post('/roles', { code: uid('mix_'), name: uid('混合'), permissions: ['user.manage', 'complaint.view'], data_scope: 'all' }),
        400, 'role_family', 'permissions');
      const biz = await sec.client.ok('POST', '/roles', { code: uid('biz_'), name: uid('全业务'),
        permissions: allPerms.filter((p) => familyOf(p) === 'business'), data_scope: 'all' }, 201);
      assert.equal(biz.family, 'business');
      const u = await account(['registrar']);
      for (const code of ['sys_admin', 'sec_admin', 'audit_admin']) {
        assertError(await sec.client.put(`/users/${u.user.id}/roles`, { role_ids: [biz.id, await roleId(admin, code)] }),
          409, 'sanyuan_conflict', 'role_ids');
      }
      assert.deepEqual((await admin.ok('GET', `/users/${u.user.id}`)).roles.map((r) => r.code), ['registrar']);
    });
  });

  describe('scripted attack: every path, from each 三员 account alone', () => {
    // Tries everything an attacker could, keeping every credential the server hands back.
    async function attack(who) {
      const c = who.client;
      const creds = []; // { username, password?, code?, token?, id }
      const tag = uid(`${who.name}_`);
      const ids = {};
      for (const code of ['sys_admin', 'sec_admin', 'audit_admin', 'reviewer', 'statistician', 'registrar']) ids[code] = await roleId(admin, code);
      const statId = ids.statistician;
      // Roles: widen built-ins, create all-permission and all-business roles.
      await c.patch(`/roles/${statId}`, { permissions: allPerms, data_scope: 'all' });
      await c.patch(`/roles/${ids.reviewer}`, { permissions: allPerms, data_scope: 'all' });
      // Allowed to the security admin (business duties are his to define), and no use alone: he
      // holds no credential of any statistician.
      await c.patch(`/roles/${statId}`, { permissions: ['complaint.view', 'report.view', 'pii.unmask'], data_scope: 'all' });
      const god = await c.post('/roles', { code: `${tag}_god`, name: `${tag}全权`, permissions: allPerms, data_scope: 'all' });
      const biz = await c.post('/roles', { code: `${tag}_biz`, name: `${tag}全业务`, permissions: allPerms.filter((p) => familyOf(p) === 'business'), data_scope: 'all' });
      const extra = [god, biz].filter((r) => r.status === 201).map((r) => r.json.id);
      const grantSets = [[ids.sec_admin], [ids.sys_admin], [ids.audit_admin], [ids.reviewer], [ids.statistician],
        ...extra.map((x) => [x]), ...extra.map((x) => [x, ids.sec_admin]), ...extra.map((x) => [x, ids.audit_admin])];
      // Accounts: create with every role set; create plain ones and grant every set afterwards.
      const mine = [];
      for (const role_ids of grantSets) {
        const username = uid(`${tag}_`);
        const r = await c.post('/users', { username, name: username, org_id: root.id, role_ids });
        if (r.status === 201) { mine.push(r.json.user.id); creds.push({ username, id: r.json.user.id, password: r.json.initial_password }); }
      }
      for (let i = 0; i < 2; i++) {
        const username = uid(`${tag}_`);
        const r = await c.post('/users', { username, name: username, org_id: root.id });
        if (r.status === 201) { mine.push(r.json.user.id); creds.push({ username, id: r.json.user.id, password: r.json.initial_password }); }
      }
      const svc = await c.post('/users', { username: uid(`${tag}_svc_`), name: '接口', org_id: root.id, is_service: true });
      if (svc.status === 201) mine.push(svc.json.user.id);
      const targets = [...mine, tongji.user.id, reviewer.user.id, aud.user.id, sec.user.id, (await admin.ok('GET', '/auth/me')).user.id];
      for (const id of [...mine, tongji.user.id]) {
        for (const role_ids of grantSets) await c.put(`/users/${id}/roles`, { role_ids });
      }
      // Credentials: reset every account, ask activation codes for every one, mint tokens.
      for (const id of targets) {
        const u = await admin.ok('GET', `/users/${id}`);
        const r = await c.post(`/users/${id}/reset-password`, {});
        if (r.status === 200 && r.json.password) creds.push({ username: u.username, id, password: r.json.password });
        await c.post(`/users/${id}/unlock`, {});
      }
      for (const id of targets) {
        const r = await c.post(`/users/${id}/activation-code`, {});
        if (r.status === 200) {
          for (const cr of creds.filter((x) => x.id === id)) cr.code = r.json.activation_code;
          if (!creds.some((x) => x.id === id)) creds.push({ id, code: r.json.activation_code });
        }
      }
      if (svc.status === 201) {
        for (const role_ids of grantSets) {
          await c.put(`/users/${svc.json.user.id}/roles`, { role_ids });
          const t = await c.post(`/users/${svc.json.user.id}/tokens`, { name: 'x' });
          if (t.status === 201) creds.push({ id: svc.json.user.id, token: t.json.token });
        }
      }
      // Use every credential obtained: sign in, replace a one-time password where possible.
      const controlled = [];
      for (const cr of creds) {
        if (cr.token) {
          const me = await bearer(srv.base, cr.token).get('/auth/me');
          if (me.status === 200) controlled.push(me.json.user);
          continue;
        }
        if (!cr.password) continue;
        const r = await tryLogin(srv.base, cr.username, cr.password);
        if (r.status !== 200) continue;
        let client = await login(srv.base, cr.username, cr.password);
        if (client.user.must_change_password) {
          const next = strongPassword();
          const body = { old_password: cr.password, new_password: next };
          if (cr.code) body.activation_code = cr.code;
          if ((await client.post('/auth/password', body)).status !== 200) continue;
          client = await login(srv.base, cr.username, next);
        }
        const me = await client.get('/auth/me');
        if (me.status === 200) controlled.push(me.json.user);
      }
      return controlled;
    }

    it('system admin, security admin and auditor each end with no second family and no PII', async () => {
      // The system admin goes last: his resets end the other accounts' sessions.
      const attackers = [
        { name: 'aud', client: aud.client, family: 'audit' },
        { name: 'sec', client: sec.client, family: 'security' },
        { name: 'sys', client: admin, family: 'system' },
      ];
      const problems = [];
      for (const a of attackers) {
        const controlled = await attack(a);
        for (const u of controlled) {
          const fams = families(u.permissions);
          if (u.permissions.includes('pii.unmask')) problems.push(`${a.name} controls ${u.username} with pii.unmask`);
          for (const f of fams) {
            if (f !== 'business' && f !== a.family) problems.push(`${a.name} controls ${u.username} with ${f} duties: ${u.permissions}`);
          }
        }
        // The attacker's own account is unchanged.
        const me = await a.client.ok('GET', '/auth/me');
        assert.deepEqual([...families(me.user.permissions)], [a.family], `${a.name} keeps one family`);
      }
      // No account at all holds two families (the whole user list, by permissions).
      for (const u of (await listAll(admin, '/users')).items) {
        const fams = families(u.permissions);
        if (fams.size > 1) problems.push(`${u.username} holds ${[...fams].join('+')}: ${u.permissions}`);
      }
      assert.deepEqual(problems, []);
    });
  });
});
