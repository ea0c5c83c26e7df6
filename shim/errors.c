/*
 * errors.c
 *      Mapping of database errors to HTTP error responses.
 *
 * The one SQLSTATE-to-HTTP table of pstreamd. Error bodies are
 * {"detail": "<primary message>[: <detail>]"} built from
 * PG_DIAG_MESSAGE_PRIMARY and PG_DIAG_MESSAGE_DETAIL only: the CONTEXT and
 * the SQL text never reach the client, because they show internals.
 */
#include "errors.h"

#include <string.h>

#include "log.h"

struct sqlstate_mapping
{
	/* a full SQLSTATE, or a two-character class */
	const char *code;
	unsigned int status;
};

/* Full codes come before the class entries that would also match them. */
static const struct sqlstate_mapping sqlstate_table[] = {
	{"42P01", 404},				/* undefined_table: no such pstream */
	{"42710", 409},				/* duplicate_object: pstream exists */
	{"23505", 409},				/* unique_violation */
	{"55P03", 409},				/* lock_not_available */
	{"40001", 409},				/* serialization_failure */
	{"42601", 400},				/* syntax_error */
	{"2201B", 400},				/* invalid_regular_expression */
	{"0A000", 422},				/* feature_not_supported: group_by, aggs */
	{"42501", 403},				/* insufficient_privilege */
	{"57014", 503},				/* query_canceled: statement_timeout */
	{"57P01", 503},				/* admin_shutdown */
	{"57P02", 503},				/* crash_shutdown */
	{"57P03", 503},				/* cannot_connect_now */
	{"53300", 503},				/* too_many_connections */
	{"22", 422},				/* data_exception */
	{"28", 401},				/* invalid_authorization_specification */
	{"08", 503},				/* connection_exception */
};

unsigned int
sqlstate_http_status(const char *sqlstate)
{
	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return 500;

	for (size_t i = 0; i < sizeof(sqlstate_table) / sizeof(sqlstate_table[0]); i++)
	{
		const char *code = sqlstate_table[i].code;

		if (strncmp(sqlstate, code, strlen(code)) == 0)
			return sqlstate_table[i].status;
	}
	return 500;
}

void
respond_database_error(struct request *request,
					   const struct db_outcome *outcome)
{
	const PGresult *result = outcome->result;
	const char *sqlstate;
	const char *primary;
	const char *detail;
	unsigned int status;

	if (outcome->connection_failed)
	{
		request_set_error(request, 503, "database unreachable: %s",
						  outcome->message);
		return;
	}
	if (result == NULL)
	{
		log_message(LOG_LEVEL_ERROR, request->id, "database call failed: %s",
					outcome->message);
		request_set_error(request, 500,
						  "internal server error; the server log has the cause under request id %s",
						  request->id);
		return;
	}

	sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
	primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
	detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
	if (primary == NULL)
		primary = "unknown database error";

	status = sqlstate_http_status(sqlstate);
	if (status == 500)
	{
		log_message(LOG_LEVEL_ERROR, request->id,
					"database error with unmapped SQLSTATE %s: %s",
					sqlstate ? sqlstate : "(none)", primary);
		request_set_error(request, 500,
						  "internal server error; the server log has the cause under request id %s",
						  request->id);
		return;
	}

	if (strcmp(sqlstate, "57014") == 0)
	{
		log_message(LOG_LEVEL_WARNING, request->id,
					"statement canceled (SQLSTATE 57014): %s", primary);
		if (db_statement_timeout() > 0)
			request_set_error(request, 503,
							  "the statement timed out after %u ms (statement-timeout) and was canceled; nothing was changed",
							  db_statement_timeout());
		else
			request_set_error(request, 503,
							  "the statement was canceled by the database server; nothing was changed");
		return;
	}
	if (status == 503)
		log_message(LOG_LEVEL_WARNING, request->id,
					"database unavailable (SQLSTATE %s): %s", sqlstate, primary);
	else
		log_message(LOG_LEVEL_INFO, request->id,
					"database error (SQLSTATE %s), sent %u", sqlstate, status);

	if (detail != NULL)
		request_set_error(request, status, "%s. %s", primary, detail);
	else
		request_set_error(request, status, "%s", primary);
}

void
respond_pool_timeout(struct request *request)
{
	log_message(LOG_LEVEL_WARNING, request->id,
				"no free database connection within %u ms (pool-timeout): all %d are in use",
				db_pool_timeout(), db_pool_size());
	request_set_error(request, 503,
					  "the server is busy: all %d database connections stayed in use for %u ms (pool-timeout); retry later",
					  db_pool_size(), db_pool_timeout());
	request->retry_after = 1;
}
