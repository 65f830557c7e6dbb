// 结单打印 (issue 12 item 11): the bank's full name (机构全称) on the closure form, and printing
// only what has a closure form.
//   - GET /settings/bank: what the system administrator set, else the root institution's name
//     without a trailing 总行 (a root called only 总行 gives no name, never "总行").
//   - PUT /settings/bank: the system administrator only (org.manage over the whole bank); the
//     business roles, the security and the audit administrators are refused (403) and change
//     nothing; blank, over-long, control characters, wrong type, unknown fields are refused (400,
//     Chinese message, field bank_name); blanks at either end are dropped; every change audited.
//   - POST /complaints/{id}/print: a complaint that is not closed is refused (409 not_printable,
//     Chinese, nothing audited); `actions` offer print exactly when closed; the form carries the name.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, hasChinese, anonymous, uid } from './lib/server.mjs';
import { complaintFixture, createComplaint, closedComplaint, step, getComplaint, auditTotal } from './lib/complaints.mjs';
import { staff, securityAdmin, auditEvents } from './lib/fixtures.mjs';

const BANK = '某某银行股份有限公司';

describe('closure form: bank name setting and printable statuses', () => {
  let srv;
  let fx;
  let sec;
  before(async () => {
    srv = await startServer();
    fx = await complaintFixture(srv, {
      extra: {
        stat: { roles: ['statistician'], org: 'root' },
        mgr: { roles: ['manager'], org: 'root' },
      },
    });
    sec = await securityAdmin(fx.admin);
  });
  after(async () => { await srv?.stop(); });

  const get = async (client = fx.clerk.client) => client.ok('GET', '/settings/bank');
  const put = (client, body) => client.put('/settings/bank', body);

  it('unset: the name comes from the root institution, without 总行; a bare 总行 names no bank', async () => {
    assertError(await anonymous(srv.base).get('/settings/bank'), 401);
    let s = await get();
    assert.equal(s.bank_name, '');
    assert.equal(s.max_length, 60);
    assert.equal(fx.root.name, '总行');
    assert.equal(s.default_name, '', 'a root called 总行 is no bank name');
    assert.equal(s.print_title_name, '');
    await fx.admin.ok('PATCH', `/institutions/${fx.root.id}`, { name: '某某银行总行' });
    s = await get();
    assert.equal(s.default_name, '某某银行');
    assert.equal(s.print_title_name, '某某银行');
  });

  it('the system administrator sets it; blanks at either end are dropped; the change is audited', async () => {
    const before = await auditTotal(fx.aud);
    const s = await fx.admin.ok('PUT', '/settings/bank', { bank_name: `　 ${BANK} ` });
    assert.equal(s.bank_name, BANK);
    assert.equal(s.print_title_name, BANK);
    assert.equal(s.default_name, '某某银行', 'the default is still reported');
    assert.deepEqual(await get(fx.stat.client), s, 'every signed-in user reads the same');
    assert.equal(await auditTotal(fx.aud), before + 1);
    const ev = (await auditEvents(fx.aud.client, 'action=org.bank_name'))[0];
    assert.ok(ev, 'org.bank_name audited');
    assert.equal(ev.actor, 'admin');
    assert.ok(JSON.stringify(ev.detail).includes(BANK), JSON.stringify(ev.detail));
    // 60 characters is the limit, and it is characters, not bytes.
    const sixty = '银'.repeat(60);
    assert.equal((await fx.admin.ok('PUT', '/settings/bank', { bank_name: sixty })).bank_name, sixty);
    await fx.admin.ok('PUT', '/settings/bank', { bank_name: BANK });
  });

  it('refused values: blank, over-long, control characters, wrong type, unknown or missing field', async () => {
    const cases = [
      [{ bank_name: '' }, 'missing_field'],
      [{ bank_name: '  　　 ' }, 'invalid_field'],
      [{ bank_name: '银'.repeat(61) }, 'invalid_field'],
      [{ bank_name: 'A'.repeat(5000) }, 'invalid_field'],
      [{ bank_name: '某某银行\n股份有限公司' }, 'invalid_field'],
      [{ bank_name: 12345 }, 'invalid_field'],
      [{ bank_name: null }, 'missing_field'],
      [{}, 'missing_field'],
    ];
    for (const [body, code] of cases) {
      const r = await put(fx.admin, body);
      assertError(r, 400, code, 'bank_name');
      assert.ok(hasChinese(r.json.error.message), `Chinese message: ${r.json.error.message}`);
    }
    assertError(await put(fx.admin, { bank_name: BANK, title: 'x' }), 400, 'unknown_field', 'title');
    assertError(await put(fx.admin, [BANK]), 400, 'body_not_object');
    const over = await put(fx.admin, { bank_name: '银'.repeat(61) });
    assert.match(over.json.error.message, /60/);
    assert.match((await put(fx.admin, { bank_name: '   ' })).json.error.message, /不能为空/);
    assert.equal((await get()).bank_name, BANK, 'nothing changed');
  });

  it('only the system administrator: business roles, the security and the audit administrators get 403', async () => {
    const changes = async () => (await auditEvents(fx.aud.client, 'action=org.bank_name')).length;
    const before = await changes();
    const who = {
      'registrar+handler': fx.clerk.client, handler: fx.h2.client, reviewer: fx.rev.client,
      statistician: fx.stat.client, manager: fx.mgr.client, sec_admin: sec.client, audit_admin: fx.aud.client,
    };
    for (const [role, client] of Object.entries(who)) {
      const r = await put(client, { bank_name: '冒名银行' });
      assertError(r, 403, 'forbidden');
      assert.ok(hasChinese(r.json.error.message), `${role}: ${r.json.error.message}`);
    }
    // A role the security admin defines with org.manage but a branch-wide data scope may manage
    // its branch's institutions, not the whole bank's name.
    const role = await sec.client.ok('POST', '/roles', { code: uid('branch_sys_'), name: uid('分行机构管理'),
      permissions: ['org.manage'], data_scope: 'subtree' }, 201);
    const branchAdmin = await staff(srv, fx.admin, [role.id], { org_id: fx.branch.id });
    const r = await put(branchAdmin.client, { bank_name: '冒名银行' });
    assertError(r, 403, 'forbidden');
    assert.match(r.json.error.message, /全行/);
    assert.equal((await get()).bank_name, BANK, 'nothing changed');
    assert.equal(await changes(), before, 'no change recorded');
  });

  it('printing a complaint that is not closed is refused in Chinese (409), and not offered', async () => {
    const before = await auditTotal(fx.aud);
    let c = await createComplaint(fx.clerk.client, fx.branch.id);
    assert.equal(c.status, 'registered');
    for (const stage of ['registered', 'processing']) {
      const seen = await getComplaint(fx.rev.client, c.id);
      assert.equal(seen.status, stage);
      assert.ok(!seen.actions.includes('print'), `print offered while ${stage}: ${seen.actions}`);
      const r = await fx.rev.client.post(`/complaints/${c.id}/print`);
      assertError(r, 409, 'not_printable');
      assert.match(r.json.error.message, /办结后才能打印/);
      assert.ok(r.json.error.message.includes(stage === 'registered' ? '待分派' : '处理中'), r.json.error.message);
      if (stage === 'registered') c = await step(fx.clerk.client, c, 'assign', { user_id: fx.clerk.user.id });
    }
    const gone = await step(fx.clerk.client, c, 'withdraw', { reason: '客户撤诉' });
    assert.ok(!gone.actions.includes('print'));
    assertError(await fx.rev.client.post(`/complaints/${c.id}/print`), 409, 'not_printable');
    // Refused prints are not recorded as prints (the audit grew by the assign and withdraw only).
    const evs = await auditEvents(fx.aud.client, `action=complaint.print&target_type=complaint&target_id=${c.id}`);
    assert.equal(evs.length, 0);
    assert.equal(await auditTotal(fx.aud), before + 3, 'register, assign, withdraw');
  });

  it('a closed complaint is offered print and prints with the bank name', async () => {
    const c = await closedComplaint(fx);
    for (const who of [fx.rev, fx.clerk, fx.stat]) {
      assert.ok((await getComplaint(who.client, c.id)).actions.includes('print'), `${who.username}`);
    }
    const listed = (await fx.rev.client.ok('GET', '/complaints?status=closed&page_size=50')).items.find((x) => x.id === c.id);
    assert.ok(listed.actions.includes('print'), 'the list offers it too');
    const p = await fx.stat.client.ok('POST', `/complaints/${c.id}/print`);
    assert.equal(p.bank_name, BANK);
    assert.equal(p.complaint.status, 'closed');
    assert.ok(p.complaint.actions.includes('print'));
  });
});
