// Attachments, the closure form and live updates (issue 3 items 9–11): uploads typed by content,
// stored with their SHA-256 and downloaded as attachments, refused types and sizes leave nothing
// behind, scope applies, every upload, download and print is audited; server-sent events reach
// the users who may see the complaint and nobody else.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startServer, request } from './lib/server.mjs';
import { complaintFixture, complaintBody, getBytes, auditTotal, closedComplaint } from './lib/complaints.mjs';
import { staff } from './lib/fixtures.mjs';

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(2000)]);

function upload(client, id, name, body) {
  return request(client.base, 'POST', `/api/v1/complaints/${id}/attachments?name=${encodeURIComponent(name)}`,
    { body, headers: { ...client.headers('POST'), 'Content-Type': 'application/octet-stream' } });
}

/** Collects server-sent events for ms milliseconds. */
function listen(client, ms) {
  const u = new URL(client.base);
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/v1/events', agent: false,
      headers: client.headers('GET') }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'], /text\/event-stream/);
      res.on('data', (d) => { text += d; });
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve(text) : reject(e)));
    setTimeout(() => { req.destroy(); resolve(text); }, ms);
  });
}

describe('attachments, closure form, live updates', () => {
  let srv, fx, c;
  before(async () => {
    srv = await startServer({ config: { attachment_max_mb: 1 } });
    fx = await complaintFixture(srv);
    c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
  });
  after(async () => { await srv?.stop(); });

  it('a PDF uploads (201, SHA-256 of the bytes) and downloads unchanged as an attachment', async () => {
    const r = await upload(fx.clerk.client, c.id, '投诉信.pdf', pdf);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.mime, 'application/pdf');
    assert.equal(r.json.sha256, crypto.createHash('sha256').update(pdf).digest('hex'));
    const list = await fx.rev.client.ok('GET', `/complaints/${c.id}/attachments`);
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].name, '投诉信.pdf');
    const d = await getBytes(fx.rev.client, `/attachments/${r.json.id}`);
    assert.equal(d.status, 200);
    assert.ok(d.body.equals(pdf), 'same bytes back');
    assert.match(d.headers['content-disposition'], /^attachment;/);
    assert.match(d.headers['content-disposition'], /filename\*=UTF-8''%E6%8A%95%E8%AF%89%E4%BF%A1\.pdf/);
    assert.equal(d.headers['x-content-type-options'], 'nosniff');
  });

  it('refused: disguised script (415), over the limit (413), no name (400) — nothing stored', async () => {
    const before = (await fx.rev.client.ok('GET', `/complaints/${c.id}/attachments`)).items.length;
    const events = await auditTotal(fx.aud);
    const script = await upload(fx.clerk.client, c.id, 'letter.pdf', Buffer.from('#!/bin/sh\nrm -rf /\n'));
    assert.equal(script.status, 415, script.text);
    assert.equal(script.json.error.code, 'file_type_not_allowed');
    const zip = await upload(fx.clerk.client, c.id, 'a.zip', Buffer.from('PK\x03\x04 zip'));
    assert.equal(zip.status, 415);
    const big = await upload(fx.clerk.client, c.id, 'big.pdf', Buffer.concat([pdf, Buffer.alloc(1024 * 1024)]));
    assert.equal(big.status, 413);
    const noname = await request(fx.clerk.client.base, 'POST', `/api/v1/complaints/${c.id}/attachments`,
      { body: pdf, headers: fx.clerk.client.headers('POST') });
    assert.equal(noname.status, 400);
    assert.equal((await fx.rev.client.ok('GET', `/complaints/${c.id}/attachments`)).items.length, before);
    assert.equal(await auditTotal(fx.aud), events, 'no audit event for refused uploads');
  });

  it('out of scope: another branch\u2019s handler can neither list nor download', async () => {
    const other = await staff(srv, fx.admin, ['handler'], { org_id: fx.branch2.id });
    const list = await other.client.get(`/complaints/${c.id}/attachments`);
    assert.equal(list.status, 404);
    const items = (await fx.rev.client.ok('GET', `/complaints/${c.id}/attachments`)).items;
    const d = await getBytes(other.client, `/attachments/${items[0].id}`);
    assert.equal(d.status, 404);
  });

  it('uploads, downloads and prints are audited', async () => {
    const audit = await fx.aud.client.ok('GET', `/audit?target_type=complaint&target_id=${c.id}&page_size=50`);
    const actions = audit.items.map((e) => e.action);
    for (const a of ['complaint.attachment_upload', 'complaint.attachment_download']) {
      assert.ok(actions.includes(a), `${a} in ${actions}`);
    }
    // Only a closed complaint has a closure form to print.
    const done = await closedComplaint(fx);
    const p = await fx.rev.client.ok('POST', `/complaints/${done.id}/print`);
    assert.equal(p.complaint.complaint_no, done.complaint_no);
    assert.equal(p.bank.parent_id, null);
    assert.match(p.complaint.complainant.name, /\*/);
    const printed = await fx.aud.client.ok('GET', `/audit?target_type=complaint&target_id=${done.id}&page_size=50`);
    assert.ok(printed.items.some((e) => e.action === 'complaint.print'), 'complaint.print audited');
  });

  it('server-sent events: the assignment reaches the reviewer (scope all), not another branch', async () => {
    const other = await staff(srv, fx.admin, ['handler'], { org_id: fx.branch2.id });
    const reviewerStream = listen(fx.rev.client, 1500);
    const otherStream = listen(other.client, 1500);
    await new Promise((r) => setTimeout(r, 300));
    const now = await fx.rev.client.ok('GET', `/complaints/${c.id}`);
    await fx.clerk.client.ok('POST', `/complaints/${c.id}/actions/assign`, { version: now.version, user_id: fx.clerk.user.id });
    const [seen, unseen] = await Promise.all([reviewerStream, otherStream]);
    assert.match(seen, /event: complaint\ndata: \{[^\n]*"complaint_no":"[^"]+"[^\n]*"action":"assign"/);
    assert.match(unseen, /: connected/);
    assert.doesNotMatch(unseen, /event: complaint/);
  });
});
