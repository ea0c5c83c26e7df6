/*
 * log.h
 *      Logging of pstreamd: one line per message on stderr or a log file.
 *
 * Text line format: "<UTC time> <LEVEL> [<request id>] <message>", where
 * the request id is "-" for lines that belong to no request. The JSON
 * format has the keys time, level, request_id and message. Each line is
 * written with a single write(2), so lines of concurrent threads do not
 * interleave.
 */
#ifndef PSTREAMD_LOG_H
#define PSTREAMD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level
{
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR
};

/*
 * Choose the line format and the destination: path NULL or "" is stderr.
 * Returns -1 when the file cannot be opened (logged on stderr).
 */
int			log_configure(bool json, const char *path);

/* Open the log file again (SIGHUP), for log rotation. */
void		log_reopen(void);

/* Close the log file; later lines go to stderr. */
void		log_close(void);

/* Write one log line; request_id may be NULL. */
void		log_message(enum log_level level, const char *request_id,
						const char *format,...)
			__attribute__((format(printf, 3, 4)));

/* Write one log line from a va_list, for libraries' logging callbacks. */
void		log_message_v(enum log_level level, const char *request_id,
						  const char *format, va_list args)
			__attribute__((format(printf, 3, 0)));

#define log_info(...)		log_message(LOG_LEVEL_INFO, NULL, __VA_ARGS__)
#define log_warning(...)	log_message(LOG_LEVEL_WARNING, NULL, __VA_ARGS__)
#define log_error(...)		log_message(LOG_LEVEL_ERROR, NULL, __VA_ARGS__)

/*
 * Write the access line of a finished request: method, raw path (never the
 * query string or the body), status, duration in milliseconds and response
 * body size in bytes.
 */
void		log_request(const char *request_id, const char *method,
						const char *path, unsigned int status,
						double milliseconds, size_t bytes);

#endif							/* PSTREAMD_LOG_H */
