// Call recordings fetched from an allow-listed recording server (issue 15 item 3):
// POST /api/v1/callcenter/complaints/{id}/recording/fetch {url, name?} by the call centre's
// service token. A real local recording server (node http) serves a WAV, an oversized file (with
// and without Content-Length), a redirect to a host off the list, a stalled transfer and a
// non-audio file; a second server plays the off-list host and counts what reaches it.
// The allow-list (integration setting recording_fetch_prefixes): https, or http only to
// 127.0.0.1 / localhost; scheme + host + port + path prefix at a segment boundary; no user info,
// no "..": a URL off it is a 400 url_not_allowed in Chinese and nothing is fetched.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { startServer, assertError, hasChinese, bearer, request, uid } from './lib/server.mjs';
import { auditEvents, createUser } from './lib/fixtures.mjs';
import { complaintBody, createComplaint, getBytes } from './lib/complaints.mjs';
import { integrationFixture } from './lib/integration.mjs';

const MB = 1024 * 1024;

function wavOf(size) {
  const data = crypto.randomBytes(size - 44);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

// A recording server: routes by path; hits counted per path.
async function startRecorder(routes) {
  const hits = new Map();
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    hits.set(req.url, (hits.get(req.url) || 0) + 1);
    const fn = routes[req.url];
    if (!fn) { res.writeHead(404); res.end('no such recording'); return; }
    fn(req, res);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port, hits, url: (p) => `http://127.0.0.1:${port}${p}`,
    stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

describe('call recording fetched from an allow-listed recording server', () => {
  let srv, fx, integ, cc, rec, evil, complaint;
  const wav = wavOf(3 * MB + 123);
  const big = wavOf(2 * MB + 10);
  before(async () => {
    evil = await startRecorder({ '/steal.wav': (req, res) => { res.writeHead(200, { 'Content-Type': 'audio/wav' }); res.end(wav); } });
    rec = await startRecorder({
      '/calls/2026/CALL-0007731.wav': (req, res) => { res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length }); res.end(wav); },
      '/calls/big.wav': (req, res) => { res.writeHead(200, { 'Content-Length': big.length }); res.end(big); },
      '/calls/big-chunked.wav': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'audio/wav' }); // no length: chunked
        let off = 0;
        const more = () => { if (off >= big.length) { res.end(); return; } res.write(big.subarray(off, off + 65536), more); off += 65536; };
        more();
      },
      '/calls/moved.wav': (req, res) => { res.writeHead(302, { Location: evil.url('/steal.wav') }); res.end(); },
      '/calls/slow.wav': (req, res) => { res.writeHead(200, { 'Content-Length': wav.length }); res.write(wav.subarray(0, 1000)); /* then nothing */ },
      '/calls/page.wav': (req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html><script>alert(1)</script></html>'); },
      '/calls/gone.wav': (req, res) => { res.writeHead(500); res.end('recorder down'); },
    });
    srv = await startServer();
    fx = await integrationFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    integ = fx.integ.client;
    const role = await fx.sec.client.ok('POST', '/roles', {
      code: uid('cc_'), name: uid('客服中心'), permissions: ['callcenter.lookup'], data_scope: 'all',
    }, 201);
    const created = await createUser(fx.admin, { org_id: fx.root.id, roles: [role.id], is_service: true, sec: fx.sec });
    const t = await fx.sec.client.ok('POST', `/users/${created.user.id}/tokens`, { name: '呼叫中心', expires_days: 30 }, 201);
    cc = bearer(srv.base, t.token);
    const r = await request(srv.base, 'POST', '/api/v1/callcenter/complaints', {
      body: complaintBody(fx.branch.id), headers: { Authorization: `Bearer ${cc.token}`, 'Idempotency-Key': `CALL-${uid('')}` } });
    assert.equal(r.status, 201, r.text);
    complaint = r.json;
  });
  after(async () => { await srv?.stop(); await rec?.stop(); await evil?.stop(); });

  const fetchRec = (body, id = complaint.id) => cc.post(`/callcenter/complaints/${id}/recording/fetch`, body);

  it('the allow-list setting: https, or http only to the local machine; no user info, query or ..', async () => {
    for (const bad of ['http://rec.bank.local/calls/', 'ftp://127.0.0.1/calls/', 'https://u:p@rec.bank.local/calls/',
      'https://rec.bank.local', 'https://rec.bank.local/calls/?k=1', 'https://rec.bank.local/a/../b/', 'https://rec.bank.local:99999/x/']) {
      const r = await integ.put('/integration/settings', { recording_fetch_prefixes: bad });
      assertError(r, 400, 'invalid_field', 'recording_fetch_prefixes');
      assert.ok(hasChinese(r.json.error.message), bad);
    }
    const ok = await integ.ok('PUT', '/integration/settings', {
      recording_fetch_prefixes: `https://rec.bank.local/calls/ ${rec.url('/calls')}`, recording_fetch_timeout_s: 3,
    });
    assert.equal(ok.recording_fetch_prefixes, `https://rec.bank.local/calls/ ${rec.url('/calls')}`);
    assert.equal(ok.recording_fetch_timeout_s, 3);
    assertError(await integ.put('/integration/settings', { recording_fetch_timeout_s: 0 }), 400, 'invalid_field', 'recording_fetch_timeout_s');
  });

  it('an allowed URL is fetched, sniffed as audio, attached and audited with its source', async () => {
    const url = rec.url('/calls/2026/CALL-0007731.wav');
    const r = await fetchRec({ url });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'CALL-0007731.wav');
    assert.equal(r.json.mime, 'audio/wav');
    assert.equal(r.json.size, wav.length);
    assert.equal(r.json.sha256, crypto.createHash('sha256').update(wav).digest('hex'));
    assert.equal(r.json.source_url, url);
    const list = await fx.rev.client.ok('GET', `/complaints/${complaint.id}/attachments`);
    assert.ok(list.items.some((a) => a.id === r.json.id && a.name === 'CALL-0007731.wav'));
    const got = await getBytes(fx.rev.client, `/attachments/${r.json.id}`);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(wav), 'the stored file is the server\'s bytes');
    const ev = await auditEvents(fx.aud.client, `action=complaint.attachment_upload&target_id=${complaint.id}`);
    assert.equal(ev.length, 1);
    assert.equal(ev[0].detail.recording, true);
    assert.equal(ev[0].detail.source_url, url);
    // a name given in the body wins over the URL's
    const named = await fetchRec({ url, name: '来电录音-0007731.wav' });
    assert.equal(named.status, 201, named.text);
    assert.equal(named.json.name, '来电录音-0007731.wav');
  });

  it('a URL off the list is refused with a 400 in Chinese and never fetched', async () => {
    const before = new Map(rec.hits);
    const off = [
      evil.url('/steal.wav'),                                        // another port
      `http://localhost:${rec.port}/calls/2026/CALL-0007731.wav`,   // another host name
      rec.url('/other/x.wav'),                                      // outside the path
      rec.url('/calls-evil/x.wav'),                                 // not at a segment boundary
      rec.url('/calls/../other/x.wav'),                             // climbing out
      rec.url('/calls/%2e%2e/other/x.wav'),                         // encoded
      `http://user:pw@127.0.0.1:${rec.port}/calls/2026/CALL-0007731.wav`, // user info
      `https://127.0.0.1:${rec.port}/calls/2026/CALL-0007731.wav`,  // another scheme
      'file:///etc/passwd',
    ];
    for (const url of off) {
      const r = await fetchRec({ url });
      assertError(r, 400, 'url_not_allowed', 'url');
      assert.ok(hasChinese(r.json.error.message), url);
    }
    assert.deepEqual(rec.hits, before, 'nothing reached the recording server');
    assert.equal(evil.hits.size, 0, 'nothing reached the off-list host');
    assertError(await fetchRec({}), 400, 'missing_field', 'url');
  });

  it('over recording_max_mb is refused (declared length and chunked), nothing attached', async () => {
    await integ.ok('PUT', '/integration/settings', { recording_max_mb: 2 });
    try {
      for (const p of ['/calls/big.wav', '/calls/big-chunked.wav']) {
        const r = await fetchRec({ url: rec.url(p) });
        assertError(r, 413, 'too_large');
        assert.match(r.json.error.message, /2 MB/);
      }
    } finally {
      await integ.ok('PUT', '/integration/settings', { recording_max_mb: 200 });
    }
    const list = await fx.rev.client.ok('GET', `/complaints/${complaint.id}/attachments`);
    assert.ok(!list.items.some((a) => a.name === 'big.wav' || a.name === 'big-chunked.wav'));
  });

  it('a redirect is not followed (to an off-list host: refused, the host never hit)', async () => {
    const r = await fetchRec({ url: rec.url('/calls/moved.wav') });
    assertError(r, 502, 'redirect_refused', 'url');
    assert.match(r.json.error.message, /重定向/);
    assert.equal(evil.hits.size, 0, 'the redirect target was never contacted');
  });

  it('a stalled transfer times out (recording_fetch_timeout_s) with a 504 and no attachment', async () => {
    const t0 = Date.now();
    const r = await fetchRec({ url: rec.url('/calls/slow.wav') });
    assertError(r, 504, 'upstream_timeout', 'url');
    assert.ok(Date.now() - t0 < 15000, `answered in ${Date.now() - t0} ms`);
    assert.match(r.json.error.message, /3 秒/);
  });

  it('not audio, a server error, someone else\'s complaint', async () => {
    assertError(await fetchRec({ url: rec.url('/calls/page.wav') }), 415, 'file_type_not_allowed');
    const gone = await fetchRec({ url: rec.url('/calls/gone.wav') });
    assertError(gone, 502, 'upstream_error', 'url');
    assert.match(gone.json.error.message, /500/);
    const other = await createComplaint(fx.clerk.client, fx.branch.id);
    assertError(await fetchRec({ url: rec.url('/calls/2026/CALL-0007731.wav') }, other.id), 404, 'not_found');
    // the route is the call centre's: a clerk's session is refused
    assertError(await fx.clerk.client.post(`/callcenter/complaints/${complaint.id}/recording/fetch`, { url: rec.url('/calls/2026/CALL-0007731.wav') }), 403, 'forbidden');
    const list = await fx.rev.client.ok('GET', `/complaints/${complaint.id}/attachments`);
    assert.equal(list.items.length, 2, 'only the two good fetches are attached');
  });
});
