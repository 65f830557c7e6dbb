#!/usr/bin/env bash
# Report benchmark (issue 4): seeds BENCH_COMPLAINTS complaints (default 10,000,000; about 25
# minutes and 20 GB on this machine), starts fcms, waits for the report index, then runs every
# report over four date ranges x three institution subtrees (bench/reports.mjs) and the plain SQL
# GROUP BY baseline on the same database in the same run. Prints p50/p95 per report, the ratio to
# plain SQL, the index load time and the server's RSS.
# Usage: bench/reports.sh                      (BENCH_COMPLAINTS=N to change the size)
#        BENCH_DATA=/path bench/reports.sh      reuse a data dir seeded before (kept afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-10000000}
command -v sqlite3 >/dev/null || bash scripts/setup.sh test
[ -n "${FCMS_BIN:-}" ] || make -s build/fcms
FCMS=${FCMS_BIN:-build/fcms}
port=$((20000 + RANDOM % 10000))
if [ -n "${BENCH_DATA:-}" ]; then
  data=$BENCH_DATA
  tmp=$(mktemp -d)
else
  tmp=$(mktemp -d /var/tmp/fcms-bench.XXXXXX)
  data=$tmp/data
fi
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$tmp"; }
trap cleanup EXIT
if [ ! -f "$data/fcms.db" ]; then
  echo "== seeding $n complaints (fcms seed-demo --timelines 0)"
  FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026' "$FCMS" seed-demo --data "$data" --complaints "$n" --seed 42 \
    --timelines 0 2>&1 | grep -E 'institutions'
fi
ls -la "$data/fcms.db" | awk '{printf "database: %.1f GB\n", $5/1073741824}'
t0=$(date +%s.%N)
"$FCMS" serve --listen 127.0.0.1:$port --data "$data" --web /nonexistent >/dev/null 2>"$tmp/log" &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -s -D "$tmp/h" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"tongji","password":"Demo@2026fcms"}' "$base/api/v1/auth/login"
cookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
# RssAnon is the server's own memory (the index, caches); RssFile is the database file mapped by
# SQLite (mmap_size), shared with the page cache and given back under pressure.
rss() { awk '/VmRSS|RssAnon|RssFile/ {printf "%s %.0f MB  ", $1, $2/1024}' /proc/$pid/status; }
echo "RSS before the index is loaded: $(rss)"
# The first report waits for the index to load.
curl -sf -H "Cookie: $cookie" "$base/api/v1/reports/source_channel" >/dev/null
t1=$(date +%s.%N)
grep -o 'report index: [0-9]* complaints loaded' "$tmp/log" || true
awk -v a="$t0" -v b="$t1" 'BEGIN {printf "start to first report (index loaded): %.1f s\n", b - a}'
echo "RSS with the index loaded: $(rss)"
echo "== reports (sequential; p50/p95 ms; sql_p50 = plain SQL GROUP BY, ms; ratio = sql_p50 / p50)"
node bench/reports.mjs "$base" "$cookie" "$data/fcms.db" "${BENCH_ROUNDS:-5}"
echo "RSS after the run: $(rss); peak: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status)"
