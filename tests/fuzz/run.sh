#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_*.c with clang (ASan + UBSan) against the server's
# sources compiled into build/fuzz/obj/, then runs each for SECONDS (default 60) starting from its
# seed corpus tests/fuzz/corpus/<target>/. New inputs go to build/fuzz/corpus/<target>/ so the
# committed seeds stay as they are; a crash leaves its input in build/fuzz/artifacts/ and makes
# this script exit non-zero. One driver per parser: fuzz_request (routing, JSON bodies, config),
# fuzz_codes_csv (code-table CSV import), fuzz_iso8601 (instants), fuzz_regulator_record (the
# regulator's record and manifest checks), fuzz_jwt (OpenID Connect ID tokens and their claims).
#   bash tests/fuzz/run.sh [SECONDS]          each target for SECONDS (default 60)
#   FUZZ_ONLY=fuzz_iso8601 bash tests/fuzz/run.sh 600   one target only
# After each run a line "fuzz: NAME executed N inputs" gives libFuzzer's final count.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_EACH=${1:-60}
CLANG=${CLANG:-clang}
OUT=build/fuzz
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libcurl ldap libcrypto minizip expat"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 $SAN -Isrc $(pkg-config --cflags $PKGS)"
# The server's sources are built as they are; only the fuzz drivers are held to -Werror.
WARN="-Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wstrict-prototypes"
LIBS="$(pkg-config --libs $PKGS) -lcrack -lpthread -lm"

command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found" >&2; exit 2; }

# Generated sources the library needs (migrations, OpenAPI text, code table, regions).
make -s build/gen/migrations.c build/gen/openapi.c build/gen/codes.c build/gen/regions.c

# Library objects: everything but main.c, rebuilt when the source or any header is newer.
mkdir -p "$OUT/obj"
newest_header=$(ls -t $(find src -name '*.h') | head -1)
objs=()
for src in $(find src build/gen -name '*.c' | sort | grep -v '^src/main\.c$'); do
	obj="$OUT/obj/$(echo "${src%.c}" | tr / _).o"
	objs+=("$obj")
	if [[ ! -f $obj || $src -nt $obj || $newest_header -nt $obj ]]; then
		echo "fuzz: cc $src"
		"$CLANG" $CFLAGS -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
done

status=0
for driver in tests/fuzz/fuzz_*.c; do
	name=$(basename "$driver" .c)
	[[ -n ${FUZZ_ONLY:-} && " $FUZZ_ONLY " != *" $name "* ]] && continue
	bin="$OUT/$name"
	echo "fuzz: build $bin"
	"$CLANG" $CFLAGS $WARN -fsanitize=fuzzer -o "$bin" "$driver" "${objs[@]}" $LIBS

	seeds=tests/fuzz/corpus/$name
	work=$OUT/corpus/$name
	mkdir -p "$work" "$seeds" "$OUT/artifacts"
	dict=()
	[[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
	# tests/fuzz/NAME.options: extra libFuzzer flags for one target (later flags win).
	opts=()
	[[ -f tests/fuzz/$name.options ]] && { read -r -a opts < "tests/fuzz/$name.options" || true; }
	echo "fuzz: run $name for ${SECONDS_EACH}s"
	# -close_fd_mask=2 silences the target's own stderr (config_set explains every refusal);
	# libFuzzer and the sanitizers keep reporting on a duplicate of it.
	if ! "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name-" \
		"${dict[@]}" "${opts[@]}" "$work" "$seeds" 2>"$OUT/$name.log"; then
		tail -40 "$OUT/$name.log" >&2
		echo "fuzz: $name FAILED; reproduce with: $bin $OUT/artifacts/$name-*" >&2
		status=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log" | tail -1)
	echo "fuzz: $name executed ${execs:-?} inputs in ${SECONDS_EACH}s (log: $OUT/$name.log)"
done
exit $status
