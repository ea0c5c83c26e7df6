/*
 * body.c
 *      Checks of JSON request bodies before they are sent to PostgreSQL.
 *
 * Records bodies are checked by json_scan_records() (json_scan.c) without
 * a parse tree, because they may be tens of megabytes. The small create,
 * edit and update bodies are parsed with jansson.
 *
 * jansson parses with JSON_DECODE_INT_AS_REAL so that integers beyond the
 * 64-bit range, which PostgreSQL's numeric stores exactly, are not rejected
 * ("too big integer"): the parsed numbers are only looked at, never sent.
 * NOTE: in those small bodies a number whose magnitude exceeds the largest
 * double (about 1.8e308) is still rejected by jansson as "real number
 * overflow" (400), although jsonb could store it. Records bodies accept it.
 *
 * JSON_ALLOW_NUL lets strings with \u0000 parse, so that the check below can
 * report it as a 422, because PostgreSQL's jsonb cannot store U+0000.
 * jansson 2.14 rejects \u0000 inside object keys even with that flag. Such
 * a body gets a 422 with the line and column instead.
 */
#include "body.h"

#include "json_scan.h"

#include <string.h>

#define PARSE_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL)

static const char *
json_type_name(const json_t *value)
{
	switch (json_typeof(value))
	{
		case JSON_OBJECT:
			return "an object";
		case JSON_ARRAY:
			return "an array";
		case JSON_STRING:
			return "a string";
		case JSON_INTEGER:
		case JSON_REAL:
			return "a number";
		case JSON_TRUE:
		case JSON_FALSE:
			return "a boolean";
		case JSON_NULL:
			return "null";
	}
	return "an unknown JSON value";
}

/* Parse the body into request->json_body. */
static bool
parse_body(struct request *request)
{
	json_error_t error;

	request->json_body = json_loadb(request->body ? request->body : "",
									request->body_length, PARSE_FLAGS, &error);
	if (request->json_body != NULL)
		return true;

	if (json_error_code(&error) == json_error_null_byte_in_key)
		request_set_error(request, 422,
						  "invalid request body at line %d, column %d: an object key contains the character U+0000, which PostgreSQL cannot store",
						  error.line, error.column);
	else
		request_set_error(request, 400,
						  "malformed JSON body at line %d, column %d: %s",
						  error.line, error.column, error.text);
	return false;
}

/* Whether a string anywhere inside value contains U+0000. */
static bool
contains_nul(const json_t *value)
{
	const char *key;
	json_t	   *member;
	size_t		index;

	switch (json_typeof(value))
	{
		case JSON_STRING:
			return memchr(json_string_value(value), '\0',
						  json_string_length(value)) != NULL;
		case JSON_OBJECT:
			json_object_foreach((json_t *) value, key, member)
			{
				if (contains_nul(member))
					return true;
			}
			return false;
		case JSON_ARRAY:
			json_array_foreach(value, index, member)
			{
				if (contains_nul(member))
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * Records bodies are checked by json_scan_records(), one pass and no tree,
 * because they may be tens of megabytes and a jansson tree of them takes
 * several times their size. The messages keep the wording of the jansson
 * checks below.
 */
bool
check_records_body(struct request *request)
{
	struct json_scan_result scan;

	json_scan_records(request->body ? request->body : "", request->body_length,
					  &scan);
	switch (scan.outcome)
	{
		case JSON_SCAN_VALID:
			return true;
		case JSON_SCAN_SYNTAX_ERROR:
			request_set_error(request, 400,
							  "malformed JSON body at line %lu, column %lu: %s",
							  scan.line, scan.column, scan.message);
			return false;
		case JSON_SCAN_NOT_ARRAY:
			request_set_error(request, 422,
							  "invalid request body: expected a JSON array of records, got %s",
							  scan.type_name);
			return false;
		case JSON_SCAN_RECORD_NOT_OBJECT:
			request_set_error(request, 422,
							  "record %zu is not a JSON object: it is %s",
							  scan.record_index, scan.type_name);
			return false;
		case JSON_SCAN_RECORD_NUL_STRING:
			request_set_error(request, 422,
							  "record %zu cannot be stored: a string contains the character U+0000, which PostgreSQL cannot store",
							  scan.record_index);
			return false;
		case JSON_SCAN_RECORD_NUL_KEY:
			request_set_error(request, 422,
							  "record %zu cannot be stored: an object key contains the character U+0000, which PostgreSQL cannot store",
							  scan.record_index);
			return false;
	}
	request_set_error(request, 500, "internal error: unknown outcome of the records body check");
	return false;
}

/* Check that the body is an object whose "attributes" is an object. */
static bool
check_attributes(struct request *request, bool required)
{
	json_t	   *attributes;

	if (!json_is_object(request->json_body))
	{
		request_set_error(request, 422,
						  "invalid request body: expected a JSON object, got %s",
						  json_type_name(request->json_body));
		return false;
	}

	attributes = json_object_get(request->json_body, "attributes");
	if (attributes == NULL && required)
	{
		request_set_error(request, 422,
						  "invalid request body: field \"attributes\" is missing");
		return false;
	}
	if (attributes != NULL && !json_is_object(attributes) &&
		(required || !json_is_null(attributes)))
	{
		request_set_error(request, 422,
						  "invalid request body: field \"attributes\" must be a JSON object, got %s",
						  json_type_name(attributes));
		return false;
	}
	return true;
}

bool
check_create_body(struct request *request, const char **name,
				  size_t *name_length)
{
	json_t	   *name_value;

	if (!parse_body(request) || !check_attributes(request, false))
		return false;

	name_value = json_object_get(request->json_body, "name");
	if (name_value == NULL)
	{
		request_set_error(request, 422,
						  "invalid request body: field \"name\" is missing");
		return false;
	}
	if (!json_is_string(name_value))
	{
		request_set_error(request, 422,
						  "invalid request body: field \"name\" must be a string, got %s",
						  json_type_name(name_value));
		return false;
	}
	*name = json_string_value(name_value);
	*name_length = json_string_length(name_value);
	return true;
}

bool
check_edit_body(struct request *request)
{
	return parse_body(request) && check_attributes(request, true);
}

bool
check_update_body(struct request *request)
{
	if (!parse_body(request))
		return false;

	if (!json_is_object(request->json_body))
	{
		request_set_error(request, 422,
						  "invalid request body: expected a JSON object of the fields to set, got %s",
						  json_type_name(request->json_body));
		return false;
	}
	if (contains_nul(request->json_body))
	{
		request_set_error(request, 422,
						  "invalid request body: a string contains the character U+0000, which PostgreSQL cannot store");
		return false;
	}
	return true;
}
