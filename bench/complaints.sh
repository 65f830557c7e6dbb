#!/usr/bin/env bash
# Complaint benchmarks (issue 3), all in one run on this machine:
#  1. durable complaint creation over HTTP (wrk POST /api/v1/complaints, each a committed
#     transaction with validation, encryption, full-text index and audit event) against the raw
#     durable SQLite transaction rate (bench/sqlite_tx.c, same pragmas); goal ≥ 2,000/s and ≥ 25 %;
#  2. Chinese full-text search latency at BENCH_COMPLAINTS complaints (default 1,000,000);
#     goal p95 ≤ 100 ms;
#  3. list with filters at the same size; goal p95 ≤ 50 ms.
# Usage: bench/complaints.sh   (BENCH_COMPLAINTS=N, BENCH_SECONDS=S to change the size/time)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-1000000} secs=${BENCH_SECONDS:-10}
command -v wrk >/dev/null || bash scripts/setup.sh test
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-bench.XXXXXX)
port=$((20000 + RANDOM % 10000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; sleep 0.3; rm -rf "$tmp"; }
trap cleanup EXIT
gcc -O2 -o "$tmp/sqlite_tx" bench/sqlite_tx.c -lsqlite3

echo "== seeding $n complaints (fcms seed-demo, no timelines)"
FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026' build/fcms seed-demo --data "$tmp/data" --complaints "$n" --seed 42 \
  --timelines 0 2>&1 | grep -E 'institutions'
ls -la "$tmp/data/fcms.db" | awk '{printf "database: %.0f MB\n", $5/1048576}'
# The seed leaves gigabytes of dirty pages; written back during the runs they would be measured
# as the server's own I/O.
sync
build/fcms serve --listen 127.0.0.1:$port --data "$tmp/data" --web /nonexistent >/dev/null 2>"$tmp/log" &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
login() { # user → "cookie csrf"
  curl -s -D "$tmp/h" -o "$tmp/b" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"Demo@2026fcms\"}" "$base/api/v1/auth/login"
  printf '%s %s\n' "$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')" \
    "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).csrf_token)' "$tmp/b")"
}
read -r rcookie rcsrf < <(login hq_registrar)
read -r vcookie _ < <(login xiaobao1)
root=$(curl -s -H "Cookie: $vcookie" "$base/api/v1/institutions?q=HQ" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].id))')
branch=$(curl -s -H "Cookie: $vcookie" "$base/api/v1/institutions?q=GD00" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].id))')

echo "== 1. durable creation (3 rounds: raw SQLite 5 s, then fcms over HTTP ${secs} s)"
body=$(printf '{"source_channel":"phone","received_at":"%s","complainant":{"name":"测试客户","id_type":"01","id_no":"11010519491231002X","phone":"13800001234","address":"北京市朝阳区建国路1号"},"complained_org_id":%s,"region_code":"110105","business_channel_code":"A0101","business_type_code":"B03021","cause_code":"C07","rights":["R04"],"content":"客户来电反映信用卡年费未经同意被收取，多次联系未得到解决","demand":"退还年费","amount_fen":30000}' \
  "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S+00:00)" "$branch")
total() { curl -s -H "Cookie: $vcookie" "$base/api/v1/complaints?page_size=1&from=$(date +%Y-%m-%d)" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).total))'; }
rates=()
for round in 1 2 3; do
  raw=$("$tmp/sqlite_tx" "$tmp/raw.db" 5)
  before=$(total)
  out=$(FCMS_COOKIE="$rcookie" FCMS_CSRF="$rcsrf" FCMS_BODY="$body" wrk -t2 -c16 -d"${secs}s" -s bench/create_complaint.lua "$base/api/v1/complaints")
  http=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  after=$(total)
  echo "round $round: raw SQLite $raw tx/s, fcms $http req/s ($(echo "$out" | awk '/Non-2xx/ {n=$NF} END {print n+0}') not 201, created $((after - before))," \
    "latency $(echo "$out" | awk '/Latency/ {print "avg " $2 ", max " $4}'))"
  rates+=("$http $raw")
done
printf '%s\n' "${rates[@]}" | awk '{h[NR]=$1; r[NR]=$2; q[NR]=100*$1/$2}
  function med(a,  i,j,t,b) { for (i=1;i<=3;i++) b[i]=a[i]; for (i=1;i<=3;i++) for (j=i+1;j<=3;j++) if (b[j]<b[i]) {t=b[i];b[i]=b[j];b[j]=t}; return b[2] }
  END { printf "median: fcms HTTP durable creation %.0f req/s, raw SQLite %.0f tx/s, ratio %.1f%% of raw (goal >= 2000/s and >= 25%%)\n", med(h), med(r), med(q) }'

echo "== 2./3. query latency at $n complaints (sequential, p50/p95 in ms)"
frags='年费未,分期手续,额度被,盗刷交,账户被冻,小额账户,吞卡后,违约金,贷款利率,征信记,延迟到,支付失败,催收电,境外汇,排队时,收费标准'
node bench/latency.mjs "$base" "$vcookie" 200 \
  "fulltext q (3-4 chars)|/api/v1/complaints?q={x}|$frags" \
  "fulltext + date range|/api/v1/complaints?q={x}&from=2026-01-01&to=2026-06-30|$frags" \
  "list status+subtree|/api/v1/complaints?status=closed&org_id={x}|$branch,$root" \
  "list subtree+dates+cause|/api/v1/complaints?org_id=$branch&from=2026-03-01&to=2026-05-31&cause_code={x}|C03,C07,C01" \
  "list overdue by due|/api/v1/complaints?deadline_state=overdue&sort=due&org_id={x}|$branch,$root" \
  "exact ID number|/api/v1/complaints?id_no={x}|11010519491231002X"
