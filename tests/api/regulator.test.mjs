// 监管报送 (issue 5): the transactional outbox, receipts on complaints, rejections raising and
// clearing alerts, manual sync (one complaint, everything due, a date range, failed ones), retry,
// the schedules, the dir transport with its manifest, settings and permissions.
// The long fault runs (60 s outage, kill -9, two instances) are regulator-faults.test.mjs.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, assertError, hasChinese } from './lib/server.mjs';
import { auditEvents } from './lib/fixtures.mjs';
import { complaintFixture, createComplaint, getComplaint, step, bankDate } from './lib/complaints.mjs';
import { startSim, waitFor, regStatus, allSubmissions, openAlerts } from './lib/regulator.mjs';

const FAST = { regulator_poll_ms: 100, regulator_lease_s: 5 };

describe('regulator gateway over HTTP', () => {
  let srv, sim, fx, rev;
  before(async () => {
    sim = await startSim();
    srv = await startServer({ config: { regulator: sim.url, ...FAST } });
    fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    rev = fx.rev.client;
    await rev.ok('PUT', '/regulator/settings', { backoff_base_ms: 100, backoff_max_ms: 500 });
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });

  it('a registration is queued with the complaint and delivered: sent, receipt number on the complaint', async () => {
    const c = await createComplaint(fx.clerk.client, fx.branch.id);
    assert.equal(c.sync_status, 'pending', 'queued in the same transaction as the registration');
    const done = await waitFor(async () => {
      const x = await getComplaint(fx.clerk.client, c.id);
      return x.sync_status === 'sent' && x;
    }, 15000, 'the complaint to be sent');
    assert.match(done.regulator_receipt_no, /^RC\d{18}$/);
    const subs = await allSubmissions(rev, `complaint_no=${c.complaint_no}`);
    assert.equal(subs.length, 1);
    assert.equal(subs[0].event, 'registered');
    assert.equal(subs[0].idem_key, `${c.complaint_no}:1`);
    assert.equal(subs[0].status, 'sent');
    const detail = await rev.ok('GET', `/regulator/submissions/${subs[0].id}`);
    assert.equal(detail.payload.format, 'fcms-regulator/1');
    assert.equal(detail.payload.institution_code, fx.branch.fin_code, 'the complained institution\'s 14-character code');
    assert.equal(detail.payload.cause_code, 'C07');
    assert.deepEqual(detail.payload.rights, ['R04']);
    assert.equal(detail.attempts.length, 1);
    assert.equal(detail.attempts[0].outcome, 'accepted');
    assert.equal((await sim.receipt(subs[0].idem_key)).receipt_no, done.regulator_receipt_no);
    const st = await regStatus(rev);
    assert.ok(st.sent >= 1 && st.pending >= 0 && 'failed' in st && 'rejected' in st, JSON.stringify(st));
    assert.equal(st.transport, 'http');
    assert.ok(st.last_success_at, 'last success shown');
    assert.equal(typeof st._meta.has_data_issue, 'boolean');
  });

  it('drafts are not reported; internal steps (assignment) are not; reply, close and manual sync are, in order', async () => {
    const draft = await createComplaint(fx.clerk.client, fx.branch.id, { draft: true });
    assert.equal(draft.sync_status, 'unsent');
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    c = await step(rev, c, 'sync'); // 手动同步 is the reviewer's (regulator.manage)
    await waitFor(async () => (await getComplaint(rev, c.id)).sync_status === 'sent', 15000, 'sync delivered');
    const subs = (await allSubmissions(rev, `complaint_no=${c.complaint_no}`)).sort((a, b) => a.seq - b.seq);
    assert.deepEqual(subs.map((s) => [s.seq, s.event, s.status]), [[1, 'registered', 'sent'], [2, 'sync', 'sent']]);
    assert.equal((await allSubmissions(rev, `complaint_no=${draft.complaint_no}`)).length, 0);
    const tl = await auditEvents(fx.aud.client, `target_type=complaint&target_id=${c.id}`);
    assert.ok(tl.some((e) => e.action === 'complaint.sync'), 'the manual sync is audited');
  });

  it('a rejection raises an alert with the reason; correcting the complaint sends a new submission that is accepted and clears it', async () => {
    await sim.faults({ reject_codes: ['C07'] });
    try {
      let c = await createComplaint(fx.clerk.client, fx.branch.id, { cause_code: 'C07' });
      c = await waitFor(async () => {
        const x = await getComplaint(rev, c.id);
        return x.sync_status === 'rejected' && x;
      }, 15000, 'the rejection');
      assert.match(c.sync_error, /cause_code/);
      const alerts = await openAlerts(rev, 'rejection');
      const mine = alerts.find((a) => a.scope_key === c.complaint_no);
      assert.ok(mine, `a rejection alert for ${c.complaint_no}: ${JSON.stringify(alerts)}`);
      assert.ok(hasChinese(mine.message) && mine.message.includes('E310'), mine.message);
      const notes = await rev.ok('GET', '/notifications');
      assert.ok(notes.items.some((n) => n.kind === 'regulator_alert' && n.message.includes(c.complaint_no)),
        'reviewers (the default role to notify) are told');
      const st = await regStatus(rev);
      assert.ok(st.rejected >= 1 && st._meta.has_data_issue === true, JSON.stringify(st));
      // Retrying the very same record would only be rejected again.
      const rejected = (await allSubmissions(rev, `complaint_no=${c.complaint_no}&status=rejected`))[0];
      assertError(await rev.post(`/regulator/submissions/${rejected.id}/retry`), 409, 'invalid_transition');
      // The correction: the regulator's code table takes C08 for this complaint.
      const fixed = await fx.clerk.client.ok('PATCH', `/complaints/${c.id}`, { version: c.version, cause_code: 'C08' });
      assert.equal(fixed.sync_status, 'pending');
      const sent = await waitFor(async () => {
        const x = await getComplaint(rev, c.id);
        return x.sync_status === 'sent' && x;
      }, 15000, 'the corrected complaint to be accepted');
      assert.ok(sent.regulator_receipt_no);
      assert.equal(sent.sync_error, null);
      const subs = (await allSubmissions(rev, `complaint_no=${c.complaint_no}`)).sort((a, b) => a.seq - b.seq);
      assert.deepEqual(subs.map((s) => [s.event, s.status]), [['registered', 'rejected'], ['updated', 'sent']]);
      assert.equal((await openAlerts(rev, 'rejection')).filter((a) => a.scope_key === c.complaint_no).length, 0, 'cleared');
      const audit = await auditEvents(fx.aud.client, 'target_type=regulator_alert');
      const ids = new Set(audit.filter((e) => e.detail?.scope === c.complaint_no).map((e) => e.action));
      assert.deepEqual([...ids].sort(), ['regulator.alert.clear', 'regulator.alert.raise']);
    } finally {
      await sim.faults({ reject_codes: [] });
    }
  });

  it('retries with backoff up to the limit, then failed; retry after recovery delivers it', async () => {
    await rev.ok('PUT', '/regulator/settings', { max_attempts: 2, backoff_base_ms: 50, backoff_max_ms: 100 });
    await sim.faults({ fail_rate: 1 });
    try {
      const c = await createComplaint(fx.clerk.client, fx.branch.id);
      const failed = await waitFor(async () => (await allSubmissions(rev, `complaint_no=${c.complaint_no}&status=failed`))[0],
        15000, 'the submission to fail');
      assert.equal(failed.attempts, 2);
      assert.equal((await getComplaint(rev, c.id)).sync_status, 'failed');
      await sim.faults({ fail_rate: 0 });
      const again = await rev.ok('POST', `/regulator/submissions/${failed.id}/retry`);
      assert.equal(again.status, 'pending');
      await waitFor(async () => (await getComplaint(rev, c.id)).sync_status === 'sent', 15000, 'retry delivered');
      const d = await rev.ok('GET', `/regulator/submissions/${failed.id}`);
      assert.deepEqual(d.attempts.map((a) => a.outcome), ['error', 'error', 'accepted']);
      assert.ok(d.attempts[0].detail.includes('503'), d.attempts[0].detail);
    } finally {
      await sim.faults({ fail_rate: 0 });
      await rev.ok('PUT', '/regulator/settings', { max_attempts: 20, backoff_base_ms: 100, backoff_max_ms: 500 });
    }
  });

  it('malformed replies and injected rejections: the same key goes again and gets the very receipt it got the first time', async () => {
    const before = await sim.stats();
    await sim.faults({ malformed_rate: 1 });
    let c;
    try {
      c = await createComplaint(fx.clerk.client, fx.branch.id);
      await waitFor(async () => (await sim.stats()).malformed_replies > before.malformed_replies + 1, 15000, 'malformed replies');
      assert.equal((await getComplaint(rev, c.id)).sync_status, 'pending', 'a reply that cannot be read is no receipt');
    } finally {
      await sim.faults({ malformed_rate: 0 });
    }
    const done = await waitFor(async () => { const x = await getComplaint(rev, c.id); return x.sync_status === 'sent' && x; },
      15000, 'delivery after the replies are readable again');
    const after = await sim.stats();
    assert.ok(after.duplicates - before.duplicates >= 2, 'the key was sent again and recognised');
    assert.equal(after.distinct_keys - before.distinct_keys, 1, 'one record at the regulator');
    assert.equal(after.accepted - before.accepted, 1, 'accepted once');
    assert.equal((await sim.receipt(`${c.complaint_no}:1`)).receipt_no, done.regulator_receipt_no);
    const sub = (await allSubmissions(rev, `complaint_no=${c.complaint_no}`))[0];
    const d = await rev.ok('GET', `/regulator/submissions/${sub.id}`);
    assert.ok(d.attempts.some((a) => a.outcome === 'error' && a.detail.includes('回执格式错误')), JSON.stringify(d.attempts));
    assert.equal(d.attempts.at(-1).outcome, 'accepted');
    // A random rejection (reject_rate) is final for its key, however often it is asked again.
    await sim.faults({ reject_rate: 1 });
    try {
      const r = await createComplaint(fx.clerk.client, fx.branch.id);
      await waitFor(async () => (await getComplaint(rev, r.id)).sync_status === 'rejected', 15000, 'random rejection');
      assert.equal((await sim.receipt(`${r.complaint_no}:1`)).errors[0].code, 'E900');
    } finally {
      await sim.faults({ reject_rate: 0 });
    }
  });

  it('manual only: submissions wait for 手动同步; a date range re-sends every complaint received in it', async () => {
    await rev.ok('PUT', '/regulator/settings', { schedule: 'manual' });
    try {
      const c = await createComplaint(fx.clerk.client, fx.branch.id);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await getComplaint(rev, c.id)).sync_status, 'pending');
      assert.ok((await regStatus(rev)).held >= 1);
      const r = await rev.ok('POST', '/regulator/sync', {});
      assert.ok(r.released >= 1, JSON.stringify(r));
      await waitFor(async () => (await getComplaint(rev, c.id)).sync_status === 'sent', 15000, 'manual run delivered');
      const day = bankDate(Date.parse(c.received_at));
      const range = await rev.ok('POST', '/regulator/sync', { from: day, to: day });
      assert.ok(range.queued >= 1, JSON.stringify(range));
      await waitFor(async () => (await allSubmissions(rev, `complaint_no=${c.complaint_no}&event=sync&status=sent`)).length === 1,
        15000, 'the range sync delivered');
      assertError(await rev.post('/regulator/sync', { from: '2026-13-01' }), 400, 'invalid_field', 'from');
    } finally {
      await rev.ok('PUT', '/regulator/settings', { schedule: 'realtime' });
    }
  });

  it('settings are validated and audited; the gateway is for regulator.manage only', async () => {
    assertError(await rev.put('/regulator/settings', { schedule: 'hourly' }), 400, 'invalid_field', 'schedule');
    assertError(await rev.put('/regulator/settings', { notify_roles: 'nosuchrole' }), 400, 'invalid_field', 'notify_roles');
    assertError(await rev.put('/regulator/settings', { daily_at: '25:00' }), 400, 'invalid_field', 'daily_at');
    const s = await rev.ok('PUT', '/regulator/settings', { alert_failures: 4, alert_pending_hours: 2, notify_roles: 'reviewer' });
    assert.equal(s.alert_failures, 4);
    const audit = await auditEvents(fx.aud.client, 'action=regulator.settings.update');
    assert.ok(audit.length >= 1);
    for (const p of ['/regulator/status', '/regulator/submissions', '/regulator/settings', '/regulator/alerts']) {
      assertError(await fx.clerk.client.get(p), 403, 'forbidden');
    }
    assertError(await rev.get('/regulator/submissions?status=lost'), 400, 'invalid_field', 'status');
  });
});

describe('daily schedule', () => {
  it('a run that did not happen at its time raises 定时报送未执行, runs late, and clears once delivered', async (t) => {
    const bankNow = new Date(Date.now() + 8 * 3600e3);
    const mins = bankNow.getUTCHours() * 60 + bankNow.getUTCMinutes() - 30;
    if (mins < 0) return t.skip('too close to midnight in bank time');
    const at = `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
    const sim = await startSim();
    const srv = await startServer({ config: { regulator: sim.url, ...FAST } });
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev'] });
      const rev = fx.rev.client;
      // Set while the daily time is still ahead, so nothing runs before the complaints exist.
      await rev.ok('PUT', '/regulator/settings', { schedule: 'daily', daily_at: '23:59' });
      const c = await createComplaint(fx.clerk.client, fx.branch.id);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await getComplaint(rev, c.id)).sync_status, 'pending', 'held for the daily run');
      await rev.ok('PUT', '/regulator/settings', { daily_at: at });
      await waitFor(async () => (await getComplaint(rev, c.id)).sync_status === 'sent', 15000, 'the late run');
      const all = (await rev.ok('GET', '/regulator/alerts')).items.filter((a) => a.kind === 'missed_run');
      assert.equal(all.length, 1, JSON.stringify(all));
      assert.ok(all[0].message.includes(at));
      await waitFor(async () => (await openAlerts(rev, 'missed_run')).length === 0, 10000, 'missed_run cleared');
    } finally {
      await srv.stop();
      await sim.stop();
    }
  });
});

describe('dir transport (file exchange for TongLINK/Q and other MQ file agents)', () => {
  it('batch files out with a manifest, receipts in; a batch whose manifest does not match is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-regdir-'));
    const sim = await startSim({ dir });
    const srv = await startServer({ config: { regulator: `dir:${dir}`, ...FAST } });
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev'] });
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await createComplaint(fx.clerk.client, fx.branch.id));
      for (const c of made) {
        await waitFor(async () => (await getComplaint(fx.rev.client, c.id)).sync_status === 'sent', 20000, `${c.complaint_no} sent`);
      }
      const st = await regStatus(fx.rev.client);
      assert.equal(st.transport, 'dir');
      const done = fs.readdirSync(path.join(dir, 'outbox', 'done'));
      const manifests = done.filter((f) => f.endsWith('.manifest.json'));
      assert.ok(manifests.length >= 1, done.join(' '));
      let lines = 0;
      for (const m of manifests) {
        const man = JSON.parse(fs.readFileSync(path.join(dir, 'outbox', 'done', m), 'utf8'));
        const body = fs.readFileSync(path.join(dir, 'outbox', 'done', man.file));
        assert.equal(man.format, 'fcms-regulator/1');
        assert.equal(man.sha256, crypto.createHash('sha256').update(body).digest('hex'), 'manifest SHA-256 is the batch file\'s');
        assert.equal(man.count, body.toString().split('\n').filter(Boolean).length);
        lines += man.count;
      }
      assert.equal(lines, 5);
      const receipts = fs.readdirSync(path.join(dir, 'inbox', 'processed'));
      assert.equal(receipts.length, manifests.length, 'each receipt was taken in');
      // A batch whose manifest lies about its content is refused as a whole.
      fs.writeFileSync(path.join(dir, 'outbox', 'forged.jsonl'), '{"format":"fcms-regulator/1"}\n');
      fs.writeFileSync(path.join(dir, 'outbox', 'forged.manifest.json'),
        JSON.stringify({ batch_id: 'forged', file: 'forged.jsonl', count: 2, sha256: '0'.repeat(64) }));
      const stats = await waitFor(async () => { const s = await sim.stats(); return s.manifest_errors === 1 && s; }, 10000, 'manifest refusal');
      assert.equal(stats.distinct_keys, 5);
      await waitFor(() => fs.readdirSync(path.join(dir, 'inbox', 'processed')).includes('forged.receipt.json'), 10000,
        'the refusal receipt taken in');
      const forged = JSON.parse(fs.readFileSync(path.join(dir, 'inbox', 'processed', 'forged.receipt.json'), 'utf8'));
      assert.equal(forged.manifest.ok, false);
      assert.ok(hasChinese(forged.manifest.error));
    } finally {
      await srv.stop();
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
