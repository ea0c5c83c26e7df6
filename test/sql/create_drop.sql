-- create_drop: pstream_create, pstream_edit, pstream_drop, pstream_list
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- Runs a statement and returns its SQLSTATE and message, or 'ok'.
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- create returns the list row; the timestamp is ISO-8601 UTC
SELECT r - 'timestamp' AS list_row,
       r ->> 'timestamp' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS iso_timestamp
FROM pstream_create('orders', '{"retention_days": 7, "owner": "ops"}') AS r;

-- the data table, its indexes, triggers and comment
SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pstream_data' ORDER BY c.relname COLLATE "C";
SELECT tgname FROM pg_trigger WHERE tgrelid = 'pstream_data.orders'::regclass ORDER BY tgname;
SELECT name, table_name, attributes, system_defined FROM pstream.pstreams;

-- an existing name is 42710
SELECT pstream_create('orders');
SELECT pg_temp.outcome($$SELECT pstream_create('orders')$$);

-- attributes must be an object
SELECT pg_temp.outcome($$SELECT pstream_create('bad-attributes', '[1]')$$);
SELECT count(*) FROM pstream.pstreams WHERE name = 'bad-attributes';

-- edit merges over the stored attributes; null removes one; unknown ones stay
SELECT r - 'timestamp' FROM pstream_edit('orders', '{"retention_days": 30, "owner": null, "color": "blue"}') AS r;
SELECT attributes FROM pstream.pstreams WHERE name = 'orders';
SELECT pg_temp.outcome($$SELECT pstream_edit('no-such-stream', '{}')$$);
SELECT pstream_edit('no-such-stream', '{}');

-- edit changes the modification time
SELECT modified_at > created_at AS modified_later FROM pstream.pstreams WHERE name = 'orders';

-- drop keeping the data: the table stays and a re-create brings the records back
SELECT pstream_add('orders', '[{"n": 1}, {"n": 2}]');
SELECT pstream_drop('orders');
SELECT count(*) AS catalog_rows FROM pstream.pstreams WHERE name = 'orders';
SELECT count(*) AS kept_records FROM pstream_data.orders;
SELECT pg_temp.outcome($$SELECT pstream_query('orders')$$);
SELECT r - 'timestamp' FROM pstream_create('orders', '{"unique_keys": ["n"]}') AS r;
SELECT (pstream_query('orders') -> 'total_count')::int AS records_back;
SELECT attributes FROM pstream.pstreams WHERE name = 'orders';
SELECT indexrelid::regclass AS unique_index FROM pg_index
WHERE indrelid = 'pstream_data.orders'::regclass AND indisunique AND NOT indisprimary;

-- drop deleting the data: the table, column metadata and counts go
SELECT pstream_drop('orders', delete_data => true);
SELECT to_regclass('pstream_data.orders') AS table_after_drop;
SELECT count(*) FROM pstream.columns WHERE table_name = 'orders';
SELECT count(*) FROM pstream.record_counts WHERE table_name = 'orders';
SELECT r - 'timestamp' FROM pstream_create('orders') AS r;
SELECT (pstream_query('orders') -> 'total_count')::int AS records_after_recreate;
SELECT pstream_drop('orders', true);

-- unknown name is 42P01
SELECT pstream_drop('orders');
SELECT pg_temp.outcome($$SELECT pstream_drop('orders')$$);

-- list: rows, fixed fields over attributes, sort, paging
SELECT pstream_create('list-b', '{"name": "not the name", "system_defined": "maybe", "rank": 2}') IS NOT NULL;
SELECT pstream_create('list-a', '{"rank": 10}') IS NOT NULL;
SELECT pstream_create('list-c', '{"rank": "high"}') IS NOT NULL;
SELECT jsonb_path_query_array(r, '$.pstreams[*].name') AS names,
       r -> 'pstreams' -> 0 ->> 'system_defined' AS system_defined,
       r -> 'total_count' AS total, r -> 'num_items' AS items, r -> 'sort' AS sort,
       r -> 'is_first' AS first, r -> 'is_last' AS last
FROM pstream_list(sort => '{name}') AS r;
SELECT (r -> 'pstreams' -> 0) - 'timestamp' AS list_b FROM pstream_list(sort => '{name}', "offset" => 1, "limit" => 1) AS r;
-- default sort: newest first
SELECT jsonb_path_query_array(r, '$.pstreams[*].name') AS newest_first, r -> 'sort' AS sort,
       r -> 'reportMetaData' -> 'title' AS title
FROM pstream_list() AS r;
-- numbers before strings, ascending and descending, missing last
SELECT jsonb_path_query_array(pstream_list(sort => '{rank}'), '$.pstreams[*].name') AS by_rank;
SELECT jsonb_path_query_array(pstream_list(sort => '{-rank}'), '$.pstreams[*].name') AS by_rank_desc;
SELECT jsonb_path_query_array(r, '$.reportMetaData.reportColumnDefinitionList[*].id') AS columns,
       jsonb_path_query_array(r, '$.reportMetaData.reportColumnDefinitionList[*].type') AS types,
       r -> 'reportMetaData' -> 'reportColumnDefinitionList' -> 0 AS first_column
FROM pstream_list(sort => '{name}') AS r;
SELECT r -> 'is_first' AS first, r -> 'is_last' AS last, r -> 'num_items' AS items, r -> 'pstreams' AS rows
FROM pstream_list("offset" => 5) AS r;
SELECT pstream_list("offset" => -1);
SELECT pstream_list("limit" => 0);
SELECT pstream_drop(name, true) ->> 'name' FROM pstream.pstreams ORDER BY name;
