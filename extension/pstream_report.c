/*
 * pstream_report.c -- the table-report JSON shared by list, query, metadata and stats
 *
 * A report is built by one SQL statement: a CTE "src" of (id, ts, data) rows,
 * a CTE "page" with the sorted rows of the requested page, and a
 * jsonb_build_object() of the envelope around them.  Sort field names are
 * bound parameters ($14, $15, ...), never SQL text.  So are the fields and
 * names of a projection ($10 and $11) and the search text ($12).  $13 lists
 * the aggregate columns of a grouped read, which the column list types NUMBER.
 *
 * A projection builds each returned row from the listed fields (null for a
 * missing one) under their output names, and the column list then follows
 * the projection's order, typed by the column metadata of the source field.
 * Sorting always reads the stored record, not the projected row.
 *
 * Sort order of one field, per the HTTP API: missing and null values last in
 * both directions; otherwise strings < numbers < booleans < arrays < objects,
 * and within a type strings bytewise (COLLATE "C"), numbers numerically,
 * false before true, arrays and objects by jsonb's own order.  A descending
 * field reverses all of that except the place of missing and null values.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "pstream.h"

#define PROJECTION_FIELDS_PARAM 10
#define PROJECTION_NAMES_PARAM 11
#define AGGREGATE_NAMES_PARAM 13
#define FIRST_SORT_PARAM 14

/* Raise 22023 unless offset >= 0 and limit is in 1..PSTREAM_LIMIT_MAX. */
void
pstream_check_paging(int64 offset, int32 limit)
{
	if (offset < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid offset: " INT64_FORMAT, offset),
				 errdetail("The offset must be zero or greater.")));
	if (limit < 1 || limit > PSTREAM_LIMIT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid limit: %d", limit),
				 errdetail("The limit must be between 1 and %d.", PSTREAM_LIMIT_MAX)));
}

/* Turn a text[] of "field" / "-field" / "+field" entries into PstreamSortFields. */
List *
pstream_parse_sort(ArrayType *sort)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	List	   *fields = NIL;

	if (ARR_NDIM(sort) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sort: a one-dimensional array is required")));

	deconstruct_array(sort, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	for (int i = 0; i < count; i++)
	{
		PstreamSortField *field = palloc0(sizeof(PstreamSortField));
		const char *name;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid sort field: null")));

		field->spec = TextDatumGetCString(elems[i]);
		name = field->spec;
		if (*name == '-' || *name == '+')
		{
			field->descending = (*name == '-');
			name++;
		}
		if (*name == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid sort field \"%s\"", field->spec),
					 errdetail("A sort field is a field name, with a leading \"-\" for descending order.")));
		field->field = pstrdup(name);
		fields = lappend(fields, field);
	}
	return fields;
}

/* Append the ORDER BY items of one field whose name is parameter $param. */
static void
append_field_order(StringInfo sql, PstreamSortField *field, int param, const char *time_field)
{
	const char *dir = field->descending ? "DESC" : "ASC";

	if (time_field != NULL && strcmp(field->field, time_field) == 0)
	{
		appendStringInfo(sql, "ts %s, ", dir);
		return;
	}

	appendStringInfo(sql,
					 "coalesce(jsonb_typeof(data -> $%d), 'null') = 'null', "
					 "CASE jsonb_typeof(data -> $%d) WHEN 'string' THEN 0 WHEN 'number' THEN 1 "
					 "WHEN 'boolean' THEN 2 WHEN 'array' THEN 3 WHEN 'object' THEN 4 END %s, "
					 "CASE WHEN jsonb_typeof(data -> $%d) = 'string' THEN data ->> $%d END COLLATE \"C\" %s, "
					 "CASE WHEN jsonb_typeof(data -> $%d) = 'number' THEN (data ->> $%d)::numeric END %s, "
					 "CASE WHEN jsonb_typeof(data -> $%d) = 'boolean' THEN (data ->> $%d)::boolean END %s, "
					 "CASE WHEN jsonb_typeof(data -> $%d) IN ('array', 'object') THEN data -> $%d END %s, ",
					 param, param, dir, param, param, dir, param, param, dir,
					 param, param, dir, param, param, dir);
}

static char *
build_order_by(PstreamReport *report)
{
	StringInfoData sql;
	ListCell   *lc;
	int			param = FIRST_SORT_PARAM;

	initStringInfo(&sql);
	foreach(lc, report->sort)
		append_field_order(&sql, (PstreamSortField *) lfirst(lc), param++, report->time_field);
	appendStringInfoString(&sql, "id COLLATE \"C\"");
	return sql.data;
}

/*
 * Return an SQL expression that projects the record "data" onto the fields
 * in the text[] parameter $fields_param, renamed by the parallel text[]
 * parameter $names_param, with JSON null for a missing field.
 */
char *
pstream_projection_expression(int fields_param, int names_param)
{
	return psprintf("(SELECT jsonb_object_agg(p.name, coalesce(data -> p.field, 'null'::jsonb)) "
					"FROM unnest($%d::text[], $%d::text[]) AS p(field, name))",
					fields_param, names_param);
}

/* The JSON of one returned row: the record, or its projection. */
static const char *
row_expression(PstreamReport *report)
{
	if (report->projection_fields == NIL)
		return "data";
	return pstream_projection_expression(PROJECTION_FIELDS_PARAM, PROJECTION_NAMES_PARAM);
}

/* The column definitions: one per field of the page, or per projected column. */
static void
append_column_list(StringInfo sql, PstreamReport *report)
{
	const char *definition =
		"jsonb_build_object('id', cols.k, 'identifier', cols.k, 'title', cols.k, "
		"'type', CASE WHEN cols.field = ANY ($13::text[]) THEN 'NUMBER' "
		"WHEN $6::text IS NULL THEN pstream.mapped_type(cols.f) "
		"ELSE coalesce(pstream.mapped_type(c.type_flags), 'TEXT') END, "
		"'key', cols.field = ANY ($7::text[]), "
		"'sortable', true, 'hidden', false, 'visible', true)";

	if (report->projection_fields == NIL)
		appendStringInfo(sql,
						 "(SELECT coalesce(jsonb_agg(%s ORDER BY cols.k COLLATE \"C\"), '[]'::jsonb) "
						 "FROM (SELECT k, k AS field, f FROM cols) AS cols LEFT JOIN pstream.columns c "
						 "ON c.table_name = $6::text AND c.column_name = cols.k)",
						 definition);
	else
		appendStringInfo(sql,
						 "(SELECT coalesce(jsonb_agg(%s ORDER BY cols.n), '[]'::jsonb) "
						 "FROM (SELECT p.name AS k, p.field, p.n, "
						 "(SELECT bit_or(pstream.value_type_flag(page.data -> p.field)) FROM page) AS f "
						 "FROM unnest($10::text[], $11::text[]) WITH ORDINALITY AS p(field, name, n)) AS cols "
						 "LEFT JOIN pstream.columns c "
						 "ON c.table_name = $6::text AND c.column_name = cols.field)",
						 definition);
}

static char *
build_report_sql(PstreamReport *report)
{
	char	   *order_by = build_order_by(report);
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "WITH src AS %s (%s), "
					 "page AS MATERIALIZED (SELECT id, ts, data FROM src ORDER BY %s OFFSET $1 LIMIT $2), "
					 "total AS (SELECT count(*) AS n FROM src), "
					 "cols AS (SELECT e.key AS k, bit_or(pstream.value_type_flag(e.value)) AS f "
					 "FROM page, jsonb_each(page.data) AS e GROUP BY e.key) ",
					 report->materialize_source ? "MATERIALIZED" : "NOT MATERIALIZED",
					 report->source_sql, order_by);

	appendStringInfo(&sql,
					 "SELECT jsonb_build_object("
					 "$4::text, (SELECT coalesce(jsonb_agg(%s ORDER BY %s), '[]'::jsonb) FROM page), "
					 "'total_count', (SELECT n FROM total), "
					 "'num_items', (SELECT count(*) FROM page), "
					 "'offset', $1, 'limit', $2, 'sort', to_jsonb($5::text[]), 'search', $12::text, "
					 "'is_first', $1 = 0, "
					 "'is_last', $1 + (SELECT count(*) FROM page) >= (SELECT n FROM total), ",
					 row_expression(report), order_by);

	appendStringInfoString(&sql,
						   "'reportMetaData', jsonb_build_object('title', $3::text, "
						   "'reportColumnDefinitionList', ");
	append_column_list(&sql, report);
	appendStringInfoString(&sql, "))");

	if (report->attributes != NULL)
		appendStringInfoString(&sql, " || jsonb_build_object('attributes', $8::jsonb)");
	return sql.data;
}

/* Build the report; the result is a jsonb datum in the SPI procedure context. */
Datum
pstream_build_report(PstreamReport *report)
{
	int			nargs = FIRST_SORT_PARAM - 1 + list_length(report->sort);
	Oid		   *types = palloc(sizeof(Oid) * nargs);
	Datum	   *values = palloc0(sizeof(Datum) * nargs);
	char	   *nulls = palloc(nargs + 1);
	List	   *specs = NIL;
	ListCell   *lc;
	int			i;
	bool		isnull;

	memset(nulls, ' ', nargs);
	nulls[nargs] = '\0';
	foreach(lc, report->sort)
		specs = lappend(specs, ((PstreamSortField *) lfirst(lc))->spec);

	types[0] = INT8OID;
	values[0] = Int64GetDatum(report->offset);
	types[1] = INT4OID;
	values[1] = Int32GetDatum(report->limit);
	types[2] = TEXTOID;
	values[2] = CStringGetTextDatum(report->title);
	types[3] = TEXTOID;
	values[3] = CStringGetTextDatum(report->rows_key);
	types[4] = TEXTARRAYOID;
	values[4] = pstream_text_array(specs);
	types[5] = TEXTOID;
	if (report->columns_table != NULL)
		values[5] = CStringGetTextDatum(report->columns_table);
	else
		nulls[5] = 'n';
	types[6] = TEXTARRAYOID;
	values[6] = pstream_text_array(report->key_fields);
	types[7] = JSONBOID;
	if (report->attributes != NULL)
		values[7] = JsonbPGetDatum(report->attributes);
	else
		nulls[7] = 'n';
	types[8] = OidIsValid(report->source_param_type) ? report->source_param_type : TEXTOID;
	values[8] = report->source_param;
	if (!OidIsValid(report->source_param_type))
		nulls[8] = 'n';

	types[PROJECTION_FIELDS_PARAM - 1] = TEXTARRAYOID;
	values[PROJECTION_FIELDS_PARAM - 1] = pstream_text_array(report->projection_fields);
	types[PROJECTION_NAMES_PARAM - 1] = TEXTARRAYOID;
	values[PROJECTION_NAMES_PARAM - 1] = pstream_text_array(report->projection_names);
	types[PSTREAM_REPORT_SEARCH_PARAM - 1] = TEXTOID;
	if (report->search != NULL)
		values[PSTREAM_REPORT_SEARCH_PARAM - 1] = CStringGetTextDatum(report->search);
	else
		nulls[PSTREAM_REPORT_SEARCH_PARAM - 1] = 'n';

	types[AGGREGATE_NAMES_PARAM - 1] = TEXTARRAYOID;
	values[AGGREGATE_NAMES_PARAM - 1] = pstream_text_array(report->aggregate_names);

	i = FIRST_SORT_PARAM - 1;
	foreach(lc, report->sort)
	{
		types[i] = TEXTOID;
		values[i] = CStringGetTextDatum(((PstreamSortField *) lfirst(lc))->field);
		i++;
	}

	pstream_spi_execute(build_report_sql(report), nargs, types, values, nulls, false, 1);
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
}
