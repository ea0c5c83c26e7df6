-- stats: exact record counts from the count deltas, sizes and times
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE FUNCTION pg_temp.docs() RETURNS bigint LANGUAGE sql AS $$
	SELECT (pstream_stats('counted') -> 'Stats' -> 0 -> 'docs_count')::bigint
$$;

SELECT pstream_create('counted', '{"unique_keys": ["k"]}') IS NOT NULL;
SELECT (r -> 'Stats' -> 0) - '{size_in_bytes,index_size_in_bytes,table_size_in_bytes,inserted,updated,deleted}'::text[] AS empty_stats
FROM pstream_stats('counted') AS r;

SELECT pstream_add('counted', '[{"k": 1, "timestamp": "2024-01-01T00:00:00Z"}, {"k": 2, "timestamp": "2024-06-01T12:00:00Z"}, {"k": 3}]');
SELECT pg_temp.docs() AS after_first_add;
-- merges do not count
SELECT pstream_add('counted', '[{"k": 1, "timestamp": "2024-01-01T00:00:00Z"}, {"k": 4, "timestamp": "2023-12-31T23:59:59.999999Z"}]');
SELECT pg_temp.docs() AS after_merge;
SELECT count(*) AS delta_rows FROM pstream.record_counts WHERE table_name = 'counted';
-- a rolled back add does not count
BEGIN;
SELECT pstream_add('counted', '[{"k": 10}, {"k": 11}]');
ROLLBACK;
SELECT pg_temp.docs() AS after_rollback;
-- deletes count
DELETE FROM pstream_data.counted WHERE data -> 'k' IN ('2', '3');
SELECT pg_temp.docs() AS after_delete;
SELECT pg_temp.docs() = count(*) AS matches_table FROM pstream_data.counted;

SELECT s ->> 'index_name' AS index_name, s -> 'docs_count' AS docs_count, s ->> 'status' AS status,
       s ->> 'oldest_timestamp' AS oldest,
       s ->> 'newest_timestamp' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS newest_is_iso,
       (s -> 'size_in_bytes')::bigint >= (s -> 'table_size_in_bytes')::bigint + (s -> 'index_size_in_bytes')::bigint AS sizes_add_up,
       (s -> 'index_size_in_bytes')::bigint > 0 AS has_indexes,
       jsonb_typeof(s -> 'inserted') AS inserted, jsonb_typeof(s -> 'updated') AS updated, jsonb_typeof(s -> 'deleted') AS deleted
FROM pstream_stats('counted') AS r, jsonb_extract_path(r, 'Stats', '0') AS s;
SELECT r - 'Stats' - 'reportMetaData' AS envelope,
       jsonb_path_query_array(r, '$.reportMetaData.reportColumnDefinitionList[*].id') AS columns,
       jsonb_path_query_array(r, '$.reportMetaData.reportColumnDefinitionList[*].type') AS types
FROM pstream_stats('counted') AS r;

-- truncate clears the count
TRUNCATE pstream_data.counted;
SELECT pg_temp.docs() AS after_truncate;
SELECT r -> 'Stats' -> 0 -> 'oldest_timestamp' AS oldest FROM pstream_stats('counted') AS r;

-- a quoted table name works too
SELECT pstream_create('odd.Name-1') IS NOT NULL;
SELECT pstream_add('odd.Name-1', '[{}, {}]');
SELECT r -> 'Stats' -> 0 ->> 'index_name' AS index_name, r -> 'Stats' -> 0 -> 'docs_count' AS docs
FROM pstream_stats('odd.Name-1') AS r;
SELECT pstream_drop('odd.Name-1', true);

SELECT pg_temp.outcome($$SELECT pstream_stats('counted', -1)$$);
SELECT pg_temp.outcome($$SELECT pstream_stats('counted', 0, 10001)$$);
SELECT pstream_drop('counted', true);
