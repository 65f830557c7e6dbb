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
# 网上投诉 demo: the SMS platform is simulated too; the codes it "sends" are in its log.
sms=${FCMS_SMS:-}
if [ -z "$sms" ]; then
  sms_listen=${FCMS_SMS_LISTEN:-127.0.0.1:9091}
  build/fcms sms-sim --listen "$sms_listen" >"$data/sms-sim.log" 2>&1 &
  smssim=$!
  trap 'kill ${sim:-} $smssim 2>/dev/null || true' EXIT
  sms=http://$sms_listen/sms
  echo "fcms: SMS simulator on http://$sms_listen — verification codes appear in $data/sms-sim.log (tail -f it)"
fi
echo "fcms: http://$listen  (data: $data/fcms.db; Ctrl-C stops)"
echo "fcms: consumer site (网上投诉 / 投诉进度查询) at http://$listen/h5/"
build/fcms serve --listen "$listen" --data "$data" --web web/dist --regulator "$reg" --sms "$sms"
