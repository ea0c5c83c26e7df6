/*
 * pstream_modify.c -- pstream_update() and pstream_delete(): changing records by query
 *
 * Both run as one statement: a CTE locks the matching records (FOR UPDATE
 * NOWAIT with conflicts 'abort', FOR UPDATE SKIP LOCKED with 'proceed'), and
 * an UPDATE or DELETE joined to it changes them.  A second CTE counts the
 * matching records without locks in the same snapshot.  With 'proceed', the
 * matching records that were not locked are the version conflicts: records
 * locked by another transaction, or changed by one since the snapshot so
 * that they no longer match.  So total = changed + noops + conflicts.
 *
 * The UPDATE or DELETE repeats the query's condition beside the join on id.
 * It changes nothing about which records change, because every locked record
 * matched the condition in its current version when it was locked, and the
 * lock keeps it so.  But it lets the planner scan only the matching records
 * (through the GIN index where the condition allows) and join them to the
 * locked ids, where without it the join read every record of the table.
 *
 * A delete with 'proceed' reads the matching records three times (count,
 * lock, join) and writes a lock record to WAL for each before deleting it.
 * That took 2.5 times the backend CPU time of a plain DELETE for 10 % of 1M
 * records ("Extension hot paths" in docs/benchmarks.md).  Joining on the
 * locked ctid would save a read, but a record updated and committed by
 * another transaction between the snapshot and the lock is locked in a
 * version that the statement's snapshot cannot see.
 *
 * With 'abort' (the default), a delete is one plain DELETE ... WHERE
 * condition instead, and so is an update that sets no unique_keys field.
 * That statement runs with lock_timeout set to 1 ms.  A DELETE or UPDATE
 * locks each record it changes, so a record locked by another transaction
 * makes it wait.  The timeout turns the wait into 55P03 after 1 ms: the
 * outcome of NOWAIT, without the separate lock pass.  That pass wrote every
 * changed record twice, so an update of many records ran at half the speed
 * of a plain UPDATE.  The data table's own lock is taken before the timeout
 * is set, so a concurrent DDL statement is waited for as usual.
 * version_conflicts is then 0.  For a delete, total is the number deleted.  For an update, a CTE counts the matching records in the same
 * snapshot, and the noops are the matching records that the UPDATE left
 * alone.  A noop record that another transaction locks does not make the
 * update fail, as nothing would change it.
 *
 * An update that sets a unique_keys field keeps the lock pass with 'abort'.
 * Its UPDATE may wait on the unique index for a concurrent add of the same
 * values, and the timeout would report that wait as a locked record.
 *
 * With 'abort', a record locked by another transaction makes the row lock
 * fail with 55P03, and the error is raised again with the pstream's name,
 * so nothing is changed.
 *
 * NOTE: NOWAIT covers row locks only.  An update that writes unique_keys
 * values which an uncommitted concurrent add has also written waits for that
 * transaction on the unique index, as any INSERT or UPDATE would.
 *
 * An update sets the top-level keys of data on each record (data || $1).  A
 * record that this leaves equal is a noop and is not written.  The new
 * values are the same for every record, so the new record time (ts) is
 * worked out once here, as an add does.  A time field set to a time gives
 * that time.  A time field set to null is filled with the update time, which
 * becomes ts.  A time field set to an unreadable value keeps the value, and
 * ts becomes the update time.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_update);
PG_FUNCTION_INFO_V1(pstream_delete);

#define ID_FIELD "_RDA_Id"

/* What to do about records that another transaction has locked. */
typedef enum ConflictMode
{
	CONFLICTS_ABORT,
	CONFLICTS_PROCEED
} ConflictMode;

/* Counts of one update or delete. */
typedef struct ModifyCounts
{
	int64		total;
	int64		changed;
	int64		conflicts;
	int64		noops;
} ModifyCounts;

static char *
required_text_arg(FunctionCallInfo fcinfo, int n, const char *parameter)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: null", parameter),
				 errdetail("The %s argument is required.", parameter)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Read the conflicts argument: NULL or 'abort', or 'proceed'; else 22023. */
static ConflictMode
conflicts_arg(FunctionCallInfo fcinfo, int n)
{
	char	   *mode;

	if (PG_ARGISNULL(n))
		return CONFLICTS_ABORT;
	mode = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (strcmp(mode, "abort") == 0)
		return CONFLICTS_ABORT;
	if (strcmp(mode, "proceed") == 0)
		return CONFLICTS_PROCEED;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for conflicts: \"%s\"", mode),
			 errdetail("The value of conflicts must be \"abort\" or \"proceed\".")));
	return CONFLICTS_ABORT;		/* not reached */
}

/*
 * Run the modifying statement.  With 'abort', turn the 55P03 of a locked
 * record into an error that names the pstream and suggests a retry.  Turn the
 * 23505 of the unique index into an error that names the pstream.
 */
static void
execute_modify(PstreamInfo *info, ConflictMode mode, const char *sql,
			   int nargs, Oid *types, Datum *values)
{
	MemoryContext caller_cxt = CurrentMemoryContext;

	PG_TRY();
	{
		pstream_spi_execute(sql, nargs, types, values, NULL, false, 0);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_UNIQUE_VIOLATION)
		{
			FlushErrorState();
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("update of pstream \"%s\" would make records share their unique_keys values",
							info->name),
					 edata->detail ? errdetail("%s", edata->detail) : 0,
					 errhint("Nothing was changed.  Narrow the query, or set different values.")));
		}
		if (mode != CONFLICTS_ABORT || edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("record of pstream \"%s\" is locked by another transaction", info->name),
				 errdetail("Another transaction holds a lock on a record that the query matches, so nothing was changed."),
				 errhint("Retry when that transaction has ended, or use conflicts \"proceed\" to skip locked records.")));
	}
	PG_END_TRY();
}

/*
 * The CTEs shared by update and delete: "matched" counts the matching
 * records in the snapshot, "locked" locks them and contains their ids.
 */
static char *
matching_ctes(PstreamInfo *info, PstreamFilter *filter, ConflictMode mode)
{
	return psprintf("WITH matched AS (SELECT count(*) AS n FROM %s WHERE %s), "
					"locked AS MATERIALIZED (SELECT id FROM %s WHERE %s FOR UPDATE %s) ",
					info->qualified_table, filter->condition,
					info->qualified_table, filter->condition,
					mode == CONFLICTS_ABORT ? "NOWAIT" : "SKIP LOCKED");
}

/*
 * Run one plain UPDATE or DELETE that fails with 55P03 when it would wait
 * 1 ms for another transaction's row lock (see the file header).  The GUC
 * nest level restores lock_timeout after the statement, and after an error
 * the transaction's abort restores it.
 */
static void
execute_or_abort(PstreamInfo *info, const char *sql, int nargs, Oid *types, Datum *values)
{
	int			nest_level;

	pstream_spi_execute(psprintf("LOCK TABLE %s IN ROW EXCLUSIVE MODE", info->qualified_table),
						0, NULL, NULL, NULL, false, 0);

	nest_level = NewGUCNestLevel();
	(void) set_config_option("lock_timeout", "1", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	execute_modify(info, CONFLICTS_ABORT, sql, nargs, types, values);
	AtEOXact_GUC(true, nest_level);
}

/* Read the (matched, locked, changed) row of the modifying statement. */
static void
read_counts(ModifyCounts *counts)
{
	bool		isnull;
	int64		locked;

	counts->total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	locked = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	counts->changed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));

	/* A record that matched after its lock's recheck but not in the snapshot counts as matched. */
	counts->total = Max(counts->total, locked);
	counts->conflicts = counts->total - locked;
	counts->noops = locked - counts->changed;
}

/* Read the (matched, changed) row of a plain UPDATE under the lock timeout. */
static void
read_plain_counts(ModifyCounts *counts)
{
	bool		isnull;

	counts->total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	counts->changed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));

	/*
	 * A record changed by a transaction that committed after the snapshot
	 * is updated in its new version if that still matches, so it counts.
	 */
	counts->total = Max(counts->total, counts->changed);
	counts->conflicts = 0;
	counts->noops = counts->total - counts->changed;
}

/* Return whether the data of an update sets one of the pstream's unique_keys fields. */
static bool
sets_unique_key(PstreamInfo *info, Jsonb *data)
{
	ListCell   *lc;

	foreach(lc, pstream_unique_keys(info->attributes))
	{
		const char *key = lfirst(lc);

		if (getKeyJsonValueFromContainer(&data->root, key, strlen(key), NULL) != NULL)
			return true;
	}
	return false;
}

static Datum
counts_result(const char *changed_key, ModifyCounts *counts, instr_time start)
{
	instr_time	took;

	INSTR_TIME_SET_CURRENT(took);
	INSTR_TIME_SUBTRACT(took, start);
	return pstream_jsonb_from_text(psprintf("{\"total\": " INT64_FORMAT ", \"%s\": " INT64_FORMAT
											", \"version_conflicts\": " INT64_FORMAT
											", \"noops\": " INT64_FORMAT ", \"batches\": 1"
											", \"failures\": [], \"took\": " INT64_FORMAT
											", \"timed_out\": false}",
											counts->total, changed_key, counts->changed,
											counts->conflicts, counts->noops,
											(int64) INSTR_TIME_GET_MILLISEC(took)));
}

/* Raise 22023 unless data is a JSON object without _RDA_Id. */
static void
check_update_data(Jsonb *data)
{
	if (!JB_ROOT_IS_OBJECT(data) || JB_ROOT_IS_SCALAR(data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid update data: %s",
						JsonbToCString(NULL, &data->root, VARSIZE(data))),
				 errdetail("The data of an update must be a JSON object of the fields to set.")));

	if (getKeyJsonValueFromContainer(&data->root, ID_FIELD, strlen(ID_FIELD), NULL) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid update data: \"%s\" cannot be changed", ID_FIELD),
				 errdetail("The data of an update sets fields of the matching records, and a record's %s is fixed.",
						   ID_FIELD),
				 errhint("Remove \"%s\" from the data.", ID_FIELD)));
}

/*
 * Work out the new record time of an update from its data, and fill a null
 * time field with the update time.  Returns whether data sets the time field
 * (else ts stays as stored); *data may be replaced.
 */
static bool
update_time(PstreamInfo *info, Jsonb **data, TimestampTz *ts)
{
	char	   *time_field = pstream_time_field(info->attributes);
	JsonbValue *value = getKeyJsonValueFromContainer(&(*data)->root, time_field,
													 strlen(time_field), NULL);
	TimestampTz now = GetCurrentTimestamp();
	Oid			types[3] = {JSONBOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		isnull;

	if (value == NULL)
		return false;
	if (value->type != jbvNull)
	{
		if (!pstream_read_time(value, ts))
			*ts = now;
		return true;
	}

	values[0] = JsonbPGetDatum(*data);
	values[1] = CStringGetTextDatum(time_field);
	values[2] = CStringGetTextDatum(pstream_format_iso_time(now));
	pstream_spi_execute("SELECT $1 || jsonb_build_object($2::text, $3::text)",
						3, types, values, NULL, true, 1);
	*data = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*ts = now;
	return true;
}

/* Add the types of the fields that an update set to the column metadata. */
static void
note_update_columns(PstreamInfo *info, Jsonb *data)
{
	JsonbIterator *it = JsonbIteratorInit(&data->root);
	JsonbValue	value;
	JsonbIteratorToken token;
	List	   *names = NIL;
	List	   *flags = NIL;

	while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			names = lappend(names, pnstrdup(value.val.string.val, value.val.string.len));
		else if (token == WJB_VALUE)
			flags = lappend_int(flags, pstream_value_flag(&value));
	}
	pstream_update_columns(info->table_name, names, flags);
}

/*
 * pstream_update(name text, cfxql text, data jsonb, conflicts text,
 *                case_sensitive boolean) returns jsonb
 *
 * Sets the top-level keys of data on every matching record.  Returns the
 * counts {"total", "updated", "version_conflicts", "noops", "batches",
 * "failures", "took", "timed_out"}.  An update that makes two records share
 * their unique_keys values fails with the index's 23505, so nothing changes.
 */
Datum
pstream_update(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "pstream name");
	char	   *query = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	Jsonb	   *data;
	ConflictMode mode = conflicts_arg(fcinfo, 3);
	bool		case_sensitive = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);
	PstreamFilter *filter;
	PstreamInfo *info;
	ModifyCounts counts = {0};
	TimestampTz ts = 0;
	bool		sets_time;
	instr_time	start;
	Oid			types[2] = {JSONBOID, TIMESTAMPTZOID};
	Datum		values[2];
	const char *new_ts;
	char	   *sql;

	INSTR_TIME_SET_CURRENT(start);
	filter = pstream_compile_modify_filter(query, case_sensitive, NULL);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid update data: null"),
				 errdetail("The data of an update must be a JSON object of the fields to set.")));
	data = PG_GETARG_JSONB_P(2);
	check_update_data(data);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_KEY_SHARE, PSTREAM_ACTION_UPDATE);
	/* Again for the indexes of this pstream; the first compile reported errors before the lookup. */
	filter = pstream_compile_modify_filter(query, case_sensitive, info);
	sets_time = update_time(info, &data, &ts);

	values[0] = JsonbPGetDatum(data);
	values[1] = TimestampTzGetDatum(ts);
	new_ts = sets_time ? "$2" : "t.ts";
	if (mode == CONFLICTS_ABORT && !sets_unique_key(info, data))
	{
		sql = psprintf("WITH matched AS (SELECT count(*) AS n FROM %s WHERE %s), "
					   "changed AS (UPDATE %s AS t SET data = t.data || $1, ts = %s "
					   "WHERE (%s) AND t.data || $1 <> t.data RETURNING 1) "
					   "SELECT (SELECT n FROM matched), (SELECT count(*) FROM changed)",
					   info->qualified_table, filter->condition,
					   info->qualified_table, new_ts, filter->condition);
		execute_or_abort(info, sql, 2, types, values);
		read_plain_counts(&counts);
	}
	else
	{
		sql = psprintf("%s, changed AS (UPDATE %s AS t SET data = t.data || $1, ts = %s "
					   "FROM locked WHERE t.id = locked.id AND (%s) AND t.data || $1 <> t.data RETURNING 1) "
					   "SELECT (SELECT n FROM matched), (SELECT count(*) FROM locked), "
					   "(SELECT count(*) FROM changed)",
					   matching_ctes(info, filter, mode), info->qualified_table,
					   new_ts, filter->condition);
		execute_modify(info, mode, sql, 2, types, values);
		read_counts(&counts);
	}

	if (counts.changed > 0)
		note_update_columns(info, data);

	SPI_finish();
	PG_RETURN_DATUM(counts_result("updated", &counts, start));
}

/*
 * pstream_delete(name text, cfxql text, conflicts text, case_sensitive boolean) returns jsonb
 *
 * Deletes every matching record.  Returns the counts {"total", "deleted",
 * "version_conflicts", "noops" (always 0), "batches", "failures", "took",
 * "timed_out"}.
 */
Datum
pstream_delete(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "pstream name");
	char	   *query = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	ConflictMode mode = conflicts_arg(fcinfo, 2);
	bool		case_sensitive = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	PstreamFilter *filter;
	PstreamInfo *info;
	ModifyCounts counts = {0};
	instr_time	start;
	char	   *sql;

	INSTR_TIME_SET_CURRENT(start);
	filter = pstream_compile_modify_filter(query, case_sensitive, NULL);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_KEY_SHARE, PSTREAM_ACTION_DELETE);
	/* Again for the indexes of this pstream; the first compile reported errors before the lookup. */
	filter = pstream_compile_modify_filter(query, case_sensitive, info);

	if (mode == CONFLICTS_ABORT)
	{
		execute_or_abort(info,
						 psprintf("DELETE FROM %s AS t WHERE %s", info->qualified_table, filter->condition),
						 0, NULL, NULL);
		counts.total = counts.changed = (int64) SPI_processed;
	}
	else
	{
		sql = psprintf("%s, changed AS (DELETE FROM %s AS t USING locked "
					   "WHERE t.id = locked.id AND (%s) RETURNING 1) "
					   "SELECT (SELECT n FROM matched), (SELECT count(*) FROM locked), "
					   "(SELECT count(*) FROM changed)",
					   matching_ctes(info, filter, mode), info->qualified_table, filter->condition);
		execute_modify(info, mode, sql, 0, NULL, NULL);
		read_counts(&counts);
	}

	SPI_finish();
	PG_RETURN_DATUM(counts_result("deleted", &counts, start));
}
