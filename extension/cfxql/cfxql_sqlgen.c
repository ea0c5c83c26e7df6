/*
 * cfxql_sqlgen.c
 *	  SQL generation: writes the checked syntax tree as one SQL boolean
 *	  expression over a jsonb record.
 *
 * Every predicate compiles to an expression that is never NULL, so NOT of it
 * is its exact complement even for missing keys and JSON null.  Containment
 * tests (record @> '{"key": value}'::jsonb) are never NULL for a non-null
 * record, and any other test is wrapped in IS TRUE or coalesce().
 *
 * Case-sensitive equality and "in" compile to an OR of containment tests,
 * which a GIN index with jsonb_path_ops serves as a BitmapOr, as long as
 * every arm is such a test:
 *	- a string literal s: {"k": "s"}; when s is a number as PostgreSQL prints
 *	  numbers, {"k": s} rechecked by text (containment compares numbers by
 *	  value, and "80" must not match a stored 80.0); when s is true or
 *	  false, {"k": true} or {"k": false};
 *	- a boolean literal: {"k": true} and the 16 case spellings of "true"
 *	  ({"k": "TRUE"}, {"k": "tRuE"}, ...), or the 32 of "false";
 *	- a number literal n: {"k": n} and {"k": "n"}, plus an exact recheck of
 *	  other numeric strings ("80.0", "8e1").  The recheck cannot be served
 *	  by the jsonb_path_ops index, so a number literal costs a sequential
 *	  scan, unless the numeric_string_index option turns it into
 *	  containment in pstream.cfxql_numeric_strings(record), which a GIN
 *	  expression index on that function serves.  That containment also
 *	  matches "n" itself, so with the option {"k": "n"} is left out.
 *
 * When the caller names B-tree indexed keys (CfxqlOptions.btree_fields) or
 * the key of a time column (time_field), the generator ANDs an indexable
 * candidate test to the exact condition of "=", "in", number ordering and
 * time operators on those keys.  Each candidate test is true whenever the
 * exact condition is, so the conjunction equals the exact condition (also
 * under NOT) and only the plan changes.
 *
 * Text from the query reaches the SQL only through the quoting hook: string
 * and number literals, field names (as JSON keys and as -> operands), LIKE
 * patterns and JSON texts built here.  Everything else is fixed text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfxql_int.h"

typedef struct Generator
{
	CfxqlContext *cx;
	CfxqlBuffer *out;
	const char *record;
	bool		case_sensitive;
} Generator;

static void generate_node(Generator *g, const CfxqlNode *node);

/*
 * Bounds of pstream.cfxql_index_number(): it clamps numbers to
 * +-1e200 and rounds them to 200 decimal places, so that an index entry
 * stays small.  A range on it is only used for a literal strictly inside
 * the clamp with at most that many decimal places, where the clamped and
 * rounded value still orders like the number.
 */
#define INDEX_NUMBER_MAX_EXPONENT 200
#define INDEX_NUMBER_MAX_SCALE 200

/* ---------- literals ---------- */

/* Appends text as an SQL string literal, through the caller's hook if any. */
static void
emit_literal(Generator *g, const char *text, size_t len)
{
	const CfxqlOptions *options = g->cx->options;
	char	   *quoted;

	if (options->quote_literal == NULL)
	{
		cfxql_quote_literal_into(g->out, text, len);
		return;
	}
	quoted = options->quote_literal(text, len);
	if (quoted == NULL)
	{
		g->out->failed = true;
		return;
	}
	cfxql_buffer_puts(g->out, quoted);
	if (options->memory != NULL && options->memory->free != NULL)
		options->memory->free(options->memory->context, quoted);
	else if (options->memory == NULL)
		free(quoted);
}

static void
emit_buffer_literal(Generator *g, const CfxqlBuffer *text)
{
	if (text->failed)
		g->out->failed = true;
	else
		emit_literal(g, text->data ? text->data : "", text->len);
}

/* Appends text as a JSON string: quotes, backslashes and controls escaped. */
static void
json_string(CfxqlBuffer *buf, const char *text, size_t len)
{
	cfxql_buffer_append(buf, "\"", 1);
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c == '"' || c == '\\')
		{
			cfxql_buffer_append(buf, "\\", 1);
			cfxql_buffer_append(buf, &text[i], 1);
		}
		else if (c < 0x20)
			cfxql_buffer_printf(buf, "\\u%04x", c);
		else
			cfxql_buffer_append(buf, &text[i], 1);
	}
	cfxql_buffer_append(buf, "\"", 1);
}

/* A number literal as JSON: the text as written, less a leading '+'. */
static void
json_number(CfxqlBuffer *buf, const char *text, size_t len)
{
	if (len > 0 && text[0] == '+')
		cfxql_buffer_append(buf, text + 1, len - 1);
	else
		cfxql_buffer_append(buf, text, len);
}

bool
cfxql_is_number_syntax(const char *text, size_t len, bool allow_plus)
{
	size_t		p = 0;

	if (p < len && (text[p] == '-' || (allow_plus && text[p] == '+')))
		p++;
	if (p >= len || text[p] < '0' || text[p] > '9')
		return false;
	if (text[p] == '0')
		p++;
	else
		while (p < len && text[p] >= '0' && text[p] <= '9')
			p++;
	if (p < len && text[p] == '.')
	{
		p++;
		if (p >= len || text[p] < '0' || text[p] > '9')
			return false;
		while (p < len && text[p] >= '0' && text[p] <= '9')
			p++;
	}
	if (p < len && (text[p] == 'e' || text[p] == 'E'))
	{
		p++;
		if (p < len && (text[p] == '+' || text[p] == '-'))
			p++;
		if (p >= len || text[p] < '0' || text[p] > '9')
			return false;
		while (p < len && text[p] >= '0' && text[p] <= '9')
			p++;
	}
	return p == len;
}

/*
 * Whether text is a number exactly as PostgreSQL prints a jsonb number: no
 * exponent, no '+', no leading zeros, and no minus on a zero.
 */
static bool
is_printed_number(const char *text, size_t len)
{
	bool		nonzero = false;

	if (len > 1000 || !cfxql_is_number_syntax(text, len, false) ||
		memchr(text, 'e', len) != NULL || memchr(text, 'E', len) != NULL)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] >= '1' && text[i] <= '9')
			nonzero = true;
	}
	return text[0] != '-' || nonzero;
}

/* ---------- building blocks ---------- */

/* record -> 'key' */
static void
emit_field(Generator *g, const char *key, size_t len)
{
	cfxql_buffer_puts(g->out, g->record);
	cfxql_buffer_puts(g->out, " -> ");
	emit_literal(g, key, len);
}

/* (record -> 'key'), as the operand of another operator */
static void
emit_field_operand(Generator *g, const char *key, size_t len)
{
	cfxql_buffer_puts(g->out, "(");
	emit_field(g, key, len);
	cfxql_buffer_puts(g->out, ")");
}

/* Appends one "OR" arm separator when needed. */
static void
next_arm(Generator *g, int *arms)
{
	if ((*arms)++ > 0)
		cfxql_buffer_puts(g->out, " OR ");
}

/* '{"key": <json>}'::jsonb */
static void
emit_containment_document(Generator *g, const char *key, size_t key_len,
						  const char *json, size_t json_len, bool json_is_string)
{
	CfxqlBuffer document;

	cfxql_buffer_init(&document, g->cx);
	cfxql_buffer_puts(&document, "{");
	json_string(&document, key, key_len);
	cfxql_buffer_puts(&document, ": ");
	if (json_is_string)
		json_string(&document, json, json_len);
	else
		cfxql_buffer_append(&document, json, json_len);
	cfxql_buffer_puts(&document, "}");
	emit_buffer_literal(g, &document);
	cfxql_buffer_puts(g->out, "::jsonb");
}

/* record @> '{"key": <json>}'::jsonb */
static void
emit_containment(Generator *g, const char *key, size_t key_len,
				 const char *json, size_t json_len, bool json_is_string)
{
	cfxql_buffer_puts(g->out, g->record);
	cfxql_buffer_puts(g->out, " @> ");
	emit_containment_document(g, key, key_len, json, json_len, json_is_string);
}

/* is null: a missing key, JSON null, or "" */
static void
emit_is_null(Generator *g, const char *key, size_t len)
{
	cfxql_buffer_puts(g->out, "coalesce(");
	emit_field_operand(g, key, len);
	cfxql_buffer_puts(g->out, " IN ('null'::jsonb, '\"\"'::jsonb), true)");
}

/* One containment arm per case spelling of word ("true" or "false"). */
static void
emit_case_spellings(Generator *g, const char *key, size_t key_len,
					const char *word, int *arms)
{
	size_t		len = strlen(word);
	char		spelling[8];

	for (unsigned mask = 0; mask < (1u << len); mask++)
	{
		for (size_t i = 0; i < len; i++)
			spelling[i] = (mask & (1u << i)) ? (char) (word[i] - 'a' + 'A') : word[i];
		next_arm(g, arms);
		emit_containment(g, key, key_len, spelling, len, true);
	}
}

/* ---------- equality and lists ---------- */

static void
emit_string_equality(Generator *g, const char *key, size_t key_len,
					 const CfxqlValue *value, int *arms)
{
	next_arm(g, arms);
	emit_containment(g, key, key_len, value->text, value->len, true);

	/* a stored number whose printed text is the string */
	if (is_printed_number(value->text, value->len))
	{
		next_arm(g, arms);
		cfxql_buffer_puts(g->out, "(");
		emit_containment(g, key, key_len, value->text, value->len, false);
		cfxql_buffer_puts(g->out, " AND ");
		emit_field_operand(g, key, key_len);
		cfxql_buffer_puts(g->out, " #>> '{}' = ");
		emit_literal(g, value->text, value->len);
		cfxql_buffer_puts(g->out, ")");
	}
	if ((value->len == 4 && memcmp(value->text, "true", 4) == 0) ||
		(value->len == 5 && memcmp(value->text, "false", 5) == 0))
	{
		next_arm(g, arms);
		emit_containment(g, key, key_len, value->text, value->len, false);
	}
}

static void
emit_number_equality(Generator *g, const char *key, size_t key_len,
					 const CfxqlValue *value, int *arms)
{
	CfxqlBuffer number;

	cfxql_buffer_init(&number, g->cx);
	json_number(&number, value->text, value->len);
	next_arm(g, arms);
	emit_containment(g, key, key_len, number.data ? number.data : "0", number.len, false);

	/*
	 * The string of the same spelling, unless it is "+80" (no JSON number)
	 * or the numeric strings arm of emit_numeric_strings() matches it.  A
	 * bitmap scan rechecks every arm on each candidate row, so an arm that
	 * matches nothing new only costs time.
	 */
	if (value->text[0] != '+' &&
		!(g->cx->options->numeric_string_index &&
		  cfxql_is_numeric_string(value->text, value->len)))
	{
		next_arm(g, arms);
		emit_containment(g, key, key_len, value->text, value->len, true);
	}
}

static void
emit_boolean_equality(Generator *g, const char *key, size_t key_len,
					  bool boolean, int *arms)
{
	const char *word = boolean ? "true" : "false";

	next_arm(g, arms);
	emit_containment(g, key, key_len, word, strlen(word), false);
	emit_case_spellings(g, key, key_len, word, arms);
}

/* Case-insensitive strings: lower(text of value) IN (lower('a'), ...). */
static void
emit_folded_strings(Generator *g, const char *key, size_t key_len,
					const CfxqlValue *values, int count, int *arms)
{
	int			strings = 0;

	for (int i = 0; i < count; i++)
	{
		if (values[i].kind != VALUE_STRING)
			continue;
		if (strings++ == 0)
		{
			next_arm(g, arms);
			cfxql_buffer_puts(g->out, "(lower(pstream.cfxql_text(");
			emit_field(g, key, key_len);
			cfxql_buffer_puts(g->out, ")) IN (");
		}
		else
			cfxql_buffer_puts(g->out, ", ");
		cfxql_buffer_puts(g->out, "lower(");
		emit_literal(g, values[i].text, values[i].len);
		cfxql_buffer_puts(g->out, ")");
	}
	if (strings > 0)
		cfxql_buffer_puts(g->out, ")) IS TRUE");
}

/*
 * Numeric strings in spellings other than the literal's: "80.0" = 80.  With
 * numeric_string_index, one containment test per number against the
 * record's numeric strings converted to numbers, which an expression index
 * serves.  Otherwise one recheck of the value for all numbers.
 */
static void
emit_numeric_strings(Generator *g, const char *key, size_t key_len,
					 const CfxqlValue *values, int count, int *arms)
{
	int			numbers = 0;

	if (g->cx->options->numeric_string_index)
	{
		for (int i = 0; i < count; i++)
		{
			CfxqlBuffer number;

			if (values[i].kind != VALUE_NUMBER)
				continue;
			cfxql_buffer_init(&number, g->cx);
			json_number(&number, values[i].text, values[i].len);
			next_arm(g, arms);
			cfxql_buffer_puts(g->out, "pstream.cfxql_numeric_strings(");
			cfxql_buffer_puts(g->out, g->record);
			cfxql_buffer_puts(g->out, ") @> ");
			emit_containment_document(g, key, key_len,
									  number.data ? number.data : "0", number.len, false);
		}
		return;
	}

	for (int i = 0; i < count; i++)
	{
		if (values[i].kind != VALUE_NUMBER)
			continue;
		if (numbers++ == 0)
		{
			next_arm(g, arms);
			cfxql_buffer_puts(g->out, "(pstream.cfxql_numeric_string(");
			emit_field(g, key, key_len);
			cfxql_buffer_puts(g->out, ") IN (");
		}
		else
			cfxql_buffer_puts(g->out, ", ");
		emit_literal(g, values[i].text, values[i].len);
		cfxql_buffer_puts(g->out, "::numeric");
	}
	if (numbers > 0)
		cfxql_buffer_puts(g->out, ")) IS TRUE");
}

/* The positive form of "=" or "in" with literal values, exactly. */
static void
emit_exact_equality_set(Generator *g, const CfxqlNode *node)
{
	int			arms = 0;
	bool		has_null = false;
	size_t		mark = g->out->len;

	cfxql_buffer_puts(g->out, "(");
	for (int i = 0; i < node->value_count; i++)
	{
		const CfxqlValue *value = &node->values[i];

		switch (value->kind)
		{
			case VALUE_STRING:
				if (g->case_sensitive)
					emit_string_equality(g, node->field, node->field_len, value, &arms);
				break;
			case VALUE_NUMBER:
				emit_number_equality(g, node->field, node->field_len, value, &arms);
				break;
			case VALUE_BOOLEAN:
				emit_boolean_equality(g, node->field, node->field_len, value->boolean, &arms);
				break;
			case VALUE_NULL:
				has_null = true;
				break;
			case VALUE_FIELD:
				break;			/* rejected by the check pass */
		}
	}
	if (!g->case_sensitive)
		emit_folded_strings(g, node->field, node->field_len,
							node->values, node->value_count, &arms);
	emit_numeric_strings(g, node->field, node->field_len,
						 node->values, node->value_count, &arms);
	if (has_null)
	{
		next_arm(g, &arms);
		emit_is_null(g, node->field, node->field_len);
	}
	cfxql_buffer_puts(g->out, ")");

	/* a single arm needs no parentheses of its own */
	if (arms == 1 && !g->out->failed)
	{
		memmove(g->out->data + mark, g->out->data + mark + 1, g->out->len - mark - 2);
		g->out->len -= 2;
		g->out->data[g->out->len] = '\0';
	}
}

/* ---------- candidate tests for B-tree and time indexes ---------- */

static bool
is_btree_field(const Generator *g, const char *key, size_t len)
{
	const CfxqlOptions *options = g->cx->options;

	for (int i = 0; i < options->btree_field_count; i++)
	{
		const char *field = options->btree_fields[i];

		if (strlen(field) == len && memcmp(field, key, len) == 0)
			return true;
	}
	return false;
}

static bool
is_time_column_field(const Generator *g, const char *key, size_t len)
{
	const CfxqlOptions *options = g->cx->options;

	return options->time_field != NULL && options->time_column != NULL &&
		strlen(options->time_field) == len && memcmp(options->time_field, key, len) == 0;
}

/* pstream.cfxql_index_key('<json>'::jsonb) of one literal */
static void
emit_literal_index_key(Generator *g, const CfxqlValue *value)
{
	CfxqlBuffer json;

	cfxql_buffer_init(&json, g->cx);
	if (value->kind == VALUE_STRING)
		json_string(&json, value->text, value->len);
	else if (value->kind == VALUE_NUMBER)
		json_number(&json, value->text, value->len);
	else
		cfxql_buffer_puts(&json, value->boolean ? "true" : "false");
	cfxql_buffer_puts(g->out, "pstream.cfxql_index_key(");
	emit_buffer_literal(g, &json);
	cfxql_buffer_puts(g->out, "::jsonb)");
}

/*
 * "=" or "in".  On a B-tree field, the exact condition is ANDed with
 * cfxql_index_key(value) IN (keys of the literals): every value that the
 * exact condition accepts (case-sensitively or not) has the key of one of
 * the literals.  A null literal also accepts a missing key, which has no
 * index key, so a set with null stays exact only.
 */
static void
emit_equality_set(Generator *g, const CfxqlNode *node)
{
	bool		indexable = is_btree_field(g, node->field, node->field_len);

	for (int i = 0; i < node->value_count; i++)
	{
		if (node->values[i].kind == VALUE_NULL || node->values[i].kind == VALUE_FIELD)
			indexable = false;
	}
	if (!indexable)
	{
		emit_exact_equality_set(g, node);
		return;
	}

	cfxql_buffer_puts(g->out, "(pstream.cfxql_index_key(");
	emit_field(g, node->field, node->field_len);
	cfxql_buffer_puts(g->out, ") IN (");
	for (int i = 0; i < node->value_count; i++)
	{
		if (i > 0)
			cfxql_buffer_puts(g->out, ", ");
		emit_literal_index_key(g, &node->values[i]);
	}
	cfxql_buffer_puts(g->out, ") AND (");
	emit_exact_equality_set(g, node);
	cfxql_buffer_puts(g->out, "))");
}

/*
 * Whether a number literal lies strictly inside the clamp of
 * pstream.cfxql_index_number() and has at most INDEX_NUMBER_MAX_SCALE
 * decimal places.  The lexer has checked the syntax and bounded the
 * exponent to +-1000.
 */
static bool
fits_index_number(const char *text, size_t len)
{
	size_t		p = 0;
	long		integer_digits = 0;
	long		fraction_digits = 0;
	long		exponent = 0;
	bool		negative_exponent = false;

	if (p < len && (text[p] == '-' || text[p] == '+'))
		p++;
	while (p < len && text[p] >= '0' && text[p] <= '9')
	{
		p++;
		integer_digits++;
	}
	if (p < len && text[p] == '.')
	{
		p++;
		while (p < len && text[p] >= '0' && text[p] <= '9')
		{
			p++;
			fraction_digits++;
		}
	}
	if (p < len && (text[p] == 'e' || text[p] == 'E'))
	{
		p++;
		if (p < len && (text[p] == '+' || text[p] == '-'))
			negative_exponent = text[p++] == '-';
		while (p < len && text[p] >= '0' && text[p] <= '9' && exponent < 100000)
			exponent = exponent * 10 + (text[p++] - '0');
		if (negative_exponent)
			exponent = -exponent;
	}
	return integer_digits + exponent < INDEX_NUMBER_MAX_EXPONENT &&
		fraction_digits - exponent <= INDEX_NUMBER_MAX_SCALE;
}

/* ---------- other predicates ---------- */

static void
emit_field_comparison(Generator *g, const CfxqlNode *node)
{
	const CfxqlValue *other = &node->values[0];
	static const char *const comparisons[] = {
		[OP_GT] = " > 0", [OP_GE] = " >= 0", [OP_LT] = " < 0", [OP_LE] = " <= 0"
	};

	if (node->op == OP_EQ || node->op == OP_NE)
	{
		if (node->op == OP_NE)
			cfxql_buffer_puts(g->out, "NOT ");
		cfxql_buffer_puts(g->out, g->case_sensitive ?
						  "pstream.cfxql_equal(" : "pstream.cfxql_equal_ci(");
		emit_field(g, node->field, node->field_len);
		cfxql_buffer_puts(g->out, ", ");
		emit_field(g, other->text, other->len);
		cfxql_buffer_puts(g->out, ")");
		return;
	}
	cfxql_buffer_puts(g->out, "(pstream.cfxql_compare(");
	emit_field(g, node->field, node->field_len);
	cfxql_buffer_puts(g->out, ", ");
	emit_field(g, other->text, other->len);
	cfxql_buffer_puts(g->out, ")");
	cfxql_buffer_puts(g->out, comparisons[node->op]);
	cfxql_buffer_puts(g->out, ") IS TRUE");
}

static const char *
ordering_sql(CfxqlOperator op)
{
	switch (op)
	{
		case OP_GT:
			return " > ";
		case OP_GE:
			return " >= ";
		case OP_LT:
			return " < ";
		default:
			return " <= ";
	}
}

/* Numbers compare numerically and strings bytewise.  Nothing else matches. */
static void
emit_ordering(Generator *g, const CfxqlNode *node)
{
	const CfxqlValue *value = &node->values[0];

	if (value->kind == VALUE_NUMBER)
	{
		/*
		 * On a B-tree field, a range on the clamped and rounded number
		 * first.  It must include the bound itself even for > and <,
		 * because rounding can make a larger number equal to the bound.
		 */
		bool		indexed = is_btree_field(g, node->field, node->field_len) &&
			fits_index_number(value->text, value->len);

		if (indexed)
		{
			cfxql_buffer_puts(g->out, "(pstream.cfxql_index_number(");
			emit_field(g, node->field, node->field_len);
			cfxql_buffer_puts(g->out, node->op == OP_GT || node->op == OP_GE ? ") >= " : ") <= ");
			emit_literal(g, value->text, value->len);
			cfxql_buffer_puts(g->out, "::numeric AND ");
		}
		cfxql_buffer_puts(g->out, "(pstream.cfxql_number(");
		emit_field(g, node->field, node->field_len);
		cfxql_buffer_puts(g->out, ")");
		cfxql_buffer_puts(g->out, ordering_sql(node->op));
		emit_literal(g, value->text, value->len);
		cfxql_buffer_puts(g->out, "::numeric) IS TRUE");
		if (indexed)
			cfxql_buffer_puts(g->out, ")");
		return;
	}
	cfxql_buffer_puts(g->out, "(pstream.cfxql_string(");
	emit_field(g, node->field, node->field_len);
	cfxql_buffer_puts(g->out, ") COLLATE \"C\"");
	cfxql_buffer_puts(g->out, ordering_sql(node->op));
	emit_literal(g, value->text, value->len);
	cfxql_buffer_puts(g->out, ") IS TRUE");
}

/* Escapes LIKE's wildcards and its escape character (backslash). */
static void
like_escape(CfxqlBuffer *buf, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] == '%' || text[i] == '_' || text[i] == '\\')
			cfxql_buffer_append(buf, "\\", 1);
		cfxql_buffer_append(buf, &text[i], 1);
	}
}

static void
add_regex(Generator *g, const CfxqlValue *value)
{
	CfxqlContext *cx = g->cx;
	CfxqlResult *result = cx->result;
	CfxqlRegex *regex;

	if (result->regex_count == cx->regex_capacity)
	{
		int			capacity = cx->regex_capacity ? cx->regex_capacity * 2 : 8;
		CfxqlRegex *grown = cfxql_alloc(cx, sizeof(CfxqlRegex) * capacity);

		if (grown == NULL)
		{
			g->out->failed = true;
			return;
		}
		if (result->regex_count > 0)
			memcpy(grown, result->regexes, sizeof(CfxqlRegex) * result->regex_count);
		result->regexes = grown;
		cx->regex_capacity = capacity;
	}
	regex = (CfxqlRegex *) &result->regexes[result->regex_count++];
	regex->pattern = value->text;
	regex->pattern_len = value->len;
	regex->case_insensitive = !g->case_sensitive;
	regex->position = cfxql_char_position(cx->query, value->start);
}

/* ~, ^~, ~$ (LIKE) and ? (regular expression), on the text of the value. */
static void
emit_string_operator(Generator *g, const CfxqlNode *node, CfxqlOperator positive)
{
	const CfxqlValue *value = &node->values[0];
	CfxqlBuffer pattern;

	cfxql_buffer_puts(g->out, g->case_sensitive ? "(pstream.cfxql_text(" :
					  "(lower(pstream.cfxql_text(");
	emit_field(g, node->field, node->field_len);
	cfxql_buffer_puts(g->out, g->case_sensitive ? ")" : "))");

	if (positive == OP_MATCHES)
	{
		cfxql_buffer_puts(g->out, g->case_sensitive ? " ~ " : " ~* ");
		emit_literal(g, value->text, value->len);
		cfxql_buffer_puts(g->out, ") IS TRUE");
		add_regex(g, value);
		return;
	}

	cfxql_buffer_init(&pattern, g->cx);
	if (positive != OP_STARTS)
		cfxql_buffer_puts(&pattern, "%");
	like_escape(&pattern, value->text, value->len);
	if (positive != OP_ENDS)
		cfxql_buffer_puts(&pattern, "%");
	cfxql_buffer_puts(g->out, " COLLATE \"C\" LIKE ");
	if (!g->case_sensitive)
		cfxql_buffer_puts(g->out, "lower(");
	emit_buffer_literal(g, &pattern);
	if (!g->case_sensitive)
		cfxql_buffer_puts(g->out, ")");
	cfxql_buffer_puts(g->out, ") IS TRUE");
}

/* ---------- times ---------- */

static const char *
unit_plural(CfxqlTimeUnit unit)
{
	static const char *const names[] = {
		"seconds", "minutes", "hours", "days", "weeks", "months", "years"
	};

	return names[unit];
}

static void
emit_absolute(Generator *g, int64_t micros)
{
	char		text[64];

	cfxql_time_format(micros, text, sizeof(text));
	emit_literal(g, text, strlen(text));
	cfxql_buffer_puts(g->out, "::timestamptz");
}

/* Start (end = false) or end of a named period, or a point in time. */
static void
emit_time(Generator *g, const CfxqlTime *time, bool end)
{
	static const struct
	{
		const char *unit;
		int			steps;
	}			periods[] = {
		[PERIOD_TODAY] = {"day", 0}, [PERIOD_YESTERDAY] = {"day", -1},
		[PERIOD_THIS_WEEK] = {"week", 0}, [PERIOD_THIS_MONTH] = {"month", 0},
		[PERIOD_THIS_YEAR] = {"year", 0}, [PERIOD_LAST_WEEK] = {"week", -1},
		[PERIOD_LAST_MONTH] = {"month", -1}, [PERIOD_LAST_YEAR] = {"year", -1},
	};
	char		text[64];

	switch (time->kind)
	{
		case TIME_ABSOLUTE:
			emit_absolute(g, time->micros + (end ? INT64_C(86400000000) : 0));
			break;
		case TIME_RELATIVE:
			snprintf(text, sizeof(text), "%lld %s", (long long) time->count,
					 unit_plural(time->unit));
			cfxql_buffer_puts(g->out, "pstream.cfxql_now_plus(");
			emit_literal(g, text, strlen(text));
			cfxql_buffer_puts(g->out, "::interval)");
			break;
		case TIME_PERIOD:
			if (time->period == PERIOD_NOW)
				cfxql_buffer_puts(g->out, "statement_timestamp()");
			else if (time->period == PERIOD_CALENDAR_YEAR)
			{
				snprintf(text, sizeof(text), "%04d-01-01 00:00:00+00",
						 time->year + (end ? 1 : 0));
				emit_literal(g, text, strlen(text));
				cfxql_buffer_puts(g->out, "::timestamptz");
			}
			else
				cfxql_buffer_printf(g->out, "pstream.cfxql_period_start('%s', %d)",
									periods[time->period].unit,
									periods[time->period].steps + (end ? 1 : 0));
			break;
	}
}

static void
emit_time_value(Generator *g, const CfxqlNode *node)
{
	cfxql_buffer_puts(g->out, "pstream.cfxql_time(");
	emit_field(g, node->field, node->field_len);
	cfxql_buffer_puts(g->out, ")");
}

/*
 * The same window on the time column, for the key that the caller names as
 * time_field: "col < T", "col BETWEEN A AND B" or "col >= A AND col < B".
 */
static void
emit_time_column_window(Generator *g, const CfxqlNode *node)
{
	const CfxqlTime *first = &node->times[0].resolved;
	const char *column = g->cx->options->time_column;

	cfxql_buffer_puts(g->out, column);
	if (node->op == OP_BEFORE || node->op == OP_AFTER)
	{
		cfxql_buffer_puts(g->out, node->op == OP_BEFORE ? " < " : " > ");
		emit_time(g, first, false);
	}
	else if (node->time_count == 2)
	{
		cfxql_buffer_puts(g->out, " BETWEEN ");
		emit_time(g, first, false);
		cfxql_buffer_puts(g->out, " AND ");
		emit_time(g, &node->times[1].resolved, false);
	}
	else
	{
		cfxql_buffer_puts(g->out, " >= ");
		emit_time(g, first, false);
		cfxql_buffer_puts(g->out, " AND ");
		cfxql_buffer_puts(g->out, column);
		cfxql_buffer_puts(g->out, " < ");
		emit_time(g, first, true);
	}
}

static void
emit_exact_time_operator(Generator *g, const CfxqlNode *node)
{
	const CfxqlTime *first = &node->times[0].resolved;

	cfxql_buffer_puts(g->out, "(");
	emit_time_value(g, node);
	if (node->op == OP_BEFORE || node->op == OP_AFTER)
	{
		cfxql_buffer_puts(g->out, node->op == OP_BEFORE ? " < " : " > ");
		emit_time(g, first, false);
	}
	else if (node->time_count == 2)
	{
		cfxql_buffer_puts(g->out, " BETWEEN ");
		emit_time(g, first, false);
		cfxql_buffer_puts(g->out, " AND ");
		emit_time(g, &node->times[1].resolved, false);
	}
	else
	{
		/* a period or a date: start <= value < end */
		cfxql_buffer_puts(g->out, " >= ");
		emit_time(g, first, false);
		cfxql_buffer_puts(g->out, " AND ");
		emit_time_value(g, node);
		cfxql_buffer_puts(g->out, " < ");
		emit_time(g, first, true);
	}
	cfxql_buffer_puts(g->out, ") IS TRUE");
}

/*
 * before, after, during.  On the time column's key, the window on the
 * column comes first: the column equals the key's time whenever that time
 * is not NULL, and the exact condition is false when it is NULL.
 */
static void
emit_time_operator(Generator *g, const CfxqlNode *node)
{
	if (!is_time_column_field(g, node->field, node->field_len))
	{
		emit_exact_time_operator(g, node);
		return;
	}
	cfxql_buffer_puts(g->out, "(");
	emit_time_column_window(g, node);
	cfxql_buffer_puts(g->out, " AND ");
	emit_exact_time_operator(g, node);
	cfxql_buffer_puts(g->out, ")");
}

/* ---------- predicates and expressions ---------- */

static CfxqlOperator
positive_form(CfxqlOperator op, bool *negated)
{
	static const CfxqlOperator pairs[][2] = {
		{OP_NE, OP_EQ}, {OP_NOT_CONTAINS, OP_CONTAINS}, {OP_NOT_MATCHES, OP_MATCHES},
		{OP_NOT_STARTS, OP_STARTS}, {OP_NOT_ENDS, OP_ENDS}, {OP_NOT_IN, OP_IN},
		{OP_IS_NOT_NULL, OP_IS_NULL}, {OP_NOT_DURING, OP_DURING},
	};

	*negated = false;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
	{
		if (pairs[i][0] == op)
		{
			*negated = true;
			return pairs[i][1];
		}
	}
	return op;
}

static void
generate_predicate(Generator *g, const CfxqlNode *node)
{
	bool		negated;
	CfxqlOperator positive = positive_form(node->op, &negated);
	bool		null_literal = (node->value_count == 1 && node->values[0].kind == VALUE_NULL &&
								(positive == OP_EQ));

	if (node->value_count == 1 && node->values[0].kind == VALUE_FIELD)
	{
		emit_field_comparison(g, node);
		return;
	}
	if (negated)
		cfxql_buffer_puts(g->out, "NOT ");

	/* "x = null" means "x is null" */
	if (positive == OP_IS_NULL || null_literal)
	{
		emit_is_null(g, node->field, node->field_len);
		return;
	}

	switch (positive)
	{
		case OP_EQ:
		case OP_IN:
			emit_equality_set(g, node);
			break;
		case OP_GT:
		case OP_GE:
		case OP_LT:
		case OP_LE:
			emit_ordering(g, node);
			break;
		case OP_CONTAINS:
		case OP_MATCHES:
		case OP_STARTS:
		case OP_ENDS:
			emit_string_operator(g, node, positive);
			break;
		case OP_BEFORE:
		case OP_AFTER:
		case OP_DURING:
			emit_time_operator(g, node);
			break;
		default:
			break;				/* every negative form was mapped above */
	}
}

static void
generate_node(Generator *g, const CfxqlNode *node)
{
	switch (node->kind)
	{
		case NODE_PREDICATE:
			generate_predicate(g, node);
			break;
		case NODE_NOT:
			cfxql_buffer_puts(g->out, "NOT (");
			generate_node(g, node->children[0]);
			cfxql_buffer_puts(g->out, ")");
			break;
		case NODE_AND:
		case NODE_OR:
			cfxql_buffer_puts(g->out, "(");
			for (int i = 0; i < node->child_count; i++)
			{
				if (i > 0)
					cfxql_buffer_puts(g->out, node->kind == NODE_AND ? " AND " : " OR ");
				generate_node(g, node->children[i]);
			}
			cfxql_buffer_puts(g->out, ")");
			break;
	}
}

bool
cfxql_generate(CfxqlContext *cx, const CfxqlQuery *query, CfxqlBuffer *out)
{
	Generator	g;

	g.cx = cx;
	g.out = out;
	g.record = cx->options->record_expression ? cx->options->record_expression : "data";
	g.case_sensitive = cx->options->case_sensitive;

	if (query->filter == NULL)
		cfxql_buffer_puts(out, "true");
	else
		generate_node(&g, query->filter);
	if (out->failed)
		return cfxql_out_of_memory(cx);
	return true;
}
