// Helpers for the consumer channel tests (issue 16): `fcms sms-sim` on a free port, the
// proof-of-work solver, and a consumer client for /api/public/v1 that keeps its short session
// cookie. Shared by the API tests, the browser test and bench/consumer.mjs.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { FCMS_BIN, freePort, request, sleep, cookieFrom } from './server.mjs';

export const PUB = '/api/public/v1';
const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

/** Starts `fcms sms-sim`. Returns {url, base, logs(), messages(phone), codeFor(phone, after), stop()}. */
export async function startSmsSim() {
  const port = await freePort();
  const child = spawn(FCMS_BIN, ['sms-sim', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; live.delete(child); resolve(exited); }));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`sms-sim exited early ${JSON.stringify(exited)}\n${log}`);
    try { if ((await request(base, 'GET', '/messages', { timeout: 1000 })).status === 200) break; } catch { /* not yet */ }
    if (i > 100) throw new Error(`sms-sim did not start\n${log}`);
    await sleep(50);
  }
  const messages = async (phone) => (await request(base, 'GET', `/messages?phone=${phone}`)).json.messages;
  return {
    base,
    url: `${base}/sms`,
    logs: () => log,
    messages,
    /** Waits for the n-th message (1-based) of a template to phone and returns its params. */
    async nth(phone, template, n, ms = 5000) {
      const until = Date.now() + ms;
      for (;;) {
        const got = (await messages(phone)).filter((m) => m.template_id === template);
        if (got.length >= n) return got[n - 1].params;
        if (Date.now() > until) throw new Error(`no message #${n} (${template}) to ${phone} within ${ms} ms\n${log.slice(-2000)}`);
        await sleep(50);
      }
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const res = await exit;
      assert.deepEqual(res, { code: 0, signal: null }, `sms-sim must exit 0 on SIGTERM\n${log}`);
    },
  };
}

export const CODE_TEMPLATE = 'SMS_CODE_01';
export const NUMBER_TEMPLATE = 'SMS_NUMBER_01';

/** The nonce whose SHA-256(challenge ":" nonce) starts with `bits` zero bits. */
export function solvePow(challenge, bits) {
  for (let n = 0; ; n++) {
    const h = crypto.createHash('sha256').update(`${challenge}:${n}`).digest();
    let ok = true;
    for (let i = 0; i < bits && ok; i++) if (h[i >> 3] & (0x80 >> (i & 7))) ok = false;
    if (ok) return String(n);
  }
}

/** A consumer on the public API, with its own (forwarded) address and session cookie. */
export class Consumer {
  constructor(base, { ip, host } = {}) { Object.assign(this, { base, ip, host, cookie: null }); }

  headers(extra = {}) {
    const h = { ...extra };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.ip) h['X-Forwarded-For'] = this.ip;
    if (this.host) h.Host = this.host;
    return h;
  }

  req(method, p, body, opt = {}) {
    return request(this.base, method, p.startsWith('/') && !p.startsWith(PUB) ? PUB + p : p,
      { body, headers: this.headers(opt.headers) });
  }

  async askCode(purpose, phone, complaintNo) {
    const ch = (await this.req('GET', '/challenge')).json;
    return this.req('POST', '/sms-codes', {
      purpose, phone, ...(complaintNo !== undefined ? { complaint_no: complaintNo } : {}),
      challenge: ch.challenge, nonce: solvePow(ch.challenge, ch.bits),
    });
  }

  async verify(purpose, phone, code, complaintNo) {
    const r = await this.req('POST', '/sessions', { purpose, phone, code, ...(complaintNo !== undefined ? { complaint_no: complaintNo } : {}) });
    const c = cookieFrom(r, 'fcms_h5');
    if (r.status === 200 && c) this.cookie = c.pair;
    return r;
  }

  upload(name, buf) {
    return request(this.base, 'POST', `${PUB}/files?name=${encodeURIComponent(name)}`,
      { body: buf, headers: this.headers({ 'Content-Type': 'application/octet-stream' }) });
  }
}

/** The body of a 网上投诉 (fields a consumer can know). */
export function submission(orgId, phone, idNo, over = {}) {
  return {
    name: '王小明', id_type: '01', id_no: idNo, phone, complained_org_id: orgId, business_type: 'credit_card',
    content: '我的信用卡在未告知的情况下被收取了年费三百元，客服电话一直打不通。',
    demand: '退还年费并说明收费依据', ...over,
  };
}

/** Submits a complaint end to end (code from the sim): returns {complaint_no, consumer}. */
export async function submitViaSms(srv, sim, orgId, phone, idNo, nth = 1, over = {}) {
  const c = new Consumer(srv.base);
  const a = await c.askCode('submit', phone);
  assert.equal(a.status, 202, a.text);
  const { code } = await sim.nth(phone, CODE_TEMPLATE, nth);
  const v = await c.verify('submit', phone, code);
  assert.equal(v.status, 200, v.text);
  const s = await c.req('POST', '/submissions', submission(orgId, phone, idNo, over));
  assert.equal(s.status, 201, s.text);
  return { complaint_no: s.json.complaint_no, consumer: c };
}

// Smallest valid files for the sniffing (src/domain/filetype.c).
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
