// Insider abuse of the complaint API (issue 11 "Insider-proof"), each attack as it was reported
// against commit 1207e4e, and what must happen now:
//   H2  a statistician confirmed a full phone number by guessing the digits the mask hides with
//       GET /complaints?phone=…&complaint_no=… — exact PII lookups now need pii.lookup (or
//       pii.unmask), are audited with the masked value only, and are throttled per user.
//   M4  new_facts let the handler reset the legal deadline alone — now a request that a reviewer
//       other than the requester approves; the timeline keeps the old and new due date and the
//       reports count restarted clocks.
//   M5  compensation_fen / extend days overflowed int64 — every numeric input of the complaint
//       API is tried with INT64_MAX, -1, 1e20, 2^53+1, INT64_MAX+1 and a string.
//   L1  short identifiers kept most characters in the mask (E12345678 → E123*5678).
//   L2  repeat detection named a complaint outside the registrar's scope (repeat_of).
//   L5  a branch handler assigned to an institution outside their scope.
//   L6  the code-table CSV export kept =cmd|…, +HYPERLINK(…), @SUM(…) live for Excel.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese, request } from './lib/server.mjs';
import {
  complaintFixture, createComplaint, act, step, getComplaint, timeline, auditEvents, isoDaysAgo, addDays,
  today, assertDueEndOf, mobile,
} from './lib/complaints.mjs';

const REPLY = { result: 'accepted', reply_content: '经核实，已退还相关费用并致歉。', compensation_fen: 0 };

// A JSON body with one member written as raw number text (JSON.stringify cannot write INT64_MAX).
function rawBody(obj, key, text) {
  const s = JSON.stringify({ ...obj, [key]: '__RAW__' });
  return s.replace('"__RAW__"', text);
}
const OVERFLOWING = [
  ['INT64_MAX', '9223372036854775807'],
  ['INT64_MAX+1', '9223372036854775808'],
  ['-1', '-1'],
  ['1e20', '1e20'],
  ['2^53+1', '9007199254740993'],
  ['a string', '"12"'],
];

describe('complaint API abuse (issue 11)', () => {
  let srv;
  let fx;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, {
      extra: {
        tongji: { roles: ['statistician'], org: 'branch' },
        subreg: { roles: ['registrar'], org: 'sub' },
        hb2: { roles: ['handler'], org: 'branch2' },
      },
    });
  });
  after(async () => { await srv?.stop(); });

  describe('H2: exact phone lookups', () => {
    it('200 phone guesses by a statistician in a minute reveal nothing and are all audited', async () => {
      const phone = `188${String(Date.now() % 1e4).padStart(4, '0')}6244`;
      const c = await createComplaint(fx.clerk.client, fx.branch.id, { complainant: { phone } });
      assert.equal(c.complainant.phone, `${phone.slice(0, 3)}****${phone.slice(-4)}`, 'the mask the statistician sees');
      const no = encodeURIComponent(c.complaint_no);
      const tongji = fx.tongji.client;
      // The four hidden digits: 199 wrong guesses around the right one, the right one in the middle.
      const hidden = Number(phone.slice(3, 7));
      const guesses = [];
      for (let k = -100; k < 100; k++) guesses.push(`${phone.slice(0, 3)}${String((hidden + k + 10000) % 10000).padStart(4, '0')}${phone.slice(-4)}`);
      assert.equal(guesses.length, 200);
      assert.ok(guesses.includes(phone));
      const started = Date.now();
      const answers = [];
      for (const g of guesses) answers.push(await tongji.get(`/complaints?phone=${g}&complaint_no=${no}`));
      assert.ok(Date.now() - started < 60000, 'the 200 guesses ran within a minute');
      const right = answers[guesses.indexOf(phone)];
      const wrongOnes = answers.filter((_, i) => guesses[i] !== phone);
      for (const r of answers) {
        assert.ok(r.status === 403 || r.status === 429, `a statistician's exact lookup is refused: ${r.status} ${r.text.slice(0, 200)}`);
        assert.ok(!r.json.items, 'no result list');
        assert.ok(hasChinese(r.json.error.message));
      }
      const shapes = new Set(wrongOnes.map((r) => `${r.status} ${r.text}`));
      assert.ok(shapes.has(`${right.status} ${right.text}`), 'the right guess is answered exactly like some wrong guess');
      // The ledger report takes the same filter.
      const rep = await tongji.get(`/reports/detail?from=${addDays(today(), -30)}&to=${today()}&phone=${phone}`);
      assert.ok(rep.status === 403 || rep.status === 429, `report detail with phone=: ${rep.status}`);
      // Audited: one event per attempt, masked value only, never the number itself.
      const events = await auditEvents(fx.aud.client, `action=complaint.lookup&actor=${fx.tongji.username}`);
      assert.ok(events.length >= 200, `every attempt is audited: ${events.length}`);
      for (const e of events) {
        assert.equal(e.result, 'denied');
        assert.equal(e.detail.phone, `${phone.slice(0, 3)}****${phone.slice(-4)}`, JSON.stringify(e.detail));
        assert.ok(!JSON.stringify(e).includes(phone), 'the clear number is not in the audit log');
      }
    });

    it('a handler (pii.lookup) finds a caller by phone, at most 30 times a minute, then 429 in Chinese', async () => {
      const phone = mobile('137');
      const c = await createComplaint(fx.clerk.client, fx.branch.id, { complainant: { phone } });
      const h2 = fx.h2.client;
      const found = await h2.ok('GET', `/complaints?phone=${phone}`);
      assert.deepEqual(found.items.map((x) => x.id), [c.id], 'a legitimate lookup works');
      let ok = 1;
      let refused = null;
      for (let i = 0; i < 40 && !refused; i++) {
        const r = await h2.get(`/complaints?phone=${mobile('139')}`);
        if (r.status === 200) ok++;
        else refused = r;
      }
      assert.equal(ok, 30, 'exactly 30 exact lookups admitted in the minute');
      assertError(refused, 429, 'too_many_lookups', 'phone');
      assert.ok(hasChinese(refused.json.error.message), refused.json.error.message);
      // Throttled, the right number is refused like any other; other searches still work.
      assert.equal((await h2.get(`/complaints?phone=${phone}`)).status, 429);
      assert.equal((await h2.get(`/complaints?id_no=${'110105194912310021'}`)).status, 429, 'ID numbers share the limit');
      await h2.ok('GET', `/complaints?complaint_no=${encodeURIComponent(c.complaint_no)}`);
      const events = await auditEvents(fx.aud.client, `action=complaint.lookup&actor=${fx.h2.username}`);
      assert.equal(events.filter((e) => e.result === 'ok').length, 30);
      assert.equal(events.filter((e) => e.result === 'denied').length, 3);
      assert.ok(events.every((e) => /^\d{3}\*{4}\d{4}$/.test(e.detail.phone ?? '000****0000')), 'masked values only');
      assert.ok(!JSON.stringify(events).includes(phone));
    });
  });

  describe('M4: restarting the clock after new facts', () => {
    it('the handler alone cannot reset an overdue deadline; a second reviewer approves; history and reports keep it', async () => {
      const clerk = fx.clerk.client;
      let c = await createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(40) });
      c = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
      assert.equal(c.deadline_state, 'overdue');
      c = await step(fx.rev.client, await step(clerk, c, 'extend', { days: 10, reason: '调查' }), 'approve_extension', {});
      assert.equal(c.deadline_state, 'overdue', 'overdue even after the approved extension');
      const due = c.due_at;
      // The request changes no figure.
      c = await step(clerk, c, 'new_facts', { reason: '客户补充了新的通话录音' });
      assert.equal(c.deadline_state, 'overdue', 'still overdue until approved');
      assert.equal(c.due_at, due);
      assert.equal(c.extension_count, 1);
      assert.equal(c.pending, 'new_facts');
      // Not by the handler, and a second request cannot stack.
      // (403: four_eyes — the workflow refuses the requester before the permission check)
      const own = await act(clerk, c, 'approve_new_facts', {});
      assert.equal(own.status, 403, own.text);
      assert.ok(['forbidden', 'four_eyes'].includes(own.json.error.code), own.text);
      assert.equal((await act(clerk, c, 'new_facts', { reason: '再次申请' })).status, 409);
      assert.equal((await act(clerk, c, 'reply', REPLY)).status, 409, 'no reply while the request waits');
      // A reviewer cannot approve their own request.
      c = await step(fx.rev.client, await step(fx.rev.client, c, 'reject_new_facts', { reason: '无新事实' }), 'new_facts', { reason: '复核后补充' });
      assertError(await act(fx.rev.client, c, 'approve_new_facts', {}), 403, 'four_eyes');
      c = await step(fx.rev2.client, c, 'approve_new_facts', { note: '同意重新计时' });
      assert.equal(c.deadline_state, 'on_time');
      assert.equal(c.allowed_days, 15);
      assert.equal(c.extension_count, 0);
      assert.equal(c.clock_restarts, 1);
      assert.equal(c.pending, null);
      assertDueEndOf(c.due_at, addDays(today(), 15));
      const events = await timeline(fx.rev.client, c.id);
      const actions = events.map((e) => e.action);
      assert.deepEqual(actions.slice(-4), ['complaint.new_facts', 'complaint.reject_new_facts', 'complaint.new_facts', 'complaint.approve_new_facts']);
      const ev = events.at(-1);
      assert.equal(ev.actor, fx.rev2.username);
      assert.equal(Date.parse(ev.detail.clock_restart.old_due_at), Date.parse(due), 'old due date kept in the timeline');
      assert.equal(Date.parse(ev.detail.clock_restart.new_due_at), Date.parse(c.due_at), 'new due date in the timeline');
      // The reports show restarted clocks beside the on-time figures.
      let total = 0;
      for (let i = 0; i < 50 && total < 1; i++) {
        if (i) await new Promise((r) => setTimeout(r, 100));
        const rep = await fx.rev.client.ok('GET', `/reports/source_channel?from=${addDays(today(), -60)}&to=${today()}`);
        total = rep.rows.reduce((s, r) => s + (r.clock_restarted ?? 0), 0);
      }
      assert.equal(total, 1, 'reports count the restarted clock');
    });
  });

  describe('M5: numbers that overflow', () => {
    it('compensation_fen INT64_MAX is refused before any sum (two such replies made report totals -2 fen)', async () => {
      const clerk = fx.clerk.client;
      let c = await step(clerk, await createComplaint(clerk, fx.branch.id), 'assign', { user_id: fx.clerk.user.id });
      for (const [label, text] of [...OVERFLOWING, ['10^12+1', '1000000000001']]) {
        const r = await clerk.post(`/complaints/${c.id}/actions/reply`, rawBody({ version: c.version, ...REPLY }, 'compensation_fen', text));
        assert.equal(r.status, 400, `compensation_fen ${label}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.ok(hasChinese(r.json.error.message));
      }
      const now = await getComplaint(fx.rev.client, c.id);
      assert.equal(now.version, c.version, 'nothing changed');
      assert.equal(now.status, 'processing');
      c = await step(clerk, now, 'reply', { ...REPLY, compensation_fen: 1000000000000 });
      assert.equal(c.compensation_fen, 1000000000000, '10^12 fen is still accepted');
    });

    it('extend days INT64_MAX no longer passes the 30/60-day cap by overflow', async () => {
      const clerk = fx.clerk.client;
      const c = await step(clerk, await createComplaint(clerk, fx.branch.id), 'assign', { user_id: fx.clerk.user.id });
      for (const [label, text] of [...OVERFLOWING, ['367', '367']]) {
        const r = await clerk.post(`/complaints/${c.id}/actions/extend`, rawBody({ version: c.version, reason: '调查' }, 'days', text));
        assert.equal(r.status, 400, `days ${label}: ${r.status} ${r.text.slice(0, 200)}`);
      }
      const now = await getComplaint(fx.rev.client, c.id);
      assert.equal(now.version, c.version);
      assert.equal(now.allowed_days, c.allowed_days);
      assert.equal(now.pending, null);
    });

    it('every other numeric input answers 4xx, never 5xx, and changes nothing', async () => {
      const clerk = fx.clerk.client;
      const body = (await import('./lib/complaints.mjs')).complaintBody(fx.branch.id);
      for (const key of ['amount_fen', 'group_size', 'complained_org_id']) {
        for (const [label, text] of OVERFLOWING) {
          const r = await clerk.post('/complaints', rawBody(body, key, text));
          assert.equal(r.status, 400, `POST /complaints ${key} ${label}: ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
      const c = await step(clerk, await createComplaint(clerk, fx.branch.id), 'assign', { user_id: fx.clerk.user.id });
      const other = await createComplaint(clerk, fx.branch.id);
      const tries = [
        ['PATCH', `/complaints/${c.id}`, { content: '修改' }, 'version'],
        ['POST', `/complaints/${c.id}/actions/assign`, { user_id: fx.clerk.user.id }, 'org_id'],
        ['POST', `/complaints/${c.id}/actions/assign`, {}, 'user_id'],
        ['POST', `/complaints/${c.id}/actions/transfer`, { reason: '转办' }, 'org_id'],
        ['POST', `/complaints/${c.id}/actions/merge`, {}, 'into'],
        ['POST', `/complaints/${c.id}/actions/pause`, { reason: '中止' }, 'version'],
      ];
      for (const [method, path, extra, key] of tries) {
        for (const [label, text] of OVERFLOWING) {
          const payload = key === 'version' ? { ...extra } : { version: c.version, ...extra };
          const r = await clerk.req(method, path, rawBody(payload, key, text));
          assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} ${key}=${label}: ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
      for (const q of ['page', 'page_size', 'org_id', 'complained_org_id']) {
        for (const [label, text] of OVERFLOWING) {
          const r = await clerk.get(`/complaints?${q}=${encodeURIComponent(text.replace(/"/g, ''))}`);
          assert.ok(r.status < 500, `GET /complaints?${q}=${label}: ${r.status}`);
        }
      }
      assert.equal((await getComplaint(fx.rev.client, c.id)).version, c.version, 'nothing changed');
      assert.equal((await getComplaint(fx.rev.client, other.id)).status, 'registered');
    });
  });

  describe('L1: masks of short identifiers', () => {
    it('a passport number and an 8-digit phone show at most a third of their characters', async () => {
      const c = await createComplaint(fx.clerk.client, fx.branch.id, {
        complainant: { id_type: '03', id_no: 'E12345678', phone: '87654321' },
      });
      assert.equal(c.complainant.id_no, 'E1******8');
      assert.equal(c.complainant.phone, '8******1');
    });
  });

  describe('L2: repeat detection stays in scope', () => {
    it('a sub-branch registrar learns that it is a repeat, not which complaint of another branch it repeats', async () => {
      const phone = mobile('136');
      const first = await createComplaint(fx.clerk.client, fx.branch.id, { complainant: { phone } });
      assert.equal((await fx.subreg.client.get(`/complaints/${first.id}`)).status, 404, 'the first is out of the registrar\'s scope');
      const again = await createComplaint(fx.subreg.client, fx.sub.id, { complainant: { phone } });
      assert.ok(again.tags.includes('repeat'), `still tagged repeat: ${again.tags}`);
      assert.equal(again.repeat_of, null, `repeat_of hidden: ${again.repeat_of}`);
      // Within scope the link stays (the newest earlier complaint, in the sub-branch).
      const third = await createComplaint(fx.clerk.client, fx.branch.id, { complainant: { phone } });
      assert.equal(third.repeat_of, again.id);
    });
  });

  describe('L5: assignment within scope', () => {
    it('a branch handler cannot assign to another branch (403); within the branch still works', async () => {
      let c = await createComplaint(fx.clerk.client, fx.branch.id);
      const r = await act(fx.h2.client, c, 'assign', { org_id: fx.branch2.id, user_id: fx.hb2.user.id });
      assertError(r, 403, 'forbidden');
      assert.ok(hasChinese(r.json.error.message));
      const now = await getComplaint(fx.rev.client, c.id);
      assert.equal(now.version, c.version);
      assert.equal(now.handling_org_id, fx.branch.id);
      c = await step(fx.h2.client, now, 'assign', { user_id: fx.clerk.user.id });
      assert.equal(c.handler_id, fx.clerk.user.id);
    });
  });

  describe('L6: CSV injection in the code-table export', () => {
    it('formula cells are exported with a leading quote and imported back unchanged', async () => {
      const rev = fx.rev.client;
      const names = { C91: "=cmd|' /C calc'!A0", C92: '+HYPERLINK("http://evil.example","点击")', C93: '@SUM(1+1)*cmd|x', C94: '-2+3', C95: "'=已带引号" };
      for (const [code, name] of Object.entries(names)) {
        await rev.ok('POST', '/codes', { dimension: 'C', code, parent: '', level: 1, name, sort: 900, suggest_rights: '', valid_from: '2018-01-01' }, 201);
      }
      const exp = await rev.get('/codes/export');
      assert.equal(exp.status, 200);
      const lines = exp.text.split('\n');
      for (const code of Object.keys(names)) {
        const line = lines.find((l) => l.startsWith(`C,${code},`));
        assert.ok(line, `exported: ${code}`);
        const cell = line.split(',').slice(4).join(',').replace(/^"/, '');
        assert.equal(cell[0], "'", `${code}: the name cell starts with a quote: ${line}`);
        for (const f of line.split(',')) assert.ok(!/^"?[=+\-@]/.test(f), `${code}: no live formula cell in ${line}`);
      }
      // Round trip: renamed in between, the import restores the exact names.
      for (const code of Object.keys(names)) {
        const id = (await rev.ok('GET', '/codes?dimension=C')).items.find((x) => x.code === code).id;
        await rev.ok('PATCH', `/codes/${id}`, { name: '临时名称' });
      }
      const imp = await request(srv.base, 'POST', '/api/v1/codes/import', {
        body: exp.text, headers: { Cookie: rev.cookie, 'X-CSRF-Token': rev.csrf, 'Content-Type': 'text/csv; charset=utf-8' },
      });
      assert.equal(imp.status, 200, imp.text);
      const after = (await rev.ok('GET', '/codes?dimension=C')).items;
      for (const [code, name] of Object.entries(names)) assert.equal(after.find((x) => x.code === code).name, name, code);
    });
  });
});
