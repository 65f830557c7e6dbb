// Complaint intake validation: every bad input is answered 4xx with a Chinese message and writes
// nothing (no complaint, no audit event). Codes are checked against the version in force on the
// receipt date and must be leaves. Drafts (暂存) save whatever is filled and are completed later.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese, request } from './lib/server.mjs';
import { staff, createOrg } from './lib/fixtures.mjs';
import {
  complaintFixture, complaintBody, auditTotal, step, isoDaysAgo, addDays, today, bankDateOf, assertDueEndOf, timeline,
} from './lib/complaints.mjs';

describe('complaint input', () => {
  let srv;
  let fx;
  let clerk;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    clerk = fx.clerk.client;
    // An expired cause code: in force 2018-01-01 .. 2026-01-01.
    await fx.rev.client.ok('POST', '/codes', {
      dimension: 'C', code: 'C66', parent: '', level: 1, name: '已废止的投诉原因', sort: 990, suggest_rights: 'R04',
      valid_from: '2018-01-01', valid_to: '2026-01-01',
    }, 201);
  });
  after(async () => { await srv?.stop(); });

  async function counts() {
    return {
      mine: (await clerk.ok('GET', '/complaints?mine=true&page_size=1')).total,
      drafts: (await clerk.ok('GET', '/complaints?status=draft&mine=true&page_size=1')).total,
      audit: await auditTotal(fx.aud),
    };
  }

  // The request is refused with `status` (and `code`/`field` when given), in Chinese, and nothing is written.
  async function refused(send, status, code, field) {
    const before = await counts();
    const r = await send();
    assert.equal(r.status, status, `expected ${status} ${code || ''}; got ${r.status} ${r.text.slice(0, 300)}`);
    assert.ok(r.json?.error, `error body: ${r.text.slice(0, 200)}`);
    if (code) assert.equal(r.json.error.code, code, r.text.slice(0, 300));
    if (field !== undefined) assert.equal(r.json.error.field, field, r.text.slice(0, 300));
    assert.ok(hasChinese(r.json.error.message), `Chinese message: ${r.json.error.message}`);
    assert.deepEqual(await counts(), before, 'nothing written (complaints, drafts, audit)');
    return r;
  }
  const post = (over) => () => clerk.post('/complaints', complaintBody(fx.branch.id, over));
  const raw = (text, headers = {}) => () => request(srv.base, 'POST', '/api/v1/complaints', {
    body: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
    headers: { Cookie: clerk.cookie, 'X-CSRF-Token': clerk.csrf, 'Content-Type': 'application/json', ...headers },
  });

  describe('codes', () => {
    it('unknown cause code C77 → 400 invalid_code', async () => {
      await refused(post({ cause_code: 'C77' }), 400, 'invalid_code', 'cause_code');
    });
    it('non-leaf business type B03 → 400 invalid_code', async () => {
      const r = await refused(post({ business_type_code: 'B03' }), 400, 'invalid_code', 'business_type_code');
      assert.ok(r.json.error.message.includes('B03'));
    });
    it('non-leaf channel A01 and unknown right R09 → 400 invalid_code', async () => {
      await refused(post({ business_channel_code: 'A01' }), 400, 'invalid_code', 'business_channel_code');
      await refused(post({ rights: ['R09'] }), 400, 'invalid_code', 'rights');
    });
    it('a code out of force on the receipt date → 400 invalid_code; in force then → accepted', async () => {
      await refused(post({ cause_code: 'C66', received_at: isoDaysAgo(7) }), 400, 'invalid_code', 'cause_code');
      const ok = await clerk.ok('POST', '/complaints', complaintBody(fx.branch.id, { cause_code: 'C66', received_at: '2025-06-01T09:00:00+08:00' }), 201);
      assert.equal(ok.cause_code, 'C66');
      assert.equal(ok.status, 'registered');
    });
  });

  describe('fields', () => {
    it('received_at in the future → 400', async () => {
      await refused(post({ received_at: `${addDays(today(), 1)}T10:00:00+08:00` }), 400, 'invalid_field', 'received_at');
    });
    it('received_at without an offset, or not a time → 400 invalid_field', async () => {
      await refused(post({ received_at: `${addDays(today(), -3)}T10:00:00` }), 400, 'invalid_field', 'received_at');
      await refused(post({ received_at: '2026-02-30T10:00:00+08:00' }), 400, 'invalid_field', 'received_at');
      await refused(post({ received_at: '昨天' }), 400, 'invalid_field', 'received_at');
    });
    it('unknown institution → 400 (field complained_org_id)', async () => {
      await refused(post({ complained_org_id: 987654 }), 400, 'invalid_field', 'complained_org_id');
    });
    it('a disabled institution → 400', async () => {
      const closed = await createOrg(fx.admin, fx.branch.id, { type: 'outlet', name: '已撤并网点' });
      await fx.admin.ok('PATCH', `/institutions/${closed.id}`, { status: 'disabled' });
      await refused(post({ complained_org_id: closed.id }), 400, 'invalid_field', 'complained_org_id');
    });
    it('unknown region → 400 (field region_code)', async () => {
      await refused(post({ region_code: '119999' }), 400, 'invalid_field', 'region_code');
      await refused(post({ region_code: '11010' }), 400, undefined, 'region_code');
    });
    it('unknown or disabled source channel → 400 (field source_channel)', async () => {
      await refused(post({ source_channel: 'pigeon' }), 400, 'invalid_field', 'source_channel');
    });
    it('invalid resident ID checksum → 400 naming the complainant field', async () => {
      await refused(post({ complainant: { id_no: '110105194912310021' } }), 400, 'invalid_field', 'complainant.id_no');
      await refused(post({ complainant: { id_no: '11010519491231002' } }), 400, 'invalid_field', 'complainant.id_no');
      await refused(post({ complainant: { id_type: '88' } }), 400, 'invalid_field', 'complainant.id_type');
      await refused(post({ complainant: { phone: '138-abcd-0000' } }), 400, 'invalid_field', 'complainant.phone');
    });
    it('missing required fields (not a draft) → 400 missing_field', async () => {
      const body = complaintBody(fx.branch.id);
      delete body.cause_code;
      await refused(() => clerk.post('/complaints', body), 400, 'missing_field', 'cause_code');
      const noName = complaintBody(fx.branch.id, { complainant: { name: null } });
      delete noName.complainant.name;
      await refused(() => clerk.post('/complaints', noName), 400, 'missing_field');
    });
    it('negative amount → 400 (field amount_fen); wrong type → 400 invalid_field', async () => {
      await refused(post({ amount_fen: -100 }), 400, 'invalid_field', 'amount_fen');
      await refused(post({ amount_fen: '100' }), 400, 'invalid_field', 'amount_fen');
      await refused(post({ amount_fen: 12.5 }), 400, 'invalid_field', 'amount_fen');
      await refused(post({ rights: 'R04' }), 400, 'invalid_field', 'rights');
      await refused(post({ tags: ['vip'] }), 400, 'invalid_field', 'tags');
    });
    it('a 5000-character content → 400', async () => {
      await refused(post({ content: '投'.repeat(5000) }), 400, 'invalid_field', 'content');
      // The limit counts characters: 4000 Chinese characters (12000 bytes) are fine.
      const ok = await clerk.ok('POST', '/complaints', complaintBody(fx.branch.id, { content: '诉'.repeat(4000) }), 201);
      assert.equal(ok.content.length, 4000);
    });
  });

  describe('body', () => {
    it('invalid UTF-8 bytes (0xff 0xfe) in the body → 400', async () => {
      const text = JSON.stringify(complaintBody(fx.branch.id, { content: '@@BAD@@' }));
      const [a, b] = text.split('@@BAD@@');
      const bytes = Buffer.concat([Buffer.from(a), Buffer.from([0xff, 0xfe]), Buffer.from(b)]);
      await refused(raw(bytes), 400);
    });
    it('a body over 64 KiB → 413 body_too_large', async () => {
      await refused(post({ content: 'x'.repeat(70 * 1024) }), 413, 'body_too_large');
    });
    it('an unknown field → 400 unknown_field naming it', async () => {
      await refused(post({ urgency: 'high' }), 400, 'unknown_field', 'urgency');
      await refused(post({ complainant: { name: '张三', wechat: 'zs123' } }), 400, 'unknown_field');
    });
    it('a duplicate key → 400 duplicate_key', async () => {
      const text = JSON.stringify(complaintBody(fx.branch.id)).replace(/^\{/, '{"content":"第一次",');
      await refused(raw(text), 400, 'duplicate_key');
    });
    it('malformed JSON → 400 invalid_json', async () => {
      await refused(raw('{"content": "未闭合'), 400, 'invalid_json');
      await refused(raw('[1,2,3]'), 400);
    });
  });

  describe('drafts (暂存)', () => {
    let draft;
    it('draft:true with only content saves a draft', async () => {
      const before = await counts();
      draft = await clerk.ok('POST', '/complaints', { draft: true, content: '客户来电反映信用卡被重复扣款，信息未记全' }, 201);
      assert.equal(draft.status, 'draft');
      assert.equal(draft.draft, true);
      assert.equal(draft.due_at, null, 'a draft has no deadline');
      assert.equal(draft.content, '客户来电反映信用卡被重复扣款，信息未记全');
      assert.equal(typeof draft.version, 'number');
      const after = await counts();
      assert.equal(after.drafts, before.drafts + 1);
      assert.ok(after.audit > before.audit, 'saving a draft is audited');
    });

    it('listed with status=draft&mine=true, not to another registrar', async () => {
      const mine = await clerk.ok('GET', '/complaints?status=draft&mine=true');
      assert.ok(mine.items.some((x) => x.id === draft.id));
      assert.ok(mine.items.every((x) => x.status === 'draft'));
      const other = await staff(srv, fx.admin, ['registrar'], { org_id: fx.branch.id });
      const theirs = await other.client.ok('GET', '/complaints?status=draft&mine=true');
      assert.ok(!theirs.items.some((x) => x.id === draft.id));
      const r = await other.client.patch(`/complaints/${draft.id}`, { version: draft.version, demand: '别人的修改' });
      assert.ok([403, 404].includes(r.status), `another registrar cannot edit my draft: ${r.status} ${r.text}`);
    });

    it('submit with fields missing → 400 missing_field, still a draft', async () => {
      const r = await clerk.post(`/complaints/${draft.id}/actions/submit`, { version: draft.version });
      assertError(r, 400, 'missing_field');
      assert.ok(hasChinese(r.json.error.message));
      const now = await clerk.ok('GET', `/complaints/${draft.id}`);
      assert.equal(now.status, 'draft');
      assert.equal(now.version, draft.version);
    });

    it('PATCH fills the draft; it stays a draft (no validation of completeness yet)', async () => {
      const { content, draft: _d, received_at: _r, ...rest } = complaintBody(fx.branch.id);
      const r = await clerk.ok('PATCH', `/complaints/${draft.id}`, { version: draft.version, ...rest });
      assert.equal(r.status, 'draft');
      assert.equal(r.version, draft.version + 1);
      assert.equal(r.content, draft.content, 'untouched fields keep their value');
      assert.equal(r.cause_code, 'C07');
      assert.equal(r.complainant.name, '李*');
      draft = r;
      const stale = await clerk.patch(`/complaints/${draft.id}`, { version: draft.version - 1, demand: '旧版本' });
      assertError(stale, 409, 'stale_version');
      // Still missing received_at.
      const s = await clerk.post(`/complaints/${draft.id}/actions/submit`, { version: draft.version });
      assertError(s, 400, 'missing_field', 'received_at');
    });

    it('after filling, submit → registered with due_at 15 days after the receipt date, end of day (+08:00)', async () => {
      const received = isoDaysAgo(4, '21:15');
      draft = await clerk.ok('PATCH', `/complaints/${draft.id}`, { version: draft.version, received_at: received });
      const c = await step(clerk, draft, 'submit', {});
      assert.equal(c.status, 'registered');
      assert.equal(c.draft, false);
      assertDueEndOf(c.due_at, addDays(bankDateOf(received), 15));
      assert.equal(c.allowed_days, 15);
      assert.ok(c.registered_at);
      const actions = (await timeline(clerk, c.id)).map((e) => e.action);
      assert.equal(actions.at(-1), 'complaint.submit');
      // Re-coding a registered complaint is validated like registration: a non-leaf code → 400.
      const r = await clerk.patch(`/complaints/${c.id}`, { version: c.version, cause_code: 'B03' });
      assert.equal(r.status, 400, r.text);
    });

    it('a draft accepts invalid-for-registration values it can hold, but still refuses malformed ones', async () => {
      await refused(() => clerk.post('/complaints', { draft: true, amount_fen: -1 }), 400, 'invalid_field', 'amount_fen');
      await refused(() => clerk.post('/complaints', { draft: true, bogus: 1 }), 400, 'unknown_field', 'bogus');
    });
  });

  // Kept last: on the ASan build this request has crashed the server (the error's field name was
  // read after its JSON value was freed), which would take every later test down with it.
  describe('channel-specific fields', () => {
    it('pboc_transfer / nfra_transfer / petition without external_no → 400 missing_field', async () => {
      for (const ch of ['pboc_transfer', 'nfra_transfer', 'petition']) {
        await refused(post({ source_channel: ch }), 400, 'missing_field', 'external_no');
      }
      const ok = await clerk.ok('POST', '/complaints', complaintBody(fx.branch.id, { source_channel: 'pboc_transfer', external_no: 'RH2026112700123' }), 201);
      assert.equal(ok.external_no, 'RH2026112700123');
    });
  });
});
