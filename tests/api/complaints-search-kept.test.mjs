// Searches kept between requests (issue 13, src/store/text_match_cache.c): a server keeps the
// matches of a text after its first search and then reads only what changed (SQLite: the new
// complaints above the kept ids, a count of edited texts; PostgreSQL: the complaints the change
// log names since the kept position). Whatever was kept, a search must find what the table holds
// now: new complaints, texts edited to hold the words or edited away, and on PostgreSQL the
// changes made through another instance of the same database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, login, PG_URL } from './lib/server.mjs';
import { complaintFixture, createComplaint, step } from './lib/complaints.mjs';

/** n random CJK characters of the common block: words no fixture text holds. */
function rareWord(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 0x5000));
  return s;
}

describe('searches kept between requests', () => {
  let a; // the server that makes the changes
  let b; // the one that searches: on PostgreSQL another instance of the same database
  let fx;
  let searcher;
  const long = rareWord(4);
  const short = rareWord(2);
  before(async () => {
    a = await startServer();
    fx = await complaintFixture(a, { only: ['clerk', 'rev'] });
    b = PG_URL ? await startServer({ db: a.db, keysFrom: a.dataDir }) : a;
    searcher = PG_URL ? await login(b.base, fx.rev.username, fx.rev.password) : fx.rev.client;
  });
  after(async () => {
    if (b !== a) await b?.stop();
    await a?.stop();
  });

  async function found(word, extra = '') {
    const r = await searcher.ok('GET', `/complaints?page_size=100&q=${encodeURIComponent(word)}${extra}`);
    assert.equal(r.total, r.items.length, `the total counts the matches of ${word}`);
    return r.items.map((x) => x.id).sort((x, y) => x - y);
  }
  const sorted = (...cs) => cs.map((c) => c.id).sort((x, y) => x - y);
  const edit = (c, content) => fx.clerk.client.ok('PATCH', `/complaints/${c.id}`, { version: c.version, content });

  it('finds new complaints, edited texts and texts edited away after the first search', async () => {
    const clerk = fx.clerk.client;
    const text = `客户反映${long}问题，另称${short}情况`;
    const first = await createComplaint(clerk, fx.branch.id, { content: text });
    const other = await createComplaint(clerk, fx.branch.id, { content: '客户反映网点排队时间过长' });
    for (const w of [long, short]) assert.deepEqual(await found(w), sorted(first), `first search of ${w}`);

    const added = await createComplaint(clerk, fx.branch.id, { content: `再次反映${long}与${short}` });
    for (const w of [long, short]) assert.deepEqual(await found(w), sorted(first, added), `a new complaint: ${w}`);

    const gained = await edit(other, `更正：客户反映${long}${short}`);
    const lost = await edit(first, '更正：客户反映网点服务态度');
    for (const w of [long, short]) {
      assert.deepEqual(await found(w), sorted(added, gained), `one text gained ${w}, one lost it`);
    }

    // A workflow step writes the record whole, its text unchanged: still found, once.
    await step(fx.rev.client, added, 'assign', { org_id: fx.branch.id, user_id: fx.clerk.user.id });
    for (const w of [long, short]) assert.deepEqual(await found(w), sorted(added, gained), `after a step: ${w}`);
    assert.deepEqual(await found(long, '&status=processing'), sorted(added), 'the other filters apply to the kept matches');

    // Paging over the kept matches: newest first, no gap, no repeat.
    const p1 = await searcher.ok('GET', `/complaints?page_size=1&page=1&q=${encodeURIComponent(long)}`);
    const p2 = await searcher.ok('GET', `/complaints?page_size=1&page=2&q=${encodeURIComponent(long)}`);
    assert.equal(p1.total, 2);
    assert.deepEqual([p1.items[0].id, p2.items[0].id], [gained.id, added.id].sort((x, y) => y - x));

    // Edited back: found again.
    await edit(lost, `客户再次反映${long}`);
    assert.deepEqual(await found(long), sorted(first, added, gained), 'edited back');
    assert.deepEqual(await found(short), sorted(added, gained));
  });
});
