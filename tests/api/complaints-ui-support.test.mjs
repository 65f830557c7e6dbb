// Fixes found by the UI work: assignees, the draft owner's read-back, deletion of drafts in
// the to-do list, the regulator tag of transferred complaints, escalate_role validation.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { complaintFixture, complaintBody } from './lib/complaints.mjs';

describe('complaint helpers for the UI', () => {
  let srv, fx;
  before(async () => { srv = await startServer(); fx = await complaintFixture(srv, { only: ['clerk', 'rev'] }); });
  after(async () => { await srv?.stop(); });

  it('GET /complaints/{id}/assignees lists handlers of the handling institution subtree', async () => {
    const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
    const r = await fx.rev.client.ok('GET', `/complaints/${c.id}/assignees`);
    const names = r.items.map((u) => u.username);
    assert.ok(names.includes(fx.clerk.username), `handler of the branch listed: ${names}`);
    assert.ok(!names.includes(fx.rev.username), 'a reviewer without complaint.handle is not a choice');
  });

  it('the registrar reads back a draft identity; not a registered complaint without pii.unmask', async () => {
    const d = await fx.clerk.client.ok('POST', '/complaints', { draft: true, complainant: { name: '王小二', phone: '13912345678' } }, 201);
    const id = await fx.clerk.client.ok('GET', `/complaints/${d.id}/complainant`);
    assert.equal(id.name, '王小二');
    assert.equal(id.phone, '13912345678');
    const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
    const denied = await fx.clerk.client.get(`/complaints/${c.id}/complainant`);
    assert.equal(denied.status, 403);
  });

  it('a draft waiting for deletion is in the approver\u2019s to-do list', async () => {
    const d = await fx.clerk.client.ok('POST', '/complaints', { draft: true, content: '录错了' }, 201);
    await fx.clerk.client.ok('POST', `/complaints/${d.id}/actions/request_delete`, { version: d.version, reason: '重复录入' });
    const todo = await fx.rev.client.ok('GET', '/todo');
    assert.ok(todo.items.some((i) => i.id === d.id && i.todo_kind === 'approve_delete'), JSON.stringify(todo.counts));
  });

  it('a PBOC-transferred complaint is tagged regulator', async () => {
    const c = await fx.clerk.client.ok('POST', '/complaints', { ...complaintBody(fx.branch.id), source_channel: 'pboc_transfer', external_no: 'RH20261127001' }, 201);
    assert.ok(c.tags.includes('regulator'), JSON.stringify(c.tags));
  });

  it('escalate_role must be an existing role code', async () => {
    const r = await fx.rev.client.put('/settings/complaints', { escalate_role: 'nonexist' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'escalate_role');
  });
});
