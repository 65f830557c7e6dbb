#!/usr/bin/env bash
# Builds the fcms binaries of earlier releases for the upgrade test (tests/api/upgrade.test.mjs):
# each commit's tree from git (git archive, no work tree touched), unoptimised to build fast,
# into build/old/<commit>/fcms. Already built ones are kept. Prints the binaries' paths.
# Usage: tests/upgrade/build-old.sh COMMIT...
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
for c in "$@"; do
  out=build/old/$c
  if [ -x "$out/fcms" ]; then echo "$top/$out/fcms"; continue; fi
  git cat-file -e "$c^{commit}" 2>/dev/null || { echo "build-old: commit $c is not in this clone" >&2; exit 2; }
  rm -rf "$out.src"; mkdir -p "$out.src"
  git archive --format=tar "$c" | tar -x -C "$out.src"
  ln -s "$top/web/node_modules" "$out.src/web/node_modules"
  make -s -C "$out.src" -j2 build/fcms WARN="-std=c11 -w" REL_CFLAGS="-O0 -g" REL_LDFLAGS="" >"$out.log" 2>&1 \
    || { echo "build-old: building $c failed (see $out.log)" >&2; tail -20 "$out.log" >&2; exit 1; }
  mkdir -p "$out"; mv "$out.src/build/fcms" "$out/fcms"; rm -rf "$out.src"
  echo "$top/$out/fcms"
done
