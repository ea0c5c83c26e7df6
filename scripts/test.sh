#!/bin/bash
# test.sh: run every test suite of pstream (what `make test` does after
# building and installing) and print one pass/fail summary.
#
# Suites: the unit tests of the standalone CFXQL compiler core and a bounded
# libFuzzer run of it (FUZZ_SECONDS, default 60); pg_regress and isolation
# tests through PGXS `installcheck` against a fresh private cluster; then
# the TAP end-to-end tests, which start their own clusters and a real
# pstreamd. Everything runs from a copy of the sources under .run/test (the
# database suites as RUN_USER), so nothing is written into the checkout and a
# running `make run` is neither needed nor disturbed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_PORT=${TEST_PG_PORT:-5433}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
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
tar -C "$PROJECT_DIR" -cf - --exclude=extension/cfxql/build --exclude=shim/fuzz-build --exclude='shim/*.o' --exclude=shim/pstreamd extension shim sql test | tar -C "$source_copy" -xf -
install -m 755 "$PROJECT_DIR/shim/pstreamd" "$test_dir/bin/pstreamd"
chown -R "$RUN_USER": "$test_dir"

log "unit tests of the CFXQL compiler core"
make -C "$source_copy/extension/cfxql" test 2>&1 | tee "$test_dir/unit.log"
unit_status=${PIPESTATUS[0]}
suites+=(unit)
read -r passed[unit] failed[unit] < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$test_dir/unit.log" | tail -n 1)
passed[unit]=${passed[unit]:-0}
failed[unit]=${failed[unit]:-0}
require_exit_ok unit "$unit_status"

log "fuzzing the CFXQL compiler core for $FUZZ_SECONDS seconds (libFuzzer, AddressSanitizer, UBSan)"
make -C "$source_copy/extension/cfxql" fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >"$test_dir/fuzz.log" 2>&1
fuzz_status=$?
tail -n 15 "$test_dir/fuzz.log"
suites+=(fuzz)
if (( fuzz_status == 0 )); then
	passed[fuzz]=1 failed[fuzz]=0
else
	passed[fuzz]=0 failed[fuzz]=1
	log "the fuzzer found a failing input; see $test_dir/fuzz.log and $source_copy/extension/cfxql/build/"
fi

# The records-body validator of pstreamd gets a third of that time: it is
# small, and the TAP tests check its error responses too.
json_fuzz_seconds=$(( FUZZ_SECONDS / 3 > 5 ? FUZZ_SECONDS / 3 : 5 ))
log "fuzzing pstreamd's JSON body validator for $json_fuzz_seconds seconds (libFuzzer, AddressSanitizer, UBSan)"
if make -C "$source_copy/shim" fuzz FUZZ_SECONDS="$json_fuzz_seconds" >"$test_dir/fuzz-json.log" 2>&1; then
	passed[fuzz]=$((passed[fuzz] + 1))
else
	failed[fuzz]=$((failed[fuzz] + 1))
	tail -n 15 "$test_dir/fuzz-json.log"
	log "the fuzzer found a failing input; see $test_dir/fuzz-json.log and $source_copy/shim/fuzz-build/"
fi

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

# Runs the TAP end-to-end tests against the pstreamd binary BINARY and
# counts them as SUITE. Extra arguments are environment settings.
run_tap() {
	local suite=$1 binary=$2
	shift 2
	local tap_dir="$test_dir/$suite"
	mkdir -p "$tap_dir"
	chown "$RUN_USER": "$tap_dir"
	(cd "$tap_dir" && as_run_user env \
		PERL5LIB="$PGXS_DIR/test/perl" \
		PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
		TESTDIR="$tap_dir" \
		PSTREAMD="$binary" \
		"$@" \
		prove -v "$source_copy"/test/t/*.pl) 2>&1 | tee "$test_dir/$suite.log"
	local status=${PIPESTATUS[0]}
	count_tap "$suite" "$test_dir/$suite.log"
	require_exit_ok "$suite" "$status"
	if (( status != 0 )); then
		for server_log in "$tap_dir"/tmp_check/log/*; do
			[[ -f "$server_log" ]] || continue
			log "last lines of $server_log:"
			tail -n 30 "$server_log"
		done
	fi
}

log "end-to-end TAP tests"
run_tap tap "$test_dir/bin/pstreamd"

# The same tests once more against pstreamd built with AddressSanitizer and
# UBSan. A report (memory error, leak at exit) goes to a file under
# asan-reports/ and fails the suite even when every test passed.
log "end-to-end TAP tests against pstreamd built with AddressSanitizer"
asan_build="$test_dir/shim-asan"
tar -C "$PROJECT_DIR" -cf - --exclude='*.o' --exclude=pstreamd shim | tar -C "$test_dir" -xf -
mv "$test_dir/shim" "$asan_build"
make -s -C "$asan_build" CC=clang CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	LDFLAGS="-fsanitize=address,undefined" >"$test_dir/asan-build.log" 2>&1 ||
	{ cat "$test_dir/asan-build.log"; die "building pstreamd with AddressSanitizer failed"; }
mkdir -p "$test_dir/asan-reports"
chown "$RUN_USER": "$test_dir/asan-reports"
run_tap tap_asan "$asan_build/pstreamd" \
	ASAN_OPTIONS="detect_leaks=1:log_path=$test_dir/asan-reports/pstreamd" \
	UBSAN_OPTIONS="print_stacktrace=1:log_path=$test_dir/asan-reports/pstreamd"
if compgen -G "$test_dir/asan-reports/*" >/dev/null; then
	log "sanitizer reports from pstreamd:"
	head -c 20000 "$test_dir"/asan-reports/*
	failed[tap_asan]=$((failed[tap_asan] + 1))
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
