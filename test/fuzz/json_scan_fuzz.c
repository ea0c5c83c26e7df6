/*
 * json_scan_fuzz.c
 *	  libFuzzer target of pstreamd's records body scanner (shim/json_scan.c),
 *	  checked against jansson 2.14 as the reference parser.
 *
 * For any input the scan must stay inside the text (AddressSanitizer), give
 * a syntax error a position and a message, and agree with jansson on
 * whether the text is JSON. The known differences are accepted: jansson
 * rejects numbers beyond the double range and U+0000 in object keys, which
 * the scanner accepts as JSON, and jansson takes a NUL byte outside a
 * string for the end of the text, where the scanner rejects the byte.
 * Inputs with a NUL byte are therefore only checked one way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_scan.h"

#define PARSE_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_scan_result scan;
	json_error_t error;
	json_t	   *parsed;
	bool		scan_is_json;

	json_scan_records((const char *) data, size, &scan);
	if (scan.outcome == JSON_SCAN_SYNTAX_ERROR &&
		(scan.line == 0 || scan.column == 0 || scan.message[0] == '\0'))
		abort();

	parsed = json_loadb((const char *) data, size, PARSE_FLAGS, &error);
	scan_is_json = scan.outcome != JSON_SCAN_SYNTAX_ERROR;
	if (parsed != NULL)
	{
		if (!scan_is_json && memchr(data, '\0', size) == NULL)
			abort();			/* jansson accepts what the scanner rejects */
		if (scan.outcome == JSON_SCAN_VALID &&
			(!json_is_array(parsed) ||
			 (json_array_size(parsed) > 0 &&
			  !json_is_object(json_array_get(parsed, 0)))))
			abort();			/* a wrong shape was not noticed */
		json_decref(parsed);
	}
	else if (scan_is_json &&
			 json_error_code(&error) != json_error_numeric_overflow &&
			 json_error_code(&error) != json_error_null_byte_in_key)
		abort();				/* the scanner accepts what jansson rejects */
	return 0;
}
