-- names: valid and invalid pstream names, and how names map to tables
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

-- valid names at the limits
SELECT pstream_create('x') ->> 'name' AS one_char;
SELECT pstream_create('oia-alerts-stream') ->> 'name';
SELECT pstream_create('ml-regression-training-data') ->> 'name';
SELECT pstream_create('Mixed_Case.v1-2') ->> 'name';
SELECT pstream_create('mixed_case.v1-2') ->> 'name' AS case_sensitive;
SELECT length(pstream_create(repeat('a', 63)) ->> 'name') AS len63;
SELECT length(pstream_create(repeat('b', 200)) ->> 'name') AS len200;
SELECT length(pstream_create(repeat('c', 255)) ->> 'name') AS len255;

-- table names: the name itself up to 63 bytes, else prefix ~ md5
SELECT length(name) AS name_length, table_name = name AS same_name, length(table_name) AS table_name_length,
       table_name ~ '^[a-c]{30}~[0-9a-f]{32}$' AS shortened,
       obj_description(('pstream_data.' || quote_ident(table_name))::regclass, 'pg_class') = name AS comment_is_name
FROM pstream.pstreams ORDER BY length(name), name COLLATE "C";

-- a long name finds its kept data after drop and re-create
SELECT pstream_add(repeat('b', 200), '[{"kept": true}]');
SELECT pstream_drop(repeat('b', 200)) -> 'data_deleted' AS data_deleted;
SELECT pstream_create(repeat('b', 200)) IS NOT NULL;
SELECT pstream_query(repeat('b', 200)) -> 'pstream_data' -> 0 -> 'kept' AS kept;

-- invalid names: 22023 and nothing created
SELECT pstream_create(repeat('d', 256));
SELECT pstream_create('a/b');
SELECT pstream_create('');
SELECT left(n, 20) AS name, length(n) AS length, left(pg_temp.outcome(format('SELECT pstream_create(%L)', n)), 50) AS outcome
FROM unnest(ARRAY['', repeat('d', 256), 'a/b', 'a;b', 'a b', 'quo"te', 'quo''te', '.hidden',
                  'tab	x', 'über', 'naïve-stream', 'semi;DROP TABLE x', 'x%2Fy']) AS n;
SELECT count(*) AS pstreams FROM pstream.pstreams;

-- other functions reject invalid names the same way
SELECT pg_temp.outcome($$SELECT pstream_add('a/b', '[]')$$);
SELECT pg_temp.outcome($$SELECT pstream_query('.x')$$);
SELECT pg_temp.outcome($$SELECT pstream_drop('')$$);
SELECT pg_temp.outcome($$SELECT pstream_edit('a b', '{}')$$);
SELECT pg_temp.outcome($$SELECT pstream_metadata('a;b')$$);
SELECT pg_temp.outcome($$SELECT pstream_stats('a"b')$$);
-- valid but unknown: 42P01
SELECT pg_temp.outcome($$SELECT pstream_query('unknown')$$);
SELECT pg_temp.outcome($$SELECT pstream_add('unknown', '[]')$$);
SELECT pg_temp.outcome($$SELECT pstream_metadata('unknown')$$);
SELECT pg_temp.outcome($$SELECT pstream_stats('unknown')$$);
SELECT pg_temp.outcome($$SELECT count(*) FROM pstream_select('unknown')$$);

SELECT count(*) FROM (SELECT pstream_drop(name, true) FROM pstream.pstreams) AS dropped;
SELECT count(*) AS leftover_tables FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pstream_data';
