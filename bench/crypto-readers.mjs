// Readers for bench/crypto-migrate.sh: unmask complaints over HTTP (GET
// /api/v1/complaints/{id}/complainant) and check each opens.
//   node bench/crypto-readers.mjs BASE COOKIE truth N OUT.json      sample N random ids 1..MAX
//                                                                    (MAX from env MAX_ID), save
//   node bench/crypto-readers.mjs BASE COOKIE during TRUTH.json STOPFILE   random reads of the sample
//                                                                    until STOPFILE exists
//   node bench/crypto-readers.mjs BASE COOKIE all MAX_ID TRUTH.json   every id 1..MAX_ID, 4 at once
// Prints one JSON line: reads, failures (first 5 shown), mismatches against the sample, p50/p95 ms.
import fs from 'node:fs';

const [base, cookie, mode, a, b] = process.argv.slice(2);
const pct = (arr, p) => arr[Math.min(arr.length - 1, Math.floor((arr.length - 1) * p))];
const times = [];
const failures = [];
let mismatches = 0;

async function unmask(id) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(`${base}/api/v1/complaints/${id}/complainant`, { headers: { Cookie: cookie } });
  const text = await r.text();
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  let j = null;
  try { j = JSON.parse(text); } catch { /* reported below */ }
  const who = j && (j.complainant || j);
  if (r.status !== 200 || !who || !who.name) {
    failures.push(`#${id}: ${r.status} ${text.slice(0, 120)}`);
    return null;
  }
  return who;
}

function report(extra = {}) {
  times.sort((x, y) => x - y);
  console.log(JSON.stringify({ mode, reads: times.length, failures: failures.length, first_failures: failures.slice(0, 5),
    mismatches, p50_ms: +(pct(times, 0.5) || 0).toFixed(2), p95_ms: +(pct(times, 0.95) || 0).toFixed(2), ...extra }));
}

if (mode === 'truth') {
  const n = Number(a), max = Number(process.env.MAX_ID);
  const truth = {};
  while (Object.keys(truth).length < n) {
    const id = 1 + Math.floor(Math.random() * max);
    if (truth[id]) continue;
    const who = await unmask(id);
    if (who) truth[id] = `${who.name}|${who.id_no}|${who.phone}`;
  }
  fs.writeFileSync(b, JSON.stringify(truth));
  report();
} else if (mode === 'during') {
  const truth = JSON.parse(fs.readFileSync(a, 'utf8'));
  const ids = Object.keys(truth);
  const worker = async () => {
    while (!fs.existsSync(b)) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      const who = await unmask(id);
      if (who && `${who.name}|${who.id_no}|${who.phone}` !== truth[id]) mismatches++;
    }
  };
  await Promise.all([worker(), worker()]);
  report();
} else if (mode === 'all') {
  const max = Number(a);
  const truth = JSON.parse(fs.readFileSync(b, 'utf8'));
  let next = 1;
  const worker = async () => {
    for (let id = next++; id <= max; id = next++) {
      const who = await unmask(id);
      if (who && truth[id] && `${who.name}|${who.id_no}|${who.phone}` !== truth[id]) mismatches++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  report({ max_id: max });
}
process.exit(failures.length || mismatches ? 1 : 0);
