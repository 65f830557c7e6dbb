// The consumer channel (issue 16): 网上投诉 verified by an SMS code from `fcms sms-sim`, the
// registrar's confirmation, 投诉进度查询 through to the reply and the rating, and the abuse a
// public endpoint meets: wrong, expired and reused codes, guessed complaint numbers from one
// address and from many (no answer tells whether a complaint exists), rate limits, oversize and
// wrong-type files, and the staff API walked from the public prefix and origin.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runFcms, assertError, sleep, request, anonymous } from './lib/server.mjs';
import { complaintFixture, residentId, mobile, step, getBytes } from './lib/complaints.mjs';
import { startSmsSim, Consumer, submitViaSms, CODE_TEMPLATE, NUMBER_TEMPLATE, PNG, PDF, PUB } from './lib/consumer.mjs';

const CLASSIFY = { region_code: '110105', business_channel_code: 'A0101', business_type_code: 'B03022', cause_code: 'C07', rights: ['R04'] };
const base = { pow_bits: 8, sms_resend_s: 0 };

describe('网上投诉 → 登记 → 进度查询 → 答复 → 评价', () => {
  let srv, sim, fx;
  before(async () => {
    sim = await startSmsSim();
    srv = await startServer({ config: { ...base, sms_url: sim.url } });
    fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });

  test('the whole path, and nothing internal reaches the consumer', async () => {
    const phone = mobile('138'), idNo = residentId();
    const t0 = Date.now();
    const { complaint_no: no, consumer } = await submitViaSms(srv, sim, fx.branch.id, phone, idNo);
    assert.match(no, /^[A-Za-z0-9_]+-\d{8}-\d{5}$/);
    assert.equal((await sim.nth(phone, NUMBER_TEMPLATE, 1)).complaint_no, no, 'the number reaches the consumer by SMS');
    assert.ok(/sms-sim: to 138\d{8} .*template=SMS_CODE_01 \{"code":"\d{6}"/.test(sim.logs()), 'the sim logs the code');
    // Photos and PDFs only, within the limits.
    assert.equal((await consumer.upload('发票.png', PNG)).status, 201);
    assert.equal((await consumer.upload('合同.pdf', PDF)).status, 201);
    assertError(await consumer.upload('run.exe', Buffer.from('MZ\x90\x00\x03\x00\x00\x00')), 415, 'file_type_not_allowed');
    assertError(await consumer.upload('x.html', Buffer.from('<html><script>alert(1)</script>')), 415, 'file_type_not_allowed');
    assertError(await consumer.upload('伪装.pdf', PNG), 415, 'file_type_not_allowed');
    assertError(await consumer.upload('big.pdf', Buffer.concat([PDF, Buffer.alloc(6 << 20)])), 413, 'body_too_large');
    // A second submission in the same verification is refused.
    assertError(await consumer.req('POST', '/submissions', {
      name: '王小明', id_no: idNo, phone, complained_org_id: fx.branch.id, business_type: 'loan', content: '再次提交一份投诉内容用于测试', demand: '无',
    }), 409, 'already_submitted');

    // The registrar sees it in the queue (masked) and confirms it with the classification.
    const clerk = fx.clerk.client;
    const queue = await clerk.ok('GET', '/consumer-submissions');
    const item = queue.items.find((i) => i.complaint_no === no);
    assert.ok(item, 'in the queue');
    assert.equal(item.source_channel, 'internet');
    assert.ok(!JSON.stringify(item).includes(phone) && !JSON.stringify(item).includes(idNo), 'masked in the queue');
    const c = await clerk.ok('POST', `/consumer-submissions/${item.id}/confirm`, CLASSIFY, 201);
    assert.equal(c.complaint_no, no);
    assert.equal(c.source_channel, 'internet');
    assert.equal(c.status, 'registered');
    assert.ok(Date.parse(c.received_at) >= Math.floor(t0 / 1000) * 1000 - 1000 && Date.parse(c.received_at) <= Date.now(), 'the clock started at receipt');
    assertError(await clerk.post(`/consumer-submissions/${item.id}/confirm`, CLASSIFY), 409, 'already_confirmed');
    assert.ok(!(await clerk.ok('GET', '/consumer-submissions')).items.some((i) => i.complaint_no === no), 'left the queue');

    // The consumer queries: number + phone + code.
    const q = new Consumer(srv.base);
    assert.equal((await q.askCode('query', phone, no)).status, 202);
    const qc = await sim.nth(phone, CODE_TEMPLATE, 2);
    assert.equal((await q.verify('query', phone, qc.code, no)).status, 200);
    let p = (await q.req('GET', '/progress')).json;
    assert.equal(p.complaint_no, no);
    assert.equal(p.status_text, '已登记，正在安排处理');
    assert.ok(p.due_at, 'due date shown');
    assert.equal(p.files.length, 2);
    assert.equal(p.may_rate, false);
    assertError(await q.req('POST', '/rating', { satisfaction: 'satisfied' }), 409, 'not_replied');
    assert.equal((await q.req('POST', '/supplements', { content: '补充：扣费时间是3月5日。' })).status, 201);

    // Staff work it: assign, reply, approve.
    let w = await step(clerk, c, 'assign', { user_id: fx.clerk.user.id });
    p = (await q.req('GET', '/progress')).json;
    assert.equal(p.status_text, '正在处理');
    assert.equal(p.milestones.find((m) => m.key === 'assigned').done, true);
    w = await step(clerk, w, 'reply', { result: 'accepted', reply_content: '经核实，年费已退还至您的信用卡账户。', compensation_fen: 0 });
    p = (await q.req('GET', '/progress')).json;
    assert.equal(p.reply, undefined, 'no reply before it is approved');
    w = await step(fx.rev.client, w, 'approve_reply');
    p = (await q.req('GET', '/progress')).json;
    assert.equal(p.status_text, '已答复');
    assert.equal(p.reply.content, '经核实，年费已退还至您的信用卡账户。');
    assert.equal(p.may_rate, true);
    const text = JSON.stringify(p);
    for (const s of [fx.clerk.user.username, fx.clerk.user.name, fx.rev.user.username, fx.rev.user.name].filter(Boolean))
      assert.ok(!text.includes(s), `no staff name (${s}) in the consumer's view`);
    assert.equal((await q.req('POST', '/rating', { satisfaction: 'basically_satisfied', note: '处理及时' })).status, 201);
    assertError(await q.req('POST', '/rating', { satisfaction: 'satisfied' }), 409, 'already_rated');
    assertError(await q.req('POST', '/rating', { satisfaction: 'great' }), 400, 'invalid_field');
    p = (await q.req('GET', '/progress')).json;
    assert.equal(p.rating.satisfaction, 'basically_satisfied');

    // The staff side shows the channel, the verified phone (masked) and what the consumer added.
    const d = await clerk.ok('GET', `/complaints/${c.id}/consumer`);
    assert.equal(d.via_consumer_channel, true);
    assert.equal(d.verified_phone, `${phone.slice(0, 3)}****${phone.slice(7)}`);
    assert.deepEqual(d.messages.map((m) => m.kind), ['supplement', 'rating']);
    assert.equal(d.files.length, 2);

    // Everything audited.
    const ev = (await fx.aud.client.ok('GET', '/audit?page_size=200')).items.map((e) => e.action);
    for (const a of ['consumer.code_request', 'consumer.session', 'consumer.submit', 'consumer.file', 'consumer.supplement', 'consumer.rating'])
      assert.ok(ev.includes(a), `audited: ${a}`);

    // Ending the session ends access.
    assert.equal((await q.req('DELETE', '/session')).status, 200);
    assertError(await q.req('GET', '/progress'), 401, 'session_required');
  });

  test('wrong, reused and exhausted codes; the session is bound to its purpose and phone', async () => {
    const phone = mobile('137');
    const c = new Consumer(srv.base);
    assert.equal((await c.askCode('submit', phone)).status, 202);
    const { code } = await sim.nth(phone, CODE_TEMPLATE, 1);
    const wrong = code === '000000' ? '000001' : '000000';
    const r1 = await c.verify('submit', phone, wrong);
    assertError(r1, 400, 'code_invalid', 'code');
    assertError(await c.verify('query', phone, code, 'X-1'), 400, 'code_invalid', 'code');
    assert.equal((await c.verify('submit', phone, code)).status, 200);
    const reuse = await new Consumer(srv.base).verify('submit', phone, code);
    assertError(reuse, 400, 'code_invalid', 'code');
    assert.equal(reuse.text, r1.text.replace(/"request_id":"[^"]*"/, ''), 'reused answers like wrong');
    // The submit session cannot read progress, and another phone cannot be put in the complaint.
    assertError(await c.req('GET', '/progress'), 401, 'session_required');
    assertError(await c.req('POST', '/submissions', { name: '张三', id_no: residentId(), phone: mobile('135'), complained_org_id: fx.branch.id, business_type: 'loan', content: '贷款利率与合同约定不一致，多收利息。', demand: '退还多收利息' }), 403, 'phone_mismatch');
    // Five wrong entries kill a code even when the right one follows.
    const phone2 = mobile('136');
    const c2 = new Consumer(srv.base);
    await c2.askCode('submit', phone2);
    const code2 = (await sim.nth(phone2, CODE_TEMPLATE, 1)).code;
    for (let i = 0; i < 5; i++) assertError(await c2.verify('submit', phone2, code2 === '111111' ? '222222' : '111111'), 400, 'code_invalid');
    assertError(await c2.verify('submit', phone2, code2), 400, 'code_invalid');
    // A staff session is no consumer session, and a consumer session is no staff session.
    assertError(await request(srv.base, 'GET', `${PUB}/progress`, { headers: { Cookie: fx.clerk.client.cookie } }), 401, 'session_required');
    assertError(await request(srv.base, 'GET', '/api/v1/complaints', { headers: { Cookie: c.cookie } }), 401, 'unauthenticated');
  });

  test('the proof of work is checked and spent once', async () => {
    const c = new Consumer(srv.base);
    const ch = (await c.req('GET', '/challenge')).json;
    const phone = mobile('159');
    const bad = await c.req('POST', '/sms-codes', { purpose: 'submit', phone, challenge: ch.challenge, nonce: 'x' });
    // 8 bits: a random nonce passes 1 time in 256; 'x' is fixed, so check it is really refused.
    if (bad.status !== 202) assertError(bad, 400, 'challenge_invalid');
    const forged = await c.req('POST', '/sms-codes', { purpose: 'submit', phone, challenge: `${Date.now() + 60000}.abc.${'0'.repeat(32)}`, nonce: '1' });
    assertError(forged, 400, 'challenge_invalid');
    const { solvePow } = await import('./lib/consumer.mjs');
    const nonce = solvePow(ch.challenge, ch.bits);
    assert.equal((await c.req('POST', '/sms-codes', { purpose: 'submit', phone: mobile('158'), challenge: ch.challenge, nonce })).status, 202);
    assertError(await c.req('POST', '/sms-codes', { purpose: 'submit', phone: mobile('157'), challenge: ch.challenge, nonce }), 400, 'challenge_invalid');
  });
});

describe('staff open the consumer\'s files: GET /complaints/{id}/consumer/files/{fid}', () => {
  let srv, sim, fx;
  before(async () => {
    sim = await startSmsSim();
    srv = await startServer({ config: { ...base, sms_url: sim.url } });
    fx = await complaintFixture(srv, { only: ['clerk', 'aud'], extra: { other: { roles: ['registrar', 'handler'], org: 'branch2' } } });
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });

  // A complaint filed online with the given files, confirmed by the branch's registrar.
  async function filed(files) {
    const { complaint_no: no, consumer } = await submitViaSms(srv, sim, fx.branch.id, mobile('135'), residentId());
    for (const [name, bytes] of files) assert.equal((await consumer.upload(name, bytes)).status, 201);
    const item = (await fx.clerk.client.ok('GET', '/consumer-submissions')).items.find((i) => i.complaint_no === no);
    const c = await fx.clerk.client.ok('POST', `/consumer-submissions/${item.id}/confirm`, CLASSIFY, 201);
    const d = await fx.clerk.client.ok('GET', `/complaints/${c.id}/consumer`);
    return { c, files: d.files };
  }

  test('an allowed reader gets the bytes; another complaint\'s file id, another branch: 404; audited', async () => {
    const photo = Buffer.concat([PNG, Buffer.from('照片内容 1')]);
    const a = await filed([['扣费截图.png', photo], ['合同.pdf', PDF]]);
    const b = await filed([['另一份.pdf', Buffer.concat([PDF, Buffer.from('% b')])]]);
    assert.deepEqual(a.files.map((f) => f.name), ['扣费截图.png', '合同.pdf']);

    const url = (c, f) => `/complaints/${c.id}/consumer/files/${f.id}`;
    const png = await getBytes(fx.clerk.client, url(a.c, a.files[0]));
    assert.equal(png.status, 200, png.body.toString());
    assert.ok(png.body.equals(photo), 'the bytes the consumer uploaded');
    assert.equal(png.headers['content-type'], 'image/png');
    assert.match(png.headers['content-disposition'], /^attachment; /);
    assert.match(png.headers['content-disposition'], new RegExp(`filename\\*=UTF-8''${encodeURIComponent('扣费截图.png').replace(/[.]/g, '\\.')}$`));
    assert.equal(png.headers['x-content-type-options'], 'nosniff');
    const pdf = await getBytes(fx.clerk.client, url(a.c, a.files[1]));
    assert.equal(pdf.status, 200);
    assert.ok(pdf.body.equals(PDF));
    assert.equal(pdf.headers['content-type'], 'application/pdf');

    // B's file through A's complaint (A is readable): not found, ids are not guessed across complaints.
    const cross = await getBytes(fx.clerk.client, url(a.c, b.files[0]));
    assert.equal(cross.status, 404);
    assert.equal(JSON.parse(cross.body).error.code, 'not_found');
    assert.equal((await getBytes(fx.clerk.client, url(b.c, b.files[0]))).status, 200, 'through its own complaint it opens');
    assert.equal((await getBytes(fx.clerk.client, `/complaints/${a.c.id}/consumer/files/999999`)).status, 404);

    // A registrar of another branch: refused as on GET /complaints/{id}/consumer.
    assertError(await fx.other.client.get(`/complaints/${a.c.id}/consumer`), 404, 'not_found');
    const out = await getBytes(fx.other.client, url(a.c, a.files[0]));
    assert.equal(out.status, 404);
    assert.equal(JSON.parse(out.body).error.code, 'not_found');
    assert.ok(!out.body.equals(photo));
    // Without a session: no file either.
    assert.equal((await request(srv.base, 'GET', `/api/v1${url(a.c, a.files[0])}`)).status, 401);

    // Audited like a staff attachment download: the two reads of A's files, not the refusals.
    const ev = (await fx.aud.client.ok('GET', `/audit?target_type=complaint&target_id=${a.c.id}&page_size=50`)).items
      .filter((e) => e.action === 'complaint.consumer_file_download');
    assert.equal(ev.length, 2, JSON.stringify(ev));
    assert.deepEqual(ev.map((e) => e.user_id ?? e.actor_id).filter((x) => x !== undefined).every((x) => x === fx.clerk.user.id), true);
    assert.ok(JSON.stringify(ev).includes('扣费截图.png'), 'the file name in the event');
    const cat = await fx.aud.client.ok('GET', '/audit/catalogue');
    assert.ok(JSON.stringify(cat).includes('下载网上投诉材料'), 'labelled in Chinese');
  });
});

describe('expired codes', () => {
  let srv, sim;
  before(async () => {
    sim = await startSmsSim();
    srv = await startServer({ config: { ...base, sms_url: sim.url, sms_code_ttl_s: 1 } });
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });
  test('a code older than its lifetime is refused like a wrong one', async () => {
    const phone = mobile('133');
    const c = new Consumer(srv.base);
    await c.askCode('submit', phone);
    const { code } = await sim.nth(phone, CODE_TEMPLATE, 1);
    await sleep(1300);
    assertError(await c.verify('submit', phone, code), 400, 'code_invalid', 'code');
  });
});

describe('guessed complaint numbers: one address, many addresses, untrusted forwarding', () => {
  let srv, sim, fx, known;
  const PER_IP = 20;
  before(async () => {
    sim = await startSmsSim();
    srv = await startServer({ config: { ...base, sms_url: sim.url, sms_per_ip_hour: PER_IP, sms_global_minute: 100, trust_proxy: true } });
    fx = await complaintFixture(srv, { only: ['clerk'] });
    const phone = mobile('139');
    const s = await submitViaSms(srv, sim, fx.branch.id, phone, residentId());
    known = { phone, no: s.complaint_no };
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });

  const strip = (r) => JSON.stringify({ status: r.status, body: r.json });

  test('100 guesses from one address: same answer for a real and a made-up number, then the limit', async () => {
    const c = new Consumer(srv.base, { ip: '203.0.113.7' });
    const answers = [];
    for (let i = 0; i < 100; i++) {
      const no = i === 5 ? known.no : `${known.no.slice(0, -5)}${String(90000 + i).padStart(5, '0')}`;
      answers.push(strip(await c.askCode('query', i === 5 ? known.phone : mobile('188'), no)));
    }
    const ok = answers.filter((a) => a.includes('"status":202'));
    assert.equal(ok.length, PER_IP, 'the per-address limit');
    assert.equal(new Set(ok).size, 1, 'every accepted answer is identical, the real number included');
    assert.equal(answers[5], answers[6], 'real and guessed numbers answer the same');
    assert.equal(new Set(answers.slice(PER_IP)).size, 1, 'every refused answer is identical');
    assert.match(answers[PER_IP], /"status":429/);
    // Guessing codes for a guessed number: the same refusal every time, then the address is stopped.
    const g = new Consumer(srv.base, { ip: '203.0.113.8' });
    const seen = new Set();
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const r = await g.verify('query', known.phone, String(100000 + i), i % 2 ? known.no : `${known.no}9`);
      if (r.status === 429) limited++;
      else seen.add(strip(r));
    }
    assert.equal(seen.size, 1, `one answer for wrong codes on real and made-up numbers: ${[...seen]}`);
    assert.equal(limited, 10, '30 failed codes an hour stop the address, whatever the numbers were');
    // Another address is not stopped by them.
    assert.equal((await new Consumer(srv.base, { ip: '203.0.113.9' }).verify('query', known.phone, '000000', known.no)).status, 400);
    // Only one real message went out for the real number, none for the guesses.
    assert.equal((await sim.messages(known.phone)).filter((m) => m.template_id === CODE_TEMPLATE).length, 2);
  });

  test('100 guesses from many addresses through a trusted proxy: the global limit stops them', async () => {
    const answers = [];
    for (let i = 0; i < 100; i++) {
      const c = new Consumer(srv.base, { ip: `198.51.100.${i + 1}` });
      answers.push(strip(await c.askCode('query', mobile('187'), `${known.no.slice(0, -5)}${String(80000 + i).padStart(5, '0')}`)));
    }
    const ok = answers.filter((a) => a.includes('"status":202'));
    assert.ok(ok.length > 0 && new Set(ok).size === 1, 'identical accepted answers');
    const busy = answers.filter((a) => a.includes('sms_busy'));
    assert.ok(busy.length > 0, `the global limit answered (${ok.length} accepted)`);
  });
});

describe('X-Forwarded-For from an untrusted peer does not spread the per-address limit', () => {
  let srv, sim;
  before(async () => {
    sim = await startSmsSim();
    srv = await startServer({ config: { ...base, sms_url: sim.url, sms_per_ip_hour: 10, trust_proxy: false } });
  });
  after(async () => { await srv?.stop(); await sim?.stop(); });
  test('many forged addresses count as one', async () => {
    let ok = 0, limited = 0;
    for (let i = 0; i < 30; i++) {
      const r = await new Consumer(srv.base, { ip: `192.0.2.${i + 1}` }).askCode('query', mobile('186'), `ZZ-20260101-${String(i).padStart(5, '0')}`);
      if (r.status === 202) ok++;
      if (r.status === 429) limited++;
    }
    assert.equal(ok, 10);
    assert.equal(limited, 20);
  });
});

describe('the public origin and prefix reach no staff route', () => {
  let srv, fx;
  const HOST = 'h5.bank.example';
  before(async () => {
    srv = await startServer({ config: { ...base, public_host: HOST } });
    fx = await complaintFixture(srv, { only: ['clerk'] });
  });
  after(async () => { await srv?.stop(); });

  test('every route of the table, from the public host and under the public prefixes', async () => {
    const routes = runFcms(['routes']).stdout.trim().split('\n').map((l) => l.split(' '));
    assert.ok(routes.length > 80, 'the table is printed');
    const fill = (p) => p.replace(/\{[a-z_]+\}/g, '1');
    const staff = routes.filter(([, p]) => !p.startsWith('/api/public/'));
    let walked = 0;
    for (const [method, pattern] of staff) {
      const p = fill(pattern);
      const body = method === 'GET' || method === 'HEAD' ? undefined : {};
      const headers = { Host: HOST, Cookie: fx.clerk.client.cookie, 'X-CSRF-Token': fx.clerk.client.csrf };
      // 1) the staff path itself on the public origin (with a valid staff session!)
      const r1 = await request(srv.base, method, p, { body, headers });
      assert.equal(r1.status, 404, `${method} ${p} on the public host → ${r1.status} ${r1.text.slice(0, 200)}`);
      assert.equal(r1.json?.error?.code, 'not_found');
      // 2) under the public API prefix, and 3) under the site prefix, from any origin
      for (const prefix of ['/api/public/v1', '/api/public', '/h5']) {
        const r = await request(srv.base, method, prefix + p, { body, headers: { Cookie: fx.clerk.client.cookie, 'X-CSRF-Token': fx.clerk.client.csrf } });
        assert.ok([404, 405].includes(r.status), `${method} ${prefix}${p} → ${r.status} ${r.text.slice(0, 200)}`);
      }
      walked++;
    }
    assert.equal(walked, staff.length);
    // The public routes do answer on the public host, with the strict policy.
    const meta = await request(srv.base, 'GET', `${PUB}/meta`, { headers: { Host: HOST } });
    assert.equal(meta.status, 200);
    assert.ok(meta.json.institutions.length > 0 && meta.json.business_types.length > 0);
    assert.match(meta.headers['content-security-policy'], /default-src 'none'/);
    assert.doesNotMatch(meta.headers['content-security-policy'], /unsafe-inline/);
    assert.equal(meta.headers['set-cookie'], undefined, 'no cookie before a code');
    const root = await request(srv.base, 'GET', '/', { headers: { Host: HOST } });
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/h5/');
    // The staff origin keeps its own pages and policy.
    const staffMe = await fx.clerk.client.get('/auth/me');
    assert.equal(staffMe.status, 200);
  });

  test('writes to the public API from another site are refused', async () => {
    const r = await request(srv.base, 'POST', `${PUB}/sessions`, { body: { purpose: 'submit', phone: '13800000000', code: '123456' }, headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
    assertError(r, 403, 'cross_site');
    const anon = anonymous(srv.base);
    assertError(await anon.get('/consumer-submissions'), 401, 'unauthenticated');
  });
});
