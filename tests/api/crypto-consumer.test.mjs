// The consumer channel (issue 16) across a crypto profile move (issue 17): consumers submit under
// the default profile, one submission is confirmed into a complaint and one stays waiting in the
// queue; `fcms keys rotate --to gm` moves the database while the server runs. Afterwards the
// waiting submission is re-sealed under the sm4- key with its phone re-indexed in the gm family
// (consumer_submissions.key_id / phone_bidx), the old key is retired, and both consumers still
// get a query code and read their progress by number + phone, on the running server and after a
// restart; the registrar still confirms the waiting one (its identity opens under the new key).
// Runs on SQLite and PostgreSQL whatever FCMS_TEST_CRYPTO says (the test chooses the profiles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, runFcms, psql, dropPgDatabase, BACKEND } from './lib/server.mjs';
import { complaintFixture, residentId, mobile } from './lib/complaints.mjs';
import { startSmsSim, Consumer, submitViaSms, CODE_TEMPLATE } from './lib/consumer.mjs';

const CLASSIFY = { region_code: '110105', business_channel_code: 'A0101', business_type_code: 'B03022', cause_code: 'C07', rights: ['R04'] };

function sql(srv, text) {
  if (BACKEND === 'postgresql') return psql(srv.db, text).trim();
  const r = spawnSync('sqlite3', [path.join(srv.dataDir, 'fcms.db'), text], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The consumer's progress query: code by SMS (the n-th to that phone), verify, read. */
async function progress(srv, sim, phone, no, nth) {
  const q = new Consumer(srv.base);
  assert.equal((await q.askCode('query', phone, no)).status, 202);
  const { code } = await sim.nth(phone, CODE_TEMPLATE, nth);
  const v = await q.verify('query', phone, code, no);
  assert.equal(v.status, 200, `verify ${no}: ${v.text}`);
  const p = await q.req('GET', '/progress');
  assert.equal(p.status, 200, p.text);
  return p.json;
}

test('after keys rotate --to gm the consumer tables are re-sealed and re-indexed: consumers still query by phone, the waiting submission is confirmed', async () => {
  const sim = await startSmsSim();
  const config = { pow_bits: 8, sms_resend_s: 0, sms_url: sim.url };
  let srv = await startServer({ crypto: false, keep: true, config });
  let again = null;
  try {
    const fx = await complaintFixture(srv, { only: ['clerk', 'rev'] });
    const waiting = { phone: mobile('139'), idNo: residentId() };
    const confirmed = { phone: mobile('138'), idNo: residentId() };
    waiting.no = (await submitViaSms(srv, sim, fx.branch.id, waiting.phone, waiting.idNo)).complaint_no;
    confirmed.no = (await submitViaSms(srv, sim, fx.branch.id, confirmed.phone, confirmed.idNo)).complaint_no;
    const queue = (await fx.clerk.client.ok('GET', '/consumer-submissions')).items;
    const item = (no) => queue.find((i) => i.complaint_no === no);
    await fx.clerk.client.ok('POST', `/consumer-submissions/${item(confirmed.no).id}/confirm`, CLASSIFY, 201);
    const before = sql(srv, `SELECT key_id || '|' || phone_bidx FROM consumer_submissions WHERE complaint_no = '${waiting.no}'`).split('|');
    assert.match(before[0], /^[0-9a-f]{8}$/, 'sealed under the default key');
    // Under default both consumers read their progress (the 2nd code to each phone).
    assert.equal((await progress(srv, sim, waiting.phone, waiting.no, 2)).complaint_no, waiting.no);
    assert.equal((await progress(srv, sim, confirmed.phone, confirmed.no, 2)).complaint_no, confirmed.no);

    const rot = runFcms(['keys', 'rotate', '--to', 'gm', '--data', srv.dataDir, ...srv.dbArgs, '--grace-ms', '200']);
    assert.equal(rot.status, 0, rot.output);
    const st = JSON.parse(runFcms(['keys', 'status', '--data', srv.dataDir, ...srv.dbArgs]).stdout);
    assert.equal(st.profile, 'gm');
    assert.deepEqual(Object.keys(st.usage), [st.current], `every sealed row (complaints and submissions) under the new key: ${JSON.stringify(st.usage)}`);
    assert.ok(!fs.existsSync(path.join(srv.dataDir, 'keys', `pii-${before[0]}.key`)), 'the default key is retired');
    const after = sql(srv, `SELECT key_id || '|' || phone_bidx FROM consumer_submissions WHERE complaint_no = '${waiting.no}'`).split('|');
    assert.equal(after[0], st.current, 'the waiting submission is re-sealed under the sm4- key');
    assert.notEqual(after[1], before[1], 'its phone is re-indexed in the gm family');
    assert.equal(sql(srv, `SELECT count(*) FROM consumer_submissions WHERE key_id <> '${st.current}'`), '0');

    // The running server (started under default) computes the gm index: both still query.
    const p1 = await progress(srv, sim, waiting.phone, waiting.no, 3);
    assert.equal(p1.complaint_no, waiting.no);
    assert.equal((await progress(srv, sim, confirmed.phone, confirmed.no, 3)).complaint_no, confirmed.no);
    // A wrong phone is still no match (no code is sent for it).
    const other = mobile('137');
    assert.equal((await new Consumer(srv.base).askCode('query', other, waiting.no)).status, 202);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await sim.messages(other)).length, 0, 'no code for a phone that did not file it');
    // A consumer who submits now is sealed and indexed under gm, and found.
    const fresh = { phone: mobile('136'), idNo: residentId() };
    fresh.no = (await submitViaSms(srv, sim, fx.branch.id, fresh.phone, fresh.idNo)).complaint_no;
    assert.equal(sql(srv, `SELECT key_id FROM consumer_submissions WHERE complaint_no = '${fresh.no}'`), st.current);
    assert.equal((await progress(srv, sim, fresh.phone, fresh.no, 2)).complaint_no, fresh.no);
    // The registrar confirms the waiting one: its identity opens under the new key.
    const c = await fx.clerk.client.ok('POST', `/consumer-submissions/${item(waiting.no).id}/confirm`, CLASSIFY, 201);
    assert.equal(c.complaint_no, waiting.no);
    const who = await fx.rev.client.ok('GET', `/complaints/${c.id}/complainant`);
    assert.equal((who.complainant || who).id_no, waiting.idNo);

    // After a restart (the instance now starts under gm) both still query.
    await srv.stop();
    again = await startServer({ crypto: false, dataDir: srv.dataDir, db: srv.db, config });
    assert.equal((await progress(again, sim, waiting.phone, waiting.no, 4)).complaint_no, waiting.no);
    assert.equal((await progress(again, sim, confirmed.phone, confirmed.no, 4)).complaint_no, confirmed.no);
  } finally {
    await again?.stop();
    await srv.stop();
    if (srv.dbName) dropPgDatabase(srv.dbName);
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
    await sim.stop();
  }
});
