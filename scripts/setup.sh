#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine (run as root, or with sudo available).
# Installs the Debian packages fcms needs to build, run and test, makes sure a Node.js >= 20.19
# is available for the web build, and installs the web UI's npm packages from the lock file.
# Usage: scripts/setup.sh [run|test]   ("test" adds browsers, PostgreSQL, fuzz and bench tools)
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}

run_pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
          libsodium-dev libxlsxwriter-dev zlib1g-dev libcurl4-openssl-dev libcrack2-dev
          libminizip-dev libexpat1-dev cracklib-runtime ca-certificates libldap2-dev libssl-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev postgresql-15 postgresql-contrib chromium
           fonts-noto-cjk poppler-utils wrk nginx-light curl procps sqlite3 slapd ldap-utils)

pkgs=("${run_pkgs[@]}")
[ "$want" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js: Vite 8 needs >= 20.19. Debian 12's own nodejs is 18, so fall back to the `node`
# package from npm, installed into tools/node (ships a prebuilt binary inside the package).
node_ok() {
  command -v "$1" >/dev/null 2>&1 || return 1
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_ok node && ! node_ok tools/node/bin/node; then
  if ! command -v npm >/dev/null 2>&1; then
    $SUDO apt-get update -q && $SUDO apt-get install -y -q nodejs npm
  fi
  mkdir -p tools/node
  npm install --prefix tools/node --no-save --no-audit --no-fund node@20
  mkdir -p tools/node/bin
  ln -sf ../node_modules/node/bin/node tools/node/bin/node
fi

# The web UI's packages, exactly as locked.
if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.fcms-lock
  if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
    export PATH="$PWD/tools/node/bin:$PATH"
    (cd web && npm ci --no-audit --no-fund)
    cp web/package-lock.json "$stamp"
  fi
fi
echo "setup: ok"
