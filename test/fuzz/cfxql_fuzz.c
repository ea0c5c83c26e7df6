/*
 * cfxql_fuzz.c
 *	  libFuzzer target of the CFXQL compiler core.
 *
 * Compiles each input three times: case-sensitive with the built-in
 * quoting, case-insensitive with numeric_string_index and a quoting hook,
 * and case-sensitive with B-tree fields and a time column (the candidate
 * tests of indexing by fields).  Checks the contracts that must hold for any input:
 * either a NUL-terminated condition or an error with a message, a position
 * within the query, and nothing leaked (the sanitizers report leaks and
 * memory errors).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfxql.h"

static char *
quote(const char *text, size_t len)
{
	char	   *quoted = malloc(2 * len + 4);
	size_t		n = 0;

	quoted[n++] = '\'';
	for (size_t i = 0; i < len; i++)
	{
		if (text[i] == '\'')
			quoted[n++] = '\'';
		quoted[n++] = text[i];
	}
	quoted[n++] = '\'';
	quoted[n] = '\0';
	return quoted;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const btree_fields[] = {"a", "b", "port", "s", "t", "x"};

	for (int mode = 0; mode < 3; mode++)
	{
		CfxqlOptions options;
		CfxqlError	error;
		CfxqlResult *result;

		cfxql_options_init(&options);
		options.case_sensitive = (mode != 1);
		if (mode == 1)
		{
			options.quote_literal = quote;
			options.numeric_string_index = true;
		}
		if (mode == 2)
		{
			options.btree_fields = btree_fields;
			options.btree_field_count = 6;
			options.time_field = "t";
			options.time_column = "ts";
		}
		result = cfxql_compile((const char *) data, size, &options, &error);
		if (result == NULL)
		{
			if (error.code == CFXQL_OK || error.message[0] == '\0' ||
				error.position < -1 || error.position > (int) size)
				abort();
			continue;
		}
		if (error.code != CFXQL_OK || strlen(result->condition) != result->condition_len)
			abort();
		cfxql_result_free(result);
	}
	return 0;
}
