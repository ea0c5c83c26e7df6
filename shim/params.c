/*
 * params.c
 *      Validation of pstream names and query parameters.
 *
 * pstreamd checks the syntax of parameters (an integer, a boolean, a name,
 * one of a few words) so that the 422 names the parameter. Ranges and
 * rules that belong to the SQL functions, such as limit from 1 to 10000,
 * are checked by those functions and come back as SQLSTATE 22023, which is
 * a 422 as well. The text of a CFXQL query or a search is passed on
 * unchanged, as a bound parameter.
 *
 * An absent parameter becomes NULL, which the 0.2.0 functions read as their
 * default. Only pstream_metadata and pstream_stats are still STRICT, so
 * their paging defaults are repeated here.
 */
#include "params.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PSTREAM_NAME_MAX_LENGTH 255
#define DEFAULT_OFFSET "0"
#define DEFAULT_LIMIT "100"

/* Characters that separate CFXQL tokens. A query of only these is blank. */
#define QUERY_SPACE " \t\r\n"

#define NAME_RULE \
	"a pstream name has 1 to 255 characters, each an ASCII letter, a digit, " \
	"\"_\", \"-\" or \".\", and does not start with \".\""

bool
pstream_name_is_valid(const char *text, size_t length)
{
	if (length == 0 || length > PSTREAM_NAME_MAX_LENGTH || text[0] == '.')
		return false;

	for (size_t i = 0; i < length; i++)
	{
		char		c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

bool
check_pstream_name(struct request *request, const char *text, size_t length)
{
	char		printable[400];

	if (pstream_name_is_valid(text, length))
		return true;

	format_printable(printable, sizeof(printable), text, length);
	request_set_error(request, 422, "invalid pstream name \"%s\": %s",
					  printable, NAME_RULE);
	return false;
}

/*
 * Look up a query parameter. Returns false when the request does not have
 * it. Otherwise *value is its percent-decoded text ("" for a name without
 * "=") and *length its length, which counts bytes after a decoded %00.
 * libmicrohttpd 0.9.75 compares names ignoring ASCII case, so
 * "CFXQL_QUERY" is "cfxql_query"; the iterators below do the same.
 */
static bool
lookup_argument(struct request *request, const char *name,
				const char **value, size_t *length)
{
	if (MHD_lookup_connection_value_n(request->connection,
									  MHD_GET_ARGUMENT_KIND, name,
									  strlen(name), value, length) != MHD_YES)
		return false;
	if (*value == NULL)
	{
		*value = "";
		*length = 0;
	}
	return true;
}

static void
reject_value(struct request *request, const char *name, const char *value,
			 size_t length, const char *reason)
{
	char		printable[400];

	format_printable(printable, sizeof(printable), value, length);
	request_set_error(request, 422,
					  "invalid value for parameter \"%s\": \"%s\" %s",
					  name, printable, reason);
}

/* Occurrences of one parameter name, counted by count_occurrence. */
struct occurrences
{
	const char *name;
	int			count;
};

static enum MHD_Result
count_occurrence(void *closure, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	struct occurrences *occurrences = closure;

	(void) kind;
	(void) value;
	(void) value_size;
	if (key_size == strlen(occurrences->name) &&
		strncasecmp(key, occurrences->name, key_size) == 0)
		occurrences->count++;
	return MHD_YES;
}

bool
read_text(struct request *request, const char *name, const char **value)
{
	struct occurrences occurrences = {.name = name};
	size_t		length;

	if (!lookup_argument(request, name, value, &length))
	{
		*value = NULL;
		return true;
	}

	/*
	 * A repeated parameter is rejected rather than reduced to one of its
	 * values, so that a proxy that checks the first value and pstreamd
	 * cannot act on different queries.
	 */
	MHD_get_connection_values_n(request->connection, MHD_GET_ARGUMENT_KIND,
								count_occurrence, &occurrences);
	if (occurrences.count > 1)
	{
		request_set_error(request, 422,
						  "parameter \"%s\" is given %d times: give it once",
						  name, occurrences.count);
		return false;
	}
	if (memchr(*value, '\0', length) != NULL)
	{
		reject_value(request, name, *value, length,
					 "contains the character U+0000 (%00)");
		return false;
	}
	return true;
}

bool
read_required_query(struct request *request, const char **value)
{
	if (!read_text(request, "cfxql_query", value))
		return false;

	if (*value == NULL || (*value)[strspn(*value, QUERY_SPACE)] == '\0')
	{
		request_set_error(request, 422,
						  "%s parameter \"cfxql_query\": update and delete need a CFXQL query; use \"*\" to match every record",
						  *value == NULL ? "missing" : "blank");
		return false;
	}
	return true;
}

/*
 * Read an integer parameter from min to max into out, and point *value at
 * out, or set *value to NULL when the parameter is absent. The range here
 * is that of the SQL parameter type, not the valid range.
 */
static bool
read_integer(struct request *request, const char *name, long long min,
			 long long max, char *out, size_t size, const char **value)
{
	const char *text;
	char	   *end;
	long long	number;

	if (!read_text(request, name, &text))
		return false;
	if (text == NULL)
	{
		*value = NULL;
		return true;
	}

	errno = 0;
	number = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || number < min ||
		number > max)
	{
		reject_value(request, name, text, strlen(text), "is not an integer");
		return false;
	}
	snprintf(out, size, "%lld", number);
	*value = out;
	return true;
}

bool
read_paging(struct request *request, struct paging *paging)
{
	return read_integer(request, "offset", INT64_MIN, INT64_MAX,
						paging->offset_text, sizeof(paging->offset_text),
						&paging->offset) &&
		read_integer(request, "limit", INT32_MIN, INT32_MAX,
					 paging->limit_text, sizeof(paging->limit_text),
					 &paging->limit);
}

void
paging_fill_defaults(struct paging *paging)
{
	if (paging->offset == NULL)
		paging->offset = DEFAULT_OFFSET;
	if (paging->limit == NULL)
		paging->limit = DEFAULT_LIMIT;
}

/* A text[] literal under construction. */
struct array_builder
{
	const char *name;			/* the parameter collected */
	char	   *text;
	size_t		length;
	size_t		capacity;
	int			count;
	bool		failed;
	bool		has_nul;		/* a value contains U+0000 */
	/* the first invalid value, for the 422 */
	const char *invalid_value;
	size_t		invalid_length;
	const char *invalid_reason;
};

static void
append(struct array_builder *builder, const char *text, size_t length)
{
	if (builder->failed)
		return;
	if (builder->length + length + 1 > builder->capacity)
	{
		size_t		capacity = (builder->length + length + 1) * 2;
		char	   *grown = realloc(builder->text, capacity);

		if (grown == NULL)
		{
			builder->failed = true;
			return;
		}
		builder->text = grown;
		builder->capacity = capacity;
	}
	memcpy(builder->text + builder->length, text, length);
	builder->length += length;
	builder->text[builder->length] = '\0';
}

/* Append one value as a double-quoted element, escaped as array_in expects. */
static void
append_element(struct array_builder *builder, const char *value,
			   size_t value_size)
{
	if (value_size > 0 && memchr(value, '\0', value_size) != NULL)
		builder->has_nul = true;

	append(builder, builder->count == 0 ? "{\"" : ",\"", 2);
	for (size_t i = 0; i < value_size && value[i] != '\0'; i++)
	{
		if (value[i] == '"' || value[i] == '\\')
			append(builder, "\\", 1);
		append(builder, &value[i], 1);
	}
	append(builder, "\"", 1);
	builder->count++;
}

/* Collects every value of the parameter builder->name, in request order. */
static enum MHD_Result
append_parameter_value(void *closure, enum MHD_ValueKind kind,
					   const char *key, size_t key_size, const char *value,
					   size_t value_size)
{
	struct array_builder *builder = closure;

	(void) kind;
	if (key_size != strlen(builder->name) ||
		strncasecmp(key, builder->name, key_size) != 0)
		return MHD_YES;
	if (value == NULL)
		value_size = 0;
	append_element(builder, value, value_size);
	return MHD_YES;
}

/*
 * Finish a text[] literal: close it, reject a value with U+0000, and hand
 * the text to *owner (a field of the request, which frees it).
 */
static bool
finish_array(struct request *request, struct array_builder *builder,
			 char **owner, const char **literal)
{
	*literal = NULL;
	if (builder->count == 0)
	{
		free(builder->text);
		return true;
	}
	append(builder, "}", 1);

	if (builder->has_nul)
	{
		free(builder->text);
		request_set_error(request, 422,
						  "invalid value for parameter \"%s\": a value contains the character U+0000 (%%00)",
						  builder->name);
		return false;
	}
	if (builder->failed)
	{
		free(builder->text);
		request_set_error(request, 500, "out of memory reading parameter \"%s\"",
						  builder->name);
		return false;
	}
	free(*owner);
	*owner = builder->text;
	*literal = builder->text;
	return true;
}

/* Read every value of a repeatable parameter as a text[] literal. */
static bool
read_array(struct request *request, const char *name, char **owner,
		   const char **literal)
{
	struct array_builder builder = {.name = name};

	MHD_get_connection_values_n(request->connection, MHD_GET_ARGUMENT_KIND,
								append_parameter_value, &builder);
	return finish_array(request, &builder, owner, literal);
}

bool
read_sort(struct request *request, const char **literal)
{
	return read_array(request, "sort", &request->sort_literal, literal);
}

bool
read_group_by(struct request *request, const char **literal)
{
	return read_array(request, "group_by", &request->group_by_literal,
					  literal);
}

/* The aggregate functions of agg_function and of an aggs entry. */
static const char *const aggregate_functions[] = {
	"value_count", "sum", "min", "max", "avg", "cardinality"
};

#define AGGREGATE_FUNCTION_LIST \
	"value_count, sum, min, max, avg or cardinality"

static bool
is_aggregate_function(const char *text, size_t length)
{
	for (size_t i = 0; i < sizeof(aggregate_functions) / sizeof(aggregate_functions[0]); i++)
	{
		if (strlen(aggregate_functions[i]) == length &&
			memcmp(aggregate_functions[i], text, length) == 0)
			return true;
	}
	return false;
}

/*
 * Check one "aggs" entry: function:column or function:column:alias, with a
 * known function and a non-empty column and alias.
 */
static enum MHD_Result
check_aggs_entry(void *closure, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	struct array_builder *builder = closure;
	const char *colon;
	const char *second_colon;
	const char *reason = NULL;

	(void) kind;
	if (key_size != strlen("aggs") || strncasecmp(key, "aggs", key_size) != 0)
		return MHD_YES;
	if (value == NULL)
		value = "";

	colon = strchr(value, ':');
	second_colon = colon ? strchr(colon + 1, ':') : NULL;
	if (colon == NULL)
		reason = "is not function:column or function:column:alias";
	else if (!is_aggregate_function(value, (size_t) (colon - value)))
		reason = "has an unknown function; expected " AGGREGATE_FUNCTION_LIST;
	else if (colon[1] == '\0' || colon[1] == ':')
		reason = "has an empty column";
	else if (second_colon != NULL && second_colon[1] == '\0')
		reason = "has an empty alias";

	if (reason != NULL && builder->invalid_value == NULL)
	{
		builder->invalid_value = value;
		builder->invalid_length = value_size;
		builder->invalid_reason = reason;
	}
	append_element(builder, value, value_size);
	return MHD_YES;
}

bool
read_aggregates(struct request *request, const char **literal)
{
	struct array_builder builder = {.name = "aggs"};
	const char *function;
	const char *column;

	*literal = NULL;
	if (!read_text(request, "agg_function", &function) ||
		!read_text(request, "agg_column", &column))
		return false;
	if ((function == NULL) != (column == NULL))
	{
		request_set_error(request, 422,
						  "parameter \"%s\" is missing: agg_function and agg_column are given together",
						  function == NULL ? "agg_function" : "agg_column");
		return false;
	}
	if (function != NULL &&
		!is_aggregate_function(function, strlen(function)))
	{
		reject_value(request, "agg_function", function, strlen(function),
					 "is not " AGGREGATE_FUNCTION_LIST);
		return false;
	}
	if (column != NULL && column[0] == '\0')
	{
		request_set_error(request, 422,
						  "invalid value for parameter \"agg_column\": \"\" is empty");
		return false;
	}

	MHD_get_connection_values_n(request->connection, MHD_GET_ARGUMENT_KIND,
								check_aggs_entry, &builder);
	if (builder.invalid_value != NULL)
	{
		reject_value(request, "aggs", builder.invalid_value,
					 builder.invalid_length, builder.invalid_reason);
		free(builder.text);
		return false;
	}

	/* The aggregate of agg_function is named after agg_column. */
	if (function != NULL)
	{
		char	   *entry;
		int			length = asprintf(&entry, "%s:%s:%s", function, column,
									  column);

		if (length < 0)
			builder.failed = true;
		else
		{
			append_element(&builder, entry, (size_t) length);
			free(entry);
		}
	}
	return finish_array(request, &builder, &request->aggs_literal, literal);
}

/* Parse true, false, 1 or 0 in any case. Returns false for any other text. */
static bool
parse_boolean(const char *text, bool *value)
{
	if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
		*value = true;
	else if (strcasecmp(text, "false") == 0 || strcmp(text, "0") == 0)
		*value = false;
	else
		return false;
	return true;
}

bool
read_boolean(struct request *request, const char *name, bool default_value,
			 bool *value)
{
	const char *text;

	if (!read_text(request, name, &text))
		return false;
	if (text == NULL)
	{
		*value = default_value;
		return true;
	}
	if (parse_boolean(text, value))
		return true;

	reject_value(request, name, text, strlen(text),
				 "is not true, false, 1 or 0");
	return false;
}

bool
read_optional_boolean(struct request *request, const char *name,
					  const char **value)
{
	const char *text;
	bool		parsed;

	if (!read_text(request, name, &text))
		return false;
	if (text == NULL)
	{
		*value = NULL;
		return true;
	}
	if (!parse_boolean(text, &parsed))
	{
		reject_value(request, name, text, strlen(text),
					 "is not true, false, 1 or 0");
		return false;
	}
	*value = parsed ? "true" : "false";
	return true;
}

bool
read_conflicts(struct request *request, const char **value)
{
	if (!read_text(request, "conflicts", value))
		return false;
	if (*value == NULL || strcmp(*value, "abort") == 0 ||
		strcmp(*value, "proceed") == 0)
		return true;

	reject_value(request, "conflicts", *value, strlen(*value),
				 "is not abort or proceed");
	return false;
}
