-- cfxql_index: compiled conditions (golden) and their use of the GIN index
--
-- String equality and "in" compile to jsonb containment (@>), which the
-- pstream's GIN index (jsonb_path_ops) serves.  The plans below come from the
-- planner's own choice after ANALYZE, without enable_seqscan = off.  Case
-- folding and substrings cannot use that index: they scan, and the test
-- shows that their results are still right.  A number literal also tests
-- numeric strings ("80"), which needs a per-row check, so "port = 80"
-- scans too.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- what some queries compile to
SELECT cfxql_to_sql('severity = ''critical''');
SELECT cfxql_to_sql('severity = ''critical''', false);
SELECT cfxql_to_sql('severity in [''critical'', ''major'']');
SELECT cfxql_to_sql('port = 80');
SELECT cfxql_to_sql('port != 80');
SELECT cfxql_to_sql('flag = true or port > 1000');
SELECT cfxql_to_sql('not (s ~ ''ab'') and s ^~ ''x''', false);
SELECT cfxql_to_sql('s is null');
SELECT cfxql_to_sql('a = b');
SELECT cfxql_to_sql('t after -10 days');
SELECT cfxql_to_sql('t during ''2024-11-20''');
SELECT cfxql_to_sql('*');
SELECT cfxql_to_sql('');
SELECT cfxql_to_sql(NULL);
SELECT cfxql_to_sql('severity = ''x'' GET severity, port as p');

-- 10,000 records, about 1 in 97 of them critical
SELECT pstream_create('big') IS NOT NULL;
SELECT pstream_add('big', (SELECT jsonb_agg(jsonb_build_object(
		'severity', CASE WHEN i % 97 = 0 THEN 'critical' ELSE 'minor' || (i % 50) END,
		'port', i % 1000, 'n', i, 'timestamp', 1700000000000 + i))
	FROM generate_series(1, 10000) AS i));
-- numeric strings that "port = 80" must also match
SELECT pstream_add('big', '[{"port": "80"}, {"port": "80.0"}, {"port": "8e1"}, {"port": " 80"}]');
-- VACUUM moves the batch out of the GIN index's pending list, as autovacuum
-- would.  While entries wait there, the planner costs an index scan too high.
VACUUM ANALYZE pstream_data.big;

-- The plan of a query on the pstream's table.
CREATE FUNCTION pg_temp.plan(query text, case_sensitive boolean DEFAULT true) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) SELECT id FROM pstream_data.big WHERE '
		|| cfxql_to_sql(query, case_sensitive);
END
$$;

SELECT * FROM pg_temp.plan('severity = ''critical''');
SELECT * FROM pg_temp.plan('severity in [''critical'', ''minor7'']');
-- the index finds the candidates and a filter checks the number (its text
-- is the inlined support functions, left out here)
SELECT line FROM pg_temp.plan('severity = ''critical'' and n > 5000') AS line WHERE line NOT LIKE '%Filter:%';

-- without the index: still correct
SELECT count(*) FILTER (WHERE line LIKE '%Seq Scan%') > 0 AS case_insensitive_scans
FROM pg_temp.plan('severity = ''CRITICAL''', false) AS line;
SELECT count(*) FILTER (WHERE line LIKE '%Seq Scan%') > 0 AS substring_scans
FROM pg_temp.plan('severity ~ ''ritic''') AS line;
-- number equality: the index on pstream.cfxql_numeric_strings(data) serves
-- the numeric strings
SELECT * FROM pg_temp.plan('port = 80');
SELECT * FROM pg_temp.plan('port in [80, 443]');
-- 10 numbers 80, and "80", "80.0" and "8e1", but not " 80"
SELECT (pstream_query('big', 'port = 80') -> 'total_count') AS port_80,
       (pstream_query('big', 'port in [80, 443]') -> 'total_count') AS port_80_443,
       (pstream_query('big', 'port != 80') -> 'total_count') AS not_port_80;

-- pstream.cfxql_numeric_strings() reads an object's entries in place.  It
-- must give the same object as jsonb_each() and
-- pstream.cfxql_numeric_string() on records of 0 to 79 fields (an entry
-- stores its end offset every 32 entries).  The records contain numeric
-- strings at different places, strings of other kinds, numbers and nested
-- objects.  Every third record has no numeric string.  Arrays and scalars
-- give {}.
WITH records AS (
  SELECT n, coalesce((SELECT jsonb_object_agg('k' || lpad(i::text, 2, '0'),
           CASE (i * 7 + n) % 9
             WHEN 0 THEN to_jsonb(CASE WHEN n % 3 = 0 THEN 'v' ELSE '' END || (i * 13 + n) % 1000)
             WHEN 1 THEN to_jsonb(CASE WHEN n % 3 = 0 THEN '+' ELSE '-' END || i || '.5e' || (n % 4))
             WHEN 2 THEN to_jsonb(repeat('x', (i * n) % 40))
             WHEN 3 THEN to_jsonb(i * 1.5)
             WHEN 4 THEN jsonb_build_object('inner', '80')
             WHEN 5 THEN to_jsonb('2026-01-0' || (i % 9 + 1))
             WHEN 6 THEN to_jsonb(' 80'::text)
             WHEN 7 THEN 'true'::jsonb
             ELSE to_jsonb('0' || i)
           END) FROM generate_series(0, n - 1) AS i), '{}') AS d
  FROM generate_series(0, 79) AS n
)
SELECT count(*) AS records,
       count(*) FILTER (WHERE pstream.cfxql_numeric_strings(d) <> '{}') AS with_numeric_strings,
       count(*) FILTER (WHERE pstream.cfxql_numeric_strings(d) IS DISTINCT FROM
         (SELECT coalesce(jsonb_object_agg(key, pstream.cfxql_numeric_string(value)), '{}')
          FROM jsonb_each(d) WHERE pstream.cfxql_numeric_string(value) IS NOT NULL
            AND jsonb_typeof(value) = 'string')) AS different
FROM records;
SELECT pstream.cfxql_numeric_strings('[1, "2"]') AS array_root,
       pstream.cfxql_numeric_strings('"5"') AS scalar_root;

SELECT (pstream_query('big', 'severity = ''critical''') -> 'total_count') AS indexed,
       (pstream_query('big', 'severity = ''CRITICAL''', case_sensitive => false) -> 'total_count') AS folded,
       (pstream_query('big', 'severity ~ ''ritic''') -> 'total_count') AS substring,
       (pstream_query('big', 'severity in [''critical'', ''minor7'']') -> 'total_count') AS listed,
       (pstream_query('big', 'port = 80') -> 'total_count') AS port_80,
       (SELECT count(*) FROM generate_series(1, 10000) AS i WHERE i % 97 = 0) AS expected_critical,
       (SELECT count(*) FROM generate_series(1, 10000) AS i WHERE i % 97 = 0 OR (i % 97 <> 0 AND i % 50 = 7)) AS expected_listed;

SELECT pstream_drop('big', true) IS NOT NULL;
