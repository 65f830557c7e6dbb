// Directory sign-in (issue 15 item 1) against real servers: an OpenLDAP slapd with TLS (StartTLS
// and LDAPS) and the npm oidc-provider, plus a hand-written provider that issues broken ID tokens.
// fcms keeps its own accounts: a directory identity signs in only into the account the system
// administrator linked it to, with that account's roles; lockout, status, admin lock and audit
// apply to every path; every refusal is a Chinese JSON error and an audit event.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, tryLogin, assertError, hasChinese, cookieFrom, Client } from './lib/server.mjs';
import { adminLogin, rootOrg, staff, auditEvents } from './lib/fixtures.mjs';
import {
  startSlapd, ldapSettings, LDAP_USERS, startOidcProvider, startRogueProvider, oidcSettings,
  oidcAuthorize, oidcCallback,
} from './lib/directory.mjs';

const ldapLogin = (base, username, password) =>
  request(base, 'POST', '/api/v1/auth/ldap/login', { body: { username, password } });
const pw = (uid) => LDAP_USERS.find((u) => u.uid === uid).password;

function assertChineseError(r, status, code) {
  assertError(r, status, code);
  assert.ok(hasChinese(r.json.error.message), `Chinese message: ${r.text}`);
  assert.ok(!r.setCookies.some((c) => /^fcms_session=[^;]+/.test(c)), 'no session issued');
}

describe('directory sign-in', () => {
  let srv, admin, sec, aud, ldap, op, rogue;
  const u = {};
  before(async () => {
    srv = await startServer();
    admin = await adminLogin(srv);
    const root = await rootOrg(admin);
    sec = await staff(srv, admin, ['sec_admin'], { org_id: root.id });
    aud = await staff(srv, admin, ['audit_admin'], { org_id: root.id });
    for (const k of ['zhang', 'li', 'wang', 'liu', 'alice', 'rogue']) {
      u[k] = await staff(srv, admin, ['registrar'], { org_id: root.id, sec });
    }
    ldap = await startSlapd();
    op = await startOidcProvider(srv.base);
    rogue = await startRogueProvider(srv.base);
  });
  after(async () => {
    await srv?.stop();
    await ldap?.stop();
    await op?.stop();
    await rogue?.stop();
  });

  const failures = async (method) => (await auditEvents(aud.client))
    .filter((e) => e.action === 'auth.login_failed' && e.detail?.method === method);

  it('nothing is offered until the system admin configures it', async () => {
    const m = await request(srv.base, 'GET', '/api/v1/auth/methods');
    assert.deepEqual(m.json, { ldap: false, oidc: false });
    assertChineseError(await ldapLogin(srv.base, 'zhangwei', pw('zhangwei')), 404, 'directory_not_configured');
    assertChineseError(await request(srv.base, 'GET', '/api/v1/auth/oidc/start'), 404, 'directory_not_configured');
  });

  it('only the system admin sets the connection; plain LDAP is refused; secrets never come back', async () => {
    assertError(await sec.client.put('/directory/settings', ldapSettings(ldap)), 403, 'forbidden');
    assertError(await aud.client.get('/directory/settings'), 403, 'forbidden');
    const plain = { ...ldapSettings(ldap), ldap_starttls: false };
    assertError(await admin.put('/directory/settings', plain), 400, 'invalid_field', 'ldap_starttls');
    const s = await admin.ok('PUT', '/directory/settings', ldapSettings(ldap));
    assert.equal(s.has_ldap_bind_password, true);
    assert.equal(s.ldap_bind_password, undefined);
    const got = await admin.ok('GET', '/directory/settings');
    assert.ok(!JSON.stringify(got).includes('Svc#Bind'), 'no bind password in the reply');
    const ev = (await auditEvents(aud.client)).filter((e) => e.action === 'directory.settings.update');
    assert.ok(ev.length >= 1);
    assert.ok(!JSON.stringify(ev).includes('Svc#Bind'), 'no bind password in the audit log');
    // a second save without the password keeps the stored one
    await admin.ok('PUT', '/directory/settings', { ldap_filter: '(objectClass=inetOrgPerson)' });
    assert.deepEqual((await request(srv.base, 'GET', '/api/v1/auth/methods')).json, { ldap: true, oidc: false });
  });

  it('links: system admin only, one account per identity, never a security or audit admin', async () => {
    assertError(await sec.client.put(`/users/${u.zhang.user.id}/directory-link`, { provider: 'ldap', subject: 'zhangwei' }), 403, 'forbidden');
    await admin.ok('PUT', `/users/${u.zhang.user.id}/directory-link`, { provider: 'ldap', subject: 'ZhangWei' });
    await admin.ok('PUT', `/users/${u.li.user.id}/directory-link`, { provider: 'ldap', subject: 'lina', local_password_off: true });
    await admin.ok('PUT', `/users/${u.wang.user.id}/directory-link`, { provider: 'ldap', subject: 'wangfang' });
    await admin.ok('PUT', `/users/${u.liu.user.id}/directory-link`, { provider: 'ldap', subject: 'liuyang' });
    assertChineseError(await admin.put(`/users/${u.alice.user.id}/directory-link`, { provider: 'ldap', subject: 'zhangwei' }), 409, 'directory_subject_taken');
    assertChineseError(await admin.put(`/users/${sec.user.id}/directory-link`, { provider: 'ldap', subject: 'unlinked' }), 403, 'sanyuan_conflict');
    assertChineseError(await admin.put(`/users/${aud.user.id}/directory-link`, { provider: 'oidc', subject: 'x' }), 403, 'sanyuan_conflict');
    assertError(await admin.put(`/users/${u.alice.user.id}/directory-link`, { provider: 'saml', subject: 'x' }), 400, 'invalid_field', 'provider');
    const links = await admin.ok('GET', '/directory/links');
    assert.equal(links.items.find((l) => l.user_id === u.zhang.user.id).subject, 'zhangwei');
  });

  it('LDAP over StartTLS: the directory password signs into the linked account with its fcms roles only', async () => {
    const r = await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.username, u.zhang.username);
    assert.deepEqual(r.json.user.roles.map((x) => x.code), ['registrar']);
    const c = new Client(srv.base, { cookie: cookieFrom(r).pair, csrf: r.json.csrf_token });
    assert.equal((await c.ok('GET', '/auth/me')).user.id, u.zhang.user.id);
    // the directory compares names without case
    assert.equal((await ldapLogin(srv.base, 'ZHANGWEI', pw('zhangwei'))).status, 200);
  });

  it('LDAP over ldaps:// works the same; a wrong CA is refused as unavailable (503), audited', async () => {
    await admin.ok('PUT', '/directory/settings', ldapSettings(ldap, { ldaps: true }));
    assert.equal((await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'))).status, 200);
    await admin.ok('PUT', '/directory/settings', { ldap_ca_file: '/etc/ssl/certs/ca-certificates.crt' });
    assertChineseError(await ldapLogin(srv.base, 'zhangwei', pw('zhangwei')), 503, 'directory_unavailable');
    await admin.ok('PUT', '/directory/settings', ldapSettings(ldap));
    const ev = await failures('ldap');
    assert.ok(ev.some((e) => e.detail.reason === 'directory_unavailable'));
  });

  it('an LDAP user without an fcms link cannot sign in (401), audited as unlinked', async () => {
    assertChineseError(await ldapLogin(srv.base, 'unlinked', pw('unlinked')), 401, 'invalid_credentials');
    assert.ok((await failures('ldap')).some((e) => e.detail.reason === 'unlinked' && e.detail.username === 'ldap:unlinked'));
  });

  it('LDAP injection in the user name is escaped (RFC 4515) and refused', async () => {
    for (const name of ['*', '*)(uid=*', 'zhang*', 'zhangwei)(|(uid=*', '*)(objectClass=*', 'zhangwei\\', '(uid=zhangwei)']) {
      assertChineseError(await ldapLogin(srv.base, name, pw('zhangwei')), 401, 'invalid_credentials');
    }
  });

  it('an empty password never binds anonymously', async () => {
    assertError(await ldapLogin(srv.base, 'zhangwei', ''), 400, 'missing_field', 'password');
  });

  it('wrong LDAP passwords lock out like local ones: five → then the right one gets 423', async () => {
    for (let i = 0; i < 5; i++) {
      assertChineseError(await ldapLogin(srv.base, 'liuyang', `Wrong-${i}`), 401, 'invalid_credentials');
    }
    assertChineseError(await ldapLogin(srv.base, 'liuyang', pw('liuyang')), 423, 'account_locked');
    const ev = await auditEvents(aud.client);
    assert.ok(ev.some((e) => e.action === 'auth.lockout' && e.detail?.username === 'ldap:liuyang'));
  });

  it('a disabled fcms account cannot sign in through the directory', async () => {
    await admin.ok('POST', `/users/${u.wang.user.id}/disable`, {});
    assertChineseError(await ldapLogin(srv.base, 'wangfang', pw('wangfang')), 403, 'account_disabled');
  });

  it('local password off: the local password is refused, the directory one works', async () => {
    assertChineseError(await tryLogin(srv.base, u.li.username, u.li.password), 403, 'local_password_disabled');
    assert.equal((await ldapLogin(srv.base, 'lina', pw('lina'))).status, 200);
    // a wrong local password is still just a wrong password
    assertChineseError(await tryLogin(srv.base, u.li.username, 'Nope#123456'), 401, 'invalid_credentials');
  });

  it('group → role mapping: security admin only, business roles only; roles follow the groups at each sign-in', async () => {
    const roles = (await sec.client.ok('GET', '/roles')).items;
    const id = (code) => roles.find((r) => r.code === code).id;
    assertError(await admin.put('/directory/group-roles', { items: [{ group: 'complaints', role_id: id('handler') }] }), 403, 'forbidden');
    for (const code of ['sys_admin', 'sec_admin', 'audit_admin']) {
      assertChineseError(await sec.client.put('/directory/group-roles', { items: [{ group: 'complaints', role_id: id(code) }] }), 403, 'sanyuan_conflict');
    }
    assertError(await sec.client.put('/directory/group-roles', { items: [{ group: '', role_id: id('handler') }] }), 400, 'invalid_field');
    const m = await sec.client.ok('PUT', '/directory/group-roles', { items: [{ group: 'Complaints', role_id: id('handler') }] });
    assert.deepEqual(m.items.map((x) => [x.group_name, x.role_code]), [['complaints', 'handler']]);
    await admin.ok('PUT', '/directory/settings', { ldap_group_base: 'ou=groups,dc=bank,dc=cn' });
    // zhangwei is in cn=complaints: the mapped role joins the roles the security admin granted
    let r = await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.user.roles.map((x) => x.code).sort(), ['handler', 'registrar']);
    // unlinked is in no group: nothing changes for anybody else; the mapping is withdrawn → so is the role
    await sec.client.ok('PUT', '/directory/group-roles', { items: [] });
    r = await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'));
    assert.deepEqual(r.json.user.roles.map((x) => x.code), ['registrar']);
    const ev = (await auditEvents(aud.client)).filter((e) => e.action === 'user.directory_roles' && String(e.target_id) === String(u.zhang.user.id));
    assert.equal(ev.length, 2, JSON.stringify(ev));
    assert.ok(ev.some((e) => e.detail.added.includes(id('handler')) && e.detail.groups.includes('complaints')));
    assert.ok(ev.some((e) => e.detail.removed.includes(id('handler'))));
    // a role the security admin granted is never withdrawn by the directory
    await sec.client.ok('PUT', `/users/${u.zhang.user.id}/roles`, { role_ids: [id('registrar'), id('handler')] });
    await sec.client.ok('PUT', '/directory/group-roles', { items: [{ group: 'complaints', role_id: id('handler') }] });
    await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'));
    await sec.client.ok('PUT', '/directory/group-roles', { items: [] });
    r = await ldapLogin(srv.base, 'zhangwei', pw('zhangwei'));
    assert.deepEqual(r.json.user.roles.map((x) => x.code).sort(), ['handler', 'registrar']);
    await sec.client.ok('PUT', `/users/${u.zhang.user.id}/roles`, { role_ids: [id('registrar')] });
  });

  it('OIDC with oidc-provider: code flow with PKCE signs into the linked account', async () => {
    await admin.ok('PUT', '/directory/settings', oidcSettings(op.issuer, srv.base));
    assert.deepEqual((await request(srv.base, 'GET', '/api/v1/auth/methods')).json, { ldap: true, oidc: true });
    await admin.ok('PUT', `/users/${u.alice.user.id}/directory-link`, { provider: 'oidc', subject: 'alice-sub' });
    const start = await request(srv.base, 'GET', '/api/v1/auth/oidc/start');
    const loc = new URL(start.headers.location);
    assert.equal(loc.searchParams.get('code_challenge_method'), 'S256');
    for (const k of ['state', 'nonce', 'code_challenge']) assert.ok(loc.searchParams.get(k)?.length >= 43, k);
    const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'alice-sub');
    const r = await oidcCallback(callbackUrl, stateCookie);
    assert.equal(r.status, 302, r.text);
    assert.equal(r.headers.location, '/#/home');
    const c = new Client(srv.base, { cookie: cookieFrom(r).pair });
    const me = await c.ok('GET', '/auth/me');
    assert.equal(me.user.id, u.alice.user.id);
    assert.deepEqual(me.user.roles.map((x) => x.code), ['registrar']);
    // the same callback again: the state was used up
    assertChineseError(await oidcCallback(callbackUrl, stateCookie), 400, 'oidc_state_invalid');
  });

  it('OIDC: a wrong state, or none bound to the browser, is refused', async () => {
    const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'alice-sub');
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'A'.repeat(43));
    assertChineseError(await oidcCallback(forged.toString(), stateCookie), 400, 'oidc_state_invalid');
    assertChineseError(await oidcCallback(callbackUrl, null), 400, 'oidc_state_invalid');
    assertChineseError(await oidcCallback(forged.toString(), `fcms_oidc=${'A'.repeat(43)}`), 400, 'oidc_state_invalid');
  });

  it('OIDC: a replayed authorization code is refused by the provider, and so by fcms', async () => {
    const first = await oidcAuthorize(srv.base, 'alice-sub');
    assert.equal((await oidcCallback(first.callbackUrl, first.stateCookie)).status, 302);
    const second = await oidcAuthorize(srv.base, 'alice-sub');
    const replay = new URL(second.callbackUrl);
    replay.searchParams.set('code', new URL(first.callbackUrl).searchParams.get('code'));
    assertChineseError(await oidcCallback(replay.toString(), second.stateCookie), 401, 'oidc_token_invalid');
  });

  it('OIDC: an unlinked subject cannot sign in', async () => {
    const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'bob-unlinked');
    assertChineseError(await oidcCallback(callbackUrl, stateCookie), 401, 'directory_unlinked');
    assert.ok((await failures('oidc')).some((e) => e.detail.reason === 'unlinked'));
  });

  it('OIDC: bad signature, wrong aud/iss, expired, nonce mismatch, alg none/HS256 — all refused and audited', async () => {
    await admin.ok('PUT', '/directory/settings', { oidc_issuer: rogue.issuer });
    await admin.ok('PUT', `/users/${u.rogue.user.id}/directory-link`, { provider: 'oidc', subject: 'rogue-user' });
    for (const mode of ['good', 'es256']) {
      rogue.state.mode = mode;
      const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'rogue-user');
      const r = await oidcCallback(callbackUrl, stateCookie);
      assert.equal(r.status, 302, `${mode}: ${r.text}`);
    }
    const want = {
      badsig: 'signature does not verify', aud: 'wrong audience', iss: 'wrong issuer', expired: 'token expired',
      nonce: 'nonce mismatch', alg_none: 'algorithm', hs256: 'algorithm',
    };
    for (const [mode, why] of Object.entries(want)) {
      rogue.state.mode = mode;
      const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'rogue-user');
      assertChineseError(await oidcCallback(callbackUrl, stateCookie), 401, 'oidc_token_invalid');
      const ev = (await failures('oidc')).filter((e) => e.detail.reason === 'token_invalid');
      assert.ok(ev.some((e) => e.detail.detail.includes(why)), `${mode}: audited with "${why}": ${JSON.stringify(ev.map((e) => e.detail.detail))}`);
    }
  });

  it('OIDC: an account the security admin locked cannot sign in through the identity platform', async () => {
    rogue.state.mode = 'good';
    await sec.client.ok('POST', `/users/${u.rogue.user.id}/lock`, {});
    const { callbackUrl, stateCookie } = await oidcAuthorize(srv.base, 'rogue-user');
    assertChineseError(await oidcCallback(callbackUrl, stateCookie), 423, 'account_locked');
  });

  it('every directory sign-in is audited with its method', async () => {
    const ok = (await auditEvents(aud.client)).filter((e) => e.action === 'auth.login');
    assert.ok(ok.some((e) => e.detail?.method === 'ldap'));
    assert.ok(ok.some((e) => e.detail?.method === 'oidc'));
    assert.ok(ok.some((e) => e.detail?.method === 'password'));
  });
});
