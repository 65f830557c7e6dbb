// Complainant identity is personal financial information (JR/T 0171 C2): masked in every
// answer, shown in full only through GET /complaints/{id}/complainant (pii.unmask, audited as
// complaint.unmask), and never stored in plaintext — checked on the database bytes (SQLite file
// and WAL) or, on PostgreSQL, on every row of every table.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, assertError, psql, BACKEND } from './lib/server.mjs';
import {
  complaintFixture, createComplaint, step, timeline, auditEvents, residentId, residentIdWithX, KNOWN_ID, getBytes, unzip,
} from './lib/complaints.mjs';

// Stored in plaintext on purpose (complaint content): the positive control for the byte scans.
const MARKER = '盗刷核查对照标记';

const PEOPLE = [
  { name: '张三', id_type: '01', id_no: KNOWN_ID, phone: '13800001234', address: '北京市朝阳区建国路88号院7号楼1单元', gender: 'male',
    masked: { name: '张*', id_no: '1101**********002X', phone: '138****1234' } },
  { name: '欧阳晓明', id_type: '01', id_no: residentId({ region: '310104', birth: '19780302', seq: '417' }), phone: '13912345678',
    address: '上海市徐汇区漕溪北路595号', gender: 'female', masked: { phone: '139****5678' } },
  { name: '王五', id_type: '01', id_no: residentIdWithX({ region: '440305', birth: '20000229', not: [KNOWN_ID] }), phone: '+86 137-0000-4321',
    address: '深圳市南山区科技园南区', gender: 'male', masked: {} },
];

// Strings that must never be stored or answered in plaintext (outside the unmask endpoint).
function secretsOf(p) {
  const digits = p.phone.replace(/\D/g, '');
  return [p.id_no, p.id_no.toLowerCase(), p.id_no.slice(0, 17), digits.slice(-11), p.address.slice(6), p.name.length > 2 ? p.name : null]
    .filter(Boolean);
}

describe('complainant privacy', () => {
  let srv;
  let fx;
  const made = [];
  let stopped = false;
  before(async () => {
    srv = await startServer({ keep: true });
    fx = await complaintFixture(srv, { only: ['clerk', 'rev', 'aud'] });
    for (const p of PEOPLE) {
      const { masked, ...complainant } = p;
      const c = await createComplaint(fx.clerk.client, fx.branch.id, {
        complainant, content: `投诉人反映借记卡被盗刷，要求银行承担损失。${MARKER}`, demand: '赔偿损失',
      });
      made.push({ p, c });
    }
    // A workflow step and a PATCH that re-seals the identity (new phone) must not leak either.
    const first = made[0].c;
    const assigned = await step(fx.clerk.client, first, 'assign', { user_id: fx.clerk.user.id });
    const patched = await fx.clerk.client.ok('PATCH', `/complaints/${first.id}`, {
      version: assigned.version, complainant: { phone: '13800001234', address: PEOPLE[0].address },
    });
    made[0].c = patched;
  });
  after(async () => {
    if (!stopped) await srv?.stop({ keep: false });
  });

  it('create, detail and list answers are masked (张*, 1101**********002X, 138****1234)', async () => {
    const list = await fx.rev.client.ok('GET', '/complaints?page_size=200');
    for (const { p, c } of made) {
      const detail = await fx.rev.client.ok('GET', `/complaints/${c.id}`);
      const listed = list.items.find((x) => x.id === c.id);
      assert.ok(listed, `listed #${c.id}`);
      for (const view of [c, detail, listed]) {
        const m = view.complainant;
        assert.equal(typeof m, 'object');
        assert.equal(m.id_type, '01');
        for (const [k, v] of Object.entries(p.masked)) assert.equal(m[k], v, `masked ${k}`);
        assert.notEqual(m.name, p.name, 'name masked');
        assert.equal(m.name[0], p.name[0], 'surname kept');
        assert.ok(m.name.includes('*'));
        assert.equal(m.id_no.length, 18, `masked id keeps its length: ${m.id_no}`);
        assert.equal(m.id_no.slice(0, 4), p.id_no.slice(0, 4));
        assert.equal(m.id_no.slice(-4), p.id_no.slice(-4));
        assert.match(m.id_no.slice(4, 14), /^\*{10}$/);
        assert.match(m.phone, /\*{4}/);
        assert.ok(!m.address.includes(p.address.slice(6)), `address detail masked: ${m.address}`);
        assert.ok(m.address.startsWith(p.address.slice(0, 3)), `address keeps its city: ${m.address}`);
        const text = JSON.stringify(view);
        for (const s of secretsOf(p)) assert.ok(!text.includes(s), `answer leaks ${s}: ${text.slice(0, 300)}`);
      }
    }
  });

  it('timeline and audit log hold no plaintext identity', async () => {
    const all = JSON.stringify(await auditEvents(fx.aud.client));
    for (const { p, c } of made) {
      const t = JSON.stringify(await timeline(fx.rev.client, c.id));
      for (const s of secretsOf(p)) {
        assert.ok(!t.includes(s), `timeline of #${c.id} leaks ${s}`);
        assert.ok(!all.includes(s), `audit log leaks ${s}`);
      }
    }
  });

  it('the reviewer unmasks the full identity; the read is audited as complaint.unmask', async () => {
    const { p, c } = made[0];
    const before = (await auditEvents(fx.aud.client, 'action=complaint.unmask')).length;
    const id = await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
    assert.equal(id.name, p.name);
    assert.equal(id.id_type, '01');
    assert.equal(id.id_no, p.id_no);
    assert.equal(id.phone, p.phone);
    assert.equal(id.address, p.address);
    const events = await auditEvents(fx.aud.client, 'action=complaint.unmask');
    assert.equal(events.length, before + 1, 'one complaint.unmask event');
    const ev = events[0];
    assert.equal(ev.actor, fx.rev.username);
    assert.equal(ev.target_type, 'complaint');
    assert.equal(String(ev.target_id), String(c.id));
    assert.ok(!JSON.stringify(ev).includes(p.id_no), 'the audit event does not copy the identity');
    // It also shows on the complaint's own timeline.
    assert.ok((await timeline(fx.rev.client, c.id)).some((e) => e.action === 'complaint.unmask'));
  });

  it('a handler without pii.unmask → 403, and nothing is audited as an unmask', async () => {
    const before = (await auditEvents(fx.aud.client, 'action=complaint.unmask')).length;
    const r = await fx.clerk.client.get(`/complaints/${made[1].c.id}/complainant`);
    assertError(r, 403, 'forbidden');
    assert.ok(!r.text.includes(made[1].p.id_no));
    assert.equal((await auditEvents(fx.aud.client, 'action=complaint.unmask')).length, before);
  });

  it('identity lookups go through blind indexes (the plaintext query finds the complaint)', async () => {
    const { p, c } = made[1];
    const byId = await fx.rev.client.ok('GET', `/complaints?id_no=${encodeURIComponent(p.id_no)}`);
    assert.deepEqual(byId.items.map((x) => x.id), [c.id]);
    const byPhone = await fx.rev.client.ok('GET', `/complaints?phone=${encodeURIComponent(p.phone)}`);
    assert.deepEqual(byPhone.items.map((x) => x.id), [c.id]);
  });

  it('the Excel export is masked too, and audited as complaint.export', async () => {
    const before = (await auditEvents(fx.aud.client, 'action=complaint.export')).length;
    const r = await getBytes(fx.rev.client, `/complaints/export?org_id=${fx.branch.id}`);
    assert.equal(r.status, 200, r.body.toString('utf8', 0, 300));
    assert.match(r.headers['content-type'], /spreadsheetml|excel|xlsx/i);
    assert.match(r.headers['content-disposition'] || '', /attachment/);
    assert.equal(r.body.subarray(0, 2).toString('latin1'), 'PK', 'a zip (xlsx) file');
    const files = unzip(r.body);
    const sheets = Object.keys(files).filter((n) => /^xl\/worksheets\/.*\.xml$/.test(n));
    assert.ok(sheets.length >= 1, `worksheets in ${Object.keys(files)}`);
    const text = [...sheets, 'xl/sharedStrings.xml'].filter((n) => files[n]).map((n) => files[n].toString('utf8')).join('\n');
    assert.ok(text.includes(made[0].c.complaint_no), 'the complaints are in the sheet');
    assert.ok(text.includes('1101**********002X') && text.includes('138****1234'), 'masked identity exported');
    for (const { p } of made) for (const s of secretsOf(p)) assert.ok(!text.includes(s), `export leaks ${s}`);
    const events = await auditEvents(fx.aud.client, 'action=complaint.export');
    assert.equal(events.length, before + 1, 'one complaint.export event');
    assert.equal(events[0].actor, fx.rev.username);
  });

  if (BACKEND === 'postgresql') {
    it('PostgreSQL: no column of any table holds a plaintext ID number or phone', async () => {
      assert.equal(psql(srv.db, "SELECT count(*) FROM complaints WHERE complainant_enc LIKE '%1380000%'").trim(), '0');
      assert.equal(psql(srv.db, 'SELECT count(*) FROM complaints').trim(), String(made.length));
      const tables = psql(srv.db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        .split('\n').map((s) => s.trim()).filter(Boolean);
      assert.ok(tables.includes('complaints') && tables.includes('audit_log') || tables.length > 5, `tables: ${tables}`);
      for (const { p } of made) {
        for (const s of secretsOf(p)) {
          const lit = s.replace(/'/g, "''");
          const sql = tables.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}" x WHERE x::text LIKE '%${lit}%'`).join(' UNION ALL ');
          const hits = psql(srv.db, `SELECT t FROM (${sql}) s WHERE n > 0`).trim();
          assert.equal(hits, '', `plaintext ${s} found in table(s): ${hits}`);
        }
      }
      // The same scan does find what is stored in plaintext.
      const control = tables.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}" x WHERE x::text LIKE '%${MARKER}%'`).join(' UNION ALL ');
      assert.match(psql(srv.db, `SELECT t FROM (${control}) s WHERE n > 0`), /complaints/, 'control: content found by the scan');
    });
  } else {
    it('SQLite: the database file, WAL and data dir hold no plaintext ID number, phone or address', async () => {
      const scan = (when) => {
        const files = [];
        const walk = (d) => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const f = path.join(d, e.name);
            if (e.isDirectory()) walk(f); else files.push(f);
          }
        };
        walk(srv.dataDir);
        assert.ok(files.some((f) => path.basename(f) === 'fcms.db'), `fcms.db in ${files}`);
        let control = false;
        for (const f of files) {
          const bytes = fs.readFileSync(f);
          control ||= bytes.indexOf(Buffer.from(MARKER, 'utf8')) >= 0;
          for (const { p } of made) {
            for (const s of secretsOf(p)) {
              assert.equal(bytes.indexOf(Buffer.from(s, 'utf8')), -1, `${when}: plaintext "${s}" found in ${path.relative(srv.dataDir, f)}`);
            }
          }
        }
        assert.ok(control, `${when}: control — the plaintext content is found by the same scan`);
        return files.map((f) => path.basename(f));
      };
      const live = scan('while running');
      assert.ok(live.includes('fcms.db'));
      stopped = true;
      try {
        await srv.stop({ keep: true });
        scan('after shutdown');
      } finally {
        fs.rmSync(srv.dataDir, { recursive: true, force: true });
      }
    });
  }

  it('the request log names no identity either', async () => {
    const logs = srv.logs();
    assert.ok(logs.length > 0);
    for (const { p } of made) for (const s of secretsOf(p)) assert.ok(!logs.includes(s), `server log contains ${s}`);
  });
});
