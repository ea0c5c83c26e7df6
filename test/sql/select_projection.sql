-- select_projection: CFXQL filters and GET projections in pstream_query, pstream_select and pstream_list
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

SELECT pstream_create('hosts', '{"unique_keys": ["name"], "owner": "ops"}') IS NOT NULL;
SELECT pstream_add('hosts', '[
	{"_RDA_Id": "h1", "name": "web1", "cpu": 80, "os": "linux",   "timestamp": "2024-01-01T00:00:00Z"},
	{"_RDA_Id": "h2", "name": "web2", "cpu": 20, "os": "Linux",   "timestamp": "2024-01-02T00:00:00Z"},
	{"_RDA_Id": "h3", "name": "db1",  "cpu": 95, "os": "windows", "timestamp": "2024-01-03T00:00:00Z"},
	{"_RDA_Id": "h4", "name": "db2",                              "timestamp": "2024-01-04T00:00:00Z"}]');

-- a filter with sort and paging: total_count counts the matches
SELECT r -> 'pstream_data' AS rows, r -> 'total_count' AS total, r -> 'num_items' AS items, r -> 'is_last' AS last
FROM pstream_query('hosts', 'cpu > 50', sort => '{-cpu}', "limit" => 1) AS r;
SELECT jsonb_path_query_array(pstream_query('hosts', 'os = ''linux''', case_sensitive => false), '$.pstream_data[*]._RDA_Id') AS folded;
-- NULL arguments take the defaults
SELECT jsonb_path_query_array(pstream_query('hosts', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), '$.pstream_data[*]._RDA_Id') AS all_newest_first,
       pstream_query('hosts', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) - 'pstream_data' - 'reportMetaData' AS envelope;

-- a projection: listed fields only, renamed, missing ones null, _RDA_Id only if listed
SELECT r -> 'pstream_data' AS rows FROM pstream_query('hosts', 'cpu >= 20 GET name, cpu as load, os as `OS name`', sort => '{name}') AS r;
SELECT r -> 'pstream_data' AS rows FROM pstream_query('hosts', 'GET _RDA_Id, missing', sort => '{_RDA_Id}') AS r;
-- the column list follows the projection's order and names, typed by the source field
SELECT jsonb_pretty(r -> 'reportMetaData') FROM pstream_query('hosts', 'name = ''web1'' GET os as "Operating system", name, cpu') AS r;
-- sorting reads the stored fields, also ones left out of the projection
SELECT r -> 'pstream_data' AS rows FROM pstream_query('hosts', '* GET name', sort => '{-cpu}') AS r;

-- pstream_select: the matching records newest first, projected
SELECT r FROM pstream_select('hosts', 'name ^~ ''web''') AS r;
SELECT r FROM pstream_select('hosts', 'os != ''linux'' GET name, os as system') AS r;
SELECT r FROM pstream_select('hosts', 'os = ''LINUX'' GET name', false) AS r;
SELECT count(*) FROM pstream_select('hosts', NULL, NULL) AS r;
SELECT pg_temp.outcome($$SELECT count(*) FROM pstream_select(NULL)$$);

-- grouping works with a projection's query; a malformed aggs entry is 22023
SELECT pg_temp.outcome($$SELECT pstream_query('hosts', group_by => '{os}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('hosts', aggs => '{count}')$$);
SELECT (pstream_query('hosts', group_by => '{}', aggs => '{}') -> 'total_count') AS empty_arrays_allowed;

-- pstream_list: the query applies to the list rows (name, attributes, system_defined, timestamp)
SELECT pstream_create('other', '{"owner": "dev", "retention_days": 3}') IS NOT NULL;
SELECT jsonb_path_query_array(pstream_list('owner = ''ops'''), '$.pstreams[*].name') AS owned_by_ops;
SELECT jsonb_path_query_array(pstream_list('retention_days > 1'), '$.pstreams[*].name') AS with_retention;
SELECT jsonb_path_query_array(pstream_list('system_defined = ''no''', sort => '{name}'), '$.pstreams[*].name') AS user_defined;
SELECT jsonb_path_query_array(pstream_list('name = ''HOSTS''', case_sensitive => false), '$.pstreams[*].name') AS folded;
SELECT r -> 'pstreams' AS rows, r -> 'reportMetaData' -> 'reportColumnDefinitionList' -> 0 -> 'id' AS first_column
FROM pstream_list('* GET name, owner as team', sort => '{name}') AS r;
SELECT jsonb_path_query_array(pstream_list(NULL, NULL, NULL, NULL, NULL, NULL), '$.pstreams[*].name') AS all_streams;

SELECT pstream_drop('hosts', true) IS NOT NULL, pstream_drop('other', true) IS NOT NULL;
