#!/bin/bash
# run.sh: start a private PostgreSQL cluster and pstreamd in the foreground
# (what `make run` does after building and installing).
#
# The cluster lives in .run/pg and listens only on a unix socket; pstreamd
# listens on 127.0.0.1:HTTP_PORT. Ctrl-C or SIGTERM stops both. A second run
# reuses the cluster and its data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HTTP_PORT=${HTTP_PORT:-8080}
PG_PORT=${PG_PORT:-5432}
DATABASE=${DATABASE:-pstream}

resolve_run_dir
data_dir="$RUN_DIR/pg"
socket_dir=$(socket_dir_for "$RUN_DIR" "$PG_PORT")
pg_log="$RUN_DIR/postgresql.log"
pstreamd_pid=
started_cluster=false

if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/"; then
	die "something already listens on 127.0.0.1:$HTTP_PORT; stop it, or choose another port with HTTP_PORT=9090 make run"
fi

# Stops pstreamd and the cluster. Output may go through a pipe whose reader
# died with the same Ctrl-C, so a failed write must not end this early.
stop_all() {
	trap - INT TERM EXIT
	trap '' PIPE
	set +e
	if [[ -n "$pstreamd_pid" ]] && kill -0 "$pstreamd_pid" 2>/dev/null; then
		log "stopping pstreamd (pid $pstreamd_pid)"
		kill -TERM "$pstreamd_pid" 2>/dev/null
		wait "$pstreamd_pid" 2>/dev/null
	fi
	if [[ $started_cluster == true ]]; then
		log "stopping PostgreSQL"
		cluster_stop "$data_dir"
	else
		log "leaving PostgreSQL running, because this run did not start it; stop it with: runuser -u $RUN_USER -- $PG_BINDIR/pg_ctl -D $data_dir stop"
	fi
}
trap stop_all EXIT
trap 'exit 0' INT TERM

cluster_init "$data_dir"
if as_run_user pg_ctl -D "$data_dir" status >/dev/null 2>&1; then
	log "PostgreSQL already runs in $data_dir; reusing it, and leaving it running at exit"
else
	cluster_start "$data_dir" "$socket_dir" "$PG_PORT" "$pg_log"
	started_cluster=true
fi

psql_admin=(psql -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$PG_PORT")
if [[ -z $(as_run_user "${psql_admin[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ]]; then
	as_run_user createdb -h "$socket_dir" -p "$PG_PORT" "$DATABASE"
fi
# pg_trgm comes first, so that every pstream gets the trigram index that
# serves `search` (pstream works without it, with slower searches).
as_run_user "${psql_admin[@]}" -d "$DATABASE" \
	-c 'SET client_min_messages = warning' \
	-c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' \
	-c 'CREATE EXTENSION IF NOT EXISTS pstream' \
	-c 'ALTER EXTENSION pstream UPDATE'

# pstreamd runs as RUN_USER from a copy that RUN_USER can reach, with
# authentication off for a first local try (it logs a warning about that). setpriv execs
# in place, so the pid below is pstreamd's own and signals reach it directly.
mkdir -p "$RUN_DIR/bin"
install -m 755 "$PROJECT_DIR/shim/pstreamd" "$RUN_DIR/bin/pstreamd"
setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups \
	"$RUN_DIR/bin/pstreamd" --listen 127.0.0.1 --port "$HTTP_PORT" --auth=off \
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
if [[ $started != true ]]; then
	die "pstreamd did not start; see the lines above (HTTP_PORT=9090 make run picks another port)"
fi

base="http://127.0.0.1:$HTTP_PORT/api/v2"
cat <<MSG

pstream is running.
  HTTP API:    $base  (pstreamd, pid $pstreamd_pid)
  PostgreSQL:  psql -h $socket_dir -p $PG_PORT -U $RUN_USER $DATABASE   (log: $pg_log)

Try it:
  curl -s -X POST $base/pstreams -H 'Content-Type: application/json' \\
       -d '{"name": "oia-alerts-stream", "attributes": {"retention_days": 30}}'
  curl -s -X POST $base/pstreams/pstream/oia-alerts-stream/data -H 'Content-Type: application/json' \\
       -d '[{"name":"Jack Ryan","city":"Washington, DC","zip-code":20006,"is_pet_owner":true,"last_gym_visit":"2024-11-20"}]'
  curl -s '$base/pstreams/pstream/oia-alerts-stream/data?limit=10'

Authentication is off in this first try: every request runs as the
database role $RUN_USER. README.md ("Logging in and TLS") shows how to run
pstreamd with logins and HTTPS (--auth=on, --tls-cert=FILE --tls-key=FILE).

Press Ctrl-C to stop pstreamd and PostgreSQL.
MSG

# Ctrl-C reaches pstreamd too, and it stops with status 0, sometimes before
# this shell runs its INT trap. Status 0 is therefore a normal stop.
status=0
wait "$pstreamd_pid" || status=$?
pstreamd_pid=
if (( status == 0 )); then
	exit 0
fi
die "pstreamd exited with status $status"
