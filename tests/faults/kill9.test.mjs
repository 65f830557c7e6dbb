// kill -9 of `fcms serve` while four clients register complaints, three rounds on the same
// SQLite data dir (fcms issue 10, item 3). After each kill: no acknowledged (201) complaint is
// lost, each stored complaint has its audit event and outbox row, `fcms audit-verify` accepts the
// chain and PRAGMA integrity_check is ok; then the server starts again on the same files.
// Requests cut by the kill get no answer; a complaint committed just before the kill may be
// stored without its 201 (the reply never left): counted, not an error.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { startServer, sleep, BACKEND, Client, runFcms } from '../api/lib/server.mjs';
import { complaintFixture } from '../api/lib/complaints.mjs';
import { burst, checkStore, figures } from './lib.mjs';

const CLIENTS = 4;
const ROUNDS = 3;

describe('kill -9 during concurrent registrations', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-kill9-'));
  let srv = null;
  after(async () => {
    if (srv && srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds of ${CLIENTS} writers killed mid-burst: nothing acknowledged is lost`, async () => {
    srv = await startServer({ dataDir });
    const fx = await complaintFixture(srv, { only: ['clerk'] });
    const acked = new Set();
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) srv = await startServer({ dataDir });
      const clerk = new Client(srv.base, { cookie: fx.clerk.client.cookie, csrf: fx.clerk.client.csrf });
      const b = burst(clerk, fx.branch.id, CLIENTS);
      // Kill at a random moment once writes are flowing.
      const t0 = Date.now();
      while (b.results.filter((r) => r.status === 201).length < 10 && Date.now() - t0 < 20000) await sleep(20);
      await sleep(500 + crypto.randomInt(0, 1500));
      const exited = new Promise((r) => srv.child.once('exit', (code, signal) => r({ code, signal })));
      srv.child.kill('SIGKILL');
      const how = await exited;
      assert.equal(how.signal, 'SIGKILL');
      const results = await b.stop();
      const bad = results.filter((r) => r.status !== 0 && r.status !== 201);
      assert.deepEqual(bad.map((r) => `${r.status} ${r.message}`), [], 'before the kill every registration succeeds');
      for (const r of results) if (r.status === 201) acked.add(r.id);

      const v = runFcms(['audit-verify', '--data', dataDir]);
      assert.equal(v.status, 0, `audit-verify after kill ${round}: ${v.output}`);
      const store = checkStore(path.join(dataDir, 'fcms.db'), acked, `after kill ${round}`);
      rounds.push({ round, requests: results.length, created: results.filter((r) => r.status === 201).length,
        cut: results.filter((r) => r.status === 0).length, acked_total: acked.size, ...store,
        audit_verify: v.stdout.trim().split('\n').pop() });
    }
    srv = null;
    figures('kill9', rounds);
  });
});
