/*
 * request.c
 *      Per-request state of pstreamd and the helpers that set its response.
 *
 * The path is split into segments before percent-decoding, so "%2F" stays
 * inside a segment (and makes a pstream name invalid) instead of becoming a
 * separator. libmicrohttpd 0.9.75 decodes the URL before it calls the access
 * handler, so the split works on the raw URI passed to the URI log callback.
 */
#include "request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

/* Maximum length of a request value quoted in an error detail. */
#define PRINTABLE_MAX 300

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode text[0..length) in place and return the decoded length.
 * An invalid escape such as "%zz" stays as it is.
 */
static size_t
percent_decode(char *text, size_t length)
{
	size_t		in = 0;
	size_t		out = 0;

	while (in < length)
	{
		if (text[in] == '%' && in + 2 < length &&
			hex_value(text[in + 1]) >= 0 && hex_value(text[in + 2]) >= 0)
		{
			text[out++] = (char) (hex_value(text[in + 1]) * 16 +
								  hex_value(text[in + 2]));
			in += 3;
		}
		else
			text[out++] = text[in++];
	}
	return out;
}

/*
 * Split the raw path into percent-decoded segments. "/a/b%2Fc" gives "a"
 * and "b/c". A path that does not start with "/" gives no segments.
 */
static void
split_path(struct request *request)
{
	char	   *cursor;

	request->segment_count = 0;
	if (request->path_buffer[0] != '/')
		return;

	cursor = request->path_buffer + 1;
	for (;;)
	{
		char	   *slash = strchr(cursor, '/');
		size_t		length = slash ? (size_t) (slash - cursor) : strlen(cursor);

		if (request->segment_count == MAX_PATH_SEGMENTS)
		{
			request->path_too_long = true;
			return;
		}
		request->segments[request->segment_count].text = cursor;
		request->segments[request->segment_count].length =
			percent_decode(cursor, length);
		request->segment_count++;

		if (slash == NULL)
			return;
		cursor = slash + 1;
	}
}

static void
new_request_id(char *id)
{
	unsigned char random_bytes[REQUEST_ID_LENGTH / 2];
	static unsigned long fallback_counter;

	if (getrandom(random_bytes, sizeof(random_bytes), 0) !=
		(ssize_t) sizeof(random_bytes))
	{
		/*
		 * getrandom(2) does not fail for up to 256 bytes once the entropy
		 * pool is initialized. A counter keeps ids distinct if it does.
		 */
		unsigned long n = __atomic_add_fetch(&fallback_counter, 1,
											 __ATOMIC_RELAXED);

		memcpy(random_bytes, &n, sizeof(random_bytes) < sizeof(n) ?
			   sizeof(random_bytes) : sizeof(n));
	}
	for (size_t i = 0; i < sizeof(random_bytes); i++)
		sprintf(id + 2 * i, "%02x", random_bytes[i]);
}

struct request *
request_new(const char *raw_uri)
{
	struct request *request = calloc(1, sizeof(*request));
	size_t		path_length;

	if (request == NULL)
		return NULL;

	new_request_id(request->id);
	clock_gettime(CLOCK_MONOTONIC, &request->started);

	path_length = strcspn(raw_uri, "?");
	request->raw_uri = strdup(raw_uri);
	request->raw_path = strndup(raw_uri, path_length);
	request->path_buffer = strndup(raw_uri, path_length);
	if (request->raw_uri == NULL || request->raw_path == NULL ||
		request->path_buffer == NULL)
	{
		request_free(request);
		return NULL;
	}

	split_path(request);
	return request;
}

void
request_free(struct request *request)
{
	if (request == NULL)
		return;
	free(request->raw_uri);
	free(request->raw_path);
	free(request->path_buffer);
	free(request->body);
	json_decref(request->json_body);
	free(request->sort_literal);
	free(request->group_by_literal);
	free(request->aggs_literal);
	free(request->response_body);
	free(request->set_cookie);
	explicit_bzero(request->session_token, sizeof(request->session_token));
	free(request);
}

double
request_elapsed_ms(const struct request *request)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - request->started.tv_sec) * 1000.0 +
		(now.tv_nsec - request->started.tv_nsec) / 1e6;
}

void
request_set_json(struct request *request, unsigned int status, char *body,
				 size_t length)
{
	free(request->response_body);
	request->status = status;
	request->response_body = body;
	request->response_length = length;
}

/*
 * Encode {"detail": detail}. A detail that is not valid UTF-8 (a server
 * message in another encoding, say) gets its non-ASCII bytes replaced by
 * '?', because JSON text must be UTF-8.
 */
static char *
encode_detail(const char *detail)
{
	json_t	   *object;
	char	   *text;

	object = json_pack("{s:s}", "detail", detail);
	if (object == NULL)
	{
		char	   *ascii = strdup(detail);

		if (ascii == NULL)
			return NULL;
		for (char *p = ascii; *p; p++)
			if ((unsigned char) *p >= 0x80)
				*p = '?';
		object = json_pack("{s:s}", "detail", ascii);
		free(ascii);
		if (object == NULL)
			return NULL;
	}
	text = json_dumps(object, JSON_COMPACT);
	json_decref(object);
	return text;
}

void
request_set_error(struct request *request, unsigned int status,
				  const char *format,...)
{
	va_list		args;
	char		detail[2048];
	char	   *body;

	va_start(args, format);
	vsnprintf(detail, sizeof(detail), format, args);
	va_end(args);

	body = encode_detail(detail);
	if (body == NULL)
	{
		log_message(LOG_LEVEL_ERROR, request->id,
					"out of memory while building an error response");
		request_set_json(request, 500, NULL, 0);
		return;
	}
	request_set_json(request, status, body, strlen(body));
}

bool
request_has_response(const struct request *request)
{
	return request->status != 0;
}

enum MHD_Result
request_queue_response(struct request *request)
{
	struct MHD_Response *response;
	enum MHD_Result result;

	if (request->response_body == NULL)
	{
		static const char internal_error[] =
			"{\"detail\":\"internal server error\"}";

		request->status = request->status ? request->status : 500;
		request->response_body = strdup(internal_error);
		request->response_length = request->response_body ?
			strlen(request->response_body) : 0;
	}

	/* MHD takes ownership of the body and frees it after sending. */
	response = MHD_create_response_from_buffer(request->response_length,
											   request->response_body,
											   MHD_RESPMEM_MUST_FREE);
	if (response == NULL)
		return MHD_NO;
	request->response_body = NULL;
	request->bytes_sent = request->response_length;

	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
							request->content_type ? request->content_type :
							"application/json");
	MHD_add_response_header(response, "X-Request-Id", request->id);
	if (request->allow[0] != '\0')
		MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW,
								request->allow);
	if (request->www_authenticate)
		MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
								"Bearer");
	/*
	 * Every 503 (database unreachable, pool timeout, statement timeout)
	 * sends Retry-After, of one second unless the route set more.
	 */
	if (request->status == 503 && request->retry_after == 0)
		request->retry_after = 1;
	if (request->retry_after > 0)
	{
		char		seconds[16];

		snprintf(seconds, sizeof(seconds), "%u", request->retry_after);
		MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
								seconds);
	}
	if (request->set_cookie != NULL)
		MHD_add_response_header(response, MHD_HTTP_HEADER_SET_COOKIE,
								request->set_cookie);

	result = MHD_queue_response(request->connection, request->status,
								response);
	MHD_destroy_response(response);
	request->queued = (result == MHD_YES);
	return result;
}

void
format_printable(char *buffer, size_t size, const char *value, size_t length)
{
	size_t		out = 0;

	for (size_t i = 0; i < length; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (out + 8 >= size || i >= PRINTABLE_MAX)
		{
			snprintf(buffer + out, size - out, "...");
			return;
		}
		if (c >= 0x20 && c < 0x7f)
			buffer[out++] = (char) c;
		else
			out += snprintf(buffer + out, size - out, "%%%02X", c);
	}
	buffer[out] = '\0';
}
