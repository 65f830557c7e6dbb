// Real directory servers for the directory sign-in tests (issue 15 item 1):
//   startSlapd()          an OpenLDAP slapd on a temp dir, TLS with a freshly generated self-signed
//                         certificate (ldaps:// and StartTLS on ldap://), a service account, a few
//                         users and groups loaded with ldapadd. No system slapd service is used.
//   startOidcProvider()   the npm oidc-provider (web devDependency) in this process, with its
//                         development login form (any login name is accepted: it is the subject).
//   startRogueProvider()  a hand-written OpenID provider that answers every authorization at once
//                         and issues ID tokens broken on purpose (bad signature, wrong aud/iss,
//                         expired, wrong nonce) or good ones signed with ES256.
//   oidcSignIn()          drives a browser-less sign-in through fcms and a provider (cookie jars).
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, sleep, request } from './server.mjs';

export const LDAP_BASE = 'dc=bank,dc=cn';
export const LDAP_SERVICE = { dn: `cn=fcms,ou=services,${LDAP_BASE}`, password: 'Svc#Bind-2026' };
export const LDAP_USERS = [
  { uid: 'zhangwei', cn: '张伟', password: 'Ldap#Zhang-2026' },
  { uid: 'lina', cn: '李娜', password: 'Ldap#Li-2026' },
  { uid: 'wangfang', cn: '王芳', password: 'Ldap#Wang-2026' },
  { uid: 'liuyang', cn: '刘洋', password: 'Ldap#Liu-2026' },
  { uid: 'unlinked', cn: '未关联', password: 'Ldap#None-2026' },
];

function ldif() {
  const out = [
    `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: bank\no: 测试银行\n`,
    `dn: ou=people,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=services,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ou=groups,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ${LDAP_SERVICE.dn}\nobjectClass: person\ncn: fcms\nsn: service\nuserPassword: ${LDAP_SERVICE.password}\n`,
  ];
  for (const u of LDAP_USERS) {
    out.push(`dn: uid=${u.uid},ou=people,${LDAP_BASE}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\n` +
      `cn:: ${Buffer.from(u.cn).toString('base64')}\nsn: ${u.uid}\nuserPassword: ${u.password}\n`);
  }
  out.push(`dn: cn=complaints,ou=groups,${LDAP_BASE}\nobjectClass: groupOfNames\ncn: complaints\n` +
    LDAP_USERS.slice(0, 3).map((u) => `member: uid=${u.uid},ou=people,${LDAP_BASE}`).join('\n') + '\n');
  return out.join('\n');
}

/** Starts slapd; returns {ldapUrl, ldapsUrl, ca, stop()}. */
export async function startSlapd() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'),
    '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const [port, sport] = [await freePort(), await freePort()];
  const conf = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem
database mdb
maxsize 16777216
suffix "${LDAP_BASE}"
rootdn "cn=admin,${LDAP_BASE}"
rootpw Root#Ldap-2026
directory ${dir}/db
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="${LDAP_SERVICE.dn}" read by self read by * none
`;
  fs.writeFileSync(path.join(dir, 'slapd.conf'), conf);
  const child = spawn('/usr/sbin/slapd', ['-f', path.join(dir, 'slapd.conf'), '-h',
    `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${sport}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => child.on('exit', r));
  const env = { ...process.env, LDAPTLS_CACERT: path.join(dir, 'cert.pem') };
  for (let i = 0; ; i++) {
    try {
      execFileSync('ldapadd', ['-x', '-H', `ldaps://127.0.0.1:${sport}`, '-D', `cn=admin,${LDAP_BASE}`,
        '-w', 'Root#Ldap-2026'], { input: ldif(), env, stdio: ['pipe', 'ignore', 'pipe'] });
      break;
    } catch (e) {
      if (i > 50) { child.kill('SIGKILL'); throw new Error(`slapd did not come up: ${e.stderr}\n${log}`); }
      await sleep(100);
    }
  }
  return {
    ldapUrl: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${sport}`,
    ca: path.join(dir, 'cert.pem'),
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The system admin's LDAP settings for a started slapd (StartTLS on ldap:// by default). */
export function ldapSettings(ldap, { ldaps = false } = {}) {
  return {
    ldap_enabled: true, ldap_url: ldaps ? ldap.ldapsUrl : ldap.ldapUrl, ldap_starttls: !ldaps,
    ldap_ca_file: ldap.ca, ldap_bind_dn: LDAP_SERVICE.dn, ldap_bind_password: LDAP_SERVICE.password,
    ldap_base: `ou=people,${LDAP_BASE}`, ldap_filter: '(objectClass=inetOrgPerson)', ldap_attr: 'uid',
  };
}

export const OIDC_CLIENT = { id: 'fcms-web', secret: 'Oidc#Client-Secret-2026-abcdefghijklmnop' };

/** Starts oidc-provider on a free port for an fcms at fcmsBase. Returns {issuer, stop()}. */
export async function startOidcProvider(fcmsBase) {
  const { default: Provider } = await import(path.join(REPO, 'web/node_modules/oidc-provider/lib/index.js'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT.id, client_secret: OIDC_CLIENT.secret,
      redirect_uris: [`${fcmsBase}/api/v1/auth/oidc/callback`], grant_types: ['authorization_code'],
      response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    cookies: { keys: ['test-cookie-key-1'] },
  });
  provider.proxy = false;
  const server = http.createServer(provider.callback());
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    issuer,
    async stop() { server.closeAllConnections?.(); await new Promise((r) => server.close(r)); },
  };
}

/** The system admin's OIDC settings. */
export function oidcSettings(issuer, fcmsBase) {
  return {
    oidc_enabled: true, oidc_issuer: issuer, oidc_client_id: OIDC_CLIENT.id,
    oidc_client_secret: OIDC_CLIENT.secret, oidc_redirect_uri: `${fcmsBase}/api/v1/auth/oidc/callback`,
  };
}

const b64u = (b) => Buffer.from(b).toString('base64url');

/**
 * A provider under the test's control. mode decides the ID token the token endpoint returns:
 * good (RS256), es256 (ES256, good), badsig, aud, iss, expired, nonce, alg_none, hs256.
 * Codes are one-use (a replayed code → invalid_grant); PKCE is checked.
 */
export async function startRogueProvider(fcmsBase) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = (k, kid, alg) => ({ ...k.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  const state = { mode: 'good', sub: 'rogue-user', codes: new Map() };
  const sign = (alg, payload) => {
    const kid = alg === 'ES256' ? 'ec1' : 'rsa1';
    const head = b64u(JSON.stringify({ alg, kid, typ: 'JWT' }));
    const body = b64u(JSON.stringify(payload));
    const input = `${head}.${body}`;
    let sig;
    if (alg === 'none') return `${b64u(JSON.stringify({ alg: 'none' }))}.${body}.`;
    if (alg === 'HS256') sig = crypto.createHmac('sha256', OIDC_CLIENT.secret).update(input).digest();
    else if (alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    else sig = crypto.sign('sha256', Buffer.from(input), state.mode === 'badsig' ? other.privateKey : rsa.privateKey);
    return `${input}.${b64u(sig)}`;
  };
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, issuer);
    const json = (status, o) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(o)); };
    if (u.pathname === '/.well-known/openid-configuration') {
      return json(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    }
    if (u.pathname === '/jwks') return json(200, { keys: [jwk(rsa, 'rsa1', 'RS256'), jwk(ec, 'ec1', 'ES256')] });
    if (u.pathname === '/authorize') {
      const code = crypto.randomBytes(16).toString('hex');
      state.codes.set(code, { nonce: u.searchParams.get('nonce'), challenge: u.searchParams.get('code_challenge') });
      const back = new URL(u.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', u.searchParams.get('state'));
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (u.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const c of req) body += c;
      const f = new URLSearchParams(body);
      const auth = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
      if (auth !== `${encodeURIComponent(OIDC_CLIENT.id)}:${encodeURIComponent(OIDC_CLIENT.secret)}`) return json(401, { error: 'invalid_client' });
      const c = state.codes.get(f.get('code'));
      state.codes.delete(f.get('code'));
      const challenge = crypto.createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
      if (!c || c.challenge !== challenge) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const m = state.mode;
      const claims = {
        iss: m === 'iss' ? 'https://evil.example' : issuer, sub: state.sub,
        aud: m === 'aud' ? 'another-client' : OIDC_CLIENT.id, iat: now - (m === 'expired' ? 7200 : 0),
        exp: now + (m === 'expired' ? -3600 : 300), nonce: m === 'nonce' ? 'not-the-nonce' : c.nonce,
      };
      const alg = m === 'es256' ? 'ES256' : m === 'alg_none' ? 'none' : m === 'hs256' ? 'HS256' : 'RS256';
      return json(200, { access_token: 'x', token_type: 'Bearer', expires_in: 300, id_token: sign(alg, claims) });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    issuer, state,
    async stop() { server.closeAllConnections?.(); await new Promise((r) => server.close(r)); },
  };
}

/** A tiny cookie jar per origin for the provider's cookies. */
class Jar {
  constructor() { this.c = new Map(); }
  take(res) {
    for (const sc of res.setCookies || []) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(sc) || v === '') this.c.delete(k); else this.c.set(k, v);
    }
  }
  header() { return [...this.c].map(([k, v]) => `${k}=${v}`).join('; '); }
}

async function get(url, jar, method = 'GET', form) {
  const u = new URL(url);
  const headers = {};
  if (jar.c.size) headers.Cookie = jar.header();
  if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const r = await request(u.origin, method, u.pathname + u.search, { body: form, headers });
  jar.take(r);
  return r;
}

/**
 * Starts a sign-in at fcms and follows it through the provider (oidc-provider's development form
 * with login=subject, then consent; or the rogue provider's instant answer) up to the callback
 * URL. Returns {callbackUrl, stateCookie} without calling fcms's callback, so tests can tamper.
 */
export async function oidcAuthorize(fcmsBase, subject) {
  const start = await request(fcmsBase, 'GET', '/api/v1/auth/oidc/start');
  if (start.status !== 302) throw new Error(`oidc start → ${start.status} ${start.text}`);
  const stateCookie = start.setCookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('fcms_oidc='));
  const jar = new Jar();
  let url = start.headers.location;
  for (let i = 0; i < 12; i++) {
    if (url.startsWith(`${fcmsBase}/api/v1/auth/oidc/callback`)) return { callbackUrl: url, stateCookie };
    const r = await get(url, jar);
    if (r.status >= 300 && r.status < 400) { url = new URL(r.headers.location, url).toString(); continue; }
    if (r.status !== 200) throw new Error(`provider ${url} → ${r.status} ${r.text.slice(0, 300)}`);
    // an interaction page: answer its form (login first, then consent)
    const action = r.text.match(/action="([^"]+)"/)[1];
    const prompt = /name="login"/.test(r.text) ? 'login' : 'consent';
    const form = prompt === 'login' ? `prompt=login&login=${encodeURIComponent(subject)}&password=x` : 'prompt=consent';
    const p = await get(new URL(action, url).toString(), jar, 'POST', form);
    if (p.status < 300 || p.status >= 400) throw new Error(`interaction ${prompt} → ${p.status} ${p.text.slice(0, 300)}`);
    url = new URL(p.headers.location, url).toString();
  }
  throw new Error('too many redirects');
}

/** Calls fcms's callback with the given cookie (the state binding). */
export function oidcCallback(callbackUrl, stateCookie) {
  const u = new URL(callbackUrl);
  return request(u.origin, 'GET', u.pathname + u.search, { headers: stateCookie ? { Cookie: stateCookie } : {} });
}
