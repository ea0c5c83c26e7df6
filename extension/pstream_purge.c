/*
 * pstream_purge.c -- pstream_purge_expired(): the retention purge
 *
 * For each pstream with retention_days, delete the records whose time (column
 * ts) is older than the start of the transaction minus that many days and
 * that also match the retention_purge_extra_filter attribute, a CFXQL filter
 * compiled case-sensitively, when it is set.  The delete is one statement on
 * the btree index of ts, and the count deltas it logs are rolled up
 * afterwards.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_purge_expired);

/* Return now() minus days, clamped to the lowest time PostgreSQL can store. */
static TimestampTz
retention_cutoff(int32 days)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	int64		span = (int64) days * USECS_PER_DAY;

	if (now - MIN_TIMESTAMP < span)
		return MIN_TIMESTAMP;
	return now - span;
}

/*
 * Return the SQL condition of the pstream's extra purge filter: "true" when
 * unset, NULL when the filter does not compile.  pstream_create() and
 * pstream_edit() reject such a filter, but a version 0.1.0 stored filters
 * unchecked.
 */
static const char *
extra_filter_condition(PstreamInfo *info)
{
	JsonbValue *value = pstream_get_attribute(info->attributes, "retention_purge_extra_filter");
	PstreamFilter *filter;

	if (value == NULL || value->type != jbvString)
		return "true";
	filter = pstream_try_compile_filter(pnstrdup(value->val.string.val, value->val.string.len),
										true, info);
	if (filter == NULL || filter->fields != NIL)
		return NULL;
	return filter->condition;
}

/* Delete the expired records of one pstream; return how many went, or -1 if skipped. */
static int64
purge_pstream(PstreamInfo *info, int32 days)
{
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		values[1] = {TimestampTzGetDatum(retention_cutoff(days))};
	const char *condition = extra_filter_condition(info);
	int64		deleted;

	/* Deleting without the filter would delete records that it keeps. */
	if (condition == NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("skipped the retention purge of pstream \"%s\": invalid retention_purge_extra_filter",
						info->name),
				 errhint("Set a valid CFXQL filter with pstream_edit().")));
		return -1;
	}

	pstream_spi_execute(psprintf("DELETE FROM %s WHERE ts < $1 AND (%s)", info->qualified_table,
								 condition),
						1, types, values, NULL, false, 0);
	deleted = (int64) SPI_processed;
	pstream_rollup_counts(info->table_name);
	return deleted;
}

/*
 * Names of the pstreams to purge: the given one, or all with retention_days
 * whose data table the caller may delete from.
 */
static List *
pstreams_to_purge(text *name)
{
	List	   *names = NIL;

	if (name != NULL)
		return list_make1(text_to_cstring(name));

	pstream_spi_execute("SELECT name FROM pstream.pstreams WHERE attributes ? 'retention_days' "
						"AND jsonb_typeof(attributes -> 'retention_days') = 'number' "
						"AND has_table_privilege(format('pstream_data.%I', table_name), 'DELETE') "
						"ORDER BY name", 0, NULL, NULL, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		names = lappend(names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	return names;
}

/*
 * pstream_purge_expired(name text DEFAULT NULL) returns table(pstream text, deleted bigint)
 *
 * One row per purged pstream.  A named pstream without retention_days gives
 * no row.
 */
Datum
pstream_purge_expired(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *name = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	List	   *names;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	names = pstreams_to_purge(name);

	foreach(lc, names)
	{
		PstreamInfo *info = pstream_lookup((char *) lfirst(lc), PSTREAM_LOCK_KEY_SHARE,
											PSTREAM_ACTION_DELETE);
		JsonbValue *retention = pstream_get_attribute(info->attributes, "retention_days");
		Datum		row[2];
		bool		nulls[2] = {false, false};
		int64		deleted;

		if (retention == NULL || retention->type != jbvNumeric)
			continue;

		deleted = purge_pstream(info, numeric_int4_opt_error(retention->val.numeric, NULL));
		if (deleted < 0)
			continue;
		row[0] = CStringGetTextDatum(info->name);
		row[1] = Int64GetDatum(deleted);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}

	SPI_finish();
	return (Datum) 0;
}
