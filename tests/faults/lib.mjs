// Shared parts of the fault-injection tests (tests/faults/*.test.mjs): a burst of complaint
// registrations from several clients that records every answer, and the check of what a SQLite
// data dir holds afterwards, read with the sqlite3 CLI after the server has stopped:
// every acknowledged (201) complaint is there with its audit event and its regulator outbox row,
// no complaint is there without both, and the file passes PRAGMA integrity_check.
// SQLite only: the faults are the SQLite writer's (disk full, refused SAVEPOINT, kill -9).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hasChinese, request, sleep } from '../api/lib/server.mjs';
import { complaintBody } from '../api/lib/complaints.mjs';

export const REQUEST_TIMEOUT_MS = 20000; // an answer later than this counts as a hang

/**
 * Clients register complaints in a loop until stop() is called. Every answer is recorded:
 * {status, id, no, message, at, error} — error is set when there was no HTTP answer at all.
 */
export function burst(client, orgId, clients) {
  const results = [];
  let stopping = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stopping) {
      const at = Date.now();
      try {
        const r = await request(client.base, 'POST', '/api/v1/complaints', { body: complaintBody(orgId),
          headers: client.headers('POST'), timeout: REQUEST_TIMEOUT_MS });
        results.push({ status: r.status, id: r.json?.id, no: r.json?.complaint_no,
          code: r.json?.error?.code, message: r.json?.error?.message, at, ms: Date.now() - at });
      } catch (e) {
        results.push({ status: 0, error: String(e.message || e), at, ms: Date.now() - at });
        if (stopping) break;
        await sleep(50);
      }
    }
  });
  return {
    results,
    async stop() { stopping = true; await Promise.all(loops); return results; },
  };
}

/** Asserts each answer is a 201 with an id or a 5xx whose message is Chinese; returns counts. */
export function checkAnswers(results, what) {
  const by = { total: results.length, created: 0, server_error: 0, other: 0, no_answer: 0, max_ms: 0 };
  for (const r of results) {
    by.max_ms = Math.max(by.max_ms, r.ms);
    if (r.status === 0) by.no_answer++;
    else if (r.status === 201) by.created++;
    else if (r.status >= 500) by.server_error++;
    else by.other++;
  }
  const bad = results.filter((r) => !(r.status === 201 && Number.isInteger(r.id)) &&
    !(r.status >= 500 && r.status < 600 && hasChinese(r.message)));
  assert.deepEqual(bad.slice(0, 5), [], `${what}: every answer is a 201 or a 5xx with a Chinese message ` +
    `(${bad.length} others; counts ${JSON.stringify(by)})`);
  return by;
}

export function sqlite(dbPath, sql) {
  const r = spawnSync('sqlite3', ['-batch', '-noheader', dbPath, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3 ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}

const idSet = (text) => new Set(text ? text.split('\n').map(Number) : []);

/**
 * The store after the run, read from the database file (server stopped). acked: the ids of the
 * complaints whose registration answered 201. Returns the figures checked.
 */
export function checkStore(dbPath, acked, what) {
  assert.equal(sqlite(dbPath, 'PRAGMA integrity_check'), 'ok', `${what}: integrity_check`);
  assert.equal(sqlite(dbPath, 'PRAGMA foreign_key_check'), '', `${what}: foreign_key_check`);
  const stored = idSet(sqlite(dbPath, 'SELECT id FROM complaints ORDER BY id'));
  const audited = idSet(sqlite(dbPath, "SELECT DISTINCT CAST(target_id AS INTEGER) FROM audit_events" +
    " WHERE action = 'complaint.register' AND target_type = 'complaint'"));
  const queued = idSet(sqlite(dbPath, "SELECT DISTINCT complaint_id FROM regulator_submissions WHERE event = 'registered'"));
  const lost = [...acked].filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${what}: acknowledged complaints missing from the database`);
  const noAudit = [...stored].filter((id) => !audited.has(id));
  const noOutbox = [...stored].filter((id) => !queued.has(id));
  const orphanAudit = [...audited].filter((id) => !stored.has(id));
  const orphanOutbox = [...queued].filter((id) => !stored.has(id));
  assert.deepEqual({ noAudit, noOutbox, orphanAudit, orphanOutbox },
    { noAudit: [], noOutbox: [], orphanAudit: [], orphanOutbox: [] },
    `${what}: complaint, audit event and outbox row exist together or not at all`);
  const unacked = [...stored].filter((id) => !acked.has(id));
  return { stored: stored.size, acked: acked.size, audited: audited.size, queued: queued.size,
    unacked: unacked.length };
}

/** Prints one figure line for the report (and the CI log). */
export function figures(what, obj) {
  console.log(`# figures ${what}: ${JSON.stringify(obj)}`);
}
