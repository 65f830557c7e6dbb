#!/usr/bin/env bash
# Durable creation under the default and the gm profile, one server at a time (release build):
# wrk's rate, and the server's own CPU time per created complaint (utime + stime from /proc over
# the run, which a loaded machine does not inflate the way it does wall time); the second round
# also runs `perf record` on each server and prints the shares per library and the top symbols.
# Usage: bench/crypto-cpu.sh   (SECS=N for the length of each run, default 10; below about 8 s the
# CPU figures are within the 10 ms tick and the profile may come out empty)
set -uo pipefail
cd "$(dirname "$0")/.."
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-prof.XXXXXX)
export FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026'
secs=${SECS:-10}
for p in default gm; do
  build/fcms init --crypto "$p" --data "$tmp/$p" >/dev/null 2>&1
  build/fcms seed-demo --data "$tmp/$p" --complaints 200 --timelines 0 --seed 42 >/dev/null 2>&1
done
body_for() {
  printf '{"source_channel":"phone","received_at":"%s","complainant":{"name":"测试客户","id_type":"01","id_no":"11010519491231002X","phone":"13800001234","address":"北京市朝阳区建国路1号"},"complained_org_id":%s,"region_code":"110105","business_channel_code":"A0101","business_type_code":"B03021","cause_code":"C07","rights":["R04"],"content":"客户来电反映信用卡年费未经同意被收取，多次联系未得到解决","demand":"退还年费","amount_fen":30000}' \
  "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S+00:00)" "$1"
}
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for round in 1 2; do
for p in default gm; do
  port=$((20000 + RANDOM % 10000))
  build/fcms serve --listen 127.0.0.1:$port --data "$tmp/$p" --web /nonexistent >/dev/null 2>"$tmp/$p.log" &
  pid=$!
  base=http://127.0.0.1:$port
  for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  curl -s -D "$tmp/h" -o "$tmp/b" -H 'Content-Type: application/json' -d '{"username":"hq_registrar","password":"Demo@2026fcms"}' "$base/api/v1/auth/login"
  cookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
  csrf=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).csrf_token)' "$tmp/b")
  curl -s -D "$tmp/h" -o /dev/null -H 'Content-Type: application/json' -d '{"username":"xiaobao1","password":"Demo@2026fcms"}' "$base/api/v1/auth/login"
  vcookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
  branch=$(curl -s -H "Cookie: $vcookie" "$base/api/v1/institutions?q=GD00" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].id))')
  body=$(body_for "$branch")
  sleep 1
  c0=$(cpu $pid)
  if [ "$round" = 2 ]; then perf record -F 499 -g -p $pid -o "$tmp/perf-$p.data" -- sleep "$secs" >/dev/null 2>&1 & perfpid=$!; fi
  out=$(FCMS_COOKIE="$cookie" FCMS_CSRF="$csrf" FCMS_BODY="$body" wrk -t2 -c16 -d"${secs}s" -s bench/create_complaint.lua "$base/api/v1/complaints")
  [ "$round" = 2 ] && wait $perfpid
  c1=$(cpu $pid)
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  bad=$(echo "$out" | awk '/Non-2xx/ {n=$NF} END {print n+0}')
  r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  tck=$(getconf CLK_TCK)
  echo "round $round $p: $r req/s, $n requests ($bad not 2xx), server CPU $(( (c1-c0)*1000/tck )) ms => $(awk -v c=$((c1-c0)) -v t=$tck -v n=$n -v b=$bad 'BEGIN{printf "%.3f", c*1000/t/(n-b)}') ms CPU per creation"
  kill $pid; wait $pid 2>/dev/null
  if [ "$round" = 2 ]; then perf report -g none -i "$tmp/perf-$p.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -40 > "$tmp/perf-$p.txt"; perf report -g none -i "$tmp/perf-$p.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -12 > "$tmp/perf-dso-$p.txt"; echo "-- $p: CPU by library"; cat "$tmp/perf-dso-$p.txt"; echo "-- $p: top symbols"; head -15 "$tmp/perf-$p.txt"; fi
done
done
rm -rf "$tmp"
