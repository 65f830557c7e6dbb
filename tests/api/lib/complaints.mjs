// Helpers for the complaint API tests (docs/api-complaints.md): a fixture of institutions and
// signed-in staff, valid complaint bodies, bank-time (+08:00) date arithmetic, GB 11643 resident
// ID numbers, and small wrappers for workflow actions that assert what they rely on.
// Built on the platform harness (server.mjs, fixtures.mjs); owns nothing the other tests use.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { uid, hasChinese } from './server.mjs';
import { adminLogin, rootOrg, createOrg, staff, auditEvents } from './fixtures.mjs';

// ---- bank time (Asia/Shanghai, no DST) -----------------------------------------------------

const BANK_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86400000;
const pad = (n, w = 2) => String(n).padStart(w, '0');

/** YYYY-MM-DD of an instant in bank time. */
export function bankDate(ms = Date.now()) {
  const d = new Date(ms + BANK_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Date string plus n calendar days. */
export function addDays(date, n) {
  const t = Date.parse(`${date}T00:00:00Z`) + n * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

export const today = () => bankDate();

/** "YYYY-MM-DDTHH:MM:00+08:00" for the bank date `days` days before today. */
export function isoDaysAgo(days, time = '10:00') {
  return `${addDays(today(), -days)}T${time}:00+08:00`;
}

/** Date of an ISO instant in bank time. */
export const bankDateOf = (iso) => bankDate(Date.parse(iso));

/** The instant at which a bank date ends (23:59:59 +08:00), in ms (second precision). */
export const endOfBankDay = (date) => Date.parse(`${date}T23:59:59+08:00`);

/** Asserts an ISO due_at is the end of the given bank date. */
export function assertDueEndOf(dueIso, date, msg = '') {
  assert.equal(typeof dueIso, 'string', `due_at is an ISO string: ${dueIso} ${msg}`);
  assert.match(dueIso, /[+-]\d\d:\d\d$|Z$/, `due_at carries an offset: ${dueIso}`);
  const got = Math.floor(Date.parse(dueIso) / 1000) * 1000;
  assert.equal(got, endOfBankDay(date), `due_at ${dueIso} should be the end of ${date} (+08:00) ${msg}`);
}

/** Day of week (0 = Sunday) of a date string. */
export const weekday = (date) => new Date(`${date}T00:00:00Z`).getUTCDay();

// ---- identity data -------------------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check character for 17 digits. */
export function idCheck(body17) {
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[s % 11];
}

/** A random date of birth 1950-01-01 .. 2004-12-31 as YYYYMMDD. */
function randomBirth() {
  const t = Date.UTC(1950, 0, 1) + crypto.randomInt(0, 55 * 365) * DAY_MS;
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '');
}

/** A valid 18-character resident ID number (random birth date and sequence unless given). */
export function residentId({ region = '110105', birth = randomBirth(), seq } = {}) {
  const q = seq ?? pad(crypto.randomInt(0, 1000), 3);
  const body = `${region}${birth}${q}`;
  return body + idCheck(body);
}

/** A valid resident ID whose check character is X. */
export function residentIdWithX(opts = {}) {
  for (let i = 0; i < 1000; i++) {
    const id = residentId({ ...opts, seq: pad(i, 3) });
    if (id.endsWith('X') && !(opts.not || []).includes(id)) return id;
  }
  throw new Error('no X id found');
}

/** A mobile number 1 3x xxxx xxxx, unique enough per run. */
export function mobile(prefix = '139') {
  return `${prefix}${pad(crypto.randomInt(0, 1e8), 8)}`;
}

export const KNOWN_ID = '11010519491231002X';

// ---- complaint bodies ----------------------------------------------------------------------

/** A complete, valid POST /complaints body against institution orgId. */
export function complaintBody(orgId, over = {}) {
  const { complainant, ...rest } = over;
  return {
    source_channel: 'phone',
    received_at: isoDaysAgo(2),
    complainant: {
      name: '李四',
      id_type: '01',
      id_no: residentId(),
      phone: mobile(),
      address: '北京市朝阳区建国路88号',
      gender: 'male',
      ...(complainant || {}),
    },
    complained_org_id: orgId,
    region_code: '110105',
    business_channel_code: 'A0101',
    business_type_code: 'B03011',
    cause_code: 'C07',
    rights: ['R04'],
    content: '客户反映信用卡年费在未告知的情况下被扣收，要求说明收费依据。',
    demand: '退还年费并书面说明',
    amount_fen: 30000,
    ...rest,
  };
}

export async function createComplaint(client, orgId, over = {}, status = 201) {
  return client.ok('POST', '/complaints', complaintBody(orgId, over), status);
}

// ---- actions -------------------------------------------------------------------------------

/** POST /complaints/{id}/actions/{action} with the complaint's current version. */
export function act(client, c, action, params = {}) {
  return client.post(`/complaints/${c.id}/actions/${action}`, { version: c.version, ...params });
}

/** act() that must succeed; returns the complaint as it now stands. */
export async function step(client, c, action, params = {}) {
  const r = await act(client, c, action, params);
  assert.equal(r.status, 200, `${action} on #${c.id} (${c.status}) → ${r.status} ${r.text.slice(0, 400)}`);
  assert.equal(r.json.version, c.version + 1, `${action} bumps the version by one`);
  return r.json;
}

/**
 * A complaint of the fixture taken to 已办结 (closed): registered by clerk at branch, assigned to
 * clerk, replied, approved and called back satisfied by rev. `over` goes into the body, `reply`
 * into the reply. Returns the closed complaint.
 */
export async function closedComplaint(fx, over = {}, reply = {}) {
  let c = await createComplaint(fx.clerk.client, fx.branch.id, over);
  c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
  c = await step(fx.clerk.client, c, 'reply',
    { result: 'accepted', reply_content: '经核实，已退还年费并向客户书面说明。', compensation_fen: 0, ...reply });
  c = await step(fx.rev.client, c, 'approve_reply', {});
  c = await step(fx.rev.client, c, 'callback', { satisfaction: 'satisfied', note: '客户表示满意' });
  assert.equal(c.status, 'closed');
  return c;
}

export async function getComplaint(client, id) {
  return client.ok('GET', `/complaints/${id}`);
}

export async function timeline(client, id) {
  const t = await client.ok('GET', `/complaints/${id}/timeline`);
  assert.ok(Array.isArray(t.items), 'timeline.items is an array');
  return t.items;
}

/** The 409 answer for an action the lifecycle does not allow, with a Chinese reason. */
export function assertInvalidTransition(r, ctx = '') {
  assert.equal(r.status, 409, `expected 409 invalid_transition ${ctx}; got ${r.status} ${r.text.slice(0, 300)}`);
  assert.equal(r.json?.error?.code, 'invalid_transition', `${ctx} ${r.text.slice(0, 300)}`);
  assert.ok(hasChinese(r.json.error.message), `the reason is in Chinese: ${r.json.error.message}`);
}

// ---- fixture -------------------------------------------------------------------------------

/**
 * Institutions: root 总行 (id 1), branch 甲分行 with sub-branch, branch 乙分行.
 * Staff (each already past the one-time password):
 *   clerk  registrar+handler at branch (登记并处理)     h2   handler at branch
 *   rev    reviewer at root (总行消保)                  rev2 reviewer at root
 *   aud    audit_admin at root
 * `extra` may name more accounts: {key: {roles, org: 'root'|'branch'|'sub'|'branch2'}}.
 */
export async function complaintFixture(srv, { extra = {}, only } = {}) {
  const admin = await adminLogin(srv);
  const root = await rootOrg(admin);
  const branch = await createOrg(admin, root.id, { type: 'branch', name: uid('甲分行'), region_code: '110105' });
  const sub = await createOrg(admin, branch.id, { type: 'sub_branch', name: uid('甲支行') });
  const branch2 = await createOrg(admin, root.id, { type: 'branch', name: uid('乙分行') });
  const orgs = { root, branch, sub, branch2 };
  const specs = {
    clerk: { roles: ['registrar', 'handler'], org: 'branch' },
    h2: { roles: ['handler'], org: 'branch' },
    rev: { roles: ['reviewer'], org: 'root' },
    rev2: { roles: ['reviewer'], org: 'root' },
    aud: { roles: ['audit_admin'], org: 'root' },
    ...extra,
  };
  const keys = Object.keys(specs).filter((k) => !only || only.includes(k) || k in extra);
  const fx = { srv, admin, ...orgs, orgs };
  // One at a time: the fixture is not the place to race the server (concurrency has its own tests).
  for (const k of keys) fx[k] = await staff(srv, admin, specs[k].roles, { org_id: orgs[specs[k].org].id });
  return fx;
}

/** Number of audit events, read by the audit admin. */
export async function auditTotal(aud) {
  return (await aud.client.ok('GET', '/audit?page_size=1')).total;
}

export { auditEvents };

// ---- binary downloads (xlsx) ---------------------------------------------------------------

/** GET with the client's session; resolves {status, headers, body: Buffer}. */
export function getBytes(client, urlPath) {
  const u = new URL(client.base);
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: u.hostname, port: u.port, path: `/api/v1${urlPath}`, agent: false,
      headers: { Connection: 'close', ...client.headers('GET') },
    }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The entries of a zip archive (xlsx) as {name: Buffer}, read through the central directory. */
export function unzip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'zip end-of-central-directory record');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const lstart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(lstart, lstart + csize);
    out[name] = method === 0 ? data : zlib.inflateRawSync(data);
    p += 46 + nlen + xlen + clen;
  }
  return out;
}
