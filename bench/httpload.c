/*
 * httpload.c: send fixed request bodies to an HTTP server from several
 * concurrent clients and report throughput and latency.
 *
 * The bodies are the lines of a file (gen --batches writes one JSON array of
 * records per line). Each client thread keeps one keep-alive connection over
 * plain sockets, takes the next unsent line, POSTs it and reads the whole
 * response (Content-Length framing, which pstreamd always sends) before it
 * takes another. Each line is sent once, without retries. The bodies stay in
 * memory, so the file must fit in RAM.
 *
 * Output, one line of key=value pairs on stdout:
 *   requests errors seconds requests_per_s records_per_s p50_ms p99_ms max_ms
 * errors counts responses outside 2xx and failed connections; the first one
 * is printed on stderr. records_per_s assumes that every body contains
 * --records-per-body records (gen writes full batches when the count is a
 * multiple of the batch size).
 * The exit status is 1 when any request failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct body
{
	const char *data;
	size_t		length;
};

struct options
{
	const char *host;
	int			port;
	const char *path;
	const char *file;
	int			clients;
	long		records_per_body;
};

static struct options options = {"127.0.0.1", 8080, NULL, NULL, 8, 1000};
static struct body *bodies;
static size_t body_count;
static atomic_size_t next_body;
static atomic_long error_count;
static atomic_bool error_printed;
static double *latencies_ms;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
fail(const char *what)
{
	fprintf(stderr, "httpload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Reads the whole file and splits it into lines, which become the bodies. */
static void
load_bodies(const char *path)
{
	FILE	   *file = fopen(path, "r");
	char	   *data;
	long		size;
	size_t		capacity = 1024;

	if (file == NULL)
		fail(path);
	if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0)
		fail(path);
	data = malloc((size_t) size + 1);
	if (data == NULL || fread(data, 1, (size_t) size, file) != (size_t) size)
		fail(path);
	fclose(file);
	data[size] = '\0';

	bodies = malloc(capacity * sizeof(*bodies));
	for (char *line = data; line < data + size;)
	{
		char	   *end = memchr(line, '\n', (size_t) (data + size - line));

		if (end == NULL)
			end = data + size;
		if (end > line)
		{
			if (body_count == capacity)
			{
				capacity *= 2;
				bodies = realloc(bodies, capacity * sizeof(*bodies));
			}
			if (bodies == NULL)
				fail("realloc");
			bodies[body_count].data = line;
			bodies[body_count].length = (size_t) (end - line);
			body_count++;
		}
		line = end + 1;
	}
}

static int
connect_server(void)
{
	struct sockaddr_in address = {0};
	int			fd = socket(AF_INET, SOCK_STREAM, 0);
	int			one = 1;

	if (fd < 0)
		fail("socket");
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t) options.port);
	if (inet_pton(AF_INET, options.host, &address.sin_addr) != 1)
	{
		fprintf(stderr, "httpload: invalid --host \"%s\": expected an IPv4 address\n", options.host);
		exit(2);
	}
	if (connect(fd, (struct sockaddr *) &address, sizeof(address)) != 0)
		fail("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static bool
send_all(int fd, const char *data, size_t length)
{
	while (length > 0)
	{
		ssize_t		sent = send(fd, data, length, MSG_NOSIGNAL);

		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return false;
		data += sent;
		length -= (size_t) sent;
	}
	return true;
}

/*
 * Reads one response into `buffer` (grown as needed) and returns its status
 * code, or -1 when the connection failed or the response has no
 * Content-Length.
 */
static int
read_response(int fd, char **buffer, size_t *capacity)
{
	size_t		used = 0;
	size_t		header_end = 0;
	size_t		content_length = 0;
	int			status;

	for (;;)
	{
		ssize_t		got;
		char	   *end;

		if (used + 4096 > *capacity)
		{
			*capacity = (*capacity + 4096) * 2;
			*buffer = realloc(*buffer, *capacity);
			if (*buffer == NULL)
				fail("realloc");
		}
		if (header_end == 0 || used < header_end + content_length)
		{
			got = recv(fd, *buffer + used, *capacity - used - 1, 0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return -1;
			used += (size_t) got;
			(*buffer)[used] = '\0';
		}
		if (header_end == 0 && (end = strstr(*buffer, "\r\n\r\n")) != NULL)
		{
			char	   *length_field = strcasestr(*buffer, "\r\ncontent-length:");

			header_end = (size_t) (end - *buffer) + 4;
			if (length_field == NULL || length_field > end)
				return -1;
			content_length = strtoul(length_field + 17, NULL, 10);
		}
		if (header_end != 0 && used >= header_end + content_length)
			break;
	}
	if (sscanf(*buffer, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

static void *
run_client(void *unused)
{
	int			fd = connect_server();
	char	   *response = NULL;
	size_t		capacity = 0;
	char		header[512];

	(void) unused;
	for (;;)
	{
		size_t		index = atomic_fetch_add(&next_body, 1);
		struct body *body;
		double		started;
		int			length;
		int			status;

		if (index >= body_count)
			break;
		body = &bodies[index];
		length = snprintf(header, sizeof(header),
						  "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
						  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
						  options.path, options.host, options.port, body->length);
		started = now_seconds();
		if (!send_all(fd, header, (size_t) length) || !send_all(fd, body->data, body->length))
			status = -1;
		else
			status = read_response(fd, &response, &capacity);
		latencies_ms[index] = (now_seconds() - started) * 1000.0;

		if (status < 200 || status > 299)
		{
			atomic_fetch_add(&error_count, 1);
			if (!atomic_exchange(&error_printed, true))
				fprintf(stderr, "httpload: request %zu failed with status %d: %.300s\n",
						index, status, status < 0 ? "(connection error)" : response);
			if (status < 0)
			{
				close(fd);
				fd = connect_server();
			}
		}
	}
	close(fd);
	free(response);
	return NULL;
}

static int
compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: httpload --path PATH --file FILE [--host IPV4] [--port PORT]\n"
			"                [--clients N] [--records-per-body N]\n"
			"  --path              request path, such as /api/v2/pstreams/pstream/NAME/data\n"
			"  --file              bodies, one per line\n"
			"  --host, --port      server address (default 127.0.0.1:8080)\n"
			"  --clients           concurrent connections (default 8)\n"
			"  --records-per-body  records in each body, for records_per_s (default 1000)\n");
	exit(2);
}

static long
parse_positive(const char *option, const char *text)
{
	char	   *end;
	long		value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *text == '\0' || *end != '\0' || value <= 0)
	{
		fprintf(stderr, "httpload: invalid %s \"%s\": expected a positive integer\n", option, text);
		exit(2);
	}
	return value;
}

int
main(int argc, char **argv)
{
	pthread_t  *threads;
	double		started;
	double		seconds;
	long		errors;

	for (int i = 1; i < argc; i++)
	{
		const char *option = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(option, "--host") == 0)
			options.host = argv[++i];
		else if (strcmp(option, "--port") == 0)
			options.port = (int) parse_positive(option, argv[++i]);
		else if (strcmp(option, "--path") == 0)
			options.path = argv[++i];
		else if (strcmp(option, "--file") == 0)
			options.file = argv[++i];
		else if (strcmp(option, "--clients") == 0)
			options.clients = (int) parse_positive(option, argv[++i]);
		else if (strcmp(option, "--records-per-body") == 0)
			options.records_per_body = parse_positive(option, argv[++i]);
		else
			usage();
	}
	if (options.path == NULL || options.file == NULL)
		usage();

	load_bodies(options.file);
	if (body_count == 0)
	{
		fprintf(stderr, "httpload: \"%s\" has no bodies\n", options.file);
		return 2;
	}
	latencies_ms = calloc(body_count, sizeof(double));
	threads = calloc((size_t) options.clients, sizeof(pthread_t));
	if (latencies_ms == NULL || threads == NULL)
		fail("calloc");

	started = now_seconds();
	for (int c = 0; c < options.clients; c++)
		if ((errno = pthread_create(&threads[c], NULL, run_client, NULL)) != 0)
			fail("pthread_create");
	for (int c = 0; c < options.clients; c++)
		pthread_join(threads[c], NULL);
	seconds = now_seconds() - started;

	qsort(latencies_ms, body_count, sizeof(double), compare_doubles);
	errors = atomic_load(&error_count);
	printf("requests=%zu errors=%ld seconds=%.3f requests_per_s=%.1f records_per_s=%.0f "
		   "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
		   body_count, errors, seconds, (double) body_count / seconds,
		   (double) body_count * (double) options.records_per_body / seconds,
		   latencies_ms[body_count / 2], latencies_ms[(body_count * 99) / 100],
		   latencies_ms[body_count - 1]);
	return errors == 0 ? 0 : 1;
}
