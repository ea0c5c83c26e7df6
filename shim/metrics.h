/*
 * metrics.h
 *      Request counters and latency histogram of pstreamd, served by
 *      GET /metrics in the Prometheus text exposition format.
 */
#ifndef PSTREAMD_METRICS_H
#define PSTREAMD_METRICS_H

#include <stddef.h>

/*
 * Count a finished request. method and route are the static texts of the
 * route table, or both NULL for a request that matched no route. Status 0
 * means that no response was sent.
 */
void		metrics_record(const char *method, const char *route,
						   unsigned int status, double milliseconds);

/*
 * Format every metric into a malloc'd text; NULL when out of memory. The
 * pool and database gauges are read at the time of the call.
 */
char	   *metrics_format(size_t *length);

/* Free the counters; no request may be running. */
void		metrics_free(void);

#endif							/* PSTREAMD_METRICS_H */
