// Offline tampering with the audit chain (checklist AUD-3): edit a detail, delete a row, insert a
// row, swap two rows' seq — each on its own copy — and `fcms audit-verify` must exit non-zero and
// name the first bad seq; the untouched copy verifies (exit 0). The server's own /audit/verify
// must agree on the first bad seq.
// Works on SQLite (sqlite3 CLI on DATA/fcms.db) and PostgreSQL (psql on a TEMPLATE copy).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  startServer, runFcms, psql, createPgDatabase, dropPgDatabase, PG_URL, login,
} from './lib/server.mjs';
import { adminLogin, rootOrg, createOrg, staff } from './lib/fixtures.mjs';

const TABLE = 'audit_events';

function sqlite(file, sql) {
  const r = spawnSync('sqlite3', ['-batch', '-bail', file, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${sql}\n${r.stderr}`);
  return r.stdout;
}

describe('audit tamper detection (offline)', () => {
  let srv;
  let auditor;
  let seqs;
  const copies = [];

  before(async () => {
    srv = await startServer({ keep: true });
    const admin = await adminLogin(srv);
    const root = await rootOrg(admin);
    const aud = await staff(srv, admin, ['audit_admin'], { org_id: root.id });
    auditor = { username: aud.username, password: aud.password };
    for (let i = 0; i < 6; i++) {
      const o = await createOrg(admin, root.id, { type: 'branch' });
      await admin.ok('PATCH', `/institutions/${o.id}`, { name: `改名${i}` });
    }
    await srv.stop(); // asserts exit 0 and that audit-verify passes on the untouched store
  });

  after(() => {
    for (const c of copies) {
      fs.rmSync(c.dataDir, { recursive: true, force: true });
      if (c.dbName) dropPgDatabase(c.dbName);
    }
    if (srv) {
      fs.rmSync(srv.dataDir, { recursive: true, force: true });
      if (srv.dbName) dropPgDatabase(srv.dbName);
    }
  });

  // A fresh copy of the stopped store: data dir (keys etc.) plus database.
  function copy({ keepGuards = false } = {}) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-tamper-'));
    fs.cpSync(srv.dataDir, dataDir, { recursive: true });
    const c = { dataDir, db: null, dbName: null };
    if (PG_URL) {
      const d = createPgDatabase(srv.dbName);
      c.db = d.url;
      c.dbName = d.name;
    }
    c.dbArgs = c.db ? ['--db', c.db] : [];
    c.sql = (sql) => (c.db ? psql(c.db, sql) : sqlite(path.join(dataDir, 'fcms.db'), sql));
    // Offline tampering by someone with file/DB access: append-only guards are removed first.
    if (keepGuards) {
      // as is
    } else if (c.db) {
      c.sql(`ALTER TABLE ${TABLE} DISABLE TRIGGER ALL`);
      const rules = c.sql(`SELECT rulename FROM pg_rules WHERE tablename = '${TABLE}'`).split('\n').filter(Boolean);
      for (const r of rules) c.sql(`DROP RULE ${r} ON ${TABLE}`);
    } else {
      const trg = c.sql(`SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${TABLE}'`).split('\n').filter(Boolean);
      for (const t of trg) c.sql(`DROP TRIGGER "${t}"`);
    }
    copies.push(c);
    return c;
  }

  function verify(c) {
    return runFcms(['audit-verify', '--data', c.dataDir, ...c.dbArgs]);
  }

  function assertNamesSeq(out, expected, scenario) {
    const ok = expected.some((s) => new RegExp(`(^|[^0-9])${s}([^0-9]|$)`).test(out));
    assert.ok(ok, `${scenario}: output names seq ${expected.join(' or ')}:\n${out}`);
  }

  it('the table has the expected columns and enough rows', () => {
    const c = copy();
    const cols = c.db
      ? c.sql(`SELECT column_name FROM information_schema.columns WHERE table_name='${TABLE}' ORDER BY ordinal_position`)
      : c.sql(`SELECT name FROM pragma_table_info('${TABLE}')`);
    const names = cols.split('\n').map((s) => s.trim()).filter(Boolean);
    for (const k of ['seq', 'at', 'actor', 'action', 'detail', 'prev_hash', 'hash']) assert.ok(names.includes(k), `column ${k} in ${names}`);
    seqs = c.sql(`SELECT seq FROM ${TABLE} ORDER BY seq`).split('\n').filter(Boolean).map(Number);
    assert.ok(seqs.length >= 15, `≥15 events, got ${seqs.length}`);
  });

  it('[checklist AUD-2] UPDATE and DELETE on audit_events are refused by the database', () => {
    const c = copy({ keepGuards: true });
    const k = seqs[1];
    assert.throws(() => c.sql(`UPDATE ${TABLE} SET detail = '{}' WHERE seq = ${k}`), /./, 'UPDATE refused');
    assert.throws(() => c.sql(`DELETE FROM ${TABLE} WHERE seq = ${k}`), /./, 'DELETE refused');
  });

  it('untouched copy: audit-verify exits 0', () => {
    const c = copy();
    const r = verify(c);
    assert.equal(r.status, 0, r.output);
  });

  const mid = () => seqs[Math.floor(seqs.length / 2)];

  it('edited detail → non-zero exit naming that seq; /audit/verify agrees', async () => {
    const c = copy();
    const k = mid();
    c.sql(`UPDATE ${TABLE} SET detail = '{"tampered":true}' WHERE seq = ${k}`);
    assert.match(c.sql(`SELECT detail FROM ${TABLE} WHERE seq = ${k}`), /tampered/);
    const r = verify(c);
    assert.notEqual(r.status, 0, `tampered detail must fail:\n${r.output}`);
    assertNamesSeq(r.output, [k], 'edited detail');
    // The running server's verifier reports the same first bad seq.
    const s2 = await startServer({ dataDir: c.dataDir, db: c.db, verifyAudit: false, keep: true });
    try {
      const a = await login(s2.base, auditor.username, auditor.password);
      const v = await a.ok('GET', '/audit/verify');
      assert.equal(v.ok, false);
      assert.equal(v.first_bad_seq, k);
      assert.equal(typeof v.reason, 'string');
    } finally {
      await s2.stop({ verifyAudit: false, keep: true });
    }
  });

  it('edited actor (one byte) → non-zero exit naming that seq', () => {
    const c = copy();
    const k = seqs[3];
    c.sql(`UPDATE ${TABLE} SET actor = COALESCE(actor, '') || 'x' WHERE seq = ${k}`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k], 'edited actor');
  });

  it('deleted row → non-zero exit naming the gap', () => {
    const c = copy();
    const k = mid();
    c.sql(`DELETE FROM ${TABLE} WHERE seq = ${k}`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k, k + 1], 'deleted row');
  });

  it('inserted row → non-zero exit naming it', () => {
    const c = copy();
    const last = seqs[seqs.length - 1];
    const k = last + 1;
    c.sql(`INSERT INTO ${TABLE} (seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail, prev_hash, hash)
           SELECT ${k}, at + 1, actor_id, actor, ip, action, target_type, target_id, result, detail, hash, hash
           FROM ${TABLE} WHERE seq = ${last}`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k], 'inserted row');
  });

  it('row inserted in the middle (seq shifted) → non-zero exit naming it', () => {
    const c = copy();
    const k = mid();
    const shift = 1000000;
    // Open a hole at k by moving the tail up, then put a forged copy of k-1 into it.
    c.sql(`UPDATE ${TABLE} SET seq = seq + ${shift} WHERE seq >= ${k}`);
    c.sql(`UPDATE ${TABLE} SET seq = seq - ${shift} + 1 WHERE seq >= ${k + shift}`);
    c.sql(`INSERT INTO ${TABLE} (seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail, prev_hash, hash)
           SELECT ${k}, at, actor_id, actor, ip, action, target_type, target_id, result, detail, hash, hash
           FROM ${TABLE} WHERE seq = ${k - 1}`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k], 'inserted in the middle');
  });

  it('two rows with swapped seq → non-zero exit naming the first', () => {
    const c = copy();
    const k = mid();
    c.sql(`UPDATE ${TABLE} SET seq = 999999999 WHERE seq = ${k}`);
    c.sql(`UPDATE ${TABLE} SET seq = ${k} WHERE seq = ${k + 1}`);
    c.sql(`UPDATE ${TABLE} SET seq = ${k + 1} WHERE seq = 999999999`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k], 'swapped rows');
  });

  it('edited action of an early row → non-zero exit naming that seq', () => {
    const c = copy();
    const k = seqs[2];
    c.sql(`UPDATE ${TABLE} SET action = action || '.x' WHERE seq = ${k}`);
    const r = verify(c);
    assert.notEqual(r.status, 0, r.output);
    assertNamesSeq(r.output, [k], 'edited action');
  });
});
