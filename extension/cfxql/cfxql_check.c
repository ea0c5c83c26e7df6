/*
 * cfxql_check.c
 *	  Context rules of CFXQL, applied to the syntax tree after parsing.
 *
 * The parser accepts any value where one may stand, and this pass decides
 * what each operator allows.  Fields on the right come only after =, !=,
 * >, >=, < and <=.  Ordering operators take no boolean or null, string
 * operators take only strings and numbers, and lists hold only scalars.
 * The pass also resolves time operands (through cfxql_time.c), bounds number
 * literals to what PostgreSQL's numeric type reads, and rejects duplicate
 * output names of a projection.  Every error points at the offending token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfxql_int.h"

/* PostgreSQL's numeric input rejects exponents beyond +-1000 (PG 15). */
#define MAX_NUMBER_EXPONENT 1000
#define MAX_NUMBER_LENGTH 1000

static void
describe_value(const CfxqlValue *value, char *out, size_t size)
{
	int			len = (int) (value->len > 40 ? 40 : value->len);

	switch (value->kind)
	{
		case VALUE_FIELD:
			snprintf(out, size, "field name \"%.*s\"", len, value->text);
			break;
		case VALUE_BOOLEAN:
			snprintf(out, size, "%s", value->boolean ? "true" : "false");
			break;
		case VALUE_NULL:
			snprintf(out, size, "null");
			break;
		case VALUE_STRING:
			snprintf(out, size, "string \"%.*s\"", len, value->text);
			break;
		case VALUE_NUMBER:
			snprintf(out, size, "number %.*s", len, value->text);
			break;
	}
}

static bool
reject_value(CfxqlContext *cx, const CfxqlValue *value, const char *what,
			 const char *after)
{
	char		found[80];

	describe_value(value, found, sizeof(found));
	return cfxql_syntax_error(cx, value->start, "expected %s after \"%s\", found %s",
							  what, after, found);
}

/* Whether PostgreSQL's numeric (and jsonb) input accepts the literal. */
static bool
check_number(CfxqlContext *cx, const CfxqlValue *value)
{
	const char *e = memchr(value->text, 'e', value->len);
	long		exponent = 0;

	if (e == NULL)
		e = memchr(value->text, 'E', value->len);
	if (e != NULL)
	{
		const char *p = e + 1;
		int			sign = 1;

		if (*p == '+' || *p == '-')
			sign = (*p++ == '-') ? -1 : 1;
		while (*p >= '0' && *p <= '9' && exponent <= MAX_NUMBER_EXPONENT)
			exponent = exponent * 10 + (*p++ - '0');
		exponent *= sign;
	}
	if (value->len > MAX_NUMBER_LENGTH || exponent > MAX_NUMBER_EXPONENT ||
		exponent < -MAX_NUMBER_EXPONENT)
		return cfxql_syntax_error(cx, value->start,
								  "number %.40s%s is out of range: at most %d characters and an exponent within %d",
								  value->text, value->len > 40 ? "..." : "",
								  MAX_NUMBER_LENGTH, MAX_NUMBER_EXPONENT);
	return true;
}

static bool
check_values(CfxqlContext *cx, const CfxqlNode *node)
{
	for (int i = 0; i < node->value_count; i++)
	{
		const CfxqlValue *value = &node->values[i];

		if (value->kind == VALUE_NUMBER && !check_number(cx, value))
			return false;

		switch (node->op)
		{
			case OP_EQ:
			case OP_NE:
				break;
			case OP_GT:
			case OP_GE:
			case OP_LT:
			case OP_LE:
				if (value->kind == VALUE_BOOLEAN || value->kind == VALUE_NULL)
					return reject_value(cx, value, "a number, a string or a field",
										node->op_text);
				break;
			case OP_IN:
			case OP_NOT_IN:
				if (value->kind == VALUE_FIELD)
					return reject_value(cx, value,
										"a list of strings, numbers, booleans or null",
										node->op_text);
				break;
			default:			/* string operators */
				if (value->kind != VALUE_STRING && value->kind != VALUE_NUMBER)
					return reject_value(cx, value, "a string or a number",
										node->op_text);
				break;
		}
	}
	return true;
}

static bool
check_times(CfxqlContext *cx, CfxqlNode *node, int64_t now_micros)
{
	char		message[256];

	for (int i = 0; i < node->time_count; i++)
	{
		if (!cfxql_time_resolve(&node->times[i], now_micros, message, sizeof(message)))
			return cfxql_syntax_error(cx, node->times[i].start, "%s", message);
	}

	/* a single operand of "during" must span time: a period or a date */
	if ((node->op == OP_DURING || node->op == OP_NOT_DURING) && node->time_count == 1)
	{
		const CfxqlTime *time = &node->times[0].resolved;

		if (time->kind == TIME_RELATIVE ||
			(time->kind == TIME_ABSOLUTE && !time->date_only))
			return cfxql_syntax_error(cx, node->times[0].start,
									  "expected a named period or a date without a time after \"%s\"; write \"%s A to B\" for a range",
									  node->op_text, node->op_text);
	}
	return true;
}

static bool
check_node(CfxqlContext *cx, CfxqlNode *node, int64_t now_micros)
{
	if (node->kind != NODE_PREDICATE)
	{
		for (int i = 0; i < node->child_count; i++)
		{
			if (!check_node(cx, node->children[i], now_micros))
				return false;
		}
		return true;
	}
	return check_values(cx, node) && check_times(cx, node, now_micros);
}

static const char *
output_name(const CfxqlColumnNode *column, size_t *len)
{
	*len = column->name ? column->name_len : column->field_len;
	return column->name ? column->name : column->field;
}

static size_t
output_start(const CfxqlColumnNode *column)
{
	return column->name ? column->name_start : column->field_start;
}

/* Orders columns by output name, then by position in the query. */
static int
compare_columns(const void *a, const void *b)
{
	const CfxqlColumnNode *x = *(const CfxqlColumnNode *const *) a;
	const CfxqlColumnNode *y = *(const CfxqlColumnNode *const *) b;
	size_t		x_len;
	size_t		y_len;
	const char *x_name = output_name(x, &x_len);
	const char *y_name = output_name(y, &y_len);
	int			order = memcmp(x_name, y_name, x_len < y_len ? x_len : y_len);

	if (order != 0)
		return order;
	if (x_len != y_len)
		return x_len < y_len ? -1 : 1;
	return output_start(x) < output_start(y) ? -1 : 1;
}

/* Rejects the first column, in query order, whose output name is taken. */
static bool
check_projection(CfxqlContext *cx, const CfxqlQuery *query)
{
	const CfxqlColumnNode **sorted;
	const CfxqlColumnNode *duplicate = NULL;

	if (query->column_count < 2)
		return true;
	sorted = cfxql_alloc(cx, sizeof(CfxqlColumnNode *) * query->column_count);
	if (sorted == NULL)
		return false;
	for (int i = 0; i < query->column_count; i++)
		sorted[i] = &query->columns[i];
	qsort(sorted, query->column_count, sizeof(sorted[0]), compare_columns);

	for (int i = 1; i < query->column_count; i++)
	{
		size_t		len;
		size_t		previous_len;
		const char *name = output_name(sorted[i], &len);
		const char *previous = output_name(sorted[i - 1], &previous_len);

		if (len == previous_len && memcmp(name, previous, len) == 0 &&
			(duplicate == NULL || output_start(sorted[i]) < output_start(duplicate)))
			duplicate = sorted[i];
	}
	if (duplicate != NULL)
	{
		size_t		len;
		const char *name = output_name(duplicate, &len);

		return cfxql_syntax_error(cx, output_start(duplicate),
								  "duplicate output name \"%.*s\" in GET",
								  (int) (len > 60 ? 60 : len), name);
	}
	return true;
}

bool
cfxql_check(CfxqlContext *cx, CfxqlQuery *query)
{
	int64_t		now_micros = (int64_t) time(NULL) * INT64_C(1000000) - CFXQL_UNIX_EPOCH_MICROS;

	if (query->filter != NULL && !check_node(cx, query->filter, now_micros))
		return false;
	return check_projection(cx, query);
}
