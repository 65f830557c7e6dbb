// The complaint list in deadline order (sort=due) from the report index (issue 13,
// report_list_page, facts_due_page): its pages and totals must be the table's, in the order
// SQL gives (due_at, those without a deadline last, then id), for a whole-bank reader and a
// branch clerk (whose own registrations elsewhere also count), with every filter the index takes,
// and must follow a deadline changed a moment ago (on PostgreSQL through another instance of the
// same database). The oracle is a query on the database itself.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, login, psql, PG_URL } from './lib/server.mjs';
import { complaintFixture, createComplaint, isoDaysAgo, step, bankDate } from './lib/complaints.mjs';

describe('complaint list in deadline order', () => {
  let a; // the server the complaints are made on
  let b; // the one that lists: on PostgreSQL another instance of the same database
  let fx;
  let reader; // whole bank
  let clerk;  // the branch, and the clerk's own registrations elsewhere
  let branchPath;

  function sql(text) {
    if (PG_URL) return psql(a.db, text).trim();
    const r = spawnSync('sqlite3', ['-batch', '-bail', path.join(a.dataDir, 'fcms.db'), text], { encoding: 'utf8' });
    assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
    return r.stdout.trim();
  }
  const ids = (where) => {
    const out = sql(`SELECT id FROM complaints c WHERE c.status <> 'deleted' AND (${where || '1 = 1'})
      ORDER BY c.due_at IS NULL, c.due_at, c.id`);
    return out ? out.split('\n').map(Number) : [];
  };

  before(async () => {
    a = await startServer();
    fx = await complaintFixture(a, { only: ['clerk', 'rev'], extra: { clerk2: { roles: ['registrar'], org: 'branch2' } } });
    b = PG_URL ? await startServer({ db: a.db, keysFrom: a.dataDir }) : a;
    reader = PG_URL ? await login(b.base, fx.rev.username, fx.rev.password) : fx.rev.client;
    clerk = PG_URL ? await login(b.base, fx.clerk.username, fx.clerk.password) : fx.clerk.client;
    branchPath = sql(`SELECT path FROM institutions WHERE id = ${fx.branch.id}`);
    // Received on different days (different deadlines), several on one day (one deadline: the
    // id decides), two channels, some assigned (processing); the clerk's own in the other branch.
    const made = [];
    for (const [days, channel] of [[1, 'phone'], [3, 'onsite'], [3, 'phone'], [3, 'phone'], [8, 'internet'],
      [12, 'phone'], [20, 'onsite'], [20, 'phone'], [40, 'phone'], [2, 'letter']]) {
      made.push(await createComplaint(fx.clerk.client, fx.branch.id, { received_at: isoDaysAgo(days), source_channel: channel }));
    }
    for (const days of [5, 15]) {
      made.push(await createComplaint(fx.clerk2.client, fx.branch2.id, { received_at: isoDaysAgo(days) }));
    }
    for (const c of made.slice(0, 4)) await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    // Deadlines as imports may hold them: none, one before its receipt, one far ahead.
    sql(`UPDATE complaints SET due_at = NULL WHERE id = ${made[5].id};
         UPDATE complaints SET due_at = received_at - 40 * CAST(86400000 AS BIGINT) WHERE id = ${made[6].id};
         UPDATE complaints SET due_at = due_at + 400 * CAST(86400000 AS BIGINT) WHERE id = ${made[1].id};
         UPDATE complaints SET registrar_id = ${fx.clerk.user.id} WHERE id = ${made[10].id};`);
  });
  after(async () => {
    if (b !== a) await b?.stop();
    await a?.stop();
  });

  const ranged = [isoDaysAgo(14).slice(0, 10), bankDate()];
  const cases = () => [
    ['', ''],
    ['status=processing', "c.status = 'processing'"],
    ['status=registered', "c.status = 'registered'"],
    ['source_channel=phone', "c.source_channel = 'phone'"],
    [`from=${ranged[0]}&to=${ranged[1]}`,
      `c.received_at >= ${Date.parse(`${ranged[0]}T00:00:00+08:00`)} AND c.received_at < ${Date.parse(`${ranged[1]}T00:00:00+08:00`) + 86400000}`],
    ['open=true', "c.status IN ('registered', 'processing', 'reviewing', 'replied')"],
    ['counted=true', "c.status NOT IN ('draft', 'deleted') AND c.merged_into IS NULL"],
  ];

  async function assertPages(client, query, expected, label) {
    const all = [];
    for (let page = 1; page <= Math.ceil(expected.length / 4) + 1; page++) {
      const r = await client.ok('GET', `/complaints?sort=due&page_size=4&page=${page}${query ? `&${query}` : ''}`);
      assert.equal(r.total, expected.length, `${label} ${query}: total`);
      assert.equal(r.total_capped, false, `${label} ${query}: exact`);
      all.push(...r.items.map((x) => x.id));
    }
    assert.deepEqual(all, expected, `${label} ${query}: pages in deadline order`);
  }

  it('pages the table in deadline order for the whole bank and for a branch clerk', async () => {
    const clerkScope = `(c.org_path LIKE '${branchPath}%' OR c.registrar_id = ${fx.clerk.user.id} OR c.handler_id = ${fx.clerk.user.id})`;
    let checked = 0;
    for (const [query, where] of cases()) {
      const bank = ids(where);
      await assertPages(reader, query, bank, 'whole bank');
      const mine = ids(where ? `${where} AND ${clerkScope}` : clerkScope);
      await assertPages(clerk, query, mine, 'branch clerk');
      checked += bank.length + mine.length;
    }
    assert.ok(checked > 60, `${checked} rows compared`);
    // Ties on one deadline are in id order; the complaint without a deadline is last.
    const order = ids('');
    const dues = sql(`SELECT COALESCE(due_at, -1) FROM complaints c WHERE c.status <> 'deleted'
      ORDER BY c.due_at IS NULL, c.due_at, c.id`).split('\n');
    assert.ok(new Set(dues).size < dues.length, 'some complaints share a deadline');
    assert.equal(dues.at(-1), '-1', 'the one without a deadline comes last');
    assert.ok(order.length > 10);
  });

  it('follows a deadline changed since the last page', async () => {
    const last = ids('c.due_at IS NOT NULL').at(-1);
    const before = (await reader.ok('GET', '/complaints?sort=due&page_size=4')).items.map((x) => x.id);
    assert.notEqual(before[0], last);
    sql(`UPDATE complaints SET due_at = (SELECT MIN(due_at) FROM complaints) - 1 WHERE id = ${last}`);
    const after = await reader.ok('GET', '/complaints?sort=due&page_size=4');
    assert.equal(after.items[0].id, last, 'the earliest deadline now');
    assert.deepEqual(after.items.map((x) => x.id), ids('').slice(0, 4));
    // A new complaint with the latest deadline of all comes before the one without.
    const fresh = await createComplaint(fx.clerk.client, fx.branch.id, { received_at: isoDaysAgo(0) });
    sql(`UPDATE complaints SET due_at = (SELECT MAX(due_at) FROM complaints) + 1 WHERE id = ${fresh.id}`);
    const tail = ids('');
    await assertPages(reader, '', tail, 'after a new complaint');
    assert.equal(tail.at(-2), fresh.id);
  });
});
