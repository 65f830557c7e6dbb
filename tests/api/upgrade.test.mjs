// Upgrades from earlier releases (issue 10, item 8): a database created and filled by an earlier
// fcms binary is served by this one. Each earlier release is built from git by
// tests/upgrade/build-old.sh; it creates the database and seeds the demo bank, then this build
// starts on the same data: its migrations must apply, the schema must equal a new database's,
// every complaint must still be there and readable (identities unmask with the old keys), new
// complaints and ledger exports (report_exports.heartbeat_at) must work, and the audit chain
// must verify. Runs on SQLite and, under tests/run-api.sh's second pass, on PostgreSQL.
//
// The releases: 7a719ac (migration 0009 as first landed, before heartbeat_at), d7175b3 (0011 as
// first landed, before bulk_load_indexes) and 1207e4e (the release before the freeze).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, login, PG_URL, createPgDatabase, dropPgDatabase, psql, runFcms, ADMIN_PASSWORD, sleep } from './lib/server.mjs';
import { createComplaint } from './lib/complaints.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RELEASES = ['7a719ac', 'd7175b3', '1207e4e'];
const DEMO_PASSWORD = 'Demo@2026fcms';
const N = 150;
let binaries = {};

before(() => {
  const r = spawnSync('bash', [path.join(ROOT, 'tests/upgrade/build-old.sh'), ...RELEASES],
    { encoding: 'utf8', timeout: 600000 });
  assert.equal(r.status, 0, `building the earlier releases failed:\n${r.stdout}\n${r.stderr}`);
  const paths = r.stdout.trim().split('\n');
  RELEASES.forEach((c, i) => { binaries[c] = paths[i]; });
});

function runOld(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 300000,
    env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  assert.equal(r.status, 0, `${path.basename(path.dirname(bin))} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
}

// Columns of every table, and the names of indexes and triggers: one comparable text. (A virtual
// table is named only: the sqlite3 shell cannot open complaints_bigram, whose tokenizer is
// fcms's own, src/store/fts_bigram.c; its shadow tables carry its columns.)
function schemaShape(dataDir, dbUrl) {
  if (dbUrl) {
    return [
      psql(dbUrl, `SELECT table_name || ' ' || string_agg(column_name || ':' || data_type, ',' ORDER BY column_name)
                   FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name`),
      psql(dbUrl, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
      psql(dbUrl, `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
    ].join('\n');
  }
  const r = spawnSync('sqlite3', [path.join(dataDir, 'fcms.db'),
    `SELECT m.type, m.name, CASE WHEN m.type <> 'table' OR m.sql LIKE 'CREATE VIRTUAL TABLE%' THEN ''
       ELSE (SELECT COALESCE(group_concat(c.name || ':' || c.type, ','), '') FROM pragma_table_info(m.name) c) END
       FROM sqlite_master m
      WHERE m.name NOT LIKE 'sqlite_%' AND m.type IN ('table', 'index', 'trigger')
      ORDER BY m.type, m.name`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function freshStore() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-upgrade-'));
  const pg = PG_URL ? createPgDatabase() : null;
  return { dataDir, pg, dbArgs: pg ? ['--db', pg.url] : [] };
}

function dropStore(s) {
  fs.rmSync(s.dataDir, { recursive: true, force: true });
  if (s.pg) dropPgDatabase(s.pg.name);
}

let wantShape;
function currentShape() {
  if (wantShape) return wantShape;
  const s = freshStore();
  try {
    const r = runFcms(['init', '--data', s.dataDir, ...s.dbArgs]);
    assert.equal(r.status, 0, r.output);
    wantShape = schemaShape(s.dataDir, s.pg?.url);
  } finally {
    dropStore(s);
  }
  return wantShape;
}

for (const release of RELEASES) {
  test(`upgrade: a database of release ${release} is served by this build`, async () => {
    const s = freshStore();
    const old = binaries[release];
    runOld(old, ['init', '--data', s.dataDir, ...s.dbArgs]);
    runOld(old, ['seed-demo', '--data', s.dataDir, ...s.dbArgs, '--complaints', String(N), '--seed', '7']);

    // An old database is default; it moves to gm only through `fcms keys rotate --to gm`.
    const srv = await startServer({ dataDir: s.dataDir, db: s.pg?.url || undefined, keep: true, crypto: false });
    try {
      assert.equal(schemaShape(s.dataDir, s.pg?.url), currentShape(), 'schema after the upgrade equals a new database');

      const xiaobao = await login(srv.base, 'xiaobao1', DEMO_PASSWORD);
      const list = await xiaobao.ok('GET', '/complaints?page_size=5');
      assert.equal(list.total, N, 'every complaint of the earlier release is there');
      const one = list.items[0];
      const identity = await xiaobao.ok('GET', `/complaints/${one.id}/complainant`);
      assert.ok(typeof identity.name === 'string' && identity.name.length > 0 && !identity.name.includes('*'),
        `identity sealed by the earlier release opens: ${JSON.stringify(identity).slice(0, 300)}`);
      assert.match(identity.phone, /^1\d{10}$/, 'the full phone number opens');

      const registrar = await login(srv.base, 'hq_registrar', DEMO_PASSWORD);
      await createComplaint(registrar, registrar.user.org_id);
      assert.equal((await xiaobao.ok('GET', '/complaints?page_size=1')).total, N + 1);

      const tongji = await login(srv.base, 'tongji', DEMO_PASSWORD);
      const created = await tongji.ok('POST', '/report-exports', {}, 202);
      let job = created;
      for (let i = 0; i < 300 && !['done', 'failed'].includes(job.status); i++) {
        await sleep(100);
        job = await tongji.ok('GET', `/report-exports/${created.id}`);
      }
      assert.equal(job.status, 'done', `ledger export after the upgrade: ${JSON.stringify(job)}`);
    } finally {
      await srv.stop(); // asserts a clean exit and `fcms audit-verify` exit 0
      dropStore(s);
    }
  });
}
