// Audit verification under traffic (issue 11, M6): GET /audit/verify and `fcms audit-verify` read
// the events and the chain head in one snapshot, so appends committed meanwhile are not taken for
// tampering. 4 concurrent writers make failed logins (each one an audit event) while 10 API
// verifies and 10 CLI verifies run: all 20 must say ok. A real edit is then still caught and its
// seq named. On commit 1207e4e most verifies under load reported "链尾不一致".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import {
  startServer, tryLogin, uid, FCMS_BIN, psql, dropPgDatabase,
} from './lib/server.mjs';
import { adminLogin, staff, roleId, rootOrg, activate } from './lib/fixtures.mjs';

// Like runFcms, but without blocking the event loop (the writers keep writing meanwhile).
function runFcmsAsync(args) {
  return new Promise((resolve) => {
    const p = spawn(FCMS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (b) => { output += b; });
    p.stderr.on('data', (b) => { output += b; });
    p.on('close', (status) => resolve({ status, output }));
  });
}

describe('audit verify while 4 writers append (M6)', () => {
  let srv;
  let auditor;

  before(async () => {
    srv = await startServer({ keep: true });
    const admin = await adminLogin(srv);
    // A server from before the 三员 families (commit 1207e4e) grants at creation: keep this test
    // runnable there, to show the old verifier failing under traffic.
    if ((await admin.ok('GET', '/roles')).items.every((r) => r.family === undefined)) {
      const username = uid('aud_');
      const c = await admin.ok('POST', '/users', { username, name: '审计', org_id: (await rootOrg(admin)).id,
        role_ids: [await roleId(admin, 'audit_admin')] }, 201);
      auditor = (await activate(srv.base, username, c.initial_password)).client;
    } else {
      auditor = (await staff(srv, admin, ['audit_admin'])).client;
    }
  });

  after(() => {
    if (!srv) return;
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
    if (srv.dbName) dropPgDatabase(srv.dbName);
  });

  it('10 of 10 API verifies and 10 of 10 CLI verifies say ok while 4 writers make failed logins', async () => {
    // A chain long enough that one verify takes a while (the window in which the old verifier
    // saw an append as a forged tail grows with it).
    const t0 = Date.now();
    let total = (await auditor.ok('GET', '/audit?page_size=1')).total;
    while (total < 300 && Date.now() - t0 < 45000) {
      await Promise.all(Array.from({ length: 16 }, (_, n) => tryLogin(srv.base, uid(`pump${n}_`), 'Wrong-password-1!')));
      total = (await auditor.ok('GET', '/audit?page_size=1')).total;
    }
    let running = true;
    let writes = 0;
    const writer = async (n) => {
      while (running) {
        const r = await tryLogin(srv.base, uid(`nobody${n}_`), 'Wrong-password-1!');
        // 429 once this address has sprayed enough names (M1): still one audit event each
        assert.ok([401, 429].includes(r.status), r.text);
        writes++;
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    const results = [];
    try {
      // Let the writers get going first.
      while (writes < 8) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 10; i++) {
        const before = writes;
        const [api, cli] = await Promise.all([
          auditor.ok('GET', '/audit/verify'),
          runFcmsAsync(['audit-verify', '--data', srv.dataDir, ...srv.dbArgs]),
        ]);
        results.push({ api, cli, during: writes - before });
      }
    } finally {
      running = false;
      await Promise.all(writers);
    }
    console.log(`# chain ${total} events before; ${writes} failed logins during 10+10 verifies`);
    const bad = results.filter((x) => !x.api.ok || x.cli.status !== 0)
      .map((x) => `api ${JSON.stringify(x.api)} / cli ${x.cli.status} ${x.cli.output.trim()}`);
    assert.deepEqual(bad, [], 'every verify under traffic is ok');
    assert.ok(results.filter((x) => x.during > 0).length >= 5, `writes went on during most verifies: ${results.map((x) => x.during)}`);
    // Events grew between verifies: they really ran against a moving chain.
    assert.ok(results.at(-1).api.events > results[0].api.events, 'the chain grew during the run');
  });

  it('a real edit is still caught and its seq named (fcms audit-verify)', async () => {
    await srv.stop({ verifyAudit: true, keep: true });
    const k = 3;
    if (srv.db) {
      psql(srv.db, 'ALTER TABLE audit_events DISABLE TRIGGER ALL');
      for (const r of psql(srv.db, "SELECT rulename FROM pg_rules WHERE tablename = 'audit_events'").split('\n').filter(Boolean)) {
        psql(srv.db, `DROP RULE ${r} ON audit_events`);
      }
      psql(srv.db, `UPDATE audit_events SET detail = '{"tampered":true}' WHERE seq = ${k}`);
    } else {
      const file = path.join(srv.dataDir, 'fcms.db');
      const sql = (q) => {
        const r = spawnSync('sqlite3', ['-batch', '-bail', file, q], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      for (const t of sql("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_events'").split('\n').filter(Boolean)) {
        sql(`DROP TRIGGER "${t}"`);
      }
      sql(`UPDATE audit_events SET detail = '{"tampered":true}' WHERE seq = ${k}`);
    }
    const r = await runFcmsAsync(['audit-verify', '--data', srv.dataDir, ...srv.dbArgs]);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`(^|[^0-9])${k}([^0-9]|$)`), `names seq ${k}: ${r.output}`);
    assert.match(r.output, /被修改|哈希不匹配/, r.output);
  });
});
