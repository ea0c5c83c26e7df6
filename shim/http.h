/*
 * http.h
 *      The libmicrohttpd daemon of pstreamd and its request lifecycle.
 */
#ifndef PSTREAMD_HTTP_H
#define PSTREAMD_HTTP_H

#include <stdbool.h>

#include "config.h"

/* Start listening; logs the cause and returns -1 on failure. */
int			http_start(const struct config *config);

/* Stop accepting connections; requests in flight go on. */
void		http_stop_accepting(void);

/*
 * Wait until no request is in flight, at most timeout_seconds; returns the
 * number of requests still in flight.
 */
int			http_wait_idle(int timeout_seconds);

/* Stop the daemon, closing every connection that is left. */
void		http_stop(void);

#endif							/* PSTREAMD_HTTP_H */
