// Creations under a read mix (issue 13, PostgreSQL writers starving): R staff sessions read (to-do,
// lists, detail, timeline) while W registrars create complaints, for T seconds; prints requests/s,
// creations/s and p50/p95/p99 per operation. Against a seeded demo server:
//   node bench/writers_under_reads.mjs http://127.0.0.1:8080 [R=48] [W=4] [T=30]
import { complaintBody } from '../tests/api/lib/complaints.mjs';

const [base = 'http://127.0.0.1:8080', R = 48, W = 4, T = 30] = process.argv.slice(2).map((v, i) => (i ? Number(v) : v));
const PASSWORD = process.env.DEMO_PASSWORD || 'Demo@2026fcms';
const READERS = ['xiaobao1', 'xiaobao2', 'hq_handler', 'GD00_handler', 'GD01_handler', 'GD02_handler', 'GD03_handler',
  'GD04_handler', 'GD05_handler', 'GD06_handler', 'JS01_handler', 'JS02_handler', 'JS03_handler', 'JS04_handler', 'tongji'];
const WRITERS = ['GD01_registrar', 'GD02_registrar', 'GD03_registrar', 'GD04_registrar', 'JS01_registrar',
  'JS02_registrar', 'JS03_registrar', 'JS04_registrar'];

async function login(username) {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }) });
  if (r.status !== 200) throw new Error(`${username}: login ${r.status} ${await r.text()}`);
  const j = await r.json();
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: j.csrf_token, user: j.user };
}

const times = new Map();
let errors = 0;
async function call(op, s, method, path, body) {
  const t0 = performance.now();
  let status = 0, text = '';
  try {
    const r = await fetch(`${base}/api/v1${path}`, { method, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    status = r.status;
    text = await r.text();
  } catch (e) {
    text = String(e.cause || e); // a dropped connection counts as an error, with its time
  }
  const ms = performance.now() - t0;
  if (status === 0 || status >= 400) { errors++; if (errors < 5) console.error(op, status, text.slice(0, 200)); }
  if (!times.has(op)) times.set(op, []);
  times.get(op).push(ms);
  try { return JSON.parse(text); } catch { return null; }
}

let end = 0; // set once every session has signed in
async function reader(s) {
  const reads = [
    () => call('todo', s, 'GET', '/todo'),
    () => call('list status', s, 'GET', '/complaints?status=processing'),
    () => call('list dates', s, 'GET', '/complaints?from=2026-01-01&to=2026-11-30'),
    () => call('list q', s, 'GET', encodeURI('/complaints?q=信用卡')),
  ];
  let ids = [];
  for (let i = 0; Date.now() < end; i++) {
    if (i % 5 === 4 && ids.length) {
      const id = ids[i % ids.length];
      await call('detail', s, 'GET', `/complaints/${id}`);
      await call('timeline', s, 'GET', `/complaints/${id}/timeline`);
    } else {
      const j = await reads[i % reads.length]();
      if (j && j.items && j.items.length) ids = j.items.map((c) => c.id);
    }
  }
}
async function writer(s) {
  while (Date.now() < end) await call('create', s, 'POST', '/complaints', complaintBody(s.user.org_id));
}

const readers = [];
for (let i = 0; i < R; i++) readers.push(await login(READERS[i % READERS.length]));
const writers = [];
for (let i = 0; i < W; i++) writers.push(await login(WRITERS[i % WRITERS.length]));
const t0 = Date.now();
end = t0 + T * 1000;
await Promise.all([...readers.map(reader), ...writers.map(writer)]);
const secs = (Date.now() - t0) / 1000;
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))].toFixed(0);
let total = 0;
console.log(`| operation | n | per s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|`);
for (const [op, a] of [...times].sort()) {
  a.sort((x, y) => x - y);
  total += a.length;
  console.log(`| ${op} | ${a.length} | ${(a.length / secs).toFixed(1)} | ${q(a, 0.5)} | ${q(a, 0.95)} | ${q(a, 0.99)} |`);
}
console.log(`| all | ${total} | ${(total / secs).toFixed(1)} | | | |\nerrors: ${errors}, ${R} readers, ${W} writers, ${secs.toFixed(0)} s`);
