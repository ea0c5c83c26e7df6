#!/bin/bash
# test.sh: run every test suite of pstream (what `make test` does after
# building and installing) and print one pass/fail summary.
#
# Suites: pg_regress and isolation tests through PGXS `installcheck` against
# a fresh private cluster, then the TAP end-to-end tests, which start their
# own clusters and a real pstreamd. Everything runs as RUN_USER from a copy
# of the sources under .run/test, so nothing is written into the checkout and
# a running `make run` is neither needed nor disturbed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_PORT=${TEST_PG_PORT:-5433}
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..

resolve_run_dir
test_dir="$RUN_DIR/test"
source_copy="$test_dir/src"
socket_dir=$(socket_dir_for "$test_dir" "$PG_PORT")

declare -A passed failed
suites=()

# Counts the passed and failed tests of SUITE from its log.
count_pg_regress() {
	local suite=$1 log_file=$2
	suites+=("$suite")
	passed[$suite]=$(grep -cE '\.\.\. ok ' "$log_file")
	failed[$suite]=$(grep -cE '\.\.\. FAILED' "$log_file")
}

count_tap() {
	local suite=$1 log_file=$2
	suites+=("$suite")
	passed[$suite]=$(grep -cE '^[[:space:]]*ok [0-9]+' "$log_file")
	failed[$suite]=$(grep -cE '^[[:space:]]*not ok [0-9]+' "$log_file")
}

# A suite that stopped before it ran its tests counts as one failure.
require_exit_ok() {
	local suite=$1 status=$2
	if (( status != 0 && failed[$suite] == 0 )); then
		failed[$suite]=1
		log "$suite exited with status $status before reporting a failed test"
	fi
}

stop_test_cluster() {
	if [[ -d "$test_dir/pg" ]]; then
		cluster_stop "$test_dir/pg"
	fi
}
trap stop_test_cluster EXIT

# A fresh copy of the sources and a fresh cluster each time, so that the
# suites pass twice in a row and never see the previous run's state.
stop_test_cluster
rm -rf "$test_dir"
mkdir -p "$source_copy" "$test_dir/bin"
cp -a "$PROJECT_DIR/extension" "$PROJECT_DIR/sql" "$PROJECT_DIR/test" "$source_copy/"
install -m 755 "$PROJECT_DIR/shim/pstreamd" "$test_dir/bin/pstreamd"
chown -R "$RUN_USER": "$test_dir"

log "pg_regress and isolation tests"
cluster_init "$test_dir/pg"
cluster_start "$test_dir/pg" "$socket_dir" "$PG_PORT" "$test_dir/postgresql.log"
as_run_user make -C "$source_copy/extension" installcheck PG_CONFIG="$PG_CONFIG" \
	PGHOST="$socket_dir" PGPORT="$PG_PORT" REGRESS_OUTPUT_DIR="$test_dir/regress" \
	2>&1 | tee "$test_dir/regress.log"
regress_status=${PIPESTATUS[0]}
stop_test_cluster
for diffs in "$test_dir/regress/regression.diffs" "$test_dir/regress/isolation/regression.diffs"; do
	if [[ -s "$diffs" ]]; then
		log "differences from the expected output ($diffs):"
		head -c 20000 "$diffs"
	fi
done
count_pg_regress regress "$test_dir/regress.log"
require_exit_ok regress "$regress_status"

log "end-to-end TAP tests"
mkdir -p "$test_dir/tap"
chown "$RUN_USER": "$test_dir/tap"
(cd "$test_dir/tap" && as_run_user env \
	PERL5LIB="$PGXS_DIR/test/perl" \
	PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
	TESTDIR="$test_dir/tap" \
	PSTREAMD="$test_dir/bin/pstreamd" \
	prove -v "$source_copy"/test/t/*.pl) 2>&1 | tee "$test_dir/tap.log"
tap_status=${PIPESTATUS[0]}
count_tap tap "$test_dir/tap.log"
require_exit_ok tap "$tap_status"
if (( tap_status != 0 )); then
	for server_log in "$test_dir"/tap/tmp_check/log/*; do
		[[ -f "$server_log" ]] || continue
		log "last lines of $server_log:"
		tail -n 30 "$server_log"
	done
fi

total_passed=0
total_failed=0
echo
echo "Summary"
for suite in "${suites[@]}"; do
	printf '  %-10s %5d ok %5d not ok\n' "$suite" "${passed[$suite]}" "${failed[$suite]}"
	total_passed=$((total_passed + passed[$suite]))
	total_failed=$((total_failed + failed[$suite]))
done
echo "$total_passed passed, $total_failed failed"
(( total_failed == 0 ))
