/*
 * log.c
 *      Logging of pstreamd: one line per message on stderr.
 *
 * The only module that writes to stderr. Messages are lower-case, carry the
 * request id when they belong to a request, and never contain a record body,
 * a request body or a password: callers pass only identifiers, statuses and
 * server messages.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longer lines are cut; the access line and server messages fit easily. */
#define LOG_LINE_MAX 4096

static const char *const level_names[] = {
	[LOG_LEVEL_DEBUG] = "DEBUG",
	[LOG_LEVEL_INFO] = "INFO",
	[LOG_LEVEL_WARNING] = "WARNING",
	[LOG_LEVEL_ERROR] = "ERROR",
};

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

static void
write_line(enum log_level level, const char *request_id,
		   const char *format, va_list args)
{
	char		line[LOG_LINE_MAX];
	char		now[64];
	int			len;
	int			more;

	format_now(now, sizeof(now));
	len = snprintf(line, sizeof(line), "%s %s [%s] ", now, level_names[level],
				   request_id ? request_id : "-");
	if (len < 0 || (size_t) len >= sizeof(line))
		return;

	more = vsnprintf(line + len, sizeof(line) - len, format, args);
	if (more < 0)
		return;
	len += more;
	if ((size_t) len >= sizeof(line) - 1)
		len = sizeof(line) - 2;

	/* Server messages may end with a newline of their own. */
	while (len > 0 && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';

	/* A failed write to stderr cannot be reported anywhere. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
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
	log_message(LOG_LEVEL_INFO, request_id,
				"request method=%s path=%s status=%u ms=%.1f bytes=%zu",
				method, path, status, milliseconds, bytes);
}
