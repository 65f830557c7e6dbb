// Webhook deliveries per second (issue 15): a real `fcms serve` (release build by default,
// FCMS_BIN to override; SQLite, or PostgreSQL with FCMS_TEST_DB) and a local node receiver that
// verifies every HMAC signature. Rounds: with the receiver answering 503, N complaints are
// registered (one complaint.registered event each, queued in the registration's transaction);
// then the receiver turns healthy and the time until the delivery log has N sent is taken:
// deliveries/s of the engine draining a backlog (one signed POST per event, keep-alive).
//
//   node bench/webhooks.mjs [N=2000] [rounds=3]
import { startServer } from '../tests/api/lib/server.mjs';
import { createComplaint } from '../tests/api/lib/complaints.mjs';
import { startReceiver } from '../tests/api/lib/receiver.mjs';
import { integrationFixture, subscribe } from '../tests/api/lib/integration.mjs';

process.env.FCMS_BIN ||= 'build/fcms';
const N = Number(process.argv[2] || 2000), ROUNDS = Number(process.argv[3] || 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

const rx = await startReceiver();
const srv = await startServer({ config: { regulator_poll_ms: 50, regulator_lease_s: 30 } });
try {
  const fx = await integrationFixture(srv, { only: ['clerk'] });
  const integ = fx.integ.client;
  await integ.ok('PUT', '/integration/settings', { backoff_base_ms: 50, backoff_max_ms: 200, max_attempts: 1000 });
  const sub = await subscribe(integ, { url: rx.url('/bench'), event_types: ['complaint.registered'] });
  rx.st.secrets.set('/bench', sub.secret);
  const rates = [];
  for (let round = 1; round <= ROUNDS; round++) {
    rx.st.mode = 'fail';
    const before = (await integ.ok('GET', `/integration/deliveries?subscription_id=${sub.id}&status=sent&page_size=1`)).total;
    const queue = Array.from({ length: N }, (_, i) => i);
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (queue.length) { queue.pop(); await createComplaint(fx.clerk.client, fx.branch.id); }
    }));
    const got0 = rx.events('/bench').length;
    rx.st.mode = 'ok';
    const t0 = performance.now();
    for (;;) {
      const sent = (await integ.ok('GET', `/integration/deliveries?subscription_id=${sub.id}&status=sent&page_size=1`)).total;
      if (sent - before >= N) break;
      await sleep(20);
    }
    const secs = (performance.now() - t0) / 1000;
    const received = rx.events('/bench').length - got0;
    rates.push(N / secs);
    console.log(`round ${round}: ${N} deliveries in ${secs.toFixed(2)} s = ${(N / secs).toFixed(0)}/s (receiver took ${received} new events, ${rx.st.bad} bad signatures)`);
  }
  console.log(`median: ${median(rates).toFixed(0)} webhook deliveries/s (${process.env.FCMS_TEST_DB ? 'PostgreSQL' : 'SQLite'}, ${process.env.FCMS_BIN})`);
} finally {
  await srv.stop();
  await rx.stop();
}
