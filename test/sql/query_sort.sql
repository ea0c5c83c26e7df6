-- query_sort: pstream_query sorting, paging and the report envelope
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

-- The ids of a sorted page.
CREATE FUNCTION pg_temp.ids(sort text[], "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_path_query_array(pstream_query('sorting', sort => sort, "offset" => "offset", "limit" => "limit"), '$.pstream_data[*]._RDA_Id')
$$;

SELECT pstream_create('sorting') IS NOT NULL;
SELECT pstream_add('sorting', '[
	{"_RDA_Id": "01", "v": "b",   "timestamp": "2024-01-05T00:00:00Z"},
	{"_RDA_Id": "02", "v": "B",   "timestamp": "2024-01-04T00:00:00Z"},
	{"_RDA_Id": "03", "v": 10,    "timestamp": "2024-01-03T00:00:00Z"},
	{"_RDA_Id": "04", "v": 9.5,   "timestamp": "2024-01-02T00:00:00Z"},
	{"_RDA_Id": "05", "v": true,  "timestamp": "2024-01-01T00:00:00Z"},
	{"_RDA_Id": "06", "v": false, "timestamp": 1700000000000},
	{"_RDA_Id": "07", "v": [1, 2]},
	{"_RDA_Id": "08", "v": {"a": 1}},
	{"_RDA_Id": "09", "v": null},
	{"_RDA_Id": "10"},
	{"_RDA_Id": "11", "v": "a"},
	{"_RDA_Id": "12", "v": 10}]');

-- strings bytewise < numbers < booleans < arrays < objects; missing and null last
SELECT pg_temp.ids('{v}') AS ascending;
SELECT pg_temp.ids('{-v}') AS descending;
SELECT pg_temp.ids('{+v}') AS plus_is_ascending;
-- the time field sorts by record time; unreadable or missing times are the add time (newest)
SELECT pg_temp.ids('{timestamp}') AS oldest_first;
SELECT pg_temp.ids('{-timestamp}') AS newest_first;
-- default sort is -timestamp; sort by a second field, then _RDA_Id
SELECT pg_temp.ids('{-timestamp}') = jsonb_path_query_array(pstream_query('sorting'), '$.pstream_data[*]._RDA_Id') AS default_is_newest_first;
SELECT pg_temp.ids('{-_RDA_Id}') AS by_id_descending;
SELECT pg_temp.ids('{missing_field}') AS ties_by_id;

-- paging
SELECT pg_temp.ids('{v}', 2, 3) AS page;
SELECT r -> 'total_count' AS total, r -> 'num_items' AS items, r -> 'offset' AS "offset", r -> 'limit' AS "limit",
       r -> 'is_first' AS first, r -> 'is_last' AS last, r -> 'sort' AS sort, r -> 'search' AS search
FROM pstream_query('sorting', sort => '{v,-timestamp}', "offset" => 10, "limit" => 2) AS r;
SELECT r -> 'num_items' AS items, r -> 'is_first' AS first, r -> 'is_last' AS last, r -> 'pstream_data' AS rows
FROM pstream_query('sorting', "offset" => 100) AS r;
SELECT r -> 'is_first' AS first, r -> 'is_last' AS last FROM pstream_query('sorting', "limit" => 12) AS r;
SELECT r -> 'is_last' AS last FROM pstream_query('sorting', "limit" => 11) AS r;

-- report metadata: one column per field of the returned rows, bytewise, typed from metadata
SELECT jsonb_pretty(r -> 'reportMetaData') FROM pstream_query('sorting', sort => '{v}', "offset" => 0, "limit" => 2) AS r;

-- bad arguments: 22023 naming the parameter and value
SELECT pstream_query('sorting', "offset" => -1);
SELECT pstream_query('sorting', "limit" => 0);
SELECT pg_temp.outcome($$SELECT pstream_query('sorting', "limit" => 10001)$$);
SELECT pg_temp.outcome($$SELECT pstream_query('sorting', sort => '{-}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('sorting', sort => '{""}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('sorting', sort => ARRAY[NULL]::text[])$$);
SELECT (pstream_query('sorting', "limit" => 10000) -> 'num_items')::int AS max_limit_ok;

-- sort field names are data, never SQL
SELECT pg_temp.ids(ARRAY['v''); DROP TABLE pstream_data.sorting; --']) IS NOT NULL AS harmless;
SELECT count(*) FROM pstream_data.sorting;

-- pstream_select returns every record, newest first
SELECT jsonb_agg(r -> '_RDA_Id') AS selected FROM pstream_select('sorting') AS r;

-- a custom time field
SELECT pstream_create('custom-time', '{"timestamp": "at"}') IS NOT NULL;
SELECT pstream_add('custom-time', '[{"_RDA_Id": "x", "at": "2024-01-01"}, {"_RDA_Id": "y", "at": "2023-01-01"}, {"_RDA_Id": "z"}]');
SELECT data ->> 'at' ~ '^\d{4}-\d\d-\d\dT' AS filled, NOT data ? 'timestamp' AS no_timestamp_field
FROM pstream_data."custom-time" WHERE id = 'z';
SELECT jsonb_path_query_array(pstream_query('custom-time', sort => '{at}'), '$.pstream_data[*]._RDA_Id') AS by_at;
SELECT pstream_drop('custom-time', true);
SELECT pstream_drop('sorting', true);
