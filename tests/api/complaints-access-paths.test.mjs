// Issue 13: a list page is served by one of three access paths on SQLite (store/complaint_list.c;
// on PostgreSQL the scope's union or the planner's plan, tested below):
// the caller's scope drives (a small scope), the matches are found by the filters' indexes and
// sorted, or the order's index is walked. The choice depends on counts, so at test sizes some
// paths would never run. FCMS_TEST_LIST_PATH forces each one (or, small-bounds, makes the
// test's scopes count as large ones: the server's choice among large scopes); every path must
// give the same pages and totals as the server's own choice, for every scope level, filter, sort
// and page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FCMS_BIN, BACKEND, startServer, login, runFcms, psql, createPgDatabase, dropPgDatabase } from './lib/server.mjs';

const DEMO_PASSWORD = 'Demo@2026fcms';
const USERS = ['xiaobao1', 'hq_handler', 'tongji', 'GD00_handler', 'GD01_handler', 'GD01_registrar', 'GD0101_handler'];

const daysAgo = (n) => new Date(Date.now() + 8 * 3600000 - n * 86400000).toISOString().slice(0, 10);

function queries() {
  const filters = ['', 'status=closed', 'status=processing', 'status=registered', 'source_channel=phone',
    'business_type_code=B03', 'cause_code=C03', 'tag=regulator', 'right=R04', 'deadline_state=overdue',
    'deadline_state=on_time', 'open=true', 'overdue=true', 'counted=true', 'from=2026-06-01&to=2026-11-30',
    'from=2026-11-01', 'to=2025-06-30', 'status=closed&from=2026-01-01&to=2026-11-30',
    'cause_code=C03&from=2026-01-01', 'tag=repeat&status=processing', 'mine=true', 'handler=me&open=true',
    'q=信用卡', 'q=年费&status=closed', 'status=nonexistent', 'cause_code=C99',
    'complained_org_id=2', 'complained_org_id=3&status=closed&from=2026-01-01',
    // an institution's subtree with dates or a status: for a scope too large to drive, a small
    // subtree finds the rows and the dates and status only test them (small-bounds)
    'org_id=4&from=2026-01-01&cause_code=C03', 'org_id=3&status=closed', 'org_id=2&status=processing&from=2026-06-01',
    // the last few days: one page holds every match, the complaints without a deadline too
    `from=${daysAgo(5)}`,
    // few matches over many days: by deadline, sorted (or driven by a large scope: small-bounds)
    `status=closed&from=${daysAgo(60)}`];
  const out = [];
  for (const f of filters)
    for (const sort of ['', 'sort=due'])
      for (const page of ['page=1&page_size=20', 'page=3&page_size=7'])
        out.push([f, sort, page].filter(Boolean).join('&'));
  return out;
}

// The caller's own complaints outside the scope, handled (a sub-branch handler: subtree) and
// registered (a city registrar: one institution), of every status and filter: the scope's page
// reads them apart from the scope's index entries (scope_union). SQLite and PostgreSQL.
const BEND_OWN_SQL = `
  UPDATE complaints SET handler_id = (SELECT id FROM users WHERE username = 'GD0101_handler')
    WHERE id IN (SELECT id FROM complaints WHERE org_path NOT LIKE (SELECT i.path || '%' FROM users u
      JOIN institutions i ON i.id = u.org_id WHERE u.username = 'GD0101_handler') ORDER BY (id * 7919) % 1009 LIMIT 60);
  UPDATE complaints SET registrar_id = (SELECT id FROM users WHERE username = 'GD01_registrar')
    WHERE id IN (SELECT id FROM complaints WHERE org_path <> (SELECT i.path FROM users u
      JOIN institutions i ON i.id = u.org_id WHERE u.username = 'GD01_registrar') ORDER BY (id * 104729) % 1013 LIMIT 60);`;
const MODES = ['chosen', 'scope', 'sort', 'walk', 'small-bounds'];

// Every user's answer to every query, on a server started with opts under the forced path mode.
async function answersOf(opts, mode) {
  const srv = await startServer({ ...opts, verifyAudit: false, env: mode === 'chosen' ? {} : { FCMS_TEST_LIST_PATH: mode } });
  const out = {};
  try {
    for (const u of USERS) {
      const client = await login(srv.base, u, DEMO_PASSWORD);
      for (const q of queries()) {
        const res = await client.get(encodeURI(`/complaints?${q}`));
        assert.equal(res.status, 200, `${mode} ${u} ${q}: ${res.status} ${res.text}`);
        out[`${u} ${q}`] = { ids: res.json.items.map((c) => c.id).join(','), total: res.json.total,
          capped: res.json.total_capped };
      }
    }
  } finally {
    await srv.stop();
  }
  return out;
}

function assertSameAnswers(answers) {
  const keys = Object.keys(answers.chosen);
  assert.ok(keys.length >= USERS.length * 100, `${keys.length} requests per path`);
  let nonEmpty = 0;
  for (const k of keys) {
    if (answers.chosen[k].ids) nonEmpty++;
    for (const mode of Object.keys(answers).filter((m) => m !== 'chosen'))
      assert.deepEqual(answers[mode][k], answers.chosen[k], `${mode} path differs for ${k}`);
  }
  // The comparison means something only if most pages hold rows.
  assert.ok(nonEmpty > keys.length / 2, `${nonEmpty} of ${keys.length} pages hold rows`);
}

test('every access path gives the same pages and totals (scope drives, sorted matches, order walk)',
  { skip: BACKEND === 'postgresql' && 'the paths are SQLite plans (PostgreSQL plans with its own statistics)', timeout: 600000 },
  async () => {
    const seedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-paths-'));
    const r = spawnSync(FCMS_BIN, ['seed-demo', '--data', seedDir, '--complaints', '3000', '--seed', '7'],
      { encoding: 'utf8', timeout: 300000, env: { ...process.env, FCMS_ADMIN_PASSWORD: 'Fcms#Test-Root-2026' } });
    assert.equal(r.status, 0, `seed-demo: ${r.stderr}`);
    // A walk in deadline order from a date starts at the range's earliest possible deadline
    // (migration sqlite/0035's floor). An import takes due_at as given: some deadlines before
    // their receipt, some complaints without one (last in that order), in the ranges asked.
    const bent = spawnSync('sqlite3', [path.join(seedDir, 'fcms.db'), `
      UPDATE complaints SET due_at = received_at - 40 * 86400000 WHERE id IN (SELECT id FROM complaints
        WHERE received_at >= unixepoch('2026-06-01') * 1000 AND status <> 'draft' ORDER BY id LIMIT 6);
      UPDATE complaints SET due_at = NULL WHERE id IN (SELECT id FROM complaints
        WHERE received_at >= unixepoch('2026-01-01') * 1000 AND status <> 'draft' ORDER BY id DESC LIMIT 9);
      ${BEND_OWN_SQL}
      SELECT min_gap FROM complaint_due_floor;`], { encoding: 'utf8' });
    assert.equal(bent.status, 0, `sqlite3: ${bent.stderr}`);
    assert.ok(Number(bent.stdout) <= -40 * 86400000, `the floor follows a deadline before receipt: ${bent.stdout}`);
    const answers = {};
    for (const mode of MODES) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `fcms-paths-${mode}-`));
      fs.cpSync(seedDir, dataDir, { recursive: true });
      answers[mode] = await answersOf({ dataDir, db: false }, mode);
    }
    assertSameAnswers(answers);
  });

// On PostgreSQL the planner picks the paths, except that a scope small enough to drive is read
// from its index entries (scope_union): forced (scope), never (walk), or chosen by the counts.
test('PostgreSQL: the scope read from its index gives the pages and totals of the planner\'s plans',
  { skip: BACKEND !== 'postgresql' && 'PostgreSQL only', timeout: 600000 },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-paths-pg-'));
    const db = createPgDatabase();
    try {
      const r = runFcms(['seed-demo', '--data', dataDir, '--db', db.url, '--complaints', '3000', '--seed', '7'],
        { timeout: 300000 });
      assert.equal(r.status, 0, `seed-demo: ${r.output}`);
      psql(db.url, BEND_OWN_SQL);
      const answers = {};
      for (const mode of ['chosen', 'scope', 'walk', 'small-bounds'])
        answers[mode] = await answersOf({ dataDir, db: db.url }, mode);
      assertSameAnswers(answers);
    } finally {
      dropPgDatabase(db.name);
    }
  });
