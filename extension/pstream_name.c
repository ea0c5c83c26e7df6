/*
 * pstream_name.c -- pstream names and the relation names derived from them
 *
 * A pstream's table in schema pstream_data carries the pstream name itself
 * when the name fits PostgreSQL's 63-byte identifier limit, so DBAs find
 * pstream_data."oia-alerts-stream".  A longer name maps to its first 30
 * characters, a '~' and the MD5 of the full name (63 bytes in all).  The map
 * is deterministic, so a re-create finds records kept by an earlier drop.
 * Names of indexes and constraints contain a ':', which no pstream name
 * contains, so they never take a name that a later pstream's table needs.
 */
#include "postgres.h"

#include "common/md5.h"
#include "utils/builtins.h"

#include "pstream.h"

#define TABLE_PREFIX_LEN 30
#define INDEX_PREFIX_LEN 40

/* Raise 22023 unless name is 1-255 of [A-Za-z0-9_.-], not starting with '.'. */
void
pstream_check_name(const char *name)
{
	size_t		len = strlen(name);
	bool		valid = len >= 1 && len <= PSTREAM_NAME_MAX_LEN && name[0] != '.';

	for (const char *p = name; valid && *p; p++)
	{
		char		c = *p;

		valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
	}

	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid pstream name \"%s\"", name),
				 errdetail("A pstream name has 1 to %d characters, each an ASCII letter, digit, underscore, hyphen or period, and does not start with a period.",
						   PSTREAM_NAME_MAX_LEN)));
}

/* Store the 32 lowercase hex digits of the MD5 of text in hex (33 bytes). */
void
pstream_hash_hex(const char *text, char *hex)
{
	const char *errstr = NULL;

	if (!pg_md5_hash(text, strlen(text), hex, &errstr))
		elog(ERROR, "could not compute MD5 hash: %s", errstr);
}

/* Return the relation name of the data table of a valid pstream name. */
char *
pstream_table_name(const char *name)
{
	char		hex[33];

	if (strlen(name) < NAMEDATALEN)
		return pstrdup(name);

	pstream_hash_hex(name, hex);
	return psprintf("%.*s~%s", TABLE_PREFIX_LEN, name, hex);
}

/* Return "<table>:<suffix>", shortened with a hash to fit 63 bytes. */
char *
pstream_index_name(const char *table_name, const char *suffix)
{
	char		hex[33];

	if (strlen(table_name) + 1 + strlen(suffix) < NAMEDATALEN)
		return psprintf("%s:%s", table_name, suffix);

	pstream_hash_hex(table_name, hex);
	return psprintf("%.*s~%.8s:%s", INDEX_PREFIX_LEN, table_name, hex, suffix);
}

/* Return the quoted, schema-qualified name of a data table, for SQL text. */
char *
pstream_qualified_table(const char *table_name)
{
	return quote_qualified_identifier("pstream_data", table_name);
}
