#!/usr/bin/env bash
# HTTP benchmark: wrk against fcms's authenticated GET /api/v1/auth/me (session looked up in the
# store on every request) and against nginx serving a static JSON file of the same size, in the
# same run, on loopback. Prints the median requests/s of each over ROUNDS runs and the ratio.
# Usage: bench/http.sh [seconds-per-run=10] [rounds=3] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} rounds=${2:-5} conns=${3:-64}
command -v wrk >/dev/null && command -v nginx >/dev/null || bash scripts/setup.sh test
[ -x build/fcms ] || make build/fcms
tmp=$(mktemp -d)
fport=$((20000 + RANDOM % 10000)) nport=$((30000 + RANDOM % 10000))
cleanup() {
  [ -n "${fpid:-}" ] && kill "$fpid" 2>/dev/null || true
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  sleep 0.3; rm -rf "$tmp"
}
trap cleanup EXIT

FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026' build/fcms serve --listen 127.0.0.1:$fport --data "$tmp/data" \
  --web /nonexistent --threads "${FCMS_THREADS:-4}" >/dev/null 2>"$tmp/fcms.log" &
fpid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$fport/healthz" >/dev/null && break; sleep 0.1; done
cookie=$(curl -s -D - -o "$tmp/login.json" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"Bench@fcms-Load-2026"}' "http://127.0.0.1:$fport/api/v1/auth/login" \
  | sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' | tr -d '\r')
curl -s -H "Cookie: $cookie" "http://127.0.0.1:$fport/api/v1/auth/me" > "$tmp/me.json"
size=$(stat -c %s "$tmp/me.json")
[ "$size" -gt 100 ] || { echo "bench: /auth/me did not answer"; cat "$tmp/me.json"; exit 1; }
mkdir -p "$tmp/www"; cp "$tmp/me.json" "$tmp/www/me.json"

cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  # Both servers log every request (fcms writes one line per request to its log).
  access_log $tmp/access.log;
  server {
    listen 127.0.0.1:$nport;
    location / { root $tmp/www; default_type application/json; }
  }
}
CONF
nginx -c "$tmp/nginx.conf"
sleep 0.3

run() { # url [header] -> requests/s
  if [ -n "${2:-}" ]; then wrk -t2 -c"$conns" -d"${secs}s" -H "$2" "$1"; else wrk -t2 -c"$conns" -d"${secs}s" "$1"; fi \
    | awk '/Requests\/sec/ {print $2}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

f=() n=() q=()
for i in $(seq "$rounds"); do
  a=$(run "http://127.0.0.1:$fport/api/v1/auth/me" "Cookie: $cookie")
  b=$(run "http://127.0.0.1:$nport/me.json")
  f+=("$a") n+=("$b") q+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", 100*a/b}')")
done
fm=$(printf '%s\n' "${f[@]}" | median) nm=$(printf '%s\n' "${n[@]}" | median) qm=$(printf '%s\n' "${q[@]}" | median)
echo "body size: $size bytes; $rounds rounds × ${secs}s, $conns connections, wrk -t2, same machine (2 cores shared);"
echo "fcms: ${FCMS_THREADS:-4} worker threads, request log on; nginx: 1 worker, access log on"
echo "fcms  GET /api/v1/auth/me (session in SQLite): ${f[*]} req/s  -> median $fm"
echo "nginx static JSON file of the same size:      ${n[*]} req/s  -> median $nm"
echo "ratio per round (each pair run back to back): ${q[*]} %"
echo "ratio fcms/nginx: median of rounds $qm% (goal >= 40%)"
