/*
 * cfxql_time.c
 *	  Time operands of CFXQL: reads absolute, relative and named times and
 *	  checks their range.
 *
 * Absolute times (ISO 8601, the English form "Jan 1, 2022 10am", epoch
 * milliseconds) become microseconds since 2000-01-01 00:00 UTC, computed
 * here on the proleptic Gregorian calendar as PostgreSQL does.  Relative
 * times and named periods depend on the statement's "now", so they stay
 * symbolic and the generator writes SQL that computes them at run time.
 * Fractions of a second are rounded to microseconds the way PostgreSQL 15's
 * datetime input does (strtod, then rint of the microseconds), so a literal
 * and a stored string of the same text give the same instant.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfxql_int.h"

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY INT64_C(86400000000)
#define POSTGRES_EPOCH_DAYS 10957	/* days from 1970-01-01 to 2000-01-01 */

typedef struct UnitWord
{
	const char *singular;
	CfxqlTimeUnit unit;
	double		approx_seconds; /* upper bound, for range checks only */
} UnitWord;

static const UnitWord units[] = {
	{"second", UNIT_SECOND, 1},
	{"minute", UNIT_MINUTE, 60},
	{"hour", UNIT_HOUR, 3600},
	{"day", UNIT_DAY, 86400},
	{"week", UNIT_WEEK, 7 * 86400.0},
	{"month", UNIT_MONTH, 31 * 86400.0},
	{"year", UNIT_YEAR, 366 * 86400.0},
};

static bool
equal_ignoring_case(const char *a, size_t a_len, const char *b)
{
	size_t		b_len = strlen(b);

	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++)
	{
		if (tolower((unsigned char) a[i]) != (unsigned char) b[i])
			return false;
	}
	return true;
}

/* Whether text (NUL-terminated) starts with prefix, a lower-case word. */
static bool
starts_ignoring_case(const char *text, const char *prefix, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] == '\0' || tolower((unsigned char) text[i]) != (unsigned char) prefix[i])
			return false;
	}
	return true;
}

bool
cfxql_time_unit(const char *word, size_t len, CfxqlTimeUnit *unit)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		size_t		n = strlen(units[i].singular);

		if (equal_ignoring_case(word, len, units[i].singular) ||
			(len == n + 1 && (word[n] == 's' || word[n] == 'S') &&
			 equal_ignoring_case(word, n, units[i].singular)))
		{
			*unit = units[i].unit;
			return true;
		}
	}
	return false;
}

/* Days from 2000-01-01 to y-m-d on the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - POSTGRES_EPOCH_DAYS;
}

static void
civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
	int64_t		era;
	int64_t		doe;
	int64_t		yoe;
	int64_t		doy;
	int64_t		mp;

	z += 719468 + POSTGRES_EPOCH_DAYS;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

static int
days_in_month(int64_t year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return (month == 2 && leap) ? 29 : days[month - 1];
}

/* Writes e.g. "2022-01-01 10:00:00.5+00", or "... BC" for years before 1. */
void
cfxql_time_format(int64_t micros, char *out, size_t out_size)
{
	int64_t		days = micros / USECS_PER_DAY;
	int64_t		rest = micros % USECS_PER_DAY;
	int64_t		year;
	int			month;
	int			day;
	int			seconds;

	if (rest < 0)
	{
		rest += USECS_PER_DAY;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	seconds = (int) (rest / USECS_PER_SEC);
	snprintf(out, out_size, "%04lld-%02d-%02d %02d:%02d:%02d.%06d+00%s",
			 (long long) (year > 0 ? year : 1 - year), month, day,
			 seconds / 3600, seconds / 60 % 60, seconds % 60,
			 (int) (rest % USECS_PER_SEC), year > 0 ? "" : " BC");
}

/* ---------- small scanners over a NUL-terminated text ---------- */

static bool
read_digits(const char **p, int count, int *value)
{
	int			result = 0;

	for (int i = 0; i < count; i++)
	{
		if (!isdigit((unsigned char) (*p)[i]))
			return false;
		result = result * 10 + ((*p)[i] - '0');
	}
	*p += count;
	*value = result;
	return true;
}

/* One or two digits. */
static bool
read_small_number(const char **p, int *value)
{
	if (!isdigit((unsigned char) **p))
		return false;
	*value = *(*p)++ - '0';
	if (isdigit((unsigned char) **p))
		*value = *value * 10 + (*(*p)++ - '0');
	return true;
}

static void
skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

/*
 * ISO form: YYYY-MM-DD, then optionally T (or t, or a space) and HH:MM,
 * HH:MM:SS or HH:MM:SS.fraction (up to 9 digits), then optionally Z (or z),
 * +HH:MM or +HHMM.  No zone means UTC, and a zone needs a time.
 */
static bool
parse_iso(const char *text, CfxqlTime *time)
{
	const char *p = text;
	int			year, month, day;
	int			hour = 0, minute = 0, second = 0;
	int64_t		fraction = 0;
	char		fraction_text[12];	/* "." and up to 9 digits */
	int64_t		offset_seconds = 0;

	if (!read_digits(&p, 4, &year) || *p++ != '-' ||
		!read_digits(&p, 2, &month) || *p++ != '-' ||
		!read_digits(&p, 2, &day))
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > days_in_month(year, month))
		return false;

	time->kind = TIME_ABSOLUTE;
	time->date_only = (*p == '\0');
	if (*p == 'T' || *p == 't' || *p == ' ')
	{
		p++;
		if (!read_digits(&p, 2, &hour) || *p++ != ':' || !read_digits(&p, 2, &minute))
			return false;
		if (*p == ':')
		{
			p++;
			if (!read_digits(&p, 2, &second))
				return false;
			if (*p == '.')
			{
				const char *start = p;
				int			digits = 0;

				p++;
				while (isdigit((unsigned char) *p))
				{
					p++;
					digits++;
				}
				if (digits == 0 || digits > 9)
					return false;

				/*
				 * The same arithmetic as PostgreSQL's ParseFractionalSecond(),
				 * on a copy, so that strtod() cannot read on into a zone or
				 * an exponent.
				 */
				memcpy(fraction_text, start, (size_t) digits + 1);
				fraction_text[digits + 1] = '\0';
				fraction = (int64_t) rint(strtod(fraction_text, NULL) * 1000000.0);
			}
		}
		if (hour > 23 || minute > 59 || second > 59)
			return false;

		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-')
		{
			int			sign = (*p == '-') ? -1 : 1;
			int			offset_hours, offset_minutes;

			p++;
			if (!read_digits(&p, 2, &offset_hours))
				return false;
			if (*p == ':')
				p++;
			if (!read_digits(&p, 2, &offset_minutes))
				return false;
			if (offset_hours > 15 || offset_minutes > 59)
				return false;
			offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
		}
	}
	if (*p != '\0')
		return false;

	time->micros = days_from_civil(year, month, day) * USECS_PER_DAY +
		((hour * 3600 + minute * 60 + second) - offset_seconds) * USECS_PER_SEC +
		fraction;
	return true;
}

/* English form: "Jan 1, 2022", "January 1, 2022 10:30 pm", "Jan 1, 2022 18:30". */
static bool
parse_english(const char *text, CfxqlTime *time)
{
	static const char *const months[] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"
	};
	const char *p = text;
	const char *word = p;
	size_t		word_len;
	int			month = 0;
	int			day, year;
	int			hour = 0, minute = 0, second = 0;

	while (isalpha((unsigned char) *p))
		p++;
	word_len = (size_t) (p - word);
	for (int i = 0; i < 12; i++)
	{
		/* the full name, its first three letters, or "sept" */
		if (equal_ignoring_case(word, word_len, months[i]) ||
			(word_len == 3 && starts_ignoring_case(word, months[i], 3)) ||
			(i == 8 && equal_ignoring_case(word, word_len, "sept")))
			month = i + 1;
	}
	if (month == 0)
		return false;

	skip_spaces(&p);
	if (!read_small_number(&p, &day))
		return false;
	if (*p == ',')
		p++;
	skip_spaces(&p);
	if (!read_digits(&p, 4, &year) || isdigit((unsigned char) *p))
		return false;
	if (year < 1 || day < 1 || day > days_in_month(year, month))
		return false;

	time->kind = TIME_ABSOLUTE;
	time->date_only = true;
	skip_spaces(&p);
	if (*p != '\0')
	{
		bool		has_minutes = false;

		time->date_only = false;
		if (!read_small_number(&p, &hour))
			return false;
		if (*p == ':')
		{
			p++;
			has_minutes = true;
			if (!read_digits(&p, 2, &minute))
				return false;
			if (*p == ':')
			{
				p++;
				if (!read_digits(&p, 2, &second))
					return false;
			}
		}
		skip_spaces(&p);
		if (starts_ignoring_case(p, "am", 2) || starts_ignoring_case(p, "pm", 2))
		{
			bool		pm = (tolower((unsigned char) *p) == 'p');

			if (hour < 1 || hour > 12)
				return false;
			hour = (hour % 12) + (pm ? 12 : 0);
			p += 2;
		}
		else if (!has_minutes)
			return false;		/* "10" alone is not a time of day */
		if (*p != '\0' || hour > 23 || minute > 59 || second > 59)
			return false;
	}

	time->micros = days_from_civil(year, month, day) * USECS_PER_DAY +
		(hour * 3600 + minute * 60 + second) * USECS_PER_SEC;
	return true;
}

/* ---------- relative times and named periods ---------- */

static bool
check_relative_range(const CfxqlTime *time, int64_t now_micros)
{
	double		seconds = 0;
	double		target;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
	{
		if (units[i].unit == time->unit)
			seconds = units[i].approx_seconds;
	}
	target = (double) now_micros + (double) time->count * seconds * 1e6;
	return target >= (double) CFXQL_MIN_TIMESTAMP && target < (double) CFXQL_END_TIMESTAMP;
}

/* A sign, digits, optional spaces, a unit word: "-10 days", "+1hour". */
static bool
parse_relative(const char *text, const char *unit_word, CfxqlTime *time,
			   int64_t now_micros, char *message, size_t message_size)
{
	const char *p = text;
	int			sign;
	int64_t		count = 0;
	const char *end;
	bool		separate_unit;

	if (*p != '+' && *p != '-')
		return false;
	sign = (*p++ == '-') ? -1 : 1;
	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
	{
		if (count > INT64_C(100000000000000))
		{
			snprintf(message, message_size, "relative time \"%s\" is out of range", text);
			return false;
		}
		count = count * 10 + (*p++ - '0');
	}
	separate_unit = (unit_word != NULL);
	if (unit_word == NULL)
	{
		skip_spaces(&p);
		unit_word = p;
	}
	end = unit_word + strlen(unit_word);
	if (!cfxql_time_unit(unit_word, (size_t) (end - unit_word), &time->unit))
		return false;

	time->kind = TIME_RELATIVE;
	time->count = sign * count;
	if (!check_relative_range(time, now_micros))
	{
		snprintf(message, message_size, "relative time \"%s%s%s\" is out of range",
				 text, separate_unit ? " " : "", separate_unit ? unit_word : "");
		return false;
	}
	return true;
}

/* "now", "today", "yesterday", "this week", "last month", "CY2022" ... */
static bool
parse_period(const char *first, size_t first_len, const char *second,
			 size_t second_len, CfxqlTime *time)
{
	static const struct
	{
		const char *first;
		const char *second;
		CfxqlPeriod period;
	}			periods[] = {
		{"now", NULL, PERIOD_NOW}, {"today", NULL, PERIOD_TODAY},
		{"yesterday", NULL, PERIOD_YESTERDAY},
		{"this", "week", PERIOD_THIS_WEEK}, {"this", "month", PERIOD_THIS_MONTH},
		{"this", "year", PERIOD_THIS_YEAR}, {"last", "week", PERIOD_LAST_WEEK},
		{"last", "month", PERIOD_LAST_MONTH}, {"last", "year", PERIOD_LAST_YEAR},
	};

	time->kind = TIME_PERIOD;
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
	{
		if (!equal_ignoring_case(first, first_len, periods[i].first))
			continue;
		if (periods[i].second == NULL ? second_len == 0 :
			equal_ignoring_case(second, second_len, periods[i].second))
		{
			time->period = periods[i].period;
			return true;
		}
	}

	/* CY followed by a four-digit year, in any case */
	if (second_len == 0 && first_len == 6 && tolower((unsigned char) first[0]) == 'c' &&
		tolower((unsigned char) first[1]) == 'y')
	{
		const char *p = first + 2;
		int			year;

		if (read_digits(&p, 4, &year) && year >= 1)
		{
			time->period = PERIOD_CALENDAR_YEAR;
			time->year = year;
			return true;
		}
	}
	return false;
}

/* The text of a quoted time operand, already trimmed. */
static bool
parse_text(const char *text, CfxqlTime *time, int64_t now_micros,
		   char *message, size_t message_size)
{
	const char *first = text;
	const char *p = text;
	size_t		first_len;
	const char *second;

	if (parse_iso(text, time) || parse_english(text, time))
		return true;
	if (parse_relative(text, NULL, time, now_micros, message, message_size))
		return true;
	if (message[0] != '\0')
		return false;

	while (*p != '\0' && !isspace((unsigned char) *p))
		p++;
	first_len = (size_t) (p - first);
	skip_spaces(&p);
	second = p;
	if (parse_period(first, first_len, second, strlen(second), time))
		return true;
	return false;
}

/*
 * Epoch milliseconds: any number in JSON's syntax, rounded to microseconds
 * half away from zero (as the SQL helper pstream.cfxql_time() rounds stored
 * numbers).  Returns false when the result is outside PostgreSQL's range.
 */
static bool
parse_epoch(const char *text, CfxqlTime *time)
{
	const char *p = text;
	bool		negative = false;
	bool		after_point = false;
	char		digits[40];
	int			count = 0;
	long		exponent = 0;	/* value = digits * 10^exponent */
	int			integer_digits;
	uint64_t	value = 0;

	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	for (; *p != '\0'; p++)
	{
		if (*p == '.')
		{
			after_point = true;
			continue;
		}
		if (!isdigit((unsigned char) *p))
			break;
		if (count == 0 && *p == '0')
		{
			if (after_point)
				exponent--;
			continue;			/* leading zeros carry no value */
		}
		if (count < (int) sizeof(digits))
		{
			digits[count++] = *p;
			if (after_point)
				exponent--;
		}
		else if (!after_point)
			exponent++;			/* digits past 40 only scale the value */
	}
	if (*p == 'e' || *p == 'E')
	{
		long		e = strtol(p + 1, NULL, 10);

		if (e > 100000)
			e = 100000;
		if (e < -100000)
			e = -100000;
		exponent += e;
	}
	exponent += 3;				/* milliseconds to microseconds */

	integer_digits = (int) (count + exponent);
	if (count > 0 && integer_digits > 19)
		return false;
	for (int i = 0; i < integer_digits; i++)
		value = value * 10 + (uint64_t) (i < count ? digits[i] - '0' : 0);
	if (integer_digits >= 0 && integer_digits < count && digits[integer_digits] >= '5')
		value++;

	/* value counts micros from 1970, so shift it to 2000 without overflow */
	time->kind = TIME_ABSOLUTE;
	time->date_only = false;
	if (negative && value != 0)
	{
		if (value > (uint64_t) (-(CFXQL_MIN_TIMESTAMP + CFXQL_UNIX_EPOCH_MICROS)))
			return false;
		time->micros = -(int64_t) value - CFXQL_UNIX_EPOCH_MICROS;
		return true;
	}
	if (value >= (uint64_t) CFXQL_UNIX_EPOCH_MICROS)
	{
		if (value - (uint64_t) CFXQL_UNIX_EPOCH_MICROS >= (uint64_t) CFXQL_END_TIMESTAMP)
			return false;
		time->micros = (int64_t) (value - (uint64_t) CFXQL_UNIX_EPOCH_MICROS);
	}
	else
		time->micros = (int64_t) value - CFXQL_UNIX_EPOCH_MICROS;
	return true;
}

static bool
resolve_words(CfxqlTimeOperand *operand, CfxqlTime *time)
{
	const char *first = operand->text;
	size_t		first_len = operand->len;
	const char *second = operand->word ? operand->word : "";

	return parse_period(first, first_len, second, strlen(second), time);
}

static bool
check_absolute_range(const CfxqlTime *time)
{
	/* date-only literals also need their end (the next day) in range */
	return time->kind != TIME_ABSOLUTE ||
		(time->micros >= CFXQL_MIN_TIMESTAMP &&
		 time->micros < CFXQL_END_TIMESTAMP - (time->date_only ? USECS_PER_DAY : 0));
}

bool
cfxql_time_resolve(CfxqlTimeOperand *operand, int64_t now_micros,
				   char *message, size_t message_size)
{
	CfxqlTime  *time = &operand->resolved;
	char		text[256];
	const char *start;
	size_t		len;
	bool		ok = false;

	memset(time, 0, sizeof(*time));
	message[0] = '\0';
	switch (operand->syntax)
	{
		case TIME_SYNTAX_TEXT:
			/* spaces just inside the quotes do not count */
			start = operand->text;
			len = operand->len;
			while (len > 0 && isspace((unsigned char) *start))
			{
				start++;
				len--;
			}
			while (len > 0 && isspace((unsigned char) start[len - 1]))
				len--;
			if (len >= sizeof(text) || memchr(start, '\0', len) != NULL)
				break;
			memcpy(text, start, len);
			text[len] = '\0';
			ok = parse_text(text, time, now_micros, message, message_size);
			break;
		case TIME_SYNTAX_EPOCH:
			ok = parse_epoch(operand->text, time);
			if (!ok)
				snprintf(message, message_size,
						 "time %s (epoch milliseconds) is out of range", operand->text);
			break;
		case TIME_SYNTAX_RELATIVE:
			if (operand->text[0] != '+' && operand->text[0] != '-')
			{
				snprintf(message, message_size,
						 "relative time \"%s %s\" needs a sign: write +%s or -%s",
						 operand->text, operand->word, operand->text, operand->text);
				return false;
			}
			ok = parse_relative(operand->text, operand->word, time, now_micros,
								message, message_size);
			break;
		case TIME_SYNTAX_WORDS:
			ok = resolve_words(operand, time);
			break;
	}
	if (ok && !check_absolute_range(time))
	{
		ok = false;
		snprintf(message, message_size, "time is out of range");
	}
	if (!ok && message[0] == '\0')
	{
		if (operand->syntax == TIME_SYNTAX_TEXT)
			snprintf(message, message_size, "cannot read \"%.*s\" as a time",
					 (int) (operand->len > 60 ? 60 : operand->len), operand->text);
		else
			snprintf(message, message_size, "cannot read \"%.*s%s%s\" as a time",
					 (int) (operand->len > 60 ? 60 : operand->len), operand->text,
					 operand->word ? " " : "", operand->word ? operand->word : "");
	}
	return ok;
}
