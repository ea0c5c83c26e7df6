/*
 * cfxql.c
 *	  Entry point of the CFXQL compiler: runs the stages in order, and holds
 *	  the arena, the string buffer, error reporting and the built-in quoting.
 *
 * All memory of a compile comes from one arena built on the caller's hooks.
 * On success the arena moves into the result, which cfxql_result_free()
 * releases in one call; on failure it is released before returning.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfxql_int.h"

struct CfxqlArenaBlock
{
	CfxqlArenaBlock *next;
	/* the payload follows, aligned for any type */
};

#define ARENA_BLOCK_SIZE 16384
#define ARENA_ALIGN 16

static void *
default_alloc(void *context, size_t size)
{
	(void) context;
	return malloc(size);
}

static void
default_free(void *context, void *pointer)
{
	(void) context;
	free(pointer);
}

static const CfxqlMemory default_memory = {default_alloc, default_free, NULL};

void
cfxql_options_init(CfxqlOptions *options)
{
	options->case_sensitive = true;
	options->record_expression = "data";
	options->numeric_string_index = false;
	options->btree_fields = NULL;
	options->btree_field_count = 0;
	options->time_field = NULL;
	options->time_column = NULL;
	options->memory = NULL;
	options->quote_literal = NULL;
}

static size_t
header_size(void)
{
	return (sizeof(CfxqlArenaBlock) + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);
}

/* Returns zeroed memory, or NULL after recording an out-of-memory error. */
void *
cfxql_alloc(CfxqlContext *cx, size_t size)
{
	CfxqlArena *arena = cx->arena;
	size_t		rounded;
	void	   *result;

	if (size > SIZE_MAX / 2)
	{
		cfxql_out_of_memory(cx);
		return NULL;
	}
	rounded = (size + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;

	if (rounded > arena->left)
	{
		size_t		payload = rounded > ARENA_BLOCK_SIZE ? rounded : ARENA_BLOCK_SIZE;
		CfxqlArenaBlock *block;

		block = arena->memory.alloc(arena->memory.context, header_size() + payload);
		if (block == NULL)
		{
			cfxql_out_of_memory(cx);
			return NULL;
		}
		block->next = arena->blocks;
		arena->blocks = block;
		arena->next = (char *) block + header_size();
		arena->left = payload;
	}

	result = arena->next;
	arena->next += rounded;
	arena->left -= rounded;
	memset(result, 0, size);
	return result;
}

char *
cfxql_strndup(CfxqlContext *cx, const char *text, size_t len)
{
	char	   *copy = cfxql_alloc(cx, len + 1);

	if (copy == NULL)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	return copy;
}

static void
arena_release(CfxqlArena *arena)
{
	CfxqlArenaBlock *block = arena->blocks;
	CfxqlMemory memory = arena->memory;

	while (block != NULL)
	{
		CfxqlArenaBlock *next = block->next;

		if (memory.free != NULL)
			memory.free(memory.context, block);
		block = next;
	}
	/* the arena struct itself lives outside the blocks */
	if (memory.free != NULL)
		memory.free(memory.context, arena);
}

/* Counts the UTF-8 characters that start before offset. */
int
cfxql_char_position(const char *text, size_t offset)
{
	int			position = 0;

	for (size_t i = 0; i < offset; i++)
	{
		if (((unsigned char) text[i] & 0xC0) != 0x80)
			position++;
	}
	return position;
}

bool
cfxql_syntax_error(CfxqlContext *cx, size_t offset, const char *format,...)
{
	CfxqlError *error = cx->error;
	int			prefix;
	va_list		args;

	/* the first error wins: later stages never overwrite it */
	if (error->code != CFXQL_OK)
		return false;

	error->code = CFXQL_ERROR_SYNTAX;
	error->position = cfxql_char_position(cx->query, offset);
	prefix = snprintf(error->message, sizeof(error->message),
					  "syntax error at position %d: ", error->position);
	va_start(args, format);
	vsnprintf(error->message + prefix, sizeof(error->message) - prefix, format, args);
	va_end(args);
	return false;
}

bool
cfxql_out_of_memory(CfxqlContext *cx)
{
	if (cx->error->code == CFXQL_OK)
	{
		cx->error->code = CFXQL_ERROR_OUT_OF_MEMORY;
		cx->error->position = -1;
		snprintf(cx->error->message, sizeof(cx->error->message), "out of memory");
	}
	return false;
}

void
cfxql_buffer_init(CfxqlBuffer *buf, CfxqlContext *cx)
{
	buf->cx = cx;
	buf->data = NULL;
	buf->len = 0;
	buf->capacity = 0;
	buf->failed = false;
}

void
cfxql_buffer_append(CfxqlBuffer *buf, const char *text, size_t len)
{
	if (buf->failed)
		return;

	if (buf->len + len + 1 > buf->capacity)
	{
		size_t		capacity = buf->capacity ? buf->capacity * 2 : 256;
		char	   *data;

		while (capacity < buf->len + len + 1)
			capacity *= 2;
		/* the old copy stays in the arena until the result is freed */
		data = cfxql_alloc(buf->cx, capacity);
		if (data == NULL)
		{
			buf->failed = true;
			return;
		}
		if (buf->len > 0)
			memcpy(data, buf->data, buf->len);
		buf->data = data;
		buf->capacity = capacity;
	}
	memcpy(buf->data + buf->len, text, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void
cfxql_buffer_puts(CfxqlBuffer *buf, const char *text)
{
	cfxql_buffer_append(buf, text, strlen(text));
}

void
cfxql_buffer_printf(CfxqlBuffer *buf, const char *format,...)
{
	char		small[256];
	va_list		args;
	int			len;

	va_start(args, format);
	len = vsnprintf(small, sizeof(small), format, args);
	va_end(args);

	/* every caller formats short fixed texts and numbers */
	if (len < 0 || (size_t) len >= sizeof(small))
	{
		buf->failed = true;
		return;
	}
	cfxql_buffer_append(buf, small, (size_t) len);
}

/*
 * Write text as an SQL string literal: the algorithm of PostgreSQL's
 * quote_literal_cstr(), so standalone output equals backend output.
 */
void
cfxql_quote_literal_into(CfxqlBuffer *buf, const char *text, size_t len)
{
	if (memchr(text, '\\', len) != NULL)
		cfxql_buffer_append(buf, "E", 1);
	cfxql_buffer_append(buf, "'", 1);
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] == '\'' || text[i] == '\\')
			cfxql_buffer_append(buf, &text[i], 1);
		cfxql_buffer_append(buf, &text[i], 1);
	}
	cfxql_buffer_append(buf, "'", 1);
}

static void
add_columns(CfxqlContext *cx, const CfxqlQuery *query)
{
	CfxqlColumn *columns;

	if (query->column_count == 0)
		return;
	columns = cfxql_alloc(cx, sizeof(CfxqlColumn) * query->column_count);
	if (columns == NULL)
		return;
	for (int i = 0; i < query->column_count; i++)
	{
		const CfxqlColumnNode *node = &query->columns[i];

		columns[i].field = node->field;
		columns[i].field_len = node->field_len;
		columns[i].name = node->name ? node->name : node->field;
		columns[i].name_len = node->name ? node->name_len : node->field_len;
	}
	cx->result->columns = columns;
	cx->result->column_count = query->column_count;
}

static bool
run_stages(CfxqlContext *cx)
{
	CfxqlTokenList tokens;
	CfxqlQuery *query;
	CfxqlBuffer sql;

	if (cx->query_len > CFXQL_MAX_QUERY_BYTES)
		return cfxql_syntax_error(cx, CFXQL_MAX_QUERY_BYTES,
								  "query is longer than the maximum of %d bytes",
								  CFXQL_MAX_QUERY_BYTES);
	if (!cfxql_lex(cx, &tokens))
		return false;
	query = cfxql_parse(cx, &tokens);
	if (query == NULL)
		return false;
	if (!cfxql_check(cx, query))
		return false;

	cfxql_buffer_init(&sql, cx);
	if (!cfxql_generate(cx, query, &sql))
		return false;
	if (sql.failed)
		return cfxql_out_of_memory(cx);

	cx->result->condition = sql.data;
	cx->result->condition_len = sql.len;
	cx->result->match_all = (query->filter == NULL);
	add_columns(cx, query);
	return cx->error->code == CFXQL_OK;
}

CfxqlResult *
cfxql_compile(const char *query, size_t len, const CfxqlOptions *options,
			  CfxqlError *error)
{
	CfxqlOptions defaults;
	CfxqlContext cx;
	const CfxqlMemory *memory;
	CfxqlArena *arena;

	error->code = CFXQL_OK;
	error->position = -1;
	error->message[0] = '\0';

	if (options == NULL)
	{
		cfxql_options_init(&defaults);
		options = &defaults;
	}
	memory = options->memory ? options->memory : &default_memory;

	arena = memory->alloc(memory->context, sizeof(CfxqlArena));
	if (arena == NULL)
	{
		error->code = CFXQL_ERROR_OUT_OF_MEMORY;
		snprintf(error->message, sizeof(error->message), "out of memory");
		return NULL;
	}
	memset(arena, 0, sizeof(*arena));
	arena->memory = *memory;

	memset(&cx, 0, sizeof(cx));
	cx.arena = arena;
	cx.query = query ? query : "";
	cx.query_len = query ? len : 0;
	cx.options = options;
	cx.error = error;
	cx.result = cfxql_alloc(&cx, sizeof(CfxqlResult));

	if (cx.result == NULL || !run_stages(&cx))
	{
		arena_release(arena);
		return NULL;
	}
	cx.result->arena = arena;
	return cx.result;
}

void
cfxql_result_free(CfxqlResult *result)
{
	if (result != NULL)
		arena_release(result->arena);
}

/* Return the index after the run of digits that starts at text[i]. */
static size_t
skip_digits(const char *text, size_t len, size_t i)
{
	while (i < len && text[i] >= '0' && text[i] <= '9')
		i++;
	return i;
}

bool
cfxql_is_numeric_string(const char *text, size_t len)
{
	size_t		i = 0;
	size_t		start;

	if (len > 1000)
		return false;
	if (i < len && text[i] == '-')
		i++;
	if (i < len && text[i] == '0')
		i++;
	else if (i < len && text[i] >= '1' && text[i] <= '9')
		i = skip_digits(text, len, i);
	else
		return false;

	if (i < len && text[i] == '.')
	{
		start = ++i;
		i = skip_digits(text, len, i);
		if (i == start)
			return false;
	}

	if (i < len && (text[i] == 'e' || text[i] == 'E'))
	{
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			i++;
		start = i;
		i = skip_digits(text, len, i);
		if (i == start)
			return false;
		/* at most 1000 once leading zeros are dropped */
		while (start < i - 1 && text[start] == '0')
			start++;
		if (i - start > 4 || (i - start == 4 && strncmp(text + start, "1000", 4) != 0))
			return false;
	}
	return i == len;
}

static void
dump_tokens(CfxqlBuffer *buf, const CfxqlTokenList *tokens)
{
	for (int i = 0; i < tokens->count; i++)
	{
		const CfxqlToken *token = &tokens->tokens[i];

		if (i > 0)
			cfxql_buffer_puts(buf, " ");
		cfxql_buffer_puts(buf, cfxql_token_kind_name(token->kind));
		if (token->kind == TOKEN_KEYWORD)
			cfxql_buffer_printf(buf, "(%s)", cfxql_keyword_text(token->keyword));
		else if (token->kind == TOKEN_NAME || token->kind == TOKEN_QUOTED_NAME ||
				 token->kind == TOKEN_STRING || token->kind == TOKEN_NUMBER)
		{
			cfxql_buffer_puts(buf, "(");
			cfxql_buffer_append(buf, token->value, token->value_len);
			cfxql_buffer_puts(buf, ")");
		}
	}
}

char *
cfxql_debug_dump(const char *query, size_t len, CfxqlDumpStage stage,
				 CfxqlError *error)
{
	CfxqlOptions options;
	CfxqlContext cx;
	CfxqlTokenList tokens;
	CfxqlQuery *tree = NULL;
	CfxqlBuffer buf;
	char	   *copy = NULL;
	bool		ok;

	cfxql_options_init(&options);
	memset(&cx, 0, sizeof(cx));
	cx.arena = calloc(1, sizeof(CfxqlArena));
	if (cx.arena == NULL)
		return NULL;
	cx.arena->memory = default_memory;
	cx.query = query;
	cx.query_len = len;
	cx.options = &options;
	cx.error = error;
	error->code = CFXQL_OK;
	error->position = -1;
	error->message[0] = '\0';

	ok = cfxql_lex(&cx, &tokens);
	if (ok && stage == DUMP_TREE)
	{
		tree = cfxql_parse(&cx, &tokens);
		ok = tree != NULL && cfxql_check(&cx, tree);
	}
	if (ok)
	{
		cfxql_buffer_init(&buf, &cx);
		if (stage == DUMP_TOKENS)
			dump_tokens(&buf, &tokens);
		else
			cfxql_dump_query(&buf, tree);
		if (!buf.failed)
		{
			copy = malloc(buf.len + 1);
			if (copy != NULL)
				memcpy(copy, buf.data, buf.len + 1);
		}
	}
	arena_release(cx.arena);
	return copy;
}
