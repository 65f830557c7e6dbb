// Call centre (issue 15 item 3) and OA approvals (item 4).
// Call centre: a service account's token with callcenter.lookup only: the screen-pop lookup by
// the caller's number (masked, audited, throttled like every exact PII lookup), intake with an
// Idempotency-Key (the call id: same key + same body → the same 201, another body → 422), and no
// other route. OA: extension and deletion requests routed to the OA through the webhook engine,
// the OA's signed callback applied as the in-app decision (timeline, audit, notification), forged
// and replayed callbacks refused, and the timeout handing the approval back to fcms.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, assertError, hasChinese, bearer, request, uid } from './lib/server.mjs';
import { auditEvents, createUser } from './lib/fixtures.mjs';
import { complaintBody, createComplaint, step, act, getComplaint, timeline, mobile } from './lib/complaints.mjs';
import { waitFor } from './lib/regulator.mjs';
import { startReceiver, sign } from './lib/receiver.mjs';
import { FAST, integrationFixture, subscribe } from './lib/integration.mjs';

describe('call centre and OA', () => {
  let srv, fx, rx, integ, cc, ccUser;
  before(async () => {
    rx = await startReceiver();
    srv = await startServer({ config: FAST });
    fx = await integrationFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    integ = fx.integ.client;
    const role = await fx.sec.client.ok('POST', '/roles', {
      code: uid('cc_'), name: uid('客服中心'), permissions: ['callcenter.lookup'], data_scope: 'all',
    }, 201);
    const created = await createUser(fx.admin, { org_id: fx.root.id, roles: [role.id], is_service: true, sec: fx.sec });
    ccUser = created.user;
    const t = await fx.sec.client.ok('POST', `/users/${ccUser.id}/tokens`, { name: '呼叫中心', expires_days: 30 }, 201);
    cc = bearer(srv.base, t.token);
  });
  after(async () => { await srv?.stop(); await rx?.stop(); });

  describe('call centre', () => {
    const phone = mobile('137');
    let callBody;

    it('intake with an Idempotency-Key registers once: a retry gets the same 201, another body a 422', async () => {
      callBody = complaintBody(fx.branch.id, { complainant: { phone }, source_channel: 'phone' });
      const key = `CALL-${uid('')}`;
      const post = (body, k = key) => request(srv.base, 'POST', '/api/v1/callcenter/complaints',
        { body, headers: { Authorization: `Bearer ${cc.token}`, 'Idempotency-Key': k } });
      const first = await post(callBody);
      assert.equal(first.status, 201, first.text);
      const again = await post(callBody);
      assert.equal(again.status, 201, again.text);
      assert.equal(again.json.id, first.json.id, 'the same complaint');
      assert.equal(again.json.complaint_no, first.json.complaint_no);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      // Key order is not a different body.
      const reordered = Object.fromEntries(Object.entries(callBody).reverse());
      assert.equal((await post(reordered)).json.id, first.json.id);
      const other = await post({ ...callBody, demand: '另一诉求' });
      assertError(other, 422, 'idempotency_key_reused', 'Idempotency-Key');
      assert.ok(hasChinese(other.json.error.message));
      const list = await fx.rev.client.ok('GET', `/complaints?q=${encodeURIComponent(first.json.complaint_no)}`);
      assert.equal(list.items.filter((x) => x.complaint_no === first.json.complaint_no).length, 1);
      const audits = await auditEvents(fx.aud.client, `action=complaint.register&target_id=${first.json.id}`);
      assert.equal(audits.length, 1, 'registered once');
      // concurrent retries of one call: one registration, every answer the same complaint
      const key2 = `CALL-${uid('')}`;
      const body2 = complaintBody(fx.branch.id);
      const answers = await Promise.all(Array.from({ length: 6 }, () => post(body2, key2)));
      for (const a of answers) assert.equal(a.status, 201, a.text);
      assert.equal(new Set(answers.map((a) => a.json.id)).size, 1, 'one complaint for the six concurrent requests');
      assert.equal((await auditEvents(fx.aud.client, `action=complaint.register&target_id=${answers[0].json.id}`)).length, 1);
      assertError(await cc.post('/callcenter/complaints', callBody), 400, 'missing_field', 'Idempotency-Key');
      assertError(await post(callBody, 'bad key with spaces'), 400, 'invalid_field', 'Idempotency-Key');
    });

    it('screen-pop: the caller\'s open complaints by number, masked and audited', async () => {
      const r = await cc.ok('GET', `/callcenter/lookup?phone=${phone}`);
      assert.ok(r.open.length >= 1, JSON.stringify(r));
      const hit = r.open[0];
      assert.match(hit.complaint_no, /-/);
      assert.equal(hit.status, 'registered');
      assert.ok(hasChinese(hit.status_label));
      assert.notEqual(hit.complainant.phone, phone);
      assert.match(hit.complainant.phone, /\*/);
      assert.ok(!JSON.stringify(r).includes(phone), 'the number never comes back in clear');
      assert.deepEqual((await cc.ok('GET', `/callcenter/lookup?phone=${mobile('135')}`)).open, []);
      const ev = await auditEvents(fx.aud.client, `action=complaint.lookup&target_id=${ccUser.id}`);
      assert.ok(ev.length >= 2 && ev.every((e) => !JSON.stringify(e).includes(phone)), 'audited with the masked number');
      assertError(await cc.get('/callcenter/lookup?phone=abc'), 400, 'invalid_field', 'phone');
    });

    it('the call-centre token reaches no other route', async () => {
      for (const [m, p] of [['GET', '/complaints'], ['GET', '/complaints/1'], ['POST', '/complaints'], ['GET', '/integration/subscriptions'],
        ['GET', '/users'], ['GET', '/audit'], ['GET', '/reports/category'], ['GET', '/regulator/status']]) {
        const r = await cc.req(m, p, m === 'POST' ? callBody : undefined);
        assertError(r, 403, 'forbidden');
      }
      // and the intake route is not for sessions without the permission
      assertError(await fx.clerk.client.get(`/callcenter/lookup?phone=${phone}`), 403, 'forbidden');
    });

    it('the call recording goes up in resumable chunks: offsets checked, audio only, size limit, own registrations only', async () => {
      const c = await (async () => {
        const r = await request(srv.base, 'POST', '/api/v1/callcenter/complaints', {
          body: complaintBody(fx.branch.id), headers: { Authorization: `Bearer ${cc.token}`, 'Idempotency-Key': `CALL-${uid('')}` } });
        assert.equal(r.status, 201, r.text);
        return r.json;
      })();
      // a 3 MiB WAV: RIFF header, fmt chunk, data
      const data = crypto.randomBytes(3 * 1024 * 1024 - 44);
      const hdr = Buffer.alloc(44);
      hdr.write('RIFF', 0); hdr.writeUInt32LE(36 + data.length, 4); hdr.write('WAVE', 8); hdr.write('fmt ', 12);
      hdr.writeUInt32LE(16, 16); hdr.writeUInt16LE(1, 20); hdr.writeUInt16LE(1, 22); hdr.writeUInt32LE(8000, 24);
      hdr.writeUInt32LE(16000, 28); hdr.writeUInt16LE(2, 32); hdr.writeUInt16LE(16, 34); hdr.write('data', 36); hdr.writeUInt32LE(data.length, 40);
      const wav = Buffer.concat([hdr, data]);
      const name = 'CALL-0007731.wav';
      const url = `/api/v1/callcenter/complaints/${c.id}/recording?name=${encodeURIComponent(name)}`;
      const put = (from, to, body = wav.subarray(from, to + 1), id = c.id, total = wav.length) => request(srv.base, 'PUT',
        url.replace(`/${c.id}/`, `/${id}/`), { body, headers: { Authorization: `Bearer ${cc.token}`, 'Content-Type': 'application/octet-stream',
          'Content-Range': `bytes ${from}-${to}/${total}` } });
      const MB = 1024 * 1024;
      // not audio
      const html = Buffer.from('<html><script>alert(1)</script></html>');
      assertError(await put(0, html.length - 1, html, c.id, html.length), 415, 'file_type_not_allowed');
      // someone else's complaint
      const other = await createComplaint(fx.clerk.client, fx.branch.id);
      assertError(await put(0, MB - 1, undefined, other.id), 404, 'not_found');
      // first chunk, then a gap: refused with the offset to resume from
      let r = await put(0, MB - 1);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.offset, MB);
      r = await put(2 * MB, 3 * MB - 1);
      assertError(r, 409, 'upload_offset_mismatch', 'Content-Range');
      assert.equal(r.json.error.offset, MB);
      assert.equal((await cc.ok('GET', `/callcenter/complaints/${c.id}/recording?name=${encodeURIComponent(name)}`)).offset, MB);
      assertError(await put(MB, 2 * MB, wav.subarray(MB, 2 * MB)), 400, 'invalid_field', 'Content-Range'); // body shorter than the range
      r = await put(MB, 2 * MB - 1);
      assert.equal(r.json.offset, 2 * MB);
      r = await put(2 * MB, wav.length - 1);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.mime, 'audio/wav');
      assert.equal(r.json.size, wav.length);
      assert.equal(r.json.sha256, crypto.createHash('sha256').update(wav).digest('hex'));
      const list = await fx.rev.client.ok('GET', `/complaints/${c.id}/attachments`);
      assert.ok(list.items.some((a) => a.id === r.json.id && a.name === name));
      const ev = await auditEvents(fx.aud.client, `action=complaint.attachment_upload&target_id=${c.id}`);
      assert.equal(ev.length, 1);
      assert.equal(ev[0].detail.recording, true);
      // the size limit of the settings
      await integ.ok('PUT', '/integration/settings', { recording_max_mb: 2 });
      assertError(await put(0, MB - 1, undefined, c.id, 3 * MB), 413, 'too_large');
      await integ.ok('PUT', '/integration/settings', { recording_max_mb: 200 });
    });

    it('lookups are throttled: past 30 a minute the answer is 429, and the refusal is audited', async () => {
      let refused = null;
      for (let i = 0; i < 40 && !refused; i++) {
        const r = await cc.get(`/callcenter/lookup?phone=${mobile('136')}`);
        if (r.status === 429) refused = r;
        else assert.equal(r.status, 200, r.text);
      }
      assert.ok(refused, 'a 429 within 40 lookups');
      assertError(refused, 429, 'too_many_lookups');
      const denied = await auditEvents(fx.aud.client, `action=complaint.lookup&target_id=${ccUser.id}&result=denied`);
      assert.ok(denied.length >= 1, 'the refusal is on the audit chain');
    });
  });

  describe('OA approvals', () => {
    let oa;
    const oaPost = (body, { secret = oa.secret, t, id = oa.id, raw } = {}) => {
      const text = raw ?? JSON.stringify(body);
      return request(srv.base, 'POST', '/api/v1/oa/callback', {
        body: text, headers: { 'Content-Type': 'application/json', 'X-Fcms-Oa-Id': String(id), 'X-Fcms-Signature': sign(secret, text, t) },
      });
    };
    const processing = async () => step(fx.clerk.client, await createComplaint(fx.clerk.client, fx.branch.id), 'assign', { user_id: fx.clerk.user.id });
    const requested = (cid) => waitFor(() => rx.events('/oa').find((e) => e.type === 'approval.requested' && e.complaint.id === cid), 15000, 'approval.requested at the OA');

    before(async () => {
      oa = await subscribe(integ, { url: rx.url('/oa'), kind: 'oa', event_types: ['approval.requested'] });
      rx.st.secrets.set('/oa', oa.secret);
      await integ.ok('PUT', '/integration/settings', { oa_extension: true, oa_delete: true, oa_timeout_s: 3600 });
    });

    it('an extension goes to the OA; in-app approval waits; the signed decision applies as if made in fcms', async () => {
      let c = await step(fx.clerk.client, await processing(), 'extend', { days: 10, reason: '需调取监控录像' });
      const ev = await requested(c.id);
      assert.equal(ev.approval.kind, 'extension');
      assert.equal(ev.approval.days, 10);
      assert.equal(ev.approval.reason, '需调取监控录像');
      assertError(await act(fx.rev.client, c, 'approve_extension'), 409, 'oa_pending');
      // forged: another secret; stale: an old timestamp; malformed body
      const body = { approval_id: ev.approval.id, decision: 'approved', approver: '王经理', comment: '同意延期' };
      assertError(await oaPost(body, { secret: 'whsec_forged' }), 401, 'bad_signature');
      assertError(await oaPost(body, { t: Math.floor(Date.now() / 1000) - 3600 }), 401, 'stale_signature');
      assertError(await oaPost(body, { id: 999999 }), 401, 'bad_signature');
      assertError(await oaPost({ ...body, decision: 'maybe' }), 400, 'invalid_field');
      const ok = await oaPost(body);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.complaint_id, c.id);
      const now = await getComplaint(fx.clerk.client, c.id);
      assert.equal(now.pending, null);
      assert.equal(now.extension_count, 1);
      assert.equal(now.allowed_days, c.allowed_days + 10);
      const last = (await timeline(fx.clerk.client, c.id)).at(-1);
      assert.equal(last.action, 'complaint.approve_extension');
      assert.equal(last.actor, 'OA:王经理');
      // the same callback again: refused as a replay, nothing applied twice
      const again = await oaPost(body);
      assert.equal(again.status, 409, again.text);
      assert.equal((await getComplaint(fx.clerk.client, c.id)).extension_count, 1, 'applied once');
    });

    it('a replayed callback (same bytes, same signature) is refused', async () => {
      const c = await step(fx.clerk.client, await processing(), 'request_delete', { reason: '重复录入' });
      const ev = await requested(c.id);
      assert.equal(ev.approval.kind, 'delete');
      const text = JSON.stringify({ approval_id: ev.approval.id, decision: 'rejected', approver: '李处长', comment: '并非重复' });
      const sig = sign(oa.secret, text);
      const send = () => request(srv.base, 'POST', '/api/v1/oa/callback', {
        body: text, headers: { 'Content-Type': 'application/json', 'X-Fcms-Oa-Id': String(oa.id), 'X-Fcms-Signature': sig },
      });
      assert.equal((await send()).status, 200);
      assertError(await send(), 409, 'replayed');
      const now = await getComplaint(fx.clerk.client, c.id);
      assert.equal(now.status, 'processing', 'deletion rejected: the complaint stays');
      assert.equal(now.pending, null);
      const last = (await timeline(fx.clerk.client, c.id)).at(-1);
      assert.equal(last.action, 'complaint.reject_delete');
      const notes = await fx.clerk.client.ok('GET', '/notifications');
      assert.ok((notes.items || []).some((n) => n.complaint_id === c.id && /删除申请已被驳回：并非重复/.test(n.message)),
        'the requester is notified as for an in-app rejection');
    });

    it('a timeout hands the approval back to fcms; a late OA answer is refused', async () => {
      await integ.ok('PUT', '/integration/settings', { oa_timeout_s: 10 });
      const c = await step(fx.clerk.client, await processing(), 'extend', { days: 5, reason: '等待客户补充材料' });
      const ev = await requested(c.id);
      assertError(await act(fx.rev.client, c, 'approve_extension'), 409, 'oa_pending');
      await waitFor(() => rx.events('/oa').find((e) => e.type === 'approval.expired' && e.approval.id === ev.approval.id), 25000, 'approval.expired');
      const done = await step(fx.rev.client, c, 'approve_extension');
      assert.equal(done.extension_count, 1);
      const late = await oaPost({ approval_id: ev.approval.id, decision: 'rejected', approver: '王经理', comment: '' });
      assert.equal(late.status, 409, late.text);
      const list = await integ.ok('GET', '/integration/oa-approvals');
      assert.equal(list.items.find((a) => a.id === ev.approval.id).status, 'expired');
      await integ.ok('PUT', '/integration/settings', { oa_timeout_s: 3600 });
    });

    it('the approvals list: newest first, filtered by status, kind, number and date, paged', async () => {
      const all = await integ.ok('GET', '/integration/oa-approvals?page_size=200');
      assert.ok(all.total >= 3 && all.items.length === all.total, JSON.stringify(all).slice(0, 300));
      const times = all.items.map((a) => Date.parse(a.requested_at));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      for (const a of all.items) assert.ok(a.complaint_no && a.complaint_status && a.requested_by_name && a.subscription_name, JSON.stringify(a));
      for (const [q, ok] of [['status=expired', (a) => a.status === 'expired'], ['status=approved', (a) => a.status === 'approved'],
        ['kind=delete', (a) => a.kind === 'delete'], ['kind=extension&status=expired', (a) => a.kind === 'extension' && a.status === 'expired']]) {
        const r = await integ.ok('GET', `/integration/oa-approvals?${q}`);
        assert.equal(r.total, all.items.filter(ok).length, q);
        assert.ok(r.total >= 1 && r.items.every(ok), q);
      }
      const one = all.items[1];
      const byNo = await integ.ok('GET', `/integration/oa-approvals?complaint_no=${encodeURIComponent(one.complaint_no)}`);
      assert.deepEqual(byNo.items.map((a) => a.id), all.items.filter((a) => a.complaint_no === one.complaint_no).map((a) => a.id));
      const day = one.requested_at.slice(0, 10);
      assert.equal((await integ.ok('GET', `/integration/oa-approvals?from=${day}&to=${day}`)).total, all.items.filter((a) => a.requested_at.startsWith(day)).length);
      assert.equal((await integ.ok('GET', '/integration/oa-approvals?from=2001-01-01&to=2001-01-31')).total, 0);
      const page2 = await integ.ok('GET', '/integration/oa-approvals?page=2&page_size=1');
      assert.equal(page2.items[0].id, all.items[1].id);
      assertError(await integ.get('/integration/oa-approvals?status=maybe'), 400, 'invalid_field', 'status');
      assertError(await integ.get('/integration/oa-approvals?kind=x'), 400, 'invalid_field', 'kind');
      assertError(await integ.get('/integration/oa-approvals?from=2026-13-01'), 400, 'invalid_field', 'from');
      assertError(await fx.clerk.client.get('/integration/oa-approvals'), 403, 'forbidden');
    });
  });
});
