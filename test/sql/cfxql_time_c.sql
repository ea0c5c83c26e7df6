-- cfxql_time_c: pstream.cfxql_time(), in C since 0.5.0, gives the results of
-- its SQL definition of 0.4.0 on every value below, whatever the session's
-- TimeZone
CREATE FUNCTION pg_temp.time_by_sql(value jsonb) RETURNS timestamptz LANGUAGE sql AS $$
	SELECT CASE jsonb_typeof(value)
		WHEN 'string' THEN pstream.cfxql_time_text(value #>> '{}')
		WHEN 'number' THEN pstream.cfxql_time_micros(round(value::numeric * 1000))
	END
$$;
SET TimeZone = 'America/New_York';
CREATE TEMP TABLE time_values AS
WITH dates(d) AS (VALUES ('2024-02-29'), ('2023-02-29'), ('2024-04-31'), ('2024-04-30'),
                         ('0000-01-01'), ('0001-01-01'), ('9999-12-31'), ('2024-13-01'),
                         ('2024-00-10'), ('2024-1-01'), ('1900-02-29'), ('2000-02-29'),
                         ('1970-01-01'), ('2024-12-00')),
     times(t) AS (VALUES (''), ('T00:00'), ('t23:59'), (' 12:30:45'), ('T24:00'), ('T12:60'),
                         ('T12:30:60'), ('T12:30:45.5'), ('T12:30:45.123456789'),
                         ('T12:30:45.0000005'), ('T12:30:45.0000015'), ('T12:30:45.0000025'),
                         ('T12:30:45.9999995'), ('T12:30:45.1234567890'), ('T12:30:45.'),
                         ('T12:30:4'), ('X12:00'), ('T1:30'), ('T12:30:45,5')),
     zones(z) AS (VALUES (''), ('Z'), ('z'), ('+00:00'), ('-05:30'), ('+0530'), ('+15:59'),
                         ('+16:00'), ('-1559'), ('+05'), ('+5:30'), (' Z'), ('-00:00'), ('+12:60'))
SELECT to_jsonb(d || t || z) AS v FROM dates, times, zones
UNION ALL
SELECT v::jsonb FROM (VALUES ('0'), ('1'), ('-1'), ('1732060800000'), ('1732060800000.5'),
                             ('-0.0005'), ('0.0005'), ('0.0015'), ('0.0025'), ('-0.0015'),
                             ('1e3'), ('1.5e-3'), ('1E-4'), ('-210866803200000'),
                             ('-210866803200001'), ('-210866803200000.0005'),
                             ('9224318015999999'), ('9224318015999999.9994'),
                             ('9224318016000000'), ('1e30'), ('-1e30'), ('1e-30'),
                             ('123456789012345678901234567890')) AS n(v)
UNION ALL
SELECT v::jsonb FROM (VALUES ('null'), ('true'), ('false'), ('"abc"'), ('[1]'), ('{"a": 1}'),
                             ('"2024-02-29T12:00:00Z "'), ('" 2024-02-29"'), ('""'),
                             ('"1732060800000"'), ('["2024-02-29"]')) AS o(v);
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE pstream.cfxql_time(v) IS NOT NULL) AS times,
       count(*) FILTER (WHERE pstream.cfxql_time(v) IS DISTINCT FROM pg_temp.time_by_sql(v)) AS differences
FROM time_values;
-- the differences: only epoch milliseconds within about 30 years of
-- PostgreSQL's upper timestamp limit (294276 AD). Their microseconds since
-- 1970 overflow 64 bits, so the C parser rejects them. It also sets ts, so
-- ts and cfxql_time() agree there too.
SELECT v, pstream.cfxql_time(v) AS by_c, pg_temp.time_by_sql(v) AS by_sql
FROM time_values
WHERE pstream.cfxql_time(v) IS DISTINCT FROM pg_temp.time_by_sql(v)
ORDER BY v::text;
RESET TimeZone;
