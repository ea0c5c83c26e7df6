-- plan_cache: reads reuse saved plans and stay right after schema changes
--
-- The readers keep the plans of their statements per backend. Each case runs
-- a read more than five times first, so that PostgreSQL's plan cache has
-- switched to a generic plan, then changes the pstream and reads again.
-- Roles are cluster-wide, so every role made here starts with "plan_cache_"
-- and is dropped at the end.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
DROP ROLE IF EXISTS plan_cache_reader, plan_cache_nobody;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- the _RDA_Id values and total_count of a read of pstream "plan-cache"
CREATE FUNCTION pg_temp.ids(query text) RETURNS text
LANGUAGE sql AS $$
  SELECT (r -> 'total_count')::text || ' ' || jsonb_path_query_array(r, '$.pstream_data[*]._RDA_Id')::text
  FROM pstream_query('plan-cache', query, sort => '{_RDA_Id}') AS r
$$;

-- the same read n times, returning the distinct results
CREATE FUNCTION pg_temp.repeat_ids(query text, n integer) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(DISTINCT pg_temp.ids(query), ' | ') FROM generate_series(1, n)
$$;

SELECT pstream_create('plan-cache') IS NOT NULL AS created;
SELECT pstream_add('plan-cache', '[{"_RDA_Id": "r1", "v": 1, "k": "a"}, {"_RDA_Id": "r2", "v": 2, "k": "b"},
  {"_RDA_Id": "r3", "v": "3", "k": "a"}, {"_RDA_Id": "r4", "v": 4.5, "k": "c"}]') IS NOT NULL AS added;

-- repeated reads return the same page, with and without a condition
SELECT pg_temp.repeat_ids('v >= 2', 8) AS range_read;
SELECT pg_temp.repeat_ids('k = ''a''', 8) AS equality_read;
SELECT pg_temp.repeat_ids(NULL, 8) AS all_read;

-- the whole envelope of a saved plan equals that of its first run
SELECT count(DISTINCT pstream_query('plan-cache', 'v >= 2')::text) AS distinct_envelopes
FROM generate_series(1, 8);

-- records added after the plan was saved are read
SELECT pstream_add('plan-cache', '[{"_RDA_Id": "r5", "v": 7, "k": "a"}]') IS NOT NULL AS added;
SELECT pg_temp.ids('v >= 2') AS after_add;

-- another indexing choice changes the condition and the indexes
SELECT pstream_edit('plan-cache', '{"indexing": {"fields": ["v", "k"]}}') ->> 'indexing' AS indexing;
SELECT pg_temp.repeat_ids('v >= 2', 8) AS fields_range_read;
SELECT pg_temp.repeat_ids('k = ''a''', 8) AS fields_equality_read;
SELECT pstream_edit('plan-cache', '{"indexing": "none"}') ->> 'indexing' AS indexing;
SELECT pg_temp.repeat_ids('v >= 2', 8) AS none_range_read;
SELECT pstream_edit('plan-cache', '{"indexing": "all"}') ->> 'indexing' AS indexing;
SELECT pg_temp.repeat_ids('v >= 2', 8) AS all_range_read;

-- a change of the data table itself: a new column and a dropped index
ALTER TABLE pstream_data."plan-cache" ADD COLUMN extra integer;
SELECT pg_temp.ids('v >= 2') AS after_add_column;
DROP INDEX pstream_data."plan-cache:ts";
SELECT pg_temp.ids('v >= 2') AS after_drop_index;
ALTER TABLE pstream_data."plan-cache" DROP COLUMN extra;
SELECT pg_temp.ids('v >= 2') AS after_drop_column;

-- a dropped pstream is not found, and one re-created under the same name
-- reads its own new table
SELECT pstream_drop('plan-cache', true) IS NOT NULL AS dropped;
SELECT pg_temp.ids('v >= 2');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('pstream_data."plan-cache"') IS NULL AS table_gone;
SELECT pstream_create('plan-cache') IS NOT NULL AS created;
SELECT pstream_add('plan-cache', '[{"_RDA_Id": "n1", "v": 10}, {"_RDA_Id": "n2", "v": 0}]') IS NOT NULL AS added;
SELECT pg_temp.repeat_ids('v >= 2', 8) AS recreated_read;

-- a table replaced behind the catalog's back, under the same name
ALTER TABLE pstream_data."plan-cache" RENAME TO "plan-cache-old";
CREATE TABLE pstream_data."plan-cache" (LIKE pstream_data."plan-cache-old" INCLUDING ALL);
INSERT INTO pstream_data."plan-cache" SELECT id, ts, data || '{"v": 20}' FROM pstream_data."plan-cache-old";
SELECT pg_temp.ids('v >= 2') AS replaced_table_read;
DROP TABLE pstream_data."plan-cache";
ALTER TABLE pstream_data."plan-cache-old" RENAME TO "plan-cache";
SELECT pg_temp.ids('v >= 2') AS restored_table_read;

-- a saved plan never skips the privilege check of another role
CREATE ROLE plan_cache_reader NOLOGIN IN ROLE pstream_reader;
CREATE ROLE plan_cache_nobody NOLOGIN IN ROLE pstream_user;
SET ROLE plan_cache_reader;
SELECT pg_temp.repeat_ids('v >= 2', 8) AS reader_read;
SET ROLE plan_cache_nobody;
SELECT pg_temp.ids('v >= 2');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- nor does it keep a revoked privilege
SET ROLE plan_cache_reader;
SELECT pg_temp.ids('v >= 2') AS reader_read_again;
RESET ROLE;
REVOKE SELECT ON pstream_data."plan-cache" FROM pstream_reader;
SET ROLE plan_cache_reader;
SELECT pg_temp.ids('v >= 2');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON pstream_data."plan-cache" TO pstream_reader;

-- more distinct reads than the cache holds, then the first again
SELECT count(DISTINCT pg_temp.ids(format('v >= %s', i))) AS distinct_reads
FROM generate_series(1, 100) AS i;
SELECT pg_temp.ids('v >= 2') AS after_eviction;

-- paging: offset and limit are part of the saved statement
SELECT jsonb_path_query_array(pstream_query('plan-cache', NULL, sort => '{_RDA_Id}', "offset" => o, "limit" => 1),
                              '$.pstream_data[*]._RDA_Id') AS page
FROM generate_series(0, 2) AS o;

-- pstream.page_column_list() returns the column list of the SQL form
-- (pg_temp.sql_column_list), with and without stored type bits, key fields
-- and number fields
CREATE FUNCTION pg_temp.sql_column_list(rows jsonb, stored jsonb, keys text[], nums text[]) RETURNS jsonb
LANGUAGE sql AS $$
  WITH cols AS (SELECT e.key AS k, bit_or(pstream.value_type_flag(e.value)) AS f
                FROM jsonb_array_elements(rows) AS r, jsonb_each(r) AS e GROUP BY e.key)
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', k, 'identifier', k, 'title', k,
           'type', CASE WHEN k = ANY (nums) THEN 'NUMBER'
                        WHEN stored IS NULL THEN pstream.mapped_type(f)
                        ELSE coalesce(pstream.mapped_type((stored ->> k)::integer), 'TEXT') END,
           'key', k = ANY (keys), 'sortable', true, 'hidden', false, 'visible', true)
         ORDER BY k COLLATE "C"), '[]'::jsonb)
  FROM cols
$$;
CREATE TEMP TABLE column_cases (rows jsonb, stored jsonb, keys text[], nums text[]);
INSERT INTO column_cases VALUES
  ('[{"a": 1, "b": "x", "n": {"z": 1}, "l": [1]},
     {"a": "2024-01-01T00:00:00Z", "c": null, "b": true, "": 0, "é": "é"},
     {"a": 2.5, "l": {"q": []}, "B": "y"}]', NULL, '{}', '{}'),
  ('[{"a": 1, "b": "x", "t": "2024-01-01T00:00:00Z"}, {"b": "y", "c": null}]',
   '{"a": 2, "b": 1, "t": 6}', '{b}', '{}'),
  ('[{"a": 1, "b": "x"}, {"b": "y", "c": null}]', '{}', '{a,zz}', '{b}'),
  ('[{"count": 3, "host": "h1"}, {"count": 4, "host": "h2"}]', NULL, '{host}', '{count}');
-- 300 records whose key sets differ (keys of 1 to 3 characters, so that keys
-- of one length sort between those of another), once with stored bits
INSERT INTO column_cases
SELECT rows, stored, '{ab,c}', '{}'
FROM (SELECT jsonb_agg(r) AS rows FROM (
        SELECT (SELECT jsonb_object_agg(substr('abcdefghij', 1 + (i * k) % 7, 1 + (k + i) % 3),
                                        CASE (i + k) % 4 WHEN 0 THEN to_jsonb(k) WHEN 1 THEN to_jsonb('s' || k)
                                        WHEN 2 THEN 'null'::jsonb ELSE to_jsonb(k % 2 = 0) END)
                FROM generate_series(1, 1 + i % 9) AS k) AS r
        FROM generate_series(1, 300) AS i) AS records) AS page,
     (VALUES (NULL::jsonb), ('{"a": 2, "ab": 1, "abc": 5, "b": 8}')) AS s(stored);
SELECT jsonb_array_length(pstream.page_column_list(rows, stored, keys, nums)) AS columns,
       pstream.page_column_list(rows, stored, keys, nums) = pg_temp.sql_column_list(rows, stored, keys, nums) AS same_as_sql
FROM column_cases;
SELECT pstream.page_column_list('[{"b": true, "a": "2024-01-01T00:00:00Z"}]', NULL, '{a}', NULL) AS small_list;
SELECT pstream.page_column_list('[]', NULL, NULL, NULL) AS no_columns;
SELECT pstream.page_column_list('[{"a": 1}, 2]', NULL, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pstream.page_column_list('{"a": 1}', NULL, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT pstream_drop('plan-cache', true) IS NOT NULL AS dropped;
DROP ROLE plan_cache_reader, plan_cache_nobody;
