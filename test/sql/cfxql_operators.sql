-- cfxql_operators: every CFXQL operator and spelling through the SQL functions
--
-- The records and the cases (expected ids, mode, query) are those of the
-- compiler core's semantic check, test/unit/semantics_records.sql and
-- semantics_cases.txt (modes cs, ci and now), here run against real
-- pstreams through pstream_select() and pstream_query().  Each case checks
-- the ids matched and the complement rule: count(q) + count(not (q)) =
-- count(*).  The expected output lists no failures.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- every rule must hold in UTC whatever the session's time zone
SET TimeZone = 'Pacific/Chatham';

SELECT pstream_create('ops') IS NOT NULL;
SELECT pstream_add('ops', (SELECT jsonb_agg(data::jsonb || jsonb_build_object('_RDA_Id', id) ORDER BY id)
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
('r15', '{"s": "a%b_c", "zip-code": 20006, "it''s": "q", "back`tick": "bt", "back\\slash": "y", "a.b": 1, "t": "2024-11-20T10:00:00+0000", "u": "-- /* ; $$"}')
) AS r(id, data)));

-- times relative to the current time; see semantics.sql for why each is safe on any day
SELECT pstream_create('ops-now') IS NOT NULL;
CREATE FUNCTION pg_temp.utc_text(t timestamp) RETURNS jsonb
LANGUAGE sql AS $$ SELECT to_jsonb(to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) $$;
SELECT pstream_add('ops-now', jsonb_build_array(jsonb_build_object(
  '_RDA_Id', 'n1',
  'today', pg_temp.utc_text(now_utc),
  'ms', floor(extract(epoch FROM now()) * 1000),
  'yesterday', pg_temp.utc_text(date_trunc('day', now_utc) - interval '12 hours'),
  'lastweek', pg_temp.utc_text(date_trunc('week', now_utc) - interval '3 days'),
  'lastmonth', pg_temp.utc_text(date_trunc('month', now_utc) - interval '3 days'),
  'lastyear', pg_temp.utc_text(date_trunc('year', now_utc) - interval '3 days'),
  'monthago_plus', pg_temp.utc_text(now_utc - interval '1 month' + interval '1 minute'),
  'monthago_minus', pg_temp.utc_text(now_utc - interval '1 month' - interval '1 minute')),
  jsonb_build_object('_RDA_Id', 'n2')))
FROM (SELECT now() AT TIME ZONE 'UTC' AS now_utc) AS current;

-- NULL when a case holds, else what went wrong.  A GET projection is cut
-- off (select_projection tests it), so the records keep their _RDA_Id.
CREATE FUNCTION pg_temp.check_case(stream text, expected text, mode text, query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	case_sensitive boolean := mode <> 'ci';
	ids text;
	matched bigint;
	unmatched bigint;
	total bigint;
BEGIN
	query := regexp_replace(query, '(^|\s)GET\s.*$', '', 'i');
	SELECT coalesce(string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id' COLLATE "C"), '-')
	INTO ids FROM pstream_select(stream, query, case_sensitive) AS r;
	matched := (pstream_query(stream, query, case_sensitive => case_sensitive) ->> 'total_count')::bigint;
	-- "*" and the empty query match every record and have no negation
	IF query ~ '^\s*\*?\s*$' THEN
		unmatched := 0;
	ELSE
		unmatched := (pstream_query(stream, 'not (' || query || ')', case_sensitive => case_sensitive) ->> 'total_count')::bigint;
	END IF;
	total := (pstream_query(stream) ->> 'total_count')::bigint;
	IF ids = expected AND matched + unmatched = total THEN
		RETURN NULL;
	END IF;
	RETURN format('matched %s; %s + %s of %s records', ids, matched, unmatched, total);
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TEMP TABLE cases (n serial, expected text, mode text, query text);
INSERT INTO cases (expected, mode, query) VALUES
('r01 r02 r03 r06 r10 r11', 'cs', 'port = 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port == 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port is 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port equals 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port is   equal	to 80'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'port != 80'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'port <> 80'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'port is not 80'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'port not equals 80'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'port is not equal to 80'),
('r01 r02 r10', 'cs', 'port = ''80'''),
('r03 r06', 'cs', 'port = ''80.0'''),
('-', 'cs', 'port = 2'),
('r04', 'cs', 'port = ''02'''),
('r13 r14', 'cs', 'port = 0'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port in [80, 0]'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port in 80, 0'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port is in [80,0]'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port is one of 80, 0'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port is among [0, 80]'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port is any of [0, 80]'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port not in [80, 0]'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port not-in [80, 0]'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port is not in 80, 0'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port is not one of [80, 0]'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port is not among [80, 0]'),
('r04 r05 r07 r08 r09 r12 r15', 'cs', 'port is not any of [80, 0]'),
('r07 r08 r13 r14 r15', 'cs', 'port in [null, 0]'),
('r07 r08 r15', 'cs', 'port is null'),
('r07 r08 r15', 'cs', 'port is none'),
('r07 r08 r15', 'cs', 'port is empty'),
('r07 r08 r15', 'cs', 'port = null'),
('r07 r08 r15', 'cs', 'port == NONE'),
('r01 r02 r03 r04 r05 r06 r09 r10 r11 r12 r13 r14', 'cs', 'port is not null'),
('r01 r02 r03 r04 r05 r06 r09 r10 r11 r12 r13 r14', 'cs', 'port notnull'),
('r01 r02 r03 r04 r05 r06 r09 r10 r11 r12 r13 r14', 'cs', 'port is not none'),
('r01 r02 r03 r04 r05 r06 r09 r10 r11 r12 r13 r14', 'cs', 'port is not empty'),
('r01 r02 r03 r04 r05 r06 r09 r10 r11 r12 r13 r14', 'cs', 'port != null'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port > 79'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port gt 79'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port is greater than 79'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port >= 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port gte 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'port is greater than or equal to 80'),
('r13 r14', 'cs', 'port < 1'),
('r13 r14', 'cs', 'port lt 1'),
('r13 r14', 'cs', 'port is less than 1'),
('r13 r14', 'cs', 'port <= 0'),
('r13 r14', 'cs', 'port lte 0'),
('r13 r14', 'cs', 'port is less than or equal to 0'),
('r02 r03 r11', 'cs', 'port > ''7'''),
('r04 r05 r12 r13', 'cs', 'port < ''1'''),
('r01 r02 r03 r11', 'cs', 'flag = true'),
('r01 r02 r03 r11', 'cs', 'flag is TRUE'),
('r04 r05 r13 r14', 'cs', 'flag = false'),
('r01 r02', 'cs', 'flag = ''true'''),
('r03', 'cs', 'flag = ''TRUE'''),
('r01 r02 r03 r11', 'ci', 'flag = ''TRUE'''),
('r07 r08 r12 r15', 'cs', 'flag is null'),
('r10', 'cs', 'flag = 1'),
('r10', 'cs', 'flag = ''1'''),
('r02', 'cs', 's = ''major'''),
('r01 r02', 'ci', 's = ''major'''),
('r02', 'cs', 's ~ ''major'''),
('r02', 'cs', 's contains ''major'''),
('r02', 'cs', 's contain ''major'''),
('r02', 'cs', 's has ''major'''),
('r01 r02 r03', 'ci', 's ~ ''major'''),
('r01 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's !~ ''major'''),
('r01 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's not contains ''major'''),
('r01 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's does not contain ''major'''),
('r01 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's does not contains ''major'''),
('r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'ci', 's !~ ''major'''),
('r12 r13', 'cs', 's ~ 80'),
('r06', 'cs', 's ~ ''1000000'''),
('-', 'cs', 's ~ ''1e6'''),
('r06', 'cs', 's = ''1000000'''),
('-', 'cs', 's = ''1e6'''),
('r14', 'cs', 's ~ ''true'''),
('r07', 'cs', 's ^~ ''O''''Brien'''),
('r07', 'cs', 's starts with "O''Brien"'),
('r07', 'cs', 's start with ''O\''Brien'''),
('r07', 'cs', 's ~$ ''back'''),
('r07', 'cs', 's ends with ''back'''),
('r07', 'cs', 's end with ''back'''),
('r01 r02 r03 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's !~$ ''back'''),
('r01 r02 r03 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's does not end with ''back'''),
('r01 r02 r03 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's !^~ ''O'''),
('r01 r02 r03 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's does not start with ''O'''),
('r07', 'cs', 's ~ ''\\'''),
('r15', 'cs', 's ~ ''%'''),
('r15', 'cs', 's ~ ''_'''),
('r15', 'cs', 's ^~ ''a%'''),
('r15', 'cs', 's ~$ ''_c'''),
('r01 r03 r07', 'cs', 's ? ''^[A-Z]'''),
('r01 r03 r07', 'cs', 's matches ''^[A-Z]'''),
('r02 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's !? ''^[A-Z]'''),
('r02 r04 r05 r06 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 's does not match ''^[A-Z]'''),
('r10', 'ci', 's ? ''école'''),
('r06 r12', 'cs', 's ? ''^\\d+$'''),
('r04 r05 r08', 'cs', 's is null'),
('r10', 'cs', 's = ''ÉCOLE été'''),
('r10', 'ci', 's = ''école ÉTÉ'''),
('r01 r02 r11', 'ci', 's in [''MAJOR'', ''NAÏVE'']'),
('r01 r02 r03 r06 r12 r14', 'cs', 'a = b'),
('r01 r02 r03 r06 r12 r14', 'cs', 'a is b'),
('r01 r02 r03 r06 r10 r12 r14', 'ci', 'a = b'),
('r04 r05 r07 r08 r09 r10 r11 r13 r15', 'cs', 'a != b'),
('r04 r05 r07 r08 r09 r10 r11 r13 r15', 'cs', 'a is not b'),
('r04 r05 r10 r11', 'cs', 'a > b'),
('-', 'cs', 'a < b'),
('r01 r02 r03 r04 r05 r10 r11 r12 r13 r14', 'cs', 'a >= b'),
('r01 r02 r03 r12 r13 r14', 'cs', 'a <= b'),
('r01 r03 r04 r11 r13 r15', 'cs', 't after ''2024-11-20T09:00:00Z'''),
('r01 r03 r04 r11 r13 r15', 'cs', 't is after ''2024-11-20 09:00'''),
('r01 r02 r04 r06 r11 r13 r15', 'cs', 't during ''2024-11-20'''),
('r01 r02 r04 r06 r11 r13 r15', 'cs', 't is during ''Nov 20, 2024'''),
('r03 r05 r07 r08 r09 r10 r12 r14', 'cs', 't not during ''2024-11-20'''),
('r03 r05 r07 r08 r09 r10 r12 r14', 'cs', 't notduring ''2024-11-20'''),
('r03 r05 r07 r08 r09 r10 r12 r14', 'cs', 't is not during '' 2024-11-20 '''),
('r12', 'cs', 't before ''Nov 20, 2024'''),
('r12', 'cs', 't is before ''November 20, 2024 12am'''),
('r01 r04 r06 r11 r13 r15', 'cs', 't during ''Nov 20, 2024 7am'' to ''Nov 20, 2024 10:00'''),
('r02 r06', 'cs', 't during ''2024-11-20T00:00:00+00:00'' to ''2024-11-20T07:00Z'''),
('r01 r03 r04 r11 r13 r15', 'cs', 't after 1732096799999'),
('r01 r04 r11 r13 r15', 'cs', 't during 1732096800000 to 1732096800000'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before CY2025'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't during cy2024'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't during ''CY2024'''),
('-', 'cs', 't after -10 days'),
('-', 'cs', 't after -10days'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before +1 day'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before ''+1 hours'''),
('-', 'cs', 't during this year'),
('-', 'cs', 't during last year'),
('-', 'cs', 't during this week'),
('-', 'cs', 't during last month'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before today'),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before ''yesterday'''),
('r01 r02 r03 r04 r06 r11 r12 r13 r15', 'cs', 't before now'),
('-', 'cs', 't after now'),
('r15', 'cs', '`zip-code` = 20006'),
('r15', 'cs', '`zip-code` = ''20006'''),
('r15', 'cs', '`it''s` = ''q'''),
('r15', 'cs', '`back``tick` = ''bt'''),
('r15', 'cs', '`a.b` = 1'),
('r15', 'cs', 'u = ''-- /* ; $$'''),
('-', 'cs', 's = ''x''''; DROP TABLE cfxql_records; --'''),
('-', 'cs', 's = "x\"; DROP TABLE cfxql_records; --"'),
('r15', 'cs', 'u ~ ''$$'''),
('r15', 'cs', 'u ~ '';'''),
('r15', 'cs', 'u ^~ ''--'''),
('-', 'cs', 's = ''\''); SELECT pg_sleep(10); --'''),
('r01 r02 r03 r11', 'cs', 'port = 80 and flag = true'),
('r01 r02 r03 r11', 'cs', 'port = 80 && flag = true'),
('r01 r02 r03 r11', 'cs', 'port = 80 & flag = true'),
('r10 r13 r14', 'cs', 'port = 0 or flag = 1'),
('r10 r13 r14', 'cs', 'port = 0 || flag = 1'),
('r10 r13 r14', 'cs', 'port = 0 | flag = 1'),
('r04 r05 r07 r08 r09 r12 r13 r14 r15', 'cs', 'not port = 80'),
('r01 r02 r03 r06 r10 r11', 'cs', 'not not port = 80'),
('r06 r10', 'cs', 'port = 80 and not (flag = true or s is null)'),
('r01 r02 r03 r06 r10 r11 r13 r14', 'cs', 'port = 80 or port = 0 and flag = false'),
('r13 r14', 'cs', '(port = 80 or port = 0) and flag = false'),
('r01 r02 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', '*'),
('r01 r02 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', ''),
('r01 r02 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'cs', 'GET a, b as ''B'''),
('r02', 'cs', 's = ''major'' GET s, port as p'),
('r01 r02 r03', 'ci', 's ^~ ''maj'''),
('r03', 'ci', 's ~$ ''ALERT'''),
('r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'ci', 's !^~ ''MAJ'''),
('r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15', 'ci', 's not in [''MAJOR'']'),
('r01 r02 r03 r06 r10 r11', 'ci', 'port = 80'),
('r01 r02 r03 r11', 'ci', 'flag = true'),
('r15', 'cs', '`back\slash` = ''y'''),
('-', 'cs', '`''; DROP TABLE cfxql_records; --` = 1'),
('-', 'cs', '`x"}''::jsonb OR true OR ''{"a` = 1'),
('-', 'cs', 's = ''\\'''' OR true --'''),
('n1', 'now', '`today` during today'),
('n1', 'now', 'ms during today'),
('n1', 'now', '`today` during ''TODAY'''),
('-', 'now', '`today` during yesterday'),
('n1', 'now', '`yesterday` during yesterday'),
('n1', 'now', '`yesterday` before today'),
('n1', 'now', '`today` after yesterday'),
('-', 'now', '`yesterday` during today'),
('n1', 'now', 'lastweek during last week'),
('-', 'now', 'lastweek during this week'),
('n1', 'now', 'lastweek before this week'),
('n1', 'now', '`today` during this week'),
('n1', 'now', 'lastmonth during last month'),
('n1', 'now', 'lastmonth during ''Last  Month'''),
('-', 'now', 'lastmonth during this month'),
('n1', 'now', '`today` during this month'),
('n1', 'now', 'lastyear during last year'),
('-', 'now', 'lastyear during this year'),
('n1', 'now', '`today` during this year'),
('n1', 'now', '`today` after -1 minutes'),
('n1', 'now', '`today` before +1 minute'),
('n1', 'now', '`today` before now'),
('n1', 'now', 'ms after -1 hours'),
('-', 'now', 'ms before -1 hours'),
('n1', 'now', 'monthago_plus after -1 months'),
('n1', 'now', 'monthago_minus before -1 month'),
('n1', 'now', 'monthago_minus before ''-1month'''),
('n1', 'now', '`today` during -1 hours to +1 hours');

SELECT mode, count(*) AS cases FROM cases GROUP BY mode ORDER BY mode;

-- the failing cases: none
SELECT n, mode, query, failure
FROM (SELECT n, mode, query,
             pg_temp.check_case(CASE mode WHEN 'now' THEN 'ops-now' ELSE 'ops' END, expected, mode, query) AS failure
      FROM cases) AS checked
WHERE failure IS NOT NULL
ORDER BY n;

-- spellings that must select the same records as a reference query:
-- keywords in any case, the symbol forms of and/or, and start/starts
CREATE FUNCTION pg_temp.ids(query text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id'), '-') FROM pstream_select('ops', query) AS r
$$;
SELECT spelling, reference, pg_temp.ids(reference) AS ids
FROM (VALUES
	('port IS 80', 'port = 80'),
	('port Is Not Equal To 80', 'port != 80'),
	('port IS NOT NULL', 'port is not null'),
	('port NotNull', 'port is not null'),
	('port IS EMPTY', 'port is null'),
	('s DOES NOT END WITH ''back''', 's !~$ ''back'''),
	('s does not starts with ''O''', 's !^~ ''O'''),
	('s Does Not Contain ''a''', 's !~ ''a'''),
	('s Contain ''a''', 's ~ ''a'''),
	('port = 80 AND flag = true', 'port = 80 and flag = true'),
	('port = 80 & flag = true', 'port = 80 and flag = true'),
	('port = 80 && flag = true', 'port = 80 and flag = true'),
	('port = 80 OR s is null', 'port = 80 or s is null'),
	('port = 80 | s is null', 'port = 80 or s is null'),
	('port = 80 || s is null', 'port = 80 or s is null'),
	('NOT (port = 80)', 'port != 80'),
	('not not port = 80', 'port = 80'),
	('port IN [80, 0]', 'port in [80, 0]'),
	('port NOT-IN [80, 0]', 'port not in [80, 0]'),
	('port Is Not Any Of 80, 0', 'port not in [80, 0]'),
	('t IS BEFORE ''2024-11-20''', 't before ''2024-11-20'''),
	('t NOTDURING ''2024-11-20''', 't not during ''2024-11-20'''),
	('t Is Not During ''2024-11-20''', 't not during ''2024-11-20'''),
	('a GT 5', 'a > 5'),
	('a GTE 5', 'a >= 5'),
	('a LT 10', 'a < 10'),
	('a LTE 10', 'a <= 10'),
	('s MATCHES ''^m''', 's ? ''^m''')) AS pairs(spelling, reference)
WHERE pg_temp.ids(spelling) IS DISTINCT FROM pg_temp.ids(reference);

-- update and delete select the same records as a read
BEGIN;
SELECT pstream_update('ops', 'port = 80', '{"hit": true}') -> 'updated' AS updated;
SELECT string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id') AS hit FROM pstream_select('ops', 'hit = true') AS r;
SELECT pstream_delete('ops', 's is null') -> 'deleted' AS deleted;
SELECT string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id') AS kept FROM pstream_select('ops') AS r;
ROLLBACK;

SELECT pstream_drop('ops', true) IS NOT NULL, pstream_drop('ops-now', true) IS NOT NULL;
