/*
 * errors.h
 *      Mapping of database errors to HTTP error responses.
 */
#ifndef PSTREAMD_ERRORS_H
#define PSTREAMD_ERRORS_H

#include "db.h"
#include "request.h"

/* HTTP status for a SQLSTATE; 500 when the table has no entry for it. */
unsigned int sqlstate_http_status(const char *sqlstate);

/*
 * Set the error response of a failed call: 503 when the database is
 * unreachable, else the status mapped from the SQLSTATE with a detail made
 * of the server's primary message and detail. Unmapped errors get a generic
 * 500 and are logged with their SQLSTATE.
 */
void		respond_database_error(struct request *request,
								   const struct db_outcome *outcome);

/*
 * Set the 503 response of a request that found no free database connection
 * within the pool timeout, with Retry-After, and log it.
 */
void		respond_pool_timeout(struct request *request);

#endif							/* PSTREAMD_ERRORS_H */
