// Live updates across instances (PostgreSQL LISTEN/NOTIFY, src/store/events_relay.c): a browser
// connected to one fcms instance sees the complaint changes made through another instance on the
// same database, once, and still only within its data scope.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, login, PG_URL, FCMS_BIN } from './lib/server.mjs';
import { complaintFixture, complaintBody, step } from './lib/complaints.mjs';

const skip = !PG_URL && 'PostgreSQL only (one SQLite server has nothing to relay)';
let a;
let b;
let fx;

/** Collects the SSE stream of a client for ms milliseconds; resolves the events [{event, data}]. */
function collect(client, ms) {
  const u = new URL(client.base);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = () => resolve(text.split('\n\n').filter((f) => f.startsWith('event:')).map((f) => {
      const [ev, data] = f.split('\n');
      return { event: ev.slice(7), data: JSON.parse(data.slice(6)) };
    }));
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/v1/events', agent: false,
      headers: client.headers('GET') }, (res) => {
      assert.equal(res.statusCode, 200);
      res.on('data', (d) => { text += d; });
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? done() : reject(e)));
    setTimeout(() => { req.destroy(); done(); }, ms);
  });
}

before(async () => {
  if (skip) return;
  a = await startServer();
  fx = await complaintFixture(a);
  b = await startServer({ db: a.db, keysFrom: a.dataDir });
});

after(async () => {
  await b?.stop();
  await a?.stop();
});

test('a change made on one instance reaches the live streams of the other, once, within scope', { skip }, async () => {
  const revOnB = await login(b.base, fx.rev.username, fx.rev.password);
  const otherBranchOnB = await login(b.base, fx.h2.username, fx.h2.password); // same branch: sees it
  const streamB = collect(revOnB, 2500);
  const streamA = collect(fx.rev.client, 2500);
  const streamScoped = collect(otherBranchOnB, 2500);
  await new Promise((r) => setTimeout(r, 300)); // streams connected
  const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
  await step(fx.rev.client, c, 'assign', { org_id: fx.branch.id, user_id: fx.h2.user.id });
  const [onB, onA, scoped] = await Promise.all([streamB, streamA, streamScoped]);
  const mine = (evs) => evs.filter((e) => e.event === 'complaint' && e.data.id === c.id).map((e) => e.data.action);
  assert.deepEqual(mine(onA), mine(onB), 'the other instance delivers the same events');
  assert.ok(mine(onB).length >= 2, `registration and assignment relayed: ${JSON.stringify(mine(onB))}`);
  assert.equal(new Set(mine(onA)).size, mine(onA).length, 'no event delivered twice on the instance that made it');
  assert.ok(mine(scoped).length >= 1, 'the branch handler on the other instance sees its branch');
  assert.ok(scoped.some((e) => e.event === 'notification'), 'the assignee is notified on the other instance');
});

test('an institution outside the scope gets nothing from the other instance', { skip }, async () => {
  const { staff } = await import('./lib/fixtures.mjs');
  const outsider = await staff(a, fx.admin, ['handler'], { org_id: fx.branch2.id });
  const onB = await login(b.base, outsider.username, outsider.password);
  const stream = collect(onB, 1500);
  await new Promise((r) => setTimeout(r, 300));
  const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
  const evs = await stream;
  assert.equal(evs.filter((e) => e.event === 'complaint' && e.data.id === c.id).length, 0);
});

test('an instance whose keys dir lacks the database\'s current key refuses to start, saying why', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-keys-'));
  try {
    // Asked for the database's own profile, as a deployment script would: it is refused before it
    // makes a signing key pair of its own (it used to write one, then refuse).
    const profile = process.env.FCMS_TEST_CRYPTO || 'default';
    const r = spawnSync(FCMS_BIN, ['serve', '--listen', '127.0.0.1:1', '--data', dir, '--db', a.db, '--crypto', profile],
      { encoding: 'utf8', timeout: 60000, env: { ...process.env, FCMS_ADMIN_PASSWORD: 'x' } });
    assert.notEqual(r.status, 0, 'it must not serve');
    assert.match(r.stderr, /same keys dir/, r.stderr.slice(-800));
    const signing = fs.readdirSync(path.join(dir, 'keys')).filter((f) => f.startsWith('sign-'));
    assert.deepEqual(signing, [], 'the refused instance wrote no signing key pair');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
