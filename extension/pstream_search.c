/*
 * pstream_search.c -- the search parameter of the readers and its trigram index
 *
 * The exact search condition tests every top-level string, number and boolean
 * of a record for the search text (see PSTREAM_SEARCH_SQL_CI/CS in
 * pstream.h).  Such a test cannot use an index, so from version 0.3.0 a data
 * table created while pg_trgm is installed also has a GIN trigram index
 * (pg_trgm's gin_trgm_ops) on pstream.search_text(data): the record's top-level scalar texts, lower-cased
 * and joined by line feeds.  A search then reads
 *
 *     pstream.search_text(data) LIKE '%<lower(search), LIKE-escaped>%'
 *     AND <exact condition>
 *
 * The LIKE is only a candidate filter that the index serves; the exact
 * condition decides.  Every value's lower-cased text is a substring of the
 * joined text, so the filter never drops a record that the exact condition
 * accepts, for case-insensitive searches and case-sensitive ones alike.
 *
 * NOTE: that holds when lower() maps character by character, as libc
 * collations do.  A collation whose lower() depends on context (ICU's Greek
 * final sigma) could make the filter drop a match.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_search_text);

/*
 * Candidate filter over the index expression, with the search text $12
 * lower-cased and its LIKE wildcards (% and _) and escape character (\)
 * escaped.
 */
#define SEARCH_CANDIDATE_SQL \
	"pstream.search_text(data) LIKE ('%' || replace(replace(replace(lower($12::text), " \
	"'\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"

/*
 * pstream.search_text(record jsonb) returns text
 *
 * The lower-cased texts of the record's top-level strings, numbers and
 * booleans, as PostgreSQL prints them, each followed by a line feed.  lower()
 * uses the database's default collation, as the search condition does.
 */
Datum
pstream_search_text(PG_FUNCTION_ARGS)
{
	Jsonb	   *record = PG_GETARG_JSONB_P(0);
	StringInfoData joined;
	JsonbIterator *iterator;
	JsonbIteratorToken token;
	JsonbValue	value;
	char	   *lowered;

	initStringInfo(&joined);
	if (JB_ROOT_IS_OBJECT(record))
	{
		iterator = JsonbIteratorInit(&record->root);
		while ((token = JsonbIteratorNext(&iterator, &value, true)) != WJB_DONE)
		{
			if (token != WJB_VALUE)
				continue;
			if (value.type == jbvString)
				appendBinaryStringInfo(&joined, value.val.string.val, value.val.string.len);
			else if (value.type == jbvNumeric)
				appendStringInfoString(&joined,
									   DatumGetCString(DirectFunctionCall1(numeric_out,
																		   NumericGetDatum(value.val.numeric))));
			else if (value.type == jbvBool)
				appendStringInfoString(&joined, value.val.boolean ? "true" : "false");
			else
				continue;
			appendStringInfoChar(&joined, '\n');
		}
	}

	lowered = str_tolower(joined.data, joined.len, DEFAULT_COLLATION_OID);
	pfree(joined.data);
	PG_FREE_IF_COPY(record, 0);
	PG_RETURN_TEXT_P(cstring_to_text(lowered));
}

/*
 * Return whether a new data table gets a search index: pg_trgm is installed
 * and pstream.search_text() exists.  The function exists from 0.3.0 on, but
 * this library also serves a database at an older version until ALTER
 * EXTENSION pstream UPDATE, whose script then adds the index to every table.
 */
bool
pstream_search_index_exists(void)
{
	bool		isnull;

	pstream_spi_execute("SELECT to_regprocedure('pstream.search_text(jsonb)') IS NOT NULL "
						"AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm')",
						0, NULL, NULL, NULL, false, 1);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Return whether the data table has its search index.  A table created
 * without pg_trgm has none, and an administrator may drop it to make adds
 * cheaper; a search then uses the exact condition alone, because computing
 * pstream.search_text() for every record would only add work.
 */
bool
pstream_table_has_search_index(const char *table_name)
{
	char	   *index = quote_qualified_identifier("pstream_data",
												   pstream_index_name(table_name, "search"));
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(index)};
	bool		isnull;

	pstream_spi_execute("SELECT to_regclass($1) IS NOT NULL", 1, types, values, NULL, false, 1);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Return the SQL condition of a search over the record "data" with the
 * search text in $12: the exact condition, preceded by the index's candidate
 * filter when with_index is set.
 */
const char *
pstream_search_condition(bool case_insensitive, bool with_index)
{
	const char *exact = case_insensitive ? PSTREAM_SEARCH_SQL_CI : PSTREAM_SEARCH_SQL_CS;

	if (!with_index)
		return exact;
	return psprintf("%s AND %s", SEARCH_CANDIDATE_SQL, exact);
}

/*
 * Return the CREATE INDEX statement of the search index of a data table, with
 * the operator class qualified by pg_trgm's schema, which need not be on the
 * search_path.  index_name and table are quoted already.
 */
char *
pstream_search_index_sql(const char *index_name, const char *table)
{
	char	   *schema;

	pstream_spi_execute("SELECT n.nspname FROM pg_catalog.pg_extension e "
						"JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
						"WHERE e.extname = 'pg_trgm'", 0, NULL, NULL, NULL, false, 1);
	if (SPI_processed == 0)
		elog(ERROR, "extension pg_trgm is not installed");
	schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

	return psprintf("CREATE INDEX %s ON %s USING gin (pstream.search_text(data) %s.gin_trgm_ops)",
					index_name, table, quote_identifier(schema));
}
