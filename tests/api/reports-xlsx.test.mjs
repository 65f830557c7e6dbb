// 统计报表 → Excel (docs/api-reports.md, "Excel and the ledger export"): every report's workbook,
// read back with a real reader (exceljs), holds exactly the JSON of the same request — list and
// matrix layouts, numbers stored as numbers, rates as percentages, money in yuan, merged
// multi-level header cells for the code trees — and the 投诉明细报表 ledger export job: created,
// polled to done, downloaded, its rows equal to the detail report's total and rows, identity
// masked, visible to its creator and auditors only, audited, failed after a restart, expired
// after 24 hours.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { REPO, startServer, runFcms, createPgDatabase, dropPgDatabase, login, sleep, PG_URL, PSQL } from './lib/server.mjs';
import { adminLogin, staff, auditEvents } from './lib/fixtures.mjs';
import { addDays, today } from './lib/complaints.mjs';

const ExcelJS = createRequire(path.join(REPO, 'web/package.json'))('exceljs');

const DEMO_PASSWORD = 'Demo@2026fcms';
const N = 1500;
const SEED = crypto.randomInt(1, 1_000_000);
const FROM = addDays(today(), -730);
const TO = today();
let srv;
let dataDir;
let tongji;

function sql(query) {
  if (PG_URL) {
    const r = spawnSync(PSQL, [srv.db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }
  const r = spawnSync('sqlite3', [path.join(dataDir, 'fcms.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-xlsx-'));
  const pg = PG_URL ? createPgDatabase() : null;
  const seeded = runFcms(['seed-demo', '--data', dataDir, ...(pg ? ['--db', pg.url] : []), '--complaints', String(N),
    '--seed', String(SEED)], { timeout: 300000 });
  assert.equal(seeded.status, 0, seeded.output);
  srv = await startServer({ dataDir, db: pg?.url });
  srv.pgName = pg?.name;
  tongji = await login(srv.base, 'tongji', DEMO_PASSWORD);
});

after(async () => {
  await srv?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (srv?.pgName && !process.env.FCMS_TEST_KEEP) dropPgDatabase(srv.pgName);
});

// GET with the client's credentials, body as bytes.
function download(client, p) {
  const u = new URL(srv.base);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path: `/api/v1${p}`, headers: { ...client.headers('GET'), Connection: 'close' }, agent: false },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      }).on('error', reject);
  });
}

async function workbook(client, p) {
  const r = await download(client, p);
  assert.equal(r.status, 200, `${p} → ${r.status} ${r.body.toString('utf8', 0, 300)}`);
  assert.match(r.headers['content-type'], /spreadsheetml/);
  assert.match(r.headers['content-disposition'], /^attachment/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.body);
  return wb;
}

const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v != null)).toString();

// ---- list reports ----

const MEASURES = [['count', 'int'], ['share', 'pct'], ['closed', 'int'], ['closed_on_time', 'int'], ['on_time_rate', 'pct'],
  ['overdue', 'int'], ['open', 'int'], ['due_soon', 'int'], ['avg_handling_days', 'num'], ['callbacks', 'int'],
  ['satisfaction_rate', 'pct'], ['repeats', 'int'], ['repeat_rate', 'pct'], ['compensation_fen', 'yuan'],
  ['clock_restarted', 'int']];
const PERIOD = [['from', 'text'], ['to', 'text']];
const COMPARE = [['previous_from', 'text'], ['previous_to', 'text'], ['previous_count', 'int'], ['growth_rate', 'pct']];

function listColumns(report, periods) {
  return [['code', 'text'], ['name', 'text'], ...(periods ? PERIOD : []), ...MEASURES,
    ...(report === 'mom' || report === 'yoy' ? COMPARE : [])];
}

// One cell against the JSON value it shows.
function assertCell(cell, value, kind, where) {
  if (value === null || value === undefined) {
    if (kind === 'text') assert.ok(cell.value === null || cell.value === '', `${where}: empty`);
    else assert.equal(cell.value, '—', `${where}: an empty base shows —`);
    return;
  }
  if (kind === 'text') {
    // A tree's own-level row: its internal key "110000.self" reads "110000（本级）".
    const text = typeof value === 'string' && value.endsWith('.self') ? value.replace(/\.self$/, '（本级）') : value;
    assert.equal(cell.value, text, where);
    assert.ok(!String(cell.value).endsWith('.self'), `${where}: no internal key`);
    return;
  }
  assert.equal(typeof cell.value, 'number', `${where}: stored as a number, got ${JSON.stringify(cell.value)}`);
  if (kind === 'yuan') {
    assert.ok(Math.abs(cell.value - value / 100) < 1e-6, `${where}: ${cell.value} yuan = ${value} fen`);
    assert.match(cell.numFmt, /0\.00/, `${where}: money format`);
  } else if (kind === 'pct' || kind === 'num') {
    // Ratios to 4 decimals (0.00%), other fractions to 2: no float noise such as 0.9088000000000001.
    const scale = kind === 'pct' ? 1e4 : 1e2;
    assert.equal(cell.value, Number.isInteger(value) ? value : Math.round(value * scale) / scale, where);
    assert.ok(Math.abs(cell.value * scale - Math.round(cell.value * scale)) < 1e-6, `${where}: rounded, got ${cell.value}`);
    if (kind === 'pct') assert.match(cell.numFmt || '', /%/, `${where}: percentage format`);
  } else {
    assert.equal(cell.value, value, where);
  }
}

function assertHead(ws, title, f) {
  assert.equal(ws.getCell('A1').value, title, 'title');
  const line = ws.getCell('A2').value;
  assert.ok(line.includes(f.from) && line.includes(f.to), `filter summary names the range: ${line}`);
  return line;
}

async function checkList(report, f, extra = {}) {
  const q = qs({ from: f.from, to: f.to, ...extra });
  const json = await tongji.ok('GET', `/reports/${report}?${q}`);
  const wb = await workbook(tongji, `/reports/${report}?${q}&format=xlsx`);
  const periods = ['time', 'mom', 'yoy'].includes(report);
  const ws = wb.worksheets[0];
  const line = assertHead(ws, json.title, f);
  const cols = listColumns(report, periods);
  const view = ws.views[0];
  assert.equal(view.state, 'frozen', 'header frozen');
  assert.equal(view.ySplit, 3, 'frozen below the header row');
  cols.forEach(([, kind], c) => assert.equal(typeof ws.getRow(3).getCell(c + 1).value, 'string', `header ${c}`));
  assert.ok(ws.getColumn(2).width >= 20, 'the name column is widened');
  json.rows.forEach((row, i) => {
    const r = ws.getRow(4 + i);
    cols.forEach(([key, kind], c) => assertCell(r.getCell(c + 1), row[key], kind, `${report} row ${i} ${key}`));
    const name = r.getCell(2);
    if (row.level > 1) assert.equal(name.alignment?.indent, Math.min(row.level - 1, 6), `${report} row ${i} indented`);
    if (row.has_children) {
      assert.equal(name.font?.bold, true, `${report} row ${i}: a parent (subtotal) row is bold`);
      assert.equal(r.getCell(3 + (periods ? 2 : 0)).font?.bold, true, 'its figures too');
    }
  });
  const total = ws.getRow(4 + json.rows.length);
  assert.equal(total.getCell(2).value, '合计');
  cols.slice(2).forEach(([key, kind], c) => {
    if (key === 'share') assert.equal(total.getCell(c + 3).value, 1);
    else if (json.summary[key] !== undefined || kind !== 'text') assertCell(total.getCell(c + 3), json.summary[key], kind, `${report} 合计 ${key}`);
  });
  assert.equal(total.getCell(3 + (periods ? 2 : 0)).value, json.total, '合计 is the total');
  if (report === 'time') {
    const hours = wb.worksheets[1];
    assert.ok(hours, 'time: the hour-of-day distribution on a second sheet');
    assert.equal(json.hours.length, 24);
    json.hours.forEach((row, i) => listColumns('hours', false).forEach(([key, kind], c) =>
      assertCell(hours.getRow(4 + i).getCell(c + 1), row[key], kind, `hours ${i} ${key}`)));
  }
  return { json, line };
}

const LISTS = ['region', 'category', 'business_channel', 'business_type', 'cause', 'institution', 'source_channel',
  'time', 'mom', 'yoy', 'rights'];

test('every list report exports an xlsx whose cells equal its JSON', async () => {
  const f = { from: FROM, to: TO };
  for (const report of LISTS) {
    const { json } = await checkList(report, f);
    assert.ok(json.rows.length > 0, `${report} has rows`);
  }
  // Another granularity and filters: the filter line names them, the cells still equal the JSON.
  for (const [granularity, label] of [['quarter', '季度'], ['week', '周']]) {
    const { line } = await checkList('yoy', f, { granularity });
    assert.ok(line.includes(`统计粒度 ${label}`), line);
  }
  const branch = (await tongji.ok('GET', '/institutions?page_size=200')).items.find((o) => o.parent_id !== null);
  const { line } = await checkList('cause', { from: addDays(TO, -365), to: TO }, { org_id: branch.id, status: 'closed', source_channel: 'phone' });
  assert.ok(line.includes(branch.name) && line.includes('已办结') && line.includes('phone'), line);
  await checkList('mom', { from: addDays(TO, -10), to: TO }, { granularity: 'day', cause_code: 'C03' });
});

// ---- the regulator matrix ----

// The header cells the layout must merge, worked out from the JSON's column tree: a parent spans
// every column below it and its 小计 column on its own level's row; leaves and 投诉量合计 reach the
// last header row; the row label column spans all header rows.
function expectedMerges(columns) {
  const parentOf = new Map();
  for (const c of columns) if (c.parent) parentOf.set(c.code, c.parent);
  const ancestors = (code) => { const out = []; for (let p = parentOf.get(code); p; p = parentOf.get(p)) out.push(p); return out; };
  const depth = Math.max(...columns.map((c) => c.level));
  const colName = (i) => { let s = ''; for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s; return s; };
  const range = (r0, c0, r1, c1) => `${colName(c0)}${r0}:${colName(c1)}${r1}`;
  const top = 3;
  const last = top + depth - 1;
  const merges = new Set();
  if (depth > 1) merges.add(range(top, 0, last, 0));
  columns.forEach((c, j) => {
    const col = j + 1;
    if (c.code === 'total') { if (depth > 1) merges.add(range(top, col, last, col)); return; }
    const row = top + c.level - 1;
    if (c.subtotal) {
      const first = columns.findIndex((d) => ancestors(d.code).includes(c.code));
      const start = (first >= 0 ? first : j) + 1;
      if (start < col) merges.add(range(row, start, row, col));
      if (row + 1 < last) merges.add(range(row + 1, col, last, col));
    } else if (row < last) {
      merges.add(range(row, col, last, col));
    }
  });
  return { merges, depth };
}

test('the regulator matrix exports with merged multi-level header cells and the 合计 row', async () => {
  for (const report of ['business_channel', 'business_type', 'cause'])
    for (const rowsBy of ['branch', 'region']) {
      const q = qs({ from: FROM, to: TO, layout: 'matrix', rows_by: rowsBy });
      const json = await tongji.ok('GET', `/reports/${report}?${q}`);
      const wb = await workbook(tongji, `/reports/${report}?${q}&format=xlsx`);
      const ws = wb.worksheets[0];
      assertHead(ws, json.title, { from: FROM, to: TO });
      const { merges, depth } = expectedMerges(json.columns);
      const have = new Set(ws.model.merges);
      for (const m of merges) assert.ok(have.has(m), `${report}/${rowsBy}: merged ${m} (have ${[...have].slice(0, 20)})`);
      if (report !== 'cause') assert.ok(depth >= 2 && merges.size > 3, `${report}: a multi-level header`);
      assert.equal(ws.views[0].state, 'frozen');
      assert.equal(ws.views[0].ySplit, 2 + depth, 'frozen below the header rows');
      // The header text: each column's own name on its row (parents without the 小计 suffix).
      json.columns.forEach((c, j) => {
        const cell = ws.getRow(2 + (c.code === 'total' ? 1 : c.level)).getCell(j + 2);
        assert.equal(cell.value, c.subtotal && c.code !== 'total' ? c.name.replace(/ 小计$/, '') : c.name, `${report} header ${c.code}`);
        if (c.subtotal && c.code !== 'total' && c.level < depth)
          assert.equal(ws.getRow(3 + c.level).getCell(j + 2).value, '小计');
      });
      const firstData = 3 + depth;
      json.rows.forEach((row, i) => {
        const r = ws.getRow(firstData + i);
        assert.equal(r.getCell(1).value, row.name, `${report} row ${i} name`);
        row.cells.forEach((v, j) => {
          assert.equal(typeof r.getCell(j + 2).value, 'number', `${report} row ${i} cell ${j} is a number`);
          assert.equal(r.getCell(j + 2).value, v, `${report} row ${i} cell ${j}`);
        });
      });
      const total = ws.getRow(firstData + json.rows.length - 1);
      assert.equal(total.getCell(1).value, '合计');
      assert.equal(total.getCell(1).font?.bold, true, 'the 合计 row is bold');
      assert.equal(total.getCell(json.columns.length + 1).value, json.total, '投诉量合计 of 合计 is the total');
      assert.equal(ws.getRow(firstData + json.rows.length).getCell(1).value, null, 'nothing after 合计');
    }
});

test('report exports are audited (report.export) and the detail ledger is refused as a direct xlsx', async () => {
  const r = await tongji.get(`/reports/detail?${qs({ from: FROM, to: TO })}&format=xlsx`);
  assert.equal(r.status, 400);
  const shenji = await login(srv.base, 'shenji', DEMO_PASSWORD);
  const ev = (await auditEvents(shenji, 'action=report.export')).filter((e) => e.action === 'report.export' && e.detail.report === 'cause');
  assert.ok(ev.length > 0, 'report.export events for the workbooks');
  assert.equal(ev[0].actor, 'tongji');
});

// ---- the ledger export job ----

async function runJob(client, body) {
  const created = await client.ok('POST', '/report-exports', body, 202);
  assert.ok(['queued', 'running'].includes(created.status), JSON.stringify(created));
  assert.equal(typeof created.id, 'number');
  let job = created;
  for (let i = 0; i < 600 && !['done', 'failed'].includes(job.status); i++) {
    await sleep(100);
    job = await client.ok('GET', `/report-exports/${created.id}`);
    assert.ok(job.rows_done <= job.rows_total || job.status === 'done', 'progress stays within the total');
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  return job;
}

async function detailAll(client, f) {
  const rows = [];
  let total = 0;
  for (let page = 1; page < 1000; page++) {
    const r = await client.ok('GET', `/reports/detail?${qs({ ...f, page, page_size: 200 })}`);
    rows.push(...r.rows);
    total = r.total;
    if (r.rows.length < 200) break;
  }
  return { rows, total };
}

const ID_NO = /(^|\D)\d{17}[\dXx](\D|$)/;
const PHONE = /(^|\D)1\d{10}(\D|$)/;

function ledgerRows(ws) {
  const header = ws.getRow(3).values.slice(1);
  const out = [];
  for (let r = 4; r <= ws.rowCount; r++) {
    const v = ws.getRow(r).values;
    if (!v.length) continue;
    out.push(Object.fromEntries(header.map((h, i) => [h, v[i + 1] ?? null])));
  }
  return out;
}

// Issue 12 item 5: 接收时间 / 办理期限 are date cells (bank local time, a date format), 行政区划 is
// the region's name with the code in its own column.
let provinces = null;
async function provinceName(code) {
  provinces ??= new Map((await tongji.ok('GET', '/regions')).items.map((p) => [p.code, p.name]));
  return provinces.get(`${code.slice(0, 2)}0000`);
}
async function assertTimesAndRegion(x, d, where) {
  for (const [col, iso] of [['接收时间', d.received_at], ['办理期限', d.due_at]]) {
    if (!iso) continue;
    assert.ok(x[col] instanceof Date, `${where}: ${col} is a date cell, got ${JSON.stringify(x[col])}`);
    // exceljs reads the wall-clock time as UTC; the JSON carries it with +08:00.
    assert.equal(x[col].toISOString().slice(0, 16), iso.slice(0, 16), `${where}: ${col}`);
  }
  if (d.region_code) {
    assert.equal(x['行政区划代码'], d.region_code, `${where}: the code in its own column`);
    const prov = await provinceName(d.region_code);
    assert.ok(typeof x['行政区划'] === 'string' && x['行政区划'].startsWith(prov), `${where}: 行政区划 ${x['行政区划']} names ${prov}`);
    assert.ok(!/\d/.test(x['行政区划']), `${where}: a name, not a code: ${x['行政区划']}`);
  }
}

async function checkLedger(client, f) {
  const job = await runJob(client, f);
  const { rows: detail, total } = await detailAll(client, f);
  assert.equal(job.rows_total, total, 'rows_total is the detail report total');
  assert.equal(job.rows_done, total, 'every row written');
  assert.ok(job.finished_at && job.expires_at, 'finished and expiry times');
  const wb = await workbook(client, `/report-exports/${job.id}/file`);
  const ws = wb.worksheets[0];
  assert.equal(ws.getCell('A1').value, '投诉明细报表');
  assert.match(ws.getCell('A2').value, /个人信息已脱敏/);
  assert.equal(ws.views[0].state, 'frozen');
  const rows = ledgerRows(ws);
  assert.equal(rows.length, total, 'the file holds the detail total of rows');
  // Same order as the detail report (newest received first): compare a sample.
  const sample = [0, 1, 2, Math.floor(total / 2), total - 1].filter((i) => i >= 0 && i < total);
  for (const i of sample) {
    const x = rows[i];
    const d = detail[i];
    assert.equal(x['投诉编号'], d.complaint_no, `row ${i}`);
    assert.equal(x['投诉人'], d.complainant.name, `row ${i}: masked name as the JSON shows it`);
    assert.equal(x['证件号码'], d.complainant.id_no, `row ${i}: masked id as the JSON shows it`);
    assert.equal(x['联系电话'], d.complainant.phone, `row ${i}: masked phone`);
    assert.equal(x['处理机构'], d.handling_org_name);
    if (d.amount_fen != null) assert.equal(x['涉及金额（元）'], d.amount_fen / 100, 'money in yuan, a number');
    await assertTimesAndRegion(x, d, `ledger row ${i}`);
  }
  for (const x of rows) {
    assert.ok(!ID_NO.test(String(x['证件号码'] ?? '')), `no plaintext ID number: ${x['证件号码']}`);
    assert.ok(!PHONE.test(String(x['联系电话'] ?? '')), `no plaintext phone: ${x['联系电话']}`);
    assert.ok(!ID_NO.test(String(x['投诉内容'] ?? '')));
  }
  return { job, rows };
}

test('ledger export: a background job whose file equals the detail report, identity masked', async () => {
  const { job } = await checkLedger(tongji, { from: FROM, to: TO });
  assert.ok(job.rows_total > N / 2, `most seeded complaints are counted: ${job.rows_total}`);
  // Filters as the reports take them.
  const branch = (await tongji.ok('GET', '/institutions?page_size=200')).items.find((o) => o.parent_id !== null);
  await checkLedger(tongji, { from: addDays(TO, -400), to: TO, org_id: branch.id, cause_code: 'C03' });
  await checkLedger(tongji, { from: FROM, to: TO, status: 'closed', source_channel: 'phone', business_type_code: 'B03' });
  // Nothing matches: an empty ledger is still a workbook.
  await checkLedger(tongji, { from: '2001-01-01', to: '2001-01-31' });
});

test('投诉单查询 export: date cells with a date format, region names, the code in its own column', async () => {
  const wb = await workbook(tongji, `/complaints/export?from=${FROM}&to=${TO}`);
  const ws = wb.worksheets[0];
  assert.equal(ws.getCell('A1').value, '投诉单查询结果');
  const rows = ledgerRows(ws);
  assert.ok(rows.length > 100, `rows exported: ${rows.length}`);
  const header = ws.getRow(3).values.slice(1);
  const recvCol = header.indexOf('接收时间') + 1;
  assert.match(ws.getRow(4).getCell(recvCol).numFmt || '', /yyyy-mm-dd/, 'a date format on 接收时间');
  assert.ok(header.indexOf('行政区划代码') === header.indexOf('行政区划') + 1, '代码 beside the name');
  const list = await tongji.ok('GET', `/complaints?from=${FROM}&to=${TO}&page_size=50`);
  const byNo = new Map(rows.map((x) => [x['投诉编号'], x]));
  let checked = 0;
  for (const d of list.items) {
    const x = byNo.get(d.complaint_no);
    if (!x) continue;
    await assertTimesAndRegion(x, d, d.complaint_no);
    checked++;
  }
  assert.ok(checked >= 20, `rows checked against the JSON: ${checked}`);
});

test('ledger export: filters validated as the reports validate them', async () => {
  const bad = [
    [{ from: '2025-13-01' }, 'from'], [{ to: 'yesterday' }, 'to'], [{ from: TO, to: FROM }, 'from'],
    [{ status: 'draft' }, 'status'], [{ org_id: 999999 }, 'org_id'], [{ org_id: 'x' }, 'org_id'],
    [{ layout: 'matrix' }, 'layout'], [{ q: '张三' }, 'q'],
  ];
  for (const [body, field] of bad) {
    const r = await tongji.post('/report-exports', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
    assert.equal(r.json.error.field, field, JSON.stringify(r.json));
  }
});

test('ledger export: data scope, who may see a job, audit of creation, completion and download', async () => {
  const admin = await login(srv.base, 'admin', 'Fcms#Test-Root-2026');
  const branch = (await tongji.ok('GET', '/institutions?page_size=200')).items.find((o) => o.parent_id !== null);
  const local = await staff(srv, admin, ['statistician'], { org_id: branch.id });
  // A branch statistician asking for the whole bank gets its subtree only.
  const { job, rows } = await checkLedger(local.client, { from: FROM, to: TO });
  const whole = (await tongji.ok('GET', `/reports/cause?${qs({ from: FROM, to: TO, org_id: branch.id })}`)).total;
  assert.equal(job.rows_total, whole, 'the branch user counts its subtree');
  assert.ok(rows.length === whole);
  // Others: not found; auditors: allowed; no report.view and no audit.view: forbidden.
  const lingdao = await login(srv.base, 'lingdao', DEMO_PASSWORD);
  assert.equal((await lingdao.get(`/report-exports/${job.id}`)).status, 404);
  assert.equal((await download(lingdao, `/report-exports/${job.id}/file`)).status, 404);
  const shenji = await login(srv.base, 'shenji', DEMO_PASSWORD);
  assert.equal((await shenji.ok('GET', `/report-exports/${job.id}`)).status, 'done');
  const handler = await login(srv.base, 'hq_handler', DEMO_PASSWORD);
  assert.equal((await handler.get(`/report-exports/${job.id}`)).status, 403);
  assert.equal((await handler.post('/report-exports', {})).status, 403);
  assert.equal((await tongji.get('/report-exports/999999')).status, 404);
  const events = (await auditEvents(shenji, 'action=report.export')).filter((e) => e.target_id === String(job.id));
  const created = events.find((e) => e.action === 'report.export');
  assert.ok(created, 'creation audited');
  assert.equal(created.actor, local.username);
  assert.deepEqual(created.detail.filters, { from: FROM, to: TO });
  assert.equal(created.detail.rows_total, job.rows_total);
  const done = events.find((e) => e.action === 'report.export_done');
  assert.ok(done, 'completion audited');
  assert.equal(done.detail.rows, job.rows_total, 'with the final row count');
  assert.ok(events.some((e) => e.action === 'report.export_download' && e.actor === local.username), 'download audited');
});

test('ledger export: jobs whose instance stopped are failed, live ones kept; files expire after 24 hours', async () => {
  const job = await runJob(tongji, { from: addDays(TO, -30), to: TO });
  const uid = sql("SELECT id FROM users WHERE username = 'tongji'");
  const now = Date.now();
  // A job whose instance died two minutes ago: no heartbeat since.
  sql(`INSERT INTO report_exports (user_id, filters, status, rows_done, rows_total, created_at, heartbeat_at) VALUES (${uid}, '{}', 'running', 5, 10, ${now - 130000}, ${now - 120000})`);
  // One whose instance is alive (beat just now) is left alone.
  sql(`INSERT INTO report_exports (user_id, filters, status, rows_done, rows_total, created_at, heartbeat_at) VALUES (${uid}, '{}', 'running', 5, 10, ${now}, ${now + 60000})`);
  const alive = Number(sql('SELECT MAX(id) FROM report_exports'));
  const stuck = alive - 1;
  sql(`UPDATE report_exports SET finished_at = ${now - 25 * 3600 * 1000} WHERE id = ${job.id}`);
  const file = path.join(dataDir, 'exports', `ledger-${job.id}.xlsx`);
  assert.ok(fs.existsSync(file), 'the file is under DATA/exports');
  await srv.stop({ keep: true });
  const pgName = srv.pgName;
  srv = await startServer({ dataDir, db: srv.db });
  srv.pgName = pgName;
  tongji = await login(srv.base, 'tongji', DEMO_PASSWORD);
  let failed;
  for (let i = 0; i < 50; i++) {
    failed = await tongji.ok('GET', `/report-exports/${stuck}`);
    if (failed.status === 'failed') break;
    await sleep(100);
  }
  assert.equal(failed.status, 'failed', 'a job whose instance stopped beating is failed');
  assert.ok(failed.error);
  const other = await tongji.ok('GET', `/report-exports/${alive}`);
  assert.equal(other.status, 'running', 'a job another live instance runs is left alone');
  assert.equal(other.rows_done, 5);
  let expired;
  for (let i = 0; i < 50; i++) {
    expired = await tongji.ok('GET', `/report-exports/${job.id}`);
    if (expired.expired) break;
    await sleep(100);
  }
  assert.equal(expired.expired, true, 'the expiry pass ran at start');
  assert.ok(!fs.existsSync(file), 'the file is removed');
  const r = await download(tongji, `/report-exports/${job.id}/file`);
  assert.equal(r.status, 410);
});
