/*
 * pstream_query.c -- pstream_list(), pstream_query() and pstream_select()
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_list);
PG_FUNCTION_INFO_V1(pstream_query);
PG_FUNCTION_INFO_V1(pstream_select);

/* Rows fetched per cursor round trip by pstream_select(). */
#define SELECT_BATCH_SIZE 1000

/*
 * pstream_list(sort text[], offset bigint, limit integer) returns jsonb
 *
 * The list rows of all pstreams; "timestamp" sorts by the modification time.
 */
Datum
pstream_list(PG_FUNCTION_ARGS)
{
	PstreamReport report = {0};
	Datum		result;

	report.sort = pstream_parse_sort(PG_GETARG_ARRAYTYPE_P(0));
	report.offset = PG_GETARG_INT64(1);
	report.limit = PG_GETARG_INT32(2);
	pstream_check_paging(report.offset, report.limit);

	report.rows_key = "pstreams";
	report.title = "pstreams";
	report.source_sql = "SELECT name AS id, modified_at AS ts, " PSTREAM_LIST_ROW_SQL
		" AS data FROM pstream.pstreams";
	report.time_field = "timestamp";
	report.key_fields = list_make1("name");

	SPI_connect();
	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * pstream_query(name text, sort text[], offset bigint, limit integer) returns jsonb
 *
 * One page of records; the pstream's time field sorts by the ts column.
 */
Datum
pstream_query(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PstreamReport report = {0};
	PstreamInfo *info;
	Datum		result;

	report.sort = pstream_parse_sort(PG_GETARG_ARRAYTYPE_P(1));
	report.offset = PG_GETARG_INT64(2);
	report.limit = PG_GETARG_INT32(3);
	pstream_check_paging(report.offset, report.limit);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_NONE);

	report.rows_key = "pstream_data";
	report.title = info->name;
	report.source_sql = psprintf("SELECT id, ts, data FROM %s", info->qualified_table);
	report.time_field = pstream_time_field(info->attributes);
	report.columns_table = info->table_name;
	report.key_fields = pstream_unique_keys(info->attributes);

	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * pstream_select(name text) returns setof jsonb
 *
 * Every record, newest first, read through a cursor in batches into the
 * tuplestore of the call.
 */
Datum
pstream_select(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PstreamInfo *info;
	SPIPlanPtr	plan;
	Portal		cursor;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_NONE);

	plan = SPI_prepare(psprintf("SELECT data FROM %s ORDER BY ts DESC, id COLLATE \"C\"",
								info->qualified_table), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	cursor = SPI_cursor_open(NULL, plan, NULL, NULL, true);

	for (;;)
	{
		SPI_cursor_fetch(cursor, true, SELECT_BATCH_SIZE);
		if (SPI_processed == 0)
			break;

		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		value = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
											  1, &isnull);

			/* The tuplestore keeps no TOAST pointers, so detoast first. */
			if (!isnull)
				value = PointerGetDatum(PG_DETOAST_DATUM(value));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}

	SPI_cursor_close(cursor);
	SPI_finish();
	return (Datum) 0;
}
