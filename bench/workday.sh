#!/usr/bin/env bash
# A bank's working day (issue 13): seeds BENCH_COMPLAINTS complaints (default 1,000,000) with
# fcms seed-demo — or reuses a seeded data dir / PostgreSQL cluster — then runs bench/workday.mjs
# (BENCH_SESSIONS staff sessions of every role and scope level, BENCH_REGISTRARS registrars
# creating while handlers assign and reply and reviewers approve) for BENCH_SECONDS:
#   sqlite  one fcms on the SQLite database;
#   pg      two fcms instances on one PostgreSQL 15 (fsync on, shared_buffers 2 GB) behind one
#           address (nginx-light, round robin, keep-alive upstreams).
# Prints each run's per-operation table (with the servers' CPU milliseconds per operation, from
# their request logs), then one table of both, with the server's PSS.
# Usage: bench/workday.sh
#   BENCH_BACKENDS="sqlite pg"   which runs (default both)
#   BENCH_DATA=/path             SQLite data dir, seeded when it has no fcms.db, kept afterwards
#   BENCH_PG=/path               PostgreSQL cluster dir (+ fcms files), seeded when new, kept
#   BENCH_TIMELINES=20000        newest complaints seeded with audit timelines (slow on PostgreSQL)
#   BENCH_SECONDS=60 BENCH_WARMUP=10 BENCH_SESSIONS=200 BENCH_REGISTRARS=8 BENCH_ROUNDS=1
#   FCMS_BIN=path                the server (default: make build/fcms, the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-1000000} secs=${BENCH_SECONDS:-60} warm=${BENCH_WARMUP:-10}
sessions=${BENCH_SESSIONS:-200} registrars=${BENCH_REGISTRARS:-8} rounds=${BENCH_ROUNDS:-1}
backends=${BENCH_BACKENDS:-sqlite pg}
command -v nginx >/dev/null || bash scripts/setup.sh test
[ -n "${FCMS_BIN:-}" ] || make -s build/fcms
FCMS=$(realpath "${FCMS_BIN:-build/fcms}")
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026'
tmp=$(mktemp -d /var/tmp/fcms-workday.XXXXXX)
pids=() pgdir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  [ -n "$pgdir" ] && as_pg "$PG_BIN/pg_ctl" -D "$pgdir/db" -m fast stop >/dev/null 2>&1 || true
  sleep 0.5
  [ -z "${BENCH_DATA:-}" ] && rm -rf "$tmp/sqlite"
  [ -z "${BENCH_PG:-}" ] && rm -rf "$tmp/pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 30000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo $p; return; }; done; }
wait_up() { for _ in $(seq 600); do curl -sf "$1/healthz" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
seed() { # extra args for seed-demo
  echo "== seeding $n complaints ($*)"
  local t0; t0=$(date +%s)
  nice "$FCMS" seed-demo --complaints "$n" --seed 42 --timelines "${BENCH_TIMELINES:-20000}" "$@" 2>&1 | grep -E 'institutions|indexes built' || true
  echo "seeded in $(( $(date +%s) - t0 )) s"
}
# Every session of the bench comes from 127.0.0.1, as every user does behind a proxy: no limit per
# peer (docs/deploy.md). With the default 256 the client's ~330 connections for 216 loops were
# refused past the 256th (UND_ERR_SOCKET, 5% of the requests).
printf 'per_ip_connections = 0\n' > "$tmp/bench.conf"
start() { # name port args... → pid appended to pids
  local name=$1 port=$2; shift 2
  "$FCMS" serve --listen "127.0.0.1:$port" --web /nonexistent --config "$tmp/bench.conf" "$@" >/dev/null 2>"$tmp/$name.log" &
  pids+=($!)
  wait_up "http://127.0.0.1:$port"
}
# The report index loads in the background after a start; the bench measures the day, not the
# start (bench/restart.sh measures that): wait for the first report.
ready() {
  local base=$1 c
  c=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"username":"tongji","password":"Demo@2026fcms"}' \
    "$base/api/v1/auth/login" | sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' | tr -d '\r')
  curl -sf -m 600 -H "Cookie: $c" "$base/api/v1/reports/source_channel" >/dev/null
}
run_day() { # label base pids...
  local label=$1 base=$2; shift 2
  local r
  for r in $(seq "$rounds"); do
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    node bench/workday.mjs --base "$base" --sessions "$sessions" --registrars "$registrars" --seconds "$secs" \
      --warmup "$warm" --pids "$(IFS=,; echo "$*")" ${wal:+--wal "$wal"} ${logs:+--server-log "$logs"} \
      --label "$label" --json "$tmp/results.jsonl"
  done
}

for backend in $backends; do
  case $backend in
  sqlite)
    data=${BENCH_DATA:-$tmp/sqlite}
    [ -f "$data/fcms.db" ] || seed --data "$data"
    ls -la "$data/fcms.db" | awk '{printf "SQLite database: %.2f GB\n", $5/1073741824}'
    sync
    port=$(free_port)
    start sqlite "$port" --data "$data"
    ready "http://127.0.0.1:$port"
    wal="$data/fcms.db-wal" logs="$tmp/sqlite.log" run_day "SQLite 1 instance" "http://127.0.0.1:$port" "${pids[-1]}"
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
    ;;
  pg)
    pgdir=${BENCH_PG:-$tmp/pg}
    pgport=$(free_port)
    new=0
    if [ ! -d "$pgdir/db" ]; then
      mkdir -p "$pgdir"; chmod 755 "$pgdir"
      [ "$(id -u)" = 0 ] && chown postgres: "$pgdir"
      as_pg "$PG_BIN/initdb" -D "$pgdir/db" -A trust -U fcms -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1
      new=1
    fi
    # The issue's settings: durable commits, 2 GB of shared buffers; room for both instances' pools.
    as_pg "$PG_BIN/pg_ctl" -D "$pgdir/db" -w -t 120 -l "$pgdir/log" -o "-p $pgport -k $pgdir \
      -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c shared_buffers=2GB \
      -c max_connections=400 -c max_wal_size=8GB -c checkpoint_timeout=30min" start >/dev/null
    url="postgresql://fcms@127.0.0.1:$pgport/postgres"
    mkdir -p "$pgdir/files"; chmod 700 "$pgdir/files"
    [ "$new" = 1 ] && seed --db "$url" --data "$pgdir/files"
    sync
    p1=$(free_port); p2=$(free_port); np=$(free_port)
    # Both instances share the data dir: keys and attachments are the same for the whole bank.
    start pg1 "$p1" --db "$url" --data "$pgdir/files"
    start pg2 "$p2" --db "$url" --data "$pgdir/files"
    cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream fcms { server 127.0.0.1:$p1; server 127.0.0.1:$p2; keepalive 256; }
  server {
    listen 127.0.0.1:$np;
    location / {
      proxy_pass http://fcms;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}
CONF
    nginx -c "$tmp/nginx.conf"
    wait_up "http://127.0.0.1:$np"
    ready "http://127.0.0.1:$p1"; ready "http://127.0.0.1:$p2"
    logs="$tmp/pg1.log,$tmp/pg2.log" run_day "PostgreSQL 2 instances" "http://127.0.0.1:$np" "${pids[-2]}" "${pids[-1]}"
    kill "$(cat "$tmp/nginx.pid")"; rm -f "$tmp/nginx.pid"
    kill "${pids[-2]}" "${pids[-1]}"; wait "${pids[-2]}" "${pids[-1]}" 2>/dev/null || true
    as_pg "$PG_BIN/pg_ctl" -D "$pgdir/db" -m fast stop >/dev/null; pgdir=""
    ;;
  *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
done

echo
echo "== workday summary ($n complaints; $sessions staff sessions + $registrars registrars; ${secs} s per run;" \
  "load average now $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores, shared with the load generator)"
node -e '
const runs = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const f = (v) => Number.isFinite(v) ? v.toFixed(0) : "-";
const ops = [...new Set(runs.flatMap((r) => r.ops.map((o) => o.op)))].sort();
console.log("operation".padEnd(30) + runs.map((r) => r.label.slice(0, 30).padStart(31)).join(""));
console.log("".padEnd(30) + runs.map(() => "p50/p95/p99/max ms (err)".padStart(31)).join(""));
for (const op of ops) console.log(op.padEnd(30) + runs.map((r) => { const o = r.ops.find((x) => x.op === op);
  return (o ? `${f(o.p50)}/${f(o.p95)}/${f(o.p99)}/${f(o.max)}` + (o.errors ? ` (${o.errors})` : "") : "-").padStart(31); }).join(""));
const line = (name, fn) => console.log(name.padEnd(30) + runs.map((r) => String(fn(r)).padStart(31)).join(""));
line("requests/s (goal >= 1000)", (r) => `${r.rps} (${(r.rps / 1000).toFixed(2)}x)`);
line("worst read p95 (goal <= 100)", (r) => `${f(r.worst_read_p95)} (${(r.worst_read_p95 / 100).toFixed(2)}x)`);
line("worst read p99 (goal <= 300)", (r) => `${f(r.worst_read_p99)} (${(r.worst_read_p99 / 300).toFixed(2)}x)`);
line("max ms / over 1 s (goal 0)", (r) => `${f(r.max_ms)} / ${r.over_1s}`);
line("creation p95 (goal <= 100)", (r) => `${f(r.create_p95)} (${(r.create_p95 / 100).toFixed(2)}x) ${r.created_per_s}/s`);
line("errors", (r) => r.errors);
line("server PSS MB (goal <= 600)", (r) => r.pss_mb === null ? "-" : `${r.pss_mb} (${(r.pss_mb / 600).toFixed(2)}x)`);
line("SQLite WAL largest MB", (r) => r.wal_mb === null || r.wal_mb === undefined ? "-" : `${r.wal_mb}`);
' "$tmp/results.jsonl"
