/*
 * pstream_time.h -- reading record times: ISO-8601 strings and epoch milliseconds
 *
 * Plain C with no backend dependencies, so that the CFXQL compiler can use the
 * same rules for time literals as pstream_add() uses for record times.
 */
#ifndef PSTREAM_TIME_H
#define PSTREAM_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */
#define PSTREAM_UNIX_TO_PG_EPOCH_USECS INT64_C(946684800000000)

/*
 * Parse "YYYY-MM-DD", optionally followed by 'T', 't' or a space and
 * "HH:MM", "HH:MM:SS" or "HH:MM:SS.fraction" (1 to 9 fraction digits), then
 * optionally 'Z', 'z', "+HH:MM", "-HH:MM", "+HHMM" or "-HHMM" (up to 15:59; a
 * zone needs a time).  No zone means UTC.  On success stores microseconds
 * since 1970-01-01 00:00 UTC in *usecs and returns true.  The whole string of
 * len bytes must match.
 */
extern bool pstream_parse_iso_time(const char *text, size_t len, int64_t *usecs);

/*
 * Parse a JSON number (the text of a JSON number token) as milliseconds since
 * 1970-01-01 UTC, rounded to microseconds, half away from zero.  Returns false
 * for anything else and for values outside PostgreSQL's timestamp range.
 */
extern bool pstream_parse_epoch_millis(const char *text, size_t len, int64_t *usecs);

#endif							/* PSTREAM_TIME_H */
