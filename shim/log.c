/*
 * log.c
 *      Logging of pstreamd: one line per message on stderr or a log file.
 *
 * The only module that writes log lines. Messages are lower-case, carry the
 * request id when they belong to a request, and never contain a record body,
 * a request body or a password: callers pass only identifiers, statuses and
 * server messages.
 *
 * With --log-format json each line is one JSON object with the keys time,
 * level, request_id and message, and the access line adds method, path,
 * status, ms and bytes, for log shippers. With --log-file, lines are
 * appended to that file, and log_reopen (on SIGHUP) opens it again so that
 * logrotate can move it away.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* Longer lines are cut; the access line and server messages fit easily. */
#define LOG_LINE_MAX 4096

static const char *const level_names[] = {
	[LOG_LEVEL_DEBUG] = "DEBUG",
	[LOG_LEVEL_INFO] = "INFO",
	[LOG_LEVEL_WARNING] = "WARNING",
	[LOG_LEVEL_ERROR] = "ERROR",
};

static bool json_format;
static const char *log_path;	/* NULL: stderr */
static int	log_fd = STDERR_FILENO;

/* Guards log_fd against a reopen while another thread writes. */
static pthread_rwlock_t log_fd_lock = PTHREAD_RWLOCK_INITIALIZER;

/* Format the current UTC time as 2024-11-20T18:15:54.065Z into buf. */
static void
format_now(char *buf, size_t size)
{
	struct timespec now;
	struct tm	tm;
	char		seconds[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(seconds, sizeof(seconds), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", seconds, now.tv_nsec / 1000000);
}

/* Write a finished line with a single write(2), so lines do not interleave. */
static void
emit(const char *line, size_t length)
{
	pthread_rwlock_rdlock(&log_fd_lock);
	/* A failed write of a log line cannot be reported anywhere. */
	if (write(log_fd, line, length) < 0)
	{
	}
	pthread_rwlock_unlock(&log_fd_lock);
}

/* Write one JSON line: time, level and request_id, then the fields. */
static void
emit_json(enum log_level level, const char *request_id, json_t *fields)
{
	char		now[64];
	json_t	   *object;
	char	   *text;

	format_now(now, sizeof(now));
	object = json_pack("{s:s,s:s,s:o}", "time", now, "level",
					   level_names[level], "request_id",
					   request_id ? json_string(request_id) : json_null());
	if (object == NULL)
		return;
	json_object_update(object, fields);
	text = json_dumps(object, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(object);
	if (text != NULL)
	{
		size_t		length = strlen(text);

		text[length] = '\n';	/* replaces the NUL; length + 1 is written */
		emit(text, length + 1);
		free(text);
	}
}

/* Format the message into buffer without its trailing newlines. */
static void
format_message(char *buffer, size_t size, const char *format, va_list args)
{
	size_t		length;

	if (vsnprintf(buffer, size, format, args) < 0)
		buffer[0] = '\0';
	length = strlen(buffer);

	/* Server messages may end with a newline of their own. */
	while (length > 0 && buffer[length - 1] == '\n')
		buffer[--length] = '\0';
}

static void
write_line(enum log_level level, const char *request_id,
		   const char *format, va_list args)
{
	char		message[LOG_LINE_MAX];
	char		line[LOG_LINE_MAX + 128];
	char		now[64];
	int			length;

	format_message(message, sizeof(message), format, args);
	if (json_format)
	{
		json_t	   *object = json_object();

		json_object_set_new(object, "message", json_string(message));
		emit_json(level, request_id, object);
		json_decref(object);
		return;
	}

	format_now(now, sizeof(now));
	length = snprintf(line, sizeof(line), "%s %s [%s] %s\n", now,
					  level_names[level], request_id ? request_id : "-",
					  message);
	if (length < 0)
		return;
	if ((size_t) length >= sizeof(line))
	{
		length = sizeof(line) - 1;
		line[length - 1] = '\n';
	}
	emit(line, (size_t) length);
}

/* Open path for appending; -1 after reporting the error on stderr. */
static int
open_log_file(const char *path)
{
	int			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		log_error("could not open log file \"%s\": %s", path, strerror(errno));
	return fd;
}

int
log_configure(bool json, const char *path)
{
	json_format = json;
	if (path == NULL || path[0] == '\0')
		return 0;

	log_path = path;
	log_fd = open_log_file(path);
	if (log_fd < 0)
	{
		log_fd = STDERR_FILENO;
		return -1;
	}
	return 0;
}

void
log_reopen(void)
{
	int			fd;
	int			old_fd;

	if (log_path == NULL)
	{
		log_info("received SIGHUP: logging to stderr, nothing to reopen");
		return;
	}

	/* On failure, keep writing to the file that is open. */
	fd = open_log_file(log_path);
	if (fd < 0)
		return;
	pthread_rwlock_wrlock(&log_fd_lock);
	old_fd = log_fd;
	log_fd = fd;
	pthread_rwlock_unlock(&log_fd_lock);
	close(old_fd);
	log_info("received SIGHUP: reopened log file \"%s\"", log_path);
}

void
log_close(void)
{
	if (log_path != NULL)
	{
		pthread_rwlock_wrlock(&log_fd_lock);
		close(log_fd);
		log_fd = STDERR_FILENO;
		pthread_rwlock_unlock(&log_fd_lock);
	}
}

void
log_message_v(enum log_level level, const char *request_id,
			  const char *format, va_list args)
{
	write_line(level, request_id, format, args);
}

void
log_message(enum log_level level, const char *request_id,
			const char *format,...)
{
	va_list		args;

	va_start(args, format);
	write_line(level, request_id, format, args);
	va_end(args);
}

void
log_request(const char *request_id, const char *method, const char *path,
			unsigned int status, double milliseconds, size_t bytes)
{
	json_t	   *object;

	if (!json_format)
	{
		log_message(LOG_LEVEL_INFO, request_id,
					"request method=%s path=%s status=%u ms=%.1f bytes=%zu",
					method, path, status, milliseconds, bytes);
		return;
	}

	object = json_pack("{s:s,s:s,s:s,s:i,s:f,s:I}", "message", "request",
					   "method", method, "path", path, "status", (int) status,
					   "ms", round(milliseconds * 10.0) / 10.0, "bytes", (json_int_t) bytes);
	if (object != NULL)
	{
		emit_json(LOG_LEVEL_INFO, request_id, object);
		json_decref(object);
	}
}
