/*
 * params.c
 *      Validation of pstream names and query parameters.
 *
 * pstreamd checks the syntax of parameters (an integer, a boolean, a name)
 * so that the 422 names the parameter. Ranges that belong to the SQL
 * functions, such as limit from 1 to 10000, are checked by those functions
 * and come back as SQLSTATE 22023, which is a 422 as well.
 *
 * The defaults here repeat the DEFAULT clauses of the SQL functions: the
 * functions are STRICT, so pstreamd cannot pass NULL to mean "the default".
 */
#include "params.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PSTREAM_NAME_MAX_LENGTH 255
#define DEFAULT_SORT "{-timestamp}"
#define DEFAULT_OFFSET 0
#define DEFAULT_LIMIT 100

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

static const char *
lookup_argument(struct request *request, const char *name)
{
	return MHD_lookup_connection_value(request->connection,
									   MHD_GET_ARGUMENT_KIND, name);
}

/*
 * Read an integer parameter from min to max; absent gives default_value.
 * The range here is that of the SQL parameter type, not the valid range.
 */
static bool
read_integer(struct request *request, const char *name, long long min,
			 long long max, long long default_value, char *out, size_t size)
{
	const char *text = lookup_argument(request, name);
	char	   *end;
	long long	number;

	if (text == NULL)
	{
		snprintf(out, size, "%lld", default_value);
		return true;
	}

	errno = 0;
	number = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || number < min ||
		number > max)
	{
		char		printable[400];

		format_printable(printable, sizeof(printable), text, strlen(text));
		request_set_error(request, 422,
						  "invalid value for parameter \"%s\": \"%s\" is not an integer",
						  name, printable);
		return false;
	}
	snprintf(out, size, "%lld", number);
	return true;
}

bool
read_paging(struct request *request, struct paging *paging)
{
	return read_integer(request, "offset", INT64_MIN, INT64_MAX,
						DEFAULT_OFFSET, paging->offset,
						sizeof(paging->offset)) &&
		read_integer(request, "limit", INT32_MIN, INT32_MAX, DEFAULT_LIMIT,
					 paging->limit, sizeof(paging->limit));
}

/* A text[] literal under construction. */
struct array_builder
{
	char	   *text;
	size_t		length;
	size_t		capacity;
	int			count;
	bool		failed;
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

/*
 * Append each "sort" value as a double-quoted array element, with '"' and
 * '\' escaped by a backslash as array_in expects.
 */
static enum MHD_Result
append_sort_value(void *closure, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct array_builder *builder = closure;

	(void) kind;
	if (strcmp(key, "sort") != 0)
		return MHD_YES;

	append(builder, builder->count == 0 ? "{\"" : ",\"", 2);
	for (const char *p = value ? value : ""; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			append(builder, "\\", 1);
		append(builder, p, 1);
	}
	append(builder, "\"", 1);
	builder->count++;
	return MHD_YES;
}

bool
read_sort(struct request *request, char **literal)
{
	struct array_builder builder = {0};

	MHD_get_connection_values(request->connection, MHD_GET_ARGUMENT_KIND,
							  append_sort_value, &builder);
	if (builder.count == 0)
		append(&builder, DEFAULT_SORT, strlen(DEFAULT_SORT));
	else
		append(&builder, "}", 1);

	if (builder.failed)
	{
		free(builder.text);
		request_set_error(request, 500, "out of memory reading parameter \"sort\"");
		return false;
	}
	*literal = builder.text;
	return true;
}

bool
read_boolean(struct request *request, const char *name, bool default_value,
			 bool *value)
{
	const char *text = lookup_argument(request, name);
	char		printable[400];

	if (text == NULL)
	{
		*value = default_value;
		return true;
	}
	if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
	{
		*value = true;
		return true;
	}
	if (strcasecmp(text, "false") == 0 || strcmp(text, "0") == 0)
	{
		*value = false;
		return true;
	}

	format_printable(printable, sizeof(printable), text, strlen(text));
	request_set_error(request, 422,
					  "invalid value for parameter \"%s\": \"%s\" is not true, false, 1 or 0",
					  name, printable);
	return false;
}
