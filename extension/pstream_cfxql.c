/*
 * pstream_cfxql.c -- the backend wrapper of the CFXQL compiler core, and cfxql_to_sql()
 *
 * The core (cfxql/cfxql.h) is plain C without PostgreSQL headers.  This file
 * runs it with palloc-based memory in a short-lived memory context and
 * quote_literal_cstr() as its quoting hook, copies the condition and the
 * projection out of that context, and turns a CfxqlError into an ereport().
 *
 * PostgreSQL checks a regular expression only when it first evaluates it, so
 * a query over an empty pstream, or one whose regex sits behind an AND that
 * is false for every record, would accept an invalid pattern.  Each regex of
 * the result is therefore compiled here, before any record is read, so an
 * invalid one is always 2201B.
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "cfxql/cfxql.h"
#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_cfxql_to_sql);

/* Memory hook of the core: palloc in the context passed as hook context. */
static void *
cfxql_palloc(void *context, size_t size)
{
	return MemoryContextAlloc((MemoryContext) context, size);
}

/*
 * Quoting hook of the core.  The core copies the result and never frees it
 * (the memory hooks have no free function), so it lives until the compile's
 * memory context is deleted.
 */
static char *
cfxql_quote_literal(const char *text, size_t len)
{
	return quote_literal_cstr(pnstrdup(text, len));
}

static void
report_compile_error(const CfxqlError *error)
{
	if (error->code == CFXQL_ERROR_OUT_OF_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while compiling a CFXQL query")));

	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s", error->message),
			 errhint("Positions count characters from 0.")));
}

/*
 * Compile one regular expression of the query the way the ~ or ~* operator
 * would, so that an invalid pattern raises 2201B now.  The error names the
 * pattern and its position in the query; PostgreSQL's own reason becomes the
 * detail.
 */
static void
check_regex(const CfxqlRegex *regex)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	text	   *pattern = cstring_to_text_with_len(regex->pattern, regex->pattern_len);
	int			flags = REG_ADVANCED | (regex->case_insensitive ? REG_ICASE : 0);

	PG_TRY();
	{
		(void) RE_compile_and_cache(pattern, flags, DEFAULT_COLLATION_OID);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		StringInfoData quoted;

		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_INVALID_REGULAR_EXPRESSION)
			PG_RE_THROW();
		FlushErrorState();

		initStringInfo(&quoted);
		pstream_escape_json(&quoted, text_to_cstring(pattern));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid regular expression at position %d: %s",
						regex->position, quoted.data),
				 errdetail("PostgreSQL reports: %s.", edata->message)));
	}
	PG_END_TRY();
}

static PstreamFilter *compile_filter(const char *query, bool case_sensitive,
									 bool raise_syntax_error);

/* Copy what the callers need out of the core's result into the current context. */
static PstreamFilter *
copy_result(const CfxqlResult *result)
{
	PstreamFilter *filter = palloc0(sizeof(PstreamFilter));

	filter->condition = pnstrdup(result->condition, result->condition_len);
	filter->match_all = result->match_all;
	for (int i = 0; i < result->column_count; i++)
	{
		const CfxqlColumn *column = &result->columns[i];

		filter->fields = lappend(filter->fields,
								 pnstrdup(column->field, column->field_len));
		filter->names = lappend(filter->names,
								pnstrdup(column->name, column->name_len));
	}
	return filter;
}

/*
 * Compile a CFXQL query (NULL counts as empty) into a condition over the
 * jsonb expression "data" and the projection.  Raises 42601 for a query that
 * does not parse and 2201B for an invalid regular expression.  The result is
 * allocated in the current memory context.
 */
PstreamFilter *
pstream_compile_filter(const char *query, bool case_sensitive)
{
	return compile_filter(query, case_sensitive, true);
}

/*
 * The same, but returns NULL instead of raising 42601 for a query that does
 * not parse.  An invalid regular expression still raises 2201B.
 */
PstreamFilter *
pstream_try_compile_filter(const char *query, bool case_sensitive)
{
	return compile_filter(query, case_sensitive, false);
}

static PstreamFilter *
compile_filter(const char *query, bool case_sensitive, bool raise_syntax_error)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	MemoryContext compile_cxt;
	CfxqlMemory memory;
	CfxqlOptions options;
	CfxqlError error;
	CfxqlResult *result;
	PstreamFilter *filter;

	if (query == NULL)
		query = "";

	/* The core bounds its recursion at CFXQL_MAX_DEPTH levels; check anyway. */
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();

	compile_cxt = AllocSetContextCreate(caller_cxt, "CFXQL compile", ALLOCSET_DEFAULT_SIZES);
	memory.alloc = cfxql_palloc;
	memory.free = NULL;
	memory.context = compile_cxt;

	cfxql_options_init(&options);
	options.case_sensitive = case_sensitive;
	options.record_expression = "data";
	/* Every data table has the GIN index on cfxql_numeric_strings(data). */
	options.numeric_string_index = true;
	options.memory = &memory;
	options.quote_literal = cfxql_quote_literal;

	/* The quoting hook pallocs in the current context, so make it the compile's. */
	MemoryContextSwitchTo(compile_cxt);
	result = cfxql_compile(query, strlen(query), &options, &error);
	MemoryContextSwitchTo(caller_cxt);
	if (result == NULL && error.code == CFXQL_ERROR_SYNTAX && !raise_syntax_error)
	{
		MemoryContextDelete(compile_cxt);
		return NULL;
	}
	if (result == NULL)
		report_compile_error(&error);

	for (int i = 0; i < result->regex_count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		check_regex(&result->regexes[i]);
	}

	filter = copy_result(result);
	MemoryContextDelete(compile_cxt);
	return filter;
}

/*
 * Compile the query of an update or delete.  Such a query is required (a
 * NULL, empty or blank one raises 22023, because "*" is the explicit way to
 * name every record) and may not carry a GET projection (42601).
 */
PstreamFilter *
pstream_compile_modify_filter(const char *query, bool case_sensitive)
{
	PstreamFilter *filter;
	bool		blank = true;

	for (const char *p = query; p != NULL && *p != '\0'; p++)
	{
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
		{
			blank = false;
			break;
		}
	}
	if (blank)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cfxql_query is required for update and delete"),
				 errhint("Use the query \"*\" to change every record.")));

	filter = pstream_compile_filter(query, case_sensitive);
	if (filter->fields != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a GET projection is not allowed in an update or delete query"),
				 errdetail("The query is \"%s\".", query),
				 errhint("Remove the GET part of the query.")));
	return filter;
}

/*
 * Raise 42601 unless the retention_purge_extra_filter attribute compiles as a
 * CFXQL filter without a projection.  A syntax error of the core is raised
 * again with the attribute's name in the message; an invalid regular
 * expression stays 2201B.
 */
void
pstream_check_purge_filter(const char *filter_text)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	PstreamFilter *filter = NULL;

	PG_TRY();
	{
		filter = pstream_compile_filter(filter_text, true);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid value for attribute \"retention_purge_extra_filter\": %s",
						edata->message),
				 errdetail("The filter is \"%s\".", filter_text)));
	}
	PG_END_TRY();

	if (filter->fields != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid value for attribute \"retention_purge_extra_filter\": a GET projection is not allowed"),
				 errdetail("The filter is \"%s\".", filter_text)));
}

/*
 * cfxql_to_sql(cfxql text, case_sensitive boolean) returns text
 *
 * The SQL condition over the jsonb column "data" that a query compiles to,
 * for EXPLAIN and debugging.  NULL arguments take the defaults (an empty
 * query, case-sensitive).
 */
Datum
pstream_cfxql_to_sql(PG_FUNCTION_ARGS)
{
	char	   *query = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		case_sensitive = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	PstreamFilter *filter = pstream_compile_filter(query, case_sensitive);

	PG_RETURN_TEXT_P(cstring_to_text(filter->condition));
}

/*
 * Return whether a string follows JSON's number syntax with an exponent of at
 * most 1000 after leading zeros, the test of pstream.cfxql_numeric_string().
 * The exponent bound keeps numeric_in() from failing.
 */
static bool
is_numeric_string(const char *text, int len)
{
	int			i = 0;
	int			exponent_start;

	if (len > 1000)
		return false;
	if (i < len && text[i] == '-')
		i++;
	if (i < len && text[i] == '0')
		i++;
	else if (i < len && text[i] >= '1' && text[i] <= '9')
		while (i < len && isdigit((unsigned char) text[i]))
			i++;
	else
		return false;

	if (i < len && text[i] == '.')
	{
		int			fraction_start = ++i;

		while (i < len && isdigit((unsigned char) text[i]))
			i++;
		if (i == fraction_start)
			return false;
	}

	if (i < len && (text[i] == 'e' || text[i] == 'E'))
	{
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			i++;
		exponent_start = i;
		while (i < len && isdigit((unsigned char) text[i]))
			i++;
		if (i == exponent_start)
			return false;
		while (exponent_start < i - 1 && text[exponent_start] == '0')
			exponent_start++;
		if (i - exponent_start > 4 ||
			(i - exponent_start == 4 && strncmp(text + exponent_start, "1000", 4) != 0))
			return false;
	}
	return i == len;
}

/*
 * pstream.cfxql_numeric_strings(record jsonb) returns an object holding, for
 * each top-level string value that reads as a number, that key with the
 * number.  A GIN index on it serves CFXQL's "field = 80", which must also
 * match "80.0" and "8e1" (numeric containment compares by value).  Same
 * result as the SQL reference definition, but fast enough to run for every
 * stored record.
 */
PG_FUNCTION_INFO_V1(pstream_cfxql_numeric_strings);

Datum
pstream_cfxql_numeric_strings(PG_FUNCTION_ARGS)
{
	Jsonb	   *record = PG_GETARG_JSONB_P(0);
	JsonbParseState *state = NULL;
	JsonbIterator *iterator;
	JsonbIteratorToken token;
	JsonbValue	key;
	JsonbValue	value;
	JsonbValue *result;
	Jsonb	   *output;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (JB_ROOT_IS_OBJECT(record))
	{
		iterator = JsonbIteratorInit(&record->root);
		while ((token = JsonbIteratorNext(&iterator, &key, true)) != WJB_DONE)
		{
			if (token != WJB_KEY)
				continue;
			token = JsonbIteratorNext(&iterator, &value, true);
			if (value.type != jbvString ||
				!is_numeric_string(value.val.string.val, value.val.string.len))
				continue;

			pushJsonbValue(&state, WJB_KEY, &key);
			value.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																	CStringGetDatum(pnstrdup(value.val.string.val,
																							 value.val.string.len)),
																	ObjectIdGetDatum(InvalidOid),
																	Int32GetDatum(-1)));
			value.type = jbvNumeric;
			pushJsonbValue(&state, WJB_VALUE, &value);
		}
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);

	/* The keys still point into record, so serialise before freeing it. */
	output = JsonbValueToJsonb(result);
	PG_FREE_IF_COPY(record, 0);
	PG_RETURN_JSONB_P(output);
}
