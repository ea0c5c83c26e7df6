-- search_index: the trigram index on pstream.search_text(data) serves a search
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- the index expression: top-level scalars' texts, lower-cased, one per line
SELECT pstream.search_text('{"a": "Hello WORLD", "n": 1e3, "f": 80.0, "b": true, "z": null, "o": {"x": "in"}, "l": ["in"]}');
SELECT pstream.search_text('[1, 2]') AS not_an_object, pstream.search_text('{}') AS empty;

-- a pstream created while pg_trgm is installed has the index
SELECT pstream_create('big') IS NOT NULL;
SELECT indexrelid::regclass AS index FROM pg_index
WHERE indrelid = 'pstream_data.big'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";

SELECT pstream_add('big', (
	SELECT jsonb_agg(jsonb_build_object('_RDA_Id', format('r%s', i),
		'msg', format('event %s from host-%s', md5(i::text), i % 97),
		'level', (ARRAY['info', 'warn', 'error'])[i % 3 + 1],
		'code', i, 'timestamp', '2024-01-01T00:00:00Z'))
	FROM generate_series(1, 10000) AS i)) -> 'added' AS added;
SELECT pstream_add('big', '[{"_RDA_Id": "needle", "msg": "Disk FULL on Needle-Host", "code": 12345678},
	{"_RDA_Id": "wild", "msg": "100%_done", "code": 1}]') -> 'added' AS added;
ANALYZE pstream_data.big;

-- The plan of the statement that pstream_query runs for a search, with the
-- search text as a parameter as pstream_query binds it.
PREPARE search_plan(text) AS
SELECT id FROM pstream_data.big AS t WHERE true AND
	pstream.search_text(data) LIKE ('%' || replace(replace(replace(lower($1::text), '\', '\\'), '%', '\%'), '_', '\_') || '%')
	AND EXISTS (SELECT 1 FROM jsonb_each(data) AS e WHERE jsonb_typeof(e.value) IN ('string', 'number', 'boolean')
		AND strpos(lower(e.value #>> '{}'), lower($1::text)) > 0);
SET plan_cache_mode = force_custom_plan;
EXPLAIN (COSTS OFF) EXECUTE search_plan('needle-h');
RESET plan_cache_mode;
DEALLOCATE search_plan;

-- pstream_query itself scans the index: its scan counter grows
SELECT idx_scan AS scans_before FROM pg_stat_user_indexes WHERE indexrelname = 'big:search' \gset
SELECT pstream_query('big', search => 'needle-h') -> 'total_count' AS found;
SELECT pg_stat_force_next_flush();
SELECT idx_scan > :scans_before AS index_scanned FROM pg_stat_user_indexes WHERE indexrelname = 'big:search';

-- the results through pstream_query are exact: the index only prunes
SELECT jsonb_path_query_array(pstream_query('big', search => 'NEEDLE-h'), '$.pstream_data[*]._RDA_Id') AS needle;
SELECT jsonb_path_query_array(pstream_query('big', search => '12345678'), '$.pstream_data[*]._RDA_Id') AS number;
SELECT jsonb_path_query_array(pstream_query('big', search => '%_d'), '$.pstream_data[*]._RDA_Id') AS wildcards_literal;
-- a match across two values is no match
SELECT pstream_query('big', search => 'needle-host' || E'\n' || '12345678') -> 'total_count' AS across_values;
SELECT pstream_query('big', search => 'host-5', "limit" => 1) -> 'total_count' AS host_5,
	(SELECT count(*) FROM pstream_data.big WHERE data ->> 'msg' LIKE '%host-5%') AS expected;
-- case-sensitive searches use the same index and stay exact
SELECT pstream_edit('big', '{"search_case_insensitive": false}') -> 'search_case_insensitive' AS insensitive;
SELECT jsonb_path_query_array(pstream_query('big', search => 'Needle-Host'), '$.pstream_data[*]._RDA_Id') AS sensitive_hit;
SELECT jsonb_path_query_array(pstream_query('big', search => 'needle-host'), '$.pstream_data[*]._RDA_Id') AS sensitive_miss;

-- without the index (dropped to make adds cheaper) the search stays exact
DROP INDEX pstream_data."big:search";
SELECT jsonb_path_query_array(pstream_query('big', search => 'Needle-Host'), '$.pstream_data[*]._RDA_Id') AS without_index;
SELECT pstream_query('big', search => 'host-5') -> 'total_count' AS host_5_without_index;

SELECT pstream_drop('big', true) IS NOT NULL;
