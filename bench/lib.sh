# lib.sh: helpers of bench/run.sh (psql calls, data files, timing, CPU and
# memory readings, result rows); source it after setting the variables that
# run.sh sets, do not run it.
#
# Result rows (results.tsv, tab-separated), read by report.sh:
#   value  SCENARIO  CASE  UNIT  V1 V2 ...     one figure per run
#   ratio  SCENARIO  LABEL  CASE_A  CASE_B  OP  TARGET
#          median(A) / median(B), which must be OP (>= or <=) TARGET
#   note   SCENARIO  TEXT

sql() {
	as_run_user psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT" -d "$DATABASE" "$@"
}

sql_value() {
	sql -tA "$@"
}

pgbench_run() {
	as_run_user pgbench -h "$socket_dir" -p "$PG_PORT" "$@" "$DATABASE"
}

# Writes data files NAME.ndjson (batches of 1,000), NAME.copy (COPY text)
# and NAME.add.sql (one pstream_add per batch, the pstream name in the psql
# variable `stream`) unless they exist.
generate() {
	local count=$1 seed=$2 offset=$3 name=$4
	local base=$data_files/$name
	if [[ -s $base.add.sql ]]; then
		return 0
	fi
	log "generating $count records into $base.*"
	"$BENCH_DIR/gen" --count "$count" --seed "$seed" --key-offset "$offset" \
		--batches "$base.ndjson" --copy "$base.copy"
	# The records never contain "$r$", so dollar quoting needs no escaping.
	awk '{ print "SELECT pstream_add(:'"'"'stream'"'"', $r$" $0 "$r$);" }' \
		"$base.ndjson" >"$base.add.sql.tmp"
	mv "$base.add.sql.tmp" "$base.add.sql"
}

# Prints the seconds that the command takes, with its output discarded.
# Callers run it in a command substitution, where a failure would not stop
# run.sh, so a failing command ends run.sh from here.
timed() {
	local start end
	start=$(date +%s.%N)
	if ! "$@" >/dev/null; then
		echo "run.sh: error: this timed command failed: $*" >&2
		kill -TERM $$
		exit 1
	fi
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

# Prints count / seconds.
rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f\n", n / s }'
}

record_value() {
	local scenario=$1 case=$2 unit=$3
	shift 3
	printf 'value\t%s\t%s\t%s\t%s\n' "$scenario" "$case" "$unit" "$*" >>"$results"
}

record_ratio() {
	printf 'ratio\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"
}

record_note() {
	printf 'note\t%s\t%s\n' "$1" "$2" >>"$results"
}

record_command() {
	printf '%s\n' "$*" >>"$commands"
}

checkpoint() {
	sql -c CHECKPOINT >/dev/null
}

# Prints the CPU time (clock ticks) of one process, threads included.
cpu_ticks_of() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Prints "PID TICKS" for the postmaster and each of its children (the
# server's processes), TICKS being user plus system CPU time.
cpu_ticks_postgres() {
	local postmaster
	postmaster=$(head -1 "$data_dir/postmaster.pid")
	awk -v pm="$postmaster" '
		{ line = $0; pid = $1; sub(/^.*\) /, "", line); split(line, f, " ")
		  if (pid == pm || f[2] == pm) print pid, f[12] + f[13] }' /proc/[0-9]*/stat 2>/dev/null
}

# Prints the CPU seconds that the server's processes used between two
# cpu_ticks_postgres readings. Processes that exited in between are left
# out, because their time left with them; pstreamd's pooled backends and the
# background processes live through a run.
cpu_seconds_between() {
	awk -v ticks="$(getconf CLK_TCK)" '
		FNR == NR { before[$1] = $2; next }
		{ total += $2 - ($1 in before ? before[$1] : 0) }
		END { printf "%.2f\n", total / ticks }' <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

status_kib() {
	awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"
}

# Resets the peak RSS (VmHWM) of a process (Linux 4.0 and later).
reset_peak_rss() {
	echo 5 >"/proc/$1/clear_refs"
}

start_pstreamd() {
	# A server already on the port would pass the health check and receive
	# the benchmark's requests into another database.
	if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/"; then
		die "something already listens on 127.0.0.1:$HTTP_PORT; stop it, or choose another port with HTTP_PORT=9090 make bench"
	fi
	mkdir -p "$RUN_DIR/bin"
	install -m 755 "$PROJECT_DIR/shim/pstreamd" "$RUN_DIR/bin/pstreamd"
	PSTREAMD_ARGS=(--listen 127.0.0.1 --port "$HTTP_PORT" --auth=off
		--pool-size="$BENCH_POOL_SIZE" --purge-interval=0
		--max-body=$((2 * BIG_BODY_BYTES)) --log-file="$work/pstreamd.log"
		--db "host=$socket_dir port=$PG_PORT dbname=$DATABASE user=$RUN_USER")
	setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups \
		"$RUN_DIR/bin/pstreamd" "${PSTREAMD_ARGS[@]}" &
	pstreamd_pid=$!
	for _ in $(seq 50); do
		if curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pstreamd_pid" 2>/dev/null || break
		sleep 0.2
	done
	die "pstreamd did not start; see $work/pstreamd.log"
}

# Stops the pstreamd that start_pstreamd started.
stop_pstreamd() {
	if [[ -n "$pstreamd_pid" ]] && kill -0 "$pstreamd_pid" 2>/dev/null; then
		kill -TERM "$pstreamd_pid"
		wait "$pstreamd_pid" 2>/dev/null || true
	fi
	pstreamd_pid=
}

# Drops pstream NAME with its records if it exists, then creates it.
create_pstream() {
	local name=$1 attributes=${2:-'{}'}
	sql -v name="$name" -v attributes="$attributes" >/dev/null <<'SQL'
SELECT pstream_drop(name, true) FROM pstream.pstreams WHERE name = :'name';
SELECT pstream_create(:'name', :'attributes'::jsonb);
SQL
}

# Prints the data table of a pstream (schema pstream_data).
table_of() {
	sql_value -v name="$1" <<<"SELECT table_name FROM pstream.pstreams WHERE name = :'name'"
}

# Prints the index definitions of a pstream's data table, one a line,
# with the table and index names replaced by PLACEHOLDER.
index_shape() {
	sql_value -v name="$1" <<'SQL'
SELECT regexp_replace(replace(i.indexdef, i.tablename, 'PLACEHOLDER'), '^CREATE (UNIQUE )?INDEX "[^"]*"', 'CREATE \1INDEX')
FROM pg_indexes i JOIN pstream.pstreams p ON i.schemaname = 'pstream_data' AND i.tablename = p.table_name
WHERE p.name = :'name' ORDER BY 1;
SQL
}

# Creates table public.PLAIN (id, ts, data) with the indexes that pstream
# NAME's data table has, read from pg_indexes, so that the comparison stays
# like-for-like whatever indexes the extension creates. With a third
# argument `copy`, the table starts as a copy of the pstream's records
# (CREATE TABLE AS), and the indexes are built after the copy. Index builds
# run with maintenance_work_mem = BENCH_INDEX_MEMORY.
create_plain_like() {
	local name=$1 plain=$2 from=${3:-}
	if [[ $from == copy ]]; then
		sql -v name="$name" -v plain="$plain" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.:"plain";
SELECT format('CREATE TABLE public.%I AS SELECT id, ts, data FROM pstream_data.%I', :'plain', table_name)
FROM pstream.pstreams WHERE name = :'name' \gexec
SQL
	else
		sql -v plain="$plain" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.:"plain";
CREATE TABLE public.:"plain" (id text COLLATE "C" NOT NULL, ts timestamptz NOT NULL, data jsonb NOT NULL);
SQL
	fi
	sql -v name="$name" -v plain="$plain" -v mwm="$BENCH_INDEX_MEMORY" >/dev/null <<'SQL'
SET client_min_messages = warning;
SET maintenance_work_mem = :'mwm';
SELECT replace(replace(i.indexdef,
		' ON pstream_data.' || quote_ident(i.tablename) || ' ',
		' ON public.' || quote_ident(:'plain') || ' '),
	'INDEX ' || quote_ident(i.indexname),
	'INDEX ' || quote_ident(replace(i.indexname, i.tablename, :'plain')))
FROM pg_indexes i JOIN pstream.pstreams p ON i.schemaname = 'pstream_data' AND i.tablename = p.table_name
WHERE p.name = :'name' \gexec
SQL
}

# Gives table public.PLAIN the statement-level count triggers that every
# pstream data table has (they log count deltas in pstream.record_counts
# under the table's name, which no pstream uses).
add_count_triggers() {
	local plain=$1 op
	for op in INSERT DELETE; do
		sql -v plain="$plain" -v op="$op" >/dev/null <<'SQL'
SELECT format('CREATE TRIGGER %I AFTER %s ON public.%I REFERENCING %s TABLE AS %I FOR EACH STATEMENT EXECUTE FUNCTION pstream.count_records()',
	'count_' || lower(:'op') || 's', :'op', :'plain',
	CASE :'op' WHEN 'INSERT' THEN 'NEW' ELSE 'OLD' END,
	CASE :'op' WHEN 'INSERT' THEN 'new_records' ELSE 'old_records' END) \gexec
SQL
	done
}

# Loads a data set into a pstream with pstream_add, one call per batch.
add_sql() {
	local name=$1 file=$2
	as_run_user psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT" -d "$DATABASE" \
		-v stream="$name" <"$file"
}

copy_plain() {
	local plain=$1 file=$2
	as_run_user psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT" -d "$DATABASE" \
		-c "COPY public.\"$plain\" (id, ts, data) FROM STDIN" <"$file"
}

http_post_batches() {
	local name=$1 file=$2 clients=$3
	"$BENCH_DIR/httpload" --port "$HTTP_PORT" --clients "$clients" --file "$file" \
		--path "/api/v2/pstreams/pstream/$name/data"
}

# Prints the key=value field KEY of an httpload output line.
field_of() {
	tr ' ' '\n' <<<"$1" | awk -F= -v key="$2" '$1 == key { print $2 }'
}
