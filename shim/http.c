/*
 * http.c
 *      The libmicrohttpd daemon of pstreamd and its request lifecycle.
 *
 * Threading: one thread per connection (MHD_USE_THREAD_PER_CONNECTION).
 * A request keeps its thread busy for the whole SQL call, which may wait on
 * locks or scan a large table. With a thread per connection, such a request
 * blocks only its own connection. In a thread pool it would also block the
 * other connections that its pool thread serves. The connection pool
 * bounds the concurrency towards PostgreSQL separately, --max-connections
 * bounds the number of threads, and --connection-timeout frees the thread
 * of a client that connects and sends nothing.
 *
 * Lifecycle of a request, all owned by one struct request:
 * 1. The URI log callback gets the raw request line target and allocates
 *    the request. That is where the path is split, before libmicrohttpd
 *    percent-decodes it.
 * 2. The first access handler call (headers received) routes the request
 *    and checks Content-Type and Content-Length. A 404, 405, 415, 413 or
 *    422 is queued at once, and libmicrohttpd then skips the body.
 * 3. Further calls collect the body, up to --max-body bytes, into one
 *    buffer allocated at the Content-Length when the request has one
 *    (body_capacity_for).
 * 4. The last call (no more data) runs the route's handler and queues its
 *    response.
 * 5. The completion callback writes the access log line and frees the
 *    request.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "routes.h"

/*
 * Per-connection memory of libmicrohttpd, in bytes. The request line and
 * headers must fit in it, and request lines of at least 256 KiB (long
 * CFXQL queries in the URL) must be accepted.
 */
#define CONNECTION_MEMORY_LIMIT (1024 * 1024)

static struct MHD_Daemon *daemon_handle;

/* PEM text of --tls-cert and --tls-key; libmicrohttpd keeps pointers. */
static char *tls_cert_pem;
static char *tls_key_pem;
static size_t max_body;
static unsigned int request_timeout;	/* seconds */
static int	requests_in_flight;	/* changed with __atomic builtins */

static void
log_from_mhd(void *closure, const char *format, va_list args)
{
	(void) closure;
	log_message_v(LOG_LEVEL_WARNING, NULL, format, args);
}

/* URI log callback: the request starts here, with the raw URI. */
static void *
begin_request(void *closure, const char *uri, struct MHD_Connection *connection)
{
	struct request *request = request_new(uri);

	(void) closure;
	if (request == NULL)
		log_error("out of memory allocating a request");
	else
	{
		request->connection = connection;
		__atomic_add_fetch(&requests_in_flight, 1, __ATOMIC_SEQ_CST);
	}
	return request;
}

/*
 * Whether the Content-Type is application/json, optionally with parameters
 * such as "; charset=utf-8".
 */
static bool
is_json_content_type(const char *value)
{
	static const char json_type[] = "application/json";
	size_t		length = sizeof(json_type) - 1;

	if (value == NULL)
		return false;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, json_type, length) != 0)
		return false;
	value += length;
	while (*value == ' ' || *value == '\t')
		value++;
	return *value == '\0' || *value == ';';
}

/* Count the Content-Length headers of a request. */
static enum MHD_Result
count_content_length(void *closure, enum MHD_ValueKind kind, const char *key,
					 const char *value)
{
	int		   *count = closure;

	(void) kind;
	(void) value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		(*count)++;
	return MHD_YES;
}

/*
 * Check what the headers alone decide: route, pstream name, Content-Type
 * and a Content-Length over the maximum. Returns false with a response set.
 */
static bool
check_headers(struct request *request)
{
	const char *content_type;
	const char *content_length;
	int			content_length_count = 0;

	/*
	 * libmicrohttpd 0.9.75 reads the body by the first of several
	 * Content-Length headers, and a proxy in front may pick another, so
	 * such a request is rejected rather than read by a guess.
	 */
	MHD_get_connection_values(request->connection, MHD_HEADER_KIND,
							  count_content_length, &content_length_count);
	if (content_length_count > 1)
	{
		request_set_error(request, 400,
						  "invalid request: %d Content-Length headers; send exactly one",
						  content_length_count);
		return false;
	}

	if (!route_request(request))
		return false;
	if (auth_enabled() && request->route->needs_session &&
		!auth_check_session(request))
		return false;

	content_type = MHD_lookup_connection_value(request->connection,
											   MHD_HEADER_KIND,
											   MHD_HTTP_HEADER_CONTENT_TYPE);
	if (request->route->json_body && !is_json_content_type(content_type))
	{
		request_set_error(request, 415,
						  "unsupported content type \"%s\": the request body must be application/json",
						  content_type ? content_type : "(none)");
		return false;
	}

	content_length = MHD_lookup_connection_value(request->connection,
												 MHD_HEADER_KIND,
												 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (content_length != NULL &&
		strtoull(content_length, NULL, 10) > (unsigned long long) max_body)
	{
		request_set_error(request, 413,
						  "request body of %s bytes is larger than the maximum of %zu bytes",
						  content_length, max_body);
		return false;
	}
	return true;
}

/*
 * Capacity for a body that needs at least `needed` bytes with its NUL. The
 * first chunk takes the Content-Length (checked against max_body already)
 * plus one byte, so that a body with Content-Length is allocated once. A
 * chunked body grows by half its capacity, and never beyond max_body + 1.
 * A large block is mmap'd by glibc, so that its pages not yet written take
 * no memory.
 */
static size_t
body_capacity_for(struct request *request, size_t needed)
{
	size_t		capacity = request->body_capacity;

	if (capacity == 0)
	{
		const char *content_length;
		char	   *end;
		unsigned long long declared;

		content_length = MHD_lookup_connection_value(request->connection,
													 MHD_HEADER_KIND,
													 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (content_length != NULL)
		{
			errno = 0;
			declared = strtoull(content_length, &end, 10);
			if (errno == 0 && end != content_length && *end == '\0' &&
				declared <= max_body && declared + 1 >= needed)
				return (size_t) declared + 1;
		}
		capacity = 16384;
	}
	while (capacity < needed)
		capacity += capacity / 2;
	if (capacity > max_body + 1)
		capacity = max_body + 1;
	return capacity;
}

/*
 * Append a chunk of the body. Beyond max_body, the body is dropped and the
 * rest of the upload is read and discarded, because libmicrohttpd 0.9.75
 * accepts a response only before the upload starts or after it ends.
 * NOTE: so a chunked upload without Content-Length that never ends keeps
 * its connection thread busy until the client stops.
 */
static void
collect_body(struct request *request, const char *data, size_t size)
{
	size_t		needed;

	if (request->body_too_large)
		return;
	if (size > max_body - request->body_length)
	{
		request->body_too_large = true;
		free(request->body);
		request->body = NULL;
		request->body_length = 0;
		return;
	}

	needed = request->body_length + size + 1;
	if (needed > request->body_capacity)
	{
		size_t		capacity = body_capacity_for(request, needed);
		char	   *grown;

		grown = realloc(request->body, capacity);
		if (grown == NULL)
		{
			log_message(LOG_LEVEL_ERROR, request->id,
						"out of memory growing a request body to %zu bytes",
						capacity);
			request->body_too_large = true;
			return;
		}
		request->body = grown;
		request->body_capacity = capacity;
	}
	memcpy(request->body + request->body_length, data, size);
	request->body_length += size;
	request->body[request->body_length] = '\0';
}

static enum MHD_Result
handle_access(void *closure, struct MHD_Connection *connection,
			  const char *url, const char *method, const char *version,
			  const char *upload_data, size_t *upload_data_size,
			  void **request_closure)
{
	struct request *request = *request_closure;

	(void) closure;
	(void) url;
	(void) version;
	if (request == NULL)
		return MHD_NO;			/* allocation failed in begin_request */

	if (!request->headers_done)
	{
		request->headers_done = true;
		request->connection = connection;
		request->method = method;
		if (!check_headers(request))
			return request_queue_response(request);
		return MHD_YES;
	}

	/*
	 * The idle --connection-timeout does not stop a client that sends one
	 * byte a second, so the whole body has a deadline too. libmicrohttpd
	 * 0.9.75 takes no response during an upload, so the connection is
	 * closed without one.
	 */
	if (*upload_data_size > 0 &&
		request_elapsed_ms(request) > request_timeout * 1000.0)
	{
		log_message(LOG_LEVEL_WARNING, request->id,
					"request body not received within %u seconds (request-timeout) after %zu bytes: closing the connection",
					request_timeout, request->body_length);
		return MHD_NO;
	}

	if (*upload_data_size > 0)
	{
		collect_body(request, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (request->queued)
		return MHD_YES;
	if (request->body_too_large)
		request_set_error(request, 413,
						  "request body is larger than the maximum of %zu bytes",
						  max_body);
	else
		request->route->handler(request);
	return request_queue_response(request);
}

static const char *
termination_reason(enum MHD_RequestTerminationCode code)
{
	switch (code)
	{
		case MHD_REQUEST_TERMINATED_COMPLETED_OK:
			return "completed";
		case MHD_REQUEST_TERMINATED_WITH_ERROR:
			return "error";
		case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
			return "timeout";
		case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
			return "server shutdown";
		case MHD_REQUEST_TERMINATED_READ_ERROR:
			return "read error";
		case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
			return "client closed the connection";
	}
	return "unknown reason";
}

/* Completion callback: log the request and free it. */
static void
end_request(void *closure, struct MHD_Connection *connection,
			void **request_closure, enum MHD_RequestTerminationCode code)
{
	struct request *request = *request_closure;

	(void) closure;
	(void) connection;
	if (request == NULL)
		return;

	if (code != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_message(LOG_LEVEL_WARNING, request->id,
					"request ended before completion: %s",
					termination_reason(code));
	log_request(request->id, request->method ? request->method : "-",
				request->raw_path, request->queued ? request->status : 0,
				request_elapsed_ms(request), request->bytes_sent);
	metrics_record(request->route ? request->route->method : NULL,
				   request->route ? request->route->pattern : NULL,
				   request->queued ? request->status : 0,
				   request_elapsed_ms(request));

	request_free(request);
	*request_closure = NULL;
	__atomic_sub_fetch(&requests_in_flight, 1, __ATOMIC_SEQ_CST);
}

/* Read a whole PEM file into a NUL-terminated malloc'd buffer. */
static char *
read_pem_file(const char *path, const char *option)
{
	FILE	   *file = fopen(path, "r");
	char	   *text = NULL;
	size_t		length = 0;
	size_t		capacity = 0;
	size_t		got;

	if (file == NULL)
	{
		log_error("could not open %s file \"%s\": %s", option, path,
				  strerror(errno));
		return NULL;
	}
	do
	{
		if (capacity - length < 4096)
		{
			char	   *grown = realloc(text, capacity + 65536);

			if (grown == NULL)
			{
				log_error("out of memory reading %s file \"%s\"", option, path);
				free(text);
				fclose(file);
				return NULL;
			}
			text = grown;
			capacity += 65536;
		}
		got = fread(text + length, 1, capacity - length - 1, file);
		length += got;
	} while (got > 0);
	if (ferror(file))
	{
		log_error("could not read %s file \"%s\": %s", option, path,
				  strerror(errno));
		free(text);
		fclose(file);
		return NULL;
	}
	fclose(file);
	text[length] = '\0';
	return text;
}

/*
 * Fill options with the TLS options of libmicrohttpd when --tls-cert and
 * --tls-key are set. Returns -1 after logging an unreadable file.
 */
static int
add_tls_options(const struct config *config, struct MHD_OptionItem *options,
				unsigned int *flags)
{
	options[0] = (struct MHD_OptionItem) {MHD_OPTION_END, 0, NULL};
	if (config->tls_cert[0] == '\0')
		return 0;

	tls_cert_pem = read_pem_file(config->tls_cert, "--tls-cert");
	tls_key_pem = read_pem_file(config->tls_key, "--tls-key");
	if (tls_cert_pem == NULL || tls_key_pem == NULL)
		return -1;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
	{
		log_error("this libmicrohttpd was built without TLS support, so --tls-cert cannot be used");
		return -1;
	}
	*flags |= MHD_USE_TLS;
	options[0] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_MEM_CERT, 0, tls_cert_pem};
	options[1] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_MEM_KEY, 0, tls_key_pem};
	options[2] = (struct MHD_OptionItem) {MHD_OPTION_END, 0, NULL};
	return 0;
}

static void
free_tls_files(void)
{
	free(tls_cert_pem);
	if (tls_key_pem != NULL)
		explicit_bzero(tls_key_pem, strlen(tls_key_pem));
	free(tls_key_pem);
	tls_cert_pem = NULL;
	tls_key_pem = NULL;
}

int
http_start(const struct config *config)
{
	struct MHD_OptionItem tls_options[3];
	struct sockaddr_in6 address6 = {.sin6_family = AF_INET6};
	struct sockaddr_in address4 = {.sin_family = AF_INET};
	const struct sockaddr *address;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
		MHD_USE_ERROR_LOG;

	if (inet_pton(AF_INET, config->listen_address, &address4.sin_addr) == 1)
	{
		address4.sin_port = htons(config->port);
		address = (const struct sockaddr *) &address4;
	}
	else if (inet_pton(AF_INET6, config->listen_address,
					   &address6.sin6_addr) == 1)
	{
		address6.sin6_port = htons(config->port);
		address = (const struct sockaddr *) &address6;
		flags |= MHD_USE_IPv6;
	}
	else
	{
		log_error("invalid --listen address \"%s\": expected a numeric IPv4 or IPv6 address",
				  config->listen_address);
		return -1;
	}

	if (add_tls_options(config, tls_options, &flags) < 0)
	{
		free_tls_files();
		return -1;
	}

	max_body = config->max_body;
	request_timeout = config->request_timeout;
	daemon_handle = MHD_start_daemon(flags, config->port, NULL, NULL,
									 handle_access, NULL,
									 MHD_OPTION_EXTERNAL_LOGGER, log_from_mhd, NULL,
									 MHD_OPTION_SOCK_ADDR, address,
									 MHD_OPTION_URI_LOG_CALLBACK, begin_request, NULL,
									 MHD_OPTION_NOTIFY_COMPLETED, end_request, NULL,
									 MHD_OPTION_CONNECTION_MEMORY_LIMIT,
									 (size_t) CONNECTION_MEMORY_LIMIT,
									 MHD_OPTION_CONNECTION_TIMEOUT,
									 config->connection_timeout,
									 MHD_OPTION_CONNECTION_LIMIT,
									 config->max_connections,
									 MHD_OPTION_ARRAY, tls_options,
									 MHD_OPTION_END);
	if (daemon_handle == NULL)
	{
		/* An invalid certificate or key is logged by libmicrohttpd. */
		log_error("could not listen on %s port %u: %s",
				  config->listen_address, config->port, strerror(errno));
		free_tls_files();
		return -1;
	}
	log_info("listening on %s port %u (%s)", config->listen_address,
			 config->port, tls_cert_pem != NULL ? "HTTPS" : "plain HTTP");
	return 0;
}

void
http_stop_accepting(void)
{
	MHD_socket listen_socket = MHD_quiesce_daemon(daemon_handle);

	/* After quiescing, the listening socket belongs to the caller. */
	if (listen_socket != MHD_INVALID_SOCKET)
		close(listen_socket);
}

int
http_wait_idle(int timeout_seconds)
{
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
	int			in_flight;

	for (int waited_ms = 0;; waited_ms += 50)
	{
		in_flight = __atomic_load_n(&requests_in_flight, __ATOMIC_SEQ_CST);
		if (in_flight == 0 || waited_ms >= timeout_seconds * 1000)
			return in_flight;
		nanosleep(&pause, NULL);
	}
}

void
http_stop(void)
{
	MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	free_tls_files();
}
