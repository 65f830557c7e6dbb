// 投诉时间统计 / 环比 / 同比 against figures worked out by hand: a leap day, the bank's time zone at
// midnight, an ISO week across a month end, a quarter, and an empty comparison period ("—", never
// a division by zero). See docs/api-reports.md for the comparison rules.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { staff } from './lib/fixtures.mjs';
import { complaintFixture, createComplaint } from './lib/complaints.mjs';

let srv;
let stat;

const RECEIVED = [
  '2023-02-15T10:00', '2023-02-15T11:00', '2023-02-15T12:00', '2023-02-28T10:00',
  '2024-01-31T10:00',
  '2024-02-10T10:00', '2024-02-29T09:00', '2024-02-29T15:00',
  '2024-02-29T23:30', // still 29 February in Beijing (15:30 UTC)
  '2024-03-01T00:10', // already 1 March in Beijing, though 29 February in UTC
  '2024-03-05T10:00',
];

before(async () => {
  srv = await startServer();
  const fx = await complaintFixture(srv, { only: ['clerk'] });
  for (const at of RECEIVED)
    await createComplaint(fx.clerk.client, fx.branch.id, { received_at: `${at}:00+08:00` });
  stat = (await staff(srv, fx.admin, ['statistician'], { org_id: fx.root.id })).client;
});

after(() => srv?.stop());

const get = (q) => stat.ok('GET', `/reports/${q}`);
const pick = (r) => r.rows.map((x) => [x.code, x.count, x.previous_count, x.growth_rate]);

test('yoy by month: February against February (leap year), March against an empty March', async () => {
  const r = await get('yoy?from=2024-02-01&to=2024-03-31&granularity=month');
  assert.deepEqual(pick(r), [['2024-02', 4, 4, 0], ['2024-03', 2, 0, null]]);
  assert.equal(r.rows[0].previous_from, '2023-02-01');
  assert.equal(r.rows[0].previous_to, '2023-02-28', '29 February a year earlier is the 28th');
  assert.deepEqual([r.summary.count, r.summary.previous_count, r.summary.growth_rate], [6, 4, 0.5]);
});

test('yoy by day: 29 February 2024 is compared with 28 February 2023', async () => {
  const r = await get('yoy?from=2024-02-29&to=2024-02-29&granularity=day');
  assert.deepEqual(pick(r), [['2024-02-29', 3, 1, 2]]);
});

test('mom by month: each month against the one before; the range against the same length before it', async () => {
  const r = await get('mom?from=2024-02-01&to=2024-03-31&granularity=month');
  assert.deepEqual(pick(r), [['2024-02', 4, 1, 3], ['2024-03', 2, 4, -0.5]]);
  assert.deepEqual([r.summary.previous_from, r.summary.previous_to], ['2023-12-03', '2024-01-31'], '60 days before');
  assert.deepEqual([r.summary.count, r.summary.previous_count, r.summary.growth_rate], [6, 1, 5]);
});

test('an empty period and an empty comparison give null growth, not a division by zero', async () => {
  const r = await get('mom?from=2023-06-01&to=2023-06-30&granularity=month');
  assert.deepEqual(pick(r), [['2023-06', 0, 0, null]]);
  assert.equal(r.total, 0);
  const q = await get('mom?from=2024-01-01&to=2024-03-31&granularity=quarter');
  assert.deepEqual(pick(q), [['2024-Q1', 7, 0, null]]);
  assert.equal(q.summary.growth_rate, null);
});

test('time: ISO week across the month end, quarter, year, and the hour of day in bank time', async () => {
  const w = await get('time?from=2024-02-26&to=2024-03-03&granularity=week');
  assert.deepEqual(w.rows.map((x) => [x.code, x.from, x.to, x.count]), [['2024-W09', '2024-02-26', '2024-03-03', 4]]);
  const q = await get('time?from=2023-01-01&to=2024-12-31&granularity=quarter');
  assert.deepEqual(q.rows.filter((x) => x.count).map((x) => [x.code, x.count]), [['2023-Q1', 4], ['2024-Q1', 7]]);
  assert.equal(q.rows.length, 8, 'every quarter listed, empty ones too');
  const y = await get('time?from=2023-01-01&to=2024-12-31&granularity=year');
  assert.deepEqual(y.rows.map((x) => [x.code, x.count]), [['2023', 4], ['2024', 7]]);
  const hours = Object.fromEntries(y.hours.filter((h) => h.count).map((h) => [h.code, h.count]));
  assert.deepEqual(hours, { '00': 1, '09': 1, 10: 5, 11: 1, 12: 1, 15: 1, 23: 1 });
  const d = await get('time?from=2024-02-29&to=2024-03-01&granularity=day');
  assert.deepEqual(d.rows.map((x) => [x.code, x.count]), [['2024-02-29', 3], ['2024-03-01', 1]]);
});

test('mom over eleven years is within the twenty-year limit; the limit and its message agree', async () => {
  const r = await get('mom?from=2020-01-01&to=2030-12-31&granularity=year');
  assert.equal(r.summary.count, RECEIVED.length);
  assert.deepEqual([r.summary.previous_from, r.summary.previous_to], ['2008-12-31', '2019-12-31'], 'the same 4018 days before');
  const y = await get('yoy?from=2011-01-01&to=2030-12-31&granularity=year');
  assert.equal(y.summary.count, RECEIVED.length);
  for (const name of ['time', 'mom', 'yoy']) {
    const bad = await stat.get(`/reports/${name}?from=2000-01-01&to=2030-12-31&granularity=year`);
    assert.equal(bad.status, 400, `${name}: ${bad.text}`);
    assert.match(bad.json.error.message, /最长二十年/);
  }
});

test('ratios print as rounded decimals, without float noise', async () => {
  const r = await stat.get('/reports/time?from=2024-02-01&to=2024-03-31&granularity=month');
  assert.equal(r.status, 200);
  const shares = r.json.rows.map((x) => x.share);
  assert.deepEqual(shares, [0.6667, 0.3333]);
  assert.ok(r.text.includes('"share":0.6667') && r.text.includes('"share":0.3333'), r.text.slice(0, 400));
  assert.doesNotMatch(r.text, /\d\.\d{5,}/, 'no number carries more than 4 decimals');
});
