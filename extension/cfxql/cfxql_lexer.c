/*
 * cfxql_lexer.c
 *	  Lexer of CFXQL: turns the query text into an array of tokens.
 *
 * The whole query is tokenized before parsing, so the parser can look ahead
 * freely.  The lexer decodes string literals (backslash makes the next
 * character literal, a doubled quote is one quote) and backquoted names (a
 * doubled backquote is one backquote), and rejects invalid UTF-8 and NUL
 * characters, so that every later stage works on valid UTF-8 text.
 */
#include <stdio.h>
#include <string.h>

#include "cfxql_int.h"

typedef struct KeywordEntry
{
	const char *text;
	CfxqlKeyword keyword;
} KeywordEntry;

static const KeywordEntry keywords[] = {
	{"and", KW_AND}, {"or", KW_OR}, {"not", KW_NOT}, {"is", KW_IS},
	{"in", KW_IN}, {"as", KW_AS}, {"get", KW_GET}, {"to", KW_TO},
	{"null", KW_NULL}, {"none", KW_NONE}, {"true", KW_TRUE}, {"false", KW_FALSE},
	{"contain", KW_CONTAIN}, {"contains", KW_CONTAINS}, {"has", KW_HAS},
	{"match", KW_MATCH}, {"matches", KW_MATCHES}, {"start", KW_START},
	{"starts", KW_STARTS}, {"end", KW_END}, {"ends", KW_ENDS}, {"with", KW_WITH},
	{"does", KW_DOES}, {"equal", KW_EQUAL}, {"equals", KW_EQUALS},
	{"greater", KW_GREATER}, {"less", KW_LESS}, {"than", KW_THAN},
	{"gt", KW_GT}, {"gte", KW_GTE}, {"lt", KW_LT}, {"lte", KW_LTE},
	{"one", KW_ONE}, {"of", KW_OF}, {"among", KW_AMONG}, {"any", KW_ANY},
	{"before", KW_BEFORE}, {"after", KW_AFTER}, {"during", KW_DURING},
	{"notnull", KW_NOTNULL}, {"notduring", KW_NOTDURING}, {"empty", KW_EMPTY},
	{"this", KW_THIS}, {"last", KW_LAST}, {"now", KW_NOW}, {"today", KW_TODAY},
	{"yesterday", KW_YESTERDAY},
};

#define KEYWORD_COUNT ((int) (sizeof(keywords) / sizeof(keywords[0])))

const char *
cfxql_keyword_text(CfxqlKeyword keyword)
{
	for (int i = 0; i < KEYWORD_COUNT; i++)
	{
		if (keywords[i].keyword == keyword)
			return keywords[i].text;
	}
	return "?";
}

const char *
cfxql_token_kind_name(CfxqlTokenKind kind)
{
	static const char *const names[] = {
		"END", "NAME", "QUOTED_NAME", "STRING", "NUMBER", "KEYWORD",
		"LPAREN", "RPAREN", "LBRACKET", "RBRACKET", "COMMA", "STAR",
		"AND", "OR", "EQ", "NE", "GT", "GE", "LT", "LE",
		"CONTAINS", "NOT_CONTAINS", "MATCHES", "NOT_MATCHES",
		"STARTS", "NOT_STARTS", "ENDS", "NOT_ENDS", "NOT_IN"
	};

	return names[kind];
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_word_char(char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static CfxqlKeyword
lookup_keyword(const char *text, size_t len)
{
	for (int i = 0; i < KEYWORD_COUNT; i++)
	{
		const char *word = keywords[i].text;
		size_t		j;

		if (strlen(word) != len)
			continue;
		for (j = 0; j < len; j++)
		{
			char		c = text[j];

			if (c >= 'A' && c <= 'Z')
				c = (char) (c - 'A' + 'a');
			if (c != word[j])
				break;
		}
		if (j == len)
			return keywords[i].keyword;
	}
	return KW_NONE_WORD;
}

/*
 * Returns the length of the UTF-8 sequence at text[0], or 0 when it is not
 * valid (overlong forms, surrogates and code points above U+10FFFF count as
 * invalid, as in PostgreSQL's pg_utf8_islegal()).
 */
static int
utf8_sequence_length(const unsigned char *text, size_t left)
{
	unsigned char c = text[0];
	int			length;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		length = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		length = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		length = 4;
	else
		return 0;

	if ((size_t) length > left)
		return 0;
	for (int i = 1; i < length; i++)
	{
		if ((text[i] & 0xC0) != 0x80)
			return 0;
	}
	if (c == 0xE0 && text[1] < 0xA0)
		return 0;
	if (c == 0xED && text[1] > 0x9F)
		return 0;
	if (c == 0xF0 && text[1] < 0x90)
		return 0;
	if (c == 0xF4 && text[1] > 0x8F)
		return 0;
	return length;
}

static bool
check_encoding(CfxqlContext *cx)
{
	const unsigned char *text = (const unsigned char *) cx->query;
	size_t		i = 0;

	while (i < cx->query_len)
	{
		int			length;

		if (text[i] == '\0')
			return cfxql_syntax_error(cx, i, "the query contains a NUL character");
		length = utf8_sequence_length(text + i, cx->query_len - i);
		if (length == 0)
			return cfxql_syntax_error(cx, i, "invalid UTF-8 byte 0x%02x", text[i]);
		i += (size_t) length;
	}
	return true;
}

typedef struct Lexer
{
	CfxqlContext *cx;
	const char *text;
	size_t		len;
	size_t		pos;
	CfxqlToken *tokens;
	int			count;
	int			capacity;
} Lexer;

static CfxqlToken *
add_token(Lexer *lx, CfxqlTokenKind kind, size_t start, size_t length)
{
	CfxqlToken *token;

	if (lx->count == lx->capacity)
	{
		int			capacity = lx->capacity ? lx->capacity * 2 : 64;
		CfxqlToken *tokens = cfxql_alloc(lx->cx, sizeof(CfxqlToken) * capacity);

		if (tokens == NULL)
			return NULL;
		if (lx->count > 0)
			memcpy(tokens, lx->tokens, sizeof(CfxqlToken) * lx->count);
		lx->tokens = tokens;
		lx->capacity = capacity;
	}
	token = &lx->tokens[lx->count++];
	memset(token, 0, sizeof(*token));
	token->kind = kind;
	token->start = start;
	token->length = length;
	token->value = "";
	return token;
}

/* Words: keywords, bare names, and the single token "not-in". */
static bool
lex_word(Lexer *lx)
{
	size_t		start = lx->pos;
	size_t		end = start;
	CfxqlKeyword keyword;
	CfxqlToken *token;

	while (end < lx->len && is_word_char(lx->text[end]))
		end++;
	keyword = lookup_keyword(lx->text + start, end - start);

	if (keyword == KW_NOT && end + 3 <= lx->len &&
		lx->text[end] == '-' && lookup_keyword(lx->text + end + 1, 2) == KW_IN &&
		(end + 3 == lx->len || !is_word_char(lx->text[end + 3])))
	{
		lx->pos = end + 3;
		return add_token(lx, TOKEN_NOT_IN, start, end + 3 - start) != NULL;
	}

	lx->pos = end;
	token = add_token(lx, keyword ? TOKEN_KEYWORD : TOKEN_NAME, start, end - start);
	if (token == NULL)
		return false;
	token->keyword = keyword;
	token->value = cfxql_strndup(lx->cx, lx->text + start, end - start);
	token->value_len = end - start;
	return token->value != NULL;
}

/* JSON's number syntax, with an optional leading '+' or '-'. */
static bool
lex_number(Lexer *lx)
{
	const char *text = lx->text;
	size_t		start = lx->pos;
	size_t		p = start;
	CfxqlToken *token;

	if (text[p] == '+' || text[p] == '-')
		p++;
	if (text[p] == '0')
	{
		p++;
		if (p < lx->len && is_digit(text[p]))
			return cfxql_syntax_error(lx->cx, start,
									  "invalid number: a number cannot start with 0 followed by a digit");
	}
	else
	{
		while (p < lx->len && is_digit(text[p]))
			p++;
	}
	if (p < lx->len && text[p] == '.')
	{
		p++;
		if (p >= lx->len || !is_digit(text[p]))
			return cfxql_syntax_error(lx->cx, start,
									  "invalid number: expected a digit after the decimal point");
		while (p < lx->len && is_digit(text[p]))
			p++;
	}
	if (p < lx->len && (text[p] == 'e' || text[p] == 'E'))
	{
		size_t		q = p + 1;

		if (q < lx->len && (text[q] == '+' || text[q] == '-'))
			q++;
		/* "5e" followed by a non-digit is a number then a word */
		if (q < lx->len && is_digit(text[q]))
		{
			while (q < lx->len && is_digit(text[q]))
				q++;
			p = q;
		}
	}

	lx->pos = p;
	token = add_token(lx, TOKEN_NUMBER, start, p - start);
	if (token == NULL)
		return false;
	token->value = cfxql_strndup(lx->cx, text + start, p - start);
	token->value_len = p - start;
	return token->value != NULL;
}

/*
 * A quoted string or backquoted name.  Inside a string, a backslash makes
 * the next character (a whole UTF-8 sequence) literal.  In both, a doubled
 * closing quote stands for one.
 */
static bool
lex_quoted(Lexer *lx, char quote)
{
	const char *text = lx->text;
	size_t		start = lx->pos;
	size_t		p = start + 1;
	bool		is_name = (quote == '`');
	CfxqlBuffer value;
	CfxqlToken *token;

	cfxql_buffer_init(&value, lx->cx);
	cfxql_buffer_append(&value, "", 0);
	for (;;)
	{
		if (p >= lx->len)
			return cfxql_syntax_error(lx->cx, start, is_name ?
									  "unterminated quoted field name" :
									  "unterminated string");
		if (text[p] == quote)
		{
			if (p + 1 < lx->len && text[p + 1] == quote)
			{
				cfxql_buffer_append(&value, &quote, 1);
				p += 2;
				continue;
			}
			p++;
			break;
		}
		if (text[p] == '\\' && !is_name)
		{
			int			length;

			p++;
			if (p >= lx->len)
				return cfxql_syntax_error(lx->cx, start, "unterminated string");
			length = utf8_sequence_length((const unsigned char *) text + p, lx->len - p);
			cfxql_buffer_append(&value, text + p, (size_t) length);
			p += (size_t) length;
			continue;
		}
		cfxql_buffer_append(&value, text + p, 1);
		p++;
	}
	if (value.failed)
		return cfxql_out_of_memory(lx->cx);
	if (is_name && value.len == 0)
		return cfxql_syntax_error(lx->cx, start, "empty quoted field name");

	lx->pos = p;
	token = add_token(lx, is_name ? TOKEN_QUOTED_NAME : TOKEN_STRING, start, p - start);
	if (token == NULL)
		return false;
	token->value = value.data;
	token->value_len = value.len;
	return true;
}

typedef struct Punctuation
{
	const char *text;
	CfxqlTokenKind kind;
} Punctuation;

/* Longest spellings first, so that "!~$" is not read as "!~" and "$". */
static const Punctuation punctuation[] = {
	{"!^~", TOKEN_NOT_STARTS}, {"!~$", TOKEN_NOT_ENDS},
	{"&&", TOKEN_AND}, {"||", TOKEN_OR}, {"==", TOKEN_EQ}, {"!=", TOKEN_NE},
	{"<>", TOKEN_NE}, {">=", TOKEN_GE}, {"<=", TOKEN_LE}, {"!~", TOKEN_NOT_CONTAINS},
	{"!?", TOKEN_NOT_MATCHES}, {"^~", TOKEN_STARTS}, {"~$", TOKEN_ENDS},
	{"&", TOKEN_AND}, {"|", TOKEN_OR}, {"=", TOKEN_EQ}, {">", TOKEN_GT},
	{"<", TOKEN_LT}, {"~", TOKEN_CONTAINS}, {"?", TOKEN_MATCHES},
	{"(", TOKEN_LPAREN}, {")", TOKEN_RPAREN}, {"[", TOKEN_LBRACKET},
	{"]", TOKEN_RBRACKET}, {",", TOKEN_COMMA}, {"*", TOKEN_STAR},
};

static bool
lex_punctuation(Lexer *lx)
{
	size_t		left = lx->len - lx->pos;
	const char *here = lx->text + lx->pos;
	int			length;

	for (size_t i = 0; i < sizeof(punctuation) / sizeof(punctuation[0]); i++)
	{
		size_t		n = strlen(punctuation[i].text);

		if (n <= left && memcmp(here, punctuation[i].text, n) == 0)
		{
			lx->pos += n;
			return add_token(lx, punctuation[i].kind, lx->pos - n, n) != NULL;
		}
	}

	length = utf8_sequence_length((const unsigned char *) here, left);
	return cfxql_syntax_error(lx->cx, lx->pos, "unexpected character \"%.*s\"",
							  length, here);
}

bool
cfxql_lex(CfxqlContext *cx, CfxqlTokenList *list)
{
	Lexer		lx;

	if (!check_encoding(cx))
		return false;

	memset(&lx, 0, sizeof(lx));
	lx.cx = cx;
	lx.text = cx->query;
	lx.len = cx->query_len;

	while (lx.pos < lx.len)
	{
		char		c = lx.text[lx.pos];
		bool		ok;

		if (is_space(c))
		{
			lx.pos++;
			continue;
		}
		if (is_word_start(c))
			ok = lex_word(&lx);
		else if (is_digit(c) ||
				 ((c == '-' || c == '+') && lx.pos + 1 < lx.len &&
				  is_digit(lx.text[lx.pos + 1])))
			ok = lex_number(&lx);
		else if (c == '\'' || c == '"' || c == '`')
			ok = lex_quoted(&lx, c);
		else
			ok = lex_punctuation(&lx);
		if (!ok)
			return false;
	}
	if (add_token(&lx, TOKEN_END, lx.len, 0) == NULL)
		return false;

	list->tokens = lx.tokens;
	list->count = lx.count;
	return true;
}
