// Sequential latency of API queries: for each named query, N requests (the path template's
// {x} is replaced by successive values), printing p50 / p95 / max in milliseconds as JSON lines.
// Usage: node bench/latency.mjs BASE COOKIE N 'name|/api/v1/...{x}...|v1,v2,...' ...
const [base, cookie, nStr, ...specs] = process.argv.slice(2);
const n = Number(nStr);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length - 1) * p))];
for (const spec of specs) {
  const [name, tmpl, vals] = spec.split('|');
  const values = vals ? vals.split(',') : [''];
  const times = [];
  let totals = 0;
  for (let i = 0; i < n; i++) {
    const url = base + tmpl.replace('{x}', encodeURIComponent(values[i % values.length]));
    const t0 = process.hrtime.bigint();
    const r = await fetch(url, { headers: { Cookie: cookie } });
    const body = await r.json();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${JSON.stringify(body)}`);
    totals += body.total ?? 0;
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ name, n, p50: +pct(times, 0.5).toFixed(2), p95: +pct(times, 0.95).toFixed(2),
    max: +times[times.length - 1].toFixed(2), mean_total: Math.round(totals / n) }));
}
