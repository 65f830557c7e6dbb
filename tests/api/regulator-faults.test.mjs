// 监管报送 under faults (issue 5, "Must show"): the regulator down for 60 s while 1,000 complaint
// changes are made, then every submission delivered exactly once with the alert raised during the
// outage and cleared after; `kill -9` of fcms in the middle of deliveries, then a restart with
// nothing lost and no duplicate effect; two fcms instances on one PostgreSQL delivering every
// submission once between them.
// FCMS_REG_OUTAGE_S (default 60) sets the outage length; FCMS_REG_CHANGES (default 1000) the
// number of complaint changes made during it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sleep, login, PG_URL, createPgDatabase, dropPgDatabase } from './lib/server.mjs';
import { auditEvents } from './lib/fixtures.mjs';
import { complaintFixture, createComplaint, complaintBody } from './lib/complaints.mjs';
import { startSim, waitFor, regStatus, allSubmissions, openAlerts, pool } from './lib/regulator.mjs';

const OUTAGE_S = Number(process.env.FCMS_REG_OUTAGE_S || 60);
const CHANGES = Number(process.env.FCMS_REG_CHANGES || 1000);
const FAST = { regulator_poll_ms: 100 };

/** Every complaint (id → row) through the list API. */
async function allComplaints(client) {
  const out = new Map();
  for (let page = 1; ; page++) {
    const r = await client.ok('GET', `/complaints?page=${page}&page_size=200`);
    for (const c of r.items) out.set(c.id, c);
    if (r.items.length < 200) return out;
  }
}

describe('regulator gateway under faults', () => {
  it(`regulator down ${OUTAGE_S} s during ${CHANGES} complaint changes: alert raised, then exactly-once delivery and the alert cleared`, async () => {
    const sim = await startSim();
    const srv = await startServer({ config: { regulator: sim.url, regulator_lease_s: 10, ...FAST } });
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
      const rev = fx.rev.client;
      await rev.ok('PUT', '/regulator/settings', { alert_failures: 3, backoff_base_ms: 500, backoff_max_ms: 5000, max_attempts: 1000 });
      await sim.faults({ down: true });
      const downAt = Date.now();
      // Half registrations, half corrections of the same complaints: 1,000 changes, 1,000 events.
      const creates = Math.ceil(CHANGES / 2), updates = CHANGES - creates;
      const made = await pool(8, Array.from({ length: creates }, () => () => createComplaint(fx.clerk.client, fx.branch.id)));
      await pool(8, made.slice(0, updates).map((c) => () =>
        fx.clerk.client.ok('PATCH', `/complaints/${c.id}`, { version: c.version, demand: '退还年费，并书面说明收费依据' })));
      const changesDoneS = (Date.now() - downAt) / 1000;
      const during = await waitFor(async () => (await openAlerts(rev, 'consecutive_failures'))[0], 30000, 'the failure alert during the outage');
      assert.match(during.message, /连续\d+次报送失败/);
      const notes = await rev.ok('GET', '/notifications');
      assert.ok(notes.items.some((n) => n.kind === 'regulator_alert'), 'the reviewer was notified');
      const mid = await regStatus(rev);
      assert.equal(mid.sent, 0);
      assert.equal(mid.pending, CHANGES, JSON.stringify(mid));
      assert.ok(mid._meta.has_data_issue);
      const left = OUTAGE_S * 1000 - (Date.now() - downAt);
      if (left > 0) await sleep(left);
      const dropped = (await sim.stats()).dropped;
      assert.ok(dropped > 0, 'deliveries were attempted during the outage');
      await sim.faults({ down: false });
      const upAt = Date.now();
      const st = await waitFor(async () => { const s = await regStatus(rev); return s.pending === 0 && s; }, 180000, 'the backlog to drain');
      const drainS = (Date.now() - upAt) / 1000;
      assert.equal(st.sent, CHANGES);
      assert.equal(st.failed + st.rejected, 0);
      const stats = await sim.stats();
      assert.equal(stats.distinct_keys, CHANGES, 'the regulator saw every key');
      assert.equal(stats.accepted, CHANGES, 'each accepted once');
      assert.equal(stats.received, stats.distinct_keys + stats.duplicates, 'any redelivery was answered idempotently');
      await waitFor(async () => (await openAlerts(rev, 'consecutive_failures')).length === 0, 10000, 'the alert to clear');
      const audit = await auditEvents(fx.aud.client, 'target_type=regulator_alert');
      const kinds = audit.filter((e) => e.detail?.kind === 'consecutive_failures').map((e) => e.action);
      assert.ok(kinds.includes('regulator.alert.raise') && kinds.includes('regulator.alert.clear'), kinds.join(' '));
      const complaints = await allComplaints(rev);
      for (const c of made) assert.equal(complaints.get(c.id)?.sync_status, 'sent', `${c.complaint_no}`);
      console.log(`# outage ${OUTAGE_S}s: ${CHANGES} changes made in ${changesDoneS.toFixed(1)}s; ${dropped} connections dropped;` +
        ` backlog drained in ${drainS.toFixed(1)}s; duplicates ${stats.duplicates}`);
    } finally {
      await srv.stop();
      await sim.stop();
    }
  });

  it('kill -9 in the middle of deliveries, then restart: nothing lost, no duplicate effect', async () => {
    const sim = await startSim({ args: ['--latency-ms', '40'] });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-regkill-'));
    const pg = PG_URL ? createPgDatabase() : null;
    const opts = { dataDir, db: pg ? pg.url : undefined, config: { regulator: sim.url, regulator_lease_s: 2, ...FAST } };
    let srv = await startServer(opts);
    const N = 300;
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev'] });
      await fx.rev.client.ok('PUT', '/regulator/settings', { batch_size: 5, backoff_base_ms: 200, backoff_max_ms: 1000 });
      const made = await pool(8, Array.from({ length: N }, () => () => createComplaint(fx.clerk.client, fx.branch.id)));
      const at = await waitFor(async () => { const s = await regStatus(fx.rev.client); return s.sent >= 30 && s.pending > 0 && s; },
        60000, 'deliveries under way');
      srv.child.kill('SIGKILL');
      await new Promise((r) => srv.child.once('exit', r));
      srv = await startServer(opts);
      const admin = await login(srv.base, fx.rev.username, fx.rev.password);
      const st = await waitFor(async () => { const s = await regStatus(admin); return s.pending === 0 && s; }, 60000, 'delivery after restart');
      assert.equal(st.sent, N, `all ${N} delivered (killed at ${at.sent} sent, ${at.pending} pending)`);
      const subs = await allSubmissions(admin);
      assert.equal(subs.length, N, 'one submission per registration: none lost, none doubled');
      assert.equal(new Set(subs.map((s) => s.idem_key)).size, N);
      const stats = await sim.stats();
      assert.equal(stats.distinct_keys, N);
      assert.equal(stats.accepted, N);
      assert.equal(stats.received, N + stats.duplicates);
      // No duplicate effect: each complaint carries the one receipt the regulator issued for its key.
      const complaints = await allComplaints(admin);
      for (const s of subs) {
        const r = await sim.receipt(s.idem_key);
        assert.equal(s.receipt_no, r.receipt_no, s.idem_key);
        assert.equal(complaints.get(s.complaint_id).regulator_receipt_no, r.receipt_no);
      }
      assert.equal(made.length, N);
      console.log(`# kill -9 at ${at.sent}/${N} sent; after restart ${stats.duplicates} redeliveries answered idempotently`);
    } finally {
      await srv.stop();
      await sim.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (pg) dropPgDatabase(pg.name);
    }
  });

  it('two fcms instances on one PostgreSQL deliver every submission once between them', { skip: !PG_URL && 'PostgreSQL only' }, async () => {
    const sim = await startSim({ args: ['--latency-ms', '5'] });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-regtwo-'));
    const pg = createPgDatabase();
    const cfg = { regulator: sim.url, regulator_lease_s: 30, ...FAST };
    const a = await startServer({ dataDir, db: pg.url, config: cfg });
    const b = await startServer({ dataDir, db: pg.url, config: cfg });
    const N = 400;
    try {
      const fx = await complaintFixture(a, { only: ['clerk', 'rev'] });
      await fx.rev.client.ok('PUT', '/regulator/settings', { batch_size: 10 });
      const clerkB = await login(b.base, fx.clerk.username, fx.clerk.password);
      const clients = [fx.clerk.client, clerkB];
      await pool(8, Array.from({ length: N }, (_, i) => () => clients[i % 2].ok('POST', '/complaints', complaintBody(fx.branch.id), 201)));
      const st = await waitFor(async () => { const s = await regStatus(fx.rev.client); return s.pending === 0 && s; }, 60000, 'all delivered');
      assert.equal(st.sent, N);
      const stats = await sim.stats();
      assert.equal(stats.distinct_keys, N);
      assert.equal(stats.received, N, 'no submission was delivered twice');
      assert.equal(stats.duplicates, 0);
      const byInstance = new Map();
      for (const s of await allSubmissions(fx.rev.client)) {
        const d = await fx.rev.client.ok('GET', `/regulator/submissions/${s.id}`);
        assert.deepEqual(d.attempts.map((x) => x.outcome), ['accepted'], s.idem_key);
        byInstance.set(d.attempts[0].instance, (byInstance.get(d.attempts[0].instance) || 0) + 1);
      }
      assert.equal(byInstance.size, 2, `both instances delivered: ${JSON.stringify([...byInstance])}`);
      console.log(`# two instances: ${JSON.stringify([...byInstance.values()])} submissions each`);
    } finally {
      await b.stop({ verifyAudit: false });
      await a.stop();
      await sim.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      dropPgDatabase(pg.name);
    }
  });
});
