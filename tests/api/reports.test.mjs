// 统计报表 (docs/api-reports.md): every report's figures against a brute-force recount made here
// from the database rows themselves (sqlite3 / psql, not the server's code), subtotals against
// their children, totals against the complaint query with the same filters, data scope, and
// "a change is counted as soon as it is committed".

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { startServer, runFcms, createPgDatabase, login, PG_URL, PSQL } from './lib/server.mjs';
import { adminLogin, staff } from './lib/fixtures.mjs';
import { bankDate, addDays, today, complaintBody } from './lib/complaints.mjs';

const DEMO_PASSWORD = 'Demo@2026fcms';
const N = 3000;
const SEED = crypto.randomInt(1, 1_000_000);
let srv;
let tongji;
let db; // { complaints, orgs, codes, regions }

function sql(query) {
  if (PG_URL) {
    const r = spawnSync(PSQL, [srv.db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c',
      `SELECT COALESCE(json_agg(t), '[]') FROM (${query}) t`], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }
  const r = spawnSync('sqlite3', ['-json', path.join(srv.dataDir, 'fcms.db'), query],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

function loadDb() {
  const complaints = sql(`SELECT id, status, received_at, handling_org_id, registrar_org_id, registrar_id, handler_id, complained_org_id,
    region_code, business_channel_code, business_type_code, cause_code, source_channel, rights, deadline_state,
    due_at, replied_at, closed_at, callback_satisfaction, repeat_of, tags, merged_into, compensation_fen,
    content, demand FROM complaints`);
  const orgs = new Map(sql('SELECT id, parent_id, path, fin_code, name FROM institutions').map((o) => [o.id, o]));
  const codes = new Map(sql('SELECT DISTINCT dimension, code, parent FROM codes').map((c) => [c.code, c]));
  const regions = new Map(sql('SELECT code, parent FROM regions').map((r) => [r.code, r]));
  return { complaints, orgs, codes, regions };
}

// ---- the recount: the counting rule and the measures as docs/api-reports.md states them ----

const OPEN = new Set(['registered', 'processing', 'reviewing', 'replied']);

function counted(c) {
  return c.received_at != null && c.status !== 'draft' && c.status !== 'deleted' && c.merged_into == null;
}

function matches(c, f) {
  if (!counted(c)) return false;
  const day = bankDate(Number(c.received_at));
  if (day < f.from || day > f.to) return false;
  const scopeOrg = db.orgs.get(c.handling_org_id ?? c.registrar_org_id);
  if (f.scopePath && !scopeOrg.path.startsWith(f.scopePath)) return false;
  if (f.orgPath && !scopeOrg.path.startsWith(f.orgPath)) return false;
  if (f.status && c.status !== f.status) return false;
  if (f.source_channel && c.source_channel !== f.source_channel) return false;
  if (f.cause_code && !(c.cause_code || '').startsWith(f.cause_code)) return false;
  if (f.business_type_code && !(c.business_type_code || '').startsWith(f.business_type_code)) return false;
  return true;
}

function measures(list) {
  const m = { count: 0, closed: 0, closed_on_time: 0, overdue: 0, callbacks: 0, repeats: 0, compensation_fen: 0, tenths: 0 };
  for (const c of list) {
    m.count++;
    const closed = c.status === 'closed';
    const timed = c.due_at != null && c.replied_at != null;
    if (closed) {
      m.closed++;
      if (timed && Number(c.replied_at) <= Number(c.due_at)) m.closed_on_time++;
      if (timed && Number(c.replied_at) > Number(c.due_at)) m.overdue++;
      const end = c.replied_at ?? c.closed_at;
      if (end != null) m.tenths += Math.trunc((Number(end) - Number(c.received_at)) / 8640000);
    }
    if (OPEN.has(c.status) && c.deadline_state === 'overdue') m.overdue++;
    if (c.callback_satisfaction) m.callbacks++;
    if (c.repeat_of != null || ` ${c.tags || ''} `.includes(' repeat ')) m.repeats++;
    m.compensation_fen += Number(c.compensation_fen || 0);
  }
  return m;
}

function assertMeasures(row, list, what) {
  const m = measures(list);
  for (const k of ['count', 'closed', 'closed_on_time', 'overdue', 'callbacks', 'repeats', 'compensation_fen'])
    assert.equal(row[k], m[k], `${what}: ${k}`);
  const avg = m.closed ? Math.round(m.tenths / m.closed) / 10 : null;
  assert.equal(row.avg_handling_days, avg, `${what}: avg_handling_days`);
}

/** Ancestor chain (self first) of a value in a catalog with parent links. */
function chain(key, parentOf) {
  const out = [];
  for (let k = key, guard = 0; k != null && k !== '' && guard < 10; guard++) {
    out.push(String(k));
    k = parentOf(k);
  }
  return out;
}

const treeOf = {
  cause: { col: 'cause_code', parent: (k) => db.codes.get(k)?.parent },
  business_type: { col: 'business_type_code', parent: (k) => db.codes.get(k)?.parent },
  business_channel: { col: 'business_channel_code', parent: (k) => db.codes.get(k)?.parent },
  region: { col: 'region_code', parent: (k) => db.regions.get(k)?.parent },
  institution: { col: 'complained_org_id', parent: (k) => db.orgs.get(Number(k))?.parent_id },
};

function query(f) {
  const q = new URLSearchParams({ from: f.from, to: f.to });
  for (const k of ['org_id', 'status', 'source_channel', 'cause_code', 'business_type_code'])
    if (f[k] != null) q.set(k, f[k]);
  return q.toString();
}

async function checkTree(client, name, f) {
  const r = await client.ok('GET', `/reports/${name}?${query(f)}`);
  const all = db.complaints.filter((c) => matches(c, f));
  assert.equal(r.total, all.length, `${name}: total`);
  const { col, parent } = treeOf[name];
  const byCode = new Map(r.rows.map((row) => [row.code, row]));
  for (const row of r.rows) {
    // Independent membership: the row's value is on the complaint's ancestor chain (or, for a
    // （本级） row, is the complaint's own value).
    const key = row.self ? r.rows.find((p) => p.code === row.parent).key : row.key;
    const members = all.filter((c) => {
      const v = c[col] == null ? '' : String(c[col]);
      return row.self ? v === key : chain(v, parent).includes(key) || (key === '' && v === '');
    });
    // The institution tree stops at the subtree shown; higher rows would hold the same members.
    assertMeasures(row, members, `${name} ${row.code}`);
    const kids = r.rows.filter((k) => k.parent === row.code);
    if (kids.length) {
      assert.equal(kids.reduce((s, k) => s + k.count, 0), row.count, `${name} ${row.code}: subtotal = sum of children`);
      assert.equal(row.has_children, true);
    }
    if (row.parent) assert.ok(byCode.has(row.parent), `${name} ${row.code}: parent row present`);
  }
  const top = r.rows.filter((row) => row.level === 1);
  assert.equal(top.reduce((s, k) => s + k.count, 0), r.total, `${name}: top rows add up to the total`);
  return r;
}

async function listTotal(client, f, extra = {}) {
  const q = new URLSearchParams({ from: f.from, to: f.to, counted: 'true', page_size: '1', ...extra });
  for (const k of ['org_id', 'status', 'source_channel', 'cause_code', 'business_type_code'])
    if (f[k] != null) q.set(k, f[k]);
  return (await client.ok('GET', `/complaints?${q}`)).total;
}

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-reports-'));
  const pg = PG_URL ? createPgDatabase() : null;
  const dbArgs = pg ? ['--db', pg.url] : [];
  const seeded = runFcms(['seed-demo', '--data', dataDir, ...dbArgs, '--complaints', String(N), '--seed', String(SEED)],
    { timeout: 300000 });
  assert.equal(seeded.status, 0, seeded.output);
  srv = await startServer({ dataDir, db: pg?.url });
  srv.ownedDir = dataDir;
  tongji = await login(srv.base, 'tongji', DEMO_PASSWORD);
  db = loadDb();
});

after(async () => {
  await srv?.stop();
  if (srv?.ownedDir) fs.rmSync(srv.ownedDir, { recursive: true, force: true });
});

function filters() {
  const branch = [...db.orgs.values()].find((o) => o.path.split('/').filter(Boolean).length === 2);
  return [
    { name: 'two years, whole bank', from: addDays(today(), -730), to: today() },
    { name: 'last 90 days, one branch', from: addDays(today(), -90), to: today(), org_id: branch.id, orgPath: branch.path },
    { name: 'cause and channel', from: addDays(today(), -400), to: addDays(today(), -30), cause_code: 'C03', source_channel: 'phone' },
    { name: 'closed ones by business type', from: addDays(today(), -365), to: today(), status: 'closed', business_type_code: 'B03' },
  ];
}

test(`reports: tree reports equal a brute-force recount, subtotals add up (seed ${SEED})`, async () => {
  for (const f of filters())
    for (const name of Object.keys(treeOf))
      await checkTree(tongji, name, f);
});

test('reports: flat reports, category and rights equal the recount', async () => {
  for (const f of filters()) {
    const all = db.complaints.filter((c) => matches(c, f));
    const ch = await tongji.ok('GET', `/reports/source_channel?${query(f)}`);
    assert.equal(ch.total, all.length);
    for (const row of ch.rows) assertMeasures(row, all.filter((c) => c.source_channel === row.code), `channel ${row.code}`);
    assert.equal(ch.rows.reduce((s, r) => s + r.count, 0), all.length, 'every complaint has one channel');

    const rights = await tongji.ok('GET', `/reports/rights?${query(f)}`);
    assert.equal(rights.total, all.length);
    assert.ok(rights.rows.length >= 8, 'all eight rights listed, zeros included');
    for (const row of rights.rows)
      assertMeasures(row, all.filter((c) => ` ${c.rights || ''} `.includes(` ${row.code} `)), `right ${row.code}`);

    const cat = await tongji.ok('GET', `/reports/category?${query(f)}`);
    assert.ok(cat.rows.every((r) => r.level === 1));
    for (const row of cat.rows) {
      const members = all.filter((c) => chain(c.business_type_code || '', treeOf.business_type.parent).includes(row.key));
      assertMeasures(row, members, `category ${row.code}`);
      assert.equal(row.share, Math.round(members.length * 10000 / all.length) / 10000);
    }
  }
});

test('reports: time buckets, hours, month-on-month and year-on-year equal the recount', async () => {
  const f = { from: addDays(today(), -500), to: today() };
  const all = db.complaints.filter((c) => matches(c, f));
  const dayCount = (a, b) => db.complaints.filter((c) => matches(c, { from: a, to: b })).length;
  for (const granularity of ['day', 'week', 'month', 'quarter', 'year']) {
    const r = await tongji.ok('GET', `/reports/time?${query(f)}&granularity=${granularity}`);
    assert.equal(r.total, all.length);
    assert.equal(r.rows.reduce((s, x) => s + x.count, 0), all.length, `${granularity}: buckets cover the range`);
    for (const row of r.rows) assert.equal(row.count, dayCount(row.from, row.to), `${granularity} ${row.code}`);
    assert.equal(r.hours.length, 24);
    for (const h of r.hours)
      assert.equal(h.count, all.filter((c) => new Date(Number(c.received_at) + 8 * 3600000).getUTCHours() === Number(h.code)).length);
  }
  for (const name of ['mom', 'yoy']) {
    const r = await tongji.ok('GET', `/reports/${name}?${query(f)}&granularity=month`);
    for (const row of r.rows) {
      assert.equal(row.count, dayCount(row.from, row.to));
      assert.equal(row.previous_count, dayCount(row.previous_from, row.previous_to), `${name} ${row.code} previous`);
      const g = row.previous_count ? Math.round((row.count - row.previous_count) * 10000 / row.previous_count) / 10000 : null;
      assert.equal(row.growth_rate, g);
    }
    assert.equal(r.summary.previous_count, dayCount(r.summary.previous_from, r.summary.previous_to));
  }
});

test('reports: every report total equals the complaint query with the same filters', async () => {
  for (const f of filters()) {
    const expected = await listTotal(tongji, f);
    assert.equal(expected, db.complaints.filter((c) => matches(c, f)).length, `${f.name}: list = recount`);
    for (const name of ['region', 'category', 'business_channel', 'business_type', 'cause', 'institution',
      'source_channel', 'time', 'mom', 'yoy', 'rights', 'detail']) {
      const r = await tongji.ok('GET', `/reports/${name}?${query(f)}`);
      assert.equal(r.total, expected, `${f.name}: ${name}`);
    }
  }
  // Drill-down from a row lands on the same number.
  const f = filters()[0];
  const cause = await tongji.ok('GET', `/reports/cause?${query(f)}`);
  const row = cause.rows.find((x) => x.level === 2 && !x.self) || cause.rows[0];
  assert.equal(await listTotal(tongji, f, { cause_code: row.key }), row.count);
  const region = await tongji.ok('GET', `/reports/region?${query(f)}`);
  const prov = region.rows.find((x) => x.level === 1 && x.key);
  assert.equal(await listTotal(tongji, f, { region_code: prov.key.slice(0, 2) }), prov.count);
  const rights = await tongji.ok('GET', `/reports/rights?${query(f)}`);
  const right = rights.rows.find((x) => x.count > 0);
  assert.equal(await listTotal(tongji, f, { right: right.code }), right.count);
  const inst = await tongji.ok('GET', `/reports/institution?${query(f)}`);
  const sub = inst.rows.find((x) => x.level === 2 && !x.self);
  assert.equal(await listTotal(tongji, f, { complained_org_id: sub.key }), sub.count);
});

test('reports: the regulator matrix layout adds up by row and by column', async () => {
  const f = filters()[0];
  for (const name of ['business_channel', 'business_type', 'cause', 'category']) {
    for (const rowsBy of ['branch', 'region']) {
      const r = await tongji.ok('GET', `/reports/${name}?${query(f)}&layout=matrix&rows_by=${rowsBy}`);
      const cols = r.columns;
      assert.equal(cols.at(-1).name, '投诉量合计');
      if (cols.some((c) => c.parent)) assert.ok(cols.some((c) => c.subtotal && c.name.endsWith(' 小计')), `${name}: 小计 columns`);
      const sumRow = r.rows.at(-1);
      assert.equal(sumRow.name, '合计');
      assert.equal(sumRow.count, r.total);
      for (const row of r.rows) {
        assert.equal(row.cells.length, cols.length);
        const topSum = cols.reduce((s, c, i) => s + (c.level === 1 && c.code !== 'total' ? row.cells[i] : 0), 0);
        assert.ok(topSum <= row.cells.at(-1), `${name}/${rowsBy} ${row.name}: top-level columns within the row total`);
        cols.forEach((c, i) => {
          if (!c.subtotal || c.code === 'total') return;
          const kids = cols.map((k, j) => (k.parent === c.code ? row.cells[j] : 0)).reduce((a, b) => a + b, 0);
          assert.ok(kids <= row.cells[i], `${name} ${row.name} ${c.code}: children within the 小计`);
        });
      }
      cols.forEach((_, i) => assert.equal(sumRow.cells[i], r.rows.slice(0, -1).reduce((s, x) => s + x.cells[i], 0),
        `${name}/${rowsBy}: 合计 column ${i}`));
      // Row totals against the recount for the branch rows.
      if (rowsBy === 'branch') {
        for (const row of r.rows.slice(1, -1)) {
          const o = db.orgs.get(Number(row.code));
          assert.equal(row.count, db.complaints.filter((c) => matches(c, { ...f, orgPath: o.path })).length, `branch ${row.name}`);
        }
      }
    }
  }
});

test('reports: a branch user sees only its subtree, even when it asks for the whole bank', async () => {
  const admin = await adminLogin(srv);
  const branch = [...db.orgs.values()].find((o) => o.path.split('/').filter(Boolean).length === 2);
  const root = [...db.orgs.values()].find((o) => o.parent_id == null);
  const stat = await staff(srv, admin, ['statistician'], { org_id: branch.id });
  const f = { from: addDays(today(), -730), to: today() };
  const mine = db.complaints.filter((c) => matches(c, { ...f, scopePath: branch.path })).length;
  assert.ok(mine > 0 && mine < db.complaints.filter((c) => matches(c, f)).length);
  for (const q of ['', `&org_id=${root.id}`]) {
    for (const name of ['cause', 'institution', 'region', 'time', 'detail']) {
      const r = await stat.client.ok('GET', `/reports/${name}?from=${f.from}&to=${f.to}${q}`);
      assert.equal(r.total, mine, `${name}${q}: only the branch's complaints`);
    }
    const m = await stat.client.ok('GET', `/reports/cause?from=${f.from}&to=${f.to}${q}&layout=matrix`);
    assert.equal(m.total, mine);
  }
  const dash = await stat.client.ok('GET', '/dashboard');
  assert.ok(dash.total <= mine + 5, 'dashboard within the subtree'); // + complaints registered during the run
  assert.ok(dash.total >= mine, `the dashboard counts the whole subtree (${dash.total} of at least ${mine})`);
});

test('reports: a committed change is counted by the next report', async () => {
  const reg = await login(srv.base, 'hq_registrar', DEMO_PASSWORD);
  const f = { from: today(), to: today() };
  const before1 = await tongji.ok('GET', `/reports/source_channel?${query(f)}`);
  const me = await reg.ok('GET', '/auth/me');
  const created = await reg.ok('POST', '/complaints',
    complaintBody(me.user.org_id, { source_channel: 'email', received_at: `${today()}T00:01:00+08:00` }), 201);
  const after1 = await tongji.ok('GET', `/reports/source_channel?${query(f)}`);
  assert.equal(after1.total, before1.total + 1);
  const email = (r) => r.rows.find((x) => x.code === 'email').count;
  assert.equal(email(after1), email(before1) + 1);
  // Withdrawn is still counted (as withdrawn); the status filter follows the change at once.
  const w = (await tongji.ok('GET', `/reports/cause?${query(f)}&status=withdrawn`)).total;
  await reg.ok('POST', `/complaints/${created.id}/actions/withdraw`, { version: created.version, reason: '客户撤诉' });
  assert.equal((await tongji.ok('GET', `/reports/cause?${query(f)}&status=withdrawn`)).total, w + 1);
  const dash = await tongji.ok('GET', '/dashboard');
  assert.ok(dash.today >= 1 && dash.trend.length === 30 && dash.trend.at(-1).day === today());
});

test('reports: bad parameters are refused with a Chinese message', async () => {
  for (const [q, field] of [['from=2025-13-01', 'from'], ['from=2025-05-01&to=2025-04-01', 'from'], ['to=yesterday', 'to'],
    ['status=draft', 'status'], ['layout=pivot', 'layout'], ['org_id=999999', 'org_id'], ['format=pdf', 'format']]) {
    const r = await tongji.req('GET', `/reports/cause?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.error.field, field, q);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/);
  }
  assert.equal((await tongji.req('GET', '/reports/nosuch')).status, 404);
  assert.equal((await tongji.req('GET', '/reports/time?granularity=hour')).status, 400);
  assert.equal((await tongji.req('GET', '/reports/region?layout=matrix')).status, 400);
  const clerk = await login(srv.base, 'hq_handler', DEMO_PASSWORD);
  assert.equal((await clerk.req('GET', '/reports/cause')).status, 403, 'report.view needed');
});

test('reports: two servers on one PostgreSQL database each count what the other wrote', { skip: !PG_URL && 'PostgreSQL only' }, async () => {
  const other = await startServer({ db: srv.db, keysFrom: srv.dataDir });
  try {
    const tongji2 = await login(other.base, 'tongji', DEMO_PASSWORD);
    const f = { from: today(), to: today() };
    const a0 = (await tongji.ok('GET', `/reports/cause?${query(f)}`)).total;
    assert.equal((await tongji2.ok('GET', `/reports/cause?${query(f)}`)).total, a0, 'both start equal');
    const reg = await login(other.base, 'hq_registrar', DEMO_PASSWORD);
    const me = await reg.ok('GET', '/auth/me');
    for (let i = 0; i < 3; i++)
      await reg.ok('POST', '/complaints',
        complaintBody(me.user.org_id, { received_at: `${today()}T00:02:00+08:00` }), 201);
    assert.equal((await tongji.ok('GET', `/reports/cause?${query(f)}`)).total, a0 + 3, 'written on the other server, counted here');
    assert.equal((await tongji2.ok('GET', `/reports/cause?${query(f)}`)).total, a0 + 3);
  } finally {
    await other.stop();
  }
});

test('reports and lists follow an institution moved to another branch, with its complaints', async () => {
  const admin = await adminLogin(srv);
  const depth = (o) => o.path.split('/').filter(Boolean).length;
  const provinces = [...db.orgs.values()].filter((o) => depth(o) === 2);
  const [from, to] = provinces;
  const city = [...db.orgs.values()].find((o) => o.parent_id === from.id);
  const f = { from: addDays(today(), -730), to: today() };
  const cityCount = db.complaints.filter((c) => matches(c, { ...f, orgPath: city.path })).length;
  assert.ok(cityCount > 0);
  const before = await listTotal(tongji, { ...f, org_id: to.id });
  await admin.ok('POST', `/institutions/${city.id}/move`, { parent_id: to.id });
  const after = await listTotal(tongji, { ...f, org_id: to.id });
  assert.equal(after, before + cityCount, 'the list of the new branch includes the moved complaints');
  for (const name of ['cause', 'institution', 'detail'])
    assert.equal((await tongji.ok('GET', `/reports/${name}?${query({ ...f, org_id: to.id })}`)).total, after, name);
  const stat = await staff(srv, admin, ['statistician'], { org_id: to.id });
  assert.equal((await stat.client.ok('GET', `/reports/cause?from=${f.from}&to=${f.to}`)).total, after);
  assert.equal((await stat.client.ok('GET', `/complaints?from=${f.from}&to=${f.to}&counted=true&page_size=1`)).total, after);
});

test('the complaint list total (from the report index when the filters allow) equals a recount', async () => {
  const reg = await login(srv.base, 'hq_registrar', DEMO_PASSWORD);
  const me = await reg.ok('GET', '/auth/me');
  await reg.ok('POST', '/complaints', { ...complaintBody(me.user.org_id), draft: true,
    received_at: `${today()}T00:03:00+08:00` }, 201);
  db = loadDb();
  const branch = [...db.orgs.values()].find((o) => o.path.split('/').filter(Boolean).length === 2);
  const listed = (c, f) => {
    if (f.status ? c.status !== f.status : c.status === 'deleted') return false;
    if (f.from || f.to) {
      if (c.received_at == null) return false;
      const day = bankDate(Number(c.received_at));
      if ((f.from && day < f.from) || (f.to && day > f.to)) return false;
    }
    const org = db.orgs.get(c.handling_org_id ?? c.registrar_org_id);
    if (f.org_id && !org.path.startsWith(db.orgs.get(f.org_id).path)) return false;
    if (f.cause_code && !(c.cause_code || '').startsWith(f.cause_code)) return false;
    if (f.source_channel && c.source_channel !== f.source_channel) return false;
    const items = (list) => (list || '').split(' ').filter(Boolean);
    if (f.tag && !items(c.tags).includes(f.tag)) return false;
    if (f.right && !items(c.rights).includes(f.right)) return false;
    if (f.open && !OPEN.has(c.status)) return false;
    if (f.q && !`${c.content || ''}`.includes(f.q) && !`${c.demand || ''}`.includes(f.q)) return false;
    return true;
  };
  // Two and three characters of a complaint's text: the bigram and the trigram index (issue 13).
  const text = [...db.complaints.find((c) => [...(c.content || '')].length >= 6).content];
  const combos = [{}, { from: today(), to: today() }, { from: addDays(today(), -200), to: addDays(today(), -20) },
    { status: 'closed', from: addDays(today(), -400), to: today() }, { org_id: branch.id }, { status: 'draft' },
    { cause_code: 'C07', source_channel: 'onsite', from: addDays(today(), -300), to: today() },
    { tag: 'repeat' }, { right: 'R04', status: 'closed' }, { open: 'true' }, { tag: 'regulator', open: 'true' },
    { right: 'R99' }, { q: text.slice(2, 4).join('') }, { q: text.slice(1, 4).join(''), from: addDays(today(), -300), to: today() },
    { q: text.slice(0, 2).join(''), status: 'closed', cause_code: 'C0' }];
  // Newest received first; a complaint not received yet (a draft) sorts last on SQLite, first on
  // PostgreSQL (NULLS FIRST in DESC).
  const at = (c) => (c.received_at == null ? (PG_URL ? Infinity : -Infinity) : Number(c.received_at));
  const newestReceived = (a, b) => (at(b) === at(a) ? b.id - a.id : at(b) > at(a) ? 1 : -1);
  for (const f of combos) {
    const q = new URLSearchParams({ page_size: '1', ...f });
    const got = await tongji.ok('GET', `/complaints?${q}`);
    const want = db.complaints.filter((c) => listed(c, f)).length;
    assert.equal(got.total, want, JSON.stringify(f));
    assert.equal(got.total_capped, false, `${JSON.stringify(f)}: exact`);
    if (f.q && [...f.q].length >= 2) {
      // A text search's page, newest registered first, picked in the report index (issue 13).
      const ids = db.complaints.filter((c) => listed(c, f)).map((c) => c.id).sort((a, b) => b - a);
      for (const page of ['1', '2']) {
        const p = await tongji.ok('GET', `/complaints?${new URLSearchParams({ ...f, page, page_size: '3' })}`);
        assert.deepEqual(p.items.map((c) => c.id), ids.slice((page - 1) * 3, page * 3), `${JSON.stringify(f)} page ${page}`);
      }
    } else if (!f.q) {
      // The page, newest received first: on SQLite its walk starts at the hours the report index
      // found for the newest matches (facts_page_hours); the same complaints as without.
      const ids = db.complaints.filter((c) => listed(c, f)).sort(newestReceived).map((c) => c.id);
      for (const [page, size] of [['1', '3'], ['2', '3'], ['4', '7']]) {
        const p = await tongji.ok('GET', `/complaints?${new URLSearchParams({ ...f, page, page_size: size })}`);
        assert.deepEqual(p.items.map((c) => c.id), ids.slice((page - 1) * size, page * size), `${JSON.stringify(f)} page ${page} of ${size}`);
      }
    }
  }
  assert.ok(db.complaints.filter((c) => listed(c, { tag: 'repeat' })).length > 0, 'the seed has tagged complaints');
  // With a filter the index does not hold (text), SQL counts: the same complaints.
  const f = { from: addDays(today(), -90), to: today() };
  const viaIndex = (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f })}`)).total;
  const viaSql = (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f, deadline_state: 'done' })}`)).total
    + (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f, deadline_state: 'on_time' })}`)).total
    + (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f, deadline_state: 'due_soon' })}`)).total
    + (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f, deadline_state: 'overdue' })}`)).total
    + (await tongji.ok('GET', `/complaints?${new URLSearchParams({ page_size: '1', ...f, deadline_state: 'paused' })}`)).total;
  assert.equal(viaSql, viaIndex, 'index count = SQL count over a partition by deadline state');

  // Registrars see their own institution (the complaints it handles) and their own
  // registrations and cases anywhere: the index counts the first, SQL the others (issue 13).
  // (The head office's registrar registered most complaints, handled by branches since.)
  const city = [...db.orgs.values()].find((o) => o.path.split('/').filter(Boolean).length === 3);
  const cityReg = await staff(srv, await adminLogin(srv), ['registrar'], { org_id: city.id });
  const reg2 = cityReg.client;
  const reg2me = (await reg2.ok('GET', '/auth/me')).user;
  const hqme = me.user;
  await reg2.ok('POST', '/complaints', complaintBody(city.id), 201);
  db = loadDb();
  assert.ok(db.complaints.some((c) => c.registrar_id === hqme.id && c.handling_org_id !== hqme.org_id),
    'the head-office registrar has own complaints outside its institution');
  for (const [who, client, user] of [['head-office registrar', reg, hqme], ['city registrar', reg2, reg2me]]) {
    const inScope = (c) => c.handling_org_id === user.org_id || c.registrar_id === user.id || c.handler_id === user.id;
    // With an institution filter too: a registrar's institution lies outside a branch's subtree,
    // only their own complaints there match (none: answered without a walk, issue 13).
    for (const f of [...combos, { org_id: branch.id, status: 'closed' }, { org_id: city.id, open: 'true' }]) {
      const q = new URLSearchParams({ page_size: '1', ...f });
      const got = await client.ok('GET', `/complaints?${q}`);
      assert.equal(got.total, db.complaints.filter((c) => inScope(c) && listed(c, f)).length, `${who} ${JSON.stringify(f)}`);
      assert.equal(got.total_capped, false, `${who} ${JSON.stringify(f)}: exact`);
      if (f.q) { // the page too: the scope's matches and the caller's own outside it, newest
        // registered first (the full-text order, on either backend)
        const ids = db.complaints.filter((c) => inScope(c) && listed(c, f)).map((c) => c.id).sort((a, b) => b - a);
        const p = await client.ok('GET', `/complaints?${new URLSearchParams({ ...f, page_size: '4' })}`);
        assert.deepEqual(p.items.map((c) => c.id), ids.slice(0, 4), `${who} ${JSON.stringify(f)} page`);
      } else { // newest received first, the own outside the institution among them
        const ids = db.complaints.filter((c) => inScope(c) && listed(c, f)).sort(newestReceived).map((c) => c.id);
        for (const page of ['1', '3']) {
          const p = await client.ok('GET', `/complaints?${new URLSearchParams({ ...f, page, page_size: '4' })}`);
          assert.deepEqual(p.items.map((c) => c.id), ids.slice((page - 1) * 4, page * 4), `${who} ${JSON.stringify(f)} page ${page}`);
        }
      }
    }
  }
});
