/* sql/pstream--0.1.0.sql -- install script of the pstream extension, version 0.1.0 */

\echo Use "CREATE EXTENSION pstream" to load this file. \quit

/*
 * Storage layout.
 *
 * Schema pstream holds the catalog and the bookkeeping tables; schema
 * pstream_data holds one ordinary table per pstream, created by
 * pstream_create().  Data tables are not members of the extension, so
 * pg_dump dumps them with their rows, indexes, triggers and comments like any
 * table.  The rows of the three bookkeeping tables are user data, so they are
 * registered with pg_extension_config_dump().
 */
CREATE SCHEMA pstream;
COMMENT ON SCHEMA pstream IS 'internal tables and helper functions of the pstream extension';

CREATE SCHEMA pstream_data;
COMMENT ON SCHEMA pstream_data IS 'one table of JSON records per pstream; the table comment holds the full pstream name';

CREATE TABLE pstream.pstreams (
	name text COLLATE "C" PRIMARY KEY,
	attributes jsonb NOT NULL DEFAULT '{}',
	table_name text COLLATE "C" NOT NULL UNIQUE,
	system_defined boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL,
	modified_at timestamptz NOT NULL
);
COMMENT ON TABLE pstream.pstreams IS 'one row per pstream: its attributes and the name of its table in schema pstream_data';

/*
 * Column metadata, keyed by data table name so that it stays with records
 * kept by pstream_drop(delete_data => false).  type_flags is a bit set of the
 * JSON types seen in the column: 1 string that reads as a time, 2 other
 * string, 4 number, 8 boolean, 16 object, 32 array.  JSON null sets no bit.
 */
CREATE TABLE pstream.columns (
	table_name text COLLATE "C" NOT NULL,
	column_name text COLLATE "C" NOT NULL,
	type_flags integer NOT NULL DEFAULT 0,
	PRIMARY KEY (table_name, column_name)
);
COMMENT ON TABLE pstream.columns IS 'top-level fields seen in the records of each data table, with the JSON types seen';

/*
 * Record counts as an insert-only log of deltas, one row per INSERT or DELETE
 * statement on a data table.  Concurrent adds insert separate rows, so they
 * never wait for one another; readers sum the deltas, and pstream_stats() and
 * pstream_purge_expired() replace the committed rows of a table by their sum.
 */
CREATE TABLE pstream.record_counts (
	table_name text COLLATE "C" NOT NULL,
	delta bigint NOT NULL
);
CREATE INDEX record_counts_table_name_idx ON pstream.record_counts (table_name);
COMMENT ON TABLE pstream.record_counts IS 'changes of the record count of each data table, summed by pstream_stats()';

SELECT pg_catalog.pg_extension_config_dump('pstream.pstreams', '');
SELECT pg_catalog.pg_extension_config_dump('pstream.columns', '');
SELECT pg_catalog.pg_extension_config_dump('pstream.record_counts', '');

/* Statement-level trigger function of the data tables: logs the count delta. */
CREATE FUNCTION pstream.count_records() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO pstream.record_counts (table_name, delta)
		SELECT TG_TABLE_NAME, count(*) FROM new_records HAVING count(*) > 0;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO pstream.record_counts (table_name, delta)
		SELECT TG_TABLE_NAME, -count(*) FROM old_records HAVING count(*) > 0;
	ELSIF TG_OP = 'TRUNCATE' THEN
		DELETE FROM pstream.record_counts WHERE table_name = TG_TABLE_NAME;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION pstream.count_records() IS 'trigger function of the data tables: logs record count deltas in pstream.record_counts';

/* Helpers used inside the SQL that the C functions run. */
CREATE FUNCTION pstream.iso_time(timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_iso_time'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.iso_time(timestamptz) IS 'formats a time as ISO-8601 UTC with microseconds, independent of the TimeZone setting';

CREATE FUNCTION pstream.value_type_flag(jsonb) RETURNS integer
AS 'MODULE_PATHNAME', 'pstream_value_type_flag'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.value_type_flag(jsonb) IS 'the pstream.columns type bit of a JSON value (0 for null)';

CREATE FUNCTION pstream.type_name(integer) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_type_name'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.type_name(integer) IS 'the JSON type name of a set of pstream.columns type bits: string, number, boolean, object, array or mixed';

CREATE FUNCTION pstream.mapped_type(integer) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_mapped_type'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.mapped_type(integer) IS 'the report column type of a set of pstream.columns type bits: TEXT, NUMBER, BOOLEAN, DATETIME, OBJECT, ARRAY or MIXED';

/* The public functions, in the schema that CREATE EXTENSION chose. */
CREATE FUNCTION pstream_create(name text, attributes jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_create'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_create(text, jsonb) IS 'creates a pstream and its table, or takes over the records kept by an earlier drop; returns its list row';

CREATE FUNCTION pstream_edit(name text, attributes jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_edit'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_edit(text, jsonb) IS 'merges attributes over the stored ones (null removes one); returns the list row';

CREATE FUNCTION pstream_drop(name text, delete_data boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_drop'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_drop(text, boolean) IS 'removes a pstream, keeping its records for a later create unless delete_data is true';

CREATE FUNCTION pstream_list(sort text[] DEFAULT '{-timestamp}', "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_list'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION pstream_list(text[], bigint, integer) IS 'lists pstreams as a table report with rows under "pstreams"';

CREATE FUNCTION pstream_add(name text, records jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_add'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_add(text, jsonb) IS 'adds a JSON array of records, all or nothing; returns {"added": n, "merged": m}';

CREATE FUNCTION pstream_query(name text, sort text[] DEFAULT '{-timestamp}', "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_query'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION pstream_query(text, text[], bigint, integer) IS 'reads records as a table report with rows under "pstream_data"';

CREATE FUNCTION pstream_select(name text)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'pstream_select'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION pstream_select(text) IS 'returns every record of a pstream, newest first';

CREATE FUNCTION pstream_metadata(name text, "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_metadata'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION pstream_metadata(text, bigint, integer) IS 'returns the attributes and the column types of a pstream as a table report with rows under "Metadata"';

CREATE FUNCTION pstream_stats(name text, "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_stats'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_stats(text, bigint, integer) IS 'returns the record count, sizes and times of a pstream as a table report with rows under "Stats"';

CREATE FUNCTION pstream_purge_expired(name text DEFAULT NULL)
RETURNS TABLE(pstream text, deleted bigint)
AS 'MODULE_PATHNAME', 'pstream_purge_expired'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION pstream_purge_expired(text) IS 'deletes records older than retention_days, for one pstream or (name null) every pstream with that attribute';
