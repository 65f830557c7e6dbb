// Domain helpers shared by the API tests: the bootstrap admin, institutions with valid codes,
// users that have already replaced their one-time password, and 三员 accounts.
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

/** POST /users by `admin`; roles given by code or id. Returns {user, initial_password}. */
export async function createUser(admin, { org_id, roles = [], username = uid('u_'), name, ...rest }) {
  const role_ids = [];
  for (const r of roles) role_ids.push(typeof r === 'string' ? await roleId(admin, r) : r);
  const body = { username, name: name || `用户${username}`, org_id, ...rest };
  if (role_ids.length) body.role_ids = role_ids;
  return admin.ok('POST', '/users', body, 201);
}

/**
 * First login with the one-time password, change it, sign in again with the new one.
 * Returns {client, password}.
 */
export async function activate(base, username, initialPassword, newPassword = strongPassword()) {
  const first = await login(base, username, initialPassword);
  const ch = await first.post('/auth/password', { old_password: initialPassword, new_password: newPassword });
  assert.equal(ch.status, 200, `password change for ${username}: ${ch.status} ${ch.text}`);
  const client = await login(base, username, newPassword);
  return { client, password: newPassword };
}

/** A ready-to-use account with the given role codes at org_id (default: root). */
export async function staff(srv, admin, roles, { org_id, username } = {}) {
  const org = org_id ?? (await rootOrg(admin)).id;
  const created = await createUser(admin, { org_id: org, roles, username });
  assert.equal(typeof created.initial_password, 'string', 'a one-time password is returned');
  const { client, password } = await activate(srv.base, created.user.username, created.initial_password);
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
