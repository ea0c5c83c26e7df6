/*
 * main.c
 *      pstreamd: the persistent-streams REST API over the pstream extension.
 *
 * Start-up order: options, signal mask, database pool, purge thread, HTTP
 * daemon. SIGTERM and SIGINT are blocked in every thread and taken by
 * sigwait in the main thread, which then stops accepting connections, lets
 * the requests in flight finish, and closes the pool. The statements of
 * requests still running after DRAIN_TIMEOUT seconds are canceled, and the
 * exit status is then 1. SIGPIPE is ignored: a client that goes away must not end the
 * server.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "purge.h"

/* Seconds that requests in flight get to finish at shutdown. */
#define DRAIN_TIMEOUT 30

/* Seconds that requests get to finish after their statements are canceled. */
#define CANCEL_TIMEOUT 5

int
main(int argc, char **argv)
{
	struct config config;
	sigset_t	stop_signals;
	int			signal_number = 0;
	int			left;
	int			exit_status = EXIT_SUCCESS;

	switch (config_parse(argc, argv, &config))
	{
		case CONFIG_RUN:
			break;
		case CONFIG_EXIT_OK:
			return EXIT_SUCCESS;
		case CONFIG_EXIT_ERROR:
			return EXIT_FAILURE;
	}

	/* Threads inherit the mask, so only sigwait below receives these signals. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("pstreamd %s starting with a pool of %d connections, maximum body %zu bytes",
			 PSTREAMD_VERSION, config.pool_size, config.max_body);
	if (db_pool_init(config.conninfo, config.pool_size) < 0)
		return EXIT_FAILURE;
	if (purge_start(config.purge_interval) < 0 || http_start(&config) < 0)
	{
		purge_stop();
		db_pool_close();
		return EXIT_FAILURE;
	}

	sigwait(&stop_signals, &signal_number);
	log_info("received %s: stopping",
			 signal_number == SIGTERM ? "SIGTERM" : "SIGINT");

	http_stop_accepting();
	log_info("stopped accepting connections; waiting up to %d seconds for requests in flight",
			 DRAIN_TIMEOUT);
	left = http_wait_idle(DRAIN_TIMEOUT);
	if (left > 0)
	{
		/*
		 * Closing the sockets alone would not stop a statement that waits
		 * for a lock: PostgreSQL would still run and commit it later.
		 */
		log_warning("%d requests still in flight after %d seconds; canceling their statements",
					left, DRAIN_TIMEOUT);
		db_cancel_running();
		exit_status = EXIT_FAILURE;
		left = http_wait_idle(CANCEL_TIMEOUT);
	}
	if (left > 0)
	{
		/* MHD_stop_daemon would join threads that may never return. */
		log_error("%d requests still in flight after their statements were canceled; exiting without them",
				  left);
		return EXIT_FAILURE;
	}

	http_stop();
	purge_stop();
	db_pool_close();
	log_info("pstreamd stopped");
	return exit_status;
}
