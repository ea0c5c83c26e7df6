/*
 * pstream_time.c -- reading record times: ISO-8601 strings and epoch milliseconds
 *
 * A record's time field counts as a time when it is either an ISO-8601 string
 * of the restricted form described in pstream_time.h or a JSON number of
 * milliseconds since the Unix epoch.  Other strings (a bare time of day,
 * "Nov 20 2024", numeric strings) are not times.  The parser is strict and
 * allocation-free: it checks field ranges and calendar days, and computes
 * microseconds since the Unix epoch with integer arithmetic.
 *
 * This file deliberately includes no PostgreSQL header, so that frontend code
 * and tests can link it too.
 */
#include "pstream_time.h"

#include <math.h>

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY INT64_C(86400000000)

/*
 * Lowest time PostgreSQL's timestamptz accepts (4714-11-24 BC), in
 * microseconds since the Unix epoch.  Its upper limit (294277 AD) lies beyond
 * every int64 microsecond count since the Unix epoch, so it needs no check.
 */
#define PG_MIN_UNIX_USECS (INT64_C(-211813488000000000) + PSTREAM_UNIX_TO_PG_EPOCH_USECS)

/* Cursor over the input text. */
typedef struct TimeScanner
{
	const char *pos;
	const char *end;
} TimeScanner;

/* Read exactly ndigits decimal digits as a non-negative integer. */
static bool
scan_digits(TimeScanner *scan, int ndigits, int *value)
{
	int			result = 0;

	if (scan->end - scan->pos < ndigits)
		return false;
	for (int i = 0; i < ndigits; i++)
	{
		char		c = scan->pos[i];

		if (c < '0' || c > '9')
			return false;
		result = result * 10 + (c - '0');
	}
	scan->pos += ndigits;
	*value = result;
	return true;
}

static bool
scan_char(TimeScanner *scan, char expected)
{
	if (scan->pos < scan->end && *scan->pos == expected)
	{
		scan->pos++;
		return true;
	}
	return false;
}

static bool
is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && is_leap_year(year))
		return 29;
	return days[month - 1];
}

/* Days from 1970-01-01 to the given proleptic Gregorian date. */
static int64_t
days_from_civil(int year, int month, int day)
{
	int64_t		y = year - (month <= 2 ? 1 : 0);
	int64_t		era = (y >= 0 ? y : y - 399) / 400;
	int64_t		year_of_era = y - era * 400;
	int64_t		shifted_month = month > 2 ? month - 3 : month + 9;
	int64_t		day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
	int64_t		day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	return era * 146097 + day_of_era - 719468;
}

/* Read "YYYY-MM-DD" into days since the Unix epoch. */
static bool
scan_date(TimeScanner *scan, int64_t *days)
{
	int			year,
				month,
				day;

	if (!scan_digits(scan, 4, &year) || !scan_char(scan, '-') ||
		!scan_digits(scan, 2, &month) || !scan_char(scan, '-') ||
		!scan_digits(scan, 2, &day))
		return false;

	/* PostgreSQL has no year 0 in its input syntax. */
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > days_in_month(year, month))
		return false;

	*days = days_from_civil(year, month, day);
	return true;
}

/*
 * Read a fraction of a second after the '.': 1 to 9 digits, rounded to
 * microseconds the way PostgreSQL's datetime input does (rint of the double
 * value times one million), so that both agree on halves.
 */
static bool
scan_fraction(TimeScanner *scan, int64_t *usecs)
{
	int64_t		nanos = 0;
	int			ndigits = 0;

	while (scan->pos < scan->end && *scan->pos >= '0' && *scan->pos <= '9')
	{
		if (++ndigits > 9)
			return false;
		nanos = nanos * 10 + (*scan->pos - '0');
		scan->pos++;
	}
	if (ndigits == 0)
		return false;
	for (int i = ndigits; i < 9; i++)
		nanos *= 10;

	*usecs = (int64_t) rint(((double) nanos / 1e9) * 1e6);
	return true;
}

/* Read "HH:MM", "HH:MM:SS" or "HH:MM:SS.fraction" into microseconds. */
static bool
scan_time_of_day(TimeScanner *scan, int64_t *usecs)
{
	int			hour,
				minute,
				second = 0;
	int64_t		fraction = 0;

	if (!scan_digits(scan, 2, &hour) || !scan_char(scan, ':') ||
		!scan_digits(scan, 2, &minute))
		return false;
	if (scan_char(scan, ':'))
	{
		if (!scan_digits(scan, 2, &second))
			return false;
		if (scan_char(scan, '.') && !scan_fraction(scan, &fraction))
			return false;
	}
	if (hour > 23 || minute > 59 || second > 59)
		return false;

	*usecs = ((int64_t) hour * 3600 + minute * 60 + second) * USECS_PER_SEC + fraction;
	return true;
}

/*
 * Read an optional zone: nothing (UTC), 'Z'/'z', or "+HH:MM", "-HHMM" and the
 * like, storing the offset east of UTC in microseconds.
 */
static bool
scan_zone(TimeScanner *scan, int64_t *offset_usecs)
{
	int			sign,
				hours,
				minutes;

	*offset_usecs = 0;
	if (scan->pos == scan->end)
		return true;
	if (scan_char(scan, 'Z') || scan_char(scan, 'z'))
		return true;

	if (scan_char(scan, '+'))
		sign = 1;
	else if (scan_char(scan, '-'))
		sign = -1;
	else
		return false;

	if (!scan_digits(scan, 2, &hours))
		return false;
	scan_char(scan, ':');
	if (!scan_digits(scan, 2, &minutes))
		return false;
	if (hours > 15 || minutes > 59)
		return false;

	*offset_usecs = sign * ((int64_t) hours * 3600 + minutes * 60) * USECS_PER_SEC;
	return true;
}

bool
pstream_parse_iso_time(const char *text, size_t len, int64_t *usecs)
{
	TimeScanner scan = {text, text + len};
	int64_t		days;
	int64_t		time_of_day = 0;
	int64_t		offset = 0;

	if (!scan_date(&scan, &days))
		return false;

	if (scan.pos < scan.end)
	{
		char		separator = *scan.pos++;

		if (separator != 'T' && separator != 't' && separator != ' ')
			return false;
		if (!scan_time_of_day(&scan, &time_of_day) || !scan_zone(&scan, &offset))
			return false;
	}
	if (scan.pos != scan.end)
		return false;

	/* Years 1 to 9999 with offsets of at most 16 hours stay in range. */
	*usecs = days * USECS_PER_DAY + time_of_day - offset;
	return true;
}

/*
 * Epoch milliseconds.  The number is read exactly as decimal digits with a
 * decimal exponent, so that no value passes through a double: a JSON number
 * like 1732060800000.5 becomes 1732060800000500 microseconds.
 */
bool
pstream_parse_epoch_millis(const char *text, size_t len, int64_t *usecs)
{
	const char *pos = text;
	const char *end = text + len;
	bool		negative = false;
	char		digits[40];
	int			ndigits = 0;
	int			exponent = 3;	/* milliseconds to microseconds */
	bool		seen_digit = false;
	int64_t		result = 0;
	int			integer_digits;

	if (pos < end && *pos == '-')
	{
		negative = true;
		pos++;
	}

	/* Mantissa: significant digits, with the decimal point moving the exponent. */
	for (bool after_point = false; pos < end; pos++)
	{
		if (*pos == '.' && !after_point)
		{
			after_point = true;
			continue;
		}
		if (*pos < '0' || *pos > '9')
			break;
		seen_digit = true;
		if (after_point)
			exponent--;
		if (ndigits == 0 && *pos == '0')
			continue;
		if (ndigits < (int) sizeof(digits))
			digits[ndigits++] = *pos;
		else
			exponent++;		/* beyond the rounding digit, see below */
	}
	if (!seen_digit)
		return false;

	/* Exponent part. */
	if (pos < end && (*pos == 'e' || *pos == 'E'))
	{
		int			exp_sign = 1;
		int			exp_value = 0;
		bool		exp_digit = false;

		pos++;
		if (pos < end && (*pos == '+' || *pos == '-'))
			exp_sign = (*pos++ == '-') ? -1 : 1;
		for (; pos < end && *pos >= '0' && *pos <= '9'; pos++)
		{
			exp_digit = true;
			if (exp_value < 100000)
				exp_value = exp_value * 10 + (*pos - '0');
		}
		if (!exp_digit)
			return false;
		exponent += exp_sign * exp_value;
	}
	if (pos != end)
		return false;

	/* Integer part of digits * 10^exponent must fit in 19 digits. */
	integer_digits = ndigits + exponent;
	if (ndigits > 0 && integer_digits > 19)
		return false;
	for (int i = 0; i < integer_digits; i++)
	{
		int			digit = i < ndigits ? digits[i] - '0' : 0;

		if (result > (INT64_MAX - digit) / 10)
			return false;
		result = result * 10 + digit;
	}

	/*
	 * Round half away from zero on the first dropped digit.  That digit has
	 * an index of at most 19, so digits dropped beyond the 40 kept ones never
	 * matter.
	 */
	if (integer_digits >= 0 && integer_digits < ndigits && digits[integer_digits] >= '5')
	{
		if (result == INT64_MAX)
			return false;
		result++;
	}

	if (negative)
		result = -result;
	if (result < PG_MIN_UNIX_USECS)
		return false;

	*usecs = result;
	return true;
}
