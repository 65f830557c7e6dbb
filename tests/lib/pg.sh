# shellcheck shell=bash
# Throwaway PostgreSQL 15 cluster for tests. Source this file, then:
#   pg_start      initdb + start on a free port in a temp dir, export FCMS_TEST_DB
#   pg_stop       stop the cluster and remove its dir (idempotent; also runs on EXIT)
# PostgreSQL refuses to run as root, so as root the cluster lives in a dir owned by `postgres`
# and its binaries run through `runuser -u postgres` (see shared/PITFALLS.md). The superuser is
# `fcms` with trust auth on 127.0.0.1 only; connect as postgresql://fcms@127.0.0.1:$PG_PORT/postgres.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_PORT=""

_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A TCP port nothing listens on now (bash /dev/tcp probe; the start retries if we lose a race).
_pg_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

_pg_trap_added=""
_pg_add_exit_trap() {
  [ -n "$_pg_trap_added" ] && return 0
  _pg_trap_added=1
  local prev
  prev=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  # shellcheck disable=SC2064
  trap "pg_stop; ${prev}" EXIT
  # Make INT/TERM run the EXIT trap too.
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

pg_start() {
  [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: no PostgreSQL binaries in $PG_BIN" >&2; return 1; }
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcms-pg.XXXXXX") || return 1
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  _pg_add_exit_trap
  if ! _pg_as "$PG_BIN/initdb" -D "$PG_DIR/db" -A trust -U fcms -E UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1; then
    echo "pg.sh: initdb failed:" >&2; cat "$PG_DIR/initdb.log" >&2; return 1
  fi
  local try
  for try in 1 2 3 4 5; do
    PG_PORT=$(_pg_free_port) || { echo "pg.sh: no free port" >&2; return 1; }
    if _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -w -t 60 -l "$PG_DIR/log" \
          -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
          start >/dev/null 2>&1; then
      export FCMS_TEST_DB="postgresql://fcms@127.0.0.1:$PG_PORT/postgres"
      echo "pg.sh: PostgreSQL running on 127.0.0.1:$PG_PORT ($PG_DIR)" >&2
      return 0
    fi
  done
  echo "pg.sh: pg_ctl start failed; log:" >&2
  cat "$PG_DIR/log" >&2 2>/dev/null
  return 1
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/db/postmaster.pid" ]; then
    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
  unset FCMS_TEST_DB
  return 0
}
