#!/usr/bin/env bash
# Crypto profiles benchmark (issue 17), both profiles in one run so the ratio is measured on the
# same machine state:
#  1. util/crypto.h operations per second (bench/crypto_bench.c, -O2): sealing and opening an
#     identity, the blind-index MAC, the audit hash, manifest signatures, a password hash;
#  2. durable complaint creation over HTTP (wrk POST /api/v1/complaints on the release build,
#     each a committed transaction that seals, indexes and chains an audit event) on a database
#     made with `fcms init --crypto default` and one with `--crypto gm`, alternating, 3 rounds
#     each, the order alternating; medians and the gm/default ratio.
# Usage: bench/crypto.sh   (BENCH_SECONDS=S per HTTP round, default 8; BENCH_MICRO_SECONDS=S)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BENCH_SECONDS:-8} micro=${BENCH_MICRO_SECONDS:-1}
command -v wrk >/dev/null || bash scripts/setup.sh test
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-crypto-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== 1. util/crypto.h, ${micro} s per operation and profile"
gcc -O2 -std=gnu11 -D_GNU_SOURCE -Isrc -o "$tmp/crypto_bench" bench/crypto_bench.c src/util/crypto.c \
  src/util/crypto_gm.c $(pkg-config --cflags --libs libsodium libcrypto) -lpthread
"$tmp/crypto_bench" "$micro"

echo "== 2. durable creation over HTTP, ${secs} s rounds"
export FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026'
declare -A base cookie csrf
for p in default gm; do
  build/fcms init --crypto "$p" --data "$tmp/$p" >/dev/null 2>&1
  build/fcms seed-demo --data "$tmp/$p" --complaints 200 --timelines 0 --seed 42 >/dev/null 2>&1
  port=$((20000 + RANDOM % 10000))
  build/fcms serve --listen 127.0.0.1:$port --data "$tmp/$p" --web /nonexistent >/dev/null 2>"$tmp/$p.log" &
  pids+=($!)
  base[$p]=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "${base[$p]}/healthz" >/dev/null && break; sleep 0.1; done
  curl -s -D "$tmp/h" -o "$tmp/b" -H 'Content-Type: application/json' \
    -d '{"username":"hq_registrar","password":"Demo@2026fcms"}' "${base[$p]}/api/v1/auth/login"
  cookie[$p]=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
  csrf[$p]=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).csrf_token)' "$tmp/b")
  build/fcms version --data "$tmp/$p" | sed -n 2p
done
curl -s -D "$tmp/h" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"xiaobao1","password":"Demo@2026fcms"}' "${base[default]}/api/v1/auth/login"
vcookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
branch=$(curl -s -H "Cookie: $vcookie" "${base[default]}/api/v1/institutions?q=GD00" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].id))')
body=$(printf '{"source_channel":"phone","received_at":"%s","complainant":{"name":"测试客户","id_type":"01","id_no":"11010519491231002X","phone":"13800001234","address":"北京市朝阳区建国路1号"},"complained_org_id":%s,"region_code":"110105","business_channel_code":"A0101","business_type_code":"B03021","cause_code":"C07","rights":["R04"],"content":"客户来电反映信用卡年费未经同意被收取，多次联系未得到解决","demand":"退还年费","amount_fen":30000}' \
  "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S+00:00)" "$branch")
declare -A rates
for round in 1 2 3; do
  # Alternate which profile goes first, and write back the previous round's dirty pages before
  # each run, so neither profile pays for the other's I/O.
  order="default gm"; [ "$round" = 2 ] && order="gm default"
  for p in $order; do
    sync
    out=$(FCMS_COOKIE="${cookie[$p]}" FCMS_CSRF="${csrf[$p]}" FCMS_BODY="$body" wrk -t2 -c16 -d"${secs}s" \
      -s bench/create_complaint.lua "${base[$p]}/api/v1/complaints")
    r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    bad=$(echo "$out" | awk '/Non-2xx/ {n=$NF} END {print n+0}')
    echo "round $round $p: $r req/s ($bad not 201, latency $(echo "$out" | awk '/Latency/ {print "avg " $2 ", max " $4}'))"
    rates[$p]="${rates[$p]:-} $r"
  done
done
echo "${rates[default]}|${rates[gm]}" | awk -F'|' '
  function med(s,  a,n,i,j,t) { n=split(s,a," "); for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) {t=a[i];a[i]=a[j];a[j]=t}; return a[int((n+1)/2)] }
  { d=med($1); g=med($2); printf "median creation: default %.0f req/s, gm %.0f req/s, gm/default %.2f\n", d, g, g/d }'
for p in default gm; do build/fcms audit-verify --data "$tmp/$p" | sed "s/^/$p: /"; done
