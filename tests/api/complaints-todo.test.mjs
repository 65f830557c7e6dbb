// 待办 and 通知: a handler's to-do lists the complaints assigned to them (soonest due first) and
// the unassigned queue of their institution; the reviewer's lists what waits for review,
// approval or callback; an assignment notifies the assignee.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, hasChinese, assertError } from './lib/server.mjs';
import { complaintFixture, createComplaint, step, isoDaysAgo } from './lib/complaints.mjs';

const REPLY = { result: 'explained', reply_content: '已向客户解释收费标准。' };

describe('to-do and notifications', () => {
  let srv;
  let fx;
  let clerk;
  let rev;
  const c = {};
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { only: ['clerk', 'h2', 'rev', 'rev2'] });
    clerk = fx.clerk.client;
    rev = fx.rev.client;
    const make = (daysAgo) => createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(daysAgo) });
    const toH2 = async (x) => step(clerk, x, 'assign', { user_id: fx.h2.user.id });
    const toClerk = async (x) => step(clerk, x, 'assign', { user_id: fx.clerk.user.id });
    c.T1 = await toH2(await make(10));
    c.T2 = await toH2(await make(3));
    c.T3 = await toH2(await make(13));
    c.Q = await make(5); // registered, nobody assigned: the branch's queue
    c.R1 = await step(clerk, await toClerk(await make(6)), 'reply', REPLY); // reviewing
    c.R2 = await step(clerk, await toClerk(await make(7)), 'extend', { days: 10, reason: '需补充材料' }); // pending extension
    c.R3 = await step(rev, await step(clerk, await toClerk(await make(8)), 'reply', REPLY), 'approve_reply', {}); // replied
    c.R4 = await step(clerk, await toClerk(await make(9)), 'request_delete', { reason: '重复登记' }); // pending delete
    const x = await step(rev, await step(clerk, await toClerk(await make(4)), 'reply', REPLY), 'approve_reply', {});
    c.X = await step(rev, x, 'callback', { satisfaction: 'satisfied' }); // closed
  });
  after(async () => { await srv?.stop(); });

  const byId = (todo) => new Map(todo.items.map((x) => [x.id, x]));
  function assertShape(todo) {
    assert.ok(Array.isArray(todo.items));
    assert.equal(todo.total, todo.items.length);
    const counts = {};
    for (const x of todo.items) counts[x.todo_kind] = (counts[x.todo_kind] || 0) + 1;
    for (const [k, n] of Object.entries(counts)) assert.equal(todo.counts[k], n, `counts.${k}`);
    assert.equal(Object.values(todo.counts).reduce((a, b) => a + b, 0), todo.total, 'counts add up to total');
    for (const x of todo.items) {
      assert.ok(['assigned', 'queue', 'review', 'approve_extension', 'approve_delete', 'callback'].includes(x.todo_kind), x.todo_kind);
      assert.ok(x.complaint_no && x.status, 'items are complaints');
      assert.ok(!JSON.stringify(x.complainant).match(/\d{17}[\dX]/), 'masked');
    }
    const dues = todo.items.map((x) => x.due_at).filter(Boolean).map(Date.parse);
    for (let i = 1; i < dues.length; i++) assert.ok(dues[i - 1] <= dues[i], `sorted by due time: ${todo.items.map((x) => `${x.id}:${x.due_at}`)}`);
  }

  it('the handler sees their assigned complaints, soonest due first', async () => {
    const todo = await fx.h2.client.ok('GET', '/todo');
    assertShape(todo);
    const assigned = todo.items.filter((x) => x.todo_kind === 'assigned');
    assert.deepEqual(assigned.map((x) => x.id), [c.T3.id, c.T1.id, c.T2.id]);
    assert.ok(assigned.every((x) => x.handler_id === fx.h2.user.id));
    const m = byId(todo);
    for (const k of ['R1', 'R2', 'R3', 'R4', 'X']) assert.ok(!m.has(c[k].id) || m.get(c[k].id).todo_kind === 'queue', `${k} is not h2's work`);
    assert.ok(!m.has(c.X.id), 'a closed complaint is nobody\'s to-do');
  });

  it('the institution\'s unassigned complaint is in its handlers\' queue', async () => {
    const item = byId(await fx.h2.client.ok('GET', '/todo')).get(c.Q.id);
    assert.ok(item, 'queue item present');
    assert.equal(item.todo_kind, 'queue');
  });

  it('the reviewer sees review, approve_extension, approve_delete and callback items', async () => {
    const todo = await rev.ok('GET', '/todo');
    assertShape(todo);
    const m = byId(todo);
    assert.equal(m.get(c.R1.id)?.todo_kind, 'review');
    assert.equal(m.get(c.R2.id)?.todo_kind, 'approve_extension');
    assert.equal(m.get(c.R3.id)?.todo_kind, 'callback');
    assert.equal(m.get(c.R4.id)?.todo_kind, 'approve_delete');
    for (const k of ['T1', 'T2', 'T3', 'X']) assert.ok(!m.has(c[k].id), `${k} waits for nobody at head office`);
    assert.ok(todo.counts.review >= 1 && todo.counts.approve_extension >= 1 && todo.counts.callback >= 1);
  });

  it('to-do follows the work: approving the reply moves it from review to callback', async () => {
    const now = await rev.ok('GET', `/complaints/${c.R1.id}`);
    await step(fx.rev2.client, now, 'approve_reply', {});
    const m = byId(await rev.ok('GET', '/todo'));
    assert.equal(m.get(c.R1.id)?.todo_kind, 'callback');
  });

  it('the registrar-handler (no review permissions) is given no reviewer work', async () => {
    const m = byId(await clerk.ok('GET', '/todo'));
    for (const k of ['R1', 'R2', 'R4']) {
      const kind = m.get(c[k].id)?.todo_kind;
      assert.ok(!['review', 'approve_extension', 'approve_delete', 'callback'].includes(kind), `${k}: ${kind}`);
    }
  });

  it('one kind, a page, the brief rows: counts, overdue and due-soon stay exact over the whole to-do', async () => {
    const full = await fx.h2.client.ok('GET', '/todo');
    const kinds = {};
    for (const x of full.items) kinds[x.todo_kind] = (kinds[x.todo_kind] || 0) + 1;
    const state = (s) => full.items.filter((x) => x.deadline_state === s).length;
    assert.equal(full.overdue, state('overdue'));
    assert.equal(full.due_soon, state('due_soon'));
    // One item per page of the assigned kind: three pages in due order, then nothing.
    const pages = [];
    for (let page = 1; page <= 4; page++) {
      const p = await fx.h2.client.ok('GET', `/todo?kind=assigned&page=${page}&page_size=1`);
      assert.equal(p.total, 3, 'total counts the kind asked');
      assert.deepEqual(p.counts, full.counts, 'counts cover every kind, not the page');
      assert.equal(p.overdue, full.overdue);
      assert.ok(p.items.every((x) => x.todo_kind === 'assigned'));
      pages.push(...p.items.map((x) => x.id));
    }
    assert.deepEqual(pages, [c.T3.id, c.T1.id, c.T2.id], 'the pages follow the due order with no gap or repeat');
    // The brief row: what the to-do table shows, the complainant's name only, no texts.
    const brief = await fx.h2.client.ok('GET', '/todo?view=brief&kind=assigned');
    const row = brief.items[0];
    assert.equal(row.id, c.T3.id);
    for (const k of ['complaint_no', 'status', 'status_label', 'todo_kind', 'due_at', 'deadline_state', 'cause_code', 'handler_name', 'handling_org_name', 'actions', 'tags'])
      assert.ok(k in row, `brief row has ${k}`);
    assert.deepEqual(Object.keys(row.complainant), ['name']);
    for (const k of ['content', 'demand', 'reply_content', 'callback_note', 'registrar_name'])
      assert.ok(!(k in row), `brief row leaves out ${k}`);
    const fullRow = full.items.find((x) => x.id === c.T3.id);
    assert.equal(row.complainant.name, fullRow.complainant.name);
    assert.ok(JSON.stringify(brief).length < JSON.stringify(await fx.h2.client.ok('GET', '/todo?kind=assigned')).length / 2,
      'the brief rows are less than half the size');
  });

  it('bad to-do parameters are refused with the field named; a user never sees another kind of work through them', async () => {
    for (const [q, field] of [['kind=everything', 'kind'], ["kind=review'--", 'kind'], ['view=raw', 'view'],
      ['page=0&page_size=10', 'page'], ['page=1&page_size=201', 'page_size'], ['page=1&page_size=-1', 'page_size'],
      ['page=99999999999999999999&page_size=10', 'page']]) {
      const r = await fx.h2.client.get(`/todo?${q}`);
      assertError(r, 400, 'invalid_field', field);
      assert.ok(hasChinese(r.json.error.message), q);
    }
    // A handler asking for the reviewers' kinds gets none: kind filters the caller's own work.
    for (const k of ['review', 'approve_extension', 'approve_delete', 'callback']) {
      const r = await fx.h2.client.ok('GET', `/todo?kind=${k}`);
      assert.equal(r.items.length, 0, k);
      assert.equal(r.total, 0, k);
    }
  });

  describe('notifications', () => {
    it('an assignment notifies the assignee, not others; read marks work', async () => {
      const before = await fx.h2.client.ok('GET', '/notifications?unread=true');
      const clerkBefore = await clerk.ok('GET', '/notifications');
      const t0 = Date.now();
      const n = await step(clerk, await createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(1) }), 'assign', { user_id: fx.h2.user.id });
      const after = await fx.h2.client.ok('GET', '/notifications?unread=true');
      assert.equal(after.unread, before.unread + 1);
      const note = after.items.find((x) => x.complaint_id === n.id);
      assert.ok(note, `a notification for #${n.id}: ${JSON.stringify(after.items.slice(0, 3))}`);
      assert.equal(note.kind, 'assigned');
      assert.equal(note.complaint_no, n.complaint_no);
      assert.ok(hasChinese(note.message) && note.message.includes(n.complaint_no), note.message);
      assert.ok(Number.isInteger(note.created_at) && Math.abs(note.created_at - t0) < 60000, `created_at ms: ${note.created_at}`);
      assert.equal(note.read_at, null);
      // Earlier assignments (T1..T3) notified h2 too.
      const all = await fx.h2.client.ok('GET', '/notifications');
      for (const k of ['T1', 'T2', 'T3']) assert.ok(all.items.some((x) => x.complaint_id === c[k].id && x.kind === 'assigned'), `${k} notified`);
      // Not the assigner.
      const clerkAfter = await clerk.ok('GET', '/notifications');
      assert.ok(!clerkAfter.items.some((x) => x.complaint_id === n.id && x.kind === 'assigned' && !clerkBefore.items.some((y) => y.id === x.id)));
      // Mark one read, then all.
      await fx.h2.client.ok('POST', `/notifications/${note.id}/read`, {});
      const one = await fx.h2.client.ok('GET', '/notifications');
      assert.equal(one.unread, after.unread - 1);
      assert.ok(one.items.find((x) => x.id === note.id).read_at, 'read_at set');
      assert.ok(!(await fx.h2.client.ok('GET', '/notifications?unread=true')).items.some((x) => x.id === note.id));
      await fx.h2.client.ok('POST', '/notifications/read', {});
      const none = await fx.h2.client.ok('GET', '/notifications?unread=true');
      assert.equal(none.unread, 0);
      assert.deepEqual(none.items, []);
    });

    it('one user cannot mark another\'s notification read', async () => {
      const n = await step(clerk, await createComplaint(clerk, fx.branch.id, { received_at: isoDaysAgo(1) }), 'assign', { user_id: fx.h2.user.id });
      const note = (await fx.h2.client.ok('GET', '/notifications?unread=true')).items.find((x) => x.complaint_id === n.id);
      const r = await clerk.post(`/notifications/${note.id}/read`, {});
      assert.ok(r.status === 404 || r.status === 403 || r.status === 200, `${r.status}`);
      const still = (await fx.h2.client.ok('GET', '/notifications?unread=true')).items.find((x) => x.id === note.id);
      assert.ok(still && still.read_at === null, 'still unread for its owner');
    });
  });
});


// The to-do is counted and paged in one pass (store_todo keeps the first offset + limit items in
// deadline order): every page, at every size, is the slice of the whole list in deadline order,
// ties by id, with no gap or repeat.
describe('a to-do of many items, paged', () => {
  let srv;
  let fx;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { only: ['clerk', 'h2'] });
    // 23 assigned cases on 8 receipt days (ties share a deadline) and 5 in the branch's queue.
    for (let i = 0; i < 23; i++) {
      const x = await createComplaint(fx.clerk.client, fx.branch.id, { received_at: isoDaysAgo(1 + ((i * 5) % 8)) });
      await step(fx.clerk.client, x, 'assign', { user_id: fx.h2.user.id });
    }
    for (let i = 0; i < 5; i++) await createComplaint(fx.clerk.client, fx.branch.id, { received_at: isoDaysAgo(2 + i) });
  });
  after(async () => { await srv?.stop(); });

  it('every page is the slice of the whole list in deadline order', async () => {
    const whole = await fx.h2.client.ok('GET', '/todo?page=1&page_size=100');
    assert.equal(whole.total, 28);
    assert.deepEqual(whole.counts, { assigned: 23, queue: 5 });
    const key = (x) => [x.due_at ? Date.parse(x.due_at) : Infinity, x.id];
    const sorted = [...whole.items].sort((a, b) => key(a)[0] - key(b)[0] || a.id - b.id);
    assert.deepEqual(whole.items.map((x) => x.id), sorted.map((x) => x.id), 'deadline order, ties by id');
    for (const kind of [null, 'assigned', 'queue'])
      for (const size of [1, 4, 7, 28]) {
        const want = whole.items.filter((x) => !kind || x.todo_kind === kind).map((x) => x.id);
        const got = [];
        for (let page = 1; page <= Math.ceil(want.length / size) + 1; page++) {
          const p = await fx.h2.client.ok('GET', `/todo?page=${page}&page_size=${size}${kind ? `&kind=${kind}` : ''}`);
          assert.equal(p.total, want.length, `${kind} total`);
          assert.deepEqual(p.counts, whole.counts, 'counts cover the whole to-do');
          got.push(...p.items.map((x) => x.id));
        }
        assert.deepEqual(got, want, `kind ${kind}, pages of ${size}`);
      }
  });
});
