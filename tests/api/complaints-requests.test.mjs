// Pending requests can be refused or taken back (issue 12 items 1–2), and registrars may name
// any institution under their own as 被投诉机构 (item 3).
//   - 申请延期 / 申请删除: a reviewer may 驳回 (reason required; the requester is notified; the
//     request is cleared and the complaint goes on), the requester may 撤回 their own request.
//   - The `actions` a caller is offered leave out approving or rejecting their own request.
//   - A registrar at head office registers against any institution; one at a branch against the
//     branch and below only; each reads what they registered.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese } from './lib/server.mjs';
import { complaintFixture, createComplaint, complaintBody, act, step, getComplaint, timeline } from './lib/complaints.mjs';

describe('refusing and withdrawing requests; registration targets', () => {
  let srv;
  let fx;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, {
      extra: {
        boss: { roles: ['handler', 'reviewer'], org: 'root' },
        hotline: { roles: ['registrar'], org: 'root' },
        subclerk: { roles: ['registrar'], org: 'sub' },
      },
    });
  });
  after(async () => { await srv?.stop(); });

  async function processing() {
    const c = await createComplaint(fx.clerk.client, fx.branch.id);
    return step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
  }
  const notes = async (who) => (await who.client.ok('GET', '/notifications')).items;

  it('an extension request is offered for rejection to others, for withdrawal to its requester', async () => {
    let c = await processing();
    c = await step(fx.boss.client, c, 'extend', { days: 10, reason: '需调取监控录像' });
    assert.equal(c.pending, 'extension');
    // Item 2: boss may review, but not their own request; they may withdraw it.
    const mine = await getComplaint(fx.boss.client, c.id);
    assert.ok(!mine.actions.includes('approve_extension'), `offered to requester: ${mine.actions}`);
    assert.ok(!mine.actions.includes('reject_extension'), `offered to requester: ${mine.actions}`);
    assert.ok(mine.actions.includes('withdraw_request'), `withdrawal offered: ${mine.actions}`);
    const theirs = await getComplaint(fx.rev.client, c.id);
    assert.ok(theirs.actions.includes('approve_extension') && theirs.actions.includes('reject_extension'), `${theirs.actions}`);
    assert.ok(!theirs.actions.includes('withdraw_request'), `${theirs.actions}`);
    // The server agrees with what it offers.
    assertError(await act(fx.boss.client, c, 'approve_extension', {}), 403, 'four_eyes');
    const own = await act(fx.boss.client, c, 'reject_extension', { reason: '自己驳回' });
    assertError(own, 403, 'four_eyes');
    assert.ok(hasChinese(own.json.error.message));
    assertError(await act(fx.rev.client, c, 'withdraw_request', {}), 403, 'forbidden');
    // A rejection needs a reason.
    const bare = await act(fx.rev.client, c, 'reject_extension', {});
    assert.equal(bare.status, 400, bare.text);
    assert.equal(bare.json.error.field, 'reason');

    const done = await step(fx.rev.client, c, 'reject_extension', { reason: '理由不充分，请按期办结' });
    assert.equal(done.pending, null);
    assert.equal(done.pending_data, null);
    assert.equal(done.status, 'processing');
    assert.equal(done.extension_count, 0, 'no extension granted');
    assert.equal(done.allowed_days, c.allowed_days, 'the deadline is unchanged');
    const ev = (await timeline(fx.rev.client, c.id)).at(-1);
    assert.equal(ev.action, 'complaint.reject_extension');
    assert.ok(JSON.stringify(ev.detail).includes('理由不充分'), JSON.stringify(ev.detail));
    const n = (await notes(fx.boss)).find((x) => x.complaint_id === c.id);
    assert.ok(n, 'the requester is notified');
    assert.match(n.message, /延期申请已被驳回：理由不充分，请按期办结/);
    // No longer stuck: the handler replies.
    const replied = await step(fx.clerk.client, done, 'reply',
      { result: 'explained', reply_content: '已向客户解释说明收费依据。', compensation_fen: 0 });
    assert.equal(replied.status, 'reviewing');
  });

  it('a delete request can be rejected by an approver, and the requester is told why', async () => {
    let c = await processing();
    c = await step(fx.boss.client, c, 'request_delete', { reason: '重复录入' });
    const mine = await getComplaint(fx.boss.client, c.id);
    assert.ok(!mine.actions.includes('approve_delete') && !mine.actions.includes('reject_delete'), `${mine.actions}`);
    assert.ok(mine.actions.includes('withdraw_request'), `${mine.actions}`);
    const theirs = await getComplaint(fx.rev.client, c.id);
    assert.ok(theirs.actions.includes('approve_delete') && theirs.actions.includes('reject_delete'), `${theirs.actions}`);
    assertError(await act(fx.boss.client, c, 'reject_delete', { reason: 'x' }), 403, 'four_eyes');
    assert.equal((await act(fx.rev.client, c, 'reject_delete', { reason: '' })).status, 400);
    const done = await step(fx.rev.client, c, 'reject_delete', { reason: '并非重复投诉，请继续办理' });
    assert.equal(done.status, 'processing');
    assert.equal(done.pending, null);
    assert.equal((await timeline(fx.rev.client, c.id)).at(-1).action, 'complaint.reject_delete');
    const n = (await notes(fx.boss)).find((x) => x.complaint_id === c.id);
    assert.match(n?.message || '', /删除申请已被驳回：并非重复投诉/);
    // Handling goes on.
    await step(fx.clerk.client, done, 'pause', { reason: '等待客户补充材料' });
  });

  it('the requester withdraws their own extension or delete request (撤回)', async () => {
    let c = await processing();
    c = await step(fx.clerk.client, c, 'extend', { days: 5, reason: '等待行方核查' });
    const w = await step(fx.clerk.client, c, 'withdraw_request', { reason: '已核查完毕' });
    assert.equal(w.pending, null);
    assert.equal(w.extension_count, 0);
    assert.equal((await timeline(fx.clerk.client, c.id)).at(-1).action, 'complaint.withdraw_request');
    c = await step(fx.clerk.client, w, 'request_delete', { reason: '误录' });
    const w2 = await step(fx.clerk.client, c, 'withdraw_request', {});
    assert.equal(w2.pending, null);
    assert.equal(w2.status, 'processing');
    // Nothing pending: nothing to reject or withdraw.
    for (const [who, a, p] of [[fx.rev, 'reject_extension', { reason: 'x' }], [fx.rev, 'reject_delete', { reason: 'x' }],
      [fx.clerk, 'withdraw_request', {}]]) {
      const r = await act(who.client, w2, a, p);
      assertError(r, 409, 'invalid_transition');
    }
    assert.ok(!w2.actions.includes('withdraw_request'));
  });

  it('a head-office registrar registers against any institution and reads what they registered', async () => {
    const list = await fx.hotline.client.ok('GET', '/institutions?for=register');
    const ids = list.items.map((o) => o.id);
    for (const o of [fx.root, fx.branch, fx.sub, fx.branch2]) assert.ok(ids.includes(o.id), `${o.name} offered`);
    // Reading scope is still 本机构.
    const read = (await fx.hotline.client.ok('GET', '/institutions')).items.map((o) => o.id);
    assert.ok(!read.includes(fx.sub.id), 'read scope unchanged');

    const c = await createComplaint(fx.hotline.client, fx.sub.id);
    assert.equal(c.complained_org_id, fx.sub.id);
    assert.equal((await getComplaint(fx.hotline.client, c.id)).id, c.id);
    const mine = await fx.hotline.client.ok('GET', '/complaints?page_size=50');
    assert.ok(mine.items.some((x) => x.id === c.id), 'listed for its registrar');
    const d = await createComplaint(fx.hotline.client, fx.branch2.id, { draft: true });
    assert.equal(d.status, 'draft');
  });

  it('a registrar below head office names only their institution and those under it', async () => {
    const ids = (await fx.clerk.client.ok('GET', '/institutions?for=register')).items.map((o) => o.id);
    assert.ok(ids.includes(fx.branch.id) && ids.includes(fx.sub.id));
    assert.ok(!ids.includes(fx.branch2.id) && !ids.includes(fx.root.id), `${ids}`);
    await createComplaint(fx.clerk.client, fx.sub.id);
    for (const org of [fx.branch2, fx.root]) {
      const r = await fx.clerk.client.post('/complaints', complaintBody(org.id));
      assertError(r, 403, 'out_of_scope');
      assert.equal(r.json.error.field, 'complained_org_id');
      assert.ok(hasChinese(r.json.error.message));
    }
    // A sub-branch registrar cannot reach its parent either; nor can a draft be moved out.
    assertError(await fx.subclerk.client.post('/complaints', complaintBody(fx.branch.id)), 403, 'out_of_scope');
    const d = await createComplaint(fx.subclerk.client, fx.sub.id, { draft: true });
    const r = await fx.subclerk.client.patch(`/complaints/${d.id}`, { version: d.version, complained_org_id: fx.branch2.id });
    assertError(r, 403, 'out_of_scope');
  });
});
