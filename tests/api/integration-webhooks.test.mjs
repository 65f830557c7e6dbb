// Webhooks to the service bus (issue 15 item 2): subscriptions managed with integration.manage
// only, events queued with the change and delivered by the regulator's delivery engine to a real
// local receiver that verifies every HMAC signature; masked unless the subscription is granted
// PII (an audited act); scope filter by institution subtree; retries with backoff through a
// failing receiver; the delivery log with replay; the URL rules (scheme, user info, metadata
// addresses, allow-list).
// The 60 s receiver outage is integration-outage.test.mjs.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese } from './lib/server.mjs';
import { auditEvents } from './lib/fixtures.mjs';
import { createComplaint, step } from './lib/complaints.mjs';
import { waitFor } from './lib/regulator.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { FAST, integrationFixture, subscribe, allDeliveries, waitSent } from './lib/integration.mjs';

describe('webhooks', () => {
  let srv, fx, rx, integ;
  before(async () => {
    rx = await startReceiver();
    srv = await startServer({ config: FAST });
    fx = await integrationFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    integ = fx.integ.client;
  });
  after(async () => { await srv?.stop(); await rx?.stop(); });

  it('only integration.manage manages subscriptions: not the system admin, not a business role', async () => {
    for (const c of [fx.admin, fx.clerk.client, fx.rev.client, fx.sec.client]) {
      assertError(await c.get('/integration/subscriptions'), 403, 'forbidden');
      assertError(await c.post('/integration/subscriptions', { name: 'x', url: rx.url('/x') }), 403, 'forbidden');
      assertError(await c.get('/integration/deliveries'), 403, 'forbidden');
    }
    const perms = await fx.sec.client.ok('GET', '/permissions');
    const p = (perms.items || perms).find((x) => x.code === 'integration.manage');
    assert.ok(p, 'integration.manage is in the catalogue');
    assert.equal(p.family, 'system', JSON.stringify(p));
    // 三员: the integration role (system family) is not granted beside a business role.
    const r = await fx.sec.client.put(`/users/${fx.clerk.user.id}/roles`, {
      role_ids: [...fx.clerk.user.roles.map((x) => x.id), fx.integRole.id],
    });
    assert.ok(r.status === 409 || r.status === 400, `${r.status} ${r.text}`);
  });

  it('URL rules: http(s) only, no user info, no link-local / metadata address, the allow-list', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://bus.bank/x', 'gopher://127.0.0.1:70/', 'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/x', 'http://metadata.google.internal/computeMetadata/v1/', 'http://user:pw@bus.bank/x', 'http://0.0.0.0/']) {
      const r = await integ.post('/integration/subscriptions', { name: '坏地址', url, event_types: ['*'] });
      assertError(r, 400, 'url_not_allowed', 'url');
      assert.ok(hasChinese(r.json.error.message));
    }
    await integ.ok('PUT', '/integration/settings', { allow_hosts: 'bus.bank.local 127.0.0.1' });
    assertError(await integ.post('/integration/subscriptions', { name: 'x', url: 'https://evil.example/hook' }), 400, 'url_not_allowed');
    await integ.ok('PUT', '/integration/settings', { allow_hosts: '' });
    assertError(await integ.post('/integration/subscriptions', { name: 'x', url: rx.url('/x'), event_types: ['complaint.nope'] }),
      400, 'invalid_field', 'event_types');
  });

  it('events are delivered signed, in order, masked, and the log shows each with its attempts', async () => {
    const sub = await subscribe(integ, { url: rx.url('/bus') });
    rx.st.secrets.set('/bus', sub.secret);
    const listed = (await integ.ok('GET', '/integration/subscriptions')).items.find((s) => s.id === sub.id);
    assert.equal(listed.secret, undefined, 'the secret is shown once only');
    assert.equal(listed.carries_pii, false, 'PII off by default');
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    c = await step(fx.clerk.client, c, 'extend', { days: 10, reason: '需调查取证' });
    const d = await waitSent(integ, `complaint_no=${c.complaint_no}&subscription_id=${sub.id}`, 3);
    const got = rx.events('/bus').filter((e) => e.complaint.complaint_no === c.complaint_no);
    assert.deepEqual(got.map((e) => e.type), ['complaint.registered', 'complaint.assign', 'complaint.extend']);
    assert.deepEqual(got.map((e) => e.complaint.version), [1, 2, 3], 'each event carries the state after its change');
    assert.equal(rx.st.bad, 0, 'every signature verified');
    const ev = got[0];
    assert.match(ev.id, /^evt_/);
    assert.match(ev.occurred_at, /\+08:00$/);
    const text = JSON.stringify(got);
    const full = await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
    for (const secret of [full.phone, full.id_no, full.address]) assert.ok(!text.includes(secret), `no ${secret} in the events`);
    assert.equal(ev.complaint.content, undefined, 'no free text without the PII grant');
    assert.match(ev.complaint.complainant.phone, /\*/, 'the phone is masked');
    const detail = await integ.ok('GET', `/integration/deliveries/${d[0].id}`);
    assert.equal(detail.payload.id, detail.event_id);
    assert.equal(detail.attempts_log.length, 1);
    assert.equal(detail.attempts_log[0].outcome, 'delivered');
    assert.equal(detail.attempts_log[0].http_status, 200);
    const hdr = rx.st.headers.find((h) => h.id === ev.id);
    assert.equal(hdr.type, 'complaint.registered', 'X-Fcms-Event-Type');
  });

  it('the scope filter: a subscription for 乙分行 gets nothing of 甲分行', async () => {
    const other = await subscribe(integ, { url: rx.url('/branch2'), org_id: fx.branch2.id });
    rx.st.secrets.set('/branch2', other.secret);
    const mine = await subscribe(integ, { url: rx.url('/branch1'), org_id: fx.branch.id, event_types: ['complaint.registered'] });
    rx.st.secrets.set('/branch1', mine.secret);
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    await waitSent(integ, `complaint_no=${c.complaint_no}&subscription_id=${mine.id}`, 1);
    assert.equal((await allDeliveries(integ, `complaint_no=${c.complaint_no}&subscription_id=${other.id}`)).length, 0);
    assert.equal((await allDeliveries(integ, `complaint_no=${c.complaint_no}&subscription_id=${mine.id}`)).length, 1,
      'only the event types asked for (registered, not assign)');
    await integ.ok('PATCH', `/integration/subscriptions/${other.id}`, { enabled: false });
    await integ.ok('PATCH', `/integration/subscriptions/${mine.id}`, { enabled: false });
  });

  it('PII leaves only with the audited grant: identity and texts in clear, never in the stored event', async () => {
    const sub = await subscribe(integ, { url: rx.url('/pii'), event_types: ['complaint.registered'] });
    rx.st.secrets.set('/pii', sub.secret);
    await integ.ok('PATCH', `/integration/subscriptions/${sub.id}`, { carries_pii: true });
    const c = await createComplaint(fx.clerk.client, fx.branch.id);
    const [d] = await waitSent(integ, `complaint_no=${c.complaint_no}&subscription_id=${sub.id}`, 1);
    const ev = rx.events('/pii').find((e) => e.complaint.complaint_no === c.complaint_no);
    const full = await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
    assert.equal(ev.complaint.complainant.phone, full.phone);
    assert.equal(ev.complaint.complainant.id_no, full.id_no);
    assert.match(ev.complaint.content, /年费/);
    const stored = await integ.ok('GET', `/integration/deliveries/${d.id}`);
    assert.ok(!JSON.stringify(stored.payload).includes(full.phone), 'the outbox keeps the masked event only');
    const grants = await auditEvents(fx.aud.client, `action=integration.pii.grant`);
    assert.ok(grants.some((e) => e.target_id === String(sub.id) && e.actor === fx.integ.username), 'the grant is audited');
    await integ.ok('PATCH', `/integration/subscriptions/${sub.id}`, { carries_pii: false, enabled: false });
    assert.ok((await auditEvents(fx.aud.client, 'action=integration.pii.revoke')).some((e) => e.target_id === String(sub.id)));
  });

  it('a failing receiver (503) is retried with backoff until it answers; replay sends a delivery again', async () => {
    // A base of 400 ms: the waits (200–400, then 400–800 ms) stand clear of the worker's 100 ms poll.
    await integ.ok('PUT', '/integration/settings', { backoff_base_ms: 400, backoff_max_ms: 4000 });
    const sub = await subscribe(integ, { url: rx.url('/flaky'), event_types: ['complaint.registered'] });
    rx.st.secrets.set('/flaky', sub.secret);
    rx.st.mode = 'fail';
    const c = await createComplaint(fx.clerk.client, fx.branch.id);
    const q = `complaint_no=${c.complaint_no}&subscription_id=${sub.id}`;
    const [failing] = await waitFor(async () => {
      const d = await allDeliveries(integ, q);
      return d.length === 1 && d[0].attempts >= 3 && d;
    }, 20000, 'three failed attempts');
    assert.equal(failing.status, 'pending');
    assert.equal(failing.last_http_status, 503);
    assert.match(failing.last_error, /HTTP 503/);
    rx.st.mode = 'ok';
    const [sent] = await waitSent(integ, q, 1);
    const log = await integ.ok('GET', `/integration/deliveries/${sent.id}`);
    assert.ok(log.attempts_log.length >= 4, `every attempt logged: ${log.attempts_log.length}`);
    const gaps = log.attempts_log.slice(0, 3).map((a, i, arr) => (i ? Date.parse(a.at) - Date.parse(arr[i - 1].at) : 0));
    // Attempt n waits at least half of base * 2^(n-1) after attempt n-1 was logged.
    assert.ok(gaps[1] >= 200 && gaps[2] >= 400, `each retry waits its backoff, which doubles: ${gaps}`);
    await integ.ok('PUT', '/integration/settings', { backoff_base_ms: 100, backoff_max_ms: 1000 });
    // Replay: the same event id again (receivers dedup by it); audited.
    const dupsBefore = rx.st.dups;
    await integ.ok('POST', `/integration/deliveries/${sent.id}/replay`, {});
    await waitFor(async () => rx.st.dups > dupsBefore, 10000, 'the replayed delivery');
    assert.ok((await auditEvents(fx.aud.client, 'action=integration.delivery.replay')).some((e) => e.target_id === String(sent.id)));
    assertError(await fx.clerk.client.post(`/integration/deliveries/${sent.id}/replay`, {}), 403, 'forbidden');
    await integ.ok('PATCH', `/integration/subscriptions/${sub.id}`, { enabled: false });
  });
});
