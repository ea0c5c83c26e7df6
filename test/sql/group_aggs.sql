-- group_aggs: group_by and aggregates of pstream_query
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

-- The records, also kept in a plain table so that the test computes the
-- expected aggregates itself, without pstream's functions.
CREATE TEMP TABLE recs AS
SELECT r FROM jsonb_array_elements('[
	{"_RDA_Id": "r01", "g": "a", "h": "x", "v": 1},
	{"_RDA_Id": "r02", "g": "a", "h": "y", "v": 2.5},
	{"_RDA_Id": "r03", "g": "a", "h": "x", "v": "3"},
	{"_RDA_Id": "r04", "g": "a", "h": "x", "v": "abc"},
	{"_RDA_Id": "r05", "g": "b", "h": "x", "v": true},
	{"_RDA_Id": "r06", "g": "b", "h": "y", "v": null},
	{"_RDA_Id": "r07", "g": "b", "h": "y"},
	{"_RDA_Id": "r08", "g": 1, "v": {"a": 1}},
	{"_RDA_Id": "r09", "g": "1", "v": [1]},
	{"_RDA_Id": "r10", "v": "-4e1"},
	{"_RDA_Id": "r11", "g": null, "v": " 80"},
	{"_RDA_Id": "r12", "g": "a", "h": "y", "v": 1}]'::jsonb) AS e(r);

SELECT pstream_create('agg') IS NOT NULL;
SELECT pstream_add('agg', (SELECT jsonb_agg(r) FROM recs)) -> 'added' AS added;

-- group_by alone gives one row per group with count_.  Missing and null form
-- one group shown as null, and "1" and 1 are different groups.  Groups sort
-- like records: strings, then numbers, then null last.
SELECT r -> 'pstream_data' AS grouped, r -> 'total_count' AS total
FROM pstream_query('agg', group_by => '{g}', sort => '{g}') AS r;
SELECT r -> 'pstream_data' AS grouped_desc
FROM pstream_query('agg', group_by => '{g}', sort => '{-g}') AS r;
-- the default sort (-timestamp) names no group field, so groups come in
-- the tie-breaker's order
SELECT jsonb_path_query_array(r, '$.pstream_data[*].g') AS default_order, r -> 'sort' AS sort
FROM pstream_query('agg', group_by => '{g}') AS r;

-- two group fields
SELECT pstream_query('agg', group_by => '{g,h}', sort => '{g,h}') -> 'pstream_data' AS two_fields;

-- every function, named <function>_<column>
SELECT jsonb_pretty(pstream_query('agg', group_by => '{g}', sort => '{g}',
	aggs => '{value_count:v,cardinality:v,sum:v,avg:v,min:v,max:v}') -> 'pstream_data') AS all_functions;

-- the same aggregates computed independently over the plain table: numbers
-- and strings in JSON number syntax count for sum, avg, min and max
CREATE TEMP VIEW expected AS
SELECT coalesce(r -> 'g', 'null') AS g,
	count(*) FILTER (WHERE coalesce(r -> 'v', 'null') <> 'null') AS value_count,
	count(DISTINCT r -> 'v') FILTER (WHERE coalesce(r -> 'v', 'null') <> 'null') AS cardinality,
	count(n) AS numbers, sum(n) AS sum, sum(n) / count(n) AS avg, min(n) AS min, max(n) AS max
FROM recs, LATERAL (SELECT CASE
		WHEN jsonb_typeof(r -> 'v') = 'number' THEN (r ->> 'v')::numeric
		WHEN jsonb_typeof(r -> 'v') = 'string'
			AND r ->> 'v' ~ '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$' THEN (r ->> 'v')::numeric
	END AS n) AS num
GROUP BY 1;
SELECT e.g, e.value_count, e.cardinality, e.sum, e.avg, e.min, e.max,
	(row_data -> 'value_count_v')::bigint = e.value_count
	AND (row_data -> 'cardinality_v')::bigint = e.cardinality
	AND row_data -> 'sum_v' = coalesce(to_jsonb(e.sum), 'null')
	AND row_data -> 'avg_v' = coalesce(to_jsonb(e.avg), 'null')
	AND row_data -> 'min_v' = coalesce(to_jsonb(e.min), 'null')
	AND row_data -> 'max_v' = coalesce(to_jsonb(e.max), 'null') AS same
FROM expected AS e
LEFT JOIN LATERAL jsonb_array_elements(pstream_query('agg', group_by => '{g}',
	aggs => '{value_count:v,cardinality:v,sum:v,avg:v,min:v,max:v}') -> 'pstream_data') AS row_data
	ON row_data -> 'g' = e.g
ORDER BY e.g;

-- without group_by, aggregates cover every match in one row
SELECT r -> 'pstream_data' AS whole, r -> 'total_count' AS total, r -> 'num_items' AS items
FROM pstream_query('agg', aggs => '{value_count:v,sum:v,avg:v,min:v,max:v,cardinality:g}') AS r;
SELECT sum(sum) AS expected_sum, sum(sum) / sum(numbers) AS expected_avg, sum(value_count) AS expected_value_count
FROM expected;
-- an empty match still gives one row: counts 0, the others null
SELECT r -> 'pstream_data' AS no_match, r -> 'total_count' AS total
FROM pstream_query('agg', 'g = ''none''', aggs => '{value_count:v,sum:v,cardinality:v}') AS r;
-- a grouped read of no match has no groups
SELECT r -> 'pstream_data' AS no_groups, r -> 'total_count' AS total, r -> 'is_last' AS is_last
FROM pstream_query('agg', 'g = ''none''', group_by => '{g}') AS r;

-- names: an alias; agg_function/agg_column arrive as F:C:C, named after the column
SELECT pstream_query('agg', group_by => '{g}', sort => '{g}', aggs => '{sum:v:total,max:v:v}', "limit" => 2) -> 'pstream_data' AS aliased;
-- an alias may contain colons
SELECT pstream_query('agg', aggs => '{max:v:a:b}') -> 'pstream_data' AS colon_alias;

-- groups sort by an aggregate and page; total_count counts groups
SELECT jsonb_path_query_array(r, '$.pstream_data[*].g') AS by_count, r -> 'total_count' AS total,
	r -> 'num_items' AS items, r -> 'is_first' AS first, r -> 'is_last' AS last
FROM pstream_query('agg', group_by => '{g}', sort => '{-count_}', "offset" => 1, "limit" => 2) AS r;
SELECT jsonb_path_query_array(r, '$.pstream_data[*].g') AS last_page, r -> 'is_last' AS last
FROM pstream_query('agg', group_by => '{g}', sort => '{-count_}', "offset" => 3, "limit" => 2) AS r;

-- the column list of a grouped read: group fields typed by the metadata,
-- aggregates NUMBER
SELECT c ->> 'id' AS id, c ->> 'type' AS type, c -> 'key' AS key
FROM jsonb_array_elements(pstream_query('agg', 'g = ''a''', group_by => '{h}', aggs => '{sum:v,value_count:g}')
	-> 'reportMetaData' -> 'reportColumnDefinitionList') AS c;

-- combined with CFXQL and search
SELECT pstream_query('agg', 'h = ''x''', 'a', group_by => '{g}', sort => '{g}') -> 'pstream_data' AS filtered;

-- errors name the value
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{median:v}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{:v}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum:}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum:v:}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum::x}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => ARRAY[NULL])$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum:v,sum:v}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', aggs => '{sum:v:x,max:v:x}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', group_by => '{g}', aggs => '{sum:v:g}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', group_by => '{v}', aggs => '{sum:v:v}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', group_by => '{g,g}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', group_by => '{""}')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('agg', group_by => '{{a},{b}}')$$);
-- field names with quotes stay data
SELECT pstream_query('agg', group_by => ARRAY['x'') OR true --'], aggs => ARRAY['sum:v'');--:x''y']) -> 'pstream_data' AS quoted_names;

SELECT pstream_drop('agg', true) IS NOT NULL;
