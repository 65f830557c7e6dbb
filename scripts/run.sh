#!/usr/bin/env bash
# `make run`: starts fcms on 127.0.0.1:8080 with the embedded SQLite database in ./var.
# On the first start it creates the admin account (its login is printed once) and a demo bank
# with a few thousand complaints, so a newcomer sees a living system; complaint changes are
# reported to a regulator simulator started beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${FCMS_LISTEN:-127.0.0.1:8080}
data=${FCMS_DATA:-var}
if [ ! -f "$data/fcms.db" ]; then
  echo "fcms: first start — creating the database and demo data in $data/"
  build/fcms seed-demo --data "$data" --complaints "${FCMS_DEMO_COMPLAINTS:-3000}" --seed 1
fi
# 监管报送 demo: without FCMS_REGULATOR, a regulator simulator runs beside the server.
reg=${FCMS_REGULATOR:-}
if [ -z "$reg" ]; then
  sim_listen=${FCMS_SIM_LISTEN:-127.0.0.1:9090}
  build/fcms regulator-sim --listen "$sim_listen" >"$data/regulator-sim.log" 2>&1 &
  sim=$!
  trap 'kill "$sim" 2>/dev/null || true' EXIT
  reg=http://$sim_listen/submissions
  echo "fcms: regulator simulator on http://$sim_listen (GET /stats; FCMS_REGULATOR=URL|dir:/path to use another)"
fi
echo "fcms: http://$listen  (data: $data/fcms.db; Ctrl-C stops)"
build/fcms serve --listen "$listen" --data "$data" --web web/dist --regulator "$reg"
