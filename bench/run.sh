#!/bin/bash
# run.sh: run every pstream benchmark against a private PostgreSQL cluster
# and pstreamd, and write docs/benchmarks.md (what `make bench` does after
# building and installing).
#
# Each run starts from a new cluster in .run/bench/pg (unix socket only) and
# a pstreamd on 127.0.0.1:HTTP_PORT, and stops both at exit. The records come
# from bench/gen (seeded, so every run and every path gets the same bytes)
# and are cached in .run/bench/data. Each scenario times the pstream path and
# its hand-written PostgreSQL counterpart in the same run, on the same
# records and the same indexes. report.sh turns the figures into the page.
#
# Environment:
#   BENCH_SIZES       record counts of the data sets (default
#                     "10000 100000 1000000"); the largest is the read set
#   BENCH_INGEST_MAX  largest size that the repeated ingest scenarios 1 to 3
#                     and the indexing choices use (default 100000); the
#                     largest size is loaded once, as the read set
#   BENCH_RUNS        runs per figure (default 3)
#   BENCH_SECONDS     duration of each wrk and pgbench run (default 10)
#   BENCH_QUERY_SECONDS  duration of each run of a scenario 4 query and of
#                     the indexing choices' reads (default 3)
#   BENCH_COLD_CALLS  calls per run of scenario 4's equality on a new
#                     connection each (default 50)
#   BENCH_POOL_SIZE   pstreamd --pool-size (default 16)
#   BENCH_INDEX_MEMORY  maintenance_work_mem of the sessions that build the
#                     indexes of a loaded set in bulk (default 256MB)
#   BENCH_OUTPUT      page to write (default docs/benchmarks.md)
#   PG_PORT, HTTP_PORT  PostgreSQL socket port (default 5432) and pstreamd
#                     port (default 8080)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

BENCH_SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
BENCH_INGEST_MAX=${BENCH_INGEST_MAX:-100000}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_QUERY_SECONDS=${BENCH_QUERY_SECONDS:-3}
BENCH_COLD_CALLS=${BENCH_COLD_CALLS:-50}
BENCH_POOL_SIZE=${BENCH_POOL_SIZE:-16}
BENCH_INDEX_MEMORY=${BENCH_INDEX_MEMORY:-256MB}
BENCH_OUTPUT=${BENCH_OUTPUT:-$PROJECT_DIR/docs/benchmarks.md}
PG_PORT=${PG_PORT:-5432}
HTTP_PORT=${HTTP_PORT:-8080}
DATABASE=bench
SEED=1
BIG_BODY_BYTES=$((64 * 1024 * 1024))

BENCH_DIR=$PROJECT_DIR/bench
started_at=$(date -u +%s)

for tool in wrk curl awk; do
	command -v "$tool" >/dev/null || die "$tool is missing; run scripts/install-deps.sh bench"
done
[[ -x "$PG_BINDIR/pgbench" ]] || die "$PG_BINDIR/pgbench is missing; set PG_BINDIR"
[[ -x "$PROJECT_DIR/shim/pstreamd" ]] || die "shim/pstreamd is missing; run make first"
make -s -C "$BENCH_DIR" >/dev/null

read -r -a sizes <<<"$(tr ' ' '\n' <<<"$BENCH_SIZES" | grep . | sort -n | tr '\n' ' ')"
(( ${#sizes[@]} > 0 )) || die "BENCH_SIZES is empty"
small_size=${sizes[0]}
big_size=${sizes[${#sizes[@]} - 1]}
ingest_sizes=()
for size in "${sizes[@]}"; do
	(( size % 1000 == 0 )) || die "BENCH_SIZES entry $size is not a multiple of 1000 (the batch size)"
	if (( size <= BENCH_INGEST_MAX )); then
		ingest_sizes+=("$size")
	fi
done
(( ${#ingest_sizes[@]} > 0 )) || ingest_sizes=("$small_size")
ingest_size=${ingest_sizes[${#ingest_sizes[@]} - 1]}

resolve_run_dir
work=$RUN_DIR/bench
data_dir=$work/pg
data_files=$work/data
results=$work/results.tsv
commands=$work/commands.txt
facts_file=$work/notes.txt
mkdir -p "$work" "$data_files" "$work/scripts"
chown "$RUN_USER": "$work" "$work/scripts"
socket_dir=$(socket_dir_for "$work" "$PG_PORT")
pg_log=$work/postgresql.log
: >"$results"
: >"$commands"
: >"$facts_file"

pstreamd_pid=
stop_all() {
	trap - INT TERM EXIT
	set +e
	if [[ -n "$pstreamd_pid" ]] && kill -0 "$pstreamd_pid" 2>/dev/null; then
		kill -TERM "$pstreamd_pid"
		wait "$pstreamd_pid" 2>/dev/null
	fi
	cluster_stop "$data_dir"
}
trap stop_all EXIT
trap 'exit 1' INT TERM

source "$BENCH_DIR/lib.sh"

# --- set-up -------------------------------------------------------------

log "generating records (seed $SEED) in $data_files"
for size in "${sizes[@]}"; do
	generate "$size" "$SEED" 0 "data-$size"
done
# Scenario 3's second sets: new contents (seed 2) for keys from size/2 to
# 3*size/2, so half of their records merge into the first set's.
for size in "${ingest_sizes[@]}"; do
	generate "$size" 2 $((size / 2)) "upsert-$size"
done
# Scenario 8: one body of at least 64 MiB.
big_body_records=$(( BIG_BODY_BYTES / 750 ))
if [[ ! -s "$data_files/body64.json" ]]; then
	"$BENCH_DIR/gen" --count "$big_body_records" --seed 3 --batch-size "$big_body_records" \
		--batches "$data_files/body64.json"
fi
chmod -R a+rX "$data_files"

log "starting a new cluster in $data_dir"
cluster_stop "$data_dir"
rm -rf "$data_dir"
cluster_init "$data_dir"
cluster_start "$data_dir" "$socket_dir" "$PG_PORT" "$pg_log"
as_run_user createdb -h "$socket_dir" -p "$PG_PORT" "$DATABASE"
sql -c 'SET client_min_messages = warning' \
	-c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION pstream' >/dev/null

start_pstreamd
log "pstreamd runs as pid $pstreamd_pid on 127.0.0.1:$HTTP_PORT (pool size $BENCH_POOL_SIZE)"

# --- scenarios ------------------------------------------------------------

source "$BENCH_DIR/scenarios.sh"

scenario_ingest_sql
scenario_ingest_http
scenario_upsert
scenario_indexing
load_big_set
scenario_queries
scenario_small_reads
scenario_metadata
scenario_memory
scenario_modify

{
	echo "- Date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$PROJECT_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- CPU: nproc $(nproc), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); memory $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); Linux $(uname -r)"
	echo "- PostgreSQL: $(sql_value -c 'SELECT version()')"
	echo "- PostgreSQL settings changed by the benchmark: none in the server's configuration; the sessions that build the indexes of a loaded set in bulk (the read set, scenario 3's starting set) run SET maintenance_work_mem = '$BENCH_INDEX_MEMORY'. The cluster is a new initdb (-A trust -E UTF8 --locale=C.UTF-8) listening on a unix socket only. Settings not at their built-in default (set by initdb or the start command): $(sql_value -c "SELECT string_agg(name || ' = ' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings WHERE source NOT IN ('default', 'override', 'client', 'session')")"
	echo "- pstreamd: ${PSTREAMD_ARGS[*]:0:${#PSTREAMD_ARGS[@]}-2}"
	echo "- Records: bench/gen, seed $SEED, sets of ${sizes[*]} records, $(( $(stat -c %s "$data_files/data-$small_size.ndjson") / small_size )) bytes of JSON per record on average; repeated ingest at ${ingest_sizes[*]} records; reads on $big_size"
	echo "- Runs per figure: $BENCH_RUNS; wrk and pgbench runs of $BENCH_SECONDS s; scenario 4 and indexing reads of $BENCH_QUERY_SECONDS s per run, $BENCH_COLD_CALLS new-connection calls per run"
	echo "- Tools: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $("$PG_BINDIR/pgbench" --version), bench/httpload"
} >"$facts_file"

elapsed=$(( $(date -u +%s) - started_at ))
log "writing $BENCH_OUTPUT"
echo "$elapsed" >"$work/elapsed"
"$BENCH_DIR/report.sh" "$results" "$commands" "$facts_file" "$elapsed" >"$BENCH_OUTPUT.tmp"
mv "$BENCH_OUTPUT.tmp" "$BENCH_OUTPUT"
log "done in $elapsed s"
