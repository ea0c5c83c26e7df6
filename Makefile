# Makefile: build, install, run and test pstream (the PostgreSQL extension
# and the pstreamd HTTP server).
#
#   make            build the extension and pstreamd
#   make run        install Debian packages if missing, build, install the
#                   extension, start a private cluster and pstreamd (foreground)
#   make test       the same set-up, then every test suite
#   make bench      the same set-up, then the benchmarks (bench/), which
#                   rewrite docs/benchmarks.md
#   make soak       the same set-up, then 30 minutes of mixed traffic with a
#                   consistency check (SOAK_MINUTES), written to
#                   docs/reliability.md
#   make install    install the extension into PostgreSQL 15 (root)
#   make clean      remove build products
#
# `run` and `test` need root (or sudo) for apt-get and `make install`; the
# clusters themselves run as the unprivileged RUN_USER (default postgres).

PG_BINDIR ?= /usr/lib/postgresql/15/bin
PG_CONFIG ?= $(PG_BINDIR)/pg_config
RUN_USER ?= postgres
HTTP_PORT ?= 8080

export PG_BINDIR PG_CONFIG RUN_USER HTTP_PORT

.PHONY: all build deps install run test bench soak clean

all: build

build:
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG)
	$(MAKE) -C shim PG_CONFIG=$(PG_CONFIG)

deps:
	scripts/install-deps.sh

# Scripts of earlier builds are removed first, so that the installed set
# is exactly this checkout's.
install: build
	rm -f "$$($(PG_CONFIG) --sharedir)"/extension/pstream--*.sql
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) install

# `deps` must finish before anything compiles, even under `make -j`.
run:
	$(MAKE) deps
	$(MAKE) install
	scripts/run.sh

test:
	$(MAKE) deps
	$(MAKE) install
	scripts/test.sh

bench:
	scripts/install-deps.sh bench
	$(MAKE) install
	bench/run.sh

soak:
	$(MAKE) deps
	$(MAKE) install
	test/soak/run.sh

clean:
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) clean
	$(MAKE) -C shim clean
