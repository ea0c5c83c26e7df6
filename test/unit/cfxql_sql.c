/*
 * cfxql_sql.c
 *	  Command-line front end of the CFXQL compiler core, for the semantic
 *	  checks (semantics.sh) and for trying queries by hand.
 *
 * Usage: cfxql_sql [-i] [-n] [-r RECORD] [-f FIELD]... [-T FIELD] [-t | -d] QUERY
 *	 -i  case-insensitive      -r  record expression (default "data")
 *	 -n  numeric_string_index
 *	 -f  a B-tree indexed field (up to 16)
 *	 -T  the time field, whose time is column ts
 *	 -t  print the tokens      -d  print the syntax tree
 * Prints the SQL condition (and "GET field -> name" lines for a projection)
 * and exits 0, or prints the error message and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfxql_int.h"

int
main(int argc, char **argv)
{
	CfxqlOptions options;
	const char *btree_fields[16];
	CfxqlError	error;
	CfxqlResult *result;
	int			stage = -1;
	int			i;

	cfxql_options_init(&options);
	for (i = 1; i < argc - 1; i++)
	{
		if (strcmp(argv[i], "-i") == 0)
			options.case_sensitive = false;
		else if (strcmp(argv[i], "-n") == 0)
			options.numeric_string_index = true;
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc - 1)
			options.record_expression = argv[++i];
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc - 1 &&
				 options.btree_field_count < 16)
		{
			btree_fields[options.btree_field_count++] = argv[++i];
			options.btree_fields = btree_fields;
		}
		else if (strcmp(argv[i], "-T") == 0 && i + 1 < argc - 1)
		{
			options.time_field = argv[++i];
			options.time_column = "ts";
		}
		else if (strcmp(argv[i], "-t") == 0)
			stage = DUMP_TOKENS;
		else if (strcmp(argv[i], "-d") == 0)
			stage = DUMP_TREE;
		else
			break;
	}
	if (i != argc - 1)
	{
		fprintf(stderr, "usage: cfxql_sql [-i] [-n] [-r RECORD] [-f FIELD]... [-T FIELD] [-t | -d] QUERY\n");
		return 2;
	}

	if (stage >= 0)
	{
		char	   *dump = cfxql_debug_dump(argv[i], strlen(argv[i]), stage, &error);

		if (dump == NULL)
		{
			printf("%s\n", error.message);
			return 1;
		}
		printf("%s\n", dump);
		free(dump);
		return 0;
	}

	result = cfxql_compile(argv[i], strlen(argv[i]), &options, &error);
	if (result == NULL)
	{
		printf("%s\n", error.message);
		return 1;
	}
	printf("%s\n", result->condition);
	for (int c = 0; c < result->column_count; c++)
		printf("GET %s -> %s\n", result->columns[c].field, result->columns[c].name);
	cfxql_result_free(result);
	return 0;
}
