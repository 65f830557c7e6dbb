// The group-commit writer's SAVEPOINT failing under a burst of complaint registrations (fcms
// issue 10, item 3). The server runs with the test hook FCMS_FAULT_SAVEPOINT_EVERY=N
// (src/store/writer.c): every Nth SAVEPOINT fails, which must fail its whole batch. Every request
// must answer 201 or a 5xx with a Chinese message, none may hang, and the file must hold every
// acknowledged complaint with its audit event and outbox row, and nothing else. The fixture is
// made by a server without the hook (its writes must not fail), then the same data dir is served
// again with it; sessions live in the database, so the clients stay signed in.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, sleep, BACKEND, Client } from '../api/lib/server.mjs';
import { complaintFixture, complaintBody } from '../api/lib/complaints.mjs';
import { burst, checkAnswers, checkStore, figures } from './lib.mjs';

const CLIENTS = 6;
const EVERY = 7;
const DURATION_MS = 6000;

describe('SAVEPOINT failures in the writer under concurrent registrations', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-savepoint-'));
  let srv = null;
  after(async () => {
    if (srv) await srv.stop({ verifyAudit: false }).catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`every ${EVERY}th SAVEPOINT fails: whole batches fail, the rest commit whole`, async () => {
    srv = await startServer({ dataDir });
    const fx = await complaintFixture(srv, { only: ['clerk'] });
    await srv.stop();
    srv = await startServer({ dataDir, env: { FCMS_FAULT_SAVEPOINT_EVERY: String(EVERY) } });
    const clerk = new Client(srv.base, { cookie: fx.clerk.client.cookie, csrf: fx.clerk.client.csrf });

    const b = burst(clerk, fx.branch.id, CLIENTS);
    await sleep(DURATION_MS);
    const results = await b.stop();
    const counts = checkAnswers(results, 'burst');
    assert.equal(counts.no_answer, 0, 'every request got an HTTP answer');
    assert.ok(counts.created > 0 && counts.server_error > 0,
      `both commits and failed batches are expected: ${JSON.stringify(counts)}`);
    const logs = srv.logs();
    const injected = (logs.match(/SAVEPOINT failed by injection/g) || []).length;
    assert.ok(injected > 0, 'the hook fired');

    const acked = new Set(results.filter((r) => r.status === 201).map((r) => r.id));
    await srv.stop(); // exit 0 and `fcms audit-verify` passes (asserted by the harness)
    srv = null;
    const store = checkStore(path.join(dataDir, 'fcms.db'), acked, 'after SAVEPOINT failures');
    assert.equal(store.unacked, 0, 'no complaint is stored whose registration was not acknowledged');
    figures('savepoint', { every: EVERY, ...counts, injected, store });
  });
});
