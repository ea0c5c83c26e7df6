/* sql/pstream--0.2.0--0.3.0.sql -- upgrade of the pstream extension from 0.2.0 to 0.3.0 */

\echo Use "ALTER EXTENSION pstream UPDATE TO '0.3.0'" to load this file. \quit

/*
 * Version 0.3.0 completes the read side: pstream_query() groups and
 * aggregates (same signature, implemented in the library), and a search can
 * use a trigram index when pg_trgm is installed in the database.  Stored
 * records and catalogs stay as they are.
 */

-- The search index expression: the record's top-level strings, numbers and
-- booleans as text, lower-cased, each followed by a line feed.  Data tables
-- created while pg_trgm is installed in the database have a GIN trigram
-- index on it, which serves the candidate
-- filter "pstream.search_text(data) LIKE '%<lower-cased search>%'" that the
-- readers AND with the exact search condition.
CREATE FUNCTION pstream.search_text(record jsonb) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_search_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION pstream_query(text, text, text, text[], text[], text[], bigint, integer, boolean)
IS 'reads the records that match a CFXQL query and a search, or their groups and aggregates, as a table report with rows under "pstream_data"';

-- When pg_trgm is installed, every data table, including those kept by a
-- drop, gets the search index.
-- Index names follow the extension's rule: "<table>:<suffix>", or a prefix
-- and a hash when that passes 63 bytes.  The operator class is qualified by
-- pg_trgm's schema, which need not be on the search_path.
DO $$
DECLARE
	data_table record;
	index_name text;
	trgm_schema text;
BEGIN
	SELECT n.nspname INTO trgm_schema
	FROM pg_catalog.pg_extension e
	JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm';
	IF NOT FOUND THEN
		RAISE NOTICE 'pg_trgm is not installed, so no data table gets a search index';
		RETURN;
	END IF;

	FOR data_table IN
		SELECT c.relname
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'pstream_data' AND c.relkind IN ('r', 'p')
	LOOP
		IF octet_length(data_table.relname) + length(':search') < 64 THEN
			index_name := data_table.relname || ':search';
		ELSE
			index_name := left(data_table.relname, 40) || '~'
				|| left(md5(data_table.relname), 8) || ':search';
		END IF;
		EXECUTE format('CREATE INDEX %I ON pstream_data.%I USING gin '
					   '(pstream.search_text(data) %I.gin_trgm_ops)',
					   index_name, data_table.relname, trgm_schema);
	END LOOP;
END
$$;
