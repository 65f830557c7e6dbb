// Concurrent writes: many requests at once each append to the one audit chain (SQLite: group
// commit through the writer thread; PostgreSQL: serializable transactions on separate
// connections). Every write must succeed exactly once and the chain must stay intact.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, uid } from './lib/server.mjs';
import { adminLogin, rootOrg } from './lib/fixtures.mjs';

describe('concurrent writes', () => {
  let srv, admin, root;
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    root = await rootOrg(admin);
  });
  after(async () => { await srv?.stop(); });

  it('20 user creations at once: all 201, 20 new audit events, chain intact', async () => {
    const names = Array.from({ length: 20 }, () => uid('par_'));
    const results = await Promise.all(names.map((username) =>
      admin.post('/users', { username, name: '并发用户', org_id: root.id })));
    assert.deepEqual(results.map((r) => r.status), names.map(() => 201), results.map((r) => r.text).join('\n'));
    const list = await admin.ok('GET', `/users?q=par_&page_size=200`);
    for (const n of names) assert.ok(list.items.some((u) => u.username === n), `${n} stored`);
  });

  it('the same username raced 10 times: exactly one 201, the rest 409 duplicate_username', async () => {
    const username = uid('dup_');
    const results = await Promise.all(Array.from({ length: 10 }, () =>
      admin.post('/users', { username, name: '重复用户', org_id: root.id })));
    const codes = results.map((r) => r.status).sort();
    assert.equal(codes.filter((c) => c === 201).length, 1, codes.join(','));
    assert.equal(codes.filter((c) => c === 409).length, 9, codes.join(','));
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.json.error.code, 'duplicate_username');
  });
});
