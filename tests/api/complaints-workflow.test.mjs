// The complaint lifecycle (docs/api-complaints.md, domain README §4) as a table: every workflow
// action tried in every state, with the expected answer written down here from the spec — not
// read from the server's `actions` field, which is then checked against the same table.
// Also: optimistic concurrency between two handlers, extensions (four eyes, 30/60-day caps,
// head-office approval), the late-reply reason, callbacks, and an intact audit chain at the end.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese, uid } from './lib/server.mjs';
import { staff } from './lib/fixtures.mjs';
import {
  complaintFixture, complaintBody, createComplaint, act, step, getComplaint, timeline,
  assertInvalidTransition, isoDaysAgo, addDays, today, bankDateOf, assertDueEndOf,
} from './lib/complaints.mjs';

const ACTIONS = ['submit', 'assign', 'transfer', 'return', 'extend', 'approve_extension', 'pause', 'resume',
  'reply', 'approve_reply', 'reject_reply', 'callback', 'close', 'reopen', 'withdraw', 'request_delete',
  'approve_delete', 'sync', 'merge', 'new_facts', 'approve_new_facts', 'reject_new_facts'];
// Refusing and withdrawing a pending request: their own table is in complaints-requests.test.mjs.
const REQUEST_ACTIONS = ['reject_extension', 'reject_delete', 'withdraw_request'];

// Y = the lifecycle allows it (200), N = it does not (409 invalid_transition), ? = the spec leaves
// it open: either answer is accepted, but it must agree with the `actions` the server offers.
//   - processing/assign: re-assignment to another handler of the institution (assign takes
//     {user_id, org_id?}; a handler falling ill must not strand the complaint) → Y.
//   - while paused or while an extension awaits approval, the spec says nothing about handing
//     the complaint on, replying or pausing → ?.
//   - pending is a single slot (null|"extension"|"delete"): a second request while one waits → N.
//   - drafts are not yet complaints: nothing to withdraw or report to the regulator → N; but
//     "any state ─request delete→" includes them → Y.
//   - withdraw: "any open state" = registered, processing, reviewing, replied (not yet 办结).
//   - close: replied ─close→ closed (closing without a callback); reopen: closed ─reopen→ processing.
//   - deleted is terminal; whether a deleted complaint can still be re-sent to the regulator is
//     not specified → sync ?.
//   - merge: registered/processing → closed (a paused complaint is processing); new_facts:
//     registered/processing/reviewing, a request (pending "new_facts") that a reviewer other than
//     the requester approves (the clock restarts) or rejects (issue 11 M4). With an approval
//     pending → N (one pending slot).
const TABLE = {
  //                 sub asg trf ret ext apx pau res rep apr rjr cbk cls rop wdr rqd apd syn mrg nfc anf rnf
  draft:            'Y   N   N   N   N   N   N   N   N   N   N   N   N   N   N   Y   N   N   N   N   N   N',
  registered:       'N   Y   N   N   N   N   N   N   N   N   N   N   N   N   Y   Y   N   Y   Y   Y   N   N',
  processing:       'N   Y   Y   Y   Y   N   Y   N   Y   N   N   N   N   N   Y   Y   N   Y   Y   Y   N   N',
  paused:           'N   ?   ?   ?   ?   N   N   Y   ?   N   N   N   N   N   Y   Y   N   Y   Y   Y   N   N',
  pending_extension:'N   ?   ?   ?   N   Y   ?   N   ?   N   N   N   N   N   Y   N   N   Y   ?   N   N   N',
  pending_new_facts:'N   ?   ?   N   N   N   ?   N   N   N   N   N   N   N   Y   N   N   Y   N   N   Y   Y',
  reviewing:        'N   N   N   N   N   N   N   N   N   Y   Y   N   N   N   Y   Y   N   Y   N   Y   N   N',
  replied:          'N   N   N   N   N   N   N   N   N   N   N   Y   Y   ?   Y   Y   N   Y   N   N   N   N',
  closed:           'N   N   N   N   N   N   N   N   N   N   N   N   N   Y   N   Y   N   Y   N   N   N   N',
  withdrawn:        'N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   Y   N   Y   N   N   N   N',
  deleted:          'N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   ?   N   N   N   N',
  pending_delete:   'N   ?   ?   ?   ?   N   ?   N   ?   N   N   N   N   N   ?   N   Y   ?   ?   ?   N   N',
};
const expectation = (state, action) => TABLE[state].trim().split(/\s+/)[ACTIONS.indexOf(action)];

const REPLY = { result: 'accepted', reply_content: '经核实，年费系系统误收，已全额退还并致歉。', compensation_fen: 0 };

describe('complaint workflow', () => {
  let srv;
  let fx;
  let clerk; // registrar + handler at the branch
  let rev; // head-office reviewer
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, {
      extra: {
        boss: { roles: ['handler', 'reviewer'], org: 'root' },
        sec: { roles: ['sec_admin'], org: 'root' },
      },
    });
    clerk = fx.clerk.client;
    rev = fx.rev.client;
  });
  after(async () => { await srv?.stop(); });

  // Who takes each action, with which valid parameters, and what the complaint looks like after.
  const HOW = {
    submit: { by: 'clerk', params: () => ({}), expect: () => ({ status: 'registered' }) },
    assign: { by: 'clerk', params: () => ({ user_id: fx.h2.user.id }), expect: () => ({ status: 'processing', handler_id: fx.h2.user.id }) },
    transfer: {
      by: 'clerk', params: () => ({ org_id: fx.branch2.id, reason: '属乙分行业务，转办处理' }),
      expect: (b) => ({ status: 'processing', handling_org_id: fx.branch2.id, transfer_count: b.transfer_count + 1 }),
    },
    return: { by: 'clerk', params: () => ({ reason: '非本机构业务，退回重新分派' }), expect: () => ({ status: 'registered', handler_id: null }) },
    extend: {
      by: 'clerk', params: () => ({ days: 15, reason: '案情复杂，需调取交易记录' }),
      expect: (b) => ({ status: b.status, pending: 'extension', allowed_days: b.allowed_days }),
    },
    approve_extension: {
      by: 'rev', params: () => ({ note: '同意延期' }),
      expect: (b) => ({ status: 'processing', pending: null, pending_data: null, allowed_days: 30, extension_count: b.extension_count + 1 }),
    },
    pause: { by: 'clerk', params: () => ({ reason: '送外部机构鉴定' }), expect: () => ({ status: 'processing', deadline_state: 'paused', due_at: null }) },
    resume: {
      by: 'clerk', params: () => ({}), expect: () => ({ status: 'processing' }),
      check: (got) => {
        assert.notEqual(got.deadline_state, 'paused', 'the clock runs again');
        assert.ok(got.due_at, 'due_at is back once resumed');
      },
    },
    reply: { by: 'clerk', params: () => REPLY, expect: () => ({ status: 'reviewing', reply_result: 'accepted', reply_content: REPLY.reply_content }) },
    approve_reply: { by: 'rev', params: () => ({ note: '答复妥当' }), expect: () => ({ status: 'replied' }) },
    reject_reply: { by: 'rev', params: () => ({ reason: '答复未说明收费依据' }), expect: () => ({ status: 'processing' }) },
    callback: {
      by: 'rev', params: () => ({ satisfaction: 'satisfied', note: '客户表示满意' }),
      expect: () => ({ status: 'closed', callback_satisfaction: 'satisfied', deadline_state: 'done' }),
      check: (got) => assert.ok(got.closed_at && got.callback_at, 'closed_at and callback_at set'),
    },
    close: {
      by: 'rev', params: () => ({ note: '客户未接回访电话，办结' }), expect: () => ({ status: 'closed', deadline_state: 'done' }),
      check: (got) => assert.ok(got.closed_at, 'closed_at set'),
    },
    reopen: { by: 'rev', params: () => ({ reason: '客户提供新证据' }), expect: () => ({ status: 'processing', closed_at: null }) },
    withdraw: {
      by: 'clerk', params: () => ({ reason: '客户来电撤诉' }), expect: () => ({ status: 'withdrawn', deadline_state: 'done' }),
      check: (got) => assert.ok(got.withdrawn_at, 'withdrawn_at set'),
    },
    request_delete: { by: 'clerk', params: () => ({ reason: '重复录入' }), expect: (b) => ({ status: b.status, pending: 'delete' }) },
    approve_delete: {
      by: 'rev', params: () => ({}), expect: () => ({ status: 'deleted', pending: null, pending_data: null }),
      check: (got) => assert.ok(got.deleted_at, 'deleted_at set'),
    },
    sync: { by: 'rev', params: () => ({}), expect: (b) => ({ status: b.status, sync_status: 'pending' }) },
    merge: {
      // Into an open complaint of the same complainant (a new one registered for the purpose).
      by: 'clerk',
      params: async (c) => ({ into: (await sameComplainant(c)).id, reason: '同一投诉人就同一事项重复投诉' }),
      expect: (b, params) => ({ status: 'closed', merged_into: params.into, deadline_state: 'done' }),
      check: (got) => {
        assert.ok(got.closed_at, 'closed_at set');
        assert.ok(got.tags.includes('repeat'), `tagged repeat: ${got.tags}`);
      },
    },
    new_facts: {
      // A request only: the figures the handler is measured by stay until a reviewer approves.
      by: 'clerk', params: () => ({ reason: '投诉人补充提供了新的交易凭证' }),
      expect: (b) => ({ status: b.status, pending: 'new_facts', allowed_days: b.allowed_days, due_at: b.due_at }),
    },
    approve_new_facts: {
      by: 'rev', params: () => ({ note: '同意重新计时' }),
      expect: (b) => ({ status: b.status, pending: null, allowed_days: 15, extension_count: 0, clock_restarts: 1 }),
      check: (got) => {
        if (got.deadline_state !== 'paused') assertDueEndOf(got.due_at, addDays(today(), 15), 'the clock restarts today');
      },
    },
    reject_new_facts: {
      by: 'rev', params: () => ({ reason: '不属于新的事实或理由' }),
      expect: (b) => ({ status: b.status, pending: null, pending_data: null, due_at: b.due_at, clock_restarts: 0 }),
    },
  };
  // Who complained in each complaint made here (the API only shows it masked).
  const complainantOf = new Map();
  async function sameComplainant(c) {
    const who = complainantOf.get(c.id);
    assert.ok(who, `complainant of #${c.id} known`);
    return createComplaint(clerk, fx.branch.id, { complainant: who });
  }
  async function register(over = {}) {
    const body = complaintBody(fx.branch.id, over);
    const c = await clerk.ok('POST', '/complaints', body, 201);
    complainantOf.set(c.id, body.complainant);
    return c;
  }
  const who = (key) => fx[key];

  // Fresh complaints in each state, reached through the API only.
  const DRIVE = {
    draft: async () => {
      const c = await register({ draft: true });
      assert.equal(c.status, 'draft');
      return c;
    },
    registered: async () => register(),
    processing: async () => step(clerk, await DRIVE.registered(), 'assign', { user_id: fx.clerk.user.id }),
    paused: async () => {
      const c = await step(clerk, await DRIVE.processing(), 'pause', { reason: '等待司法鉴定结果' });
      assert.equal(c.deadline_state, 'paused');
      return c;
    },
    pending_extension: async () => {
      const c = await step(clerk, await DRIVE.processing(), 'extend', { days: 15, reason: '需调查取证' });
      assert.equal(c.pending, 'extension');
      return c;
    },
    pending_new_facts: async () => {
      const c = await step(clerk, await DRIVE.processing(), 'new_facts', { reason: '客户补充了新的交易凭证' });
      assert.equal(c.pending, 'new_facts');
      return c;
    },
    reviewing: async () => step(clerk, await DRIVE.processing(), 'reply', REPLY),
    replied: async () => step(rev, await DRIVE.reviewing(), 'approve_reply', {}),
    closed: async () => step(rev, await DRIVE.replied(), 'callback', { satisfaction: 'satisfied' }),
    withdrawn: async () => step(clerk, await DRIVE.registered(), 'withdraw', { reason: '撤诉' }),
    deleted: async () => step(rev, await step(clerk, await DRIVE.registered(), 'request_delete', { reason: '测试数据' }), 'approve_delete', {}),
    pending_delete: async () => {
      const c = await step(clerk, await DRIVE.processing(), 'request_delete', { reason: '重复录入' });
      assert.equal(c.pending, 'delete');
      return c;
    },
  };
  const BASE_STATUS = {
    draft: 'draft', registered: 'registered', processing: 'processing', paused: 'processing',
    pending_extension: 'processing', pending_new_facts: 'processing', reviewing: 'reviewing', replied: 'replied', closed: 'closed',
    withdrawn: 'withdrawn', deleted: 'deleted', pending_delete: 'processing',
  };

  for (const state of Object.keys(TABLE)) {
    describe(`state ${state}`, () => {
      let shared; // one complaint in this state for every refused action (refusals change nothing)
      let sharedEvents;
      const outcome = {}; // action → 'Y' | 'N' as observed, for the actions-field check
      before(async () => {
        shared = await DRIVE[state]();
        assert.equal(shared.status, BASE_STATUS[state]);
        sharedEvents = (await timeline(rev, shared.id)).length;
      });

      for (const action of ACTIONS) {
        const exp = expectation(state, action);
        const label = { Y: '200', N: '409 invalid_transition', '?': 'either (spec open)' }[exp];
        it(`${action} → ${label}`, async (t) => {
          const how = HOW[action];
          const actor = who(how.by);
          // A refused action may share the complaint; an allowed one gets a fresh one.
          const c = exp === 'N' ? await getComplaint(rev, shared.id) : await DRIVE[state]();
          const eventsBefore = exp === 'N' ? sharedEvents : (await timeline(rev, c.id)).length;
          const params = await how.params(c);
          const r = await act(actor.client, c, action, params);
          if (exp === '?') t.diagnostic(`spec-open cell ${state}/${action}: server answered ${r.status}`);
          if (exp === 'N' || (exp === '?' && r.status === 409)) {
            assertInvalidTransition(r, `${action} in ${state}`);
            outcome[action] = 'N';
            const now = await getComplaint(rev, c.id);
            assert.equal(now.version, c.version, 'a refused action leaves the version alone');
            assert.equal(now.status, c.status, 'and the status');
            assert.equal((await timeline(rev, c.id)).length, eventsBefore, 'and writes no timeline event');
            return;
          }
          assert.equal(r.status, 200, `${action} in ${state} by ${how.by}: ${r.status} ${r.text.slice(0, 400)}`);
          outcome[action] = 'Y';
          const got = r.json;
          assert.ok(Array.isArray(got.warnings), 'an action answer carries warnings []');
          assert.equal(got.version, c.version + 1, 'version bumped by one');
          for (const [k, v] of Object.entries(how.expect(c, params))) {
            assert.deepEqual(got[k], v, `${action} in ${state}: ${k} should be ${JSON.stringify(v)}, got ${JSON.stringify(got[k])}`);
          }
          how.check?.(got, c);
          assert.ok(hasChinese(got.status_label), `status_label is Chinese: ${got.status_label}`);
          // Persisted, not just echoed.
          const stored = await getComplaint(rev, c.id);
          assert.equal(stored.version, got.version);
          assert.equal(stored.status, got.status);
          // Exactly one new timeline event, named after the action, by the actor.
          const events = await timeline(rev, c.id);
          assert.equal(events.length, eventsBefore + 1, `timeline grows by one: ${events.map((e) => e.action).join(', ')}`);
          const last = events[events.length - 1];
          assert.equal(last.action, `complaint.${action}`);
          assert.equal(last.actor, actor.username);
          assert.equal(last.result, 'ok');
          assert.ok(!Number.isNaN(Date.parse(last.at)) && /[+-]\d\d:\d\d$|Z$/.test(last.at), `timeline at is ISO with offset: ${last.at}`);
        });
      }

      it('the actions offered to the handler and the reviewer agree with the table', async () => {
        const asClerk = (await clerk.get(`/complaints/${shared.id}`));
        const asRev = await getComplaint(rev, shared.id);
        assert.equal(asClerk.status, 200, `the registrar-handler can read it: ${asClerk.text.slice(0, 200)}`);
        const offered = { clerk: new Set(asClerk.json.actions), rev: new Set(asRev.actions) };
        for (const a of [...offered.clerk, ...offered.rev]) assert.ok(ACTIONS.includes(a) || REQUEST_ACTIONS.includes(a) || (a === 'print' && state === 'closed'), `unknown action offered: ${a}`);
        for (const action of ACTIONS) {
          const exp = expectation(state, action);
          const by = HOW[action].by;
          if (exp === 'Y') {
            assert.ok(offered[by].has(action), `${state}: ${action} should be offered to ${by}; got ${[...offered[by]]}`);
          } else if (exp === 'N') {
            assert.ok(!offered.clerk.has(action) && !offered.rev.has(action),
              `${state}: ${action} must not be offered; clerk ${[...offered.clerk]}, reviewer ${[...offered.rev]}`);
          } else if (outcome[action]) {
            assert.equal(offered[by].has(action), outcome[action] === 'Y',
              `${state}: ${action} answered ${outcome[action] === 'Y' ? 200 : 409} but is ${offered[by].has(action) ? '' : 'not '}offered to ${by}`);
          }
        }
      });
    });
  }

  describe('four eyes on deletion', () => {
    it('the requester cannot approve their own deletion request (403 four_eyes)', async () => {
      let c = await DRIVE.processing();
      c = await step(fx.boss.client, c, 'request_delete', { reason: '误录' });
      const r = await act(fx.boss.client, c, 'approve_delete', {});
      assertError(r, 403, 'four_eyes');
      assert.ok(hasChinese(r.json.error.message));
      const now = await getComplaint(rev, c.id);
      assert.equal(now.status, 'processing');
      assert.equal(now.pending, 'delete');
      const done = await step(rev, now, 'approve_delete', {});
      assert.equal(done.status, 'deleted');
      assert.ok(done.deleted_at, 'deleted_at set');
      // Soft: the complaint is still there, with its history.
      const kept = await getComplaint(rev, c.id);
      assert.equal(kept.status, 'deleted');
      const ev = (await timeline(rev, c.id)).map((e) => e.action);
      assert.deepEqual(ev.slice(-2), ['complaint.request_delete', 'complaint.approve_delete']);
    });
  });

  describe('concurrency: two handlers on the same version', () => {
    for (const round of [
      { name: 'assign vs assign', a: () => ['assign', { user_id: fx.clerk.user.id }], b: () => ['assign', { user_id: fx.h2.user.id }],
        winnerField: (c) => c.handler_id, aValue: () => fx.clerk.user.id, bValue: () => fx.h2.user.id },
      { name: 'extend 10 days vs extend 15 days', a: () => ['extend', { days: 10, reason: '甲申请延期' }], b: () => ['extend', { days: 15, reason: '乙申请延期' }],
        winnerField: (c) => c.pending_data?.days, aValue: () => 10, bValue: () => 15 },
    ]) {
      it(`${round.name}: one 200, one 409 stale_version, only the winner's change, one event (5 races)`, async () => {
        for (let race = 0; race < 5; race++) await raceOnce(round);
      });
    }

    // Both handlers send their action for the same version at the same moment.
    async function raceOnce(round) {
      const c = await DRIVE.processing();
      const eventsBefore = (await timeline(rev, c.id)).length;
      const [aAct, aParams] = round.a();
      const [bAct, bParams] = round.b();
      const [ra, rb] = await Promise.all([
        act(fx.clerk.client, c, aAct, aParams),
        act(fx.h2.client, c, bAct, bParams),
      ]);
      const statuses = [ra.status, rb.status].sort();
      assert.deepEqual(statuses, [200, 409], `one wins, one loses: ${ra.status} ${ra.text.slice(0, 200)} / ${rb.status} ${rb.text.slice(0, 200)}`);
      const [win, lose, winValue, winner] = ra.status === 200 ? [ra, rb, round.aValue(), fx.clerk] : [rb, ra, round.bValue(), fx.h2];
      assertError(lose, 409, 'stale_version');
      assert.ok(hasChinese(lose.json.error.message));
      const now = await getComplaint(rev, c.id);
      assert.equal(now.version, c.version + 1, 'exactly one change');
      assert.equal(round.winnerField(now), winValue, 'the stored complaint has the winner\'s change');
      assert.equal(round.winnerField(win.json), winValue);
      const events = await timeline(rev, c.id);
      assert.equal(events.length, eventsBefore + 1, 'one timeline event');
      assert.equal(events.at(-1).actor, winner.username);
      // The loser, retrying with the old version, still loses.
      const again = await act(winner === fx.clerk ? fx.h2.client : fx.clerk.client, c, ...(winner === fx.clerk ? [bAct, bParams] : [aAct, aParams]));
      assertError(again, 409, 'stale_version');
    }

    it('ten registrations at once: all 201, numbered institution code + date + consecutive sequence', async () => {
      const rs = await Promise.all([...Array(10)].map(() => clerk.post('/complaints', complaintBody(fx.branch.id))));
      for (const r of rs) assert.equal(r.status, 201, r.text.slice(0, 300));
      const prefix = `${fx.branch.internal_code}-${today().replace(/-/g, '')}-`;
      const seqs = rs.map((r) => {
        assert.ok(r.json.complaint_no.startsWith(prefix), `${r.json.complaint_no} starts with ${prefix}`);
        assert.match(r.json.complaint_no.slice(prefix.length), /^\d{5}$/);
        return Number(r.json.complaint_no.slice(prefix.length));
      }).sort((x, y) => x - y);
      assert.equal(new Set(seqs).size, 10, `distinct numbers: ${seqs}`);
      assert.equal(seqs[9] - seqs[0], 9, `consecutive: ${seqs}`);
      assert.equal(new Set(rs.map((r) => r.json.id)).size, 10);
    });

    it('PATCH with a stale version → 409 stale_version, unchanged', async () => {
      const c = await DRIVE.processing();
      await step(clerk, c, 'pause', { reason: '鉴定' });
      const r = await fx.h2.client.patch(`/complaints/${c.id}`, { version: c.version, demand: '新的诉求' });
      assertError(r, 409, 'stale_version');
      assert.equal((await getComplaint(rev, c.id)).demand, c.demand);
    });
  });

  describe('extensions', () => {
    let subrev;
    before(async () => {
      // A reviewer-like role limited to its subtree (a branch 消保 officer), at the branch.
      const role = await fx.sec.client.ok('POST', '/roles', {
        code: uid('branch_rev_'), name: '分行审核员', data_scope: 'subtree',
        permissions: ['complaint.review', 'complaint.callback', 'complaint.view'],
      }, 201);
      subrev = await staff(srv, fx.admin, [role.id], { org_id: fx.branch.id });
    });

    it('first extension to 30 days: pending until approved, then due_at 15 days later', async () => {
      const received = isoDaysAgo(3);
      let c = await createComplaint(clerk, fx.branch.id, { received_at: received });
      assertDueEndOf(c.due_at, addDays(bankDateOf(received), 15));
      c = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
      c = await step(clerk, c, 'extend', { days: 15, reason: '需调取监控录像' });
      assert.equal(c.pending, 'extension');
      assert.equal(c.allowed_days, 15, 'not extended before approval');
      assertDueEndOf(c.due_at, addDays(bankDateOf(received), 15), 'before approval');
      assert.equal(c.pending_data.days, 15);
      assert.equal(c.pending_data.total, 30);
      assert.equal(c.pending_data.requested_by, fx.clerk.user.id);
      assert.ok(c.pending_data.reason.includes('监控录像'));
      c = await step(rev, c, 'approve_extension', { note: '同意' });
      assert.equal(c.pending, null);
      assert.equal(c.allowed_days, 30);
      assert.equal(c.extension_count, 1);
      assertDueEndOf(c.due_at, addDays(bankDateOf(received), 30), 'after approval');
    });

    it('the requester cannot approve their own extension (403 four_eyes)', async () => {
      let c = await DRIVE.processing();
      c = await step(fx.boss.client, c, 'extend', { days: 10, reason: '总行处理员申请' });
      const r = await act(fx.boss.client, c, 'approve_extension', {});
      assertError(r, 403, 'four_eyes');
      const now = await getComplaint(rev, c.id);
      assert.equal(now.pending, 'extension');
      assert.equal(now.version, c.version);
      assert.equal((await step(fx.rev2.client, now, 'approve_extension', {})).allowed_days, 25);
    });

    it('first extension beyond 30 days, zero or negative days → 400', async () => {
      const c = await DRIVE.processing();
      for (const days of [16, 0, -5]) {
        const r = await act(clerk, c, 'extend', { days, reason: '过长', notified: true });
        assert.equal(r.status, 400, `days ${days}: ${r.status} ${r.text}`);
        assert.ok(hasChinese(r.json.error.message));
      }
      assert.equal((await getComplaint(rev, c.id)).version, c.version);
    });

    it('second extension: beyond 30 needs notified:true and a head-office reviewer; > 60 → 400', async () => {
      const received = isoDaysAgo(5);
      let c = await createComplaint(clerk, fx.branch.id, { received_at: received });
      c = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
      c = await step(clerk, c, 'extend', { days: 15, reason: '复杂' });
      c = await step(subrev.client, c, 'approve_extension', {}); // up to 30 days a branch reviewer may approve
      assert.equal(c.allowed_days, 30);
      // Second extension: total 61 → 400 even when notified.
      let r = await act(clerk, c, 'extend', { days: 31, reason: '再次延期', notified: true });
      assertError(r, 400, undefined);
      assert.ok(hasChinese(r.json.error.message));
      // total 60 without notified → 400 (the complainant must be told why).
      r = await act(clerk, c, 'extend', { days: 30, reason: '再次延期' });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.field, 'notified', r.text);
      r = await act(clerk, c, 'extend', { days: 30, reason: '再次延期', notified: false });
      assert.equal(r.status, 400, r.text);
      c = await step(clerk, c, 'extend', { days: 30, reason: '再次延期，需外部调查', notified: true });
      assert.equal(c.pending_data.total, 60);
      assert.equal(c.pending_data.notified, true);
      // A subtree-scoped reviewer may not approve beyond 30 days.
      r = await act(subrev.client, c, 'approve_extension', {});
      assert.equal(r.status, 403, r.text);
      assert.ok(['forbidden', 'out_of_scope'].includes(r.json.error.code), r.text);
      assert.ok(hasChinese(r.json.error.message));
      assert.equal((await getComplaint(rev, c.id)).pending, 'extension');
      c = await step(rev, c, 'approve_extension', { note: '总行同意' });
      assert.equal(c.allowed_days, 60);
      assert.equal(c.extension_count, 2);
      assertDueEndOf(c.due_at, addDays(bankDateOf(received), 60));
      // No third extension.
      r = await act(clerk, c, 'extend', { days: 1, reason: '第三次', notified: true });
      assert.ok(r.status === 400 || r.status === 409, `third extension refused: ${r.status} ${r.text}`);
      assert.equal((await getComplaint(rev, c.id)).allowed_days, 60);
    });
  });

  describe('reply deadline and callback', () => {
    async function processingReceived(daysAgo) {
      const c = await createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(daysAgo) });
      return step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
    }

    it('received 20 days ago: overdue; reply without late_reason → 400 missing_field; with it → 200', async () => {
      const c = await processingReceived(20);
      assert.equal(c.deadline_state, 'overdue');
      const r = await act(clerk, c, 'reply', REPLY);
      assertError(r, 400, 'missing_field', 'late_reason');
      assert.ok(hasChinese(r.json.error.message));
      assert.equal((await getComplaint(rev, c.id)).status, 'processing');
      const empty = await act(clerk, c, 'reply', { ...REPLY, late_reason: '' });
      assertError(empty, 400, 'missing_field', 'late_reason');
      const ok = await step(clerk, c, 'reply', { ...REPLY, late_reason: '需等待外部机构出具鉴定意见' });
      assert.equal(ok.status, 'reviewing');
      assert.equal(ok.late_reason, '需等待外部机构出具鉴定意见');
      assert.ok(ok.replied_at, 'replied_at set');
    });

    it('received 16 days ago needs the reason; received 15 days ago (last day) does not', async () => {
      const late = await processingReceived(16);
      assertError(await act(clerk, late, 'reply', REPLY), 400, 'missing_field', 'late_reason');
      const onTime = await processingReceived(15);
      assert.notEqual(onTime.deadline_state, 'overdue', 'day 15 is still within the period');
      const r = await step(clerk, onTime, 'reply', REPLY);
      assert.equal(r.status, 'reviewing');
    });

    it('callback unsatisfied → processing; satisfied → closed with closed_at', async () => {
      let c = await processingReceived(4);
      c = await step(clerk, c, 'reply', REPLY);
      c = await step(rev, c, 'approve_reply', {});
      assert.equal(c.status, 'replied');
      assert.ok(c.replied_at);
      c = await step(rev, c, 'callback', { satisfaction: 'unsatisfied', note: '客户不认可答复' });
      assert.equal(c.status, 'processing');
      assert.equal(c.callback_satisfaction, 'unsatisfied');
      assert.equal(c.closed_at, null);
      c = await step(clerk, c, 'reply', { ...REPLY, result: 'partially_accepted', reply_content: '补充调查后部分退还' });
      c = await step(rev, c, 'approve_reply', {});
      const before = Date.now();
      c = await step(rev, c, 'callback', { satisfaction: 'basically_satisfied', note: '基本满意' });
      assert.equal(c.status, 'closed');
      assert.equal(c.callback_satisfaction, 'basically_satisfied');
      assert.equal(c.deadline_state, 'done');
      assert.ok(c.closed_at, 'closed_at set');
      const closedAt = Date.parse(c.closed_at);
      assert.ok(Math.abs(closedAt - before) < 120000, `closed_at ${c.closed_at} is now`);
      assert.ok(c.callback_at, 'callback_at set');
      const actions = (await timeline(rev, c.id)).map((e) => e.action);
      assert.deepEqual(actions, ['complaint.register', 'complaint.assign', 'complaint.reply', 'complaint.approve_reply',
        'complaint.callback', 'complaint.reply', 'complaint.approve_reply', 'complaint.callback']);
    });

    it('reply with an unknown result or a bad satisfaction → 400 invalid_field', async () => {
      let c = await processingReceived(2);
      assertError(await act(clerk, c, 'reply', { ...REPLY, result: 'maybe' }), 400, 'invalid_field', 'result');
      assertError(await act(clerk, c, 'reply', { ...REPLY, compensation_fen: -1 }), 400, 'invalid_field', 'compensation_fen');
      c = await step(rev, await step(clerk, c, 'reply', REPLY), 'approve_reply', {});
      assertError(await act(rev, c, 'callback', { satisfaction: 'happy' }), 400, 'invalid_field', 'satisfaction');
      assert.equal((await getComplaint(rev, c.id)).status, 'replied');
    });

    it('an unknown action → 404; a user without the permission → 403 forbidden', async () => {
      const c = await processingReceived(2);
      const r = await act(clerk, c, 'teleport', {});
      assert.equal(r.status, 404, r.text);
      // The registrar-handler may not approve a reply, nor the reviewer reply.
      const rv = await step(clerk, c, 'reply', REPLY);
      assertError(await act(clerk, rv, 'approve_reply', {}), 403, 'forbidden');
      const back = await step(rev, rv, 'reject_reply', { reason: '补充说明' });
      assertError(await act(rev, back, 'reply', REPLY), 403, 'forbidden');
      assert.equal((await getComplaint(rev, c.id)).version, back.version);
    });
  });

  describe('merge and new facts', () => {
    it('merge only into an open complaint of the same complainant', async () => {
      const c = await DRIVE.processing();
      const other = await register(); // another complainant
      let r = await act(clerk, c, 'merge', { into: other.id });
      assertError(r, 400, 'invalid_field', 'into');
      assert.ok(hasChinese(r.json.error.message));
      r = await act(clerk, c, 'merge', { into: c.id });
      assertError(r, 400, 'invalid_field', 'into');
      r = await act(clerk, c, 'merge', { into: 99999999 });
      assert.ok([400, 404].includes(r.status), `unknown target: ${r.status} ${r.text}`);
      // A closed complaint of the same complainant cannot take it.
      let done = await sameComplainant(c);
      done = await step(clerk, done, 'assign', { user_id: fx.clerk.user.id });
      done = await step(clerk, done, 'reply', REPLY);
      done = await step(rev, await step(rev, done, 'approve_reply', {}), 'callback', { satisfaction: 'satisfied' });
      r = await act(clerk, c, 'merge', { into: done.id });
      assertError(r, 409, 'invalid_transition');
      const now = await getComplaint(rev, c.id);
      assert.equal(now.version, c.version, 'refused merges change nothing');
      assert.equal(now.merged_into, null);
      // Same phone, different ID number: still the same complainant.
      const byPhone = await register({ complainant: { ...complainantOf.get(c.id), id_no: undefined, id_type: undefined } });
      const merged = await step(clerk, now, 'merge', { into: byPhone.id });
      assert.equal(merged.status, 'closed');
      assert.equal(merged.merged_into, byPhone.id);
      assert.equal(merged.repeat_of, byPhone.id);
      // The target carries on.
      assert.equal((await getComplaint(rev, byPhone.id)).status, 'registered');
      // A merged complaint takes no further handling.
      assertInvalidTransition(await act(clerk, merged, 'reply', REPLY));
    });

    it('new facts restart an overdue complaint\'s 15 days from today', async () => {
      let c = await createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(20) });
      c = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
      assert.equal(c.deadline_state, 'overdue');
      c = await step(rev, await step(clerk, c, 'extend', { days: 10, reason: '调查' }), 'approve_extension', {});
      assert.equal(c.extension_count, 1);
      const extended = c;
      c = await step(clerk, c, 'new_facts', { reason: '客户补充了新的通话录音' });
      assert.equal(c.due_at, extended.due_at, 'a request changes no figure');
      assert.equal(c.extension_count, 1);
      c = await step(rev, c, 'approve_new_facts', {});
      assert.equal(c.deadline_state, 'on_time');
      assert.equal(c.allowed_days, 15);
      assert.equal(c.extension_count, 0);
      assertDueEndOf(c.due_at, addDays(today(), 15));
      assert.equal(bankDateOf(c.received_at), addDays(today(), -20), 'received_at itself is kept');
      const missing = await act(clerk, c, 'new_facts', {});
      assertError(missing, 400, 'missing_field', 'reason');
      const ev = (await timeline(rev, c.id)).at(-1);
      assert.equal(ev.action, 'complaint.approve_new_facts');
    });
  });

  describe('audit chain', () => {
    it('every complaint action is in the audit log and GET /audit/verify is ok', async () => {
      const aud = fx.aud.client;
      const list = await aud.ok('GET', '/audit?action=complaint.approve_delete&page_size=200');
      assert.ok(list.total >= 2, `approve_delete events are audited: ${list.total}`);
      for (const e of list.items) assert.equal(e.target_type, 'complaint');
      const v = await aud.ok('GET', '/audit/verify');
      assert.equal(v.ok, true, JSON.stringify(v));
      assert.ok(v.events > 300, `the chain holds the run's events: ${v.events}`);
      assert.equal(v.first_bad_seq ?? null, null);
    });
  });
});
