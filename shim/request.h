/*
 * request.h
 *      Per-request state of pstreamd and the helpers that set its response.
 *
 * A struct request is allocated when libmicrohttpd reports the request line
 * (the URI log callback) and released by the completion callback. It owns
 * every buffer and json_t of the request: the raw URI, the split path, the
 * body, the parsed body, and the response until it is queued.
 */
#ifndef PSTREAMD_REQUEST_H
#define PSTREAMD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#define REQUEST_ID_LENGTH 16

/* No route has more segments; longer paths cannot match any. */
#define MAX_PATH_SEGMENTS 8

struct route;

/* One percent-decoded path segment; text may contain NUL bytes. */
struct segment
{
	const char *text;
	size_t		length;
};

struct request
{
	char		id[REQUEST_ID_LENGTH + 1];
	struct timespec started;	/* CLOCK_MONOTONIC */
	struct MHD_Connection *connection;
	const char *method;			/* owned by libmicrohttpd */

	/* request target as sent, before percent-decoding */
	char	   *raw_uri;
	/* raw path: raw_uri up to '?', for the access log */
	char	   *raw_path;
	/* decoded copy of the path, cut into segments */
	char	   *path_buffer;
	struct segment segments[MAX_PATH_SEGMENTS];
	int			segment_count;
	bool		path_too_long;

	const struct route *route;

	/* session of the request when --auth is on; "" when there is none */
	char		session_token[80];	/* never logged */
	char		session_role[64];	/* NAMEDATALEN */

	/* the validated {name} segment, if the route has one */
	char		pstream_name[256];

	bool		headers_done;	/* the first access handler call is over */
	char	   *body;			/* NUL-terminated request body */
	size_t		body_length;
	size_t		body_capacity;
	bool		body_too_large;
	json_t	   *json_body;		/* parsed body, when the route parses it */
	char	   *sort_literal;	/* text[] literal of the "sort" parameters */
	char	   *group_by_literal;	/* text[] literal of "group_by" */
	char	   *aggs_literal;	/* text[] literal of the aggregates */

	/* response, kept until it is queued */
	unsigned int status;
	char	   *response_body;
	size_t		response_length;
	char		allow[64];		/* Allow header of a 405, or "" */
	const char *content_type;	/* static text; NULL is application/json */
	bool		www_authenticate;	/* send WWW-Authenticate: Bearer */
	unsigned int retry_after;	/* seconds for Retry-After; 0 = none */
	char	   *set_cookie;		/* Set-Cookie header value, or NULL */
	bool		queued;
	size_t		bytes_sent;		/* body size of the queued response */
};

/* Allocate a request for raw_uri with a fresh request id; NULL on ENOMEM. */
struct request *request_new(const char *raw_uri);

/* Release the request and everything it owns. */
void		request_free(struct request *request);

/* Milliseconds since the request line arrived. */
double		request_elapsed_ms(const struct request *request);

/* Set a JSON response; the request takes ownership of body (malloc'd). */
void		request_set_json(struct request *request, unsigned int status,
							 char *body, size_t length);

/* Set an error response {"detail": ...} with a printf-style detail. */
void		request_set_error(struct request *request, unsigned int status,
							  const char *format,...)
			__attribute__((format(printf, 3, 4)));

/* Whether a response is set. */
bool		request_has_response(const struct request *request);

/*
 * Queue the response that is set (a 500 when none is) on the connection;
 * returns the MHD result of MHD_queue_response.
 */
enum MHD_Result request_queue_response(struct request *request);

/*
 * Format a value from the request for an error detail: bytes outside
 * printable ASCII become %XX, and long values are cut with "...".
 */
void		format_printable(char *buffer, size_t size, const char *value,
							 size_t length);

#endif							/* PSTREAMD_REQUEST_H */
