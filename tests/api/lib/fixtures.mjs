// Domain helpers shared by the API tests: the bootstrap admin, institutions with valid codes,
// users that have already replaced their one-time password, and 三员 accounts (created by the
// system admin, granted and activated by a security admin: docs/security.md).
// Each helper asserts its own request succeeded, so a failing fixture names the call that broke.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN_PASSWORD, login, strongPassword, uid, tryLogin, cookieFrom, Client } from './server.mjs';

export const adminLogin = (srv) => login(srv.base, 'admin', ADMIN_PASSWORD);

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export function finCode() {
  const b = crypto.randomBytes(14);
  return Array.from(b, (x) => ALNUM[x % 36]).join('');
}

export async function listAll(client, p) {
  const sep = p.includes('?') ? '&' : '?';
  return client.ok('GET', `${p}${sep}page_size=200`);
}

export async function rootOrg(client) {
  const list = await listAll(client, '/institutions');
  const roots = list.items.filter((o) => o.parent_id === null);
  assert.equal(roots.length, 1, `exactly one root institution: ${JSON.stringify(roots)}`);
  return roots[0];
}

export async function createOrg(client, parentId, { type = 'branch', name, ...rest } = {}) {
  const body = {
    parent_id: parentId,
    name: name || uid(`机构-${type}-`),
    internal_code: uid('IC_'),
    fin_code: finCode(),
    region_code: '110101',
    type,
    ...rest,
  };
  return client.ok('POST', '/institutions', body, 201);
}

const roleCache = new WeakMap();
export async function roleId(client, code) {
  let m = roleCache.get(client);
  if (!m) {
    const r = await client.ok('GET', '/roles');
    m = new Map(r.items.map((x) => [x.code, x.id]));
    roleCache.set(client, m);
  }
  if (!m.has(code)) {
    const r = await client.ok('GET', '/roles');
    for (const x of r.items) m.set(x.code, x.id);
  }
  assert.ok(m.has(code), `role ${code} exists`);
  return m.get(code);
}

// 三员 (docs/security.md): the system admin creates an account and gets its one-time password;
// a security admin grants its roles and issues the activation code the owner needs to replace that
// password. The fixtures play that security admin: one per server, the installation one (the only
// account the system admin may create with a role), made on first use — or the demo's `anquan`.
const secByBase = new Map();
const DEMO_PASSWORD = 'Demo@2026fcms';

/** The fixtures' security administrator on this server: {user, client, password, username}. */
export async function securityAdmin(admin) {
  const cached = secByBase.get(admin.base);
  // A later server may reuse the port: the cached session then no longer signs in.
  if (cached && (await cached.client.get('/auth/me')).status === 200) return cached;
  const org = (await rootOrg(admin)).id;
  const username = uid('fx_sec_');
  const r = await admin.post('/users', { username, name: '夹具安全管理员', org_id: org, role_ids: [await roleId(admin, 'sec_admin')] });
  let sec;
  if (r.status === 201) {
    assert.notEqual(r.json.activation_required, true, 'the installation security admin needs no activation');
    const { client, password } = await activate(admin.base, username, r.json.initial_password);
    sec = { user: r.json.user, client, password, username };
  } else {
    assert.equal(r.status, 403, `installation security admin: ${r.status} ${r.text}`);
    const client = await login(admin.base, 'anquan', DEMO_PASSWORD); // a seeded demo server
    sec = { user: client.user, client, password: DEMO_PASSWORD, username: 'anquan' };
  }
  secByBase.set(admin.base, sec);
  return sec;
}

/**
 * An account created by `admin` (the system admin) whose roles (codes or ids) a security admin
 * granted. Returns {user, initial_password, activation_required, activation_code}: the owner
 * needs both the password and the code (when activation_required) to set a password.
 */
export async function createUser(admin, { org_id, roles = [], username = uid('u_'), name, sec, ...rest }) {
  const body = { username, name: name || `用户${username}`, org_id, ...rest };
  const needSec = roles.length > 0 || !rest.is_service;
  const grantor = needSec ? sec || (await securityAdmin(admin)) : null;
  const created = await admin.ok('POST', '/users', body, 201);
  if (roles.length) {
    const role_ids = [];
    for (const r of roles) role_ids.push(typeof r === 'string' ? await roleId(admin, r) : r);
    created.user = await grantor.client.ok('PUT', `/users/${created.user.id}/roles`, { role_ids });
  }
  if (created.activation_required) {
    created.activation_code = (await grantor.client.ok('POST', `/users/${created.user.id}/activation-code`, {})).activation_code;
  }
  return created;
}

/**
 * First login with the one-time password, change it (with the activation code the security
 * admin issued, when one is asked), sign in again with the new one. Returns {client, password}.
 */
export async function activate(base, username, initialPassword, newPassword = strongPassword(), activationCode) {
  const first = await login(base, username, initialPassword);
  const body = { old_password: initialPassword, new_password: newPassword };
  if (activationCode) body.activation_code = activationCode;
  const ch = await first.post('/auth/password', body);
  assert.equal(ch.status, 200, `password change for ${username}: ${ch.status} ${ch.text}`);
  const client = await login(base, username, newPassword);
  return { client, password: newPassword };
}

/** A ready-to-use account with the given role codes at org_id (default: root). */
export async function staff(srv, admin, roles, { org_id, username, sec } = {}) {
  const org = org_id ?? (await rootOrg(admin)).id;
  const created = await createUser(admin, { org_id: org, roles, username, sec });
  assert.equal(typeof created.initial_password, 'string', 'a one-time password is returned');
  const { client, password } = await activate(srv.base, created.user.username, created.initial_password,
    undefined, created.activation_code);
  return { user: created.user, client, password, username: created.user.username };
}

/** All audit events (newest first as the API returns them), read by an audit admin. */
export async function auditEvents(auditor, query = '') {
  const out = [];
  for (let page = 1; page < 500; page++) {
    const r = await auditor.ok('GET', `/audit?page=${page}&page_size=200${query ? `&${query}` : ''}`);
    out.push(...r.items);
    if (r.items.length < 200 || out.length >= r.total) break;
  }
  return out;
}

/** Does this audit event concern the user (as actor, target or named in the detail)? */
export function concerns(ev, user) {
  return ev.actor === user.username || String(ev.actor_id) === String(user.id) ||
    (ev.target_type === 'user' && String(ev.target_id) === String(user.id)) ||
    JSON.stringify(ev.detail || {}).includes(`"${user.username}"`);
}

export { tryLogin, cookieFrom, Client };
