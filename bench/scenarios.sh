# scenarios.sh: the benchmark scenarios of bench/run.sh, one function each;
# source it after lib.sh, do not run it.
#
# Case names are unique across scenarios, because ratio rows name them.

# Scenario 1: pstream_add in batches of 1,000 against COPY of the same rows
# into a plain table with the same columns and indexes.
scenario_ingest_sql() {
	local size run add_rates copy_rates seconds
	record_command "psql -v stream=ingest < data-N.add.sql    # one SELECT pstream_add(:'stream', \$r\$[1,000 records]\$r\$); per batch"
	record_command "psql -c 'COPY public.plain_ingest (id, ts, data) FROM STDIN' < data-N.copy"
	for size in "${ingest_sizes[@]}"; do
		log "scenario 1: ingest through SQL, $size records, $BENCH_RUNS runs"
		add_rates=()
		copy_rates=()
		for run in $(seq "$BENCH_RUNS"); do
			create_pstream ingest
			create_plain_like ingest plain_ingest
			checkpoint
			seconds=$(timed add_sql ingest "$data_files/data-$size.add.sql")
			add_rates+=("$(rate "$size" "$seconds")")
			checkpoint
			seconds=$(timed copy_plain plain_ingest "$data_files/data-$size.copy")
			copy_rates+=("$(rate "$size" "$seconds")")
		done
		check_count ingest plain_ingest "$size"
		# The indexing scenario reuses these as its "all" figures, and reads
		# pstream `ingest` as left by the last run.
		ingest_all_rates=("${add_rates[@]}")
		record_value 1 "pstream_add, $size records" records/s "${add_rates[@]}"
		record_value 1 "COPY, $size records" records/s "${copy_rates[@]}"
		record_ratio 1 "pstream_add / COPY, $size records" "pstream_add, $size records" "COPY, $size records" '>=' 0.8
	done
	record_note 1 "Indexes of both tables during the load: $(index_list ingest)."
}

# Fails the run unless a pstream and its plain table both contain COUNT rows.
check_count() {
	local name=$1 plain=$2 count=$3 table got_pstream got_plain
	table=$(table_of "$name")
	got_pstream=$(sql_value -c "SELECT count(*) FROM pstream_data.\"$table\"")
	got_plain=$(sql_value -c "SELECT count(*) FROM public.\"$plain\"")
	if [[ $got_pstream != "$count" || $got_plain != "$count" ]]; then
		die "pstream $name contains $got_pstream records and table $plain $got_plain rows; expected $count in both"
	fi
}

index_list() {
	sql_value -v name="$1" <<'SQL'
SELECT string_agg(regexp_replace(i.indexdef, '^CREATE (UNIQUE )?INDEX ("[^"]*"|\S+) ON \S+ ', '\1'), '; ' ORDER BY i.indexname)
FROM pg_indexes i JOIN pstream.pstreams p ON i.schemaname = 'pstream_data' AND i.tablename = p.table_name
WHERE p.name = :'name';
SQL
}

# Scenario 2: POST …/data with batches of 1,000 from 8 concurrent clients,
# with the CPU time of pstreamd and of the server, and pstreamd's peak RSS
# for scenario 8.
scenario_ingest_http() {
	local size run output rates cpu_pstreamd cpu_postgres before_d before_p rss hwm peaks
	local ticks
	ticks=$(getconf CLK_TCK)
	record_command "bench/httpload --port $HTTP_PORT --clients 8 --file data-N.ndjson --path /api/v2/pstreams/pstream/http_ingest/data"
	for size in "${ingest_sizes[@]}"; do
		log "scenario 2: ingest through HTTP, $size records, $BENCH_RUNS runs"
		rates=()
		cpu_pstreamd=()
		cpu_postgres=()
		peaks=()
		for run in $(seq "$BENCH_RUNS"); do
			create_pstream http_ingest
			checkpoint
			rss=$(status_kib "$pstreamd_pid" VmRSS)
			reset_peak_rss "$pstreamd_pid"
			before_d=$(cpu_ticks_of "$pstreamd_pid")
			before_p=$(cpu_ticks_postgres)
			output=$(http_post_batches http_ingest "$data_files/data-$size.ndjson" 8) ||
				die "httpload failed: $output"
			cpu_pstreamd+=("$(awk -v a="$before_d" -v b="$(cpu_ticks_of "$pstreamd_pid")" -v t="$ticks" 'BEGIN { printf "%.2f", (b - a) / t }')")
			cpu_postgres+=("$(cpu_seconds_between "$before_p" "$(cpu_ticks_postgres)")")
			hwm=$(status_kib "$pstreamd_pid" VmHWM)
			peaks+=("$(awk -v h="$hwm" -v r="$rss" 'BEGIN { printf "%.1f", (h - r) / 1024 }')")
			rates+=("$(field_of "$output" records_per_s)")
			log "  $output"
		done
		record_value 2 "HTTP POST, 8 clients, $size records" records/s "${rates[@]}"
		record_value 2 "pstreamd CPU, $size records" s "${cpu_pstreamd[@]}"
		record_value 2 "PostgreSQL CPU, $size records" s "${cpu_postgres[@]}"
		record_ratio 2 "HTTP POST / COPY, $size records" "HTTP POST, 8 clients, $size records" "COPY, $size records" '>=' 0.6
		if [[ $size == "$ingest_size" ]]; then
			record_value 8 "pstreamd peak RSS above start, serving scenario 2 ($size records)" MiB "${peaks[@]}"
		fi
	done
	record_note 2 "CPU is user plus system time from /proc/PID/stat: pstreamd's own, and for PostgreSQL the postmaster's with all its children that lived through the run (the pooled backends, checkpointer, WAL writer, background writer; an autovacuum worker that ends during the run is left out)."
}

# Writes NAME.upsert.sql: the batches of NAME.ndjson as hand-written
# INSERT … ON CONFLICT DO UPDATE statements that merge as pstream_add does
# (keep the stored _RDA_Id, new top-level keys win, new record time).
write_upsert_script() {
	local name=$1 plain=$2
	local out=$data_files/$name.upsert-$plain.sql
	[[ -s $out ]] && return 0
	awk -v plain="$plain" '{
		print "INSERT INTO public." plain " AS t (id, ts, data)"
		print "SELECT id, ts, e || jsonb_build_object('"'"'_RDA_Id'"'"', id) FROM ("
		print "  SELECT md5(random()::text) AS id, (e ->> '"'"'timestamp'"'"')::timestamptz AS ts, e"
		print "  FROM jsonb_array_elements($r$" $0 "$r$::jsonb) AS e) AS s"
		print "ON CONFLICT ((data -> '"'"'alert_id'"'"')) WHERE (data -> '"'"'alert_id'"'"') <> '"'"'null'"'"'::jsonb"
		print "DO UPDATE SET data = t.data || (excluded.data - '"'"'_RDA_Id'"'"'), ts = excluded.ts;"
	}' "$data_files/$name.ndjson" >"$out.tmp"
	mv "$out.tmp" "$out"
}

# Loads data set FILE into pstream NAME (created with ATTRIBUTES plus
# "indexing": "none", then edited to "indexing": "all" so that the indexes
# are built in bulk), then copies its records into table PLAIN (CREATE
# TABLE AS) and builds the same indexes there. Both index builds run with
# maintenance_work_mem = BENCH_INDEX_MEMORY. Sets load_seconds to the
# seconds of the four steps: adds, pstream index build, plain copy and plain
# index build together, in that order.
load_fast() {
	local name=$1 plain=$2 file=$3 attributes=${4:-'{}'}
	load_seconds=()
	create_pstream "$name" "$(jq_merge "$attributes" '{"indexing": "none"}')"
	checkpoint
	load_seconds+=("$(timed add_sql "$name" "$file")")
	load_seconds+=("$(timed sql -v name="$name" -v mwm="$BENCH_INDEX_MEMORY" <<<"SET maintenance_work_mem = :'mwm'; SELECT pstream_edit(:'name', '{\"indexing\": \"all\"}')")")
	checkpoint
	load_seconds+=("$(timed create_plain_like "$name" "$plain" copy)")
}

# Prints JSON object A with the keys of object B added (B wins).
jq_merge() {
	sql_value -v a="$1" -v b="$2" <<<"SELECT (:'a'::jsonb || :'b'::jsonb)::text"
}

# Scenario 3: adds with unique_keys where half of the records merge, against
# INSERT … ON CONFLICT DO UPDATE of the same batches. Both start from the
# same SIZE records, loaded by load_fast (not timed).
scenario_upsert() {
	local size run add_rates sql_rates seconds
	record_command "psql -v stream=upsert < upsert-N.add.sql    # pstream created with {\"unique_keys\": [\"alert_id\"]}, holding data-N (loaded as the read set is)"
	record_command "psql < upsert-N.upsert-plain_upsert.sql    # INSERT … ON CONFLICT ((data -> 'alert_id')) WHERE … DO UPDATE, one per batch, into a copy of the pstream's data-N records"
	for size in "${ingest_sizes[@]}"; do
		log "scenario 3: ingest with unique_keys, $size records into $size, $BENCH_RUNS runs"
		write_upsert_script "upsert-$size" plain_upsert
		add_rates=()
		sql_rates=()
		for run in $(seq "$BENCH_RUNS"); do
			load_fast upsert plain_upsert "$data_files/data-$size.add.sql" '{"unique_keys": ["alert_id"]}'
			checkpoint
			seconds=$(timed add_sql upsert "$data_files/upsert-$size.add.sql")
			add_rates+=("$(rate "$size" "$seconds")")
			checkpoint
			seconds=$(timed sql -f "$data_files/upsert-$size.upsert-plain_upsert.sql")
			sql_rates+=("$(rate "$size" "$seconds")")
		done
		check_count upsert plain_upsert $((size * 3 / 2))
		record_value 3 "pstream_add with unique_keys, $size records, half merge" records/s "${add_rates[@]}"
		record_value 3 "INSERT … ON CONFLICT DO UPDATE, $size records, half merge" records/s "${sql_rates[@]}"
		record_ratio 3 "pstream_add / ON CONFLICT, $size records" "pstream_add with unique_keys, $size records, half merge" \
			"INSERT … ON CONFLICT DO UPDATE, $size records, half merge" '>=' 0.9
	done
	record_note 3 "Before each run both tables hold the same N records: the pstream loaded with \"indexing\": \"none\" and then edited to \"all\", the plain table a CREATE TABLE AS copy of it with the same index definitions (from pg_indexes)."
}

# Sets `queries`, the CFXQL reads of scenario 4 on a set of SIZE records, as
# NAME|CFXQL|SEARCH|HAND-WRITTEN CONDITION. The time window is 100 s in the
# middle of the set (gen spaces records 1 s apart from 2026-01-01).
define_queries() {
	local size=$1 window_start window_end
	window_start=$(date -u -d "@$((1767225600 + size / 2))" +%Y-%m-%dT%H:%M:%SZ)
	window_end=$(date -u -d "@$((1767225600 + size / 2 + 99))" +%Y-%m-%dT%H:%M:%SZ)
	queries=(
		"equality|asset_id = 'asset-04217'||data @> '{\"asset_id\": \"asset-04217\"}'"
		"in|rule_id in ['rule-00042', 'rule-12345', 'rule-23456']||(data @> '{\"rule_id\": \"rule-00042\"}' OR data @> '{\"rule_id\": \"rule-12345\"}' OR data @> '{\"rule_id\": \"rule-23456\"}')"
		"number range|metric_value >= 500000 and metric_value < 500100||((data -> 'metric_value')::numeric >= 500000 AND (data -> 'metric_value')::numeric < 500100)"
		"time window|timestamp during '$window_start' to '$window_end'||ts BETWEEN '$window_start' AND '$window_end'"
		"substring search||ref-04217|pstream.search_text(data) LIKE '%ref-04217%'"
	)
}

# Writes pgbench scripts for query QUERY against pstream NAME and table PLAIN.
write_query_scripts() {
	local name=$1 plain=$2 query=$3 prefix=$4
	local label cfxql search condition
	IFS='|' read -r label cfxql search condition <<<"$query"
	local cfxql_sql=NULL search_sql=NULL
	[[ -n $cfxql ]] && cfxql_sql="\$q\$$cfxql\$q\$"
	[[ -n $search ]] && search_sql="'$search'"
	printf 'SELECT pstream_query(%s, %s, %s, NULL, NULL, NULL, NULL, 100, NULL);\n' \
		"'$name'" "$cfxql_sql" "$search_sql" >"$prefix.pstream.sql"
	cat >"$prefix.hand.sql" <<SQL
SELECT jsonb_build_object('total_count', (SELECT count(*) FROM public.$plain WHERE $condition), 'pstream_data', (SELECT coalesce(jsonb_agg(data ORDER BY ts DESC, id), '[]') FROM (SELECT id, ts, data FROM public.$plain WHERE $condition ORDER BY ts DESC, id LIMIT 100) AS page));
SQL
	chmod a+r "$prefix".*.sql
}

# Prints pgbench's average latency in milliseconds.
pgbench_latency() {
	pgbench_run -n -M prepared "$@" 2>&1 | awk '/^latency average/ { print $4 }'
}

# Times the scripts PREFIX.pstream.sql and PREFIX.hand.sql in turn,
# BENCH_RUNS times each, with the pgbench options given after PREFIX, and
# records their latencies as "pstream_query: CASE" and "hand-written SQL: CASE".
time_query_pair() {
	local case_name=$1 prefix=$2 run
	local -a pstream_ms=() hand_ms=()
	shift 2
	for run in $(seq "$BENCH_RUNS"); do
		pstream_ms+=("$(pgbench_latency "$@" -f "$prefix.pstream.sql")")
		hand_ms+=("$(pgbench_latency "$@" -f "$prefix.hand.sql")")
	done
	record_value 4 "pstream_query: $case_name" ms "${pstream_ms[@]}"
	record_value 4 "hand-written SQL: $case_name" ms "${hand_ms[@]}"
}

# Writes the plans of one more call of each script of PREFIX, with their
# timings, to PREFIX.pstream.plan and PREFIX.hand.plan (not on the page), so
# that a figure out of line can be explained from its own run. auto_explain
# reports pstream_query's inner statement at NOTICE level.
save_query_plans() {
	local prefix=$1
	{
		printf 'EXPLAIN (ANALYZE, BUFFERS) '
		cat "$prefix.hand.sql"
	} | sql >"$prefix.hand.plan" 2>&1 || true
	{
		cat <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SQL
		cat "$prefix.pstream.sql"
	} | sql -o /dev/null >"$prefix.pstream.plan" 2>&1 || true
}

# Scenario 4: CFXQL reads that select about 100 of the largest set, against
# the best hand-written SQL over the same indexes.
scenario_queries() {
	local query label cfxql search condition prefix matched plan indexable
	define_queries "$big_size"
	log "scenario 4: CFXQL reads on $big_size records, $BENCH_RUNS runs of $BENCH_QUERY_SECONDS s"
	record_command "pgbench -n -M prepared -T $BENCH_QUERY_SECONDS -f query.pstream.sql   # SELECT pstream_query('big', <cfxql>, <search>, NULL, NULL, NULL, NULL, 100, NULL)"
	record_command "pgbench -n -M prepared -T $BENCH_QUERY_SECONDS -f query.hand.sql      # total_count and the first 100 by ts DESC from plain_big, same condition"
	record_command "pgbench -n -M prepared -C -t $BENCH_COLD_CALLS -f query.pstream.sql (and query.hand.sql)   # equality, a new connection for every call"
	for query in "${queries[@]}"; do
		IFS='|' read -r label cfxql search condition <<<"$query"
		prefix=$work/scripts/query-${label// /-}
		write_query_scripts big plain_big "$query" "$prefix"
		matched=$(sql_value -f "$prefix.pstream.sql" | sed -n 's/.*"total_count": \([0-9]*\).*/\1/p')
		plan=$(sql_value -c "EXPLAIN SELECT count(*) FROM public.plain_big WHERE $condition")
		if grep -q 'Index' <<<"$plan"; then indexable=yes; else indexable=no; fi
		time_query_pair "$label" "$prefix" -T "$BENCH_QUERY_SECONDS"
		save_query_plans "$prefix"
		if [[ $indexable == yes ]]; then
			record_ratio 4 "$label (indexable)" "pstream_query: $label" "hand-written SQL: $label" '<=' 1.2
		else
			record_ratio 4 "$label (not indexable)" "pstream_query: $label" "hand-written SQL: $label" '<=' -
		fi
		record_note 4 "$label: CFXQL \`${cfxql:-*}\`${search:+, search \`$search\`}; $matched records match; hand-written condition \`$condition\`; its plan $( [[ $indexable == yes ]] && echo "uses an index" || echo "reads the whole table, because no index of the table serves it" )."
	done

	# The figures above are for a connection that has served the query
	# before, as pstreamd's pooled connections have. A new connection also
	# pays for loading the extension and preparing its statements once.
	time_query_pair "equality, new connection per call" "$work/scripts/query-equality" \
		-C -t "$BENCH_COLD_CALLS"
	record_ratio 4 "equality, new connection per call (connection set-up included)" "pstream_query: equality, new connection per call" "hand-written SQL: equality, new connection per call" '<=' -
	record_note 4 "Each read runs for $BENCH_QUERY_SECONDS s per run on one connection, so the figures are those of a connection that has run the query before, as pstreamd's pooled connections have. The slow reads run a few times per run, the indexed ones thousands of times. \"New connection per call\" (pgbench -C, $BENCH_COLD_CALLS calls per run) shows the cost of a first call. Its latency includes connecting, and pstream_query's first call in a backend also loads the extension and prepares its statement."
}

# Scenario 5: small reads through HTTP against pgbench calling the same
# function with the same arguments over as many connections.
scenario_small_reads() {
	local query="asset_id = 'asset-04217'" connections run threads output wrk_rates pgbench_rates
	local url="http://127.0.0.1:$HTTP_PORT/api/v2/pstreams/pstream/big/data?cfxql_query=asset_id%20%3D%20%27asset-04217%27&limit=10"
	local script=$work/scripts/small-read.sql
	cat >"$script" <<'SQL'
SELECT pstream_query(:stream::text, :query::text, NULL::text, NULL::text[], NULL::text[], NULL::text[], NULL::bigint, :page::integer, NULL::boolean);
SQL
	chmod a+r "$script"
	record_command "wrk -t T -c C -d ${BENCH_SECONDS}s '$url'    # T = 1 for C = 1, else 2"
	record_command "pgbench -n -M prepared -c C -j T -T $BENCH_SECONDS -D stream=big -D \"query=$query\" -D page=10 -f small-read.sql   # $(cat "$script")"
	for connections in 1 8 64; do
		log "scenario 5: small reads, $connections connections, $BENCH_RUNS runs of $BENCH_SECONDS s"
		threads=$(( connections == 1 ? 1 : 2 ))
		wrk_rates=()
		pgbench_rates=()
		for run in $(seq "$BENCH_RUNS"); do
			output=$(wrk -t "$threads" -c "$connections" -d "${BENCH_SECONDS}s" "$url")
			if grep -q 'Non-2xx' <<<"$output"; then
				die "wrk got error responses: $output"
			fi
			wrk_rates+=("$(awk '/^Requests\/sec:/ { print $2 }' <<<"$output")")
			pgbench_rates+=("$(pgbench_run -n -M prepared -c "$connections" -j "$threads" -T "$BENCH_SECONDS" \
				-D stream=big -D "query=$query" -D page=10 -f "$script" 2>&1 |
				awk '/^tps = .*without initial/ { print $3 }')")
		done
		record_value 5 "HTTP GET (wrk), $connections connections" requests/s "${wrk_rates[@]}"
		record_value 5 "pgbench, $connections connections" transactions/s "${pgbench_rates[@]}"
		record_ratio 5 "HTTP / pgbench, $connections connections" "HTTP GET (wrk), $connections connections" "pgbench, $connections connections" '>=' 0.7
	done
	record_note 5 "Every request reads the same query (\`$query\`, about 100 matches of $big_size, limit 10). pstreamd runs with --pool-size=$BENCH_POOL_SIZE, so at 64 connections at most $BENCH_POOL_SIZE requests run SQL at once while pgbench runs 64 sessions."
}

# Scenario 7: metadata and stats at the smallest and the largest size.
scenario_metadata() {
	local name size fn run values script
	log "scenario 7: metadata and stats at $small_size and $big_size records"
	create_pstream meta_small
	add_sql meta_small "$data_files/data-$small_size.add.sql" >/dev/null
	record_command "pgbench -n -M prepared -t 50 -f metadata.sql   # SELECT pstream_metadata('NAME', 0, 100) and pstream_stats('NAME', 0, 100)"
	for fn in metadata stats; do
		for name in meta_small big; do
			size=$([[ $name == big ]] && echo "$big_size" || echo "$small_size")
			script=$work/scripts/$fn-$name.sql
			printf "SELECT pstream_%s('%s', 0, 100);\n" "$fn" "$name" >"$script"
			chmod a+r "$script"
			values=()
			for run in $(seq "$BENCH_RUNS"); do
				values+=("$(pgbench_latency -t 50 -f "$script")")
			done
			record_value 7 "pstream_$fn, $size records" ms "${values[@]}"
		done
		record_ratio 7 "pstream_$fn: $big_size / $small_size records" "pstream_$fn, $big_size records" "pstream_$fn, $small_size records" '<=' 2
	done
}

# Scenario 8 (second part): one POST of a body of at least 64 MiB.
scenario_memory() {
	local body=$data_files/body64.json bytes run rss hwm output peaks copies
	bytes=$(stat -c %s "$body")
	log "scenario 8: one POST of $bytes bytes, $BENCH_RUNS runs"
	record_command "bench/httpload --port $HTTP_PORT --clients 1 --records-per-body $big_body_records --file body64.json --path /api/v2/pstreams/pstream/body64/data   # pstreamd --max-body=$((2 * BIG_BODY_BYTES))"
	peaks=()
	copies=()
	for run in $(seq "$BENCH_RUNS"); do
		create_pstream body64
		# A new pstreamd per run, so that no run starts with memory that an
		# earlier run left. One small POST warms it up before the reading.
		stop_pstreamd
		start_pstreamd
		curl -fsS -o /dev/null -H 'Content-Type: application/json' --data '[{"warm_up": 1}]' \
			"http://127.0.0.1:$HTTP_PORT/api/v2/pstreams/pstream/body64/data" || die "warm-up POST failed"
		rss=$(status_kib "$pstreamd_pid" VmRSS)
		reset_peak_rss "$pstreamd_pid"
		output=$("$BENCH_DIR/httpload" --port "$HTTP_PORT" --clients 1 --records-per-body "$big_body_records" \
			--file "$body" --path /api/v2/pstreams/pstream/body64/data) || die "httpload failed: $output"
		hwm=$(status_kib "$pstreamd_pid" VmHWM)
		peaks+=("$(awk -v h="$hwm" -v r="$rss" 'BEGIN { printf "%.1f", (h - r) / 1024 }')")
		copies+=("$(awk -v h="$hwm" -v r="$rss" -v b="$bytes" 'BEGIN { printf "%.2f", (h - r) * 1024 / b }')")
		log "  $output"
	done
	record_value 8 "pstreamd peak RSS above start, one POST of $bytes bytes" MiB "${peaks[@]}"
	record_value 8 "the same, in body sizes" copies "${copies[@]}"
	record_note 8 "Peak RSS is VmHWM of /proc/PID/status after resetting it (echo 5 > /proc/PID/clear_refs) at the start of each run; the start value is VmRSS at that moment. For the large body (its size in bytes is in the case name) every run starts a new pstreamd and sends it one small POST before that reading. The body holds $big_body_records records. Scenario 2's figure is taken on the pstreamd that served the scenarios before it."
}

# Loads the largest set once into pstream `big` and table plain_big (the
# read set of scenarios 4 to 8) with load_fast, and notes the times (one
# run, not a scenario 1 figure).
load_big_set() {
	log "loading $big_size records into pstream big and table plain_big (one run)"
	record_command "SELECT pstream_create('big', '{\"indexing\": \"none\"}'); psql -v stream=big < data-N.add.sql; SELECT pstream_edit('big', '{\"indexing\": \"all\"}')"
	record_command "CREATE TABLE public.plain_big AS SELECT id, ts, data FROM pstream_data.<big's table>; then each CREATE INDEX of pg_indexes for that table, on plain_big"
	load_fast big plain_big "$data_files/data-$big_size.add.sql"
	check_count big plain_big "$big_size"
	add_count_triggers plain_big
	sql -c "VACUUM ANALYZE pstream_data.\"$(table_of big)\"" -c "VACUUM ANALYZE public.plain_big" >/dev/null
	record_note 1 "Read set (one run, not a ratio): pstream_add of $big_size records with \"indexing\": \"none\" took ${load_seconds[0]} s ($(rate "$big_size" "${load_seconds[0]}") records/s), pstream_edit to \"indexing\": \"all\" (building the indexes) ${load_seconds[1]} s; the plain copy with the same indexes ${load_seconds[2]} s. Both tables then get VACUUM ANALYZE, before scenarios 4 to 8."
}

# Scenario 6: update and delete by query of 10% of the largest set. Run K
# updates the records with priority K and then deletes those with priority
# 11 - K, so every run changes different rows of both tables.
scenario_modify() {
	local run upd_pstream upd_hand del_pstream del_hand seconds rows big_table
	(( BENCH_RUNS <= 5 )) || die "scenario 6 needs BENCH_RUNS of at most 5 (it uses one priority value per run and kind)"
	log "scenario 6: update and delete 10% of $big_size records, $BENCH_RUNS runs"
	record_command "psql -c \"SELECT pstream_update('big', 'priority = K', '{\\\"ack_run\\\": \\\"run-K\\\"}')\"   vs   psql -c \"UPDATE public.plain_big SET data = data || '{\\\"ack_run\\\": \\\"run-K\\\"}' WHERE data @> '{\\\"priority\\\": K}'\""
	record_command "psql -c \"SELECT pstream_delete('big', 'priority = D')\"   vs   psql -c \"DELETE FROM public.plain_big WHERE data @> '{\\\"priority\\\": D}'\"   # D = 11 - K"
	upd_pstream=()
	upd_hand=()
	del_pstream=()
	del_hand=()
	# Autovacuum starts at times of its own and may overlap either side's
	# timed step, so it is off for both tables here, and each pair of
	# deletes starts after a VACUUM of both.
	big_table=pstream_data.\"$(table_of big)\"
	sql -c "ALTER TABLE $big_table SET (autovacuum_enabled = false)" \
		-c "ALTER TABLE public.plain_big SET (autovacuum_enabled = false)" >/dev/null
	for run in $(seq "$BENCH_RUNS"); do
		checkpoint
		upd_pstream+=("$(timed sql -c "SELECT pstream_update('big', 'priority = $run', '{\"ack_run\": \"run-$run\"}')")")
		checkpoint
		upd_hand+=("$(timed sql -c "UPDATE public.plain_big SET data = data || '{\"ack_run\": \"run-$run\"}' WHERE data @> '{\"priority\": $run}'")")
		sql -c "VACUUM $big_table" -c "VACUUM public.plain_big" >/dev/null
		checkpoint
		del_pstream+=("$(timed sql -c "SELECT pstream_delete('big', 'priority = $((11 - run))')")")
		checkpoint
		del_hand+=("$(timed sql -c "DELETE FROM public.plain_big WHERE data @> '{\"priority\": $((11 - run))}'")")
	done
	sql -c "ALTER TABLE $big_table RESET (autovacuum_enabled)" \
		-c "ALTER TABLE public.plain_big RESET (autovacuum_enabled)" >/dev/null
	rows=$(sql_value -c "SELECT count(*) FROM public.plain_big WHERE data @> '{\"priority\": 1}'")
	record_value 6 "pstream_update of priority = K" s "${upd_pstream[@]}"
	record_value 6 "hand-written UPDATE" s "${upd_hand[@]}"
	record_value 6 "pstream_delete of priority = D" s "${del_pstream[@]}"
	record_value 6 "hand-written DELETE" s "${del_hand[@]}"
	# Speed is the inverse of time, so the speed ratio is hand / pstream.
	record_ratio 6 "update speed: pstream / hand-written" "hand-written UPDATE" "pstream_update of priority = K" '>=' 0.8
	record_ratio 6 "delete speed: pstream / hand-written" "hand-written DELETE" "pstream_delete of priority = D" '>=' 0.8
	record_note 6 "Each run changes about 10% of the $big_size records ($rows have priority 1). The deletes shrink both tables by about 10% per run. pstream_update and pstream_delete run with the default conflicts (abort). plain_big is a heap table like the pstream's, with the same indexes and the same statement-level count triggers (AFTER INSERT and AFTER DELETE with a transition table, function pstream.count_records), so the hand-written DELETE pays for the deleted rows' transition table too. Autovacuum is off for both tables during this scenario, and each pair of deletes starts after a VACUUM of both tables (not timed), so that no vacuum of one table overlaps the other's timed step."
}

# Ingest and reads under each indexing choice, at the largest ingest size.
# The "all" ingest figures are scenario 1's pstream_add runs at that size,
# and its reads run on pstream `ingest` as scenario 1 left it. "fields" and
# "none" get runs of their own, interleaved.
scenario_indexing() {
	local choice run seconds query label prefix values name
	local -A choices=(
		[all]='{"indexing": "all"}'
		[fields]='{"indexing": {"fields": ["asset_id", "rule_id", "metric_value"]}}'
		[none]='{"indexing": "none"}'
	)
	local -A choice_rates=([fields]="" [none]="")
	for choice in fields none; do
		if ! create_pstream "idx_$choice" "${choices[$choice]}" 2>"$work/indexing.err"; then
			record_note indexing "Skipped: pstream_create rejected ${choices[$choice]}: $(tr '\n' ' ' <"$work/indexing.err")"
			return 0
		fi
	done
	if [[ $(index_shape idx_fields) == "$(index_shape ingest)" || $(index_shape idx_none) == "$(index_shape ingest)" ]]; then
		record_note indexing "Skipped: pstream_create accepted the indexing attribute but created the same indexes for all, fields and none ($(index_list idx_none))."
		return 0
	fi

	record_command "SELECT pstream_create('idx_CHOICE', '<attributes>'); psql -v stream=idx_CHOICE < data-N.add.sql    # fields and none; all is scenario 1's pstream_add"
	record_command "pgbench -n -M prepared -T $BENCH_QUERY_SECONDS -f query.pstream.sql   # as scenario 4, on the pstream of each choice"
	log "indexing choices: ingest of $ingest_size records with fields and none, $BENCH_RUNS runs"
	for run in $(seq "$BENCH_RUNS"); do
		for choice in fields none; do
			create_pstream "idx_$choice" "${choices[$choice]}"
			checkpoint
			seconds=$(timed add_sql "idx_$choice" "$data_files/data-$ingest_size.add.sql")
			choice_rates[$choice]+=" $(rate "$ingest_size" "$seconds")"
		done
	done
	record_value indexing "pstream_add, indexing all, $ingest_size records (scenario 1)" records/s "${ingest_all_rates[@]}"
	for choice in fields none; do
		# shellcheck disable=SC2086 # one word per run
		record_value indexing "pstream_add, indexing $choice, $ingest_size records" records/s ${choice_rates[$choice]}
	done

	define_queries "$ingest_size"
	for choice in all fields none; do
		name=idx_$choice
		[[ $choice == all ]] && name=ingest
		log "indexing $choice: reads on $ingest_size records, $BENCH_RUNS runs"
		record_note indexing "indexing $choice (\`${choices[$choice]}\`): $(index_list "$name")."
		sql -c "VACUUM ANALYZE pstream_data.\"$(table_of "$name")\"" >/dev/null
		for query in "${queries[@]}"; do
			IFS='|' read -r label _ <<<"$query"
			# Only "all" has the trigram index; the search would read
			# every record under the others (see the note).
			[[ $label == "substring search" ]] && continue
			prefix=$work/scripts/indexing-$choice-${label// /-}
			write_query_scripts "$name" plain_unused "$query" "$prefix"
			values=()
			for run in $(seq "$BENCH_RUNS"); do
				values+=("$(pgbench_latency -T "$BENCH_QUERY_SECONDS" -f "$prefix.pstream.sql")")
			done
			record_value indexing "pstream_query: $label, indexing $choice" ms "${values[@]}"
		done
	done
	record_note indexing "The reads run on $ingest_size records, the queries of scenario 4 scaled to that set (the time window is 100 s in its middle), after VACUUM ANALYZE. The substring search is left out: only \"all\" creates the trigram index it uses, so under \"fields\" and \"none\" it reads every record."
}
