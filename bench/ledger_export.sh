#!/usr/bin/env bash
# 投诉明细报表 ledger export at scale (issue 4): seeds BENCH_COMPLAINTS complaints (default
# 1,000,000) with `fcms seed-demo`, exports every counted one through the API as a background job
# (POST /api/v1/report-exports, poll, download) and prints the elapsed time, rows/s, the file size
# and the server's memory before, during and after the export from /proc/PID/status: VmRSS, split
# into RssAnon (the heap: what the export itself allocates) and RssFile (pages of the database file
# mapped by SQLite's mmap, 1 GiB per connection at most: page cache the kernel can drop), and the
# high-water mark VmHWM. The point is bounded memory: keyset paging and libxlsxwriter's
# constant_memory mode keep the heap flat however many rows the file has.
# Usage: bench/ledger_export.sh   (BENCH_COMPLAINTS=N to change the size; BENCH_DB=postgresql://...
#        to run against PostgreSQL instead of SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-1000000}
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-ledger.XXXXXX)
port=$((20000 + RANDOM % 10000))
dbargs=()
[ -n "${BENCH_DB:-}" ] && dbargs=(--db "$BENCH_DB")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== seeding $n complaints (fcms seed-demo)"
start=$(date +%s)
FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026' build/fcms seed-demo --data "$tmp/data" "${dbargs[@]}" --complaints "$n" \
  --seed 42 --timelines 0 2>&1 | grep -E 'institutions'
echo "seeded in $(( $(date +%s) - start )) s"
build/fcms serve --listen 127.0.0.1:$port --data "$tmp/data" "${dbargs[@]}" --web /nonexistent >/dev/null 2>"$tmp/log" &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

mem() {
  awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^VmHWM/ {h=$2}
    END {printf "VmRSS %.0f MB (RssAnon %.0f MB, RssFile %.0f MB), VmHWM %.0f MB", r/1024, a/1024, f/1024, h/1024}' "/proc/$pid/status"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(process.argv[1].split(".").reduce((a,k)=>a?.[k],o))})' "$1"; }

curl -s -D "$tmp/h" -o "$tmp/b" -H 'Content-Type: application/json' \
  -d '{"username":"tongji","password":"Demo@2026fcms"}' "$base/api/v1/auth/login"
cookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
csrf=$(json csrf_token < "$tmp/b")

# The report index loads in the background at start; the first report waits for it.
from=2000-01-01 to=$(date +%Y-%m-%d)
total=$(curl -s -H "Cookie: $cookie" "$base/api/v1/reports/cause?from=$from&to=$to" | json total)
echo "counted complaints in [$from, $to]: $total"
echo "server before the export: $(mem)"

t0=$(date +%s.%N)
id=$(curl -s -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d "{\"from\":\"$from\",\"to\":\"$to\"}" "$base/api/v1/report-exports" | json id)
peak_rss=0 peak_anon=0 n=0
while :; do
  st=$(curl -s -H "Cookie: $cookie" "$base/api/v1/report-exports/$id")
  status=$(echo "$st" | json status)
  read -r rss anon < <(awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} END {print r, a}' "/proc/$pid/status")
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  [ "$anon" -gt "$peak_anon" ] && peak_anon=$anon
  n=$((n + 1))
  [ $((n % 30)) = 0 ] && echo "  $(echo "$st" | json rows_done) rows, $(mem)"
  case "$status" in done|failed) break ;; esac
  sleep 1
done
t1=$(date +%s.%N)
echo "server during the export (sampled each second): peak VmRSS $((peak_rss / 1024)) MB, peak RssAnon $((peak_anon / 1024)) MB"
rows=$(echo "$st" | json rows_done)
echo "job $id: $status, $rows rows"
[ "$status" = done ] || { tail -20 "$tmp/log"; exit 1; }
curl -s -H "Cookie: $cookie" -o "$tmp/ledger.xlsx" "$base/api/v1/report-exports/$id/file"
t2=$(date +%s.%N)
ls -la "$tmp/ledger.xlsx" | awk '{printf "file: %.1f MB\n", $5/1048576}'
awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$rows" 'BEGIN {
  printf "export: %.1f s (%.0f rows/s); download: %.1f s\n", b - a, r / (b - a), c - b }'
grep -o 'ledger export [0-9]*: .*' "$tmp/log" || true
sleep 1
echo "server after the export: $(mem)"
