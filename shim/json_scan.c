/*
 * json_scan.c
 *      One-pass check of a records body (a JSON array of objects) without
 *      building a parse tree.
 *
 * pstreamd sends the body text to PostgreSQL unchanged, so it only has to
 * know whether the text is valid JSON (RFC 8259) that jsonb can store, and
 * which record is bad if one is. A jansson tree of a body of tens of
 * megabytes takes several times the body in memory. This scanner keeps a
 * fixed stack of container types and a few counters instead.
 *
 * What it checks, with the same outcomes as the jansson 2.14 parse it
 * replaces for records bodies:
 * - the grammar, including numbers, literals, escapes and nesting of at
 *   most JSON_SCAN_MAX_DEPTH levels;
 * - UTF-8 in strings: no overlong forms, no encoded surrogates, nothing
 *   above U+10FFFF; other bytes of 0x80 and up outside strings are invalid
 *   tokens anyway;
 * - \u escapes: a high surrogate must be followed by a low one, and a low
 *   surrogate must follow a high one;
 * - control characters (below 0x20), a NUL byte included, are invalid
 *   inside strings, as RFC 8259 requires.
 * Numbers are checked against the grammar only. Their magnitude is left to
 * PostgreSQL's numeric type, which stores any number jsonb accepts exactly.
 *
 * Error positions are line and column (both 1-based, the column counted in
 * UTF-8 characters) of the byte where the scan stopped. They are computed
 * only when an error is found, by counting from the start of the text.
 */
#include "json_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct scanner
{
	const char *text;
	size_t		length;
	size_t		position;
	int			depth;
	char		stack[JSON_SCAN_MAX_DEPTH];	/* '[' or '{' per level */
	size_t		record_count;	/* elements of the top array seen so far */
	bool		top_is_array;
	struct json_scan_result *result;
};

static void
set_position(struct scanner *scanner, size_t offset)
{
	unsigned long line = 1;
	unsigned long column = 1;

	for (size_t i = 0; i < offset && i < scanner->length; i++)
	{
		unsigned char c = (unsigned char) scanner->text[i];

		if (c == '\n')
		{
			line++;
			column = 1;
		}
		else if ((c & 0xC0) != 0x80)
			column++;
	}
	scanner->result->line = line;
	scanner->result->column = column;
}

/* Record a syntax error at the current position; always returns false. */
static bool
syntax_error(struct scanner *scanner, const char *format,...)
{
	va_list		arguments;

	scanner->result->outcome = JSON_SCAN_SYNTAX_ERROR;
	va_start(arguments, format);
	vsnprintf(scanner->result->message, sizeof(scanner->result->message),
			  format, arguments);
	va_end(arguments);
	set_position(scanner, scanner->position);
	return false;
}

/* Report the byte at position, or the end of the text, as unexpected. */
static bool
unexpected(struct scanner *scanner, const char *expected)
{
	unsigned char c;

	if (scanner->position >= scanner->length)
		return syntax_error(scanner, "unexpected end of input, %s expected",
							expected);

	c = (unsigned char) scanner->text[scanner->position];
	if (c >= 0x20 && c < 0x7F)
		return syntax_error(scanner, "unexpected character '%c', %s expected",
							c, expected);
	return syntax_error(scanner, "unexpected byte 0x%02X, %s expected",
						c, expected);
}

/* Note a shape problem unless an earlier one is already noted. */
static void
note_shape(struct scanner *scanner, enum json_scan_outcome outcome,
		   const char *type_name)
{
	if (scanner->result->outcome != JSON_SCAN_VALID)
		return;
	scanner->result->outcome = outcome;
	scanner->result->record_index =
		scanner->record_count > 0 ? scanner->record_count - 1 : 0;
	scanner->result->type_name = type_name;
}

static void
skip_whitespace(struct scanner *scanner)
{
	while (scanner->position < scanner->length)
	{
		char		c = scanner->text[scanner->position];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		scanner->position++;
	}
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read the four hex digits after "\u" at position, or return -1 if invalid. */
static long
read_hex4(struct scanner *scanner)
{
	long		code = 0;

	if (scanner->length - scanner->position < 4)
		return -1;
	for (int i = 0; i < 4; i++)
	{
		int			digit = hex_value(scanner->text[scanner->position + i]);

		if (digit < 0)
			return -1;
		code = code * 16 + digit;
	}
	scanner->position += 4;
	return code;
}

/*
 * Length of the valid UTF-8 sequence that starts with a byte of 0x80 or
 * more at position, or 0 when it is invalid (RFC 3629, section 4).
 */
static size_t
utf8_sequence_length(const struct scanner *scanner)
{
	const unsigned char *s = (const unsigned char *) scanner->text + scanner->position;
	size_t		available = scanner->length - scanner->position;
	unsigned char low = 0x80;
	unsigned char high = 0xBF;
	size_t		length;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		length = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
	{
		length = 3;
		if (s[0] == 0xE0)
			low = 0xA0;			/* overlong below U+0800 */
		else if (s[0] == 0xED)
			high = 0x9F;		/* UTF-16 surrogates */
	}
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
	{
		length = 4;
		if (s[0] == 0xF0)
			low = 0x90;			/* overlong below U+10000 */
		else if (s[0] == 0xF4)
			high = 0x8F;		/* above U+10FFFF */
	}
	else
		return 0;

	if (available < length || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 2; i < length; i++)
	{
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	}
	return length;
}

/* Check an escape after the backslash, and set *is_nul for \u0000. */
static bool
scan_escape(struct scanner *scanner, bool *is_nul)
{
	char		c;
	long		code;

	if (scanner->position >= scanner->length)
		return unexpected(scanner, "an escape");
	c = scanner->text[scanner->position];
	if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
	{
		scanner->position++;
		return true;
	}
	if (c != 'u')
		return unexpected(scanner, "an escape such as \\n or \\u00e9");

	scanner->position++;
	code = read_hex4(scanner);
	if (code < 0)
		return syntax_error(scanner, "invalid \\u escape: four hex digits expected");
	if (code == 0)
		*is_nul = true;
	if (code >= 0xDC00 && code <= 0xDFFF)
		return syntax_error(scanner, "invalid Unicode escape \\u%04X: a low surrogate without a high one", (unsigned int) code);
	if (code >= 0xD800 && code <= 0xDBFF)
	{
		long		low;

		if (scanner->length - scanner->position < 2 ||
			scanner->text[scanner->position] != '\\' ||
			scanner->text[scanner->position + 1] != 'u')
			return syntax_error(scanner, "invalid Unicode escape \\u%04X: a high surrogate without a low one", (unsigned int) code);
		scanner->position += 2;
		low = read_hex4(scanner);
		if (low < 0xDC00 || low > 0xDFFF)
			return syntax_error(scanner, "invalid Unicode escape \\u%04X: a high surrogate without a low one", (unsigned int) code);
	}
	return true;
}

/* Scan a string whose opening quote is at position. */
static bool
scan_string(struct scanner *scanner, bool *contains_nul)
{
	scanner->position++;
	while (scanner->position < scanner->length)
	{
		unsigned char c = (unsigned char) scanner->text[scanner->position];

		if (c == '"')
		{
			scanner->position++;
			return true;
		}
		if (c == '\\')
		{
			scanner->position++;
			if (!scan_escape(scanner, contains_nul))
				return false;
		}
		else if (c < 0x20)
			return syntax_error(scanner, "control character 0x%02X in a string; escape it", c);
		else if (c < 0x80)
			scanner->position++;
		else
		{
			size_t		length = utf8_sequence_length(scanner);

			if (length == 0)
				return syntax_error(scanner, "invalid UTF-8 byte 0x%02X in a string", c);
			scanner->position += length;
		}
	}
	return unexpected(scanner, "'\"' closing the string");
}

static bool
is_digit(const struct scanner *scanner)
{
	return scanner->position < scanner->length &&
		scanner->text[scanner->position] >= '0' &&
		scanner->text[scanner->position] <= '9';
}

static bool
skip_digits(struct scanner *scanner)
{
	if (!is_digit(scanner))
		return unexpected(scanner, "a digit");
	while (is_digit(scanner))
		scanner->position++;
	return true;
}

/* Scan a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
scan_number(struct scanner *scanner)
{
	if (scanner->text[scanner->position] == '-')
		scanner->position++;
	if (scanner->position < scanner->length &&
		scanner->text[scanner->position] == '0')
		scanner->position++;
	else if (!skip_digits(scanner))
		return false;

	if (scanner->position < scanner->length &&
		scanner->text[scanner->position] == '.')
	{
		scanner->position++;
		if (!skip_digits(scanner))
			return false;
	}
	if (scanner->position < scanner->length &&
		(scanner->text[scanner->position] == 'e' ||
		 scanner->text[scanner->position] == 'E'))
	{
		scanner->position++;
		if (scanner->position < scanner->length &&
			(scanner->text[scanner->position] == '+' ||
			 scanner->text[scanner->position] == '-'))
			scanner->position++;
		if (!skip_digits(scanner))
			return false;
	}
	return true;
}

static bool
scan_literal(struct scanner *scanner, const char *word)
{
	size_t		length = strlen(word);

	if (scanner->length - scanner->position < length ||
		memcmp(scanner->text + scanner->position, word, length) != 0)
		return syntax_error(scanner, "invalid literal: true, false or null expected");
	scanner->position += length;
	return true;
}

/* Scan an object key, which starts at position, and its colon. */
static bool
scan_key(struct scanner *scanner)
{
	bool		contains_nul = false;

	if (scanner->position >= scanner->length ||
		scanner->text[scanner->position] != '"')
		return unexpected(scanner, "a string key");
	if (!scan_string(scanner, &contains_nul))
		return false;
	if (contains_nul && scanner->depth >= 2 && scanner->top_is_array)
		note_shape(scanner, JSON_SCAN_RECORD_NUL_KEY, NULL);
	skip_whitespace(scanner);
	if (scanner->position >= scanner->length ||
		scanner->text[scanner->position] != ':')
		return unexpected(scanner, "':'");
	scanner->position++;
	return true;
}

static const char *
type_name_of(char first)
{
	switch (first)
	{
		case '{':
			return "an object";
		case '[':
			return "an array";
		case '"':
			return "a string";
		case 't':
		case 'f':
			return "a boolean";
		case 'n':
			return "null";
		default:
			return "a number";
	}
}

/*
 * Note the shape of a value that starts at position: the top value must be
 * an array, and each of its elements an object.
 */
static void
check_shape(struct scanner *scanner, char first)
{
	if (scanner->depth == 0)
	{
		scanner->top_is_array = (first == '[');
		if (!scanner->top_is_array)
			note_shape(scanner, JSON_SCAN_NOT_ARRAY, type_name_of(first));
	}
	else if (scanner->depth == 1 && scanner->top_is_array)
	{
		scanner->record_count++;
		if (first != '{')
			note_shape(scanner, JSON_SCAN_RECORD_NOT_OBJECT, type_name_of(first));
	}
}

/*
 * Scan one value at position, and for a container only its opening: the
 * main loop scans the members. Returns false on a syntax error.
 */
static bool
scan_value_start(struct scanner *scanner, bool *opened)
{
	char		first;
	bool		contains_nul = false;

	*opened = false;
	skip_whitespace(scanner);
	if (scanner->position >= scanner->length)
		return unexpected(scanner, "a JSON value");
	first = scanner->text[scanner->position];
	switch (first)
	{
		case '[':
		case '{':
			if (scanner->depth >= JSON_SCAN_MAX_DEPTH)
				return syntax_error(scanner, "nesting deeper than the maximum of %u arrays and objects", JSON_SCAN_MAX_DEPTH);
			check_shape(scanner, first);
			scanner->stack[scanner->depth++] = first;
			scanner->position++;
			*opened = true;
			return true;
		case '"':
			check_shape(scanner, first);
			if (!scan_string(scanner, &contains_nul))
				return false;
			if (contains_nul && scanner->depth >= 2 && scanner->top_is_array)
				note_shape(scanner, JSON_SCAN_RECORD_NUL_STRING, NULL);
			return true;
		case 't':
			check_shape(scanner, first);
			return scan_literal(scanner, "true");
		case 'f':
			check_shape(scanner, first);
			return scan_literal(scanner, "false");
		case 'n':
			check_shape(scanner, first);
			return scan_literal(scanner, "null");
		default:
			if (first != '-' && (first < '0' || first > '9'))
				return unexpected(scanner, "a JSON value");
			check_shape(scanner, first);
			return scan_number(scanner);
	}
}

void
json_scan_records(const char *text, size_t length,
				  struct json_scan_result *result)
{
	struct scanner scanner = {.text = text, .length = length, .result = result};
	bool		opened;

	memset(result, 0, sizeof(*result));
	result->outcome = JSON_SCAN_VALID;

	if (!scan_value_start(&scanner, &opened))
		return;

	/*
	 * Each turn is at the first member of a container just opened, or after
	 * a complete value inside the innermost container.
	 */
	while (scanner.depth > 0)
	{
		char		container = scanner.stack[scanner.depth - 1];
		char		closing = (container == '[') ? ']' : '}';

		skip_whitespace(&scanner);
		if (opened)
		{
			/* first member, or an empty container */
			if (scanner.position < length && text[scanner.position] == closing)
			{
				scanner.position++;
				scanner.depth--;
				opened = false;
				continue;
			}
		}
		else
		{
			if (scanner.position < length && text[scanner.position] == closing)
			{
				scanner.position++;
				scanner.depth--;
				continue;
			}
			if (scanner.position >= length || text[scanner.position] != ',')
				return (void) unexpected(&scanner, container == '[' ?
										 "',' or ']'" : "',' or '}'");
			scanner.position++;
			skip_whitespace(&scanner);
		}

		if (container == '{' && !scan_key(&scanner))
			return;
		if (!scan_value_start(&scanner, &opened))
			return;
	}

	skip_whitespace(&scanner);
	if (scanner.position < length)
		(void) unexpected(&scanner, "the end of input");
}
