/*
 * purge.c
 *      The periodic retention purge of pstreamd.
 *
 * A thread calls pstream_purge_expired() every interval seconds on a pooled
 * connection, so a purge waits for a free connection like a request does.
 * The first purge runs one interval after the start. The function can also
 * be scheduled by other means (pg_cron, say) with --purge-interval=0.
 * With --auth on, the same thread also deletes expired login sessions with
 * pstream.session_purge(), run as pstream_authenticator.
 *
 * pstream_purge_expired() purges only the pstreams that its caller may
 * DELETE from. With --auth off the purge runs as the --db role itself. With
 * --auth on, whose --db role is a NOINHERIT authenticator that may delete
 * nothing by itself, it runs as pstream_admin, so the authenticator must be
 * a member of pstream_admin for retention to work. The log line of a
 * failed purge names that membership.
 */
#include "purge.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "db.h"
#include "log.h"

static pthread_t purge_thread;
static bool running;
static bool stop_requested;		/* protected by lock */
static unsigned int interval;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wakeup;	/* on CLOCK_MONOTONIC, see purge_start */

static void
purge_once(void)
{
	struct db_connection *connection = db_acquire_unbounded();
	struct db_outcome outcome;

	if (auth_enabled())
		db_execute_as(connection, "pstream_admin", STATEMENT_PURGE, NULL, &outcome);
	else
		db_execute(connection, STATEMENT_PURGE, NULL, &outcome);
	db_release(connection);

	if (outcome.ok)
	{
		for (int row = 0; row < PQntuples(outcome.result); row++)
		{
			const char *deleted = PQgetvalue(outcome.result, row, 1);

			if (strcmp(deleted, "0") != 0)
				log_info("retention purge deleted %s records from pstream %s",
						 deleted, PQgetvalue(outcome.result, row, 0));
		}
	}
	else if (outcome.connection_failed)
		log_warning("retention purge skipped: database unreachable: %s",
					outcome.message);
	else if (outcome.result != NULL)
		log_error("retention purge failed with SQLSTATE %s: %s%s",
				  PQresultErrorField(outcome.result, PG_DIAG_SQLSTATE),
				  PQresultErrorField(outcome.result, PG_DIAG_MESSAGE_PRIMARY),
				  auth_enabled() ? "; with --auth=on the purge runs as pstream_admin, "
				  "so grant pstream_admin to the --db role" : "");
	else
		log_error("retention purge failed: %s", outcome.message);
	PQclear(outcome.result);
}

/* Delete the expired login sessions; logs only failures and deletions. */
static void
purge_sessions(void)
{
	struct db_connection *connection = db_acquire_unbounded();
	struct db_outcome outcome;

	db_execute_as(connection, "pstream_authenticator",
				  STATEMENT_SESSION_PURGE, NULL, &outcome);
	db_release(connection);

	if (outcome.ok && PQntuples(outcome.result) == 1 &&
		strcmp(PQgetvalue(outcome.result, 0, 0), "0") != 0)
		log_info("session purge deleted %s expired sessions",
				 PQgetvalue(outcome.result, 0, 0));
	else if (!outcome.ok && outcome.result != NULL)
		log_error("session purge failed with SQLSTATE %s: %s",
				  PQresultErrorField(outcome.result, PG_DIAG_SQLSTATE),
				  PQresultErrorField(outcome.result, PG_DIAG_MESSAGE_PRIMARY));
	else if (!outcome.ok)
		log_warning("session purge skipped: %s", outcome.message);
	PQclear(outcome.result);
}

static void *
purge_loop(void *argument)
{
	(void) argument;
	pthread_mutex_lock(&lock);
	while (!stop_requested)
	{
		struct timespec deadline;
		int			wait_result = 0;

		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += interval;
		while (!stop_requested && wait_result != ETIMEDOUT)
			wait_result = pthread_cond_timedwait(&wakeup, &lock, &deadline);
		if (stop_requested)
			break;

		pthread_mutex_unlock(&lock);
		purge_once();
		if (auth_enabled())
			purge_sessions();
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
purge_start(unsigned int interval_seconds)
{
	pthread_condattr_t attributes;
	int			error;

	if (interval_seconds == 0)
	{
		log_info("retention purge disabled");
		return 0;
	}

	interval = interval_seconds;
	pthread_condattr_init(&attributes);
	pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
	pthread_cond_init(&wakeup, &attributes);
	pthread_condattr_destroy(&attributes);

	error = pthread_create(&purge_thread, NULL, purge_loop, NULL);
	if (error != 0)
	{
		log_error("could not start the retention purge thread: %s",
				  strerror(error));
		return -1;
	}
	running = true;
	log_info("retention purge every %u seconds", interval_seconds);
	return 0;
}

void
purge_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stop_requested = true;
	pthread_cond_signal(&wakeup);
	pthread_mutex_unlock(&lock);
	pthread_join(purge_thread, NULL);
	running = false;
}
