-- semantics_records.sql: the records that the CFXQL semantic checks run on.
-- Each id is the expected-result key of semantics_cases.txt.
CREATE TABLE cfxql_records (id text PRIMARY KEY, ts timestamptz, data jsonb NOT NULL);
INSERT INTO cfxql_records (id, data) VALUES
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
('r15', '{"s": "a%b_c", "zip-code": 20006, "it''s": "q", "back`tick": "bt", "back\\slash": "y", "a.b": 1, "t": "2024-11-20T10:00:00+0000", "u": "-- /* ; $$"}');
CREATE INDEX ON cfxql_records USING gin (data jsonb_path_ops);
CREATE INDEX ON cfxql_records USING gin (pstream.cfxql_numeric_strings(data) jsonb_path_ops);

-- 10,000 records for the EXPLAIN checks: about 1 in 100 is "critical".
CREATE TABLE cfxql_big (id text, ts timestamptz, data jsonb NOT NULL);
INSERT INTO cfxql_big
SELECT 'b' || i, now(),
       jsonb_build_object('severity', CASE WHEN i % 97 = 0 THEN 'critical' ELSE 'minor' || (i % 50) END,
                          'port', CASE WHEN i % 3 = 0 THEN to_jsonb((i % 1000)::text) ELSE to_jsonb(i % 1000) END,
                          'flag', i % 2 = 0, 'n', i)
FROM generate_series(1, 10000) AS i;
CREATE INDEX cfxql_big_data ON cfxql_big USING gin (data jsonb_path_ops);
CREATE INDEX cfxql_big_numeric ON cfxql_big USING gin (pstream.cfxql_numeric_strings(data) jsonb_path_ops);
CREATE INDEX ON cfxql_big (ts);
ANALYZE cfxql_big;

-- Whether the plan of a query on cfxql_big uses a GIN index only (a
-- BitmapOr of index scans, no sequential scan).
CREATE FUNCTION pg_temp.uses_gin(query text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  line text;
  found boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN ' || query LOOP
    IF line LIKE '%Seq Scan%' THEN
      RETURN false;
    END IF;
    IF line LIKE '%Bitmap Index Scan on cfxql_big_%' THEN
      found := true;
    END IF;
  END LOOP;
  RETURN found;
END
$$;

-- One record whose times are relative to the current time, for named
-- periods and relative times ("now" mode of semantics_cases.txt), and one
-- empty record.  Every value is chosen so that its period does not depend
-- on the day the test runs: for example "lastmonth" is three days before
-- the start of this month, so it is never yesterday or today.
CREATE FUNCTION pg_temp.utc_text(t timestamp) RETURNS jsonb
LANGUAGE sql AS $$ SELECT to_jsonb(to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) $$;
CREATE TABLE cfxql_now_records (id text, ts timestamptz, data jsonb NOT NULL);
INSERT INTO cfxql_now_records (id, data)
SELECT 'n1', jsonb_build_object(
  'today', pg_temp.utc_text(now_utc),
  'ms', floor(extract(epoch FROM now()) * 1000),
  'yesterday', pg_temp.utc_text(date_trunc('day', now_utc) - interval '12 hours'),
  'lastweek', pg_temp.utc_text(date_trunc('week', now_utc) - interval '3 days'),
  'lastmonth', pg_temp.utc_text(date_trunc('month', now_utc) - interval '3 days'),
  'lastyear', pg_temp.utc_text(date_trunc('year', now_utc) - interval '3 days'),
  'monthago_plus', pg_temp.utc_text(now_utc - interval '1 month' + interval '1 minute'),
  'monthago_minus', pg_temp.utc_text(now_utc - interval '1 month' - interval '1 minute'))
FROM (SELECT now() AT TIME ZONE 'UTC' AS now_utc) AS current;
INSERT INTO cfxql_now_records (id, data) VALUES ('n2', '{}');
