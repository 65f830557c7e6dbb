// Helpers for the regulator gateway tests (docs/api-regulator.md): start `fcms regulator-sim`
// on a free port (or on a directory), read its counts, change its faults, and wait for the
// gateway to reach a state. Built on the platform harness (server.mjs).

import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { FCMS_BIN, freePort, request, sleep } from './server.mjs';

const live = new Set();
process.on('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

/** Starts the simulator. opts: {dir, args: [...extra flags]}. Returns {url, base, stats(), faults(f), stop()}. */
export async function startSim(opts = {}) {
  const port = await freePort();
  const args = ['regulator-sim', '--listen', `127.0.0.1:${port}`, ...(opts.dir ? ['--dir', opts.dir] : []), ...(opts.args || [])];
  const child = spawn(FCMS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; live.delete(child); resolve(exited); }));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`regulator-sim exited early ${JSON.stringify(exited)}\n${log}`);
    try {
      const r = await request(base, 'GET', '/stats', { timeout: 1000 });
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (i > 100) throw new Error(`regulator-sim did not start\n${log}`);
    await sleep(50);
  }
  const call = async (method, p, body) => {
    const r = await request(base, method, p, { body });
    assert.equal(r.status, 200, `sim ${method} ${p} → ${r.status} ${r.text}`);
    return r.json;
  };
  return {
    base,
    url: `${base}/submissions`,
    child,
    logs: () => log,
    stats: () => call('GET', '/stats'),
    faults: (f) => call('POST', '/admin/faults', f),
    receipt: async (key) => (await request(base, 'GET', `/receipt?key=${encodeURIComponent(key)}`)).json,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const res = await exit;
      assert.deepEqual(res, { code: 0, signal: null }, `regulator-sim must exit 0 on SIGTERM\n${log}`);
    },
  };
}

/** Polls fn() until it returns a truthy value (returned) or ms pass (assertion with the last value). */
export async function waitFor(fn, ms, what) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > until) assert.fail(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/** GET /regulator/status as `client`. */
export const regStatus = (client) => client.ok('GET', '/regulator/status');

/** Every submission (all pages). */
export async function allSubmissions(client, query = '') {
  const out = [];
  for (let page = 1; ; page++) {
    const r = await client.ok('GET', `/regulator/submissions?page=${page}&page_size=200${query ? `&${query}` : ''}`);
    out.push(...r.items);
    if (r.items.length < 200) return out;
  }
}

/** Runs fns with at most n in flight; resolves to their results in order. */
export async function pool(n, fns) {
  const out = new Array(fns.length);
  let next = 0;
  async function lane() {
    while (next < fns.length) {
      const i = next++;
      out[i] = await fns[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, fns.length) }, lane));
  return out;
}

/** Open alerts of a kind. */
export async function openAlerts(client, kind) {
  const r = await client.ok('GET', '/regulator/alerts?open=true');
  return r.items.filter((a) => !kind || a.kind === kind);
}
