/*
 * cfxql_parser.c
 *	  Recursive-descent parser of CFXQL: builds the syntax tree from tokens.
 *
 * The grammar (AND binds tighter than OR):
 *
 *	query		:= [ '*' | or_expr ] [ GET column { ',' column } ]
 *	or_expr		:= and_expr { OR and_expr }
 *	and_expr	:= unary { AND unary }
 *	unary		:= { NOT } primary
 *	primary		:= '(' or_expr ')' | field operator operand
 *
 * Recursion happens only through '(' and "not", and the parser counts both
 * against CFXQL_MAX_DEPTH, so the stack depth is bounded by the limit, never
 * by the input.  AND and OR chains become one node with many children.
 * The parser accepts any value where a value may stand, and the check pass
 * enforces which kinds each operator allows.
 */
#include <stdio.h>
#include <string.h>

#include "cfxql_int.h"

typedef struct Parser
{
	CfxqlContext *cx;
	const CfxqlToken *tokens;
	int			count;
	int			pos;
	int			depth;
} Parser;

static CfxqlNode *parse_or(Parser *p);

static const CfxqlToken *
peek_at(const Parser *p, int ahead)
{
	int			index = p->pos + ahead;

	/* the list ends with TOKEN_END, which stands for everything past it */
	if (index >= p->count)
		index = p->count - 1;
	return &p->tokens[index];
}

static const CfxqlToken *
peek(const Parser *p)
{
	return peek_at(p, 0);
}

static const CfxqlToken *
advance(Parser *p)
{
	const CfxqlToken *token = peek(p);

	if (token->kind != TOKEN_END)
		p->pos++;
	return token;
}

static bool
is_keyword(const CfxqlToken *token, CfxqlKeyword keyword)
{
	return token->kind == TOKEN_KEYWORD && token->keyword == keyword;
}

static bool
accept_keyword(Parser *p, CfxqlKeyword keyword)
{
	if (!is_keyword(peek(p), keyword))
		return false;
	advance(p);
	return true;
}

/* Describes a token for "found ..." in messages, quoting at most 40 bytes. */
static void
describe_token(const Parser *p, const CfxqlToken *token, char *out, size_t size)
{
	size_t		length = token->length;

	if (token->kind == TOKEN_END)
	{
		snprintf(out, size, "end of query");
		return;
	}
	if (length > 40)
	{
		length = 40;
		/* cut at a character boundary */
		while (length > 0 &&
			   ((unsigned char) p->cx->query[token->start + length] & 0xC0) == 0x80)
			length--;
	}
	snprintf(out, size, "\"%.*s\"%s", (int) length, p->cx->query + token->start,
			 length < token->length ? "..." : "");
}

/* Reports "expected WHAT [after "AFTER"], found TOKEN" at the next token. */
static bool
expected(Parser *p, const char *what, const char *after)
{
	const CfxqlToken *token = peek(p);
	char		found[64];

	describe_token(p, token, found, sizeof(found));
	if (after != NULL)
		return cfxql_syntax_error(p->cx, token->start,
								  "expected %s after \"%s\", found %s",
								  what, after, found);
	return cfxql_syntax_error(p->cx, token->start, "expected %s, found %s",
							  what, found);
}

static const char *
token_text(Parser *p, const CfxqlToken *token)
{
	return cfxql_strndup(p->cx, p->cx->query + token->start, token->length);
}

static bool
enter_level(Parser *p, const CfxqlToken *token)
{
	if (p->depth >= CFXQL_MAX_DEPTH)
		return cfxql_syntax_error(p->cx, token->start,
								  "parentheses and \"not\" nest deeper than %d levels",
								  CFXQL_MAX_DEPTH);
	p->depth++;
	return true;
}

static CfxqlNode *
new_node(Parser *p, CfxqlNodeKind kind, size_t start)
{
	CfxqlNode  *node = cfxql_alloc(p->cx, sizeof(CfxqlNode));

	if (node != NULL)
	{
		node->kind = kind;
		node->start = start;
	}
	return node;
}

/* ---------- operators ---------- */

/* Consumes "with" after start/starts/end/ends. */
static bool
expect_keyword(Parser *p, CfxqlKeyword keyword, const char *after)
{
	char		what[32];

	if (accept_keyword(p, keyword))
		return true;
	snprintf(what, sizeof(what), "\"%s\"", cfxql_keyword_text(keyword));
	return expected(p, what, after);
}

static bool
parse_list_words(Parser *p, CfxqlOperator in_op, CfxqlOperator *op)
{
	/* after "is" or "is not": in, one of, among, any of */
	if (accept_keyword(p, KW_IN) || accept_keyword(p, KW_AMONG))
	{
		*op = in_op;
		return true;
	}
	if (accept_keyword(p, KW_ONE))
	{
		*op = in_op;
		return expect_keyword(p, KW_OF, "one");
	}
	if (accept_keyword(p, KW_ANY))
	{
		*op = in_op;
		return expect_keyword(p, KW_OF, "any");
	}
	return false;
}

/* "is greater than [or equal to]", "is less than [or equal to]" */
static bool
parse_ordering_words(Parser *p, CfxqlOperator strict, CfxqlOperator inclusive,
					 const char *word, CfxqlOperator *op)
{
	if (!expect_keyword(p, KW_THAN, word))
		return false;
	if (is_keyword(peek(p), KW_OR) && is_keyword(peek_at(p, 1), KW_EQUAL))
	{
		advance(p);
		advance(p);
		*op = inclusive;
		return expect_keyword(p, KW_TO, "equal");
	}
	*op = strict;
	return true;
}

static bool
parse_is(Parser *p, CfxqlOperator *op)
{
	const CfxqlToken *token = peek(p);

	if (accept_keyword(p, KW_NOT))
	{
		token = peek(p);
		if (accept_keyword(p, KW_EQUAL))
		{
			*op = OP_NE;
			return expect_keyword(p, KW_TO, "equal");
		}
		if (parse_list_words(p, OP_NOT_IN, op))
			return p->cx->error->code == CFXQL_OK;
		if (p->cx->error->code != CFXQL_OK)
			return false;
		if (is_keyword(token, KW_NULL) || is_keyword(token, KW_NONE) ||
			is_keyword(token, KW_EMPTY))
		{
			advance(p);
			*op = OP_IS_NOT_NULL;
			return true;
		}
		if (accept_keyword(p, KW_DURING))
		{
			*op = OP_NOT_DURING;
			return true;
		}
		*op = OP_NE;
		return true;
	}

	if (accept_keyword(p, KW_EQUAL))
	{
		*op = OP_EQ;
		return expect_keyword(p, KW_TO, "equal");
	}
	if (accept_keyword(p, KW_GREATER))
		return parse_ordering_words(p, OP_GT, OP_GE, "greater", op);
	if (accept_keyword(p, KW_LESS))
		return parse_ordering_words(p, OP_LT, OP_LE, "less", op);
	if (parse_list_words(p, OP_IN, op))
		return p->cx->error->code == CFXQL_OK;
	if (p->cx->error->code != CFXQL_OK)
		return false;
	if (is_keyword(token, KW_NULL) || is_keyword(token, KW_NONE) ||
		is_keyword(token, KW_EMPTY))
	{
		advance(p);
		*op = OP_IS_NULL;
		return true;
	}
	if (accept_keyword(p, KW_BEFORE))
		*op = OP_BEFORE;
	else if (accept_keyword(p, KW_AFTER))
		*op = OP_AFTER;
	else if (accept_keyword(p, KW_DURING))
		*op = OP_DURING;
	else
		*op = OP_EQ;
	return true;
}

static bool
parse_not_operator(Parser *p, CfxqlOperator *op)
{
	if (accept_keyword(p, KW_EQUALS))
		*op = OP_NE;
	else if (accept_keyword(p, KW_CONTAINS) || accept_keyword(p, KW_CONTAIN))
		*op = OP_NOT_CONTAINS;
	else if (accept_keyword(p, KW_IN))
		*op = OP_NOT_IN;
	else if (accept_keyword(p, KW_DURING))
		*op = OP_NOT_DURING;
	else
		return expected(p, "\"equals\", \"contains\", \"in\" or \"during\"", "not");
	return true;
}

static bool
parse_does_operator(Parser *p, CfxqlOperator *op)
{
	if (!expect_keyword(p, KW_NOT, "does"))
		return false;
	if (accept_keyword(p, KW_CONTAINS) || accept_keyword(p, KW_CONTAIN))
		*op = OP_NOT_CONTAINS;
	else if (accept_keyword(p, KW_MATCH))
		*op = OP_NOT_MATCHES;
	else if (accept_keyword(p, KW_STARTS) || accept_keyword(p, KW_START))
	{
		*op = OP_NOT_STARTS;
		return expect_keyword(p, KW_WITH, "start");
	}
	else if (accept_keyword(p, KW_ENDS) || accept_keyword(p, KW_END))
	{
		*op = OP_NOT_ENDS;
		return expect_keyword(p, KW_WITH, "end");
	}
	else
		return expected(p, "\"contain\", \"match\", \"start with\" or \"end with\"",
						"not");
	return true;
}

static bool
parse_keyword_operator(Parser *p, const CfxqlToken *token, CfxqlOperator *op)
{
	switch (token->keyword)
	{
		case KW_EQUALS:
			*op = OP_EQ;
			return true;
		case KW_GT:
			*op = OP_GT;
			return true;
		case KW_GTE:
			*op = OP_GE;
			return true;
		case KW_LT:
			*op = OP_LT;
			return true;
		case KW_LTE:
			*op = OP_LE;
			return true;
		case KW_CONTAIN:
		case KW_CONTAINS:
		case KW_HAS:
			*op = OP_CONTAINS;
			return true;
		case KW_MATCHES:
			*op = OP_MATCHES;
			return true;
		case KW_START:
		case KW_STARTS:
			*op = OP_STARTS;
			return expect_keyword(p, KW_WITH, "starts");
		case KW_END:
		case KW_ENDS:
			*op = OP_ENDS;
			return expect_keyword(p, KW_WITH, "ends");
		case KW_IN:
			*op = OP_IN;
			return true;
		case KW_BEFORE:
			*op = OP_BEFORE;
			return true;
		case KW_AFTER:
			*op = OP_AFTER;
			return true;
		case KW_DURING:
			*op = OP_DURING;
			return true;
		case KW_NOTNULL:
			*op = OP_IS_NOT_NULL;
			return true;
		case KW_NOTDURING:
			*op = OP_NOT_DURING;
			return true;
		case KW_NOT:
			return parse_not_operator(p, op);
		case KW_DOES:
			return parse_does_operator(p, op);
		case KW_IS:
			return parse_is(p, op);
		default:
			p->pos--;
			return expected(p, "an operator", NULL);
	}
}

/* Parses an operator of any spelling and sets *last to its last token. */
static bool
parse_operator(Parser *p, CfxqlOperator *op, const CfxqlToken **last,
			   const char *field)
{
	const CfxqlToken *token = peek(p);
	static const struct
	{
		CfxqlTokenKind kind;
		CfxqlOperator op;
	}			symbols[] = {
		{TOKEN_EQ, OP_EQ}, {TOKEN_NE, OP_NE}, {TOKEN_GT, OP_GT}, {TOKEN_GE, OP_GE},
		{TOKEN_LT, OP_LT}, {TOKEN_LE, OP_LE}, {TOKEN_CONTAINS, OP_CONTAINS},
		{TOKEN_NOT_CONTAINS, OP_NOT_CONTAINS}, {TOKEN_MATCHES, OP_MATCHES},
		{TOKEN_NOT_MATCHES, OP_NOT_MATCHES}, {TOKEN_STARTS, OP_STARTS},
		{TOKEN_NOT_STARTS, OP_NOT_STARTS}, {TOKEN_ENDS, OP_ENDS},
		{TOKEN_NOT_ENDS, OP_NOT_ENDS}, {TOKEN_NOT_IN, OP_NOT_IN},
	};

	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
	{
		if (token->kind == symbols[i].kind)
		{
			*op = symbols[i].op;
			*last = advance(p);
			return true;
		}
	}
	if (token->kind != TOKEN_KEYWORD)
		return expected(p, "an operator", field);

	advance(p);
	if (!parse_keyword_operator(p, token, op))
		return false;
	*last = &p->tokens[p->pos - 1];
	return true;
}

/* ---------- operands ---------- */

static bool
parse_value(Parser *p, CfxqlValue *value, const char *after)
{
	const CfxqlToken *token = peek(p);

	memset(value, 0, sizeof(*value));
	value->start = token->start;
	value->text = token->value;
	value->len = token->value_len;
	switch (token->kind)
	{
		case TOKEN_STRING:
			value->kind = VALUE_STRING;
			break;
		case TOKEN_NUMBER:
			value->kind = VALUE_NUMBER;
			break;
		case TOKEN_NAME:
		case TOKEN_QUOTED_NAME:
			value->kind = VALUE_FIELD;
			break;
		case TOKEN_KEYWORD:
			if (token->keyword == KW_TRUE || token->keyword == KW_FALSE)
			{
				value->kind = VALUE_BOOLEAN;
				value->boolean = (token->keyword == KW_TRUE);
				break;
			}
			if (token->keyword == KW_NULL || token->keyword == KW_NONE)
			{
				value->kind = VALUE_NULL;
				break;
			}
			return expected(p, "a value", after);
		default:
			return expected(p, "a value", after);
	}
	advance(p);
	return true;
}

static bool
parse_list(Parser *p, CfxqlNode *node, const char *after)
{
	CfxqlValue	items[64];
	CfxqlValue *all = items;
	int			capacity = 64;
	int			count = 0;
	bool		bracketed = false;
	const CfxqlToken *open = peek(p);

	if (open->kind == TOKEN_LBRACKET)
	{
		advance(p);
		bracketed = true;
		if (peek(p)->kind == TOKEN_RBRACKET)
			return cfxql_syntax_error(p->cx, open->start,
									  "empty list after \"%s\"", after);
	}

	for (;;)
	{
		if (count == capacity)
		{
			CfxqlValue *grown = cfxql_alloc(p->cx, sizeof(CfxqlValue) * capacity * 2);

			if (grown == NULL)
				return false;
			memcpy(grown, all, sizeof(CfxqlValue) * count);
			all = grown;
			capacity *= 2;
		}
		if (!parse_value(p, &all[count], count == 0 ? after : ","))
			return false;
		count++;
		if (peek(p)->kind != TOKEN_COMMA)
			break;
		advance(p);
	}
	if (bracketed && peek(p)->kind != TOKEN_RBRACKET)
		return expected(p, "\",\" or \"]\"", NULL);
	if (bracketed)
		advance(p);

	node->values = cfxql_alloc(p->cx, sizeof(CfxqlValue) * count);
	if (node->values == NULL)
		return false;
	memcpy(node->values, all, sizeof(CfxqlValue) * count);
	node->value_count = count;
	node->list_bracketed = bracketed;
	return true;
}

static bool
parse_time(Parser *p, CfxqlTimeOperand *time, const char *after)
{
	const CfxqlToken *token = peek(p);
	const CfxqlToken *next = peek_at(p, 1);
	CfxqlTimeUnit unit;

	memset(time, 0, sizeof(*time));
	time->start = token->start;
	time->text = token->value;
	time->len = token->value_len;

	if (token->kind == TOKEN_STRING)
		time->syntax = TIME_SYNTAX_TEXT;
	else if (token->kind == TOKEN_NUMBER)
	{
		time->syntax = TIME_SYNTAX_EPOCH;
		if (next->kind == TOKEN_NAME &&
			cfxql_time_unit(next->value, next->value_len, &unit))
		{
			time->syntax = TIME_SYNTAX_RELATIVE;
			time->word = next->value;
			advance(p);
		}
	}
	else if (is_keyword(token, KW_NOW) || is_keyword(token, KW_TODAY) ||
			 is_keyword(token, KW_YESTERDAY))
	{
		time->syntax = TIME_SYNTAX_WORDS;
		time->keyword = token->keyword;
	}
	else if (is_keyword(token, KW_THIS) || is_keyword(token, KW_LAST))
	{
		time->syntax = TIME_SYNTAX_WORDS;
		time->keyword = token->keyword;
		if (next->kind != TOKEN_NAME)
		{
			advance(p);
			return expected(p, "\"week\", \"month\" or \"year\"", token->value);
		}
		time->word = next->value;
		advance(p);
	}
	else if (token->kind == TOKEN_NAME)
		time->syntax = TIME_SYNTAX_WORDS;	/* CY2022 */
	else
		return expected(p, "a time", after);

	advance(p);
	return true;
}

/* ---------- predicates and expressions ---------- */

static CfxqlNode *
parse_predicate(Parser *p)
{
	const CfxqlToken *field = peek(p);
	const CfxqlToken *last = NULL;
	CfxqlNode  *node;
	const char *after;

	if (field->kind != TOKEN_NAME && field->kind != TOKEN_QUOTED_NAME)
	{
		if (field->kind == TOKEN_KEYWORD)
		{
			char		found[64];

			describe_token(p, field, found, sizeof(found));
			cfxql_syntax_error(p->cx, field->start,
							   "expected a field name, found keyword %s; write a field of that name in backquotes",
							   found);
			return NULL;
		}
		expected(p, "a field name", NULL);
		return NULL;
	}
	advance(p);

	node = new_node(p, NODE_PREDICATE, field->start);
	if (node == NULL)
		return NULL;
	node->field = field->value;
	node->field_len = field->value_len;
	if (!parse_operator(p, &node->op, &last, token_text(p, field)))
		return NULL;
	node->op_start = last->start;
	node->op_text = token_text(p, last);
	if (node->op_text == NULL)
		return NULL;
	after = node->op_text;

	switch (node->op)
	{
		case OP_IS_NULL:
		case OP_IS_NOT_NULL:
			return node;
		case OP_IN:
		case OP_NOT_IN:
			return parse_list(p, node, after) ? node : NULL;
		case OP_BEFORE:
		case OP_AFTER:
		case OP_DURING:
		case OP_NOT_DURING:
			node->times = cfxql_alloc(p->cx, sizeof(CfxqlTimeOperand) * 2);
			if (node->times == NULL || !parse_time(p, &node->times[0], after))
				return NULL;
			node->time_count = 1;
			if ((node->op == OP_DURING || node->op == OP_NOT_DURING) &&
				accept_keyword(p, KW_TO))
			{
				if (!parse_time(p, &node->times[1], "to"))
					return NULL;
				node->time_count = 2;
			}
			return node;
		default:
			node->values = cfxql_alloc(p->cx, sizeof(CfxqlValue));
			if (node->values == NULL || !parse_value(p, &node->values[0], after))
				return NULL;
			node->value_count = 1;
			return node;
	}
}

static CfxqlNode *
parse_primary(Parser *p)
{
	const CfxqlToken *open = peek(p);
	CfxqlNode  *inner;

	if (open->kind != TOKEN_LPAREN)
		return parse_predicate(p);

	if (!enter_level(p, open))
		return NULL;
	advance(p);
	inner = parse_or(p);
	if (inner == NULL)
		return NULL;
	if (peek(p)->kind != TOKEN_RPAREN)
	{
		expected(p, "\"and\", \"or\" or \")\"", NULL);
		return NULL;
	}
	advance(p);
	p->depth--;
	return inner;
}

static CfxqlNode *
parse_unary(Parser *p)
{
	const CfxqlToken *token = peek(p);
	CfxqlNode  *node;

	if (!is_keyword(token, KW_NOT))
		return parse_primary(p);

	if (!enter_level(p, token))
		return NULL;
	advance(p);
	node = new_node(p, NODE_NOT, token->start);
	if (node == NULL)
		return NULL;
	node->children = cfxql_alloc(p->cx, sizeof(CfxqlNode *));
	if (node->children == NULL)
		return NULL;
	node->children[0] = parse_unary(p);
	if (node->children[0] == NULL)
		return NULL;
	node->child_count = 1;
	p->depth--;
	return node;
}

static bool
is_and(const CfxqlToken *token)
{
	return token->kind == TOKEN_AND || is_keyword(token, KW_AND);
}

static bool
is_or(const CfxqlToken *token)
{
	return token->kind == TOKEN_OR || is_keyword(token, KW_OR);
}

/* One n-ary node for a chain, so long chains do not deepen the tree. */
static CfxqlNode *
parse_chain(Parser *p, CfxqlNodeKind kind)
{
	CfxqlNode  *first;
	CfxqlNode **children;
	CfxqlNode  *node;
	int			count = 1;
	int			capacity = 8;

	first = (kind == NODE_OR) ? parse_chain(p, NODE_AND) : parse_unary(p);
	if (first == NULL)
		return NULL;
	if (!(kind == NODE_OR ? is_or(peek(p)) : is_and(peek(p))))
		return first;

	children = cfxql_alloc(p->cx, sizeof(CfxqlNode *) * capacity);
	if (children == NULL)
		return NULL;
	children[0] = first;
	while (kind == NODE_OR ? is_or(peek(p)) : is_and(peek(p)))
	{
		CfxqlNode  *child;

		advance(p);
		child = (kind == NODE_OR) ? parse_chain(p, NODE_AND) : parse_unary(p);
		if (child == NULL)
			return NULL;
		if (count == capacity)
		{
			CfxqlNode **grown = cfxql_alloc(p->cx, sizeof(CfxqlNode *) * capacity * 2);

			if (grown == NULL)
				return NULL;
			memcpy(grown, children, sizeof(CfxqlNode *) * count);
			children = grown;
			capacity *= 2;
		}
		children[count++] = child;
	}

	node = new_node(p, kind, first->start);
	if (node == NULL)
		return NULL;
	node->children = children;
	node->child_count = count;
	return node;
}

static CfxqlNode *
parse_or(Parser *p)
{
	return parse_chain(p, NODE_OR);
}

/* ---------- projection and query ---------- */

static bool
parse_projection(Parser *p, CfxqlQuery *query)
{
	int			capacity = 8;
	const char *after = "GET";

	query->columns = cfxql_alloc(p->cx, sizeof(CfxqlColumnNode) * capacity);
	if (query->columns == NULL)
		return false;

	for (;;)
	{
		const CfxqlToken *field = peek(p);
		CfxqlColumnNode *column;

		if (field->kind != TOKEN_NAME && field->kind != TOKEN_QUOTED_NAME)
			return expected(p, "a field name", after);
		advance(p);
		if (query->column_count == capacity)
		{
			CfxqlColumnNode *grown = cfxql_alloc(p->cx, sizeof(CfxqlColumnNode) * capacity * 2);

			if (grown == NULL)
				return false;
			memcpy(grown, query->columns, sizeof(CfxqlColumnNode) * capacity);
			query->columns = grown;
			capacity *= 2;
		}
		column = &query->columns[query->column_count++];
		column->field = field->value;
		column->field_len = field->value_len;
		column->field_start = field->start;

		if (accept_keyword(p, KW_AS))
		{
			const CfxqlToken *alias = peek(p);

			if (alias->kind != TOKEN_NAME && alias->kind != TOKEN_QUOTED_NAME &&
				alias->kind != TOKEN_STRING)
				return expected(p, "an output name", "as");
			if (alias->value_len == 0)
				return cfxql_syntax_error(p->cx, alias->start, "empty output name after \"as\"");
			advance(p);
			column->name = alias->value;
			column->name_len = alias->value_len;
			column->name_start = alias->start;
		}
		if (peek(p)->kind != TOKEN_COMMA)
			return true;
		advance(p);
		after = ",";
	}
}

CfxqlQuery *
cfxql_parse(CfxqlContext *cx, const CfxqlTokenList *tokens)
{
	Parser		p;
	CfxqlQuery *query;
	const CfxqlToken *token;

	memset(&p, 0, sizeof(p));
	p.cx = cx;
	p.tokens = tokens->tokens;
	p.count = tokens->count;

	query = cfxql_alloc(cx, sizeof(CfxqlQuery));
	if (query == NULL)
		return NULL;

	token = peek(&p);
	if (token->kind == TOKEN_STAR)
	{
		advance(&p);
		if (peek(&p)->kind != TOKEN_END && !is_keyword(peek(&p), KW_GET))
		{
			expected(&p, "GET or end of query", "*");
			return NULL;
		}
	}
	else if (token->kind != TOKEN_END && !is_keyword(token, KW_GET))
	{
		query->filter = parse_or(&p);
		if (query->filter == NULL)
			return NULL;
	}

	if (accept_keyword(&p, KW_GET))
	{
		if (!parse_projection(&p, query))
			return NULL;
		if (peek(&p)->kind != TOKEN_END)
		{
			expected(&p, "\",\" or end of query", NULL);
			return NULL;
		}
	}
	if (peek(&p)->kind != TOKEN_END)
	{
		expected(&p, "\"and\", \"or\", GET or end of query", NULL);
		return NULL;
	}
	return query;
}

/* ---------- dump ---------- */

const char *
cfxql_operator_name(CfxqlOperator op)
{
	static const char *const names[] = {
		"eq", "ne", "gt", "ge", "lt", "le",
		"contains", "not_contains", "matches", "not_matches",
		"starts", "not_starts", "ends", "not_ends",
		"in", "not_in", "is_null", "is_not_null",
		"before", "after", "during", "not_during"
	};

	return names[op];
}

static void
dump_quoted(CfxqlBuffer *buf, char quote, const char *text, size_t len)
{
	cfxql_buffer_append(buf, &quote, 1);
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] == quote || text[i] == '\\')
			cfxql_buffer_append(buf, "\\", 1);
		cfxql_buffer_append(buf, &text[i], 1);
	}
	cfxql_buffer_append(buf, &quote, 1);
}

static void
dump_value(CfxqlBuffer *buf, const CfxqlValue *value)
{
	switch (value->kind)
	{
		case VALUE_STRING:
			dump_quoted(buf, '\'', value->text, value->len);
			break;
		case VALUE_NUMBER:
			cfxql_buffer_append(buf, value->text, value->len);
			break;
		case VALUE_BOOLEAN:
			cfxql_buffer_puts(buf, value->boolean ? "true" : "false");
			break;
		case VALUE_NULL:
			cfxql_buffer_puts(buf, "null");
			break;
		case VALUE_FIELD:
			dump_quoted(buf, '`', value->text, value->len);
			break;
	}
}

static void
dump_time(CfxqlBuffer *buf, const CfxqlTimeOperand *time)
{
	switch (time->syntax)
	{
		case TIME_SYNTAX_TEXT:
			cfxql_buffer_puts(buf, "text:");
			dump_quoted(buf, '\'', time->text, time->len);
			break;
		case TIME_SYNTAX_EPOCH:
			cfxql_buffer_puts(buf, "epoch:");
			cfxql_buffer_append(buf, time->text, time->len);
			break;
		case TIME_SYNTAX_RELATIVE:
			cfxql_buffer_puts(buf, "relative:");
			cfxql_buffer_append(buf, time->text, time->len);
			cfxql_buffer_puts(buf, ":");
			cfxql_buffer_puts(buf, time->word);
			break;
		case TIME_SYNTAX_WORDS:
			cfxql_buffer_puts(buf, "words:");
			cfxql_buffer_append(buf, time->text, time->len);
			if (time->word != NULL)
			{
				cfxql_buffer_puts(buf, ":");
				cfxql_buffer_puts(buf, time->word);
			}
			break;
	}
}

static void
dump_node(CfxqlBuffer *buf, const CfxqlNode *node)
{
	cfxql_buffer_puts(buf, "(");
	switch (node->kind)
	{
		case NODE_AND:
		case NODE_OR:
		case NODE_NOT:
			cfxql_buffer_puts(buf, node->kind == NODE_AND ? "and" :
							  node->kind == NODE_OR ? "or" : "not");
			for (int i = 0; i < node->child_count; i++)
			{
				cfxql_buffer_puts(buf, " ");
				dump_node(buf, node->children[i]);
			}
			break;
		case NODE_PREDICATE:
			cfxql_buffer_puts(buf, cfxql_operator_name(node->op));
			cfxql_buffer_puts(buf, " ");
			dump_quoted(buf, '`', node->field, node->field_len);
			if (node->op == OP_IN || node->op == OP_NOT_IN)
			{
				cfxql_buffer_puts(buf, " [");
				for (int i = 0; i < node->value_count; i++)
				{
					if (i > 0)
						cfxql_buffer_puts(buf, " ");
					dump_value(buf, &node->values[i]);
				}
				cfxql_buffer_puts(buf, "]");
			}
			else
			{
				for (int i = 0; i < node->value_count; i++)
				{
					cfxql_buffer_puts(buf, " ");
					dump_value(buf, &node->values[i]);
				}
			}
			for (int i = 0; i < node->time_count; i++)
			{
				cfxql_buffer_puts(buf, " ");
				dump_time(buf, &node->times[i]);
			}
			break;
	}
	cfxql_buffer_puts(buf, ")");
}

void
cfxql_dump_query(CfxqlBuffer *buf, const CfxqlQuery *query)
{
	if (query->filter == NULL)
		cfxql_buffer_puts(buf, "*");
	else
		dump_node(buf, query->filter);

	for (int i = 0; i < query->column_count; i++)
	{
		const CfxqlColumnNode *column = &query->columns[i];

		cfxql_buffer_puts(buf, i == 0 ? " GET " : ", ");
		dump_quoted(buf, '`', column->field, column->field_len);
		if (column->name != NULL)
		{
			cfxql_buffer_puts(buf, " as ");
			dump_quoted(buf, '\'', column->name, column->name_len);
		}
	}
}
