// Driver of bench/regulator.sh: rounds of "queue one submission per complaint, time the worker
// until nothing is pending", at two batch sizes; prints each round and the median.
const [base, simBase, , roundsArg, batchArg] = process.argv.slice(2);
const rounds = Number(roundsArg), batch = Number(batchArg);

async function login() {
  const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'xiaobao1', password: 'Demo@2026fcms' }) });
  if (r.status !== 200) throw new Error(`login ${r.status} ${await r.text()}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await r.json();
  return (method, path, body) => fetch(`${base}/api/v1${path}`, { method,
    headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined }).then(async (x) => {
    if (x.status !== 200) throw new Error(`${method} ${path} ${x.status} ${await x.text()}`);
    return x.json();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

const api = await login();
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
for (const size of [batch, 1]) {
  await api('PUT', '/regulator/settings', { batch_size: size });
  const rates = [];
  for (let i = 0; i < rounds; i++) {
    const q = await api('POST', '/regulator/sync', { from: '2000-01-01', to: today });
    const t0 = performance.now();
    for (;;) {
      const s = await api('GET', '/regulator/status');
      if (s.pending === 0) break;
      await sleep(5);
    }
    const secs = (performance.now() - t0) / 1000;
    rates.push(q.queued / secs);
    console.log(`batch ${String(size).padStart(3)}  round ${i + 1}: ${q.queued} submissions in ${secs.toFixed(2)} s = ${(q.queued / secs).toFixed(0)}/s`);
  }
  console.log(`batch ${String(size).padStart(3)}  median: ${median(rates).toFixed(0)} submissions/s (goal ≥ 1000/s)`);
}
const stats = await (await fetch(`${simBase}/stats`)).json();
console.log(`simulator: received ${stats.received}, distinct keys ${stats.distinct_keys}, accepted ${stats.accepted}, duplicates ${stats.duplicates}, requests ${stats.requests}`);
