#!/usr/bin/env bash
# Regulator gateway throughput (issue 5): submissions per second delivered by the fcms worker
# to `fcms regulator-sim` over HTTP on loopback, each one leased, posted, acknowledged and its
# receipt recorded on the submission and the complaint. Goal ≥ 1,000/s.
# A demo bank of BENCH_COMPLAINTS complaints (default 5,000) is seeded; each round queues one
# manual-sync submission per complaint (POST /regulator/sync with a date range) and times the
# worker until nothing is pending. Prints every round and the median, for batches of
# BENCH_BATCH records per request (default 100) and for one record per request.
# Usage: bench/regulator.sh   (BENCH_COMPLAINTS=N BENCH_ROUNDS=R BENCH_BATCH=B)
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-regbench.XXXXXX)
cleanup() {
  for p in ${spid:-} ${pid:-}; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$tmp"
}
trap cleanup EXIT
n=${BENCH_COMPLAINTS:-5000}
port=$((20000 + RANDOM % 10000)) sport=$((30000 + RANDOM % 10000))
echo "== seeding $n complaints"
FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026' build/fcms seed-demo --data "$tmp/data" --complaints "$n" --seed 7 \
  --timelines 0 >/dev/null 2>&1
build/fcms regulator-sim --listen 127.0.0.1:$sport >"$tmp/sim.log" 2>&1 &
spid=$!
printf 'regulator = http://127.0.0.1:%s/submissions\nregulator_poll_ms = 20\nlog_requests = false\n' "$sport" >"$tmp/fcms.conf"
build/fcms serve --listen 127.0.0.1:$port --data "$tmp/data" --web /nonexistent --config "$tmp/fcms.conf" \
  >/dev/null 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
node bench/regulator.mjs "http://127.0.0.1:$port" "http://127.0.0.1:$sport" "$n" "${BENCH_ROUNDS:-5}" "${BENCH_BATCH:-100}"
