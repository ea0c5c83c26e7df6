/*
 * main.c
 *      pstreamd: the persistent-streams REST API over the pstream extension.
 *
 * Start-up order: options, log destination, signal mask, database pool,
 * purge thread, HTTP daemon. SIGTERM, SIGINT and SIGHUP are blocked in
 * every thread and taken by sigwait in the main thread. SIGHUP reopens the
 * log file. SIGTERM and SIGINT stop accepting connections, let the requests
 * in flight finish for up to --shutdown-timeout seconds, and close the
 * pool. Requests still running after that get their statements canceled:
 * PostgreSQL rolls them back, so a canceled add stores nothing and gets
 * a 503 response. The exit status is 0 once every request got its response,
 * and 1 only when requests had to be abandoned because they did not end
 * even after the cancel. SIGPIPE is ignored: a client that goes away must
 * not end the server.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "purge.h"

/* Seconds that requests get to finish after their statements are canceled. */
#define CANCEL_TIMEOUT 5

/* Wait for SIGTERM or SIGINT, reopening the log on each SIGHUP meanwhile. */
static int
wait_for_stop_signal(const sigset_t *signals)
{
	int			signal_number = 0;

	for (;;)
	{
		if (sigwait(signals, &signal_number) != 0)
			continue;
		if (signal_number != SIGHUP)
			return signal_number;
		log_reopen();
	}
}

/*
 * Let the requests in flight finish, canceling their statements after the
 * shutdown timeout. Returns false when some requests did not end even then.
 */
static bool
drain_requests(unsigned int shutdown_timeout)
{
	int			left;

	http_stop_accepting();
	log_info("stopped accepting connections; waiting up to %u seconds for requests in flight",
			 shutdown_timeout);
	left = http_wait_idle((int) shutdown_timeout);
	if (left == 0)
		return true;

	/*
	 * Closing the sockets alone would not stop a statement that waits for a
	 * lock: PostgreSQL would still run and commit it later.
	 */
	log_warning("%d requests still in flight after %u seconds; canceling their statements",
				left, shutdown_timeout);
	db_cancel_running();
	left = http_wait_idle(CANCEL_TIMEOUT);
	if (left == 0)
		return true;

	/* MHD_stop_daemon would join threads that may never return. */
	log_error("%d requests still in flight after their statements were canceled; exiting without them",
			  left);
	return false;
}

int
main(int argc, char **argv)
{
	struct config config;
	sigset_t	signals;
	int			signal_number;

	switch (config_parse(argc, argv, &config))
	{
		case CONFIG_RUN:
			break;
		case CONFIG_EXIT_OK:
			config_free();
			return EXIT_SUCCESS;
		case CONFIG_EXIT_ERROR:
			config_free();
			return EXIT_FAILURE;
	}
	if (log_configure(config.log_json, config.log_file) < 0)
	{
		config_free();
		return EXIT_FAILURE;
	}

	/* Threads inherit the mask, so only sigwait below receives these signals. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	config_log(&config);
	auth_configure(&config);
	if (db_pool_init(config.conninfo, config.pool_size, config.pool_timeout,
					 config.statement_timeout) < 0)
		return EXIT_FAILURE;
	if (purge_start(config.purge_interval) < 0 || http_start(&config) < 0)
	{
		purge_stop();
		db_pool_close();
		log_close();
		config_free();
		return EXIT_FAILURE;
	}

	signal_number = wait_for_stop_signal(&signals);
	log_info("received %s: stopping",
			 signal_number == SIGTERM ? "SIGTERM" : "SIGINT");

	if (!drain_requests(config.shutdown_timeout))
		return EXIT_FAILURE;

	http_stop();
	purge_stop();
	db_pool_close();
	metrics_free();
	log_info("pstreamd stopped");
	log_close();
	config_free();
	return EXIT_SUCCESS;
}
