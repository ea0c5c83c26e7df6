/*
 * pstream_metadata.c -- column metadata, record counts, pstream_metadata() and pstream_stats()
 *
 * Column metadata: pstream.columns keeps, per data table and top-level field,
 * a bit set of the JSON types seen (PSTREAM_TYPE_* in pstream.h).  Adds OR
 * their bits in with one statement that first reads the stored bits without
 * locks and then writes only the rows that gain a bit, so concurrent adds of
 * known fields and types take no row locks.  It is never computed by
 * scanning records, so a type seen once stays even after the record that
 * brought it is deleted.
 *
 * Record counts: pstream.record_counts contains deltas written by statement
 * triggers.  pstream_rollup_counts() replaces the committed deltas of a table
 * by their sum and returns the count.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_metadata);
PG_FUNCTION_INFO_V1(pstream_stats);
PG_FUNCTION_INFO_V1(pstream_value_type_flag);
PG_FUNCTION_INFO_V1(pstream_type_name);
PG_FUNCTION_INFO_V1(pstream_mapped_type);
PG_FUNCTION_INFO_V1(pstream_iso_time);

#define STRING_FLAGS (PSTREAM_TYPE_TIME_STRING | PSTREAM_TYPE_STRING)

/* Return the type bit of one JSON value; 0 for null. */
int
pstream_value_flag(JsonbValue *value)
{
	TimestampTz time;

	switch (value->type)
	{
		case jbvString:
			return pstream_read_time(value, &time) ? PSTREAM_TYPE_TIME_STRING : PSTREAM_TYPE_STRING;
		case jbvNumeric:
			return PSTREAM_TYPE_NUMBER;
		case jbvBool:
			return PSTREAM_TYPE_BOOLEAN;
		case jbvBinary:
			return JsonContainerIsObject(value->val.binary.data) ?
				PSTREAM_TYPE_OBJECT : PSTREAM_TYPE_ARRAY;
		case jbvObject:
			return PSTREAM_TYPE_OBJECT;
		case jbvArray:
			return PSTREAM_TYPE_ARRAY;
		default:
			return 0;
	}
}

/* Number of JSON types in a bit set; both kinds of string count as one. */
static int
count_types(int flags)
{
	int			count = (flags & STRING_FLAGS) ? 1 : 0;

	for (int bit = PSTREAM_TYPE_NUMBER; bit <= PSTREAM_TYPE_ARRAY; bit <<= 1)
		count += (flags & bit) ? 1 : 0;
	return count;
}

/* JSON type name of a bit set; a column seen only with nulls reads as string. */
static const char *
type_name(int flags)
{
	if (count_types(flags) > 1)
		return "mixed";
	if (flags & PSTREAM_TYPE_NUMBER)
		return "number";
	if (flags & PSTREAM_TYPE_BOOLEAN)
		return "boolean";
	if (flags & PSTREAM_TYPE_OBJECT)
		return "object";
	if (flags & PSTREAM_TYPE_ARRAY)
		return "array";
	return "string";
}

/* Return the report column type of a bit set: DATETIME only if every string was a time. */
const char *
pstream_mapped_type_name(int flags)
{
	if (count_types(flags) > 1)
		return "MIXED";
	if (flags & PSTREAM_TYPE_NUMBER)
		return "NUMBER";
	if (flags & PSTREAM_TYPE_BOOLEAN)
		return "BOOLEAN";
	if (flags & PSTREAM_TYPE_OBJECT)
		return "OBJECT";
	if (flags & PSTREAM_TYPE_ARRAY)
		return "ARRAY";
	if (flags == PSTREAM_TYPE_TIME_STRING)
		return "DATETIME";
	return "TEXT";
}

/*
 * OR the type bits of fields into pstream.columns.  names and flags are
 * parallel lists (char * and int); each name appears once.
 */
void
pstream_update_columns(const char *table_name, List *names, List *flags)
{
	Oid			types[3] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID};
	Datum		values[3];
	Datum	   *flag_datums = palloc(sizeof(Datum) * Max(list_length(flags), 1));
	ListCell   *lc;
	int			i = 0;

	if (names == NIL)
		return;
	foreach(lc, flags)
		flag_datums[i++] = Int32GetDatum(lfirst_int(lc));

	values[0] = CStringGetTextDatum(table_name);
	values[1] = pstream_text_array(names);
	values[2] = PointerGetDatum(construct_array(flag_datums, i, INT4OID, sizeof(int32),
												true, TYPALIGN_INT));

	pstream_spi_execute("WITH seen AS (SELECT * FROM unnest($2::text[], $3::int[]) AS s(name, flags)), "
						"gained AS (SELECT seen.name, seen.flags FROM seen "
						"LEFT JOIN pstream.columns c "
						"ON c.table_name = $1 AND c.column_name = seen.name "
						"WHERE c.column_name IS NULL OR (c.type_flags | seen.flags) <> c.type_flags) "
						"INSERT INTO pstream.columns AS c (table_name, column_name, type_flags) "
						"SELECT $1, name, flags FROM gained "
						"ON CONFLICT (table_name, column_name) DO UPDATE "
						"SET type_flags = c.type_flags | EXCLUDED.type_flags "
						"WHERE (c.type_flags | EXCLUDED.type_flags) <> c.type_flags",
						3, types, values, NULL, false, 0);
}

/*
 * Replace the committed count deltas of a data table by their sum and return
 * it.  Deltas of transactions still running are invisible here and stay.
 */
int64
pstream_rollup_counts(const char *table_name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(table_name)};
	bool		isnull;
	Datum		count;

	pstream_spi_execute("WITH d AS (DELETE FROM pstream.record_counts WHERE table_name = $1 "
						"RETURNING delta) "
						"INSERT INTO pstream.record_counts (table_name, delta) "
						"SELECT $1, sum(delta) FROM d HAVING count(*) > 0",
						1, types, values, NULL, false, 0);
	pstream_spi_execute("SELECT coalesce(sum(delta), 0)::bigint FROM pstream.record_counts "
						"WHERE table_name = $1",
						1, types, values, NULL, false, 1);
	count = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetInt64(count);
}

/*
 * pstream_metadata(name text, offset bigint, limit integer) returns jsonb
 *
 * One row per known field under "Metadata", ordered by columnId bytewise,
 * with the attributes beside the rows.
 */
Datum
pstream_metadata(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PstreamReport report = {0};
	PstreamSortField *sort = palloc0(sizeof(PstreamSortField));
	PstreamInfo *info;
	Datum		result;

	report.offset = PG_GETARG_INT64(1);
	report.limit = PG_GETARG_INT32(2);
	pstream_check_paging(report.offset, report.limit);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_NONE, PSTREAM_ACTION_READ);

	sort->spec = sort->field = "columnId";
	report.sort = list_make1(sort);
	report.rows_key = "Metadata";
	report.title = info->name;
	report.source_sql =
		"SELECT column_name AS id, NULL::timestamptz AS ts, jsonb_build_object("
		"'columnId', column_name, "
		"'type', pstream.type_name(type_flags), "
		"'mappedType', pstream.mapped_type(type_flags), "
		"'key', column_name = ANY (SELECT jsonb_array_elements_text("
		"coalesce($8::jsonb -> 'unique_keys', '[]'::jsonb)))) AS data "
		"FROM pstream.columns WHERE table_name = $9";
	report.attributes = info->attributes;
	report.source_param_type = TEXTOID;
	report.source_param = CStringGetTextDatum(info->table_name);
	report.key_fields = list_make1("columnId");

	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * Build the one stats row of a pstream.  Sizes come from the relation files,
 * oldest and newest times from the btree index on ts, the count from the
 * count deltas, so the cost does not grow with the number of records.
 */
static Datum
build_stats_row(PstreamInfo *info)
{
	int64		count = pstream_rollup_counts(info->table_name);
	Oid			types[3] = {TEXTOID, TEXTOID, INT8OID};
	Datum		values[3];
	bool		isnull;
	char	   *sql;

	values[0] = CStringGetTextDatum(info->qualified_table);
	values[1] = CStringGetTextDatum(info->table_name);
	values[2] = Int64GetDatum(count);
	sql = psprintf("SELECT jsonb_build_object("
				   "'index_name', $1::text, "
				   "'docs_count', $3::bigint, "
				   "'size_in_bytes', pg_catalog.pg_total_relation_size($1::regclass), "
				   "'table_size_in_bytes', pg_catalog.pg_table_size($1::regclass), "
				   "'index_size_in_bytes', pg_catalog.pg_indexes_size($1::regclass), "
				   "'oldest_timestamp', pstream.iso_time((SELECT min(ts) FROM %s)), "
				   "'newest_timestamp', pstream.iso_time((SELECT max(ts) FROM %s)), "
				   "'inserted', pg_catalog.pg_stat_get_tuples_inserted($1::regclass), "
				   "'updated', pg_catalog.pg_stat_get_tuples_updated($1::regclass), "
				   "'deleted', pg_catalog.pg_stat_get_tuples_deleted($1::regclass), "
				   "'status', 'active')",
				   info->qualified_table, info->qualified_table);

	pstream_spi_execute(sql, 3, types, values, NULL, false, 1);
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
}

/*
 * pstream_stats(name text, offset bigint, limit integer) returns jsonb
 *
 * One row under "Stats" for the one data table of the pstream.
 */
Datum
pstream_stats(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PstreamReport report = {0};
	PstreamInfo *info;
	Datum		result;

	report.offset = PG_GETARG_INT64(1);
	report.limit = PG_GETARG_INT32(2);
	pstream_check_paging(report.offset, report.limit);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_KEY_SHARE, PSTREAM_ACTION_READ);

	report.rows_key = "Stats";
	report.title = info->name;
	report.source_sql = "SELECT 'stats'::text AS id, NULL::timestamptz AS ts, $9 AS data";
	report.source_param_type = JSONBOID;
	report.source_param = build_stats_row(info);
	report.key_fields = list_make1("index_name");

	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* pstream.value_type_flag(jsonb) returns integer */
Datum
pstream_value_type_flag(PG_FUNCTION_ARGS)
{
	Jsonb	   *jsonb = PG_GETARG_JSONB_P(0);
	JsonbValue	scalar;

	if (JB_ROOT_IS_SCALAR(jsonb))
	{
		if (!JsonbExtractScalar(&jsonb->root, &scalar))
			elog(ERROR, "could not read a jsonb scalar");
		PG_RETURN_INT32(pstream_value_flag(&scalar));
	}
	PG_RETURN_INT32(JB_ROOT_IS_OBJECT(jsonb) ? PSTREAM_TYPE_OBJECT : PSTREAM_TYPE_ARRAY);
}

/* pstream.type_name(integer) returns text */
Datum
pstream_type_name(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(type_name(PG_GETARG_INT32(0))));
}

/* pstream.mapped_type(integer) returns text */
Datum
pstream_mapped_type(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(pstream_mapped_type_name(PG_GETARG_INT32(0))));
}

/* pstream.iso_time(timestamptz) returns text */
Datum
pstream_iso_time(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(pstream_format_iso_time(PG_GETARG_TIMESTAMPTZ(0))));
}
