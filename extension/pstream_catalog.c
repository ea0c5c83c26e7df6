/*
 * pstream_catalog.c -- pstream_create(), pstream_edit(), pstream_drop() and catalog lookups
 *
 * The catalog row of a pstream lives in pstream.pstreams; its records live in
 * pstream_data.<table_name>.  pstream_drop(delete_data => false) deletes only
 * the catalog row, so the table, its column metadata and its count deltas stay
 * and a later pstream_create() of the same name takes them over.
 *
 * The unique_keys attribute is enforced by one unique expression index over
 * (data -> 'k1'), (data -> 'k2'), ... whose predicate admits only records in
 * which every key is present and not JSON null: records lacking a key are not
 * in the index, so they never merge and never collide.
 *
 * The indexing attribute picks the other indexes (sync_indexes()): "all"
 * (default) the GIN indexes <table>:data and <table>:numbers and, with
 * pg_trgm, <table>:search; {"fields": [...]} a B-tree <table>:eq:<field> on
 * pstream.cfxql_index_key(data -> 'field') and <table>:num:<field> on
 * pstream.cfxql_index_number(data -> 'field') per listed field; "none"
 * nothing more.  The primary key, <table>:ts and <table>:unique_keys exist
 * in every mode.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pstream.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(pstream_create);
PG_FUNCTION_INFO_V1(pstream_edit);
PG_FUNCTION_INFO_V1(pstream_drop);

/* Attributes without top-level nulls: a null attribute counts as absent. */
#define STRIP_NULL_ATTRIBUTES_SQL \
	"(SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) " \
	"FROM jsonb_each($2::jsonb) WHERE value <> 'null'::jsonb)"

/*
 * Read the catalog row of a pstream, raising 42P01 if there is none, then
 * check that the caller may do action on it (42501 otherwise).  lock picks
 * the row lock, taken only after the check: adds take FOR KEY SHARE, which
 * concurrent adds share but which makes pstream_drop() (a DELETE) and
 * pstream_edit() (FOR UPDATE) wait for the add's transaction.
 */
PstreamInfo *
pstream_lookup(const char *name, PstreamLock lock, PstreamAction action)
{
	static const char *const lock_clauses[] = {"", " FOR KEY SHARE", " FOR UPDATE"};
	char	   *sql;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	PstreamInfo *info;
	bool		isnull;

	pstream_check_name(name);

	sql = "SELECT table_name, attributes FROM pstream.pstreams WHERE name = $1";
	pstream_spi_execute_cached(sql, 1, types, values, NULL, false, 1, true);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("pstream \"%s\" does not exist", name)));
	pstream_check_privilege(name, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
							action);

	if (lock != PSTREAM_LOCK_NONE)
	{
		/* Read again under the lock: a concurrent drop may have won. */
		pstream_spi_execute(psprintf("%s%s", sql, lock_clauses[lock]),
							1, types, values, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("pstream \"%s\" does not exist", name)));
	}

	info = palloc0(sizeof(PstreamInfo));
	info->name = pstrdup(name);
	info->table_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	info->qualified_table = pstream_qualified_table(info->table_name);
	info->attributes = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 2, &isnull));
	return info;
}

/* Return the list row of a pstream as a jsonb datum in the SPI context. */
Datum
pstream_list_row(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	bool		isnull;

	pstream_spi_execute("SELECT " PSTREAM_LIST_ROW_SQL " FROM pstream.pstreams WHERE name = $1",
						1, types, values, NULL, false, 1);
	if (SPI_processed == 0)
		elog(ERROR, "catalog row of pstream \"%s\" vanished", name);
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
}

static void
execute_ddl(const char *sql)
{
	int			ret = SPI_execute(sql, false, 0);

	if (ret < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
}

/* Return whether schema pstream_data contains a relation (table or index) of that name. */
static bool
relation_exists(const char *table_name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(table_name)};

	pstream_spi_execute("SELECT 1 FROM pg_catalog.pg_class c "
						"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						"WHERE n.nspname = 'pstream_data' AND c.relname = $1",
						1, types, values, NULL, false, 1);
	return SPI_processed > 0;
}

static char *
quoted_index_name(const char *table_name, const char *suffix)
{
	return (char *) quote_identifier(pstream_index_name(table_name, suffix));
}

/*
 * Return whether pstream.cfxql_numeric_strings() exists.  It does from 0.2.0
 * on; this library also serves a database still at 0.1.0 until ALTER
 * EXTENSION pstream UPDATE, whose script then adds the index to every table.
 */
static bool
numeric_strings_function_exists(void)
{
	bool		isnull;

	pstream_spi_execute("SELECT to_regprocedure('pstream.cfxql_numeric_strings(jsonb)') IS NOT NULL",
						0, NULL, NULL, NULL, false, 1);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* One index that the indexing attribute requires. */
typedef struct RequiredIndex
{
	char	   *name;			/* unquoted */
	char	   *create_sql;
} RequiredIndex;

/*
 * Return the suffix of a field's index: "<kind>:<field>" when the field is
 * a plain name and "<table>:<kind>:<field>" fits an identifier, else
 * "<kind>~" and 8 hex digits of the field's MD5.  '~' never occurs in a
 * plain name, so the two forms cannot meet.
 */
static char *
field_index_suffix(const char *table_name, const char *kind, const char *field)
{
	bool		plain = true;
	char		hex[33];

	for (const char *p = field; *p != '\0'; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_'))
			plain = false;
	}
	if (plain && strlen(table_name) + 2 + strlen(kind) + strlen(field) < NAMEDATALEN)
		return psprintf("%s:%s", kind, field);

	/* NOTE: two fields whose MD5s share 8 hex digits would need the same name. */
	pstream_hash_hex(field, hex);
	return psprintf("%s~%.8s", kind, hex);
}

/* Return whether an index name (after "<table>:") is one that sync_indexes() manages. */
static bool
is_indexing_suffix(const char *suffix)
{
	return strcmp(suffix, "data") == 0 || strcmp(suffix, "numbers") == 0 ||
		strcmp(suffix, "search") == 0 ||
		strncmp(suffix, "eq:", 3) == 0 || strncmp(suffix, "eq~", 3) == 0 ||
		strncmp(suffix, "num:", 4) == 0 || strncmp(suffix, "num~", 4) == 0;
}

static List *
add_required_index(List *required, const char *table_name, const char *suffix,
				 const char *definition)
{
	RequiredIndex *index = palloc(sizeof(RequiredIndex));

	index->name = pstream_index_name(table_name, suffix);
	index->create_sql = psprintf("CREATE INDEX %s ON %s %s",
								 quote_identifier(index->name),
								 pstream_qualified_table(table_name), definition);
	return lappend(required, index);
}

/* Return the indexes (RequiredIndex) that the indexing attribute requires. */
static List *
required_indexes(const char *table_name, Jsonb *attributes)
{
	List	   *fields;
	List	   *required = NIL;
	ListCell   *lc;

	switch (pstream_indexing(attributes, &fields))
	{
		case PSTREAM_INDEXING_ALL:
			required = add_required_index(required, table_name, "data",
									  "USING gin (data jsonb_path_ops)");
			if (numeric_strings_function_exists())
				required = add_required_index(required, table_name, "numbers",
										  "USING gin (pstream.cfxql_numeric_strings(data) jsonb_path_ops)");
			if (pstream_search_index_exists())
			{
				RequiredIndex *index = palloc(sizeof(RequiredIndex));

				index->name = pstream_index_name(table_name, "search");
				index->create_sql = pstream_search_index_sql(quote_identifier(index->name),
															 pstream_qualified_table(table_name));
				required = lappend(required, index);
			}
			break;
		case PSTREAM_INDEXING_FIELDS:
			foreach(lc, fields)
			{
				char	   *field = lfirst(lc);
				char	   *key = quote_literal_cstr(field);

				required = add_required_index(required, table_name,
										  field_index_suffix(table_name, "eq", field),
										  psprintf("(pstream.cfxql_index_key(data -> %s))", key));
				required = add_required_index(required, table_name,
										  field_index_suffix(table_name, "num", field),
										  psprintf("(pstream.cfxql_index_number(data -> %s))", key));
			}
			break;
		case PSTREAM_INDEXING_NONE:
			break;
	}
	return required;
}

/*
 * Raise 0A000 if the indexing attribute lists fields while the database's
 * pstream objects predate version 0.5.0, which adds the functions of the
 * field indexes.
 */
static void
check_indexing_functions(Jsonb *attributes)
{
	List	   *fields;
	bool		isnull;

	if (pstream_indexing(attributes, &fields) != PSTREAM_INDEXING_FIELDS)
		return;
	pstream_spi_execute("SELECT to_regprocedure('pstream.cfxql_index_key(jsonb)') IS NOT NULL",
						0, NULL, NULL, NULL, false, 1);
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("indexing by fields needs version 0.5.0 of extension pstream"),
				 errhint("Run ALTER EXTENSION pstream UPDATE.")));
}

/*
 * Make the indexes of a data table match its indexing attribute: drop the
 * managed indexes (is_indexing_suffix()) that it does not require, and
 * create the missing ones.  Other indexes, such as ones a DBA added, stay.
 */
static void
sync_indexes(const char *table_name, Jsonb *attributes)
{
	List	   *required = required_indexes(table_name, attributes);
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(table_name)};
	List	   *existing = NIL;
	ListCell   *lc;
	ListCell   *lw;

	check_indexing_functions(attributes);
	pstream_spi_execute("SELECT indexname::text FROM pg_catalog.pg_indexes "
						"WHERE schemaname = 'pstream_data' AND tablename = $1",
						1, types, values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		existing = lappend(existing, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));

	foreach(lc, existing)
	{
		char	   *name = lfirst(lc);
		char	   *colon = strchr(name, ':');
		bool		keep = false;

		if (colon == NULL || !is_indexing_suffix(colon + 1))
			continue;
		foreach(lw, required)
		{
			if (strcmp(((RequiredIndex *) lfirst(lw))->name, name) == 0)
				keep = true;
		}
		if (!keep)
			execute_ddl(psprintf("DROP INDEX pstream_data.%s", quote_identifier(name)));
	}

	foreach(lw, required)
	{
		RequiredIndex *index = lfirst(lw);
		bool		found = false;

		foreach(lc, existing)
		{
			if (strcmp(index->name, (char *) lfirst(lc)) == 0)
				found = true;
		}
		if (!found)
			execute_ddl(index->create_sql);
	}
}

/*
 * Set ts of every record to the time of the time field, where that reads as
 * a time, after the timestamp attribute changed.  The readers rely on ts
 * being that time: they serve time windows on the time field with the ts
 * index.  Records whose new time field is not a time keep their ts.
 */
static void
recompute_record_times(PstreamInfo *info)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(pstream_time_field(info->attributes))};

	pstream_spi_execute(psprintf("UPDATE %s SET ts = pstream.cfxql_time(data -> $1) "
								 "WHERE pstream.cfxql_time(data -> $1) <> ts",
								 info->qualified_table),
						1, types, values, NULL, false, 0);
}

/*
 * Create the data table with its indexes and the statement-level triggers
 * that log count deltas into pstream.record_counts.
 */
static void
create_data_table(const char *name, const char *table_name)
{
	char	   *table = pstream_qualified_table(table_name);

	execute_ddl(psprintf("CREATE TABLE %s (id text COLLATE \"C\" NOT NULL, "
						 "ts timestamptz NOT NULL, data jsonb NOT NULL, "
						 "CONSTRAINT %s PRIMARY KEY (id))",
						 table, quoted_index_name(table_name, "pkey")));
	execute_ddl(psprintf("CREATE INDEX %s ON %s (ts)",
						 quoted_index_name(table_name, "ts"), table));
	execute_ddl(psprintf("CREATE TRIGGER count_inserts AFTER INSERT ON %s "
						 "REFERENCING NEW TABLE AS new_records "
						 "FOR EACH STATEMENT EXECUTE FUNCTION pstream.count_records()", table));
	execute_ddl(psprintf("CREATE TRIGGER count_deletes AFTER DELETE ON %s "
						 "REFERENCING OLD TABLE AS old_records "
						 "FOR EACH STATEMENT EXECUTE FUNCTION pstream.count_records()", table));
	execute_ddl(psprintf("CREATE TRIGGER count_truncates AFTER TRUNCATE ON %s "
						 "FOR EACH STATEMENT EXECUTE FUNCTION pstream.count_records()", table));
	execute_ddl(psprintf("COMMENT ON TABLE %s IS %s", table, quote_literal_cstr(name)));
	pstream_grant_group_privileges(table);
}

/*
 * Raise 23505 if two stored records have equal values for all unique keys,
 * naming the pstream, the keys and the shared values.
 */
static void
check_unique_key_collisions(PstreamInfo *info, List *keys)
{
	StringInfoData sql;
	bool		isnull;
	Datum		shared;
	Datum		keys_json;
	StringInfoData keys_text;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT jsonb_build_array(");
	pstream_append_key_exprs(&sql, keys, ", ", "");
	appendStringInfo(&sql, ")::text FROM %s WHERE ", info->qualified_table);
	pstream_append_key_exprs(&sql, keys, " AND ", " <> 'null'::jsonb");
	appendStringInfoString(&sql, " GROUP BY ");
	pstream_append_key_exprs(&sql, keys, ", ", "");
	appendStringInfoString(&sql, " HAVING count(*) > 1 LIMIT 1");

	pstream_spi_execute(sql.data, 0, NULL, NULL, NULL, false, 1);
	if (SPI_processed == 0)
		return;

	shared = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	initStringInfo(&keys_text);
	appendStringInfoChar(&keys_text, '[');
	foreach(lc, keys)
	{
		if (lc != list_head(keys))
			appendStringInfoString(&keys_text, ", ");
		pstream_escape_json(&keys_text, (char *) lfirst(lc));
	}
	appendStringInfoChar(&keys_text, ']');
	keys_json = CStringGetDatum(keys_text.data);

	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("records of pstream \"%s\" violate unique_keys %s",
					info->name, DatumGetCString(keys_json)),
			 errdetail("More than one record has the key values %s.",
					   TextDatumGetCString(shared)),
			 errhint("Delete or change the duplicate records, or choose other unique_keys.")));
}

/*
 * Make the unique index of the data table match the unique_keys attribute:
 * drop the old one, then build the new one after checking that no stored
 * records collide.
 */
void
pstream_rebuild_unique_index(PstreamInfo *info)
{
	List	   *keys = pstream_unique_keys(info->attributes);
	char	   *index_name = quoted_index_name(info->table_name, "unique_keys");
	StringInfoData sql;

	if (relation_exists(pstream_index_name(info->table_name, "unique_keys")))
		execute_ddl(psprintf("DROP INDEX pstream_data.%s", index_name));
	if (keys == NIL)
		return;

	check_unique_key_collisions(info, keys);

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNIQUE INDEX %s ON %s (", index_name, info->qualified_table);
	pstream_append_key_exprs(&sql, keys, ", ", "");
	appendStringInfoString(&sql, ") WHERE ");
	pstream_append_key_exprs(&sql, keys, " AND ", " <> 'null'::jsonb");
	execute_ddl(sql.data);
}

static bool
same_string_lists(List *a, List *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
	{
		if (strcmp((char *) lfirst(la), (char *) lfirst(lb)) != 0)
			return false;
	}
	return true;
}

/*
 * pstream_create(name text, attributes jsonb) returns jsonb
 *
 * Insert the catalog row, then create the data table or take over the one
 * kept by an earlier drop, whose unique index is rebuilt for the new
 * attributes.
 */
Datum
pstream_create(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *attributes = PG_GETARG_JSONB_P(1);
	char	   *table_name;
	Oid			types[3] = {TEXTOID, JSONBOID, TEXTOID};
	Datum		values[3];
	PstreamInfo *info;
	bool		kept_table;
	Datum		result;

	pstream_check_name(name);
	pstream_check_attributes(attributes);
	table_name = pstream_table_name(name);

	SPI_connect();
	pstream_check_create_privilege(name);

	values[0] = CStringGetTextDatum(name);
	values[1] = JsonbPGetDatum(attributes);
	values[2] = CStringGetTextDatum(table_name);
	pstream_spi_execute("INSERT INTO pstream.pstreams AS p "
						"(name, attributes, table_name, created_at, modified_at) "
						"VALUES ($1, " STRIP_NULL_ATTRIBUTES_SQL ", $3, "
						"clock_timestamp(), clock_timestamp()) "
						"ON CONFLICT (name) DO NOTHING RETURNING name",
						3, types, values, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("pstream \"%s\" already exists", name)));

	kept_table = relation_exists(table_name);
	if (!kept_table)
		create_data_table(name, table_name);

	info = pstream_lookup(name, PSTREAM_LOCK_NONE, PSTREAM_ACTION_NONE);
	sync_indexes(table_name, info->attributes);
	pstream_rebuild_unique_index(info);

	/* A table kept by a drop may have filed ts under another time field. */
	if (kept_table)
		recompute_record_times(info);

	result = SPI_datumTransfer(pstream_list_row(name), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * pstream_edit(name text, attributes jsonb) returns jsonb
 *
 * Merge the given attributes over the stored ones; a key set to null removes
 * that attribute.  A change of unique_keys rebuilds the unique index, and a
 * collision of stored records raises 23505 so that nothing changes.  Setting
 * indexing drops and creates indexes to match, and a change of the time field
 * recomputes ts, all in the caller's transaction.
 */
Datum
pstream_edit(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *changes = PG_GETARG_JSONB_P(1);
	Oid			types[2] = {JSONBOID, JSONBOID};
	Datum		values[2];
	PstreamInfo *info;
	List	   *old_keys;
	char	   *old_time_field;
	bool		isnull;
	Datum		result;

	pstream_check_name(name);
	pstream_check_attributes(changes);

	SPI_connect();

	info = pstream_lookup(name, PSTREAM_LOCK_UPDATE, PSTREAM_ACTION_EDIT);
	old_keys = pstream_unique_keys(info->attributes);
	old_time_field = pstream_time_field(info->attributes);

	/* Merge, then drop the keys whose value is null. */
	values[0] = JsonbPGetDatum(info->attributes);
	values[1] = JsonbPGetDatum(changes);
	pstream_spi_execute("SELECT (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) "
						"FROM jsonb_each($1 || $2) WHERE value <> 'null'::jsonb)",
						2, types, values, NULL, false, 1);
	info->attributes = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1, &isnull));
	pstream_check_attributes(info->attributes);

	types[0] = TEXTOID;
	values[0] = CStringGetTextDatum(name);
	values[1] = JsonbPGetDatum(info->attributes);
	pstream_spi_execute("UPDATE pstream.pstreams SET attributes = $2, "
						"modified_at = clock_timestamp() WHERE name = $1",
						2, types, values, NULL, false, 0);

	if (!same_string_lists(old_keys, pstream_unique_keys(info->attributes)))
		pstream_rebuild_unique_index(info);
	if (getKeyJsonValueFromContainer(&changes->root, "indexing", 8, NULL) != NULL)
		sync_indexes(info->table_name, info->attributes);
	if (strcmp(old_time_field, pstream_time_field(info->attributes)) != 0)
		recompute_record_times(info);

	result = SPI_datumTransfer(pstream_list_row(name), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * pstream_drop(name text, delete_data boolean) returns jsonb
 *
 * Delete the catalog row.  With delete_data, also drop the data table and
 * its column metadata and count deltas; otherwise keep them for a later
 * pstream_create() of the same name.
 */
Datum
pstream_drop(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		delete_data = PG_GETARG_BOOL(1);
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char	   *table_name;
	StringInfoData json;
	Datum		result;

	pstream_check_name(name);

	SPI_connect();
	pstream_lookup(name, PSTREAM_LOCK_NONE, PSTREAM_ACTION_DROP);

	values[0] = CStringGetTextDatum(name);
	pstream_spi_execute("DELETE FROM pstream.pstreams WHERE name = $1 RETURNING table_name",
						1, types, values, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("pstream \"%s\" does not exist", name)));
	table_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

	if (delete_data)
	{
		values[0] = CStringGetTextDatum(table_name);
		execute_ddl(psprintf("DROP TABLE IF EXISTS %s", pstream_qualified_table(table_name)));
		pstream_spi_execute("DELETE FROM pstream.columns WHERE table_name = $1",
							1, types, values, NULL, false, 0);
		pstream_spi_execute("DELETE FROM pstream.record_counts WHERE table_name = $1",
							1, types, values, NULL, false, 0);
	}

	SPI_finish();

	initStringInfo(&json);
	appendStringInfoString(&json, "{\"name\": ");
	pstream_escape_json(&json, name);
	appendStringInfo(&json, ", \"data_deleted\": %s}", delete_data ? "true" : "false");
	result = pstream_jsonb_from_text(json.data);
	PG_RETURN_DATUM(result);
}
