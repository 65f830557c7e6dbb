// A busy server thread must not turn into connection resets (issue 13: under the working-day mix
// most errors were sockets cut by the request-head deadline, not failed requests). A client whose
// whole request head arrived in time, and waits only because the server's thread is busy with
// another request, is answered; a client whose head trickles in is still cut at the deadline.
// The server runs one thread, a 1 s head deadline, and the test hook FCMS_FAULT_HEALTHZ_DELAY_MS
// that makes GET /healthz?slow=1 hold that thread.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, sleep } from './lib/server.mjs';

const DELAY_MS = 2500;

/** Sends raw bytes on a new connection; resolves {status, text, ms, error} when it closes. */
function raw(port, text) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let got = '';
    let error = null;
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(text));
    s.on('data', (d) => { got += d; });
    s.on('error', (e) => { error = e.code || String(e); });
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, text: got, ms: Date.now() - t0, error });
    });
  });
}

/** A kept-alive connection: send(text) resolves {status, error} with the next reply's status
 * line once its body (Content-Length bytes) has arrived, or when the connection closes. An idle
 * kept-alive connection also waits for a head, so the server closes it after header_timeout_s. */
function keptAlive(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let waiter = null;
    let closed = null;
    const settle = () => {
      if (!waiter) return;
      const head = buf.indexOf('\r\n\r\n');
      if (head >= 0) {
        const headText = buf.subarray(0, head).toString('latin1');
        const len = Number((/content-length: *(\d+)/i.exec(headText) || [])[1] || 0);
        if (buf.length >= head + 4 + len) {
          const m = /^HTTP\/1\.1 (\d{3})/.exec(headText);
          buf = buf.subarray(head + 4 + len);
          const w = waiter; waiter = null;
          w({ status: m ? Number(m[1]) : 0, error: null });
          return;
        }
      }
      if (closed) { const w = waiter; waiter = null; w({ status: 0, error: closed }); }
    };
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); settle(); });
    s.on('error', (e) => { closed = e.code || String(e); settle(); });
    s.on('close', () => { closed = closed || 'closed by the server'; settle(); });
    s.on('connect', () => resolve({
      send: (text) => new Promise((r) => { waiter = r; s.write(text); settle(); }),
      close: () => s.destroy(),
    }));
  });
}

describe('request-head deadline under a busy server thread', () => {
  let srv;
  before(async () => {
    srv = await startServer({ config: { threads: 1, header_timeout_s: 1 },
      env: { FCMS_FAULT_HEALTHZ_DELAY_MS: String(DELAY_MS) } });
  });
  after(async () => { await srv?.stop(); });

  test('requests sent in time on kept-alive connections wait for the busy thread and are answered, not cut', async () => {
    // Five clients with a connection the server has accepted (one request answered on each).
    const conns = await Promise.all(Array.from({ length: 5 }, () => keptAlive(srv.port)));
    for (const c of conns) assert.equal((await c.send('GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n')).status, 401);
    const busy = raw(srv.port, 'GET /healthz?slow=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await sleep(300);
    const t0 = Date.now();
    const second = await Promise.all(conns.map((c) => c.send('GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n')));
    const b = await busy;
    assert.equal(b.status, 200, `the slow request: ${b.error || b.text.slice(0, 200)}`);
    for (const r of second) {
      assert.equal(r.status, 401, `a request that waited behind the busy thread was answered ` +
        `(got ${r.status}, ${r.error || 'no reply'} after ${Date.now() - t0} ms)`);
    }
    assert.ok(Date.now() - t0 > 1500, `they did wait past the 1 s head deadline (${Date.now() - t0} ms)`);
    conns.forEach((c) => c.close());
  });

  test('a head that trickles in is still cut at the deadline', async () => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port });
    const t0 = Date.now();
    let closedAt = null;
    s.on('error', () => {});
    s.on('close', () => { closedAt = Date.now() - t0; });
    await new Promise((r) => s.on('connect', r));
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    for (let i = 0; i < 12 && closedAt === null; i++) {
      await sleep(300);
      if (closedAt === null) s.write(`X-Trickle-${i}: y\r\n`);
    }
    s.destroy();
    assert.ok(closedAt !== null && closedAt < 3000, `closed after ${closedAt} ms (header_timeout_s = 1)`);
  });
});
