-- reads: paging, the report envelope, projection and combined parameters of pstream_query and pstream_list
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- 1,000 records; "bucket" has 7 distinct values of mixed types plus missing
-- and null, so most sort keys tie and the tie-breaker decides
SELECT pstream_create('paged') IS NOT NULL;
SELECT pstream_add('paged', (
	SELECT jsonb_agg(CASE i % 9
		WHEN 0 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i)
		WHEN 1 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', NULL)
		WHEN 2 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', 'b')
		WHEN 3 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', 'B')
		WHEN 4 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', 10)
		WHEN 5 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', 9.5)
		WHEN 6 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', true)
		WHEN 7 THEN jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', '10')
		ELSE jsonb_build_object('_RDA_Id', format('id%s', i), 'n', i, 'bucket', false)
	END || '{"timestamp": "2024-01-01T00:00:00Z"}') FROM generate_series(1, 1000) AS i)) -> 'added' AS added;

-- Concatenate the pages of a sorted read.
CREATE FUNCTION pg_temp.paged_ids(sort text[], page integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	all_ids jsonb := '[]';
	report jsonb;
	page_offset bigint := 0;
BEGIN
	LOOP
		report := pstream_query('paged', sort => sort, "offset" => page_offset, "limit" => page);
		all_ids := all_ids || jsonb_path_query_array(report, '$.pstream_data[*]._RDA_Id');
		EXIT WHEN (report -> 'is_last')::boolean;
		page_offset := page_offset + page;
	END LOOP;
	RETURN all_ids;
END
$$;

-- The expected order, computed here from the sort rules: missing and null
-- last in both directions, then strings < numbers < booleans, strings
-- bytewise, then _RDA_Id ascending.
CREATE FUNCTION pg_temp.expected_ids(descending boolean) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_agg(data -> '_RDA_Id' ORDER BY
		coalesce(data -> 'bucket', 'null') = 'null',
		CASE WHEN descending THEN -1 ELSE 1 END * CASE jsonb_typeof(data -> 'bucket')
			WHEN 'string' THEN 0 WHEN 'number' THEN 1 WHEN 'boolean' THEN 2 END,
		CASE WHEN NOT descending AND jsonb_typeof(data -> 'bucket') = 'string' THEN data ->> 'bucket' END COLLATE "C",
		CASE WHEN descending AND jsonb_typeof(data -> 'bucket') = 'string' THEN data ->> 'bucket' END COLLATE "C" DESC,
		CASE WHEN jsonb_typeof(data -> 'bucket') = 'number' THEN
			CASE WHEN descending THEN -1 ELSE 1 END * (data ->> 'bucket')::numeric END,
		CASE WHEN jsonb_typeof(data -> 'bucket') = 'boolean' THEN
			(data ->> 'bucket')::boolean <> descending END,
		data ->> '_RDA_Id' COLLATE "C")
	FROM pstream_data.paged
$$;

SELECT s.sort, p.page,
	jsonb_array_length(ids) AS count,
	(SELECT count(DISTINCT x) FROM jsonb_array_elements(ids) AS x) AS distinct_ids,
	ids = pg_temp.expected_ids(s.sort = '-bucket') AS expected_order,
	ids = jsonb_path_query_array(pstream_query('paged', sort => ARRAY[s.sort], "limit" => 1000), '$.pstream_data[*]._RDA_Id') AS same_as_one_page
FROM (VALUES ('bucket'), ('-bucket')) AS s(sort),
	(VALUES (1000), (37), (100), (7)) AS p(page),
	LATERAL pg_temp.paged_ids(ARRAY[s.sort], p.page) AS ids
ORDER BY 1, 2;

-- a field absent from every record orders by the tie-breaker
SELECT pg_temp.paged_ids('{-nowhere}', 333) = (SELECT jsonb_agg(to_jsonb(id) ORDER BY id COLLATE "C") FROM pstream_data.paged) AS absent_field;
-- several sort fields: bucket descending, then n descending
SELECT jsonb_path_query_array(pstream_query('paged', sort => '{-bucket,-n}', "limit" => 4), '$.pstream_data[*].n') AS two_fields;

-- the envelope on the first, a middle and the last page, and on no match
SELECT r - 'pstream_data' - 'reportMetaData' AS first_page FROM pstream_query('paged', sort => '{n}', "limit" => 400) AS r;
SELECT r - 'pstream_data' - 'reportMetaData' AS middle_page FROM pstream_query('paged', sort => '{n}', "offset" => 400, "limit" => 400) AS r;
SELECT r - 'pstream_data' - 'reportMetaData' AS last_page FROM pstream_query('paged', sort => '{n}', "offset" => 800, "limit" => 400) AS r;
SELECT r - 'pstream_data' - 'reportMetaData' AS past_the_end FROM pstream_query('paged', sort => '{n}', "offset" => 5000) AS r;
SELECT r - 'reportMetaData' AS no_match, r -> 'reportMetaData' AS metadata
FROM pstream_query('paged', 'n > 5000', 'zzz') AS r;
SELECT r -> 'reportMetaData' AS metadata
FROM pstream_query('paged', 'n = 4', sort => '{n}') AS r;

-- projection with aliases: the listed fields only, renamed, missing as
-- null, and the column list in the projection's order with metadata types
SELECT pstream_create('proj', '{"unique_keys": ["host"]}') IS NOT NULL;
SELECT pstream_add('proj', '[
	{"_RDA_Id": "p1", "host": "web1", "cpu": 80, "up": true, "seen": "2024-01-01T00:00:00Z"},
	{"_RDA_Id": "p2", "host": "web2", "cpu": "90", "seen": "2024-01-02T00:00:00Z"}]') -> 'added' AS added;
SELECT r -> 'pstream_data' AS rows
FROM pstream_query('proj', 'GET up as "Up?", host as name, missing, cpu as `load`', sort => '{host}') AS r;
SELECT c ->> 'id' AS id, c ->> 'type' AS type, c -> 'key' AS key
FROM jsonb_array_elements(pstream_query('proj', 'GET seen as when, cpu, host, _RDA_Id')
	-> 'reportMetaData' -> 'reportColumnDefinitionList') AS c;
-- without a projection: every field of the page, bytewise, unique keys marked
SELECT c ->> 'id' AS id, c ->> 'type' AS type, c -> 'key' AS key
FROM jsonb_array_elements(pstream_query('proj') -> 'reportMetaData' -> 'reportColumnDefinitionList') AS c;
-- sorting reads the stored record, not the projected row
SELECT jsonb_path_query_array(pstream_query('proj', 'GET host as h', sort => '{-host}'), '$.pstream_data[*].h') AS sorted_by_source;

-- query + search + sort + paging together
SELECT r - 'reportMetaData' AS combined
FROM pstream_query('paged', 'n < 100 and bucket != 10', 'b', sort => '{-n}', "offset" => 2, "limit" => 3) AS r;
-- the same with group_by: groups of the matching records, sorted and paged
SELECT r - 'reportMetaData' AS combined_grouped
FROM pstream_query('paged', 'n < 100', 'B', sort => '{-count_}', group_by => '{bucket}',
	"offset" => 1, "limit" => 2) AS r;

-- pstream_list: name, every attribute, system_defined and timestamp, with
-- CFXQL, search, sort and paging over those fields
SELECT pstream_create('list-a', '{"retention_days": 30, "unique_keys": ["k"], "team": "Net"}') IS NOT NULL;
SELECT pstream_create('list-b', '{"retention_days": 7, "team": "ops"}') IS NOT NULL;
SELECT pstream_create('list-c', '{"team": 5}') IS NOT NULL;
SELECT r - 'timestamp' AS row FROM jsonb_array_elements(pstream_list('name ^~ ''list-''', sort => '{name}') -> 'pstreams') AS r;
SELECT jsonb_path_query_array(pstream_list('name ^~ ''list-''', sort => '{-retention_days}'), '$.pstreams[*].name') AS by_retention;
SELECT jsonb_path_query_array(pstream_list('retention_days > 10'), '$.pstreams[*].name') AS retention_query;
SELECT jsonb_path_query_array(pstream_list(search => 'NET'), '$.pstreams[*].name') AS searched;
SELECT jsonb_path_query_array(pstream_list('system_defined = ''no'' and team = 5'), '$.pstreams[*].name') AS number_field;
SELECT r - 'pstreams' - 'reportMetaData' AS envelope,
	jsonb_path_query_array(r, '$.pstreams[*].name') AS page
FROM pstream_list('name ^~ ''list-''', sort => '{-name}', "offset" => 1, "limit" => 1) AS r;
SELECT jsonb_path_query_array(pstream_list('name ^~ ''list-'' GET name, team as owner', sort => '{team}'), '$.pstreams[*]') AS projected;

SELECT pstream_drop(n, true) IS NOT NULL FROM unnest('{paged,proj,list-a,list-b,list-c}'::text[]) AS n;
