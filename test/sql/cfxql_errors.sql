-- cfxql_errors: CFXQL syntax errors and invalid regular expressions through the SQL functions
--
-- Every error names its position (characters from 0) and is raised before
-- any record is read or changed: the update and delete cases leave the
-- records as they were.
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

SELECT pstream_create('errors') IS NOT NULL;
SELECT pstream_add('errors', '[{"_RDA_Id": "e1", "s": "a", "n": 1}, {"_RDA_Id": "e2", "s": "b", "n": 2}]');
CREATE TEMP TABLE before AS SELECT id, ts, data FROM pstream_data.errors;

-- one query per kind of syntax error, through cfxql_to_sql()
CREATE TEMP TABLE bad_queries (n serial, query text);
INSERT INTO bad_queries (query) VALUES
	('severity is'),
	('severity'),
	('severity = '),
	('severity resembles ''x'''),
	('severity = ''unterminated'),
	('severity = "unterminated'),
	('`unterminated = 1'),
	('`` = 1'),
	('severity in []'),
	('severity in [1,'),
	('severity in [other_field]'),
	('severity ~ other_field'),
	('n > true'),
	('n > null'),
	('t before ''not a time'''),
	('t during ''2024-11-20T10:00:00Z'''),
	('t after 10 days'),
	('t during ''2024-11-20'' to'),
	('t before ''2024-02-30'''),
	('and = 1'),
	('(s = 1'),
	('s = 1)'),
	('s = 1 s = 2'),
	('s = 1 and'),
	('s = 1 or or s = 2'),
	('s isnull'),
	('s = 1 GET'),
	('s = 1 GET a, b as a'),
	('s = 1 GET a as'),
	('* s = 1'),
	(repeat('(', 101) || 's = 1' || repeat(')', 101)),
	(repeat('not ', 101) || 's = 1'),
	('s = ''' || repeat('x', 65536) || '''');

SELECT n, left(query, 40) AS query, pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', query)) AS outcome
FROM bad_queries ORDER BY n;

-- depth 100 is still accepted, one more level is not
SELECT pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', repeat('(', 100) || 's = 1' || repeat(')', 100))) AS depth_100;
SELECT pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', repeat('(', 50) || repeat('not ', 50) || 's = 1' || repeat(')', 50))) AS mixed_depth_100;

-- the same errors through every function that takes a query: always 42601, same message
SELECT n,
	pg_temp.outcome(format('SELECT pstream_query(%L, %L)', 'errors', query)) = pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', query)) AS query_same,
	pg_temp.outcome(format('SELECT count(*) FROM pstream_select(%L, %L)', 'errors', query)) = pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', query)) AS select_same,
	pg_temp.outcome(format('SELECT pstream_list(%L)', query)) = pg_temp.outcome(format('SELECT cfxql_to_sql(%L)', query)) AS list_same,
	pg_temp.outcome(format('SELECT pstream_update(%L, %L, %L)', 'errors', query, '{"changed": true}')) AS update_outcome,
	pg_temp.outcome(format('SELECT pstream_delete(%L, %L)', 'errors', query)) AS delete_outcome
FROM bad_queries WHERE n IN (1, 4, 5, 9, 21) ORDER BY n;

-- an unknown pstream with a bad query: the query is checked first
SELECT pg_temp.outcome($$SELECT pstream_query('no-such-stream', 'x is')$$);

-- invalid regular expressions are 2201B with the pattern, even when no record could reach them
SELECT pg_temp.outcome($$SELECT cfxql_to_sql('s ? ''(''')$$);
SELECT pg_temp.outcome($$SELECT cfxql_to_sql('s matches ''a{2,1}''', false)$$);
SELECT pg_temp.outcome($$SELECT pstream_query('errors', 'n = 99 and s ? ''[z-a]''')$$);
SELECT pg_temp.outcome($$SELECT count(*) FROM pstream_select('errors', 's !? ''*''')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('errors', 's ? ''(''', '{"changed": true}')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('errors', 's does not match ''(''')$$);
-- a valid regex is fine
SELECT jsonb_path_query_array(pstream_query('errors', 's ? ''^[ab]$''', sort => '{_RDA_Id}'), '$.pstream_data[*]._RDA_Id') AS regex_ok;

-- the full error of one case, as a client sees it
-- (DETAIL and HINT included)
SELECT pstream_query('errors', 'severity = ''x'' and n is');
SELECT pstream_delete('errors', 's ? ''(''');

-- nothing was changed
SELECT count(*) AS unchanged FROM pstream_data.errors AS e JOIN before AS b USING (id)
WHERE e.data = b.data AND e.ts = b.ts;
SELECT count(*) AS records FROM pstream_data.errors;

SELECT pstream_drop('errors', true) IS NOT NULL;
