#!/bin/bash
# run.sh: the soak test (what `make soak` runs after building and installing).
#
# Starts a private cluster in .run/soak/pg (a new one on every run, never the
# cluster of `make run`) and pstreamd on 127.0.0.1:HTTP_PORT. Then the load
# generator test/soak/load.pl runs for SOAK_MINUTES with SOAK_CLIENTS client
# processes, while a sampler records the memory of pstreamd and of the
# cluster every SOAK_SAMPLE_SECONDS. At the end the script stops what it
# started, and test/soak/report.pl writes the figures into the
# "Soak (make soak)" section of docs/reliability.md. The raw results stay in
# .run/soak/results.
#
# Environment:
#   SOAK_MINUTES         length of the load, minutes (default 30)
#   SOAK_CLIENTS         client processes (default 6)
#   SOAK_SEED            seed of the random choices (default: the time)
#   SOAK_SAMPLE_SECONDS  time between memory samples (default 30)
#   HTTP_PORT            pstreamd's port on 127.0.0.1 (default 8080)
#   PG_PORT              the cluster's port; it listens only on a unix
#                        socket (default 5432)
#
# Exits 0 when every answer matched the model, the only errors were the
# intended 4xx and 409 answers, and the final consistency check passed;
# 1 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_CLIENTS=${SOAK_CLIENTS:-6}
SOAK_SEED=${SOAK_SEED:-$(date +%s)}
SOAK_SAMPLE_SECONDS=${SOAK_SAMPLE_SECONDS:-30}
HTTP_PORT=${HTTP_PORT:-8080}
PG_PORT=${PG_PORT:-5432}
DATABASE=pstream

[[ $SOAK_MINUTES =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SOAK_MINUTES must be a number of minutes, not '$SOAK_MINUTES'"
[[ $SOAK_CLIENTS =~ ^[1-9][0-9]*$ ]] || die "SOAK_CLIENTS must be a positive integer, not '$SOAK_CLIENTS'"
[[ $SOAK_SEED =~ ^[0-9]+$ ]] || die "SOAK_SEED must be a non-negative integer, not '$SOAK_SEED'"
[[ $SOAK_SAMPLE_SECONDS =~ ^[1-9][0-9]*$ ]] || die "SOAK_SAMPLE_SECONDS must be a positive integer, not '$SOAK_SAMPLE_SECONDS'"

resolve_run_dir
soak_dir="$RUN_DIR/soak"
data_dir="$soak_dir/pg"
results="$soak_dir/results"
socket_dir=$(socket_dir_for "$soak_dir" "$PG_PORT")
pg_log="$soak_dir/postgresql.log"
pstreamd_log="$soak_dir/pstreamd.log"
pstreamd_pid=
pstreamd_exit=
sampler_pid=
started_cluster=false

if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/"; then
	die "something already listens on 127.0.0.1:$HTTP_PORT; stop it, or choose another port with HTTP_PORT=9090 make soak"
fi
if [[ -f "$data_dir/PG_VERSION" ]] && as_run_user pg_ctl -D "$data_dir" status >/dev/null 2>&1; then
	die "a cluster still runs in $data_dir (from an interrupted soak?); stop it with: runuser -u $RUN_USER -- $PG_BINDIR/pg_ctl -D $data_dir stop"
fi

# Stops the sampler, pstreamd and the cluster, if this run started them.
stop_all() {
	trap - INT TERM EXIT
	set +e
	if [[ -n "$sampler_pid" ]] && kill -0 "$sampler_pid" 2>/dev/null; then
		kill -TERM "$sampler_pid" 2>/dev/null
		wait "$sampler_pid" 2>/dev/null
	fi
	if [[ -n "$pstreamd_pid" ]] && kill -0 "$pstreamd_pid" 2>/dev/null; then
		log "stopping pstreamd (pid $pstreamd_pid)"
		kill -TERM "$pstreamd_pid" 2>/dev/null
		wait "$pstreamd_pid" 2>/dev/null
		pstreamd_exit=$?
	fi
	if [[ $started_cluster == true ]]; then
		log "stopping PostgreSQL"
		cluster_stop "$data_dir"
	fi
}
trap stop_all EXIT
trap 'exit 1' INT TERM

# A fresh cluster, so that the models of the load generator start from an
# empty database.
rm -rf "$data_dir" "$results"
mkdir -p "$soak_dir" "$results"
chown "$RUN_USER": "$soak_dir"
rm -f "$pg_log" "$pstreamd_log"
cluster_init "$data_dir"
cluster_start "$data_dir" "$socket_dir" "$PG_PORT" "$pg_log"
started_cluster=true

psql_admin=(psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT")
as_run_user createdb -h "$socket_dir" -p "$PG_PORT" "$DATABASE"
as_run_user "${psql_admin[@]}" -d "$DATABASE" \
	-c 'SET client_min_messages = warning' \
	-c 'CREATE EXTENSION pg_trgm' \
	-c 'CREATE EXTENSION pstream'

mkdir -p "$soak_dir/bin"
install -m 755 "$PROJECT_DIR/shim/pstreamd" "$soak_dir/bin/pstreamd"
setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups \
	"$soak_dir/bin/pstreamd" --listen 127.0.0.1 --port "$HTTP_PORT" --auth=off \
	--log-format=json --log-file="$pstreamd_log" \
	--db "host=$socket_dir port=$PG_PORT dbname=$DATABASE user=$RUN_USER" &
pstreamd_pid=$!

started=false
for _ in $(seq 50); do
	kill -0 "$pstreamd_pid" 2>/dev/null || break
	if curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; then
		started=true
		break
	fi
	sleep 0.2
done
[[ $started == true ]] || die "pstreamd did not start; see $pstreamd_log (HTTP_PORT=9090 make soak picks another port)"

# Prints the ids of the processes whose parent is PID, from /proc (procps,
# and so ps, is not part of a minimal Debian system).
child_pids() {
	local parent=$1 stat rest
	for stat in /proc/[0-9]*/stat; do
		rest=$(cat "$stat" 2>/dev/null) || continue
		# The command name in parentheses may contain spaces, so the fields
		# are counted after its closing parenthesis: state, then ppid.
		rest=${rest##*) }
		rest=${rest#* }
		if [[ ${rest%% *} == "$parent" ]]; then
			stat=${stat#/proc/}
			printf '%s\n' "${stat%/stat}"
		fi
	done
}

# Prints one line of memory figures: time (epoch seconds), pstreamd's VmRSS,
# the cluster's summed Pss and summed VmRSS (kB), and the number of cluster
# processes. Pss divides each shared page among the processes that map it,
# so its sum counts shared_buffers once. The RSS sum counts it per process.
sample_memory() {
	local postmaster pids pid pstreamd_rss pss=0 rss=0 count=0 value
	pstreamd_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pstreamd_pid/status" 2>/dev/null || echo 0)
	postmaster=$(head -n 1 "$data_dir/postmaster.pid" 2>/dev/null || true)
	if [[ -n "$postmaster" ]]; then
		pids="$postmaster $(child_pids "$postmaster")"
		for pid in $pids; do
			value=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
			[[ -n "$value" ]] || continue
			pss=$((pss + value))
			value=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
			rss=$((rss + value))
			count=$((count + 1))
		done
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date +%s)" "${pstreamd_rss:-0}" "$pss" "$rss" "$count"
}

# The sampler takes a last sample when it is stopped.
(
	trap 'kill "$!" 2>/dev/null; sample_memory >>"$results/memory.tsv"; exit 0' TERM
	while true; do
		sample_memory >>"$results/memory.tsv"
		sleep "$SOAK_SAMPLE_SECONDS" &
		wait $!
	done
) &
sampler_pid=$!

log "soak: $SOAK_CLIENTS clients for $SOAK_MINUTES minutes, seed $SOAK_SEED (SOAK_SEED=$SOAK_SEED repeats the choices)"
load_status=0
perl "$PROJECT_DIR/test/soak/load.pl" --url "http://127.0.0.1:$HTTP_PORT" --out "$results" \
	--clients "$SOAK_CLIENTS" --minutes "$SOAK_MINUTES" --seed "$SOAK_SEED" || load_status=$?

kill -TERM "$sampler_pid" 2>/dev/null
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=

pstreamd_alive=true
kill -0 "$pstreamd_pid" 2>/dev/null || pstreamd_alive=false

{
	printf 'nproc\t%s\n' "$(nproc)"
	printf 'cpu\t%s\n' "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	printf 'memory\t%s\n' "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	printf 'kernel\t%s\n' "$(uname -sr)"
	printf 'postgresql\t%s\n' "$(as_run_user "${psql_admin[@]}" -d "$DATABASE" -tAc 'SELECT version()')"
	printf 'extension\t%s\n' "$(as_run_user "${psql_admin[@]}" -d "$DATABASE" -tAc "SELECT extversion FROM pg_extension WHERE extname = 'pstream'")"
	printf 'pstreamd\t%s\n' "$("$soak_dir/bin/pstreamd" --version)"
	printf 'commit\t%s\n' "$(git -C "$PROJECT_DIR" describe --always --dirty 2>/dev/null || echo unknown)"
	printf 'pstreamd_alive\t%s\n' "$pstreamd_alive"
	printf 'sample_seconds\t%s\n' "$SOAK_SAMPLE_SECONDS"
} >"$results/facts.tsv"

stop_all
pstreamd_pid=
started_cluster=false
printf 'pstreamd_exit\t%s\n' "$pstreamd_exit" >>"$results/facts.tsv"
cp "$pstreamd_log" "$pg_log" "$results/" 2>/dev/null || true

report_status=0
perl "$PROJECT_DIR/test/soak/report.pl" --results "$results" \
	--template "$PROJECT_DIR/test/soak/section.md.in" \
	--write "$PROJECT_DIR/docs/reliability.md" || report_status=$?

if [[ $load_status -ne 0 || $report_status -ne 0 || $pstreamd_alive != true || $pstreamd_exit != 0 ]]; then
	log "soak FAILED; see the Soak section of docs/reliability.md and $results"
	exit 1
fi
log "soak passed; the figures are in docs/reliability.md, the raw results in $results"
