// A bank's working day against a running fcms (issue 13): STAFF concurrent sessions of real seeded
// users of every role (handler, registrar, reviewer, statistician, manager) and every scope level
// (head office, province branch, city branch, sub-branch) read all day — to-do (as its page asks:
// brief rows, 50 a page, every tab), the complaint list with every filter of the list API alone and combined and both sorts, Chinese search, exact
// number, detail, timeline, notifications, attachments, reports, dashboard — while REGISTRARS
// registrars create complaints and handlers act on them (assign, reply) and reviewers approve.
// Closed loop without think time: each session sends its next request when the last one answered.
// Prints per-operation p50/p95/p99/max/errors, requests/s, the server's PSS and a verdict against
// the goals, and with --json one JSON line (bench/workday.sh collects it).
// Usage: node bench/workday.mjs --base URL [--sessions 200] [--registrars 8] [--seconds 60]
//          [--warmup 5] [--pids PID,PID] [--wal FILE] [--server-log FILE,FILE] [--label NAME]
//          [--json FILE]
// --wal: SQLite's write-ahead log (DATA/fcms.db-wal), whose largest size over the run is printed.
// --server-log: the servers' logs (comma-separated; request logging on, the default): each
//   measured request's CPU time (cpu=, the answering threads' own) is found by its X-Request-Id
//   and the table gains the mean CPU milliseconds per operation and each operation's share.
// Users sign in with the demo password (Demo@2026fcms); the admin (FCMS_ADMIN_PASSWORD, default the
// bench password) lists the users and institutions.
import { readFileSync, appendFileSync, statSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
  return a;
}, []));
const base = (args.base || 'http://127.0.0.1:8080').replace(/\/$/, '');
const nStaff = Number(args.sessions || 200), nReg = Number(args.registrars || 8);
const seconds = Number(args.seconds || 60), warmup = Number(args.warmup || 5);
const pids = (args.pids || '').split(',').filter(Boolean).map(Number);
const walFile = args.wal || '';
const serverLogs = (args['server-log'] || '').split(',').filter(Boolean);
const demoPassword = process.env.FCMS_DEMO_PASSWORD || 'Demo@2026fcms';
const adminPassword = process.env.FCMS_ADMIN_PASSWORD || 'Bench@fcms-Load-2026';
const GOAL = { readP95: 100, readP99: 300, max: 1000, rps: 1000, createP95: 100, pssMB: 600 };

// fetch's default agent keeps connections alive and opens as many per origin as are in flight:
// one per session, like a browser's.

// Deterministic randomness, so two runs send the same mix.
let seed = Number(args.seed || 13);
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (a) => a[Math.floor(rnd() * a.length)];

// ---- measurement ----
const stats = new Map(); // op → {times[], errors, kind}
const opOfRequest = new Map(); // X-Request-Id → op, with --server-log
let measuring = false, total = 0, slow = 0;
const errorSamples = [];
function record(op, kind, ms, ok, detail) {
  if (!measuring) return;
  let s = stats.get(op);
  if (!s) stats.set(op, (s = { times: [], errors: 0, kind }));
  total++;
  if (ok) s.times.push(ms);
  else {
    s.errors++;
    if (errorSamples.length < 20) errorSamples.push(`${op}: ${detail}`);
  }
  if (ms > GOAL.max) slow++;
}

async function call(session, op, kind, method, path, body) {
  const t0 = performance.now();
  let status = 0, json = null, detail = '';
  try {
    const headers = { Cookie: session.cookie };
    if (method !== 'GET') { headers['Content-Type'] = 'application/json'; headers['X-CSRF-Token'] = session.csrf; }
    const r = await fetch(base + path, { method, headers, body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(60e3) });
    status = r.status;
    if (serverLogs.length && measuring) opOfRequest.set(r.headers.get('x-request-id'), op);
    const text = await r.text();
    try { json = JSON.parse(text); } catch { json = null; }
    if (status >= 400) detail = `${status} ${text.slice(0, 160)}`;
  } catch (e) {
    detail = `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}`;
  }
  const ms = performance.now() - t0;
  // A 409 on an action is the workflow saying someone else moved first: an answer, not a fault.
  const ok = status >= 200 && (status < 400 || (status === 409 && kind === 'write' && op !== 'create'));
  record(op, kind, ms, ok, `${method} ${path} → ${detail}`);
  return ok && status < 400 ? json : null;
}

// ---- setup: who works here ----
async function login(username, password) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }) });
    const text = await r.text();
    if (r.status === 200) {
      const cookie = (r.headers.getSetCookie?.() || [r.headers.get('set-cookie')]).map((c) => c.split(';')[0])
        .find((c) => c.startsWith('fcms_session='));
      return { cookie, csrf: JSON.parse(text).csrf_token, user: JSON.parse(text).user };
    }
    if (r.status !== 429 && r.status !== 503) throw new Error(`login ${username}: ${r.status} ${text}`);
    await new Promise((res) => setTimeout(res, 1000 * (attempt + 1)));
  }
  throw new Error(`login ${username}: still refused`);
}
async function getAll(session, path) {
  const items = [];
  for (let page = 1; ; page++) {
    const r = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}page=${page}&page_size=200`, { headers: { Cookie: session.cookie } });
    const j = await r.json();
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
    items.push(...j.items);
    if (!j.items.length || items.length >= (j.total ?? items.length)) return items;
  }
}

const admin = await login('admin', adminPassword);
const orgs = await getAll(admin, '/api/v1/institutions');
const users = await getAll(admin, '/api/v1/users');
const orgById = new Map(orgs.map((o) => [o.id, o]));
const LEVELS = ['head office', 'province', 'city', 'sub-branch'];
const levelOf = (orgId) => Math.min(3, orgById.get(orgId)?.depth ?? 0);
const roleOf = (u) => (u.roles || []).map((r) => r.code).find((c) => ['handler', 'registrar', 'reviewer',
  'statistician', 'manager'].includes(c));
const staff = users.filter((u) => u.status === 'active' && !u.is_service && roleOf(u));
// Strata role × level, drawn round-robin so every kind of user is present in any session count.
const strata = new Map();
for (const u of staff) {
  const k = `${roleOf(u)}@${LEVELS[levelOf(u.org_id)]}`;
  if (!strata.has(k)) strata.set(k, []);
  strata.get(k).push(u);
}
for (const list of strata.values()) list.sort(() => rnd() - 0.5);
const registrarPool = staff.filter((u) => roleOf(u) === 'registrar').sort((a, b) => levelOf(a.org_id) - levelOf(b.org_id));
const chosen = [];
for (let round = 0; chosen.length < nStaff; round++) {
  let added = 0;
  for (const list of strata.values()) {
    if (chosen.length >= nStaff) break;
    if (list.length) { chosen.push(list[round % list.length]); added++; }
  }
  if (!added) throw new Error('no staff users: seed the data with fcms seed-demo');
}
// Registrars that create: spread over the levels (head office's call centre first).
const creators = [];
for (let i = 0; creators.length < nReg && registrarPool.length; i++) {
  const byLevel = [0, 1, 2, 3].map((l) => registrarPool.filter((u) => levelOf(u.org_id) === l)).filter((l) => l.length);
  creators.push(byLevel[i % byLevel.length][Math.floor(i / byLevel.length) % byLevel[i % byLevel.length].length]);
}
// Signing in costs an Argon2id hash each (bounded on the server): once per user, two at a time;
// sessions of the same user share the sign-in like tabs of one browser.
const signed = new Map();
const toSign = [...new Set([...chosen, ...creators].map((u) => u.username))];
const reviewers = staff.filter((u) => roleOf(u) === 'reviewer');
const handlers = staff.filter((u) => roleOf(u) === 'handler');
for (const u of reviewers.slice(0, 2)) toSign.push(u.username);
// The handlers who act on the new complaints: the nearest one above each complained institution.
const handlerFor = new Map();
for (const o of orgs) {
  for (let p = o; p; p = orgById.get(p.parent_id)) {
    const h = handlers.filter((u) => u.org_id === p.id);
    if (h.length) { handlerFor.set(o.id, h[o.id % h.length]); break; }
  }
}
// Each registrar files against a handful of institutions of its subtree (its own first), so the
// handlers who act are a few dozen sign-ins, not every desk of the bank.
const targetsOf = new Map();
const inScope = (u) => {
  if (!targetsOf.has(u.id)) {
    const all = orgs.filter((o) => o.path.startsWith(u.org_path) && handlerFor.get(o.id));
    const own = all.filter((o) => o.id === u.org_id);
    const rest = all.filter((o) => o.id !== u.org_id).sort((a, b) => (a.id * 7919) % 1009 - (b.id * 7919) % 1009);
    targetsOf.set(u.id, [...own, ...rest].slice(0, 4));
  }
  return targetsOf.get(u.id);
};
for (const u of creators) for (const o of inScope(u)) toSign.push(handlerFor.get(o.id).username);
const unique = [...new Set(toSign)];
const tLogin = performance.now();
for (let i = 0; i < unique.length; i += 2)
  await Promise.all(unique.slice(i, i + 2).map(async (name) => signed.set(name, await login(name, demoPassword))));
console.error(`signed in ${unique.length} users in ${((performance.now() - tLogin) / 1000).toFixed(1)} s;`
  + ` strata: ${[...strata.keys()].sort().join(', ')}`);

// ---- what staff read ----
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const day = (n) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
const frags = ['年费', '分期手续', '额度被', '盗刷', '账户被冻结', '小额账户', '吞卡', '违约金', '贷款利率', '征信记录', '延迟到账',
  '支付失败', '催收电话', '境外汇款', '排队时间', '收费标准', '信用卡'];
const filters = {
  status: ['registered', 'processing', 'reviewing', 'replied', 'closed', 'withdrawn'],
  source_channel: ['phone', 'onsite', 'internet', 'pboc_transfer', 'letter'],
  business_channel_code: ['A0101', 'A0103', 'A02'],
  business_type_code: ['B0302', 'B0301', 'B02', 'B05'],
  cause_code: ['C03', 'C07', 'C01', 'C12'],
  tag: ['regulator', 'repeat', 'media'],
  deadline_state: ['overdue', 'due_soon', 'on_time'],
  right: ['R04', 'R01', 'R08'],
};
const ranges = () => pick([[day(-6), today], [day(-30), today], [day(-90), today], [day(-364), today], [day(-200), day(-100)]]);
const REPORTS = ['detail', 'region', 'category', 'business_channel', 'business_type', 'cause', 'institution', 'source_channel',
  'time', 'mom', 'yoy', 'rights'];

function subOrg(s) { // an institution in the session's scope, own or below
  const mine = orgs.filter((o) => o.path.startsWith(s.user.org_path));
  return pick(mine.length ? mine : orgs);
}
function listQuery(s) {
  const q = new URLSearchParams();
  const [from, to] = ranges();
  const alone = Object.keys(filters);
  const shape = Math.floor(rnd() * 24);
  if (shape < 8) { const k = alone[shape]; q.set(k, pick(filters[k])); return ['list ' + k, q]; }
  switch (shape) {
    case 8: q.set('from', from); q.set('to', to); return ['list dates', q];
    case 9: q.set('org_id', subOrg(s).id); return ['list org', q];
    case 10: q.set('complained_org_id', subOrg(s).id); return ['list complained_org', q];
    case 11: q.set('region_code', subOrg(s).region_code); return ['list region', q];
    case 12: q.set('overdue', 'true'); q.set('sort', 'due'); return ['list overdue+sort due', q];
    case 13: q.set('open', 'true'); q.set('sort', 'due'); return ['list open+sort due', q];
    case 14: q.set('handler', 'me'); q.set('open', 'true'); return ['list handler=me+open', q];
    case 15: q.set('mine', 'true'); return ['list mine', q];
    case 16: q.set('counted', 'true'); q.set('from', from); q.set('to', to); return ['list counted+dates', q];
    case 17: q.set('status', pick(filters.status)); q.set('from', from); q.set('to', to); return ['list status+dates', q];
    case 18: q.set('org_id', subOrg(s).id); q.set('from', from); q.set('to', to); q.set('cause_code', pick(filters.cause_code));
      return ['list org+dates+cause', q];
    case 19: q.set('status', pick(filters.status)); q.set('org_id', subOrg(s).id); q.set('sort', 'due'); return ['list status+org+sort due', q];
    case 20: q.set('business_type_code', pick(filters.business_type_code)); q.set('source_channel', pick(filters.source_channel));
      q.set('from', from); q.set('to', to); return ['list type+channel+dates', q];
    case 21: q.set('deadline_state', 'overdue'); q.set('org_id', subOrg(s).id); q.set('status', 'processing'); return ['list overdue+org+status', q];
    case 22: q.set('page', String(2 + Math.floor(rnd() * 9))); return ['list page 2-10', q];
    default: q.set('tag', pick(filters.tag)); q.set('status', pick(filters.status)); q.set('sort', 'due'); return ['list tag+status+sort due', q];
  }
}

function remember(s, body) {
  for (const it of body?.items || []) {
    if (s.ids.length >= 40) s.ids.splice(Math.floor(rnd() * 40), 1);
    s.ids.push({ id: it.id, no: it.complaint_no });
  }
}
// The to-do as the page asks for it (web/src/views/complaints/Todo.vue): brief rows, 50 a page,
// the first visit without a tab and then a tab; every tab is asked for by every role.
const TODO_TABS = ['', 'assigned', 'queue', 'review', 'callback', 'approve_extension', 'approve_new_facts', 'approve_delete'];
function todoPath() {
  const kind = rnd() < 0.4 ? '' : pick(TODO_TABS.slice(1));
  return `/api/v1/todo?view=brief&page=1&page_size=50${kind ? `&kind=${kind}` : ''}`;
}
async function staffStep(s) {
  const role = s.role, r = rnd();
  const reporter = role === 'statistician' || role === 'manager';
  if (!reporter && r < 0.22) return remember(s, await call(s, 'todo', 'read', 'GET', todoPath()));
  if (r < (reporter ? 0.25 : 0.52)) {
    const [op, q] = listQuery(s);
    if (rnd() < 0.5 && !q.has('sort')) q.set('sort', rnd() < 0.5 ? 'due' : 'received');
    return remember(s, await call(s, op, 'read', 'GET', `/api/v1/complaints?${q}`));
  }
  if (r < (reporter ? 0.32 : 0.58)) {
    const q = new URLSearchParams({ q: pick(frags) });
    if (rnd() < 0.5) { const [f, t] = ranges(); q.set('from', f); q.set('to', t); }
    return remember(s, await call(s, 'search Chinese', 'read', 'GET', `/api/v1/complaints?${q}`));
  }
  const seen = s.ids.length ? pick(s.ids) : null;
  if (r < (reporter ? 0.36 : 0.62) && seen) return call(s, 'exact number', 'read', 'GET', `/api/v1/complaints?complaint_no=${encodeURIComponent(seen.no)}`);
  if (r < (reporter ? 0.42 : 0.76) && seen) return call(s, 'detail', 'read', 'GET', `/api/v1/complaints/${seen.id}`);
  if (r < (reporter ? 0.46 : 0.84) && seen) return call(s, 'timeline', 'read', 'GET', `/api/v1/complaints/${seen.id}/timeline`);
  if (r < (reporter ? 0.48 : 0.88) && seen) return call(s, 'attachments', 'read', 'GET', `/api/v1/complaints/${seen.id}/attachments`);
  if (r < (reporter ? 0.52 : 0.93)) return call(s, 'notifications', 'read', 'GET', '/api/v1/notifications');
  if (r < (reporter ? 0.62 : 0.97)) return call(s, 'dashboard', 'read', 'GET', '/api/v1/dashboard');
  if (s.canReport) {
    const [from, to] = ranges();
    const name = pick(REPORTS);
    const extra = ['time', 'mom', 'yoy'].includes(name) ? '&granularity=month' : '';
    const org = rnd() < 0.5 ? `&org_id=${subOrg(s).id}` : '';
    return call(s, name === 'detail' ? 'report detail' : 'reports', 'read', 'GET', `/api/v1/reports/${name}?from=${from}&to=${to}${org}${extra}`);
  }
  return call(s, 'todo', 'read', 'GET', todoPath());
}

// ---- what registrars and handlers write ----
const contents = ['信用卡年费未经同意被收取，多次联系未得到解决', '手机银行支付失败但已扣款，要求尽快退款', '贷款利率调整未提前告知，对还款金额有异议',
  '自助机吞卡后长时间未处理，影响正常使用', '催收电话频繁打扰家人和同事，要求停止', '境外汇款手续费过高且未事先说明'];
const queue = []; // created complaints waiting for their handler
let created = 0, closedLoops = 0;
async function registrarLoop(u, stop) {
  const s = { ...signed.get(u.username) };
  const targets = inScope(u);
  while (!stop.done) {
    const org = pick(targets);
    const received = new Date(Date.now() - Math.floor(rnd() * 3600e3)).toISOString().replace(/\.\d+Z$/, '+00:00');
    const body = { source_channel: pick(['phone', 'onsite', 'internet', 'letter']), received_at: received,
      complainant: { name: pick(['张伟', '王芳', '李娜', '刘洋']) + '测', id_type: '01', id_no: '11010519491231002X', phone: '13800001234',
        address: '北京市朝阳区建国路1号' },
      complained_org_id: org.id, region_code: org.region_code, business_channel_code: 'A0101', business_type_code: 'B03021',
      cause_code: pick(['C07', 'C03', 'C01']), rights: ['R04'], content: pick(contents), demand: '要求退还相关费用并解释说明', amount_fen: 30000 };
    const c = await call(s, 'create', 'write', 'POST', '/api/v1/complaints', body);
    if (c) { created++; if (queue.length < 2000) queue.push({ c, org }); }
  }
}
async function handlerLoop(stop) {
  const reviewer = signed.get(reviewers[0]?.username);
  while (!stop.done) {
    const job = queue.shift();
    if (!job) { await new Promise((r) => setTimeout(r, 20)); continue; }
    const hu = handlerFor.get(job.org.id);
    const h = signed.get(hu.username);
    let c = await call(h, 'assign', 'write', 'POST', `/api/v1/complaints/${job.c.id}/actions/assign`,
      { version: job.c.version, org_id: hu.org_id, user_id: hu.id });
    if (!c) continue;
    c = await call(h, 'reply', 'write', 'POST', `/api/v1/complaints/${c.id}/actions/reply`,
      { version: c.version, result: 'explained', reply_content: '经调查核实，已向客户说明收费依据，并告知其他救济途径。', compensation_fen: 0 });
    if (!c || !reviewer) continue;
    if (await call(reviewer, 'approve reply', 'write', 'POST', `/api/v1/complaints/${c.id}/actions/approve_reply`, { version: c.version })) closedLoops++;
  }
}

// ---- memory ----
let pssMax = new Map();
const pssParts = new Map(); // pid → {anon, file} at the maximum
function pssNow() {
  const out = new Map();
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? NaN) / 1024;
      out.set(pid, kb('Pss'));
      if (!(kb('Pss') < (pssMax.get(pid) || 0))) pssParts.set(pid, { anon: kb('Pss_Anon'), file: kb('Pss_File') });
    } catch { out.set(pid, NaN); }
  }
  return out;
}

// ---- run ----
const sessions = chosen.map((u) => ({ ...signed.get(u.username), user: u, role: roleOf(u), ids: [],
  canReport: (u.permissions || []).includes('report.view') }));
const stop = { done: false };
const loops = [];
for (const s of sessions) loops.push((async () => { while (!stop.done) await staffStep(s); })());
for (const u of creators) loops.push(registrarLoop(u, stop));
for (let i = 0; i < nReg; i++) loops.push(handlerLoop(stop));
await new Promise((r) => setTimeout(r, warmup * 1000));
measuring = true;
const t0 = performance.now();
let walMax = 0;
const walNow = () => { try { walMax = Math.max(walMax, statSync(walFile).size / 1048576); } catch { /* not there yet */ } };
const pssTimer = setInterval(() => {
  for (const [p, v] of pssNow()) pssMax.set(p, Math.max(pssMax.get(p) || 0, v));
  if (walFile) walNow();
}, 1000);
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - t0) / 1000;
clearInterval(pssTimer);
for (const [p, v] of pssNow()) pssMax.set(p, Math.max(pssMax.get(p) || 0, v));
stop.done = true;
await Promise.race([Promise.allSettled(loops), new Promise((r) => setTimeout(r, 60e3))]);

// ---- report ----
const cpuOf = new Map(); // op → [sum ms, n]
for (const file of serverLogs)
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = / req=([0-9a-f]{16}) .* cpu=([0-9.]+)ms/.exec(line);
    const op = m && opOfRequest.get(m[1]);
    if (!op) continue;
    const c = cpuOf.get(op) || [0, 0];
    c[0] += Number(m[2]); c[1]++;
    cpuOf.set(op, c);
  }
const cpuTotal = [...cpuOf.values()].reduce((a, c) => a + c[0], 0);
const pct = (a, p) => a.length ? a[Math.min(a.length - 1, Math.floor((a.length - 1) * p))] : NaN;
const rows = [];
for (const [op, s] of [...stats].sort((a, b) => a[0].localeCompare(b[0]))) {
  s.times.sort((a, b) => a - b);
  rows.push({ op, kind: s.kind, n: s.times.length, errors: s.errors, p50: pct(s.times, 0.5), p95: pct(s.times, 0.95),
    p99: pct(s.times, 0.99), max: s.times.length ? s.times[s.times.length - 1] : NaN,
    cpu_ms: cpuOf.has(op) ? +(cpuOf.get(op)[0] / cpuOf.get(op)[1]).toFixed(2) : null,
    cpu_share: cpuOf.has(op) ? +(cpuOf.get(op)[0] / cpuTotal).toFixed(3) : null });
}
const reads = rows.filter((r) => r.kind === 'read'), writes = rows.filter((r) => r.kind === 'write');
const allReads = [...stats.values()].filter((s) => s.kind === 'read').flatMap((s) => s.times).sort((a, b) => a - b);
const create = rows.find((r) => r.op === 'create') || { p95: NaN, n: 0 };
const pssTotal = [...pssMax.values()].reduce((a, b) => a + b, 0);
const errors = rows.reduce((a, r) => a + r.errors, 0);
const summary = {
  label: args.label || base, sessions: sessions.length, registrars: creators.length, seconds: +elapsed.toFixed(1),
  requests: total, rps: +(total / elapsed).toFixed(0), errors, over_1s: slow,
  read_p50: +pct(allReads, 0.5).toFixed(1), read_p95: +pct(allReads, 0.95).toFixed(1), read_p99: +pct(allReads, 0.99).toFixed(1),
  // An operation that never succeeded counts as infinitely slow.
  worst_read_p95: Math.max(...reads.map((r) => (r.n ? r.p95 : Infinity))), worst_read_p99: Math.max(...reads.map((r) => (r.n ? r.p99 : Infinity))),
  max_ms: Math.max(...rows.filter((r) => r.n).map((r) => r.max)), create_p95: +create.p95.toFixed(1), created_per_s: +(create.n / elapsed).toFixed(1),
  approved_loops: closedLoops, pss_mb: pids.length ? Math.round(pssTotal) : null, wal_mb: walFile ? Math.round(walMax) : null,
  pss_by_pid: Object.fromEntries([...pssMax].map(([p, v]) => [p, Math.round(v)])), ops: rows,
};
const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '-');
console.log(`\n== workday ${summary.label}: ${sessions.length} staff sessions (${new Set(chosen.map((u) => u.username)).size} users)`
  + ` + ${creators.length} registrars creating, ${nReg} handler loops acting; ${elapsed.toFixed(0)} s measured`);
const cpuCols = cpuOf.size ? '  cpu/req share' : '';
console.log(`operation                        kind       n   err     p50     p95     p99      max${cpuCols}  (ms)`);
for (const r of rows)
  console.log(`${r.op.padEnd(32)} ${r.kind.padEnd(5)} ${String(r.n).padStart(6)} ${String(r.errors).padStart(5)} ${f(r.p50).padStart(7)} ${f(r.p95).padStart(7)}`
    + ` ${f(r.p99).padStart(7)} ${f(r.max).padStart(8)}`
    + (cpuOf.size ? ` ${(r.cpu_ms == null ? '-' : r.cpu_ms.toFixed(2)).padStart(8)} ${(r.cpu_share == null ? '-' : (100 * r.cpu_share).toFixed(1) + '%').padStart(6)}` : '')
    + `${r.kind === 'read' && (r.p95 > GOAL.readP95 || r.p99 > GOAL.readP99) ? '  !' : ''}`);
if (cpuOf.size)
  console.log(`server CPU in requests: ${(cpuTotal / 1000).toFixed(1)} s over ${elapsed.toFixed(0)} s measured`
    + ` (${(cpuTotal / 1000 / elapsed).toFixed(2)} cores; the writer thread's commits are not in it)`);
const ratio = (v, g, lower = true) => `${(lower ? v / g : g / v).toFixed(2)}x goal ${v <= g === lower || (!lower && v >= g) ? 'met' : 'MISSED'}`;
console.log(`requests: ${total} in ${elapsed.toFixed(1)} s = ${summary.rps} req/s (${ratio(summary.rps, GOAL.rps, false)}, goal >= ${GOAL.rps});`
  + ` errors ${errors}; over 1 s: ${slow}`);
console.log(`reads: p50 ${f(summary.read_p50)} p95 ${f(summary.read_p95)} p99 ${f(summary.read_p99)} ms; worst operation p95 ${f(summary.worst_read_p95)}`
  + ` (${ratio(summary.worst_read_p95, GOAL.readP95)}, goal <= ${GOAL.readP95}), worst p99 ${f(summary.worst_read_p99)} (${ratio(summary.worst_read_p99, GOAL.readP99)},`
  + ` goal <= ${GOAL.readP99}); max ${f(summary.max_ms)} ms (goal <= ${GOAL.max})`);
console.log(`creation: ${create.n} (${summary.created_per_s}/s), p95 ${f(create.p95)} ms (${ratio(create.p95, GOAL.createP95)}, goal <= ${GOAL.createP95});`
  + ` ${closedLoops} assigned, replied and approved`);
if (pids.length)
  console.log(`server PSS (max over the run): ${[...pssMax].map(([p, v]) => `pid ${p} ${v.toFixed(0)} MB`
    + ` (anon ${pssParts.get(p)?.anon.toFixed(0)}, file ${pssParts.get(p)?.file.toFixed(0)})`).join(', ')}; total ${pssTotal.toFixed(0)} MB`
    + ` (${ratio(pssTotal, GOAL.pssMB)}, goal <= ${GOAL.pssMB} MB)`);
if (walFile) console.log(`SQLite write-ahead log: at most ${walMax.toFixed(0)} MB over the run`);
if (errorSamples.length) console.log('first errors:\n  ' + errorSamples.slice(0, 8).join('\n  '));
if (args.json) appendFileSync(args.json, JSON.stringify(summary) + '\n');
process.exit(0);
