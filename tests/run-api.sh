#!/usr/bin/env bash
# Runs the API suite (tests/api/*.test.mjs, node:test) against a real `fcms serve`, twice:
# on SQLite (FCMS_TEST_DB unset) and on a throwaway PostgreSQL 15 cluster (tests/lib/pg.sh).
# Usage: tests/run-api.sh [extra node --test args, e.g. --test-name-pattern=lockout]
# Env:   FCMS_BIN (default build/fcms), FCMS_API_BACKENDS ("sqlite pg" by default),
#        FCMS_API_FILES (space-separated test files instead of all of tests/api but explain),
#        FCMS_API_TIMEOUT_MS (per file, default 300000),
#        FCMS_TEST_CRYPTO=gm (every server under the gm crypto profile, tests/api/lib/server.mjs),
#        FCMS_TEST_KEEP=1 keeps data dirs and databases for a post-mortem.
# Exits non-zero if either run fails.
set -uo pipefail
cd "$(dirname "$0")/.."

FCMS_BIN=${FCMS_BIN:-build/fcms}
case "$FCMS_BIN" in /*) ;; *) FCMS_BIN="$PWD/$FCMS_BIN" ;; esac
export FCMS_BIN
if [ ! -x "$FCMS_BIN" ]; then
  echo "run-api: $FCMS_BIN not found or not executable (run make first)" >&2
  exit 2
fi

# Prefer the project's own Node (scripts/setup.sh installs one on machines with an old node).
NODE=node
[ -x tools/node/bin/node ] && NODE="$PWD/tools/node/bin/node"
command -v "$NODE" >/dev/null || { echo "run-api: node not found" >&2; exit 2; }

shopt -s nullglob
# shellcheck disable=SC2206
files=(${FCMS_API_FILES:-tests/api/*.test.mjs})
# explain.test.mjs seeds 100k complaints (minutes on PostgreSQL): tests/run-all.sh runs it as its
# own stage with a longer limit, so the whole suite leaves it out unless it is named.
[ -n "${FCMS_API_FILES:-}" ] || files=("${files[@]/tests\/api\/explain.test.mjs}")
[ ${#files[@]} -gt 0 ] || { echo "run-api: no tests in tests/api" >&2; exit 2; }

backends=${FCMS_API_BACKENDS:-sqlite pg}
run_suite() {
  "$NODE" --test --test-concurrency=1 --test-timeout="${FCMS_API_TIMEOUT_MS:-300000}" "$@" ${files[@]}
}

declare -A rc
for b in $backends; do
  echo "=== API tests on $b ($FCMS_BIN) ==="
  case "$b" in
    sqlite)
      (unset FCMS_TEST_DB; run_suite "$@")
      rc[$b]=$?
      ;;
    pg)
      # shellcheck source=tests/lib/pg.sh
      source tests/lib/pg.sh
      if pg_start; then
        run_suite "$@"
        rc[$b]=$?
        # The driver's unit tests that need a server (tests/unit/store/test_writer.c, skipped
        # without FCMS_TEST_DB), when the unit tests are built (make test builds them first).
        if [ -x build/unit/store/test_writer ] && [ -z "${FCMS_API_FILES:-}" ]; then
          echo "=== PostgreSQL driver unit tests ==="
          build/unit/store/test_writer || rc[$b]=1
        fi
      else
        echo "run-api: could not start PostgreSQL" >&2
        rc[$b]=1
      fi
      pg_stop
      ;;
    *) echo "run-api: unknown backend $b" >&2; rc[$b]=2 ;;
  esac
done

status=0
echo "=== API test summary ==="
for b in $backends; do
  if [ "${rc[$b]}" = 0 ]; then echo "  $b: pass"; else echo "  $b: FAIL (exit ${rc[$b]})"; status=1; fi
done
exit $status
