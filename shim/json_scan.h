/*
 * json_scan.h
 *      One-pass check of a records body (a JSON array of objects) without
 *      building a parse tree.
 *
 * The scan reads the text once, keeps only a fixed stack of 2048 container
 * levels, and allocates nothing, so that checking a body of many megabytes
 * costs no memory beyond the body itself.
 */
#ifndef PSTREAMD_JSON_SCAN_H
#define PSTREAMD_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Maximum nesting of arrays and objects, the same as jansson 2.14's. */
#define JSON_SCAN_MAX_DEPTH 2048

enum json_scan_outcome
{
	JSON_SCAN_VALID,			/* an array of objects that jsonb can store */
	JSON_SCAN_SYNTAX_ERROR,		/* not JSON: see line, column, message */
	JSON_SCAN_NOT_ARRAY,		/* valid JSON, but the top value is no array */
	JSON_SCAN_RECORD_NOT_OBJECT,	/* element record_index is no object */
	JSON_SCAN_RECORD_NUL_STRING,	/* a string of record_index has U+0000 */
	JSON_SCAN_RECORD_NUL_KEY	/* a key of record_index has U+0000 */
};

struct json_scan_result
{
	enum json_scan_outcome outcome;
	size_t		record_index;	/* the first bad element of the array */
	const char *type_name;		/* "an object", "a string", ... */
	unsigned long line;			/* 1-based position of a syntax error */
	unsigned long column;		/* 1-based, in UTF-8 characters */
	char		message[96];	/* what is wrong at line and column */
};

/*
 * Scan text[0 .. length - 1] as a records body. A syntax error anywhere
 * takes precedence over the shape outcomes. Of those, the first one in
 * text order is reported, so that a body that is not an array is reported
 * as such, and otherwise the first bad record is named.
 */
void		json_scan_records(const char *text, size_t length,
							  struct json_scan_result *result);

#endif							/* PSTREAMD_JSON_SCAN_H */
