/*
 * pstream_query.c -- pstream_list(), pstream_query() and pstream_select()
 *
 * The three readers take a CFXQL query, compiled by pstream_cfxql.c into a
 * condition over the record "data" that is placed into the WHERE clause of
 * the source rows, so that the GIN index on data can serve it.  The search
 * text is the report's bound parameter $12, never SQL text.
 *
 * The arguments are not STRICT: a NULL argument takes its default, so that
 * pstreamd can pass every parameter positionally.
 *
 * The SQL definitions of version 0.1.0 (without the query arguments) call
 * the same C symbols until ALTER EXTENSION UPDATE replaces them, so each
 * function also accepts the old argument list, recognized by PG_NARGS().
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

#define DEFAULT_LIMIT 100

/* Return a text argument as a C string, or NULL when it is NULL. */
static char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Return the pstream name argument, raising 22023 when it is NULL. */
static char *
name_arg(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid pstream name: null"),
				 errdetail("A pstream name is required.")));
	return text_arg(fcinfo, n);
}

/* Return the sort list of an argument; NULL gives the default {-timestamp}. */
static List *
sort_arg(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
	{
		PstreamSortField *field = palloc0(sizeof(PstreamSortField));

		field->spec = "-timestamp";
		field->field = "timestamp";
		field->descending = true;
		return list_make1(field);
	}
	return pstream_parse_sort(PG_GETARG_ARRAYTYPE_P(n));
}

/* Read the paging arguments at n and n + 1 into the report and check them. */
static void
paging_args(FunctionCallInfo fcinfo, int n, PstreamReport *report)
{
	report->offset = PG_ARGISNULL(n) ? 0 : PG_GETARG_INT64(n);
	report->limit = PG_ARGISNULL(n + 1) ? DEFAULT_LIMIT : PG_GETARG_INT32(n + 1);
	pstream_check_paging(report->offset, report->limit);
}

/* Return a text[] argument, or NULL when it is NULL. */
static ArrayType *
array_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : PG_GETARG_ARRAYTYPE_P(n);
}

/*
 * Set the search of the report; an empty search text counts as none.
 * Returns the SQL condition to AND with the filter, or NULL.  When
 * data_table is set and has a search index, the condition starts with the
 * candidate filter that the index serves.
 */
static const char *
apply_search(PstreamReport *report, char *search, bool case_insensitive,
			 const char *data_table)
{
	bool		with_index;

	if (search == NULL || search[0] == '\0')
		return NULL;
	report->search = search;
	with_index = data_table != NULL && pstream_table_has_search_index(data_table);
	return pstream_search_condition(case_insensitive, with_index);
}

/* Build "SELECT id, ts, data FROM <from> WHERE <filter> [AND <search>]". */
static char *
filtered_source(const char *from, PstreamFilter *filter, const char *search_sql)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT id, ts, data FROM %s WHERE %s", from, filter->condition);
	if (search_sql != NULL)
		appendStringInfo(&sql, " AND %s", search_sql);
	return sql.data;
}

static void
apply_projection(PstreamReport *report, PstreamFilter *filter)
{
	report->projection_fields = filter->fields;
	report->projection_names = filter->names;
}

/*
 * pstream_list(cfxql text, search text, sort text[], offset bigint,
 *              limit integer, case_sensitive boolean) returns jsonb
 *
 * The list rows of the pstreams that match; "timestamp" sorts by the
 * modification time.  The search ignores case.
 */
Datum
pstream_list(PG_FUNCTION_ARGS)
{
	bool		old_signature = (PG_NARGS() == 3);	/* (sort, offset, limit) */
	PstreamReport report = {0};
	PstreamFilter *filter;
	const char *search_sql;
	bool		case_sensitive = old_signature || PG_ARGISNULL(5) ? true : PG_GETARG_BOOL(5);
	Datum		result;

	filter = pstream_compile_filter(old_signature ? NULL : text_arg(fcinfo, 0), case_sensitive, NULL);
	report.sort = sort_arg(fcinfo, old_signature ? 0 : 2);
	paging_args(fcinfo, old_signature ? 1 : 3, &report);
	search_sql = apply_search(&report, old_signature ? NULL : text_arg(fcinfo, 1), true, NULL);
	apply_projection(&report, filter);

	report.rows_key = "pstreams";
	report.title = "pstreams";
	report.source_sql = filtered_source("(SELECT name AS id, modified_at AS ts, "
										PSTREAM_LIST_ROW_SQL " AS data "
										"FROM pstream.pstreams "
										"WHERE has_table_privilege(format('pstream_data.%I', "
										"table_name), 'SELECT')) AS list",
										filter, search_sql);
	report.time_field = "timestamp";
	report.key_fields = list_make1("name");

	SPI_connect();
	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* Return whether the pstream's search ignores case (search_case_insensitive, default true). */
static bool
search_ignores_case(Jsonb *attributes)
{
	JsonbValue *value = pstream_get_attribute(attributes, "search_case_insensitive");

	return value == NULL || value->type != jbvBool || value->val.boolean;
}

/*
 * pstream_query(name text, cfxql text, search text, sort text[],
 *               group_by text[], aggs text[], offset bigint, limit integer,
 *               case_sensitive boolean) returns jsonb
 *
 * One page of the matching records, or of their group rows when group_by
 * or aggs is set; the pstream's time field sorts records by the ts column.
 */
Datum
pstream_query(PG_FUNCTION_ARGS)
{
	bool		old_signature = (PG_NARGS() == 4);	/* (name, sort, offset, limit) */
	char	   *name = name_arg(fcinfo, 0);
	bool		case_sensitive = old_signature || PG_ARGISNULL(8) ? true : PG_GETARG_BOOL(8);
	PstreamReport report = {0};
	PstreamFilter *filter;
	PstreamInfo *info;
	const char *search_sql;
	char	   *group_sql = NULL;
	Datum		result;

	filter = pstream_compile_filter(old_signature ? NULL : text_arg(fcinfo, 1), case_sensitive, NULL);
	report.sort = sort_arg(fcinfo, old_signature ? 1 : 3);
	paging_args(fcinfo, old_signature ? 2 : 6, &report);
	apply_projection(&report, filter);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_NONE, PSTREAM_ACTION_READ);
	/* Again for the indexes of this pstream; the first compile reported errors before the lookup. */
	filter = pstream_compile_filter(old_signature ? NULL : text_arg(fcinfo, 1), case_sensitive, info);
	search_sql = apply_search(&report, old_signature ? NULL : text_arg(fcinfo, 2),
							  search_ignores_case(info->attributes), info->table_name);

	report.rows_key = "pstream_data";
	report.title = info->name;
	report.source_sql = filtered_source(info->qualified_table, filter, search_sql);
	report.time_field = pstream_time_field(info->attributes);
	if (!old_signature)
		group_sql = pstream_group_source(report.source_sql, array_arg(fcinfo, 4),
										 array_arg(fcinfo, 5), &report.aggregate_names);

	/* Group rows sort by their own fields: none of them is the record time. */
	if (group_sql != NULL)
	{
		report.source_sql = group_sql;
		report.time_field = NULL;
		report.materialize_source = true;
	}
	report.columns_table = info->table_name;
	report.key_fields = pstream_unique_keys(info->attributes);

	result = SPI_datumTransfer(pstream_build_report(&report), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* The SELECT of pstream_select(): matching records, or their projection, newest first. */
static char *
select_sql(PstreamInfo *info, PstreamFilter *filter)
{
	const char *row = "data";

	if (filter->fields != NIL)
		row = pstream_projection_expression(1, 2);

	return psprintf("SELECT %s FROM %s WHERE %s ORDER BY ts DESC, id COLLATE \"C\"",
					row, info->qualified_table, filter->condition);
}

/*
 * pstream_select(name text, cfxql text, case_sensitive boolean) returns setof jsonb
 *
 * The matching records, newest first, read through a cursor in batches into
 * the tuplestore of the call.
 */
Datum
pstream_select(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		old_signature = (PG_NARGS() == 1);	/* (name) */
	char	   *name = name_arg(fcinfo, 0);
	bool		case_sensitive = old_signature || PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	PstreamFilter *filter;
	PstreamInfo *info;
	Oid			types[2] = {TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[2];
	SPIPlanPtr	plan;
	Portal		cursor;

	filter = pstream_compile_filter(old_signature ? NULL : text_arg(fcinfo, 1), case_sensitive, NULL);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	SPI_connect();
	info = pstream_lookup(name, PSTREAM_LOCK_NONE, PSTREAM_ACTION_READ);
	/* Again for the indexes of this pstream; the first compile reported errors before the lookup. */
	filter = pstream_compile_filter(old_signature ? NULL : text_arg(fcinfo, 1), case_sensitive, info);

	plan = SPI_prepare(select_sql(info, filter), 2, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	values[0] = pstream_text_array(filter->fields);
	values[1] = pstream_text_array(filter->names);
	cursor = SPI_cursor_open(NULL, plan, values, NULL, true);

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
