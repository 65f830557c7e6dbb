// The complaint body is checked and bound into a typed command by one spec table (issue 14):
// every field a client sends arrives in the record under its own name, a JSON null means what
// the spec says (clears a text, is refused for a list, is ignored for the complainant), and a
// misspelt key, a missing required field or an integer out of range is a 400 JSON error naming
// the field — on POST and on PATCH alike — and writes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, hasChinese } from './lib/server.mjs';
import { complaintFixture, complaintBody, createComplaint } from './lib/complaints.mjs';

// The body as JSON text with one member's value written raw (numbers JSON.stringify cannot).
function rawBody(obj, key, text) {
  return JSON.stringify({ ...obj, [key]: '__RAW__' }).replace('"__RAW__"', text);
}

describe('complaint body binding', () => {
  let srv;
  let fx;
  let clerk;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { only: ['clerk'] });
    clerk = fx.clerk.client;
  });
  after(async () => { await srv?.stop(); });

  function assertError(r, code, field) {
    assert.equal(r.status, 400, `${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.error?.code, code, r.text.slice(0, 300));
    if (field !== undefined) assert.equal(r.json.error.field, field, r.text.slice(0, 300));
    assert.ok(hasChinese(r.json.error.message), r.json.error.message);
  }

  it('a valid body fills every field of the record', async () => {
    const body = complaintBody(fx.branch.id, {
      external_no: 'EXT-BIND-1', tags: ['major'], group_size: 3, amount_fen: 123456, rights: ['R04', 'R01'],
    });
    const c = await createComplaint(clerk, fx.branch.id, body);
    const got = await clerk.ok('GET', `/complaints/${c.id}`);
    for (const k of ['source_channel', 'complained_org_id', 'region_code', 'business_channel_code',
      'business_type_code', 'cause_code', 'content', 'demand', 'amount_fen', 'external_no', 'group_size']) {
      assert.deepEqual(got[k], body[k], k);
    }
    assert.deepEqual(got.rights, ['R04', 'R01']);
    assert.ok(got.tags.includes('major'));
    assert.equal(Date.parse(got.received_at), Date.parse(body.received_at));
    assert.equal(got.complainant.name.length > 0, true);
    assert.equal(got.status, 'registered');
  });

  it('a draft: null clears a text, null complainant is ignored, null rights is refused', async () => {
    const d = await clerk.ok('POST', '/complaints', { draft: true, content: '先记一笔', demand: '退款', complainant: { name: '王五' } }, 201);
    assert.equal(d.status, 'draft');
    const e = await clerk.ok('PATCH', `/complaints/${d.id}`, { version: d.version, content: null, complainant: null });
    assert.equal(e.content, '');
    assert.equal(e.demand, '退款');
    assert.equal(e.complainant.name, d.complainant.name);
    assertError(await clerk.patch(`/complaints/${d.id}`, { version: e.version, rights: null }), 'invalid_field', 'rights');
    const now = await clerk.ok('GET', `/complaints/${d.id}`);
    assert.equal(now.version, e.version, 'nothing written');
  });

  it('a misspelt key or a missing required field: 400 naming it', async () => {
    const c = await createComplaint(clerk, fx.branch.id);
    assertError(await clerk.post('/complaints', complaintBody(fx.branch.id, { cause_cod: 'C07' })), 'unknown_field', 'cause_cod');
    assertError(await clerk.patch(`/complaints/${c.id}`, { versoin: c.version, content: '改' }), 'unknown_field', 'versoin');
    assertError(await clerk.patch(`/complaints/${c.id}`, { content: '改' }), 'missing_field', 'version');
    assertError(await clerk.patch(`/complaints/${c.id}`, { version: c.version, draft: true }), 'unknown_field', 'draft');
    const now = await clerk.ok('GET', `/complaints/${c.id}`);
    assert.equal(now.version, c.version, 'nothing written');
  });

  it('an integer out of range: 400 JSON error, never 5xx', async () => {
    const body = complaintBody(fx.branch.id);
    const cases = [
      ['amount_fen', '99999999999999999999', 'invalid_json'], // past int64: not JSON the server reads
      ['amount_fen', '1e30', 'invalid_field'], // a real, not an integer
      ['amount_fen', '100000000000001', 'invalid_field'], // past the 1 trillion yuan cap
      ['group_size', '9223372036854775807', 'invalid_field'],
      ['complained_org_id', '-9223372036854775808', 'invalid_field'],
    ];
    for (const [key, text, code] of cases) {
      const r = await clerk.post('/complaints', rawBody(body, key, text));
      assertError(r, code, code === 'invalid_json' ? undefined : key);
    }
    const c = await createComplaint(clerk, fx.branch.id);
    assertError(await clerk.patch(`/complaints/${c.id}`, rawBody({ content: '改' }, 'version', '18446744073709551616')),
      'invalid_json');
  });
});
