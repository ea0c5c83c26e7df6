#!/bin/bash
# install-deps.sh: install the Debian packages that pstream needs to build,
# run and test, skipping those already installed.
#
# Runs apt-get only when a package is missing, so a second `make run` on a
# prepared machine does not touch the network.
#
#   scripts/install-deps.sh          what build, run and test need
#   scripts/install-deps.sh bench    also the benchmark tools (make bench)
set -euo pipefail

packages=(
	postgresql-15             # the server that the private clusters run; contrib (pg_trgm) is part of it
	postgresql-server-dev-15  # PGXS, server headers, pg_regress, isolation tester, TAP modules
	libpq-dev                 # pstreamd's client library
	libmicrohttpd-dev         # pstreamd's HTTP server library
	libjansson-dev            # pstreamd's JSON library
	libipc-run-perl           # needed by PostgreSQL::Test::Cluster in the TAP tests
	pkg-config
	gcc
	make
	clang                     # the libFuzzer target of the CFXQL parser
	libclang-rt-14-dev        # sanitizer runtimes for clang
	curl                      # the README's examples and the HTTPS test
	openssl                   # self-signed certificates for the HTTPS test
	jq                        # the README's login example
)

if [[ "${1:-}" == bench ]]; then
	packages+=(
		wrk                   # HTTP load for the read benchmarks
		hyperfine             # repeated timings of whole commands
		time                  # /usr/bin/time -v for peak memory
	)
fi

missing=()
for package in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
	if [[ "$status" != "install ok installed" ]]; then
		missing+=("$package")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
	apt_get=(apt-get)
elif command -v sudo >/dev/null; then
	apt_get=(sudo apt-get)
else
	echo "install-deps: missing packages ${missing[*]}; run this as root or install sudo" >&2
	exit 1
fi

"${apt_get[@]}" update -qq
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"
