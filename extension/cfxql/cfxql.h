/*
 * cfxql.h
 *	  Public interface of the CFXQL compiler core: query text to an SQL
 *	  boolean condition over a jsonb record, plus the projection list.
 *
 * The core is plain C11 with no PostgreSQL headers, so that it builds and is
 * tested (and fuzzed) on its own.  The backend wraps it: it passes
 * palloc-based memory hooks and a quoting hook built on quote_literal_cstr(),
 * and turns a CfxqlError into ereport(ERROR).
 *
 * Every byte of the result comes from one arena that the core owns, and a
 * single cfxql_result_free() releases it.  Text taken from the query reaches
 * the SQL only through the quoting hook, and field names only as quoted JSON
 * keys.
 */
#ifndef CFXQL_H
#define CFXQL_H

#include <stdbool.h>
#include <stddef.h>

/* Limits of the language. */
#define CFXQL_MAX_QUERY_BYTES 65536
#define CFXQL_MAX_DEPTH 100		/* parentheses and "not", counted together */

/*
 * Memory hooks.  alloc returns NULL on failure (the compile then fails with
 * CFXQL_ERROR_OUT_OF_MEMORY) or does not return at all (palloc).  free may be
 * NULL when the memory is released in bulk by its owner (a memory context).
 */
typedef struct CfxqlMemory
{
	void	   *(*alloc) (void *context, size_t size);
	void		(*free) (void *context, void *pointer);
	void	   *context;
} CfxqlMemory;

/*
 * Quoting hook: returns text as an SQL string literal, NUL-terminated, with
 * the same rules as PostgreSQL's quote_literal_cstr() (quotes doubled, E'...'
 * with doubled backslashes when the text has a backslash).  The text may
 * contain any bytes but NUL.  The core copies the result and then releases
 * it: with memory->free when memory and its free hook are set, with free()
 * when memory is NULL, and not at all when memory is set without a free hook
 * (palloc in a memory context).  NULL selects the core's own implementation
 * of the same algorithm.
 */
typedef char *(*CfxqlQuoteLiteral) (const char *text, size_t len);

typedef struct CfxqlOptions
{
	/* false: fold texts with lower() and match regexes with ~* */
	bool		case_sensitive;

	/*
	 * SQL expression of type jsonb that yields the record (default "data").
	 * It is trusted caller text, copied into the SQL as is, and must never be
	 * NULL at run time (every condition assumes a non-null record).
	 */
	const char *record_expression;

	/*
	 * true: test numeric strings ("80.0" = 80) with containment in
	 * pstream.cfxql_numeric_strings(record), which a GIN expression index on
	 * that function can serve, so number literals in = and in use indexes
	 * too.  false (default): a per-row recheck that needs no extra index.
	 */
	bool		numeric_string_index;

	/*
	 * Record keys with B-tree expression indexes on
	 * pstream.cfxql_index_key(record -> 'key') and
	 * pstream.cfxql_index_number(record -> 'key').  For these keys "=" and
	 * "in" add the conjunct "cfxql_index_key(...) IN (keys)", and ordering
	 * against a number adds a range on cfxql_index_number(), each ANDed with
	 * the exact condition, so the result does not change.  NULL-terminated
	 * strings, trusted caller text (they reach the SQL only quoted).
	 */
	const char *const *btree_fields;
	int			btree_field_count;

	/*
	 * time_field: the record key whose time (pstream.cfxql_time()) the
	 * timestamptz column time_column equals whenever that time is not NULL.
	 * Time operators on that key then add a range on the column, ANDed with
	 * the exact condition.  time_column is trusted caller text, copied as
	 * is.  Both NULL (default): no such conjunct.
	 */
	const char *time_field;
	const char *time_column;

	const CfxqlMemory *memory;	/* NULL: malloc and free */
	CfxqlQuoteLiteral quote_literal;	/* NULL: the built-in quoting */
} CfxqlOptions;

typedef enum CfxqlErrorCode
{
	CFXQL_OK = 0,
	CFXQL_ERROR_SYNTAX,			/* the query does not parse or breaks a rule */
	CFXQL_ERROR_OUT_OF_MEMORY	/* an alloc hook returned NULL */
} CfxqlErrorCode;

#define CFXQL_ERROR_MESSAGE_SIZE 512

typedef struct CfxqlError
{
	CfxqlErrorCode code;
	int			position;		/* in characters from 0; -1 when none */

	/* e.g. syntax error at position 14: expected a value after "is", ... */
	char		message[CFXQL_ERROR_MESSAGE_SIZE];
} CfxqlError;

/* One column of a projection ("GET field as name"). */
typedef struct CfxqlColumn
{
	const char *field;			/* the record key, NUL-terminated */
	size_t		field_len;
	const char *name;			/* the output name (the field when no alias) */
	size_t		name_len;
} CfxqlColumn;

/*
 * A regular expression literal of the query.  PostgreSQL checks a pattern
 * only when it first evaluates it, so an empty stream would hide an invalid
 * one.  The backend therefore compiles each of these up front.
 */
typedef struct CfxqlRegex
{
	const char *pattern;
	size_t		pattern_len;
	bool		case_insensitive;
	int			position;		/* of the literal, in characters */
} CfxqlRegex;

typedef struct CfxqlResult
{
	const char *condition;		/* SQL boolean expression, never NULL or NULL-valued */
	size_t		condition_len;
	bool		match_all;		/* the query has no filter ("", "*", "GET a") */

	const CfxqlColumn *columns; /* the projection, in the order listed */
	int			column_count;	/* 0: no projection */

	const CfxqlRegex *regexes;
	int			regex_count;

	struct CfxqlArena *arena;	/* private: owns everything above */
} CfxqlResult;

/* Fill options with the defaults: case-sensitive, record "data", malloc. */
extern void cfxql_options_init(CfxqlOptions *options);

/*
 * Compile a query of len bytes (it need not be NUL-terminated).  Returns the
 * result, or NULL with *error filled in.  options may be NULL for defaults.
 */
extern CfxqlResult *cfxql_compile(const char *query, size_t len,
								  const CfxqlOptions *options,
								  CfxqlError *error);

/* Release a result and everything it points to.  NULL is allowed. */
extern void cfxql_result_free(CfxqlResult *result);

/*
 * Return whether len bytes of text follow JSON's number syntax, with at most
 * 1000 bytes and an exponent of at most 1000 after leading zeros (so that
 * PostgreSQL's numeric_in() reads them without error).  These are the strings
 * that pstream.cfxql_numeric_strings() converts to numbers.
 */
extern bool cfxql_is_numeric_string(const char *text, size_t len);

#endif							/* CFXQL_H */
