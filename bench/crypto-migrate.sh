#!/usr/bin/env bash
# Live move of a default database to the gm crypto profile (issue 17) at BENCH_COMPLAINTS
# complaints (default 100,000): `fcms seed-demo`, then `fcms serve`, then `fcms keys rotate --to gm`
# beside it while two readers unmask a sample of 2,000 complaints (checked against what they read
# before the move); afterwards every complaint 1..N is unmasked over HTTP, `fcms keys status`
# must show every row under the sm4- key, and `fcms audit-verify` must pass.
# Usage: bench/crypto-migrate.sh   (BENCH_COMPLAINTS=N, BENCH_BATCH=rows per re-seal transaction)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_COMPLAINTS:-100000} batch=${BENCH_BATCH:-500}
make -s build/fcms
tmp=$(mktemp -d /var/tmp/fcms-crypto-migrate.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; sleep 0.3; rm -rf "$tmp"; }
trap cleanup EXIT
export FCMS_ADMIN_PASSWORD='Bench@fcms-Load-2026'
t() { date +%s.%N; }

echo "== seeding $n complaints under the default profile"
t0=$(t)
build/fcms seed-demo --data "$tmp/data" --complaints "$n" --seed 42 --timelines 0 >/dev/null 2>"$tmp/seed.log"
printf 'seeded in %.0f s\n' "$(echo "$(t) - $t0" | bc)"
build/fcms version --data "$tmp/data" | sed -n 2p
port=$((20000 + RANDOM % 10000)) base=
build/fcms serve --listen 127.0.0.1:$port --data "$tmp/data" --web /nonexistent >/dev/null 2>"$tmp/serve.log" &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -s -D "$tmp/h" -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"xiaobao1","password":"Demo@2026fcms"}' "$base/api/v1/auth/login"
cookie=$(sed -n 's/^Set-Cookie: \(fcms_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
max=$(sqlite3 "$tmp/data/fcms.db" 'SELECT max(id) FROM complaints')

echo "== sample of 2000 identities read before the move"
MAX_ID=$max node bench/crypto-readers.mjs "$base" "$cookie" truth 2000 "$tmp/truth.json"

echo "== fcms keys rotate --to gm --batch $batch, with two readers unmasking the sample meanwhile"
node bench/crypto-readers.mjs "$base" "$cookie" during "$tmp/truth.json" "$tmp/stop" > "$tmp/during.json" &
rpid=$!
t0=$(t)
build/fcms keys rotate --to gm --data "$tmp/data" --batch "$batch" 2>&1 | sed 's/^/  /'
elapsed=$(echo "$(t) - $t0" | bc)
touch "$tmp/stop"
wait $rpid || true
printf 'move took %.1f s (%.0f rows/s)\n' "$elapsed" "$(echo "$max / $elapsed" | bc -l)"
echo "reads during the move: $(cat "$tmp/during.json")"

echo "== after: keys status, every complaint unmasked, audit chain"
build/fcms keys status --data "$tmp/data" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`profile ${j.profile}, current ${j.current}, usage ${JSON.stringify(j.usage)}, key files ${j.key_files}`)})'
t0=$(t)
node bench/crypto-readers.mjs "$base" "$cookie" all "$max" "$tmp/truth.json"
printf 'read all %s in %.0f s\n' "$max" "$(echo "$(t) - $t0" | bc)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
build/fcms audit-verify --data "$tmp/data"
build/fcms version --data "$tmp/data" | sed -n 2p
sqlite3 "$tmp/data/fcms.db" "SELECT 'rechain event: ' || seq || ' ' || detail FROM audit_events WHERE action = 'audit.rechain'"
