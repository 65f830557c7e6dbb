// GET /complaints: Chinese full text (≥3 characters) and short substrings, exact identity
// lookups through blind indexes (id_no, phone, full name), number lookup, and the filters
// status, from/to (bank dates and instants), org_id subtree, code prefixes, deadline_state,
// tag, handler=me, sort=due; paging totals; searches stay inside the caller's data scope.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib/server.mjs';
import { complaintFixture, createComplaint, step, residentId, residentIdWithX, mobile, isoDaysAgo, addDays, today } from './lib/complaints.mjs';

describe('complaint search', () => {
  let srv;
  let fx;
  let rev;
  const c = {}; // A..F
  const X_ID = residentIdWithX({ region: '110108', birth: '19720815' });
  const P1 = mobile('136');
  const P3 = mobile('135');
  before(async () => {
    srv = await startServer();
    // The head-office hotline registers the other branch's complaints (C, F): a branch registrar
    // reaches only institutions under its own (issue 12 item 3).
    fx = await complaintFixture(srv, { only: ['clerk', 'h2', 'rev'], extra: { hq: { roles: ['registrar'], org: 'root' } } });
    rev = fx.rev.client;
    const clerk = fx.clerk.client;
    const person = (name, id_no, phone) => ({ name, id_type: '01', id_no, phone });
    // A: overdue, branch, C07/B03011, complainant 欧阳明华 (ID with X).
    c.A = await createComplaint(clerk, fx.branch.id, {
      received_at: isoDaysAgo(20, '23:30'), complainant: person('欧阳明华', X_ID, P1),
      content: '客户反映信用卡分期手续费计算方式不透明，银行未充分告知', demand: '退还多收手续费',
    });
    // B: the same complainant again (other phone) at the sub-branch, 10 days ago just after midnight (bank time).
    c.B = await createComplaint(clerk, fx.sub.id, {
      received_at: isoDaysAgo(10, '00:30'), complainant: person('欧阳明华', X_ID, mobile('137')),
      business_type_code: 'B01', cause_code: 'C01', content: '网点排队时间过长，大堂经理服务态度冷淡', demand: '改进服务',
    });
    // C: other branch, due soon (received 13 days ago: 2 days left).
    c.C = await createComplaint(fx.hq.client, fx.branch2.id, {
      received_at: isoDaysAgo(13), complainant: person('李雷', residentId(), P3),
      cause_code: 'C02', content: '手机银行转账失败但账户已扣款', demand: '尽快退回款项',
    });
    // D: processing, assigned to the clerk.
    const d = await createComplaint(clerk, fx.branch.id, {
      received_at: isoDaysAgo(2), complainant: person('韩梅梅', residentId(), mobile()), cause_code: 'C08',
      content: '理财产品实际收益与宣传材料不符', demand: '补偿收益差额',
    });
    c.D = await step(clerk, d, 'assign', { user_id: fx.clerk.user.id });
    // E: processing and paused, cause C11.
    const e = await createComplaint(clerk, fx.branch.id, {
      received_at: isoDaysAgo(3), complainant: person('赵六', residentId(), mobile()), cause_code: 'C11',
      content: '客户个人信息疑似被泄露，频繁接到营销电话', demand: '查明原因',
    });
    c.E = await step(clerk, await step(clerk, e, 'assign', { user_id: fx.clerk.user.id }), 'pause', { reason: '待公安机关调查' });
    // F: another complainant sharing C's phone, yesterday: a repeat by phone.
    c.F = await createComplaint(fx.hq.client, fx.branch2.id, {
      received_at: isoDaysAgo(1), complainant: person('李磊', residentId(), P3),
      cause_code: 'C02', content: '再次反映转账扣款未退回', demand: '退款',
    });
  });
  after(async () => { await srv?.stop(); });

  const ids = (r) => r.items.map((x) => x.id).sort((a, b) => a - b);
  const expectIds = (...keys) => keys.map((k) => c[k].id).sort((a, b) => a - b);
  async function find(query, client = rev) {
    const r = await client.ok('GET', `/complaints?page_size=200&${query}`);
    assert.equal(r.total, r.items.length, `total agrees with items for ${query}`);
    return r;
  }
  const q = (s) => `q=${encodeURIComponent(s)}`;

  it('full text: a 3-character fragment from the middle of content finds it', async () => {
    assert.deepEqual(ids(await find(q('手续费'))), expectIds('A'));
    assert.deepEqual(ids(await find(q('计算方式'))), expectIds('A'));
    assert.deepEqual(ids(await find(q('转账失败但'))), expectIds('C'));
    assert.deepEqual(ids(await find(q('扣款'))), expectIds('C', 'F'), '2 characters: substring over content');
  });

  it('full text covers demand, and absent text finds nothing', async () => {
    assert.deepEqual(ids(await find(q('补偿收益差额'))), expectIds('D'));
    assert.equal((await find(q('火星探测器'))).total, 0);
    assert.equal((await find(q('转账成功'))).total, 0, 'characters present but not this sequence');
  });

  it('a 2-character q works', async () => {
    assert.deepEqual(ids(await find(q('排队'))), expectIds('B'));
    assert.deepEqual(ids(await find(q('理财'))), expectIds('D'));
    assert.deepEqual(ids(await find(q('差额'))), expectIds('D'), 'in the demand');
    assert.equal((await find(q('户扣'))).total, 0, 'both characters present (账户已扣款), not side by side');
    assert.deepEqual(ids(await find(`${q('扣款')}&status=registered`)), expectIds('C', 'F'), 'with a filter');
  });

  it('q = a complaint number finds exactly that complaint', async () => {
    assert.deepEqual(ids(await find(q(c.C.complaint_no))), expectIds('C'));
    assert.deepEqual(ids(await find(`complaint_no=${encodeURIComponent(c.C.complaint_no)}`)), expectIds('C'));
  });

  it('q = the full complainant name finds their complaints; a part of the name does not', async () => {
    assert.deepEqual(ids(await find(q('欧阳明华'))), expectIds('A', 'B'));
    assert.deepEqual(ids(await find(q('李雷'))), expectIds('C'));
    assert.equal((await find(q('欧阳明'))).total, 0, 'names are matched exactly (blind index), not by prefix');
  });

  it('id_no finds every complaint of that complainant, also with a lowercase x', async () => {
    assert.ok(X_ID.endsWith('X'));
    assert.deepEqual(ids(await find(`id_no=${X_ID}`)), expectIds('A', 'B'));
    assert.deepEqual(ids(await find(`id_no=${X_ID.toLowerCase()}`)), expectIds('A', 'B'));
    assert.equal((await find(`id_no=${residentId({ region: '650102' })}`)).total, 0, 'an ID nobody complained with');
  });

  it('phone finds exact matches only', async () => {
    assert.deepEqual(ids(await find(`phone=${P1}`)), expectIds('A'));
    assert.deepEqual(ids(await find(`phone=${P3}`)), expectIds('C', 'F'));
    assert.equal((await find(`phone=${P3.slice(0, 7)}`)).total, 0, 'no partial phone match');
  });

  it('repeat complaints are tagged (same ID number, or same phone) and filterable by tag', async () => {
    const b = await rev.ok('GET', `/complaints/${c.B.id}`);
    assert.ok(b.tags.includes('repeat'), `B tagged repeat: ${b.tags}`);
    assert.equal(b.repeat_of, c.A.id);
    const f = await rev.ok('GET', `/complaints/${c.F.id}`);
    assert.ok(f.tags.includes('repeat'));
    assert.equal(f.repeat_of, c.C.id);
    assert.ok(!c.A.tags.includes('repeat'));
    assert.deepEqual(ids(await find('tag=repeat')), expectIds('B', 'F'));
  });

  it('status filter', async () => {
    assert.deepEqual(ids(await find('status=processing')), expectIds('D', 'E'));
    assert.deepEqual(ids(await find('status=registered')), expectIds('A', 'B', 'C', 'F'));
    assert.equal((await find('status=closed')).total, 0);
  });

  it('from/to are bank (UTC+8) dates, inclusive; ISO instants work too', async () => {
    const dB = addDays(today(), -10); // B arrived at 00:30 bank time = the previous day in UTC
    assert.deepEqual(ids(await find(`from=${dB}&to=${dB}`)), expectIds('B'));
    assert.equal((await find(`from=${addDays(dB, -1)}&to=${addDays(dB, -1)}`)).total, 0, 'not on the UTC date');
    assert.deepEqual(ids(await find(`from=${addDays(today(), -20)}&to=${addDays(today(), -10)}`)), expectIds('A', 'B', 'C'));
    assert.deepEqual(ids(await find(`from=${addDays(today(), -12)}&to=${addDays(today(), -4)}`)), expectIds('B'));
    assert.deepEqual(ids(await find(`from=${addDays(today(), -3)}`)), expectIds('D', 'E', 'F'));
    assert.deepEqual(ids(await find(`to=${addDays(today(), -13)}`)), expectIds('A', 'C'));
    const inst = (t) => encodeURIComponent(`${dB}T${t}+08:00`);
    assert.deepEqual(ids(await find(`from=${inst('00:00:00')}&to=${inst('01:00:00')}`)), expectIds('B'));
    assert.equal((await find(`from=${inst('00:31:00')}&to=${inst('01:00:00')}`)).total, 0);
    assertError(await rev.get('/complaints?from=2026-13-45'), 400, 'invalid_field');
  });

  it('org_id means that institution\'s subtree', async () => {
    // Until someone takes it on, a complaint is handled by the institution complained about.
    for (const k of ['A', 'B', 'C', 'F']) {
      assert.equal(c[k].handling_org_id, c[k].complained_org_id, `${k}: handling_org_id ${c[k].handling_org_id} = complained_org_id ${c[k].complained_org_id}`);
    }
    assert.deepEqual(ids(await find(`org_id=${fx.branch.id}`)), expectIds('A', 'B', 'D', 'E'));
    assert.deepEqual(ids(await find(`org_id=${fx.sub.id}`)), expectIds('B'));
    assert.deepEqual(ids(await find(`org_id=${fx.branch2.id}`)), expectIds('C', 'F'));
    assert.equal((await find(`org_id=${fx.root.id}`)).total, 6);
  });

  it('code filters match by prefix (a 大类 finds its 小类)', async () => {
    assert.deepEqual(ids(await find('cause_code=C07')), expectIds('A'));
    assert.deepEqual(ids(await find('cause_code=C0')), expectIds('A', 'B', 'C', 'D', 'F'));
    assert.deepEqual(ids(await find('cause_code=C1')), expectIds('E'));
    assert.deepEqual(ids(await find('business_type_code=B03')), expectIds('A', 'C', 'D', 'E', 'F'));
    assert.deepEqual(ids(await find('business_type_code=B0301')), expectIds('A', 'C', 'D', 'E', 'F'));
    assert.deepEqual(ids(await find('business_type_code=B01')), expectIds('B'));
    assert.deepEqual(ids(await find('business_channel_code=A01')), expectIds('A', 'B', 'C', 'D', 'E', 'F'));
    assert.deepEqual(ids(await find('source_channel=phone&cause_code=C02')), expectIds('C', 'F'));
  });

  it('deadline_state and overdue=true', async () => {
    const states = Object.fromEntries(await Promise.all(Object.entries(c).map(async ([k, v]) => [k, (await rev.ok('GET', `/complaints/${v.id}`)).deadline_state])));
    assert.deepEqual(states, { A: 'overdue', B: 'on_time', C: 'due_soon', D: 'on_time', E: 'paused', F: 'on_time' });
    assert.deepEqual(ids(await find('deadline_state=overdue')), expectIds('A'));
    assert.deepEqual(ids(await find('overdue=true')), expectIds('A'));
    assert.deepEqual(ids(await find('deadline_state=due_soon')), expectIds('C'));
    assert.deepEqual(ids(await find('deadline_state=paused')), expectIds('E'));
    assert.deepEqual(ids(await find('deadline_state=on_time')), expectIds('B', 'D', 'F'));
  });

  it('handler=me and combined filters', async () => {
    assert.deepEqual(ids(await find('handler=me', fx.clerk.client)), expectIds('D', 'E'));
    assert.deepEqual(ids(await find(`status=registered&org_id=${fx.branch.id}&${q('手续费')}`)), expectIds('A'));
    assert.equal((await find(`status=processing&${q('手续费')}`)).total, 0);
  });

  it('paging: total is the full count; pages partition the result', async () => {
    const seen = [];
    for (let page = 1; page <= 3; page++) {
      const r = await rev.ok('GET', `/complaints?page_size=2&page=${page}`);
      assert.equal(r.total, 6, `total on page ${page}`);
      assert.ok(r.items.length <= 2);
      seen.push(...r.items.map((x) => x.id));
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), expectIds('A', 'B', 'C', 'D', 'E', 'F'), 'no overlap, nothing missing');
    const past = await rev.ok('GET', '/complaints?page_size=2&page=4');
    assert.equal(past.total, 6);
    assert.deepEqual(past.items, []);
    const filtered = await rev.ok('GET', `/complaints?page_size=1&${q('欧阳明华')}`);
    assert.equal(filtered.total, 2, 'total counts the filtered set, not the page');
    assert.equal(filtered.items.length, 1);
  });

  it('sort=due: soonest deadline first', async () => {
    const r = await find('sort=due');
    const dues = r.items.map((x) => x.due_at).filter(Boolean).map((d) => Date.parse(d));
    assert.ok(dues.length >= 5);
    for (let i = 1; i < dues.length; i++) assert.ok(dues[i - 1] <= dues[i], `ascending due_at: ${r.items.map((x) => x.due_at)}`);
    assert.equal(r.items[0].id, c.A.id, 'the overdue one first');
  });

  it('searches stay inside the caller\'s scope (branch handler cannot find the other branch\'s complaints)', async () => {
    const h2 = fx.h2.client;
    assert.deepEqual(ids(await find('', h2)), expectIds('A', 'B', 'D', 'E'));
    assert.equal((await find(q('转账失败但'), h2)).total, 0);
    assert.equal((await find(`phone=${P3}`, h2)).total, 0);
    assert.equal((await find(q('李雷'), h2)).total, 0);
    const hidden = await h2.get(`/complaints/${c.C.id}`);
    assert.ok([403, 404].includes(hidden.status), `out of scope: ${hidden.status}`);
  });
});
