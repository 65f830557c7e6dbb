// Issue 11 M2 — attachments whose name lies about their content, and uploads by read-only roles.
// Before: recording.hta (an MP3 header, then VBScript), photo.bat (a GIF header) and
// evidence.html (a PDF header) were accepted and later downloaded under those names, and the
// 统计员 / 管理层查询 roles, which only read, could upload. Now the name's extension must be one of
// the sniffed content type's, and only those who work a complaint add material to it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, request, assertError } from './lib/server.mjs';
import { complaintFixture, complaintBody } from './lib/complaints.mjs';

function upload(client, id, name, body) {
  return request(client.base, 'POST', `/api/v1/complaints/${id}/attachments?name=${encodeURIComponent(name)}`,
    { body, headers: { ...client.headers('POST'), 'Content-Type': 'application/octet-stream' } });
}

const mp3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00'), Buffer.from('<script language="VBScript">CreateObject("WScript.Shell").Run "calc"</script>')]);
const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from('\r\n@echo off\r\ndel /q C:\\*\r\n')]);
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);

describe('abuse: attachment names and uploaders (M2)', () => {
  let srv, fx, c;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, { extra: {
      stat: { roles: ['statistician'], org: 'branch' },
      boss: { roles: ['manager'], org: 'branch' },
    } });
    c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id), 201);
  });
  after(async () => { await srv?.stop(); });

  for (const [name, body] of [['recording.hta', mp3], ['photo.bat', gif], ['evidence.html', pdf],
    ['scan.pdf.exe', pdf], ['noextension', pdf], ['photo.gif.', gif]]) {
    it(`${name}: refused (415 file_name_mismatch), nothing stored`, async () => {
      const r = await upload(fx.clerk.client, c.id, name, body);
      assertError(r, 415, 'file_name_mismatch', 'name');
      assert.match(r.json.error.message, /扩展名/);
    });
  }

  it('the same contents under their own extensions, in any letter case, are accepted', async () => {
    for (const [name, body] of [['录音.MP3', mp3], ['photo.Gif', gif], ['证据.pdf', pdf]])
      assert.equal((await upload(fx.clerk.client, c.id, name, body)).status, 201, name);
    const list = await fx.clerk.client.ok('GET', `/complaints/${c.id}/attachments`);
    const names = list.items.map((a) => a.name).sort();
    assert.deepEqual(names, ['photo.Gif', '录音.MP3', '证据.pdf'].sort(), 'only the honest names were stored');
  });

  it('read-only roles (统计员, 管理层查询) cannot upload; they still read the list', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(100)]);
    for (const who of ['stat', 'boss']) {
      assertError(await upload(fx[who].client, c.id, 'x.pdf', body), 403, 'forbidden');
      assert.equal((await fx[who].client.get(`/complaints/${c.id}/attachments`)).status, 200);
    }
  });
});
