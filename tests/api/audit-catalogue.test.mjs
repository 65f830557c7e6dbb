// Issue 12 items 4 and 7: the server's vocabularies served once.
//  - GET /audit/catalogue labels every action the code can write to the audit chain: the action
//    literals are read from the C source (api_audit / audit_event calls, the workflow table), so
//    a new audit event without a label fails here; audit rows and the timeline carry the same
//    labels and the actor's 姓名 (actor_name), and every action a flow of this file produced is
//    catalogued.
//  - GET /settings/complaints/limits is the range PUT /settings/complaints enforces, field by field,
//    in the words the form shows.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, REPO, hasChinese } from './lib/server.mjs';
import { complaintFixture, createComplaint, step, auditEvents, getBytes } from './lib/complaints.mjs';

// Every audit action literal in src/: the string on a line that writes an audit event
// (api_audit in api, complaint_audit in the complaint use cases of domain/complaint).
function sourceActions() {
  const found = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
          if (!/api_audit\(|complaint_audit\(|\.action = "|ev\.action =|change_status\(|alert_audit\(d, "|\bevent\(d, /.test(line)) continue;
          for (const m of line.matchAll(/"([a-z_]+(?:\.[a-z_]+)+)"/g)) found.add(m[1]);
        }
      }
    }
  };
  walk(path.join(REPO, 'src'));
  // complaint.<action>: snprintf(action, "complaint.%s", wf_action_name(...)) over the workflow table.
  const wf = fs.readFileSync(path.join(REPO, 'src/domain/workflow.c'), 'utf8');
  for (const m of wf.matchAll(/\[WF_[A-Z_]+\] = \{"([a-z_]+)"/g)) found.add(`complaint.${m[1]}`);
  return found;
}

describe('audit catalogue and settings limits', () => {
  let srv;
  let fx;
  let cat;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv);
    cat = await fx.clerk.client.ok('GET', '/audit/catalogue');
  });
  after(async () => { await srv?.stop(); });

  it('every action the source can write has a Chinese label in the catalogue', () => {
    const src = sourceActions();
    for (const a of ['complaint.print', 'complaint.unmask', 'codes.create', 'dictionary.update', 'report.export',
      'complaint.approve_reply', 'regulator.alert.raise', 'auth.login', 'pii.key_rotate']) {
      assert.ok(src.has(a), `the source scan finds ${a}`);
    }
    assert.ok(src.size >= 60, `the scan found ${src.size} actions`);
    const labels = new Map(cat.actions.map((a) => [a.code, a.label]));
    const missing = [...src].filter((a) => !labels.get(a)).sort();
    assert.deepEqual(missing, [], 'actions written by the code but missing from GET /audit/catalogue');
    for (const a of cat.actions) {
      assert.ok(hasChinese(a.label) && hasChinese(a.group), `${a.code}: ${a.label} (${a.group})`);
    }
    assert.equal(new Set(cat.actions.map((a) => a.code)).size, cat.actions.length, 'no duplicate codes');
    assert.equal(labels.get('complaint.print'), '结单打印');
    assert.equal(labels.get('complaint.unmask'), '查看完整投诉人信息');
    assert.equal(labels.get('report.export'), '导出统计报表');
    const types = new Map(cat.target_types.map((t) => [t.code, t.label]));
    for (const t of ['complaint', 'complaints', 'code', 'codes', 'source_channel', 'id_type', 'calendar',
      'complaint_settings', 'reports', 'report_exports', 'regulator_alert', 'user', 'institution', 'role']) {
      assert.ok(hasChinese(types.get(t)), `object type ${t} labelled: ${types.get(t)}`);
    }
    assert.equal(types.get('complaint'), '投诉单');
  });

  it('audit rows and the timeline carry the labels and the actor\'s name; no action outside the catalogue', async () => {
    // A flow touching complaints, base data, settings and reports.
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    c = await step(fx.rev.client, c, 'assign', { org_id: fx.branch.id, user_id: fx.clerk.user.id });
    await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
    const x = await getBytes(fx.rev.client, `/complaints/export?org_id=${fx.branch.id}`);
    assert.equal(x.status, 200);
    await fx.rev.client.ok('PUT', '/dictionaries/source_channel/phone', { name: '电话', sort: 1, enabled: true });
    await fx.rev.client.ok('PUT', '/settings/complaints', { due_soon_days: 4 });
    const today = new Date().toISOString().slice(0, 10);
    const r = await fx.rev.client.get(`/reports/cause?from=${today}&to=${today}&format=xlsx`);
    assert.equal(r.status, 200);

    const events = await auditEvents(fx.aud.client);
    const labels = new Map(cat.actions.map((a) => [a.code, a.label]));
    const types = new Map(cat.target_types.map((t) => [t.code, t.label]));
    const seen = new Set(events.map((e) => e.action));
    for (const a of ['complaint.register', 'complaint.assign', 'complaint.unmask', 'complaint.export', 'dictionary.update',
      'settings.update', 'report.export', 'auth.login', 'user.create']) assert.ok(seen.has(a), `the flow wrote ${a}`);
    for (const e of events) {
      assert.ok(labels.has(e.action), `action ${e.action} written but not catalogued`);
      assert.equal(e.action_label, labels.get(e.action), `row label of ${e.action}`);
      if (e.target_type) assert.equal(e.target_type_label, types.get(e.target_type), `object type ${e.target_type}`);
    }
    const unmask = events.find((e) => e.action === 'complaint.unmask');
    assert.equal(unmask.actor, fx.rev.username);
    assert.equal(unmask.actor_name, fx.rev.user.name, 'the audit row names the user (姓名)');
    assert.equal(unmask.target_type_label, '投诉单');
    // The action filter offers complaint actions and finds them.
    const filtered = await fx.aud.client.ok('GET', '/audit?action=complaint.unmask');
    assert.ok(filtered.items.length >= 1 && filtered.items.every((e) => e.action === 'complaint.unmask'));

    const tl = await fx.rev.client.ok('GET', `/complaints/${c.id}/timeline`);
    const reg = tl.items.find((e) => e.action === 'complaint.register');
    assert.equal(reg.action_label, '投诉登记');
    assert.equal(reg.actor_name, fx.clerk.user.name, 'the timeline names the registrar');
    assert.equal(tl.items.find((e) => e.action === 'complaint.assign').action_label, '分派');
  });

  it('settings limits are the ranges PUT /settings/complaints enforces', async () => {
    const lim = await fx.clerk.client.ok('GET', '/settings/complaints/limits');
    assert.deepEqual(lim.due_soon_days, { kind: 'int', min: 0, max: 30, label: '临期提醒天数' });
    const current = await fx.rev.client.ok('GET', '/settings/complaints');
    assert.deepEqual(Object.keys(lim).sort(), Object.keys(current).sort(), 'a range for every setting');
    for (const [k, l] of Object.entries(lim)) {
      assert.ok(hasChinese(l.label), `${k} labelled`);
      if (l.kind !== 'int') continue;
      for (const v of [l.max + 1, l.min - 1]) {
        const r = await fx.rev.client.put('/settings/complaints', { [k]: v });
        assert.equal(r.status, 400, `${k}=${v} refused`);
        assert.equal(r.json.error.field, k);
        assert.equal(r.json.error.message, `${l.label}必须是${l.min}到${l.max}之间的整数`, 'the form can say the same');
      }
    }
    // The bounds themselves are taken (60 was offered by the old form; 30 is the limit).
    const at = await fx.rev.client.ok('PUT', '/settings/complaints', { due_soon_days: lim.due_soon_days.max });
    assert.equal(at.due_soon_days, 30);
    await fx.rev.client.ok('PUT', '/settings/complaints', { due_soon_days: 3 });
  });
});
