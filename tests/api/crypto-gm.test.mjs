// The gm crypto profile (issue 17, docs/crypto.md): a database created with --crypto gm records
// it, `fcms version` and /healthz (administrators only) show it, the audit chain is SM3 from its
// first event (recomputed here with node's own SM3), identities are sealed under an sm4- key,
// audit-verify passes and catches tampering. Then a default database moves to gm online with
// `fcms keys rotate --to gm` while readers unmask and writers create complaints: every read
// succeeds, afterwards every row is under the gm key, lookups by ID number still find them, the
// audit log carries the audit.rechain checkpoint and verifies. Runs on SQLite and PostgreSQL
// whatever FCMS_TEST_CRYPTO says (each test chooses its profile).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, runFcms, login, anonymous, psql, FCMS_BIN, ADMIN_PASSWORD, BACKEND,
} from './lib/server.mjs';
import { complaintFixture, complaintBody, residentId, mobile } from './lib/complaints.mjs';

function runAsync(args) {
  return new Promise((resolve) => {
    const c = spawn(FCMS_BIN, args, { env: { ...process.env, FCMS_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('exit', (status) => resolve({ status, output: out }));
  });
}

function identity(i) {
  return { name: `国密${i}`, id_type: '01', id_no: residentId(), phone: mobile(), address: `上海市浦东新区世纪大道${i}号`, gender: 'male' };
}

// Query results straight from the database (the SQL text is the same on both backends).
function sql(srv, text) {
  if (BACKEND === 'postgresql') return psql(srv.db, text).trim();
  const r = spawnSync('sqlite3', [path.join(srv.dataDir, 'fcms.db'), text], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const status = (srv) => JSON.parse(runFcms(['keys', 'status', '--data', srv.dataDir, ...srv.dbArgs]).stdout);

describe('crypto profile gm', () => {
  it('init --crypto gm: recorded, shown by version and /healthz to administrators, SM3 chain from event 1, sm4 sealing', async () => {
    const srv = await startServer({ crypto: 'gm' });
    try {
      // `fcms init` on it again: same profile is a no-op, another one is refused with the way out.
      const again = runFcms(['init', '--crypto', 'gm', '--data', srv.dataDir, ...srv.dbArgs]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /crypto profile gm/);
      const other = runFcms(['init', '--crypto', 'default', '--data', srv.dataDir, ...srv.dbArgs]);
      assert.equal(other.status, 1);
      assert.match(other.stderr, /keys rotate --to default/);
      const v = runFcms(['version', '--data', srv.dataDir, ...srv.dbArgs]);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /crypto profile: gm \(seal SM4-CTR\+HMAC-SM3, blind index HMAC-SM3, audit chain SM3, signatures SM2, passwords PBKDF2-HMAC-SM3\)/);

      const anon = await anonymous(srv.base).get('/healthz');
      assert.equal(anon.status, 200);
      assert.equal(anon.json.crypto, undefined, 'anonymous callers do not see the profile');
      const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
      const h = await admin.get('/healthz');
      assert.equal(h.json.crypto.profile, 'gm');
      assert.equal(h.json.crypto.instance_profile, 'gm');
      assert.equal(h.json.crypto.audit_hash, 'SM3');

      const fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
      const p = identity(1);
      const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id, { complainant: p }), 201);
      const st = status(srv);
      assert.equal(st.profile, 'gm');
      assert.match(st.current, /^sm4-[0-9a-f]{8}$/);
      assert.deepEqual(Object.keys(st.usage), [st.current]);
      const un = await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
      assert.equal((un.complainant || un).id_no, p.id_no);
      const found = await fx.rev.client.ok('GET', `/complaints?id_no=${p.id_no}`);
      assert.deepEqual(found.items.map((x) => x.id), [c.id]);
      // Password hashes made under gm are PBKDF2-HMAC-SM3.
      const hashes = sql(srv, "SELECT password_hash FROM users WHERE username <> 'admin' LIMIT 1");
      assert.match(hashes, /^\$pbkdf2-sm3\$i=\d+\$/);

      // The chain: event 1 switches to gm over the zero head; every stored hash is SM3 of
      // prev "\n" canonical JSON, recomputed here independently.
      const rows = sql(srv, "SELECT seq || '|' || action || '|' || prev_hash || '|' || hash FROM audit_events WHERE seq <= 3 ORDER BY seq").split('\n');
      assert.match(rows[0], /^1\|audit\.rechain\|0{64}\|[0-9a-f]{64}$/);
      const ev1 = JSON.parse(sql(srv, BACKEND === 'postgresql'
        ? "SELECT json_build_array(seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail, prev_hash, hash) FROM audit_events WHERE seq = 1"
        : "SELECT json_array(seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail, prev_hash, hash) FROM audit_events WHERE seq = 1"));
      const [seq, at, actorId, actor, ip, action, tt, tid, result, detail, prev, hash] = ev1;
      const canon = JSON.stringify(['fcms-audit-v1', seq, at, actorId ?? 0, actor, ip, action, tt, tid, result, detail, prev]);
      assert.equal(crypto.createHash('sm3').update(`${prev}\n${canon}`).digest('hex'), hash, 'event 1 is SM3-chained');
      assert.equal(JSON.parse(detail).to, 'gm');
    } finally {
      await srv.stop(); // audit-verify after the stop must pass
    }
  });

  it('audit-verify under gm catches an edited event and a head switched without a rechain event', { skip: BACKEND !== 'sqlite' && 'SQLite file edits' }, async () => {
    const srv = await startServer({ crypto: 'gm', keep: true });
    const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
    await admin.get('/auth/me');
    await srv.stop({ verifyAudit: true, keep: true });
    const db = path.join(srv.dataDir, 'fcms.db');
    const ok = runFcms(['audit-verify', '--data', srv.dataDir]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const edit = (text) => { const r = spawnSync('sqlite3', [db, text], { encoding: 'utf8' }); assert.equal(r.status, 0, r.stderr); };
    edit("UPDATE audit_head SET alg = 'default'");
    let r = runFcms(['audit-verify', '--data', srv.dataDir]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /BROKEN/);
    edit("UPDATE audit_head SET alg = 'gm'");
    assert.equal(runFcms(['audit-verify', '--data', srv.dataDir]).status, 0);
    edit("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor = 'mallory' WHERE seq = 2");
    r = runFcms(['audit-verify', '--data', srv.dataDir]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /BROKEN at event 2/);
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
  });

  it('keys rotate --to gm moves a default database online: every read succeeds during and after, lookups keep working, chain re-checkpointed', async () => {
    const srv = await startServer({ crypto: false });
    try {
      const fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
      const made = [];
      for (let i = 0; i < 40; i++) {
        const p = identity(i);
        const c = await fx.clerk.client.ok('POST', '/complaints', complaintBody(fx.branch.id, { complainant: p }), 201);
        made.push({ id: c.id, p });
      }
      const before = status(srv);
      assert.equal(before.profile, 'default');
      assert.match(before.current, /^[0-9a-f]{8}$/);
      const headBefore = sql(srv, 'SELECT seq || \'|\' || hash FROM audit_head');

      let running = true;
      let reads = 0;
      const failures = [];
      const readers = [0, 1].map(async () => {
        while (running) {
          const m = made[Math.floor(Math.random() * made.length)];
          const r = await fx.rev.client.get(`/complaints/${m.id}/complainant`);
          const got = r.json && (r.json.complainant || r.json);
          if (r.status !== 200 || got.id_no !== m.p.id_no) failures.push(`#${m.id}: ${r.status} ${r.text.slice(0, 200)}`);
          reads++;
        }
      });
      const writer = (async () => {
        let i = 1000;
        while (running) {
          const p = identity(i++);
          const r = await fx.clerk.client.post('/complaints', complaintBody(fx.branch.id, { complainant: p }));
          if (r.status !== 201) failures.push(`create: ${r.status} ${r.text.slice(0, 200)}`);
          else made.push({ id: r.json.id, p });
        }
      })();
      const rot = await runAsync(['keys', 'rotate', '--to', 'gm', '--data', srv.dataDir, ...srv.dbArgs, '--batch', '5', '--pause-ms', '20', '--grace-ms', '500']);
      const during = reads;
      running = false;
      await Promise.all([...readers, writer]);
      assert.equal(rot.status, 0, rot.output);
      assert.match(rot.output, /moving the database from the default crypto profile to gm/);
      assert.deepEqual(failures, [], 'every read and write during the move succeeded');
      assert.ok(during > 10, `${during} reads ran during the move`);

      const after = status(srv);
      assert.equal(after.profile, 'gm');
      assert.match(after.current, /^sm4-/);
      assert.deepEqual(Object.keys(after.usage), [after.current], `every row re-sealed: ${JSON.stringify(after.usage)}`);
      assert.equal(after.usage[after.current], made.length);
      assert.ok(!fs.existsSync(path.join(srv.dataDir, 'keys', `pii-${before.current}.key`)), 'the default key is retired');
      // Every complaint opens and is found by its ID number through the gm blind index.
      for (const m of made) {
        const r = await fx.rev.client.ok('GET', `/complaints/${m.id}/complainant`);
        assert.equal((r.complainant || r).id_no, m.p.id_no);
      }
      for (const m of [made[0], made[made.length - 1]]) {
        const f = await fx.rev.client.ok('GET', `/complaints?id_no=${m.p.id_no}`);
        assert.deepEqual(f.items.map((x) => x.id), [m.id], `lookup of #${m.id}`);
      }
      const bidx = sql(srv, `SELECT count(*) FROM complaints WHERE pii_key_id = '${after.current}' AND id_no_bidx IS NOT NULL`);
      assert.equal(Number(bidx), made.length, 'every row re-indexed');
      // The checkpoint: one audit.rechain event whose detail holds a head of the old chain.
      const re = sql(srv, "SELECT detail FROM audit_events WHERE action = 'audit.rechain'").split('\n').filter(Boolean);
      assert.equal(re.length, 1);
      const d = JSON.parse(re[0]);
      assert.equal(d.from, 'default');
      assert.equal(d.to, 'gm');
      assert.ok(d.checkpoint_seq >= Number(headBefore.split('|')[0]));
      const v = runFcms(['audit-verify', '--data', srv.dataDir, ...srv.dbArgs]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      // This instance learns the new profile for password hashes at its next start.
      const admin = await login(srv.base, 'admin', ADMIN_PASSWORD);
      const h = (await admin.get('/healthz')).json.crypto;
      assert.equal(h.profile, 'gm');
      assert.equal(h.instance_profile, 'default');
    } finally {
      await srv.stop();
    }
  });
});
