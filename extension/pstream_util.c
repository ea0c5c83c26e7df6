/*
 * pstream_util.c -- small helpers: SPI calls, ISO-8601 output, jsonb conversions
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "pstream.h"
#include "pstream_time.h"

/*
 * Format a time as "YYYY-MM-DDTHH:MM:SS.ffffffZ" in UTC, whatever the session
 * TimeZone.  Years before 1 AD print in astronomical numbering (0 is 1 BC).
 */
char *
pstream_format_iso_time(TimestampTz time)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_IS_NOBEGIN(time))
		return pstrdup("-infinity");
	if (TIMESTAMP_IS_NOEND(time))
		return pstrdup("infinity");

	/* Without a time zone argument, timestamp2tm() breaks the time down in UTC. */
	if (timestamp2tm(time, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));

	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/*
 * Read a JSON value as a record time: an ISO-8601 string of the form that
 * pstream_parse_iso_time() accepts, or a number of epoch milliseconds.
 */
bool
pstream_read_time(JsonbValue *value, TimestampTz *time)
{
	int64_t		usecs;
	bool		ok = false;

	if (value->type == jbvString)
		ok = pstream_parse_iso_time(value->val.string.val, value->val.string.len, &usecs);
	else if (value->type == jbvNumeric)
	{
		char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
															   NumericGetDatum(value->val.numeric)));

		ok = pstream_parse_epoch_millis(text, strlen(text), &usecs);
		pfree(text);
	}
	if (!ok)
		return false;

	*time = (TimestampTz) (usecs - PSTREAM_UNIX_TO_PG_EPOCH_USECS);
	return true;
}

/* Run one statement with bound parameters, raising an error if SPI fails. */
int
pstream_spi_execute(const char *sql, int nargs, Oid *types, Datum *values,
					const char *nulls, bool read_only, long count)
{
	int			ret = SPI_execute_with_args(sql, nargs, types, values, nulls,
											read_only, count);

	if (ret < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	return ret;
}

Datum
pstream_jsonb_from_text(const char *text)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

/* Append text as a JSON string literal, quotes included. */
void
pstream_escape_json(StringInfo buf, const char *text)
{
	escape_json(buf, text);
}

/* Build a text[] datum from a List of C strings. */
Datum
pstream_text_array(List *strings)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(strings), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, strings)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));

	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Return the JSON text of a value, for error messages. */
char *
pstream_jsonb_text(JsonbValue *value)
{
	Jsonb	   *jsonb = JsonbValueToJsonb(value);

	return JsonbToCString(NULL, &jsonb->root, VARSIZE(jsonb));
}
