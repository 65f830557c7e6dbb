// Webhook delivery through a 60 s receiver outage (issue 15, "must show"): complaints change
// before, during and after the outage; when the receiver comes back every event arrives (the
// receiver dedups by event id: at-least-once), nothing is lost, and per complaint the events
// arrive in the order they happened. The receiver verifies every signature.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep } from './lib/server.mjs';
import { createComplaint, step } from './lib/complaints.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { FAST, integrationFixture, subscribe, allDeliveries, waitSent } from './lib/integration.mjs';

describe('webhooks through a 60 s receiver outage', () => {
  let srv, fx, rx, integ;
  before(async () => {
    rx = await startReceiver();
    srv = await startServer({ config: FAST });
    fx = await integrationFixture(srv, { only: ['clerk', 'rev'] });
    integ = fx.integ.client;
    // backoff capped at 5 s: the first attempt after the outage comes within seconds
    await integ.ok('PUT', '/integration/settings', { backoff_base_ms: 200, backoff_max_ms: 5000, max_attempts: 1000 });
  });
  after(async () => { await srv?.stop(); await rx?.stop(); });

  it('nothing lost, nothing out of order', async () => {
    const sub = await subscribe(integ, { url: rx.url('/bus') });
    rx.st.secrets.set('/bus', sub.secret);
    const clerk = fx.clerk.client;
    const expected = new Map(); // complaint_no -> [event types in order]
    const note = (c, type) => { if (!expected.has(c.complaint_no)) expected.set(c.complaint_no, []); expected.get(c.complaint_no).push(type); };
    const lifecycle = async (c) => {
      c = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id }); note(c, 'complaint.assign');
      c = await step(clerk, c, 'pause', { reason: '等待客户补充材料' }); note(c, 'complaint.pause');
      c = await step(clerk, c, 'resume'); note(c, 'complaint.resume');
      return c;
    };
    const make = async () => { const c = await createComplaint(clerk, fx.branch.id); note(c, 'complaint.registered'); return c; };
    // before the outage
    const early = [];
    for (let i = 0; i < 3; i++) early.push(await make());
    await rx.down();
    const downAt = Date.now();
    // during the outage: new complaints and changes of those queued before
    for (const c of early) await lifecycle(c);
    const during = [];
    for (let i = 0; i < 5; i++) { const c = await make(); during.push(await lifecycle(c)); await sleep(2000); }
    const pendingMid = (await allDeliveries(integ, `subscription_id=${sub.id}&status=pending`)).length;
    assert.ok(pendingMid > 0, 'events wait while the receiver is down');
    await sleep(Math.max(0, 60000 - (Date.now() - downAt)));
    const failedAttempts = (await allDeliveries(integ, `subscription_id=${sub.id}`)).reduce((n, d) => n + d.attempts, 0);
    assert.ok(failedAttempts >= 5, `retried during the outage (${failedAttempts} attempts)`);
    await rx.up();
    for (let i = 0; i < 2; i++) await make();
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    const d = await waitSent(integ, `subscription_id=${sub.id}`, total, 90000);
    assert.equal(d.length, total, 'one delivery per event');
    const got = rx.events('/bus');
    assert.equal(got.length, total, `every event arrived once after dedup (dups seen: ${rx.st.dups})`);
    assert.equal(new Set(got.map((e) => e.id)).size, total);
    for (const [no, types] of expected) {
      const mine = got.filter((e) => e.complaint.complaint_no === no);
      assert.deepEqual(mine.map((e) => e.type), types, `order kept for ${no}`);
      const versions = mine.map((e) => e.complaint.version);
      assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `versions ascend for ${no}`);
    }
    assert.equal(rx.st.bad, 0, 'every signature verified');
  });
});
