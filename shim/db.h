/*
 * db.h
 *      The libpq connection pool of pstreamd and its prepared statements.
 */
#ifndef PSTREAMD_DB_H
#define PSTREAMD_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* The SQL calls of pstreamd; each is prepared once per connection. */
enum statement
{
	STATEMENT_LIST,
	STATEMENT_CREATE,
	STATEMENT_EDIT,
	STATEMENT_DROP,
	STATEMENT_ADD,
	STATEMENT_QUERY,
	STATEMENT_UPDATE,
	STATEMENT_DELETE,
	STATEMENT_METADATA,
	STATEMENT_STATS,
	STATEMENT_PURGE,
	STATEMENT_SESSION_CREATE,
	STATEMENT_SESSION_ROLE,
	STATEMENT_SESSION_END,
	STATEMENT_SESSION_PURGE,
	STATEMENT_COUNT
};

struct db_connection;

/*
 * Outcome of a call: a result (PGRES_TUPLES_OK), or an error with the
 * server's error result. The error result is NULL when the connection
 * failed before the server sent one. The caller clears result.
 */
struct db_outcome
{
	PGresult   *result;
	bool		ok;
	bool		connection_failed;	/* database unreachable */
	char		message[512];	/* libpq's message when connection_failed */
};

/*
 * Create the pool and try to open its connections. A database that is down
 * is not fatal: connections are opened again on use. statement_timeout (in
 * milliseconds, 0 for none) is set on every connection after each connect.
 * pool_timeout is how long db_acquire waits for a free connection, in
 * milliseconds, 0 for no limit.
 */
int			db_pool_init(const char *conninfo, int size,
						 unsigned int pool_timeout,
						 unsigned int statement_timeout);

/* Number of connections taken by requests (and the purge) right now. */
int			db_pool_in_use(void);

/* Number of connections of the pool. */
int			db_pool_size(void);

/*
 * Whether the database replied on the last use of a connection: false
 * after a failed connect or a lost connection, true after any reply.
 */
bool		db_is_up(void);

/* The statement_timeout of every connection, in milliseconds; 0 = none. */
unsigned int db_statement_timeout(void);

/* Close every connection; no connection may be in use. */
void		db_pool_close(void);

/*
 * Send a cancel request for the statement running on each connection in
 * use; returns the number of requests sent. For shutdown only.
 */
int			db_cancel_running(void);

/*
 * Take a connection for a request, waiting up to the pool timeout for one
 * to be free. Returns NULL when the wait timed out.
 */
struct db_connection *db_acquire(void);

/* Take a connection, waiting without a limit, for the background purge. */
struct db_connection *db_acquire_unbounded(void);

/* The pool timeout in milliseconds, 0 for no limit. */
unsigned int db_pool_timeout(void);

/* Number of db_acquire calls that timed out since the start. */
unsigned long long db_pool_timeouts(void);

/* Give a connection back to the pool. */
void		db_release(struct db_connection *connection);

/*
 * Run a prepared statement with text parameters (NULL for SQL NULL). The
 * connection is reset first when it is broken, and the statements are
 * prepared first when they are not yet.
 */
void		db_execute(struct db_connection *connection,
					   enum statement statement, const char *const *values,
					   struct db_outcome *outcome);

/*
 * Run a prepared statement as role, in a transaction of its own: BEGIN,
 * SET LOCAL ROLE (through set_config, with the role as a bound parameter),
 * the statement, then COMMIT when it succeeded and ROLLBACK otherwise. So
 * the role's privileges decide, and the role ends with the transaction.
 * A NULL role runs db_execute.
 */
void		db_execute_as(struct db_connection *connection, const char *role,
						  enum statement statement, const char *const *values,
						  struct db_outcome *outcome);

/* Run "SELECT 1", resetting the connection once when it is broken. */
void		db_ping(struct db_connection *connection,
					struct db_outcome *outcome);

#endif							/* PSTREAMD_DB_H */
