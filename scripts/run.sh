#!/usr/bin/env bash
# `make run`: starts fcms on 127.0.0.1:8080 with the embedded SQLite database in ./var.
# On the first start the admin account is created and its login printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${FCMS_LISTEN:-127.0.0.1:8080}
data=${FCMS_DATA:-var}
echo "fcms: http://$listen  (data: $data/fcms.db; Ctrl-C stops)"
exec build/fcms serve --listen "$listen" --data "$data" --web web/dist
