/*
 * pstream_group.c -- group_by and aggregates of pstream_query()
 *
 * A grouped read turns the matching records into group rows and hands those
 * to the ordinary report, which then sorts, pages and counts them like
 * records.  The group source is one SELECT of (id, ts, data) rows over the
 * filtered records:
 *
 *     SELECT jsonb_build_array(g1, g2)::text AS id, now() AS ts,
 *            jsonb_build_object('k1', g1) || ... || jsonb_build_object('a1', agg1) ...
 *     FROM (<matching records>) AS matched GROUP BY g1, g2
 *
 * where gi is the record's value of group field i, with a missing key read as
 * JSON null so that missing and null form one group.  The id, the JSON text
 * of the group values, is unique per group and serves as the report's final
 * tie-breaker.  Without group fields there is no GROUP BY, so the aggregates
 * cover every matching record and give exactly one row.
 *
 * Field names and aggregate names enter the SQL text only through
 * quote_literal_cstr(), as jsonb keys; aggregate functions come from a fixed
 * table.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "pstream.h"

/* One aggregate: function over a column, named in the group rows. */
typedef struct PstreamAggregate
{
	const char *function;
	char	   *column;
	char	   *name;
} PstreamAggregate;

/*
 * SQL templates of the aggregate functions, where %s is the jsonb value of
 * the column.  sum, avg, min and max read numbers and numeric strings
 * through pstream.cfxql_number() and ignore everything else, so they give
 * NULL when nothing is left.  avg drops the trailing zeros of numeric division.
 */
static const struct
{
	const char *function;
	const char *sql;
}			aggregate_functions[] =
{
	{"value_count", "to_jsonb(count(*) FILTER (WHERE coalesce(%s, 'null') <> 'null'))"},
	{"cardinality", "to_jsonb(count(DISTINCT %s) FILTER (WHERE coalesce(%s, 'null') <> 'null'))"},
	{"sum", "to_jsonb(sum(pstream.cfxql_number(%s)))"},
	{"avg", "to_jsonb(trim_scale(avg(pstream.cfxql_number(%s))))"},
	{"min", "to_jsonb(min(pstream.cfxql_number(%s)))"},
	{"max", "to_jsonb(max(pstream.cfxql_number(%s)))"},
};

/* Return the non-null elements of a text[] argument as a List of C strings. */
static List *
text_array_list(ArrayType *array, const char *parameter)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	List	   *result = NIL;

	if (array == NULL)
		return NIL;
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: a one-dimensional array is required", parameter)));

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s entry: null", parameter)));
		result = lappend(result, TextDatumGetCString(elems[i]));
	}
	return result;
}

static bool
string_list_member(List *strings, const char *string)
{
	ListCell   *lc;

	foreach(lc, strings)
		if (strcmp((const char *) lfirst(lc), string) == 0)
			return true;
	return false;
}

/* Check the group fields: non-empty and distinct. */
static void
check_group_fields(List *fields)
{
	List	   *seen = NIL;
	ListCell   *lc;

	foreach(lc, fields)
	{
		const char *field = lfirst(lc);

		if (field[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid group_by field \"\""),
					 errdetail("A group_by field is the name of a top-level field.")));
		if (string_list_member(seen, field))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duplicate group_by field \"%s\"", field)));
		seen = lappend(seen, (void *) field);
	}
}

/* Return the table's spelling of an aggregate function, raising 22023 for an unknown one. */
static const char *
known_function(const char *function)
{
	for (int i = 0; i < lengthof(aggregate_functions); i++)
		if (strcmp(aggregate_functions[i].function, function) == 0)
			return aggregate_functions[i].function;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown aggregate function \"%s\"", function),
			 errdetail("The aggregate functions are value_count, sum, min, max, avg and cardinality.")));
	return NULL;				/* keep the compiler quiet */
}

/*
 * Parse one aggs entry "function:column[:alias]".  The alias is everything
 * after the second colon, so it may itself contain colons; the column may not.
 */
static PstreamAggregate *
parse_aggregate(const char *entry)
{
	PstreamAggregate *aggregate = palloc0(sizeof(PstreamAggregate));
	const char *first = strchr(entry, ':');
	const char *second = first ? strchr(first + 1, ':') : NULL;
	char	   *function;

	if (first == NULL || first == entry || first[1] == '\0' || first + 1 == second ||
		(second != NULL && second[1] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid aggs entry \"%s\"", entry),
				 errdetail("An aggs entry is function:column or function:column:alias, each part non-empty.")));

	function = pnstrdup(entry, first - entry);
	aggregate->function = known_function(function);
	if (second == NULL)
	{
		aggregate->column = pstrdup(first + 1);
		aggregate->name = psprintf("%s_%s", aggregate->function, aggregate->column);
	}
	else
	{
		aggregate->column = pnstrdup(first + 1, second - first - 1);
		aggregate->name = pstrdup(second + 1);
	}
	return aggregate;
}

/* Parse the aggs entries and check their names against each other and the group fields. */
static List *
parse_aggregates(List *entries, List *group_fields)
{
	List	   *aggregates = NIL;
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, entries)
	{
		PstreamAggregate *aggregate = parse_aggregate(lfirst(lc));

		if (string_list_member(names, aggregate->name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("duplicate aggregate name \"%s\"", aggregate->name),
					 errhint("Give one of the aggregates an alias: function:column:alias.")));
		if (string_list_member(group_fields, aggregate->name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("aggregate name \"%s\" is also a group_by field", aggregate->name),
					 errhint("Give the aggregate an alias: function:column:alias.")));
		names = lappend(names, aggregate->name);
		aggregates = lappend(aggregates, aggregate);
	}
	return aggregates;
}

/* The SQL of one group value: the record's value of the field, missing read as JSON null. */
static char *
group_value_sql(const char *field)
{
	return psprintf("coalesce(data -> %s, 'null'::jsonb)", quote_literal_cstr(field));
}

static char *
aggregate_sql(PstreamAggregate *aggregate)
{
	const char *template = NULL;
	char	   *value = psprintf("(data -> %s)", quote_literal_cstr(aggregate->column));

	for (int i = 0; i < lengthof(aggregate_functions); i++)
		if (strcmp(aggregate_functions[i].function, aggregate->function) == 0)
			template = aggregate_functions[i].sql;
	Assert(template != NULL);

	/* cardinality names the value twice, the others once; extra arguments are ignored */
	return psprintf(template, value, value);
}

/*
 * Return the SQL of the group rows over source_sql (a SELECT of matching
 * (id, ts, data) records), or NULL when group_by and aggs are both unset or
 * empty.  aggregate_names receives the names of the aggregate fields.
 */
char *
pstream_group_source(const char *source_sql, ArrayType *group_by, ArrayType *aggs,
					 List **aggregate_names)
{
	List	   *fields = text_array_list(group_by, "group_by");
	List	   *aggregates;
	StringInfoData ids;
	StringInfoData data;
	StringInfoData group_clause;
	ListCell   *lc;

	*aggregate_names = NIL;
	check_group_fields(fields);
	aggregates = parse_aggregates(text_array_list(aggs, "aggs"), fields);
	if (fields == NIL && aggregates == NIL)
		return NULL;

	initStringInfo(&ids);
	initStringInfo(&data);
	initStringInfo(&group_clause);
	appendStringInfoString(&data, "'{}'::jsonb");

	foreach(lc, fields)
	{
		char	   *value = group_value_sql(lfirst(lc));

		appendStringInfo(&ids, "%s%s", ids.len > 0 ? ", " : "", value);
		appendStringInfo(&group_clause, "%s%s", group_clause.len > 0 ? ", " : " GROUP BY ", value);
		appendStringInfo(&data, " || jsonb_build_object(%s, %s)",
						 quote_literal_cstr(lfirst(lc)), value);
	}

	/* group_by without aggregates counts each group's records */
	if (aggregates == NIL)
	{
		appendStringInfoString(&data, " || jsonb_build_object('count_', count(*))");
		*aggregate_names = list_make1("count_");
	}
	foreach(lc, aggregates)
	{
		PstreamAggregate *aggregate = lfirst(lc);

		appendStringInfo(&data, " || jsonb_build_object(%s, %s)",
						 quote_literal_cstr(aggregate->name), aggregate_sql(aggregate));
		*aggregate_names = lappend(*aggregate_names, aggregate->name);
	}

	return psprintf("SELECT jsonb_build_array(%s)::text AS id, now() AS ts, %s AS data "
					"FROM (%s) AS matched%s",
					ids.data, data.data, source_sql, group_clause.data);
}
