#!/usr/bin/env bash
# `make run`: starts fcms on 127.0.0.1:8080 with the embedded SQLite database in ./var.
# On the first start it creates the admin account (its login is printed once) and a demo bank
# with a few thousand complaints, so a newcomer sees a living system.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${FCMS_LISTEN:-127.0.0.1:8080}
data=${FCMS_DATA:-var}
if [ ! -f "$data/fcms.db" ]; then
  echo "fcms: first start — creating the database and demo data in $data/"
  build/fcms seed-demo --data "$data" --complaints "${FCMS_DEMO_COMPLAINTS:-3000}" --seed 1
fi
echo "fcms: http://$listen  (data: $data/fcms.db; Ctrl-C stops)"
exec build/fcms serve --listen "$listen" --data "$data" --web web/dist
