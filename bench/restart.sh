#!/usr/bin/env bash
# Restart in seconds (issue 13): stops and starts fcms on a seeded SQLite data dir and measures,
# from the start of the process, when /healthz answers, when the to-do, a list (status=closed in a
# branch, whose total comes from the report index) and the first report answer. Four cases: with
# and without the report index's snapshot (DATA/report-index.snap), each warm and after dropping
# the page cache (echo 3 > /proc/sys/vm/drop_caches; needs root, skipped otherwise).
# Usage: BENCH_DATA=/path bench/restart.sh    (seeds BENCH_COMPLAINTS, default 1,000,000, when
#        the dir has no fcms.db; FCMS_BIN=path to pick the server; BENCH_ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-1000000} rounds=${BENCH_ROUNDS:-3}
[ -n "${FCMS_BIN:-}" ] || make -s build/fcms
FCMS=$(realpath "${FCMS_BIN:-build/fcms}")
data=${BENCH_DATA:?set BENCH_DATA to a data dir (seeded when empty)}
export FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026'
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$tmp"; }
trap cleanup EXIT
[ -f "$data/fcms.db" ] || nice "$FCMS" seed-demo --data "$data" --complaints "$n" --seed 42 2>&1 | grep institutions
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
now() { date +%s.%N; }
start() { "$FCMS" serve --listen "127.0.0.1:$port" --data "$data" --web /nonexistent >/dev/null 2>>"$tmp/log" & pid=$!; }
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
login() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"Demo@2026fcms\"}" \
    "$base/api/v1/auth/login" | sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' | tr -d '\r'
}
# Sessions live in the database: sign in once, reuse the cookies across restarts.
start
for _ in $(seq 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
hcookie=$(login GD01_handler) scookie=$(login tongji)
org=$(curl -s -H "Cookie: $hcookie" "$base/api/v1/auth/me" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).user?.org_id ?? JSON.parse(s).org_id))')
curl -sf -m 900 -H "Cookie: $scookie" "$base/api/v1/reports/source_channel" >/dev/null # the index loaded (and its snapshot written)
stop
drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }
can_drop=0
if [ -w /proc/sys/vm/drop_caches ] && [ "${BENCH_COLD:-1}" = 1 ]; then can_drop=1; fi
at() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
one() { # label snapshot(yes|no) cold(0|1) → one line of seconds
  [ "$2" = no ] && rm -f "$data/report-index.snap"
  [ "$3" = 1 ] && drop
  local t0 th; t0=$(now)
  start
  until curl -sf -m 1 "$base/healthz" >/dev/null 2>&1; do sleep 0.02; done
  th=$(now)
  local w=()
  ( curl -sf -m 900 -H "Cookie: $hcookie" "$base/api/v1/todo" >/dev/null; now > "$tmp/todo" ) & w+=($!)
  ( curl -sf -m 900 -H "Cookie: $hcookie" "$base/api/v1/complaints?status=closed&org_id=$org" >/dev/null; now > "$tmp/list" ) & w+=($!)
  ( curl -sf -m 900 -H "Cookie: $scookie" "$base/api/v1/reports/source_channel" >/dev/null; now > "$tmp/report" ) & w+=($!)
  wait "${w[@]}"
  echo "$1 $(at "$t0" "$th") $(at "$t0" "$(cat "$tmp/todo")") $(at "$t0" "$(cat "$tmp/list")") $(at "$t0" "$(cat "$tmp/report")")"
  stop
}
ls -la "$data/fcms.db" | awk '{printf "database: %.2f GB; ", $5/1073741824}'
ls -la "$data/report-index.snap" 2>/dev/null | awk '{printf "snapshot: %.0f MB\n", $5/1048576}'
echo "seconds from the start of the process (median of $rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-28s %8s %8s %8s %8s\n' case healthz todo list report
for c in "snapshot-warm yes 0" "snapshot-cold yes 1" "no-snapshot-warm no 0" "no-snapshot-cold no 1"; do
  set -- $c
  [ "$3" = 1 ] && [ "$can_drop" = 0 ] && { echo "$1: page cache not dropped (not root, or BENCH_COLD=0)"; continue; }
  for r in $(seq "$rounds"); do one "$@"; done > "$tmp/rows"
  # After a no-snapshot case the loader wrote a fresh one; the order above keeps each case honest.
  sort -k5 -n "$tmp/rows" | awk -v k="$(( (rounds + 1) / 2 ))" 'NR == k {printf "%-28s %8s %8s %8s %8s\n", $1, $2, $3, $4, $5}'
done
grep -E 'report index: .*(loaded|snapshot)' "$tmp/log" | tail -4
