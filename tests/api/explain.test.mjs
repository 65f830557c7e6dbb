// The plans of the queries staff run all day, at 100k complaints (issue 13): the to-do, the
// complaint list with every filter alone and the common combinations, for users at the four
// scope levels (head office, province branch, city branch, sub-branch). The server runs with
// FCMS_EXPLAIN_LOG (store/db.c), which writes the plan of every read of the complaints table —
// SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN, with the values bound — and the test fails on a
// full scan of complaints. On SQLite the seeded data dir is cached under build/explain-cache,
// keyed by the migrations and the seed generator; on PostgreSQL it is seeded afresh each run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, FCMS_BIN, PG_URL, BACKEND, createPgDatabase, dropPgDatabase, psql, startServer, login } from './lib/server.mjs';
import { adminLogin, staff } from './lib/fixtures.mjs';

const N = Number(process.env.FCMS_EXPLAIN_COMPLAINTS || 100000);
const DEMO_PASSWORD = 'Demo@2026fcms';

// A release build seeds several times faster than the sanitizer build; use it when it is as new
// as the sources it was built from (else the sanitizer build under test).
function seedBinary() {
  const rel = path.join(REPO, 'build/fcms');
  try {
    const relTime = fs.statSync(rel).mtimeMs;
    const newest = ['src/store/migrations/SHA256SUMS', 'src/demo/seed.c']
      .map((f) => fs.statSync(path.join(REPO, f)).mtimeMs);
    if (newest.every((t) => t <= relTime)) return rel;
  } catch { /* no release build */ }
  return FCMS_BIN;
}

function seed(dataDir, dbArgs) {
  const r = spawnSync(seedBinary(), ['seed-demo', '--data', dataDir, ...dbArgs, '--complaints', String(N)],
    { encoding: 'utf8', timeout: 600000, env: { ...process.env, FCMS_ADMIN_PASSWORD: 'Fcms#Test-Root-2026' } });
  assert.equal(r.status, 0, `seed-demo: ${r.status} ${r.stderr}`);
}

// The seeded data, cached under build/explain-cache/<key> (key: the migrations and the seed
// generator): on SQLite the data dir; on PostgreSQL the data dir (its PII keys) and a pg_dump of
// the database, restored into a fresh database (restoring takes seconds, seeding minutes).
// Returns {dataDir (a fresh copy), db (PostgreSQL URL or null), dbName}.
const PG_BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
function seeded() {
  const key = crypto.createHash('sha256')
    .update(fs.readFileSync(path.join(REPO, 'src/store/migrations/SHA256SUMS')))
    .update(fs.readFileSync(path.join(REPO, 'src/demo/seed.c')))
    .digest('hex').slice(0, 16);
  const cache = path.join(REPO, 'build/explain-cache', `${BACKEND}-${key}`);
  const dump = path.join(cache, 'pg.dump');
  let fresh = null;
  if (!fs.existsSync(path.join(cache, 'ok'))) {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.mkdirSync(path.join(cache, 'data'), { recursive: true });
    if (PG_URL) {
      fresh = createPgDatabase();
      seed(path.join(cache, 'data'), ['--db', fresh.url]);
      const r = spawnSync(path.join(PG_BIN, 'pg_dump'), ['-Fc', '-f', dump, fresh.url], { encoding: 'utf8' });
      assert.equal(r.status, 0, `pg_dump: ${r.stderr}`);
    } else {
      seed(path.join(cache, 'data'), []);
    }
    fs.writeFileSync(path.join(cache, 'ok'), '');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-explain-'));
  fs.cpSync(path.join(cache, 'data'), dataDir, { recursive: true });
  if (!PG_URL) return { dataDir, db: null, dbName: null };
  if (!fresh) {
    fresh = createPgDatabase();
    const r = spawnSync(path.join(PG_BIN, 'pg_restore'), ['--no-owner', '-d', fresh.url, dump], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pg_restore: ${r.stderr}`);
  }
  psql(fresh.url, 'ANALYZE'); // as autovacuum would after a bulk load
  return { dataDir, db: fresh.url, dbName: fresh.name };
}

// A full scan of complaints in one plan, or null. SQLite: "SCAN c" / "SCAN complaints" without
// an index, or a whole covering index that is not one of the partial indexes of open work
// (migration 0018). PostgreSQL: a sequential scan of complaints.
function fullScan(plan) {
  for (const line of plan.split('\n')) {
    if (BACKEND === 'postgresql') {
      if (/Seq Scan on complaints\b/.test(line)) return line.trim();
    } else {
      const m = /SCAN (c|complaints)\b(.*)$/.exec(line);
      if (!m) continue;
      if (!/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(m[2])) return line.trim();
      if (/USING COVERING INDEX/.test(m[2]) && !/complaints_open_/.test(m[2])) return line.trim();
    }
  }
  return null;
}

// The list filters alone and in the common combinations (query strings).
function listQueries(orgId) {
  const alone = [
    '', 'status=registered', 'status=processing', 'status=closed', 'status=withdrawn',
    'from=2026-01-01&to=2026-11-30', 'from=2026-11-01', 'to=2025-06-30',
    'cause_code=C01', 'business_type_code=B01', 'business_channel_code=A01', 'source_channel=phone',
    'region_code=44', 'tag=重复投诉', 'right=R01', 'counted=true', 'open=true',
    `org_id=${orgId}`, `complained_org_id=${orgId}`, 'handler=me', 'mine=true', 'overdue=true',
    'deadline_state=due_soon', 'q=信用卡', 'q=还款', 'q=张', 'q=TS20260101000001', 'complaint_no=TS2026',
    'sort=due',
  ];
  const combos = [
    'status=closed&from=2026-01-01&to=2026-11-30', 'status=processing&overdue=true',
    'status=processing&handler=me', 'q=信用卡&status=closed', 'q=信用卡&from=2026-01-01&to=2026-11-30',
    'cause_code=C01&from=2026-01-01&to=2026-11-30', `org_id=${orgId}&status=closed`,
    'open=true&sort=due', 'source_channel=phone&status=closed', 'overdue=true&sort=due',
  ];
  return [...alone, ...combos];
}

test(`EXPLAIN at ${N / 1000}k complaints: no full scan of complaints for the to-do and the list at four scope levels (${BACKEND})`,
  { timeout: 900000 }, async () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-explain-log-')), 'plans.txt');
    const data = seeded();
    const srv = await startServer({ dataDir: data.dataDir, db: data.db, env: { FCMS_EXPLAIN_LOG: log }, verifyAudit: false });
    try {
      const admin = await adminLogin(srv);
      const orgs = (await admin.ok('GET', '/institutions')).items || [];
      const city = orgs.find((o) => o.name === '广州市分行');
      assert.ok(city, 'the demo has 广州市分行');
      const sub = orgs.find((o) => o.parent_id === city.id);
      assert.ok(sub, 'a sub-branch under 广州市分行');
      const subHandler = await staff(srv, admin, ['handler'], { org_id: sub.id });
      const users = [
        ['head office, all (reviewer)', await login(srv.base, 'xiaobao1', DEMO_PASSWORD)],
        ['head office, subtree of the root (handler)', await login(srv.base, 'hq_handler', DEMO_PASSWORD)],
        ['province branch', await login(srv.base, 'GD00_handler', DEMO_PASSWORD)],
        ['city branch', await login(srv.base, 'GD01_handler', DEMO_PASSWORD)],
        ['city branch, own institution (registrar)', await login(srv.base, 'GD01_registrar', DEMO_PASSWORD)],
        ['sub-branch', subHandler.client],
      ];
      let requests = 0;
      for (const [, client] of users) {
        await client.ok('GET', '/todo');
        requests++;
        for (const q of listQueries(sub.id)) {
          const r = await client.get(encodeURI(`/complaints?${q}${q ? '&' : ''}page_size=20`));
          assert.equal(r.status, 200, `${q}: ${r.status} ${r.text}`);
          requests++;
        }
        for (const q of ['status=closed', 'q=信用卡', '']) { // deeper pages
          const r = await client.get(encodeURI(`/complaints?${q}${q ? '&' : ''}page=3&page_size=20`));
          assert.equal(r.status, 200);
          requests++;
        }
      }
      const text = fs.readFileSync(log, 'utf8');
      const plans = text.split('\nSQL ').filter((p) => p.trim());
      assert.ok(plans.length >= requests, `plans were logged (${plans.length} for ${requests} requests)`);
      assert.ok(plans.some((p) => /complaints_open_/.test(p)) || BACKEND === 'postgresql',
        'the to-do reads the partial indexes of open work');
      const bad = [];
      for (const p of plans) {
        // The report index loads the whole table once at start (report/facts.c), by design.
        if (/^(SQL )?SELECT c\.id, .* FROM complaints c ORDER BY c\.id\n/.test(p)) continue;
        const scan = fullScan(p);
        const msg = `${scan}\n  in: ${p.split('\n')[0].replace(/^SQL /, '')}`;
        if (scan && !bad.includes(msg)) bad.push(msg);
      }
      assert.equal(bad.length, 0, `full scans of complaints:\n${bad.join('\n')}`);
    } finally {
      await srv.stop({ verifyAudit: false });
      fs.rmSync(data.dataDir, { recursive: true, force: true });
      if (data.dbName) dropPgDatabase(data.dbName);
      fs.rmSync(path.dirname(log), { recursive: true, force: true });
    }
  });
