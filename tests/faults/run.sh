#!/usr/bin/env bash
# Fault injection (fcms issue 10, item 3), run by tests/run-all.sh after the API tests:
#   enospc.test.mjs     disk full (a filled 8 MiB tmpfs; needs root, else skipped) mid-burst
#   savepoint.test.mjs  the writer's SAVEPOINT failing (test hook FCMS_FAULT_SAVEPOINT_EVERY)
#   kill9.test.mjs      kill -9 of the server during 4 concurrent writers, 3 rounds
# against a real `fcms serve` on SQLite (ASan build by default), then the PostgreSQL half of
# build/unit/store/test_writer (db_tx refusing a transaction that ended under its body; a reset
# connection getting its session settings again) on a throwaway
# cluster. Prints node's `# pass N` / `# fail N` and cmocka's totals; about a minute.
# Env: FCMS_BIN (default build/asan/fcms). Exits non-zero if anything fails.
set -uo pipefail
cd "$(dirname "$0")/../.."

FCMS_BIN=${FCMS_BIN:-build/asan/fcms}
case "$FCMS_BIN" in /*) ;; *) FCMS_BIN="$PWD/$FCMS_BIN" ;; esac
export FCMS_BIN
[ -x "$FCMS_BIN" ] || { echo "faults: $FCMS_BIN not found (run make first)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "faults: the sqlite3 CLI is needed" >&2; exit 2; }
NODE=node
[ -x tools/node/bin/node ] && NODE="$PWD/tools/node/bin/node"

(unset FCMS_TEST_DB; "$NODE" --test --test-concurrency=1 --test-timeout=180000 tests/faults/*.test.mjs)
rc_node=$?

make -s build/unit/store/test_writer || exit 2
# shellcheck source=tests/lib/pg.sh
source tests/lib/pg.sh
if pg_start; then
  build/unit/store/test_writer 'pg_*'
  rc_pg=$?
else
  echo "faults: could not start PostgreSQL" >&2
  rc_pg=1
fi
pg_stop

[ "$rc_node" -eq 0 ] && [ "$rc_pg" -eq 0 ]
