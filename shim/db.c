/*
 * db.c
 *      The libpq connection pool of pstreamd and its prepared statements.
 *
 * The pool has a fixed number of connections. A request takes one for its
 * whole duration and gives it back at the end, so at most pool-size
 * requests use the database at once and the others wait here.
 *
 * A connection that broke (server restart, network) is reset with PQreset
 * on its next use. Before use, an idle connection's socket is polled, so
 * that a server that closed it while idle is noticed before the request's
 * statement is sent rather than by a failed statement.
 *
 * Statements call the functions in the schema that contains the extension,
 * looked up from pg_extension after each (re)connect, so a search_path set
 * by the role or the database cannot redirect them. They are prepared once
 * per connection, and again after a reset.
 */
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct db_connection
{
	PGconn	   *conn;
	int			number;			/* 1-based, for log lines */
	bool		in_use;
	bool		prepared;		/* every statement is prepared */
	bool		failure_logged; /* the current outage is logged already */
};

struct statement_definition
{
	const char *name;
	/* SQL text; %s is the quoted schema of the extension */
	const char *sql_format;
	int			parameter_count;

	/*
	 * Sent with PQexecParams on each call instead of being prepared: the
	 * session functions must be parsed after SET LOCAL ROLE, because a
	 * NOINHERIT --db role lacks USAGE on schema pstream.
	 */
	bool		unprepared;
};

/*
 * Create and edit receive the whole request body as jsonb and take its
 * fields on the server, so that attribute values reach PostgreSQL exactly
 * as the client wrote them (jansson would re-encode numbers).
 *
 * Every argument of the 0.2.0 functions is bound, in the order of their
 * signatures; NULL means the function's default.
 */
static const struct statement_definition statements[STATEMENT_COUNT] = {
	[STATEMENT_LIST] = {"pstreamd_list",
		"SELECT %s.pstream_list($1::text, $2::text, $3::text[], $4::bigint, "
		"$5::integer, $6::boolean)",
	6, false},
	[STATEMENT_CREATE] = {"pstreamd_create",
		"SELECT %s.pstream_create($1::text, "
		"coalesce(nullif($2::jsonb -> 'attributes', 'null'::jsonb), '{}'::jsonb))",
	2, false},
	[STATEMENT_EDIT] = {"pstreamd_edit",
	"SELECT %s.pstream_edit($1::text, $2::jsonb -> 'attributes')", 2, false},
	[STATEMENT_DROP] = {"pstreamd_drop",
	"SELECT %s.pstream_drop($1::text, $2::boolean)", 2, false},
	[STATEMENT_ADD] = {"pstreamd_add",
	"SELECT %s.pstream_add($1::text, $2::jsonb)", 2, false},
	[STATEMENT_QUERY] = {"pstreamd_query",
		"SELECT %s.pstream_query($1::text, $2::text, $3::text, $4::text[], "
		"$5::text[], $6::text[], $7::bigint, $8::integer, $9::boolean)",
	9, false},
	[STATEMENT_UPDATE] = {"pstreamd_update",
		"SELECT %s.pstream_update($1::text, $2::text, $3::jsonb, $4::text, "
		"$5::boolean)",
	5, false},
	[STATEMENT_DELETE] = {"pstreamd_delete",
		"SELECT %s.pstream_delete($1::text, $2::text, $3::text, $4::boolean)",
	4, false},
	[STATEMENT_METADATA] = {"pstreamd_metadata",
	"SELECT %s.pstream_metadata($1::text, $2::bigint, $3::integer)", 3, false},
	[STATEMENT_STATS] = {"pstreamd_stats",
	"SELECT %s.pstream_stats($1::text, $2::bigint, $3::integer)", 3, false},
	[STATEMENT_PURGE] = {"pstreamd_purge",
	"SELECT pstream, deleted FROM %s.pstream_purge_expired()", 0, false},

	/*
	 * The session functions live in schema pstream whatever the schema of
	 * the extension. expires_at is formatted here as ISO-8601 UTC, so the
	 * server's DateStyle and TimeZone do not matter.
	 */
	[STATEMENT_SESSION_CREATE] = {"pstreamd_session_create",
		"SELECT pg_catalog.to_char(pstream.session_create($1::name, $2::text, "
		"$3::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
	3, true},
	[STATEMENT_SESSION_ROLE] = {"pstreamd_session_role",
	"SELECT pstream.session_role($1::text)", 1, true},
	[STATEMENT_SESSION_END] = {"pstreamd_session_end",
	"SELECT pstream.session_end($1::text)", 1, true},
	[STATEMENT_SESSION_PURGE] = {"pstreamd_session_purge",
	"SELECT pstream.session_purge()", 0, true},
};

static const char set_role_query[] =
"SELECT pg_catalog.set_config('role', $1, true)";

/* Runs after each (re)connect, so a reset keeps the timeout. */
static const char timeout_query[] =
"SELECT pg_catalog.set_config('statement_timeout', $1, false)";

/* Whether the last use of any connection reached the server. */
static bool database_up;

static const char schema_query[] =
"SELECT n.nspname FROM pg_catalog.pg_extension e "
"JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
"WHERE e.extname = 'pstream'";

static struct
{
	pthread_mutex_t lock;
	pthread_cond_t released;	/* signalled when a connection is free */
	struct db_connection *connections;
	int			size;
	int			in_use;			/* connections taken, for the metrics */
	unsigned int acquire_timeout;	/* milliseconds; 0 = no limit */
	unsigned long long acquire_timeouts;	/* waits that timed out */
	char		statement_timeout[16];	/* milliseconds, as text */
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Send server notices (RAISE NOTICE, warnings) to the log, not stdout. */
static void
log_notice(void *arg, const char *message)
{
	struct db_connection *connection = arg;

	log_info("database notice on connection %d: %s", connection->number,
			 message);
}

/* Copy libpq's error message of the connection into outcome. */
static void
fail_connection(struct db_connection *connection, struct db_outcome *outcome)
{
	outcome->ok = false;
	outcome->connection_failed = true;
	snprintf(outcome->message, sizeof(outcome->message), "%s",
			 PQerrorMessage(connection->conn));
	outcome->message[strcspn(outcome->message, "\n")] = '\0';
	connection->prepared = false;
	__atomic_store_n(&database_up, false, __ATOMIC_RELAXED);
}

/*
 * Notice a server that closed an idle connection: its socket is readable
 * (EOF or a FATAL message), and PQconsumeInput then marks it bad.
 */
static void
check_idle_socket(struct db_connection *connection)
{
	struct pollfd socket_poll = {
		.fd = PQsocket(connection->conn),
		.events = POLLIN,
	};

	if (socket_poll.fd < 0 || PQstatus(connection->conn) != CONNECTION_OK)
		return;
	if (poll(&socket_poll, 1, 0) > 0)
		PQconsumeInput(connection->conn);
}

/* Reset the connection if it is broken; false when it is still broken. */
static bool
ensure_connected(struct db_connection *connection, struct db_outcome *outcome)
{
	check_idle_socket(connection);
	if (PQstatus(connection->conn) == CONNECTION_OK)
		return true;

	connection->prepared = false;
	PQreset(connection->conn);
	if (PQstatus(connection->conn) != CONNECTION_OK)
	{
		fail_connection(connection, outcome);
		/* One line per outage and connection, not one per request. */
		if (!connection->failure_logged)
			log_warning("database connection %d failed: %s",
						connection->number, outcome->message);
		connection->failure_logged = true;
		return false;
	}
	log_info("database connection %d reconnected", connection->number);
	connection->failure_logged = false;
	return true;
}

/* Look up the extension's schema and prepare every statement. */
static bool
prepare_statements(struct db_connection *connection,
				   struct db_outcome *outcome)
{
	PGresult   *result;
	char	   *schema;
	const char *timeout_values[] = {pool.statement_timeout};

	result = PQexecParams(connection->conn, timeout_query, 1, NULL,
						  timeout_values, NULL, NULL, 0);
	if (PQresultStatus(result) != PGRES_TUPLES_OK)
	{
		if (PQstatus(connection->conn) != CONNECTION_OK)
			fail_connection(connection, outcome);
		outcome->result = result;
		return false;
	}
	PQclear(result);

	result = PQexec(connection->conn, schema_query);
	if (PQresultStatus(result) != PGRES_TUPLES_OK)
	{
		if (PQstatus(connection->conn) != CONNECTION_OK)
			fail_connection(connection, outcome);
		outcome->result = result;
		return false;
	}
	if (PQntuples(result) == 0)
	{
		PQclear(result);
		snprintf(outcome->message, sizeof(outcome->message),
				 "extension pstream is not installed in the database");
		return false;
	}
	schema = PQescapeIdentifier(connection->conn, PQgetvalue(result, 0, 0),
								strlen(PQgetvalue(result, 0, 0)));
	PQclear(result);
	if (schema == NULL)
	{
		fail_connection(connection, outcome);
		return false;
	}

	/*
	 * A failed earlier attempt may have prepared some statements on this
	 * connection already.
	 */
	PQclear(PQexec(connection->conn, "DEALLOCATE ALL"));

	for (int i = 0; i < STATEMENT_COUNT; i++)
	{
		char		sql[512];

		if (statements[i].unprepared)
			continue;
		snprintf(sql, sizeof(sql), statements[i].sql_format, schema);
		result = PQprepare(connection->conn, statements[i].name, sql,
						   statements[i].parameter_count, NULL);
		if (PQresultStatus(result) != PGRES_COMMAND_OK)
		{
			PQfreemem(schema);
			if (PQstatus(connection->conn) != CONNECTION_OK)
				fail_connection(connection, outcome);
			outcome->result = result;
			return false;
		}
		PQclear(result);
	}
	PQfreemem(schema);
	connection->prepared = true;
	return true;
}

/*
 * The pool's condition variable waits on CLOCK_MONOTONIC, so a change of
 * the wall clock does not shorten or stretch the pool timeout.
 */
static int
init_released_condition(void)
{
	pthread_condattr_t attributes;
	int			error;

	pthread_condattr_init(&attributes);
	error = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
	if (error == 0)
		error = pthread_cond_init(&pool.released, &attributes);
	pthread_condattr_destroy(&attributes);
	return error;
}

int
db_pool_init(const char *conninfo, int size, unsigned int pool_timeout,
			 unsigned int statement_timeout)
{
	/*
	 * The conninfo string goes in the dbname position with expand_dbname,
	 * so it may be a keyword list or a URI; an empty string leaves every
	 * setting to the PG* environment variables.
	 */
	const char *const keywords[] = {
		"dbname", "fallback_application_name", "client_encoding", NULL
	};
	const char *const values[] = {conninfo, "pstreamd", "UTF8", NULL};

	pool.connections = calloc(size, sizeof(struct db_connection));
	if (pool.connections == NULL)
	{
		log_error("out of memory allocating %d database connections", size);
		return -1;
	}
	pool.size = size;
	pool.acquire_timeout = pool_timeout;
	if (init_released_condition() != 0)
	{
		log_error("could not create the condition variable of the database pool");
		return -1;
	}
	snprintf(pool.statement_timeout, sizeof(pool.statement_timeout), "%u",
			 statement_timeout);

	for (int i = 0; i < size; i++)
	{
		struct db_connection *connection = &pool.connections[i];

		connection->number = i + 1;
		connection->conn = PQconnectdbParams(keywords, values, 1);
		if (connection->conn == NULL)
		{
			log_error("out of memory opening database connection %d", i + 1);
			return -1;
		}
		PQsetNoticeProcessor(connection->conn, log_notice, connection);
		if (PQstatus(connection->conn) != CONNECTION_OK)
		{
			char		message[512];

			snprintf(message, sizeof(message), "%s",
					 PQerrorMessage(connection->conn));
			message[strcspn(message, "\n")] = '\0';
			log_warning("database connection %d failed, retrying on use: %s",
						i + 1, message);
			connection->failure_logged = true;
		}
		else
			__atomic_store_n(&database_up, true, __ATOMIC_RELAXED);
	}
	log_info("database pool of %d connections created", size);
	return 0;
}

void
db_pool_close(void)
{
	for (int i = 0; i < pool.size; i++)
		PQfinish(pool.connections[i].conn);
	free(pool.connections);
	pool.connections = NULL;
	pool.size = 0;
	log_info("database pool closed");
}

int
db_cancel_running(void)
{
	int			sent = 0;

	/*
	 * NOTE: the owner thread may be inside PQreset while PQgetCancel reads
	 * the same PGconn. libpq does not promise that this is safe, so this is
	 * used only at shutdown, after the requests had their time to finish.
	 */
	pthread_mutex_lock(&pool.lock);
	for (int i = 0; i < pool.size; i++)
	{
		struct db_connection *connection = &pool.connections[i];
		PGcancel   *cancel;
		char		error[256];

		if (!connection->in_use)
			continue;
		cancel = PQgetCancel(connection->conn);
		if (cancel != NULL && PQcancel(cancel, error, sizeof(error)))
			sent++;
		else
			log_warning("could not cancel the statement on database connection %d: %s",
						connection->number,
						cancel != NULL ? error : "connection is not open");
		PQfreeCancel(cancel);
	}
	pthread_mutex_unlock(&pool.lock);
	return sent;
}

/* Take the first free connection. The caller must hold pool.lock. */
static struct db_connection *
take_free_connection(void)
{
	for (int i = 0; i < pool.size; i++)
	{
		if (!pool.connections[i].in_use)
		{
			pool.connections[i].in_use = true;
			pool.in_use++;
			return &pool.connections[i];
		}
	}
	return NULL;
}

/* Wait up to timeout_ms (0 = no limit) for a free connection. */
static struct db_connection *
acquire_within(unsigned int timeout_ms)
{
	struct db_connection *found;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L)
	{
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&pool.lock);
	while ((found = take_free_connection()) == NULL)
	{
		if (timeout_ms == 0)
			pthread_cond_wait(&pool.released, &pool.lock);
		else if (pthread_cond_timedwait(&pool.released, &pool.lock,
										&deadline) == ETIMEDOUT)
		{
			/* A connection may have been released just at the deadline. */
			found = take_free_connection();
			if (found == NULL)
				pool.acquire_timeouts++;
			break;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return found;
}

struct db_connection *
db_acquire(void)
{
	return acquire_within(pool.acquire_timeout);
}

struct db_connection *
db_acquire_unbounded(void)
{
	return acquire_within(0);
}

unsigned int
db_pool_timeout(void)
{
	return pool.acquire_timeout;
}

unsigned long long
db_pool_timeouts(void)
{
	unsigned long long count;

	pthread_mutex_lock(&pool.lock);
	count = pool.acquire_timeouts;
	pthread_mutex_unlock(&pool.lock);
	return count;
}

void
db_release(struct db_connection *connection)
{
	pthread_mutex_lock(&pool.lock);
	connection->in_use = false;
	pool.in_use--;
	pthread_cond_signal(&pool.released);
	pthread_mutex_unlock(&pool.lock);
}

/* Fill outcome from the result of a statement. */
static void
take_result(struct db_connection *connection, PGresult *result,
			struct db_outcome *outcome)
{
	if (PQstatus(connection->conn) == CONNECTION_OK)
		__atomic_store_n(&database_up, true, __ATOMIC_RELAXED);
	if (result != NULL && PQresultStatus(result) == PGRES_TUPLES_OK)
	{
		outcome->ok = true;
		outcome->result = result;
		return;
	}
	if (PQstatus(connection->conn) != CONNECTION_OK || result == NULL)
	{
		fail_connection(connection, outcome);
		if (!connection->failure_logged)
			log_warning("database connection %d lost: %s", connection->number,
						outcome->message);
		connection->failure_logged = true;
	}
	outcome->ok = false;
	outcome->result = result;
}

void
db_execute(struct db_connection *connection, enum statement statement,
		   const char *const *values, struct db_outcome *outcome)
{
	PGresult   *result;

	memset(outcome, 0, sizeof(*outcome));
	if (!ensure_connected(connection, outcome))
		return;
	if (!connection->prepared && !prepare_statements(connection, outcome))
		return;

	result = PQexecPrepared(connection->conn, statements[statement].name,
							statements[statement].parameter_count, values,
							NULL, NULL, 0);
	take_result(connection, result, outcome);
}

/*
 * Run a command without parameters or result rows (BEGIN, COMMIT,
 * ROLLBACK). Returns false with outcome filled when it failed.
 */
static bool
run_command(struct db_connection *connection, const char *command,
			struct db_outcome *outcome)
{
	PGresult   *result = PQexec(connection->conn, command);

	if (result != NULL && PQresultStatus(result) == PGRES_COMMAND_OK)
	{
		PQclear(result);
		return true;
	}
	take_result(connection, result, outcome);
	outcome->ok = false;
	return false;
}

/* Roll back after a failure, keeping the outcome of the failed step. */
static void
roll_back(struct db_connection *connection)
{
	if (PQstatus(connection->conn) == CONNECTION_OK &&
		PQtransactionStatus(connection->conn) != PQTRANS_IDLE)
		PQclear(PQexec(connection->conn, "ROLLBACK"));
}

void
db_execute_as(struct db_connection *connection, const char *role,
			  enum statement statement, const char *const *values,
			  struct db_outcome *outcome)
{
	const char *role_values[] = {role};
	PGresult   *result;

	if (role == NULL)
	{
		db_execute(connection, statement, values, outcome);
		return;
	}

	memset(outcome, 0, sizeof(*outcome));
	if (!ensure_connected(connection, outcome))
		return;
	if (!connection->prepared && !prepare_statements(connection, outcome))
		return;
	if (!run_command(connection, "BEGIN", outcome))
		return;

	result = PQexecParams(connection->conn, set_role_query, 1, NULL,
						  role_values, NULL, NULL, 0);
	take_result(connection, result, outcome);
	if (!outcome->ok)
	{
		roll_back(connection);
		return;
	}
	PQclear(outcome->result);

	if (statements[statement].unprepared)
		result = PQexecParams(connection->conn,
							  statements[statement].sql_format,
							  statements[statement].parameter_count, NULL,
							  values, NULL, NULL, 0);
	else
		result = PQexecPrepared(connection->conn, statements[statement].name,
								statements[statement].parameter_count,
								values, NULL, NULL, 0);
	take_result(connection, result, outcome);
	if (!outcome->ok)
	{
		roll_back(connection);
		return;
	}

	{
		struct db_outcome commit_outcome;

		memset(&commit_outcome, 0, sizeof(commit_outcome));
		if (!run_command(connection, "COMMIT", &commit_outcome))
		{
			/* A deferred constraint or a lost connection fails the commit. */
			PQclear(outcome->result);
			*outcome = commit_outcome;
		}
	}
}

void
db_ping(struct db_connection *connection, struct db_outcome *outcome)
{
	for (int attempt = 1; attempt <= 2; attempt++)
	{
		memset(outcome, 0, sizeof(*outcome));
		if (!ensure_connected(connection, outcome))
			return;
		take_result(connection, PQexec(connection->conn, "SELECT 1"), outcome);
		if (!outcome->connection_failed)
			return;

		/* The connection broke while idle: reset it once and retry. */
		PQclear(outcome->result);
		outcome->result = NULL;
	}
}

int
db_pool_in_use(void)
{
	int			in_use;

	pthread_mutex_lock(&pool.lock);
	in_use = pool.in_use;
	pthread_mutex_unlock(&pool.lock);
	return in_use;
}

int
db_pool_size(void)
{
	return pool.size;
}

bool
db_is_up(void)
{
	return __atomic_load_n(&database_up, __ATOMIC_RELAXED);
}

unsigned int
db_statement_timeout(void)
{
	return (unsigned int) strtoul(pool.statement_timeout, NULL, 10);
}
