-- indexing: the indexing attribute ("all", {"fields": [...]}, "none")
--
-- Checks the indexes each choice creates and that the readers' conditions
-- use them. EXPLAIN runs with sequential scans disabled, so plans do not
-- depend on table statistics. Every choice must return the same records for
-- the operator cases of test/unit/semantics_cases.txt (modes cs and ci).
-- pstream_edit() switches between choices, and column ts stays the time of
-- the time field, which the time-window conjunct relies on.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET TimeZone = 'Pacific/Chatham';

-- the indexes of a data table, in byte order
CREATE FUNCTION pg_temp.indexes(stream text) RETURNS text
LANGUAGE sql AS $$
  SELECT string_agg(indexname, ' ' ORDER BY indexname COLLATE "C")
  FROM pg_indexes WHERE schemaname = 'pstream_data' AND tablename = stream
$$;

-- the scan nodes of the plan of a pstream's condition for a query
CREATE FUNCTION pg_temp.scans(stream text, query text, case_sensitive boolean DEFAULT true)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM pstream_data.%I WHERE %s',
							   stream, cfxql_to_sql(query, case_sensitive, stream))
	LOOP
		IF line ~ 'Scan' THEN
			RETURN NEXT regexp_replace(line, '^[ ->]*', '');
		END IF;
	END LOOP;
END
$$;

SELECT pstream_create('ix-all', '{"timestamp": "t"}') ->> 'name' AS created;
SELECT pstream_create('ix-fields', '{"timestamp": "t",
  "indexing": {"fields": ["port", "s", "flag", "a", "b", "t", "zip-code"]}}') ->> 'name' AS created;
SELECT pstream_create('ix-none', '{"timestamp": "t", "indexing": "none"}') ->> 'name' AS created;
SELECT stream, pg_temp.indexes(stream) FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;

-- the records of cfxql_operators, the same in all three
CREATE TEMP TABLE records AS
SELECT jsonb_agg(data::jsonb || jsonb_build_object('_RDA_Id', id) ORDER BY id) AS batch
FROM (VALUES
('r01', '{"port": 80, "s": "Major", "flag": true, "t": "2024-11-20T10:00:00Z", "a": 5, "b": 5}'),
('r02', '{"port": "80", "s": "major", "flag": "true", "t": "2024-11-20", "a": "5", "b": 5.0}'),
('r03', '{"port": "80.0", "s": "MAJOR alert", "flag": "TRUE", "t": "2024-11-21 00:00", "a": "x", "b": "x"}'),
('r04', '{"port": "02", "s": "", "flag": false, "t": 1732096800000, "a": "10", "b": "9"}'),
('r05', '{"port": " 80", "s": null, "flag": "False", "t": "not a time", "a": 10, "b": "9"}'),
('r06', '{"port": 80.0, "s": 1e6, "flag": "yes", "t": "2024-11-20T12:00:00+05:00", "a": true, "b": "true"}'),
('r07', '{"port": null, "s": "O''Brien \\ back", "flag": null, "t": null, "a": null, "b": null}'),
('r08', '{}'),
('r09', '{"port": [80], "s": ["major"], "flag": [true], "t": {"x": 1}, "a": {"k": 1}, "b": [1]}'),
('r10', '{"port": 8e1, "s": "ÉCOLE été", "flag": 1, "t": "2024-02-30", "a": "abc", "b": "ABC"}'),
('r11', '{"port": "8e1", "s": "naïve", "flag": "tRuE", "t": "2024-11-20T10:00:00.0000004Z", "a": "b", "b": "a"}'),
('r12', '{"port": "+80", "s": "80", "flag": "", "t": "2024-11-19T23:59:59.999999Z", "a": "1e1", "b": 10}'),
('r13', '{"port": "-0", "s": 80.0, "flag": "false", "t": "2024-11-20t10:00z", "a": "10", "b": "10.0"}'),
('r14', '{"port": 0, "s": true, "flag": false, "t": "2024-13-01", "a": "", "b": ""}'),
('r15', '{"s": "a%b_c", "zip-code": 20006, "it''s": "q", "back`tick": "bt", "back\\slash": "y", "a.b": 1, "t": "2024-11-20T10:00:00+0000", "u": "-- /* ; $$"}'),
('r16', '{"port": "80.000", "s": "1E2", "a": 1e300, "b": "-1e-300", "t": "2024-11-20T10:00:00.5Z", "zip-code": "20006.0"}'),
('r17', '{"port": 1e250, "s": "TRUE", "a": -1e250, "b": 0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001}')
) AS r(id, data);
SELECT pstream_add(stream, (SELECT batch FROM records)) AS added
FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;

-- ---------- plans ----------

SET enable_seqscan = off;
SELECT pg_temp.scans('ix-all', 'port = 80');
SELECT pg_temp.scans('ix-fields', 'port = 80');
SELECT pg_temp.scans('ix-fields', 's in [''Major'', ''x'']', false);
SELECT pg_temp.scans('ix-fields', 'flag = true');
SELECT pg_temp.scans('ix-fields', 'port >= 79 and port < 81');
SELECT pg_temp.scans('ix-fields', '`zip-code` = 20006');
SELECT pg_temp.scans('ix-none', 'port = 80');
-- not indexable on a B-tree field: substrings, regexes, string ranges, null
SELECT pg_temp.scans('ix-fields', 's ~ ''ajo''');
SELECT pg_temp.scans('ix-fields', 's > ''M''');
SELECT pg_temp.scans('ix-fields', 'port in [80, null]');
-- time windows on the time field use the ts index in every mode
SELECT stream, pg_temp.scans(stream, 't during ''2024-11-20''')
FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;
SELECT pg_temp.scans('ix-none', 't after -3 days');
SELECT pg_temp.scans('ix-none', 't during ''2024-11-19'' to ''2024-11-21''');
RESET enable_seqscan;

-- the two-argument form is unchanged: no index tests
SELECT cfxql_to_sql('port > 5 and t before ''2024-01-01''');

-- ---------- same results in every mode ----------

CREATE TEMP TABLE cases (n serial, mode text, query text);
INSERT INTO cases (mode, query) VALUES
('cs', 'port = 80'),
('cs', 'port == 80'),
('cs', 'port is 80'),
('cs', 'port equals 80'),
('cs', 'port is   equal	to 80'),
('cs', 'port != 80'),
('cs', 'port <> 80'),
('cs', 'port is not 80'),
('cs', 'port not equals 80'),
('cs', 'port is not equal to 80'),
('cs', 'port = ''80'''),
('cs', 'port = ''80.0'''),
('cs', 'port = 2'),
('cs', 'port = ''02'''),
('cs', 'port = 0'),
('cs', 'port in [80, 0]'),
('cs', 'port in 80, 0'),
('cs', 'port is in [80,0]'),
('cs', 'port is one of 80, 0'),
('cs', 'port is among [0, 80]'),
('cs', 'port is any of [0, 80]'),
('cs', 'port not in [80, 0]'),
('cs', 'port not-in [80, 0]'),
('cs', 'port is not in 80, 0'),
('cs', 'port is not one of [80, 0]'),
('cs', 'port is not among [80, 0]'),
('cs', 'port is not any of [80, 0]'),
('cs', 'port in [null, 0]'),
('cs', 'port is null'),
('cs', 'port is none'),
('cs', 'port is empty'),
('cs', 'port = null'),
('cs', 'port == NONE'),
('cs', 'port is not null'),
('cs', 'port notnull'),
('cs', 'port is not none'),
('cs', 'port is not empty'),
('cs', 'port != null'),
('cs', 'port > 79'),
('cs', 'port gt 79'),
('cs', 'port is greater than 79'),
('cs', 'port >= 80'),
('cs', 'port gte 80'),
('cs', 'port is greater than or equal to 80'),
('cs', 'port < 1'),
('cs', 'port lt 1'),
('cs', 'port is less than 1'),
('cs', 'port <= 0'),
('cs', 'port lte 0'),
('cs', 'port is less than or equal to 0'),
('cs', 'port > ''7'''),
('cs', 'port < ''1'''),
('cs', 'flag = true'),
('cs', 'flag is TRUE'),
('cs', 'flag = false'),
('cs', 'flag = ''true'''),
('cs', 'flag = ''TRUE'''),
('ci', 'flag = ''TRUE'''),
('cs', 'flag is null'),
('cs', 'flag = 1'),
('cs', 'flag = ''1'''),
('cs', 's = ''major'''),
('ci', 's = ''major'''),
('cs', 's ~ ''major'''),
('cs', 's contains ''major'''),
('cs', 's contain ''major'''),
('cs', 's has ''major'''),
('ci', 's ~ ''major'''),
('cs', 's !~ ''major'''),
('cs', 's not contains ''major'''),
('cs', 's does not contain ''major'''),
('cs', 's does not contains ''major'''),
('ci', 's !~ ''major'''),
('cs', 's ~ 80'),
('cs', 's ~ ''1000000'''),
('cs', 's ~ ''1e6'''),
('cs', 's = ''1000000'''),
('cs', 's = ''1e6'''),
('cs', 's ~ ''true'''),
('cs', 's ^~ ''O''''Brien'''),
('cs', 's starts with "O''Brien"'),
('cs', 's start with ''O\''Brien'''),
('cs', 's ~$ ''back'''),
('cs', 's ends with ''back'''),
('cs', 's end with ''back'''),
('cs', 's !~$ ''back'''),
('cs', 's does not end with ''back'''),
('cs', 's !^~ ''O'''),
('cs', 's does not start with ''O'''),
('cs', 's ~ ''\\'''),
('cs', 's ~ ''%'''),
('cs', 's ~ ''_'''),
('cs', 's ^~ ''a%'''),
('cs', 's ~$ ''_c'''),
('cs', 's ? ''^[A-Z]'''),
('cs', 's matches ''^[A-Z]'''),
('cs', 's !? ''^[A-Z]'''),
('cs', 's does not match ''^[A-Z]'''),
('ci', 's ? ''école'''),
('cs', 's ? ''^\\d+$'''),
('cs', 's is null'),
('cs', 's = ''ÉCOLE été'''),
('ci', 's = ''école ÉTÉ'''),
('ci', 's in [''MAJOR'', ''NAÏVE'']'),
('cs', 'a = b'),
('cs', 'a is b'),
('ci', 'a = b'),
('cs', 'a != b'),
('cs', 'a is not b'),
('cs', 'a > b'),
('cs', 'a < b'),
('cs', 'a >= b'),
('cs', 'a <= b'),
('cs', 't after ''2024-11-20T09:00:00Z'''),
('cs', 't is after ''2024-11-20 09:00'''),
('cs', 't during ''2024-11-20'''),
('cs', 't is during ''Nov 20, 2024'''),
('cs', 't not during ''2024-11-20'''),
('cs', 't notduring ''2024-11-20'''),
('cs', 't is not during '' 2024-11-20 '''),
('cs', 't before ''Nov 20, 2024'''),
('cs', 't is before ''November 20, 2024 12am'''),
('cs', 't during ''Nov 20, 2024 7am'' to ''Nov 20, 2024 10:00'''),
('cs', 't during ''2024-11-20T00:00:00+00:00'' to ''2024-11-20T07:00Z'''),
('cs', 't after 1732096799999'),
('cs', 't during 1732096800000 to 1732096800000'),
('cs', 't before CY2025'),
('cs', 't during cy2024'),
('cs', 't during ''CY2024'''),
('cs', 't after -10 days'),
('cs', 't after -10days'),
('cs', 't before +1 day'),
('cs', 't before ''+1 hours'''),
('cs', 't during this year'),
('cs', 't during last year'),
('cs', 't during this week'),
('cs', 't during last month'),
('cs', 't before today'),
('cs', 't before ''yesterday'''),
('cs', 't before now'),
('cs', 't after now'),
('cs', '`zip-code` = 20006'),
('cs', '`zip-code` = ''20006'''),
('cs', '`it''s` = ''q'''),
('cs', '`back``tick` = ''bt'''),
('cs', '`a.b` = 1'),
('cs', 'u = ''-- /* ; $$'''),
('cs', 's = ''x''''; DROP TABLE cfxql_records; --'''),
('cs', 's = "x\"; DROP TABLE cfxql_records; --"'),
('cs', 'u ~ ''$$'''),
('cs', 'u ~ '';'''),
('cs', 'u ^~ ''--'''),
('cs', 's = ''\''); SELECT pg_sleep(10); --'''),
('cs', 'port = 80 and flag = true'),
('cs', 'port = 80 && flag = true'),
('cs', 'port = 80 & flag = true'),
('cs', 'port = 0 or flag = 1'),
('cs', 'port = 0 || flag = 1'),
('cs', 'port = 0 | flag = 1'),
('cs', 'not port = 80'),
('cs', 'not not port = 80'),
('cs', 'port = 80 and not (flag = true or s is null)'),
('cs', 'port = 80 or port = 0 and flag = false'),
('cs', '(port = 80 or port = 0) and flag = false'),
('cs', '*'),
('cs', 'GET a, b as ''B'''),
('cs', 's = ''major'' GET s, port as p'),
('ci', 's ^~ ''maj'''),
('ci', 's ~$ ''ALERT'''),
('ci', 's !^~ ''MAJ'''),
('ci', 's not in [''MAJOR'']'),
('ci', 'port = 80'),
('ci', 'flag = true'),
('cs', '`back\slash` = ''y'''),
('cs', '`''; DROP TABLE cfxql_records; --` = 1'),
('cs', '`x"}''::jsonb OR true OR ''{"a` = 1'),
('cs', 's = ''\\'''' OR true --''');
-- extra cases on the records r16 and r17: long and tiny numbers, "1E2"
INSERT INTO cases (mode, query) VALUES
('cs', 'a > 1e299'), ('cs', 'a < -1e199'), ('cs', 'a >= 1e250'), ('cs', 'port > 1e199'),
('cs', 'port >= 1e250'), ('cs', 'b > 0'), ('cs', 'b < 1e-200'), ('cs', 'b > 0 and b < 1e-150'),
('cs', 'b >= -1e-300'), ('cs', 's = 100'), ('cs', 's = ''1E2'''), ('ci', 's = ''1e2'''),
('cs', 'port = ''80.000'''), ('cs', 'port = 80.00'), ('cs', 's = true'), ('ci', 's in [''true'', 80]'),
('cs', '`zip-code` = 20006'), ('cs', '`zip-code` in [''20006'', ''20006.0'']'),
('cs', 't during ''2024-11-20'''), ('cs', 'not t during ''2024-11-20'''),
('cs', 't after ''2024-11-20T10:00:00Z'''), ('cs', 't before 1732096800000'),
('cs', 't during ''2024-11-20T10:00:00Z'' to ''2024-11-20T10:00:00.5Z''');

-- ids matched in one pstream, and whether the query and its negation
-- together count every record
CREATE FUNCTION pg_temp.run_case(stream text, mode text, query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	case_sensitive boolean := mode <> 'ci';
	ids text;
	unmatched bigint;
	matched bigint;
BEGIN
	query := regexp_replace(query, '(^|\s)GET\s.*$', '', 'i');
	SELECT coalesce(string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id' COLLATE "C"), '-'),
	       count(*)
	INTO ids, matched FROM pstream_select(stream, query, case_sensitive) AS r;
	IF query ~ '^\s*\*?\s*$' THEN
		unmatched := 17 - matched;
	ELSE
		SELECT count(*) INTO unmatched
		FROM pstream_select(stream, 'not (' || query || ')', case_sensitive);
	END IF;
	RETURN ids || CASE WHEN matched + unmatched = 17 THEN '' ELSE ' (complement broken)' END;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TEMP TABLE results AS
SELECT n, mode, query,
       pg_temp.run_case('ix-all', mode, query) AS all_ids,
       pg_temp.run_case('ix-fields', mode, query) AS fields_ids,
       pg_temp.run_case('ix-none', mode, query) AS none_ids
FROM cases;
-- expected: no rows
SELECT n, mode, query, all_ids, fields_ids, none_ids FROM results
WHERE all_ids <> fields_ids OR all_ids <> none_ids OR all_ids ~ '^[0-9A-Z]{5}:|complement';
-- the cases are not trivial: many match some but not all records
SELECT count(*) AS cases,
       count(*) FILTER (WHERE all_ids <> '-' AND array_length(string_to_array(all_ids, ' '), 1) < 17) AS selective
FROM results;
-- the same through pstream_query, pstream_update and pstream_delete counts
SELECT stream, pstream_query(stream, 'port = 80 or s = ''major''') ->> 'total_count' AS query_count,
       pstream_update(stream, 'port in [80, 0]', '{"seen": 1}') ->> 'updated' AS updated,
       pstream_query(stream, 'seen = 1 and t after ''2024-11-20''') ->> 'total_count' AS after_update
FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;

-- ---------- the time field and column ts ----------

-- ts is the time of the time field wherever that reads as a time
CREATE FUNCTION pg_temp.ts_mismatches(stream text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	field text := coalesce((SELECT attributes ->> 'timestamp' FROM pstream.pstreams WHERE name = stream),
						   'timestamp');
	mismatches bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM pstream_data.%I WHERE pstream.cfxql_time(data -> $1) <> ts',
				   stream) INTO mismatches USING field;
	RETURN mismatches;
END
$$;
SELECT stream, pg_temp.ts_mismatches(stream) AS mismatches
FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;

SELECT pstream_create('ix-time', '{"indexing": "none", "unique_keys": ["k"]}') ->> 'name' AS created;
SELECT pstream_add('ix-time', '[
  {"_RDA_Id": "m1", "k": 1, "timestamp": "2024-05-01T00:00:00Z", "other": "2020-01-01"},
  {"_RDA_Id": "m2", "k": 2, "timestamp": "soon", "other": 1577923200000},
  {"_RDA_Id": "m3", "k": 3, "other": "not a time"},
  {"_RDA_Id": "m4", "k": 4, "timestamp": 1714521600000.5, "other": "2020-01-04T00:00:00.000001Z"}]')::text AS added;
-- merges by unique_keys and by _RDA_Id take the new record's time
SELECT pstream_add('ix-time', '[{"k": 1, "timestamp": "2024-06-01T00:00:00Z"},
  {"_RDA_Id": "m4", "timestamp": "2024-06-04"}]')::text AS merged;
-- updates that set the time field to a time, to null and to a non-time
SELECT pstream_update('ix-time', 'k = 2', '{"timestamp": "2024-06-02T00:00:00Z"}') ->> 'updated' AS updated;
SELECT pstream_update('ix-time', 'k = 3', '{"timestamp": null}') ->> 'updated' AS updated;
SELECT pstream_update('ix-time', 'k = 1', '{"timestamp": "never"}') ->> 'updated' AS updated;
SELECT pg_temp.ts_mismatches('ix-time') AS mismatches;
SELECT jsonb_path_query_array(pstream_query('ix-time', 'timestamp during ''2024-06-01'' to ''2024-06-05''',
                                            sort => '{k}'), '$.pstream_data[*].k') AS in_june;
SELECT jsonb_path_query_array(pstream_query('ix-time', 'not timestamp during ''2024-06-01'' to ''2024-06-05''',
                                            sort => '{k}'), '$.pstream_data[*].k') AS not_in_june;
-- changing the timestamp attribute recomputes ts from the new field
SELECT pstream_edit('ix-time', '{"timestamp": "other"}') ->> 'timestamp' IS NOT NULL AS edited;
SELECT pg_temp.ts_mismatches('ix-time') AS mismatches;
SELECT jsonb_path_query_array(pstream_query('ix-time', 'other before ''2020-01-04T00:00:00.000001Z''',
                                            sort => '{k}'), '$.pstream_data[*].k') AS early;
SELECT jsonb_path_query_array(pstream_query('ix-time', 'other during ''2020-01-04''',
                                            sort => '{k}'), '$.pstream_data[*].k') AS on_jan_4;
SELECT pstream_edit('ix-time', '{"timestamp": null}') ->> 'name' AS edited;
SELECT pg_temp.ts_mismatches('ix-time') AS mismatches;
-- a dropped pstream's kept table is re-created with another time field
SELECT pstream_drop('ix-time', false) ->> 'data_deleted' AS data_deleted;
SELECT pstream_create('ix-time', '{"timestamp": "other"}') ->> 'name' AS created;
SELECT pg_temp.ts_mismatches('ix-time') AS mismatches, pg_temp.indexes('ix-time');
SELECT pstream_drop('ix-time', true) ->> 'data_deleted' AS data_deleted;

-- ---------- switching with pstream_edit ----------

SELECT pstream_edit('ix-all', '{"indexing": {"fields": ["port"]}}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
SET enable_seqscan = off;
SELECT pg_temp.scans('ix-all', 'port = 80');
RESET enable_seqscan;
SELECT pstream_edit('ix-all', '{"indexing": "none"}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
SELECT pstream_edit('ix-all', '{"indexing": "all"}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
SELECT pstream_edit('ix-all', '{"indexing": null}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
-- an index a DBA added stays
CREATE INDEX "ix-all:extra" ON pstream_data."ix-all" ((data -> 'u'));
SELECT pstream_edit('ix-all', '{"indexing": {"fields": ["u", "a long field name that needs a hashed index name"]}}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
SELECT (pstream_query('ix-all') ->> 'total_count') AS records_kept;
SELECT n, query, all_ids, pg_temp.run_case('ix-all', mode, query) AS now_ids FROM results
WHERE all_ids <> pg_temp.run_case('ix-all', mode, query);
SELECT pstream_edit('ix-all', '{"indexing": "all"}') -> 'indexing' AS indexing;
SELECT pg_temp.indexes('ix-all');
DROP INDEX pstream_data."ix-all:extra";

-- invalid values raise 22023 and change nothing
\set VERBOSITY sqlstate
SELECT pstream_edit('ix-fields', '{"indexing": "All"}');
SELECT pstream_edit('ix-fields', '{"indexing": true}');
SELECT pstream_edit('ix-fields', '{"indexing": ["port"]}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": []}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": "port"}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": ["port", "port"]}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": ["port", ""]}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": ["port", 1]}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"fields": ["port"], "more": 1}}');
SELECT pstream_edit('ix-fields', '{"indexing": {"field": ["port"]}}');
SELECT pstream_create('ix-bad', '{"indexing": "gin"}');
\set VERBOSITY default
SELECT pstream_edit('ix-fields', '{"indexing": 7}');
SELECT attributes -> 'indexing' AS indexing FROM pstream.pstreams WHERE name = 'ix-fields';
SELECT pg_temp.indexes('ix-fields');
SELECT count(*) AS bad_created FROM pstream.pstreams WHERE name = 'ix-bad';

-- an invalid value stored by a version before 0.5.0 reads as "all"
UPDATE pstream.pstreams SET attributes = attributes || '{"indexing": {"mode": "listed"}}'
WHERE name = 'ix-fields';
SELECT cfxql_to_sql('port = 80', true, 'ix-fields') = cfxql_to_sql('port = 80', true, 'ix-all') AS reads_as_all;
SELECT pstream_query('ix-fields', 'port = 80') ->> 'total_count' AS port_80;
UPDATE pstream.pstreams SET attributes = attributes || '{"indexing": {"fields": ["port"]}}'
WHERE name = 'ix-fields';

-- cfxql_to_sql() with a pstream looks the pstream up
SELECT cfxql_to_sql('x = 1', true, 'no-such-stream');

SELECT pstream_drop(stream, true) ->> 'data_deleted' AS data_deleted
FROM unnest('{ix-all,ix-fields,ix-none}'::text[]) AS stream;
