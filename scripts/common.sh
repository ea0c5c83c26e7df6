# common.sh: shared settings and helpers for run.sh and test.sh; source it,
# do not run it.
#
# PostgreSQL refuses to run as root, so every cluster runs as RUN_USER
# (default: the `postgres` user that Debian's packages create). Clusters live
# under RUN_DIR, normally `.run/` in the project folder. When RUN_USER cannot
# enter the project folder (a clone under /root, for example), RUN_DIR is a
# folder under /var/tmp instead, and `.run` links to it.

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BINDIR/pg_config}
RUN_USER=${RUN_USER:-postgres}

log() {
	printf '%s: %s\n' "$(basename "$0")" "$*"
}

die() {
	printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2
	exit 1
}

# Runs a command as RUN_USER, with the PostgreSQL binaries first in PATH.
# When RUN_USER cannot enter the current folder (a clone under /root), the
# command starts in /. PostgreSQL's programs would otherwise warn that they
# cannot change back into it. Callers pass absolute paths in that case.
# The test uses the full path, because "test -x ." also passes in a folder
# whose parent RUN_USER cannot enter.
as_run_user() {
	if [[ $(id -un) == "$RUN_USER" ]]; then
		env PATH="$PG_BINDIR:$PATH" "$@"
	elif runuser -u "$RUN_USER" -- test -x "$PWD" 2>/dev/null; then
		runuser -u "$RUN_USER" -- env PATH="$PG_BINDIR:$PATH" "$@"
	else
		(cd / && runuser -u "$RUN_USER" -- env PATH="$PG_BINDIR:$PATH" "$@")
	fi
}

# Sets RUN_DIR to a folder that RUN_USER owns, creating it if needed.
resolve_run_dir() {
	id "$RUN_USER" >/dev/null 2>&1 || die "user $RUN_USER does not exist; install postgresql-15 or set RUN_USER"

	if runuser -u "$RUN_USER" -- test -x "$PROJECT_DIR" 2>/dev/null; then
		RUN_DIR="$PROJECT_DIR/.run"
	else
		local suffix
		suffix=$(printf '%s' "$PROJECT_DIR" | md5sum | cut -c1-12)
		RUN_DIR="/var/tmp/pstream-$suffix"
		log "user $RUN_USER cannot enter $PROJECT_DIR; using $RUN_DIR (linked as .run)"
		if [[ ! -L "$PROJECT_DIR/.run" ]]; then
			rm -rf "$PROJECT_DIR/.run"
			ln -s "$RUN_DIR" "$PROJECT_DIR/.run"
		fi
	fi
	mkdir -p "$RUN_DIR"
	chown "$RUN_USER": "$RUN_DIR"
}

# Prints a directory for the server's unix socket. A socket path is limited
# to 107 bytes, so a deep project folder falls back to a short one in /tmp.
socket_dir_for() {
	local wanted=$1 port=$2
	if (( ${#wanted} + ${#port} + 12 < 100 )); then
		printf '%s\n' "$wanted"
	else
		printf '/tmp/pstream-%s\n' "$(printf '%s' "$wanted" | md5sum | cut -c1-12)"
	fi
}

# Initialises a cluster in DATA_DIR unless one is there already.
cluster_init() {
	local data_dir=$1
	if [[ -f "$data_dir/PG_VERSION" ]]; then
		return 0
	fi
	mkdir -p "$data_dir"
	chown "$RUN_USER": "$data_dir"
	chmod 700 "$data_dir"
	log "initialising a PostgreSQL cluster in $data_dir"
	as_run_user initdb -D "$data_dir" -A trust -E UTF8 --locale=C.UTF-8 >"$data_dir.initdb.log" 2>&1 ||
		die "initdb failed; see $data_dir.initdb.log"
}

# Starts the cluster in DATA_DIR listening only on a unix socket in
# SOCKET_DIR, and waits until it accepts connections.
cluster_start() {
	local data_dir=$1 socket_dir=$2 port=$3 log_file=$4
	mkdir -p "$socket_dir"
	chown "$RUN_USER": "$socket_dir"
	as_run_user pg_ctl -D "$data_dir" -l "$log_file" -w -t 60 \
		-o "-k $socket_dir -c listen_addresses='' -p $port" start >/dev/null ||
		die "the cluster in $data_dir did not start; see $log_file"
}

# Stops the cluster in DATA_DIR if it runs, finishing with fast shutdown.
cluster_stop() {
	local data_dir=$1
	if as_run_user pg_ctl -D "$data_dir" status >/dev/null 2>&1; then
		as_run_user pg_ctl -D "$data_dir" -m fast -w -t 60 stop >/dev/null || true
	fi
}
