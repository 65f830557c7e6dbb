// Report latency (issue 4): every report over several date ranges and institution subtrees,
// through the API of a running fcms, against the plain SQL GROUP BY over the complaints table
// (sqlite3 CLI, same database file, same filters), measured in the same run.
// Usage: node bench/reports.mjs BASE COOKIE DBFILE [ROUNDS]
// Prints one JSON line per report {report, n, p50, p95, sql_p50, ratio} and a summary.
import { spawnSync } from 'node:child_process';

const [base, cookie, dbFile, roundsStr] = process.argv.slice(2);
const rounds = Number(roundsStr || 5);
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))]; };
// The SQL baseline keeps the connection idle for longer than the server's idle timeout; a
// request on a connection the server has just closed is sent again once.
const get = async (path, retry = true) => {
  let r;
  try {
    r = await fetch(base + path, { headers: { Cookie: cookie } });
  } catch (e) {
    if (retry) return get(path, false);
    throw e;
  }
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
};

// The newest received date in the data (seeded data ends "now").
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const day = (n) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
const orgs = (await get('/api/v1/institutions?page_size=1000')).items;
const root = orgs.find((o) => !o.parent_id);
const province = orgs.find((o) => o.parent_id === root.id);
const city = orgs.find((o) => o.parent_id === province.id);
const ranges = [[day(-729), today, 'two years'], [day(-364), today, '12 months'], [day(-90), today, 'quarter'],
  [day(-30), today, 'month']];
const subtrees = [[root, 'whole bank'], [province, province.name], [city, city.name]];

// The analogous plain SQL per report: the same counting rule and filters, grouped by the column.
const groupBy = {
  region: 'region_code', category: 'substr(business_type_code, 1, 3)', business_channel: 'business_channel_code',
  business_type: 'business_type_code', cause: 'cause_code', institution: 'complained_org_id',
  source_channel: 'source_channel', rights: 'rights',
  time: "strftime('%Y-%m', received_at / 1000 + 28800, 'unixepoch')",
  mom: "strftime('%Y-%m', received_at / 1000 + 28800, 'unixepoch')",
  yoy: "strftime('%Y-%m', received_at / 1000 + 28800, 'unixepoch')",
};
const ms = (d, end) => Date.parse(`${d}T${end ? '23:59:59.999' : '00:00:00'}+08:00`);
function sqlFor(report, [from, to], org) {
  const end = org.path.slice(0, -1) + '0';
  return `SELECT ${groupBy[report]} AS k, COUNT(*), SUM(status = 'closed'), SUM(deadline_state = 'overdue'),`
    + ` SUM(compensation_fen) FROM complaints WHERE received_at BETWEEN ${ms(from)} AND ${ms(to, true)}`
    + ` AND org_path >= '${org.path}' AND org_path < '${end}' AND status NOT IN ('draft', 'deleted')`
    + ` AND merged_into IS NULL GROUP BY k`;
}
function sqlTime(sql) {
  const r = spawnSync('sqlite3', [dbFile], { input: `.timer on\n${sql};\n`, encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /Run Time: real ([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`sqlite3: ${r.stderr}`);
  return Number(m[1]) * 1000;
}

const names = ['region', 'category', 'business_channel', 'business_type', 'cause', 'institution', 'source_channel',
  'time', 'mom', 'yoy', 'rights'];
const all = [];
const summary = [];
for (const name of names) {
  const times = [];
  for (let k = 0; k < rounds; k++)
    for (const [from, to] of ranges)
      for (const [org] of subtrees) {
        const extra = name === 'time' || name === 'mom' || name === 'yoy' ? '&granularity=month' : '';
        const t0 = process.hrtime.bigint();
        await get(`/api/v1/reports/${name}?from=${from}&to=${to}&org_id=${org.id}${extra}`);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
  // The SQL baseline: the widest and the narrowest combinations with a subtree filter, once each
  // (seconds per query at ten million rows).
  const sql = [sqlTime(sqlFor(name, ranges[0], root)), sqlTime(sqlFor(name, ranges[1], province)),
    sqlTime(sqlFor(name, ranges[3], city))];
  const row = { report: name, n: times.length, p50: +pct(times, 0.5).toFixed(2), p95: +pct(times, 0.95).toFixed(2),
    max: +Math.max(...times).toFixed(2), sql_p50: +pct(sql, 0.5).toFixed(0), ratio: +(pct(sql, 0.5) / pct(times, 0.5)).toFixed(0) };
  console.log(JSON.stringify(row));
  summary.push(row);
  all.push(...times);
}
// The matrix layout and the dashboard too.
for (const [label, path] of [['matrix cause by branch', '/api/v1/reports/cause?layout=matrix'],
  ['matrix business_type by region', '/api/v1/reports/business_type?layout=matrix&rows_by=region'],
  ['dashboard', '/api/v1/dashboard']]) {
  const times = [];
  for (let k = 0; k < rounds * 4; k++) {
    const t0 = process.hrtime.bigint();
    await get(path);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(JSON.stringify({ report: label, n: times.length, p50: +pct(times, 0.5).toFixed(2), p95: +pct(times, 0.95).toFixed(2) }));
  all.push(...times);
}
const ratios = summary.map((r) => r.ratio).sort((a, b) => a - b);
console.log(`all reports: p50 ${pct(all, 0.5).toFixed(1)} ms, p95 ${pct(all, 0.95).toFixed(1)} ms over ${all.length} requests;`
  + ` plain SQL / fcms (median per report): min ${ratios[0]}x, median ${pct(ratios, 0.5)}x`);
