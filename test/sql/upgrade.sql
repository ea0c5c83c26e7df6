-- upgrade: ALTER EXTENSION pstream UPDATE from 0.1.0 to 0.2.0 to 0.3.0 to 0.4.0 to 0.5.0 keeps the records
--
-- Runs in a database of its own, because the other tests install the
-- current version into the regression database.
SET client_min_messages = warning;
SELECT current_database() AS regression_db \gset
DROP DATABASE IF EXISTS pstream_upgrade_test;
CREATE DATABASE pstream_upgrade_test TEMPLATE template0;
\c pstream_upgrade_test
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE EXTENSION pstream VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'pstream';
SELECT pstream_create('kept', '{"unique_keys": ["k"]}') IS NOT NULL;
SELECT pstream_add('kept', '[{"_RDA_Id": "u1", "k": 1, "v": "one", "timestamp": "2024-01-01T00:00:00Z"},
                             {"_RDA_Id": "u2", "k": 2, "v": "two", "timestamp": "2024-01-02T00:00:00Z"}]');
-- the 0.1.0 signature of pstream_query
SELECT jsonb_path_query_array(pstream_query('kept', '{k}', 0, 10), '$.pstream_data[*]._RDA_Id') AS before_upgrade;

ALTER EXTENSION pstream UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'pstream';

-- the records are there, and the new functions work on them
SELECT jsonb_path_query_array(pstream_query('kept', sort => '{k}'), '$.pstream_data[*]._RDA_Id') AS after_upgrade;
-- the upgrade gave the 0.1.0 table the index that serves number equality
SELECT indexrelid::regclass AS index FROM pg_index
WHERE indrelid = 'pstream_data.kept'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";
SELECT jsonb_path_query_array(pstream_query('kept', 'k = 2'), '$.pstream_data[*]._RDA_Id') AS number_equality;
-- the new library searches and groups in a database still at 0.2.0
SELECT jsonb_path_query_array(pstream_query('kept', search => 'TWO'), '$.pstream_data[*]._RDA_Id') AS searched_at_0_2_0;
SELECT pstream_query('kept', group_by => '{v}', aggs => '{sum:k}', sort => '{v}') -> 'pstream_data' AS grouped_at_0_2_0;
SELECT r FROM pstream_select('kept', 'v = ''two''') AS r;
SELECT pstream_update('kept', 'k = 1', '{"v": "uno"}') -> 'updated' AS updated;
SELECT pstream_add('kept', '[{"k": 3, "v": "three"}]');
SELECT pstream_delete('kept', 'k = 2') -> 'deleted' AS deleted;
SELECT data ->> 'v' AS v FROM pstream_data.kept ORDER BY data -> 'k';
SELECT (pstream_stats('kept') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
SELECT cfxql_to_sql('k = ''1''');
SELECT jsonb_path_query_array(pstream_list('name = ''kept'''), '$.pstreams[*].name') AS listed;

-- 0.3.0: with pg_trgm installed, the upgrade gives every data table the
-- search index, kept tables too
SELECT pstream_create('dropped-kept') IS NOT NULL;
SELECT pstream_add('dropped-kept', '[{"_RDA_Id": "d1", "v": "Kept Record"}]') IS NOT NULL;
SELECT pstream_drop('dropped-kept', false) IS NOT NULL;
CREATE EXTENSION pg_trgm;
ALTER EXTENSION pstream UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'pstream';
SELECT indrelid::regclass AS data_table, indexrelid::regclass AS index FROM pg_index
WHERE indexrelid::regclass::text LIKE '%:search%' ORDER BY 1::text COLLATE "C";
SELECT jsonb_path_query_array(pstream_query('kept', search => 'UNO'), '$.pstream_data[*]._RDA_Id') AS searched;
SELECT pstream_query('kept', group_by => '{v}', sort => '{v}') -> 'pstream_data' AS grouped;
SELECT pstream_query('kept', aggs => '{sum:k,max:k:top}') -> 'pstream_data' AS aggregates;
SELECT pstream_create('dropped-kept') IS NOT NULL;
SELECT jsonb_path_query_array(pstream_query('dropped-kept', search => 'kept rec'), '$.pstream_data[*]._RDA_Id') AS kept_searched;
-- a table created after the upgrade gets the index too
SELECT pstream_create('new-after-upgrade') IS NOT NULL;
SELECT indexrelid::regclass AS index FROM pg_index
WHERE indrelid = 'pstream_data."new-after-upgrade"'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";

-- 0.4.0: every data table, kept ones too, gets the group privileges and
-- pstream_admin as its owner
SELECT pstream_drop('new-after-upgrade', false) IS NOT NULL;
CREATE FUNCTION pg_temp.data_table_access() RETURNS TABLE(data_table name, admin_owns boolean,
	reader_selects boolean, reader_inserts boolean, writer_writes boolean)
LANGUAGE sql AS $$
	SELECT c.relname, c.relowner = 'pstream_admin'::regrole,
	       has_table_privilege('pstream_reader', c.oid, 'SELECT'),
	       has_table_privilege('pstream_reader', c.oid, 'INSERT'),
	       has_table_privilege('pstream_writer', c.oid, 'INSERT, UPDATE, DELETE')
	FROM pg_class c WHERE c.relnamespace = 'pstream_data'::regnamespace AND c.relkind = 'r'
	ORDER BY c.relname COLLATE "C"
$$;
-- the new library at 0.3.0 creates tables without group grants
SELECT pstream_create('created-at-0.3.0') IS NOT NULL;
SELECT * FROM pg_temp.data_table_access() WHERE data_table = 'created-at-0.3.0';
ALTER EXTENSION pstream UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'pstream';
SELECT * FROM pg_temp.data_table_access();
SELECT pstream_create('new-after-upgrade') IS NOT NULL;
SELECT pstream_create('created-at-0.4.0') IS NOT NULL;
SELECT * FROM pg_temp.data_table_access() WHERE data_table IN ('created-at-0.4.0', 'new-after-upgrade');
SELECT jsonb_path_query_array(pstream_query('kept', sort => '{k}'), '$.pstream_data[*].v') AS kept_at_0_4_0;
SELECT to_regclass('pstream.sessions') IS NOT NULL AS has_sessions;

-- indexing by fields needs the functions of 0.5.0; "none" works before
SELECT pstream_edit('kept', '{"indexing": {"fields": ["k"]}}');
SELECT pstream_edit('kept', '{"indexing": "none"}') -> 'indexing' AS indexing_at_0_4_0;

-- 0.5.0: the indexing attribute and faster ingest; the records stay
ALTER EXTENSION pstream UPDATE TO '0.5.0';
SELECT extversion FROM pg_extension WHERE extname = 'pstream';
SELECT jsonb_path_query_array(pstream_query('kept', sort => '{k}'), '$.pstream_data[*].v') AS kept_at_0_5_0;
SELECT pstream_edit('kept', '{"indexing": {"fields": ["k"]}}') -> 'indexing' AS indexing;
SELECT indexrelid::regclass AS index FROM pg_index
WHERE indrelid = 'pstream_data.kept'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";
SELECT jsonb_path_query_array(pstream_query('kept', 'k in [1, ''3'']', sort => '{k}'), '$.pstream_data[*].v') AS by_k;
SELECT pstream_edit('kept', '{"indexing": null}') -> 'indexing' AS indexing;

-- the upgraded extension has the same functions as a fresh 0.5.0 install:
-- names, arguments with defaults, results, volatility, strictness, bodies
-- and EXECUTE privileges
CREATE FUNCTION pg_temp.extension_functions() RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(format('%s(%s) %s %s %s %s %s', p.proname, pg_get_function_arguments(p.oid),
	                         pg_get_function_result(p.oid), p.provolatile, p.proisstrict, md5(p.prosrc),
	                         p.proacl),
	                  E'\n' ORDER BY p.proname, pg_get_function_arguments(p.oid))
	FROM pg_proc AS p
	JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	JOIN pg_extension AS e ON e.oid = d.refobjid
	WHERE e.extname = 'pstream'
$$;
SELECT pg_temp.extension_functions() AS upgraded_functions \gset
SELECT count(*) AS upgraded_function_count FROM regexp_split_to_table(:'upgraded_functions', E'\n');

SET client_min_messages = warning;
DROP DATABASE IF EXISTS pstream_fresh_test;
CREATE DATABASE pstream_fresh_test TEMPLATE template0;
\c pstream_fresh_test
SET client_min_messages = warning;
CREATE EXTENSION pg_trgm;
CREATE EXTENSION pstream;
CREATE FUNCTION pg_temp.extension_functions() RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(format('%s(%s) %s %s %s %s %s', p.proname, pg_get_function_arguments(p.oid),
	                         pg_get_function_result(p.oid), p.provolatile, p.proisstrict, md5(p.prosrc),
	                         p.proacl),
	                  E'\n' ORDER BY p.proname, pg_get_function_arguments(p.oid))
	FROM pg_proc AS p
	JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	JOIN pg_extension AS e ON e.oid = d.refobjid
	WHERE e.extname = 'pstream'
$$;
SELECT pg_temp.extension_functions() = :'upgraded_functions' AS same_functions;
-- the differences, if any
SELECT f AS only_in_fresh FROM regexp_split_to_table(pg_temp.extension_functions(), E'\n') AS f
EXCEPT SELECT regexp_split_to_table(:'upgraded_functions', E'\n');
SELECT f AS only_in_upgraded FROM regexp_split_to_table(:'upgraded_functions', E'\n') AS f
EXCEPT SELECT regexp_split_to_table(pg_temp.extension_functions(), E'\n');

\c :regression_db
DROP DATABASE pstream_upgrade_test;
DROP DATABASE pstream_fresh_test;
