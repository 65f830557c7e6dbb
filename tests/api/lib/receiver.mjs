// A local webhook receiver for the integration tests (issue 15): a real node HTTP server that
// verifies every X-Fcms-Signature (HMAC-SHA256 over "t.body", 300 s window) with the secret of
// the path it was posted to, dedups by event id (at-least-once delivery), and can be taken down
// (listening socket closed, kept-alive connections cut) and brought back on the same port.

import crypto from 'node:crypto';
import http from 'node:http';

export function verifySignature(secret, header, body, windowS = 300) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!m || !secret) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > windowS) return false;
  const want = crypto.createHmac('sha256', secret).update(`${m[1]}.`).update(body).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(want), Buffer.from(m[2]));
}

export function sign(secret, body, t = Math.floor(Date.now() / 1000)) {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;
}

export async function startReceiver() {
  const st = {
    secrets: new Map(), // path -> secret
    events: new Map(),  // path -> [event] in first-arrival order
    seen: new Set(),    // path + event id
    posts: 0, dups: 0, bad: 0, mode: 'ok', port: 0, headers: [],
  };
  const sockets = new Set();
  let server;
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      st.posts++;
      const body = Buffer.concat(chunks);
      if (st.mode === 'fail') { res.writeHead(503); res.end('busy'); return; }
      if (!verifySignature(st.secrets.get(req.url), req.headers['x-fcms-signature'], body)) {
        st.bad++;
        res.writeHead(401); res.end('bad signature'); return;
      }
      const ev = JSON.parse(body.toString('utf8'));
      st.headers.push({ path: req.url, id: req.headers['x-fcms-event-id'], type: req.headers['x-fcms-event-type'] });
      const key = `${req.url} ${ev.id}`;
      if (st.seen.has(key)) st.dups++;
      else {
        st.seen.add(key);
        if (!st.events.has(req.url)) st.events.set(req.url, []);
        st.events.get(req.url).push(ev);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  };
  const listen = (port) => new Promise((resolve, reject) => {
    server = http.createServer(handler);
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { st.port = server.address().port; resolve(); });
  });
  await listen(0);
  return {
    st,
    url: (p) => `http://127.0.0.1:${st.port}${p}`,
    events: (p) => st.events.get(p) || [],
    /** Takes the receiver down: connections are refused until up(). */
    down: () => new Promise((resolve) => { server.close(() => resolve()); for (const s of sockets) s.destroy(); }),
    up: () => listen(st.port),
    stop: () => new Promise((resolve) => { server.close(() => resolve()); for (const s of sockets) s.destroy(); }),
  };
}
