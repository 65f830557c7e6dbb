// Backups that restore (issue 10): `fcms backup --to DIR` while four writers create complaints,
// `fcms restore --from DIR --data NEWDIR [--db URL]`, and the restored server answering every
// complaint acknowledged before the backup began, unmasking identities, with the report totals
// of the source at the snapshot and an intact audit chain; restores with a wrong passphrase,
// without the key file or with an altered file fail with a clear message and write nothing.
// Then `fcms keys rotate` under load: every complaint stays readable and unmaskable throughout,
// and afterwards no row uses the old key and its file is gone. Runs on SQLite and PostgreSQL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, runFcms, login, request, sleep, createPgDatabase, dropPgDatabase, psql, PG_URL, FCMS_BIN, ADMIN_PASSWORD,
} from './lib/server.mjs';
import { complaintFixture, complaintBody, residentId, mobile, addDays, today } from './lib/complaints.mjs';
import { staff } from './lib/fixtures.mjs';

const PASS = 'Backup-口令-correct-horse-42';
const CHANNELS = ['phone', 'onsite', 'letter', 'email'];
const NAMES = ['赵一', '钱二', '孙三', '李四', '周五', '吴六', '郑七', '王八'];

// The fcms command without blocking the event loop (the writers keep going meanwhile).
function runAsync(args, env = {}) {
  return new Promise((resolve) => {
    const c = spawn(FCMS_BIN, args, { env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env } });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('exit', (status) => resolve({ status, output: out }));
  });
}

function identity(i) {
  return { name: NAMES[i % NAMES.length] + String(i), id_type: '01', id_no: residentId(), phone: mobile(), address: `北京市海淀区中关村大街${i}号`, gender: 'female' };
}

// Writers: each creates complaints of its own source channel until stop() is called.
function startWriters(client, orgId, made, n = 4) {
  let running = true;
  let seq = 0;
  const loops = [];
  for (let w = 0; w < n; w++) {
    loops.push((async () => {
      while (running) {
        const i = seq++;
        const complainant = identity(i);
        const r = await client.post('/complaints', complaintBody(orgId, { source_channel: CHANNELS[w], complainant }));
        assert.equal(r.status, 201, `create → ${r.status} ${r.text.slice(0, 300)}`);
        made.push({ id: r.json.id, channel: CHANNELS[w], complainant, ackAt: Date.now() });
      }
    })());
  }
  return async () => { running = false; await Promise.all(loops); };
}

async function allIds(client) {
  const ids = new Set();
  for (let page = 1; page < 200; page++) {
    const r = await client.ok('GET', `/complaints?page=${page}&page_size=100`);
    for (const c of r.items) ids.add(c.id);
    if (r.items.length < 100) break;
  }
  return ids;
}

const FROM = addDays(today(), -30);
const TO = today();
async function channelReport(client) {
  const r = await client.ok('GET', `/reports/source_channel?from=${FROM}&to=${TO}`);
  const counts = {};
  for (const row of r.rows) if (CHANNELS.includes(row.code)) counts[row.code] = row.count;
  return { counts, total: r.total };
}

async function assertUnmasks(client, c, ctx) {
  const r = await client.get(`/complaints/${c.id}/complainant`);
  assert.equal(r.status, 200, `${ctx}: unmask #${c.id} → ${r.status} ${r.text.slice(0, 200)}`);
  const got = r.json.complainant || r.json;
  assert.equal(got.name, c.complainant.name, `${ctx}: name of #${c.id}`);
  assert.equal(got.id_no, c.complainant.id_no, `${ctx}: id_no of #${c.id}`);
}

function tablesIn(url) {
  return Number(psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").trim());
}

describe('backup, restore, key rotation', () => {
  it('backup while 4 writers create complaints restores every acknowledged complaint, identities, report totals and audit chain; bad restores write nothing', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-backup-'));
    const src = await startServer();
    const cleanups = [() => fs.rmSync(tmp, { recursive: true, force: true })];
    try {
      const fx = await complaintFixture(src, { only: ['clerk', 'rev'] });
      const stat = await staff(src, fx.admin, ['statistician'], { org_id: fx.root.id });
      // An attachment and the export folder ride along.
      const first = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id, { complainant: identity(999) }), 201);
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(3000)]);
      const up = await request(src.base, 'POST', `/api/v1/complaints/${first.id}/attachments?name=${encodeURIComponent('材料.pdf')}`,
        { body: pdf, headers: { ...fx.clerk.client.headers('POST'), 'Content-Type': 'application/octet-stream' } });
      assert.equal(up.status, 201, up.text);
      fs.mkdirSync(path.join(src.dataDir, 'exports'), { recursive: true });
      fs.writeFileSync(path.join(src.dataDir, 'exports', 'ledger-test.xlsx'), 'export bytes');

      const made = [];
      const stopWriters = startWriters(fx.clerk.client, fx.branch.id, made);
      while (made.length < 40) await sleep(20);
      const bdir = path.join(tmp, 'backup');
      const began = Date.now();
      const b = await runAsync(['backup', '--to', bdir, '--data', src.dataDir, ...src.dbArgs], { FCMS_BACKUP_PASSPHRASE: PASS });
      const afterBackup = made.length;
      await sleep(300);
      await stopWriters();
      assert.equal(b.status, 0, `backup: ${b.output}`);
      assert.ok(made.length > afterBackup || made.length > 40, 'the writers kept writing while the backup ran');
      const ackedBefore = made.filter((c) => c.ackAt < began);
      assert.ok(ackedBefore.length >= 40, `${ackedBefore.length} complaints acknowledged before the backup`);

      // The backup: a manifest with SHA-256 of every file; keys only sealed.
      const manifest = JSON.parse(fs.readFileSync(path.join(bdir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.format, 'fcms-backup');
      assert.equal(manifest.backend, PG_URL ? 'postgresql' : 'sqlite');
      const listed = manifest.files.map((f) => f.path);
      assert.ok(listed.includes(PG_URL ? 'fcms.pgdump' : 'fcms.db'), JSON.stringify(listed));
      assert.ok(listed.some((p) => p.startsWith('attachments/')), `attachments in the backup: ${listed}`);
      assert.ok(listed.includes('exports/ledger-test.xlsx'), `exports in the backup: ${listed}`);
      for (const f of manifest.files) {
        const h = crypto.createHash('sha256').update(fs.readFileSync(path.join(bdir, f.path))).digest('hex');
        assert.equal(h, f.sha256, `sha256 of ${f.path}`);
      }
      assert.ok(!fs.existsSync(path.join(bdir, 'keys')), 'no clear key folder in the backup');
      const keyBytes = fs.readdirSync(path.join(src.dataDir, 'keys')).filter((n) => n.endsWith('.key'))
        .map((n) => fs.readFileSync(path.join(src.dataDir, 'keys', n)));
      for (const name of fs.readdirSync(bdir)) {
        const st = fs.statSync(path.join(bdir, name));
        if (!st.isFile()) continue;
        const bytes = fs.readFileSync(path.join(bdir, name));
        for (const k of keyBytes) assert.equal(bytes.indexOf(k), -1, `a key in clear in ${name}`);
      }

      // Source state after the writers stopped, for the report comparison.
      const srcReport = await channelReport(stat.client);
      const srcIds = await allIds(fx.rev.client);
      assert.equal(srcIds.size, made.length + 1, 'the source holds every complaint made');

      // --verify: manifest, passphrase, integrity_check, audit chain.
      let scratch = null;
      if (PG_URL) { scratch = createPgDatabase(); cleanups.push(() => dropPgDatabase(scratch.name)); }
      const v = runFcms(['backup', '--verify', bdir, ...(scratch ? ['--db', scratch.url] : [])], { env: { FCMS_BACKUP_PASSPHRASE: PASS } });
      assert.equal(v.status, 0, `verify: ${v.output}`);
      assert.match(v.output, /audit chain intact/);

      // Bad restores write nothing.
      let target = null;
      if (PG_URL) { target = createPgDatabase(); cleanups.push(() => dropPgDatabase(target.name)); }
      const dbArgs = target ? ['--db', target.url] : [];
      const newDir = path.join(tmp, 'restored');
      const wrong = runFcms(['restore', '--from', bdir, '--data', newDir, ...dbArgs], { env: { FCMS_BACKUP_PASSPHRASE: 'not-the-passphrase' } });
      assert.equal(wrong.status, 1, wrong.output);
      assert.match(wrong.output, /wrong passphrase/);
      assert.match(wrong.output, /口令错误/);
      assert.ok(!fs.existsSync(newDir), 'nothing written after a wrong passphrase');
      assert.deepEqual(fs.readdirSync(tmp).sort(), ['backup'], 'no staging folder left');
      if (target) assert.equal(tablesIn(target.url), 0, 'target database untouched');

      const nokey = path.join(tmp, 'nokey');
      fs.cpSync(bdir, nokey, { recursive: true });
      fs.rmSync(path.join(nokey, 'keys.sealed'));
      const nk = runFcms(['restore', '--from', nokey, '--data', newDir, ...dbArgs], { env: { FCMS_BACKUP_PASSPHRASE: PASS } });
      assert.equal(nk.status, 1, nk.output);
      assert.match(nk.output, /keys\.sealed is missing/);
      assert.ok(!fs.existsSync(newDir), 'nothing written without the key file');
      if (target) assert.equal(tablesIn(target.url), 0, 'target database untouched');

      const altered = path.join(tmp, 'altered');
      fs.cpSync(bdir, altered, { recursive: true });
      const dbf = path.join(altered, manifest.database.file);
      const bytes = fs.readFileSync(dbf);
      bytes[Math.floor(bytes.length / 2)] ^= 0x55;
      fs.writeFileSync(dbf, bytes);
      const al = runFcms(['restore', '--from', altered, '--data', newDir, ...dbArgs], { env: { FCMS_BACKUP_PASSPHRASE: PASS } });
      assert.equal(al.status, 1, al.output);
      assert.match(al.output, /altered/);
      assert.ok(!fs.existsSync(newDir), 'nothing written from an altered backup');

      // A non-empty target is refused.
      fs.mkdirSync(path.join(tmp, 'busy'));
      fs.writeFileSync(path.join(tmp, 'busy', 'x'), 'x');
      const busy = runFcms(['restore', '--from', bdir, '--data', path.join(tmp, 'busy'), ...dbArgs], { env: { FCMS_BACKUP_PASSPHRASE: PASS } });
      assert.equal(busy.status, 2, busy.output);

      // The restore itself.
      const r = runFcms(['restore', '--from', bdir, '--data', newDir, ...dbArgs], { env: { FCMS_BACKUP_PASSPHRASE: PASS } });
      assert.equal(r.status, 0, `restore: ${r.output}`);
      await src.stop();

      const dst = await startServer({ dataDir: newDir, db: target ? target.url : undefined });
      try {
        const rev = await login(dst.base, fx.rev.username, fx.rev.password);
        const tongji = await login(dst.base, stat.username, stat.password);
        const restored = await allIds(rev);
        for (const c of ackedBefore) assert.ok(restored.has(c.id), `complaint #${c.id} acknowledged before the backup is restored`);
        for (const id of restored) assert.ok(srcIds.has(id), `restored #${id} exists in the source`);
        assert.equal(restored.size, manifest.database.complaints, 'as many complaints as the snapshot held');
        // Identities open with the restored keys.
        for (const c of ackedBefore) await assertUnmasks(rev, c, 'restored');
        // The report equals the source's at the snapshot: the source's final report minus what
        // was created after the snapshot.
        const rep = await channelReport(tongji);
        for (const ch of CHANNELS) {
          const later = made.filter((c) => c.channel === ch && !restored.has(c.id)).length;
          assert.equal(rep.counts[ch] || 0, (srcReport.counts[ch] || 0) - later, `report ${ch}: restored vs source at the snapshot`);
          assert.equal(rep.counts[ch] || 0, made.filter((c) => c.channel === ch && restored.has(c.id)).length + (ch === 'phone' ? 1 : 0),
            `report ${ch}: the restored complaints of that channel (and the first one, by phone)`);
        }
        assert.equal(rep.total, srcReport.total - made.filter((c) => !restored.has(c.id)).length, 'report total');
        // The attachment came back byte for byte.
        const att = await rev.ok('GET', `/complaints/${first.id}/attachments`);
        assert.equal(att.items.length, 1);
      } finally {
        await dst.stop(); // asserts `fcms audit-verify` passes on the restored data
      }
    } finally {
      for (const f of cleanups.reverse()) f();
    }
  });

  it('keys rotate under load: every complaint stays readable and unmaskable, afterwards no row uses the old key', async () => {
    const srv = await startServer();
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
      const made = [];
      const stopSeed = startWriters(fx.clerk.client, fx.branch.id, made);
      while (made.length < 60) await sleep(20);
      await stopSeed();
      const before = JSON.parse(runFcms(['keys', 'status', '--data', srv.dataDir, ...srv.dbArgs]).stdout);
      const oldKey = before.current;
      assert.deepEqual(Object.keys(before.usage), [oldKey]);

      // Load during the rotation: 2 writers, 2 readers that unmask what exists.
      const stopWriters = startWriters(fx.clerk.client, fx.branch.id, made, 2);
      let reading = true;
      let reads = 0;
      const failures = [];
      const readers = [0, 1].map(async () => {
        while (reading) {
          const c = made[Math.floor(Math.random() * made.length)];
          const r = await fx.rev.client.get(`/complaints/${c.id}/complainant`);
          const got = r.json && (r.json.complainant || r.json);
          if (r.status !== 200 || got.name !== c.complainant.name || got.id_no !== c.complainant.id_no) {
            failures.push(`#${c.id}: ${r.status} ${r.text.slice(0, 200)}`);
          }
          const d = await fx.rev.client.get(`/complaints/${c.id}`);
          if (d.status !== 200) failures.push(`GET #${c.id}: ${d.status}`);
          reads++;
        }
      });
      const rot = await runAsync(['keys', 'rotate', '--data', srv.dataDir, ...srv.dbArgs, '--batch', '7', '--pause-ms', '20', '--grace-ms', '500']);
      const readsDuring = reads;
      reading = false;
      await Promise.all(readers);
      await stopWriters();
      assert.equal(rot.status, 0, `rotate: ${rot.output}`);
      assert.match(rot.output, /re-sealed in \d+ batches/);
      assert.deepEqual(failures, [], 'every read during the rotation succeeded');
      assert.ok(readsDuring > 10, `${readsDuring} reads ran during the rotation`);

      const after = JSON.parse(runFcms(['keys', 'status', '--data', srv.dataDir, ...srv.dbArgs]).stdout);
      assert.notEqual(after.current, oldKey);
      assert.deepEqual(Object.keys(after.usage), [after.current], `no row uses the old key: ${JSON.stringify(after.usage)}`);
      assert.equal(after.usage[after.current], made.length, 'every complaint under the new key');
      assert.deepEqual(after.key_files, [after.current], 'the old key file is gone');
      assert.ok(!fs.existsSync(path.join(srv.dataDir, 'keys', `pii-${oldKey}.key`)));
      // Everything still opens, including what was written during and after the rotation.
      const ident = identity(5000);
      const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id, { complainant: ident }), 201);
      made.push({ id: c.id, complainant: ident });
      for (const m of made) await assertUnmasks(fx.rev.client, m, 'after rotation');
      // Audited.
      const ev = await fx.aud.client.ok('GET', '/audit?page_size=50&action=pii.key_rotate');
      assert.ok(ev.items.some((e) => e.action === 'pii.key_rotate'), 'pii.key_rotate audited');
      const ev2 = await fx.aud.client.ok('GET', '/audit?page_size=50&action=pii.key_retire');
      assert.ok(ev2.items.some((e) => e.action === 'pii.key_retire'), 'pii.key_retire audited');
    } finally {
      await srv.stop();
    }
  });
});
