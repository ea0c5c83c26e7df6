/*
 * metrics.c
 *      Request counters and latency histogram of pstreamd.
 *
 * Counters are kept per (route, status) in a small list under one mutex:
 * the route table has a dozen entries and a route returns a handful of
 * statuses, so the list stays short and a linear search is cheap next to
 * the SQL call of a request. The latency histogram covers every request,
 * with bucket bounds in seconds as Prometheus conventions ask.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Upper bounds of the latency buckets, in seconds; +Inf is implicit. */
static const double bucket_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
};

#define BUCKET_COUNT (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct request_counter
{
	struct request_counter *next;
	const char *method;			/* static texts of the route table */
	const char *route;
	unsigned int status;
	unsigned long long count;
};

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct request_counter *counters;
static unsigned long long bucket_counts[BUCKET_COUNT];
static unsigned long long duration_count;
static double duration_sum;		/* seconds */

void
metrics_record(const char *method, const char *route, unsigned int status,
			   double milliseconds)
{
	struct request_counter *counter;
	double		seconds = milliseconds / 1000.0;

	if (route == NULL)
	{
		method = "";
		route = "unmatched";
	}

	pthread_mutex_lock(&metrics_lock);
	for (counter = counters; counter != NULL; counter = counter->next)
	{
		if (counter->status == status && strcmp(counter->route, route) == 0 &&
			strcmp(counter->method, method) == 0)
			break;
	}
	if (counter == NULL && (counter = calloc(1, sizeof(*counter))) != NULL)
	{
		counter->method = method;
		counter->route = route;
		counter->status = status;
		counter->next = counters;
		counters = counter;
	}
	if (counter != NULL)
		counter->count++;

	for (size_t i = 0; i < BUCKET_COUNT; i++)
	{
		if (seconds <= bucket_bounds[i])
			bucket_counts[i]++;
	}
	duration_count++;
	duration_sum += seconds;
	pthread_mutex_unlock(&metrics_lock);
}

/* A growing text buffer; failed is set when memory ran out. */
struct text
{
	char	   *data;
	size_t		length;
	size_t		capacity;
	int			failed;
};

static void
append_format(struct text *text, const char *format,...)
	__attribute__((format(printf, 2, 3)));

static void
append_format(struct text *text, const char *format,...)
{
	va_list		args;
	int			needed;

	if (text->failed)
		return;
	for (;;)
	{
		size_t		room = text->capacity - text->length;

		va_start(args, format);
		needed = vsnprintf(text->data ? text->data + text->length : NULL,
						   room, format, args);
		va_end(args);
		if (needed < 0)
		{
			text->failed = 1;
			return;
		}
		if ((size_t) needed < room)
		{
			text->length += (size_t) needed;
			return;
		}
		{
			size_t		capacity = (text->capacity + (size_t) needed + 1) * 2;
			char	   *grown = realloc(text->data, capacity);

			if (grown == NULL)
			{
				text->failed = 1;
				return;
			}
			text->data = grown;
			text->capacity = capacity;
		}
	}
}

char *
metrics_format(size_t *length)
{
	struct text text = {0};
	unsigned long long cumulative_total;

	append_format(&text,
				  "# HELP pstreamd_requests_total HTTP requests answered, by route and status.\n"
				  "# TYPE pstreamd_requests_total counter\n");

	pthread_mutex_lock(&metrics_lock);
	for (struct request_counter *c = counters; c != NULL; c = c->next)
		append_format(&text,
					  "pstreamd_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
					  c->method, c->route, c->status, c->count);

	append_format(&text,
				  "# HELP pstreamd_request_duration_seconds Time from request line to response.\n"
				  "# TYPE pstreamd_request_duration_seconds histogram\n");
	for (size_t i = 0; i < BUCKET_COUNT; i++)
		append_format(&text,
					  "pstreamd_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
					  bucket_bounds[i], bucket_counts[i]);
	cumulative_total = duration_count;
	append_format(&text,
				  "pstreamd_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
				  "pstreamd_request_duration_seconds_sum %.6f\n"
				  "pstreamd_request_duration_seconds_count %llu\n",
				  cumulative_total, duration_sum, duration_count);
	pthread_mutex_unlock(&metrics_lock);

	append_format(&text,
				  "# HELP pstreamd_pool_connections_in_use Database connections taken by requests.\n"
				  "# TYPE pstreamd_pool_connections_in_use gauge\n"
				  "pstreamd_pool_connections_in_use %d\n"
				  "# HELP pstreamd_pool_connections Database connections of the pool.\n"
				  "# TYPE pstreamd_pool_connections gauge\n"
				  "pstreamd_pool_connections %d\n"
				  "# HELP pstreamd_pool_timeouts_total Requests that found no free database connection within --pool-timeout.\n"
				  "# TYPE pstreamd_pool_timeouts_total counter\n"
				  "pstreamd_pool_timeouts_total %llu\n"
				  "# HELP pstreamd_database_up Whether the last database call reached the server (1) or not (0).\n"
				  "# TYPE pstreamd_database_up gauge\n"
				  "pstreamd_database_up %d\n",
				  db_pool_in_use(), db_pool_size(), db_pool_timeouts(),
				  db_is_up() ? 1 : 0);

	if (text.failed)
	{
		free(text.data);
		return NULL;
	}
	*length = text.length;
	return text.data;
}

void
metrics_free(void)
{
	pthread_mutex_lock(&metrics_lock);
	while (counters != NULL)
	{
		struct request_counter *next = counters->next;

		free(counters);
		counters = next;
	}
	pthread_mutex_unlock(&metrics_lock);
}
