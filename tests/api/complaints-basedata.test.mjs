// 基础数据配置: JR/T 0169 code tables in force on a date, CSV export/import round trip, imported
// codes usable at once; the holiday calendar and the complaint settings recompute the deadlines
// of open complaints; dictionaries switch source channels off; GB/T 2260 regions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, request } from './lib/server.mjs';
import {
  complaintFixture, complaintBody, createComplaint, step, getComplaint, isoDaysAgo, addDays, today, bankDateOf,
  assertDueEndOf, weekday,
} from './lib/complaints.mjs';

const ymdInt = (date) => Number(date.replace(/-/g, ''));

describe('base data', () => {
  let srv;
  let fx;
  let rev; // 审核员(消保) holds config.manage
  let clerk;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { only: ['clerk', 'rev'] });
    rev = fx.rev.client;
    clerk = fx.clerk.client;
  });
  after(async () => { await srv?.stop(); });

  describe('codes', () => {
    before(async () => {
      await rev.ok('POST', '/codes', { dimension: 'C', code: 'C67', parent: '', level: 1, name: '已废止原因', sort: 991, suggest_rights: 'R04', valid_from: '2018-01-01', valid_to: '2026-01-01' }, 201);
      await rev.ok('POST', '/codes', { dimension: 'C', code: 'C68', parent: '', level: 1, name: '将来启用原因', sort: 992, suggest_rights: '', valid_from: '2027-01-01', valid_to: null }, 201);
    });
    const importCsv = (text, ct = 'text/csv; charset=utf-8', client = rev) => request(srv.base, 'POST', '/api/v1/codes/import', {
      body: text, headers: { Cookie: client.cookie, 'X-CSRF-Token': client.csrf, 'Content-Type': ct },
    });
    const codesOn = async (date, dim = 'C') => (await rev.ok('GET', `/codes?dimension=${dim}${date ? `&date=${date}` : ''}`)).items;

    it('GET /codes lists the codes in force on the given date (default today)', async () => {
      const has = (items, code) => items.some((x) => x.code === code);
      const old = await codesOn('2025-06-01');
      assert.ok(has(old, 'C67') && !has(old, 'C68') && has(old, 'C07'));
      const now = await codesOn();
      assert.ok(!has(now, 'C67') && !has(now, 'C68') && has(now, 'C07'));
      assert.deepEqual(now.map((x) => x.code), (await codesOn(today())).map((x) => x.code), 'default date is today');
      const later = await codesOn('2027-03-01');
      assert.ok(!has(later, 'C67') && has(later, 'C68'));
      const all = (await rev.ok('GET', '/codes?dimension=C&all=true')).items;
      assert.ok(has(all, 'C67') && has(all, 'C68') && has(all, 'C07'));
      for (const [date, items] of [['2025-06-01', old], ['2027-03-01', later]]) {
        for (const x of items) {
          assert.ok(x.valid_from <= date && (x.valid_to === null || x.valid_to >= date), `${x.code} ${x.valid_from}..${x.valid_to} in force on ${date}`);
          assert.equal(x.dimension, 'C');
        }
      }
      assertError(await rev.get('/codes?dimension=Z'), 400, 'invalid_field');
      assertError(await rev.get('/codes?date=2026-02-30'), 400, 'invalid_field');
    });

    it('the A and B trees are well formed: every parent exists, levels count down from 1', async () => {
      for (const dim of ['A', 'B']) {
        const items = await codesOn(null, dim);
        const byCode = new Map(items.map((x) => [x.code, x]));
        assert.ok(items.length > 10);
        for (const x of items) {
          if (x.parent === '') { assert.equal(x.level, 1, `${x.code} root level`); continue; }
          const p = byCode.get(x.parent);
          assert.ok(p, `${x.code}: parent ${x.parent} exists`);
          assert.equal(x.level, p.level + 1, `${x.code} level`);
          assert.ok(x.code.startsWith(x.parent), `${x.code} extends ${x.parent}`);
        }
      }
      assert.equal((await codesOn(null, 'R')).length, 8, 'the eight basic rights');
    });

    it('CSV export, re-imported as is, inserts nothing and changes nothing', async () => {
      const before = (await rev.ok('GET', '/codes?all=true')).items;
      const exp = await rev.get('/codes/export');
      assert.equal(exp.status, 200);
      assert.match(exp.headers['content-type'], /text\/csv/);
      const lines = exp.text.trim().split(/\r?\n/);
      assert.match(lines[0], /^dimension,code,parent,level,name,suggest_rights/);
      assert.equal(lines.length - 1, before.length, 'one line per code version');
      const r = await importCsv(exp.text);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.inserted, 0, `re-import inserted ${r.text}`);
      assert.equal(r.json.updated, before.length, 'every row matched an existing code');
      const after = (await rev.ok('GET', '/codes?all=true')).items;
      const key = (x) => `${x.dimension}|${x.code}|${x.parent}|${x.level}|${x.name}|${x.suggest_rights}|${x.valid_from}|${x.valid_to}|${x.sort}`;
      assert.deepEqual(after.map(key).sort(), before.map(key).sort());
    });

    it('an imported new code is usable at once; valid_to set later stops it for later receipts', async () => {
      const r = await importCsv('dimension,code,parent,level,name,suggest_rights\nC,C88,,1,因测试导入原因引起的投诉,R04\n');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { inserted: 1, updated: 0 });
      const c = await createComplaint(clerk, fx.branch.id, { cause_code: 'C88', received_at: isoDaysAgo(2) });
      assert.equal(c.cause_code, 'C88');
      const code = (await codesOn(null)).find((x) => x.code === 'C88');
      assert.equal(code.name, '因测试导入原因引起的投诉');
      await rev.ok('PATCH', `/codes/${code.id}`, { valid_to: addDays(today(), -5) });
      const late = await clerk.post('/complaints', complaintBody(fx.branch.id, { cause_code: 'C88', received_at: isoDaysAgo(2) }));
      assertError(late, 400, 'invalid_code', 'cause_code');
      await createComplaint(clerk, fx.branch.id, { cause_code: 'C88', received_at: isoDaysAgo(10) });
    });

    it('imports need text/csv and config.manage; bad CSV → 400', async () => {
      assert.equal((await importCsv('dimension,code\nC,C89\n', 'application/json')).status, 415);
      const bad = await importCsv('not,a,code,table\n1,2,3,4\n');
      assert.equal(bad.status, 400, bad.text);
      const denied = await importCsv('dimension,code,parent,level,name,suggest_rights\nC,C87,,1,越权导入,\n', 'text/csv', clerk);
      assertError(denied, 403, 'forbidden');
      assert.ok(!(await rev.ok('GET', '/codes?all=true')).items.some((x) => x.code === 'C87'));
      assertError(await clerk.post('/codes', { dimension: 'C', code: 'C86', parent: '', level: 1, name: 'x', valid_from: '2018-01-01' }), 403, 'forbidden');
    });
  });

  describe('dictionaries', () => {
    it('disabling a source channel refuses new complaints through it; enabling restores it', async () => {
      const list = (await clerk.ok('GET', '/dictionaries/source_channel')).items;
      const codes = list.map((x) => x.code);
      for (const c of ['phone', 'onsite', 'letter', 'email', 'internet', 'pboc_transfer', 'nfra_transfer', 'petition', 'media', 'other']) {
        assert.ok(codes.includes(c), `default channel ${c}`);
      }
      const email = list.find((x) => x.code === 'email');
      assert.equal(email.enabled, true);
      const { kind: _k, code: _c, ...item } = email;
      assertError(await clerk.put('/dictionaries/source_channel/email', { ...item, enabled: false }), 403, 'forbidden');
      await rev.ok('PUT', '/dictionaries/source_channel/email', { ...item, enabled: false });
      assert.equal((await clerk.ok('GET', '/dictionaries/source_channel')).items.find((x) => x.code === 'email').enabled, false);
      const r = await clerk.post('/complaints', complaintBody(fx.branch.id, { source_channel: 'email' }));
      assertError(r, 400, 'invalid_field', 'source_channel');
      await rev.ok('PUT', '/dictionaries/source_channel/email', { ...item, enabled: true });
      assert.equal((await createComplaint(clerk, fx.branch.id, { source_channel: 'email' })).source_channel, 'email');
    });

    it('ID types: 01 = 居民身份证', async () => {
      const items = (await clerk.ok('GET', '/dictionaries/id_type')).items;
      assert.equal(items.find((x) => x.code === '01')?.name, '居民身份证');
      assert.equal((await clerk.get('/dictionaries/nonsense')).status, 404);
    });
  });

  describe('regions (GB/T 2260)', () => {
    it('34 provincial-level divisions', async () => {
      const items = (await clerk.ok('GET', '/regions')).items;
      assert.equal(items.length, 34);
      for (const x of items) {
        assert.match(x.code, /^\d{2}0000$/);
        assert.ok(x.parent === null || x.parent === '', `province ${x.code} has no parent`);
      }
      const names = Object.fromEntries(items.map((x) => [x.code, x.name]));
      assert.equal(names['110000'], '北京市');
      assert.equal(names['440000'], '广东省');
      assert.ok(names['810000'] && names['820000'], 'Hong Kong and Macao included');
    });

    it('parent=110000 lists Beijing\'s 16 districts', async () => {
      const items = (await clerk.ok('GET', '/regions?parent=110000')).items;
      assert.equal(items.length, 16);
      for (const x of items) {
        assert.equal(x.parent, '110000');
        assert.match(x.code, /^11\d{4}$/);
      }
      assert.equal(items.find((x) => x.code === '110105')?.name, '朝阳区');
      assert.deepEqual((await clerk.ok('GET', '/regions?parent=110105')).items, []);
    });
  });

  describe('calendar and deadline settings', () => {
    let cal; // {holidays:Set, workdays:Set} of yyyymmdd ints
    async function loadCalendar() {
      cal = { holidays: new Set(), workdays: new Set() };
      for (const y of [Number(today().slice(0, 4)), Number(today().slice(0, 4)) + 1]) {
        const r = await rev.ok('GET', `/calendar?year=${y}`);
        for (const it of r.items) (it.kind === 'holiday' ? cal.holidays : cal.workdays).add(it.day);
      }
    }
    const isWorkday = (date) => cal.workdays.has(ymdInt(date)) || (!cal.holidays.has(ymdInt(date)) && weekday(date) >= 1 && weekday(date) <= 5);
    function workingDue(receivedIso, n) {
      let d = bankDateOf(receivedIso);
      for (let counted = 0; counted < n;) { d = addDays(d, 1); if (isWorkday(d)) counted++; }
      return d;
    }
    function nextWorkday(date) { let d = date; while (!isWorkday(d)) d = addDays(d, 1); return d; }

    let calendarC; // registered under calendar days
    let workingC; // registered under working days
    const receivedCal = isoDaysAgo(3);
    const receivedWork = isoDaysAgo(2);
    before(async () => {
      calendarC = await createComplaint(clerk, fx.branch.id, { received_at: receivedCal });
      await loadCalendar();
    });

    it('settings: defaults are the 2020 rules (15/30/60 calendar days)', async () => {
      const s = await clerk.ok('GET', '/settings/complaints');
      assert.equal(s.standard_days, 15);
      assert.equal(s.first_extension_max, 30);
      assert.equal(s.second_extension_max, 60);
      assert.equal(s.working_days, false);
      assert.equal(calendarC.day_type, 'calendar');
      assertDueEndOf(calendarC.due_at, addDays(bankDateOf(receivedCal), 15));
      assertError(await clerk.put('/settings/complaints', { working_days: true }), 403, 'forbidden');
      assertError(await rev.put('/settings/complaints', { standard_days: 'fifteen' }), 400, 'invalid_field');
    });

    it('working_days:true: a new complaint counts 15 working days (weekends and holidays skipped)', async () => {
      const s = await rev.ok('PUT', '/settings/complaints', { working_days: true });
      assert.equal(s.working_days, true);
      assert.equal(typeof s.recomputed, 'number');
      workingC = await createComplaint(clerk, fx.branch.id, { received_at: receivedWork });
      assert.equal(workingC.day_type, 'working');
      assertDueEndOf(workingC.due_at, workingDue(receivedWork, 15));
      workingC = await step(clerk, workingC, 'assign', { user_id: fx.clerk.user.id });
    });

    it('PUT /calendar a holiday inside the period moves the open working-day complaint\'s due_at', async () => {
      const oldDue = workingDue(receivedWork, 15);
      // A weekday strictly inside the period that is a working day now.
      let day = addDays(bankDateOf(receivedWork), 3);
      while (!isWorkday(day)) day = addDays(day, 1);
      const r = await rev.ok('PUT', `/calendar/${ymdInt(day)}`, { kind: 'holiday', note: '临时休假' });
      assert.equal(r.ok, true);
      assert.ok(r.recomputed >= 1, `recomputed ${r.recomputed}`);
      await loadCalendar();
      assert.ok(cal.holidays.has(ymdInt(day)), 'the holiday is listed by GET /calendar');
      const newDue = workingDue(receivedWork, 15);
      assert.ok(newDue > oldDue, `${newDue} later than ${oldDue}`);
      const now = await getComplaint(rev, workingC.id);
      assertDueEndOf(now.due_at, newDue, 'after the holiday');
      // Calendar-day complaints are not moved by holidays (no rolling by default).
      assertDueEndOf((await getComplaint(rev, calendarC.id)).due_at, addDays(bankDateOf(receivedCal), 15));
      // A make-up workday on a weekend inside the period pulls it back by one.
      let sat = addDays(bankDateOf(receivedWork), 1);
      while (weekday(sat) !== 6) sat = addDays(sat, 1);
      await rev.ok('PUT', `/calendar/${ymdInt(sat)}`, { kind: 'workday', note: '调休上班' });
      await loadCalendar();
      assertDueEndOf((await getComplaint(rev, workingC.id)).due_at, workingDue(receivedWork, 15), 'after the make-up workday');
      assert.equal(workingDue(receivedWork, 15), oldDue);
      // Removing both restores the original deadline.
      const del = await rev.ok('DELETE', `/calendar/${ymdInt(day)}`);
      assert.ok(del.ok && del.recomputed >= 1);
      await rev.ok('DELETE', `/calendar/${ymdInt(sat)}`);
      assertDueEndOf((await getComplaint(rev, workingC.id)).due_at, oldDue, 'restored');
      assertError(await rev.put(`/calendar/${ymdInt(day)}`, { kind: 'party' }), 400, 'invalid_field');
      assertError(await clerk.put(`/calendar/${ymdInt(day)}`, { kind: 'holiday' }), 403, 'forbidden');
    });

    it('roll_past_holiday:true moves a calendar-day deadline that falls on a holiday to the next working day', async () => {
      await loadCalendar();
      const due = addDays(bankDateOf(receivedCal), 15);
      await rev.ok('PUT', `/calendar/${ymdInt(due)}`, { kind: 'holiday', note: '测试假日' });
      await loadCalendar();
      assertDueEndOf((await getComplaint(rev, calendarC.id)).due_at, due, 'no rolling yet');
      const s = await rev.ok('PUT', '/settings/complaints', { roll_past_holiday: true });
      assert.equal(s.roll_past_holiday, true);
      assert.ok(s.recomputed >= 1);
      assertDueEndOf((await getComplaint(rev, calendarC.id)).due_at, nextWorkday(due), 'rolled past the holiday');
      await rev.ok('PUT', '/settings/complaints', { roll_past_holiday: false, working_days: false });
      await rev.ok('DELETE', `/calendar/${ymdInt(due)}`);
      assertDueEndOf((await getComplaint(rev, calendarC.id)).due_at, due, 'back to calendar days');
      const fresh = await createComplaint(clerk, fx.branch.id, { received_at: receivedWork });
      assert.equal(fresh.day_type, 'calendar');
    });
  });
});
