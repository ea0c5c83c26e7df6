/*
 * cfxql_int.h
 *	  Private declarations of the CFXQL compiler: arena, tokens, syntax tree,
 *	  time values and the prototypes that connect the stages.
 *
 * The stages run in order, each in its own file.  The lexer turns the query
 * into a token array (cfxql_lexer.c) and the parser builds a syntax tree
 * from it (cfxql_parser.c).  The check pass enforces the context rules and
 * resolves time operands (cfxql_check.c, with cfxql_time.c).  The generator
 * writes SQL (cfxql_sqlgen.c), and it is the only stage that does.
 */
#ifndef CFXQL_INT_H
#define CFXQL_INT_H

#include <stdint.h>

#include "cfxql.h"

/* ---------- arena and errors (cfxql.c) ---------- */

typedef struct CfxqlArenaBlock CfxqlArenaBlock;

typedef struct CfxqlArena
{
	CfxqlMemory memory;
	CfxqlArenaBlock *blocks;
	char	   *next;			/* free space in the current block */
	size_t		left;
} CfxqlArena;

/* State shared by all stages of one compile. */
typedef struct CfxqlContext
{
	CfxqlArena *arena;
	const char *query;
	size_t		query_len;
	const CfxqlOptions *options;
	CfxqlError *error;
	CfxqlResult *result;		/* regexes are added by the generator */
	int			regex_capacity;
} CfxqlContext;

extern void *cfxql_alloc(CfxqlContext *cx, size_t size);
extern char *cfxql_strndup(CfxqlContext *cx, const char *text, size_t len);

/* Record a syntax error at a byte offset of the query.  Returns false. */
extern bool cfxql_syntax_error(CfxqlContext *cx, size_t offset,
							   const char *format,...)
			__attribute__((format(printf, 3, 4)));
extern bool cfxql_out_of_memory(CfxqlContext *cx);
extern int	cfxql_char_position(const char *text, size_t offset);

/* Growable string in the arena.  After a failed allocation it stays failed. */
typedef struct CfxqlBuffer
{
	CfxqlContext *cx;
	char	   *data;
	size_t		len;
	size_t		capacity;
	bool		failed;
} CfxqlBuffer;

extern void cfxql_buffer_init(CfxqlBuffer *buf, CfxqlContext *cx);
extern void cfxql_buffer_append(CfxqlBuffer *buf, const char *text, size_t len);
extern void cfxql_buffer_puts(CfxqlBuffer *buf, const char *text);
extern void cfxql_buffer_printf(CfxqlBuffer *buf, const char *format,...)
			__attribute__((format(printf, 2, 3)));

/* The built-in quoting, same algorithm as quote_literal_cstr(). */
extern void cfxql_quote_literal_into(CfxqlBuffer *buf, const char *text, size_t len);

/* ---------- tokens (cfxql_lexer.c) ---------- */

typedef enum CfxqlTokenKind
{
	TOKEN_END,
	TOKEN_NAME,					/* bare field name, not a keyword */
	TOKEN_QUOTED_NAME,			/* `name`, value holds the unescaped name */
	TOKEN_STRING,				/* 'text' or "text", value unescaped */
	TOKEN_NUMBER,				/* value is the number as written */
	TOKEN_KEYWORD,
	TOKEN_LPAREN,
	TOKEN_RPAREN,
	TOKEN_LBRACKET,
	TOKEN_RBRACKET,
	TOKEN_COMMA,
	TOKEN_STAR,
	TOKEN_AND,					/* & && */
	TOKEN_OR,					/* | || */
	TOKEN_EQ,					/* = == */
	TOKEN_NE,					/* != <> */
	TOKEN_GT,
	TOKEN_GE,
	TOKEN_LT,
	TOKEN_LE,
	TOKEN_CONTAINS,				/* ~ */
	TOKEN_NOT_CONTAINS,			/* !~ */
	TOKEN_MATCHES,				/* ? */
	TOKEN_NOT_MATCHES,			/* !? */
	TOKEN_STARTS,				/* ^~ */
	TOKEN_NOT_STARTS,			/* !^~ */
	TOKEN_ENDS,					/* ~$ */
	TOKEN_NOT_ENDS,				/* !~$ */
	TOKEN_NOT_IN				/* not-in */
} CfxqlTokenKind;

/* The words of the language.  None of them is a bare field name. */
typedef enum CfxqlKeyword
{
	KW_NONE_WORD = 0,			/* not a keyword */
	KW_AND, KW_OR, KW_NOT, KW_IS, KW_IN, KW_AS, KW_GET, KW_TO,
	KW_NULL, KW_NONE, KW_TRUE, KW_FALSE,
	KW_CONTAIN, KW_CONTAINS, KW_HAS, KW_MATCH, KW_MATCHES,
	KW_START, KW_STARTS, KW_END, KW_ENDS, KW_WITH, KW_DOES,
	KW_EQUAL, KW_EQUALS, KW_GREATER, KW_LESS, KW_THAN,
	KW_GT, KW_GTE, KW_LT, KW_LTE, KW_ONE, KW_OF, KW_AMONG, KW_ANY,
	KW_BEFORE, KW_AFTER, KW_DURING, KW_NOTNULL, KW_NOTDURING, KW_EMPTY,
	KW_THIS, KW_LAST, KW_NOW, KW_TODAY, KW_YESTERDAY
} CfxqlKeyword;

typedef struct CfxqlToken
{
	CfxqlTokenKind kind;
	CfxqlKeyword keyword;		/* for TOKEN_KEYWORD */
	size_t		start;			/* byte offset in the query */
	size_t		length;			/* bytes of query text */
	const char *value;			/* NUL-terminated: name, string or number */
	size_t		value_len;
} CfxqlToken;

typedef struct CfxqlTokenList
{
	CfxqlToken *tokens;			/* the last one is TOKEN_END */
	int			count;
} CfxqlTokenList;

extern bool cfxql_lex(CfxqlContext *cx, CfxqlTokenList *list);
extern const char *cfxql_keyword_text(CfxqlKeyword keyword);
extern const char *cfxql_token_kind_name(CfxqlTokenKind kind);

/* ---------- syntax tree (cfxql_parser.c) ---------- */

typedef enum CfxqlOperator
{
	OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE,
	OP_CONTAINS, OP_NOT_CONTAINS, OP_MATCHES, OP_NOT_MATCHES,
	OP_STARTS, OP_NOT_STARTS, OP_ENDS, OP_NOT_ENDS,
	OP_IN, OP_NOT_IN, OP_IS_NULL, OP_IS_NOT_NULL,
	OP_BEFORE, OP_AFTER, OP_DURING, OP_NOT_DURING
} CfxqlOperator;

typedef enum CfxqlValueKind
{
	VALUE_STRING, VALUE_NUMBER, VALUE_BOOLEAN, VALUE_NULL, VALUE_FIELD
} CfxqlValueKind;

typedef struct CfxqlValue
{
	CfxqlValueKind kind;
	const char *text;			/* string, number as written, or field name */
	size_t		len;
	bool		boolean;
	size_t		start;			/* byte offset of the token */
} CfxqlValue;

/* A time operand as written, which the check pass resolves. */
typedef enum CfxqlTimeSyntax
{
	TIME_SYNTAX_TEXT,			/* a quoted string: any form */
	TIME_SYNTAX_EPOCH,			/* a bare number: epoch milliseconds */
	TIME_SYNTAX_RELATIVE,		/* a signed count and a unit word */
	TIME_SYNTAX_WORDS			/* now, today, this week, CY2022, ... */
} CfxqlTimeSyntax;

typedef enum CfxqlTimeUnit
{
	UNIT_SECOND, UNIT_MINUTE, UNIT_HOUR, UNIT_DAY, UNIT_WEEK, UNIT_MONTH, UNIT_YEAR
} CfxqlTimeUnit;

typedef enum CfxqlPeriod
{
	PERIOD_NOW, PERIOD_TODAY, PERIOD_YESTERDAY,
	PERIOD_THIS_WEEK, PERIOD_THIS_MONTH, PERIOD_THIS_YEAR,
	PERIOD_LAST_WEEK, PERIOD_LAST_MONTH, PERIOD_LAST_YEAR,
	PERIOD_CALENDAR_YEAR
} CfxqlPeriod;

typedef enum CfxqlTimeKind
{
	TIME_ABSOLUTE,				/* micros since 2000-01-01 00:00 UTC */
	TIME_RELATIVE,				/* now + count units */
	TIME_PERIOD					/* a named period */
} CfxqlTimeKind;

/* A resolved time: a point, or for periods and dates also an end. */
typedef struct CfxqlTime
{
	CfxqlTimeKind kind;
	int64_t		micros;			/* TIME_ABSOLUTE */
	bool		date_only;		/* TIME_ABSOLUTE written without a time */
	int64_t		count;			/* TIME_RELATIVE */
	CfxqlTimeUnit unit;
	CfxqlPeriod period;			/* TIME_PERIOD */
	int			year;			/* PERIOD_CALENDAR_YEAR */
} CfxqlTime;

typedef struct CfxqlTimeOperand
{
	CfxqlTimeSyntax syntax;
	const char *text;			/* string, number, or count */
	size_t		len;
	const char *word;			/* unit word, or the second word of a period */
	CfxqlKeyword keyword;		/* now/today/yesterday/this/last, or none */
	size_t		start;			/* byte offset of the first token */
	CfxqlTime	resolved;		/* filled in by the check pass */
} CfxqlTimeOperand;

typedef enum CfxqlNodeKind
{
	NODE_AND, NODE_OR, NODE_NOT, NODE_PREDICATE
} CfxqlNodeKind;

typedef struct CfxqlNode CfxqlNode;

struct CfxqlNode
{
	CfxqlNodeKind kind;
	size_t		start;			/* byte offset of the first token */

	/* two or more children for NODE_AND and NODE_OR, one for NODE_NOT */
	CfxqlNode **children;
	int			child_count;

	/* NODE_PREDICATE */
	const char *field;
	size_t		field_len;
	CfxqlOperator op;
	const char *op_text;		/* last word of the operator, for messages */
	size_t		op_start;
	CfxqlValue *values;			/* one operand, or the list of "in" */
	int			value_count;
	bool		list_bracketed;
	CfxqlTimeOperand *times;	/* one, or two for "during A to B" */
	int			time_count;
};

typedef struct CfxqlColumnNode
{
	const char *field;
	size_t		field_len;
	size_t		field_start;
	const char *name;			/* alias, or NULL */
	size_t		name_len;
	size_t		name_start;
} CfxqlColumnNode;

typedef struct CfxqlQuery
{
	CfxqlNode  *filter;			/* NULL: every record */
	CfxqlColumnNode *columns;
	int			column_count;
} CfxqlQuery;

extern CfxqlQuery *cfxql_parse(CfxqlContext *cx, const CfxqlTokenList *tokens);
extern const char *cfxql_operator_name(CfxqlOperator op);

/* Print a tree in a compact prefix form, for tests and debugging. */
extern void cfxql_dump_query(CfxqlBuffer *buf, const CfxqlQuery *query);

/* ---------- checks (cfxql_check.c) and times (cfxql_time.c) ---------- */

extern bool cfxql_check(CfxqlContext *cx, CfxqlQuery *query);

/*
 * Resolve a time operand.  On failure returns false and stores a message
 * (no "syntax error" prefix) in message.
 */
extern bool cfxql_time_resolve(CfxqlTimeOperand *operand, int64_t now_micros,
							   char *message, size_t message_size);

/* Recognize a unit word: second(s), minute(s), ... year(s), in any case. */
extern bool cfxql_time_unit(const char *word, size_t len, CfxqlTimeUnit *unit);

/* Format micros since 2000-01-01 UTC as PostgreSQL timestamptz input text. */
extern void cfxql_time_format(int64_t micros, char *out, size_t out_size);

/*
 * Times are micros since 2000-01-01 00:00 UTC, PostgreSQL's own epoch, so
 * that its whole range fits in int64 (it does not when counted from 1970).
 */
#define CFXQL_MIN_TIMESTAMP INT64_C(-211813488000000000)	/* 4714-11-24 BC */
#define CFXQL_END_TIMESTAMP INT64_C(9223371331200000000)	/* 294277-01-01 */
#define CFXQL_UNIX_EPOCH_MICROS INT64_C(946684800000000)	/* 1970 to 2000 */

/* ---------- SQL generation (cfxql_sqlgen.c) ---------- */

extern bool cfxql_generate(CfxqlContext *cx, const CfxqlQuery *query,
						   CfxqlBuffer *out);

/* Whether text is a number in JSON's syntax, with an optional sign. */
extern bool cfxql_is_number_syntax(const char *text, size_t len, bool allow_plus);

/* ---------- debugging and tests (cfxql.c) ---------- */

typedef enum CfxqlDumpStage
{
	DUMP_TOKENS,				/* one "KIND(text)" per token */
	DUMP_TREE					/* the parsed and checked tree */
} CfxqlDumpStage;

/* Runs the stages up to stage and returns a malloc'd dump, or NULL on error. */
extern char *cfxql_debug_dump(const char *query, size_t len, CfxqlDumpStage stage,
							  CfxqlError *error);

#endif							/* CFXQL_INT_H */
