// Issue 14, one vocabulary: GET /api/v1/meta serves the labels the server itself uses, so the web
// keeps no copy of them.
//  - every status and workflow action in the source (domain/status.h, the workflow table) and
//    every status, action and result code a complaint of a real flow carries has a Chinese label;
//  - the labels are the server's own: status_label of a complaint, the audit catalogue's action
//    labels, 满足诉求 for accepted (not the web's old 诉求已采纳);
//  - any signed-in user may read it, nobody else (401); an ETag answers 304 on If-None-Match.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, REPO, hasChinese, request, assertError } from './lib/server.mjs';
import { complaintFixture, createComplaint, step, getComplaint } from './lib/complaints.mjs';

// Codes in the source: statuses of status_code(), actions of the workflow table.
function sourceCodes() {
  const status = fs.readFileSync(path.join(REPO, 'src/domain/status.h'), 'utf8');
  const codes = /codes\[ST_COUNT\] = \{([^}]*)\}/.exec(status);
  assert.ok(codes, 'status.h lists the status codes');
  const statuses = [...codes[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  const wf = fs.readFileSync(path.join(REPO, 'src/domain/workflow.c'), 'utf8');
  const actions = [...wf.matchAll(/\[WF_[A-Z_]+\] = \{"([a-z_]+)"/g)].map((m) => m[1]);
  return { statuses, actions };
}

const labelMap = (list) => new Map(list.map((e) => [e.code, e.label]));

describe('GET /meta: the one vocabulary', () => {
  let srv;
  let fx;
  let meta;
  let res;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv);
    res = await fx.clerk.client.get('/meta');
    meta = res.json;
  });
  after(async () => { await srv?.stop(); });

  it('unauthenticated → 401', async () => {
    const r = await request(srv.base, 'GET', '/api/v1/meta');
    assertError(r, 401, 'unauthenticated');
  });

  it('any signed-in user reads it, with an ETag that answers 304', async () => {
    assert.equal(res.status, 200, res.text);
    const etag = res.headers.etag;
    assert.match(etag || '', /^"[0-9a-f]{64}"$/);
    assert.match(res.headers['cache-control'] || '', /no-cache/);
    assert.doesNotMatch(res.headers['cache-control'] || '', /no-store/);
    // A read-only role sees the same vocabulary.
    const again = await fx.rev.client.get('/meta');
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, meta);
    const cached = await fx.rev.client.get('/meta', { headers: { 'If-None-Match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    const stale = await fx.rev.client.get('/meta', { headers: { 'If-None-Match': '"0"' } });
    assert.equal(stale.status, 200);
  });

  it('every status and action of the source has a Chinese label, once', () => {
    const { statuses, actions } = sourceCodes();
    assert.equal(statuses.length, 8);
    assert.ok(actions.length >= 25, `workflow table: ${actions.length} actions`);
    const st = labelMap(meta.statuses);
    const ac = labelMap(meta.actions);
    assert.deepEqual(meta.statuses.map((s) => s.code), statuses);
    assert.deepEqual([...ac.keys()].sort(), [...actions, 'print'].sort(), 'the workflow actions and print');
    for (const list of [meta.statuses, meta.actions, meta.reply_results, meta.satisfaction]) {
      assert.equal(new Set(list.map((e) => e.code)).size, list.length, 'no code twice');
      for (const e of list) assert.ok(hasChinese(e.label), `${e.code}: ${e.label}`);
    }
    assert.equal(st.get('replied'), '已答复待回访');
  });

  it('the sets: open ⊃ clock, unfinished = open + draft', () => {
    const s = meta.status_sets;
    assert.deepEqual(s.open, ['registered', 'processing', 'reviewing', 'replied']);
    assert.deepEqual(s.clock, ['registered', 'processing', 'reviewing']);
    assert.deepEqual(s.unfinished, ['draft', ...s.open]);
    for (const e of meta.statuses) {
      assert.equal(e.open, s.open.includes(e.code), e.code);
      assert.equal(e.clock, s.clock.includes(e.code), e.code);
    }
    assert.equal(meta.limits.max_extensions, 2);
    assert.ok(meta.limits.max_days >= 60);
  });

  it('the server’s own words: results, satisfaction, audit labels', async () => {
    const rr = labelMap(meta.reply_results);
    assert.deepEqual([...rr.keys()], ['accepted', 'partially_accepted', 'not_accepted', 'explained']);
    assert.equal(rr.get('accepted'), '满足诉求');
    assert.deepEqual(meta.satisfaction.map((e) => e.code), ['satisfied', 'basically_satisfied', 'unsatisfied']);
    const cat = await fx.clerk.client.ok('GET', '/audit/catalogue');
    const audit = labelMap(cat.actions);
    for (const a of meta.actions) assert.equal(audit.get(`complaint.${a.code}`), a.label, a.code);
  });

  it('every status, action and result a complaint carries on its way has that label', async () => {
    const st = labelMap(meta.statuses);
    const ac = labelMap(meta.actions);
    const seen = { status: new Set(), action: new Set() };
    const look = async (c) => {
      const d = await getComplaint(fx.clerk.client, c.id);
      seen.status.add(d.status);
      assert.equal(d.status_label, st.get(d.status), `status_label of ${d.status}`);
      for (const a of d.actions || []) {
        const code = typeof a === 'string' ? a : a.action || a.code || a.name;
        seen.action.add(code);
        assert.ok(ac.get(code), `action ${code} offered on ${d.status} has a label`);
      }
      return d;
    };
    const draft = await createComplaint(fx.clerk.client, fx.branch.id, { draft: true });
    await look(draft);
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    await look(c);
    c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    await look(c);
    c = await step(fx.clerk.client, c, 'reply', { result: 'accepted', reply_content: '经核实，已退还年费。', compensation_fen: 0 });
    await look(c);
    c = await step(fx.rev.client, c, 'approve_reply', {});
    await look(c);
    c = await step(fx.rev.client, c, 'callback', { satisfaction: 'basically_satisfied', note: '客户基本满意' });
    const closed = await look(c);
    assert.ok(labelMap(meta.reply_results).get(closed.reply_result), closed.reply_result);
    assert.ok(labelMap(meta.satisfaction).get(closed.callback_satisfaction), closed.callback_satisfaction);
    let w = await createComplaint(fx.clerk.client, fx.branch.id);
    w = await step(fx.clerk.client, w, 'withdraw', { reason: '投诉人撤回' });
    await look(w);
    for (const s of ['draft', 'registered', 'processing', 'reviewing', 'replied', 'closed', 'withdrawn']) {
      assert.ok(seen.status.has(s), `the flow reached ${s}`);
    }
    assert.ok(seen.action.size >= 5, `actions offered: ${[...seen.action]}`);
  });
});
