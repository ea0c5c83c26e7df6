-- update: pstream_update(), setting fields on the records that a CFXQL query matches
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

-- The counts of a result, without "took" (milliseconds vary).
CREATE FUNCTION pg_temp.counts(result jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT result - 'took' || jsonb_build_object('took_is_number', jsonb_typeof(result -> 'took') = 'number')
$$;

-- The records without their add time, by id.
CREATE FUNCTION pg_temp.records(stream text) RETURNS SETOF jsonb LANGUAGE sql AS $$
	SELECT r FROM pstream_select(stream) AS r ORDER BY r ->> '_RDA_Id'
$$;

SELECT pstream_create('alerts', '{"unique_keys": ["host", "check"]}') IS NOT NULL;
SELECT pstream_add('alerts', '[
	{"_RDA_Id": "a1", "host": "web1", "check": "cpu",  "severity": "major",    "state": "open", "timestamp": "2024-01-01T00:00:00Z"},
	{"_RDA_Id": "a2", "host": "web2", "check": "cpu",  "severity": "Major",    "state": "open", "timestamp": "2024-01-02T00:00:00Z"},
	{"_RDA_Id": "a3", "host": "web1", "check": "disk", "severity": "minor",    "state": "closed", "timestamp": "2024-01-03T00:00:00Z"},
	{"_RDA_Id": "a4", "host": "db1",  "check": "cpu",  "severity": "critical", "state": "open", "timestamp": "2024-01-04T00:00:00Z"}]');

-- counts: total, updated, noops; the update merges top-level keys
SELECT pg_temp.counts(pstream_update('alerts', 'severity = ''major''', '{"state": "acked", "owner": {"team": "ops"}}'));
SELECT r FROM pg_temp.records('alerts') AS r WHERE r ->> '_RDA_Id' = 'a1';
-- the same update again changes nothing: both are noops
SELECT pg_temp.counts(pstream_update('alerts', 'severity = ''major''', '{"state": "acked", "owner": {"team": "ops"}}'));
-- a mix of changed and unchanged records
SELECT pg_temp.counts(pstream_update('alerts', 'state in [''acked'', ''open'']', '{"state": "acked"}'));
-- no match
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''nowhere''', '{"state": "x"}'));

-- case_sensitive => false folds text
SELECT pg_temp.counts(pstream_update('alerts', 'severity = ''MAJOR''', '{"folded": true}', case_sensitive => false));
SELECT jsonb_agg(r ->> '_RDA_Id') AS folded FROM pg_temp.records('alerts') AS r WHERE r ? 'folded';

-- "*" updates every record
SELECT pg_temp.counts(pstream_update('alerts', '*', '{"reviewed": true}'));
SELECT count(*) FILTER (WHERE data -> 'reviewed' = 'true') AS reviewed FROM pstream_data.alerts;

-- a new value of the time field moves the record time; null takes the update time
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''db1''', '{"timestamp": "2030-05-06T07:08:09Z"}'));
SELECT pstream.iso_time(ts) AS ts, data ->> 'timestamp' AS field FROM pstream_data.alerts WHERE id = 'a4';
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''db1''', '{"timestamp": 1700000000000}'));
SELECT pstream.iso_time(ts) AS ts, data -> 'timestamp' AS field FROM pstream_data.alerts WHERE id = 'a4';
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''db1''', '{"timestamp": null}'));
SELECT ts >= now() - interval '1 hour' AS ts_is_now, data ->> 'timestamp' = pstream.iso_time(ts) AS field_is_ts
FROM pstream_data.alerts WHERE id = 'a4';
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''db1''', '{"timestamp": "18:15:54"}'));
SELECT ts >= now() - interval '1 hour' AS ts_is_now, data ->> 'timestamp' AS field FROM pstream_data.alerts WHERE id = 'a4';
-- other records keep their time
SELECT id, pstream.iso_time(ts) AS ts FROM pstream_data.alerts WHERE id <> 'a4' ORDER BY id;
-- a custom time field
SELECT pstream_create('custom-time', '{"timestamp": "at"}') IS NOT NULL;
SELECT pstream_add('custom-time', '[{"_RDA_Id": "t1", "at": "2024-01-01T00:00:00Z", "timestamp": "2000-01-01"}]');
SELECT pg_temp.counts(pstream_update('custom-time', '*', '{"timestamp": "2031-01-01T00:00:00Z"}'));
SELECT pstream.iso_time(ts) AS unchanged_ts FROM pstream_data."custom-time";
SELECT pg_temp.counts(pstream_update('custom-time', '*', '{"at": "2031-01-01T00:00:00Z"}'));
SELECT pstream.iso_time(ts) AS moved_ts FROM pstream_data."custom-time";

-- column metadata takes the new values' types
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''web2''', '{"state": 3, "tags": ["x"]}'));
SELECT m ->> 'columnId' AS column, m ->> 'type' AS type, m ->> 'mappedType' AS mapped
FROM jsonb_array_elements(pstream_metadata('alerts') -> 'Metadata') AS m
WHERE m ->> 'columnId' IN ('state', 'tags', 'owner', 'reviewed') ORDER BY 1;

CREATE TEMP TABLE before AS SELECT id, ts, data FROM pstream_data.alerts;

-- two records that would share their unique_keys values: 23505, nothing changed
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'check = ''cpu''', '{"host": "web9"}')$$);
SELECT pstream_update('alerts', 'check = ''cpu''', '{"host": "web9"}');
-- one record moving onto another's key values
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''db1''', '{"host": "web1"}')$$);
-- moving onto free key values is fine
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''web1'' and check = ''disk''', '{"check": "memory"}'));
SELECT pg_temp.counts(pstream_update('alerts', 'host = ''web1'' and check = ''memory''', '{"check": "disk"}'));

-- rejected arguments; nothing changed
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''web1''', '{"_RDA_Id": "new"}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''web1''', '[{"a": 1}]')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''web1''', '"text"')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''web1''', NULL)$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'host = ''web1'' GET host', '{"a": 1}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', 'GET host', '{"a": 1}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', '', '{"a": 1}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', E' \t\r\n', '{"a": 1}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', NULL, '{"a": 1}')$$);
SELECT pstream_update('alerts', '  ', '{"a": 1}');
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', '*', '{"a": 1}', 'retry')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('alerts', '*', '{"a": 1}', 'ABORT')$$);
SELECT pg_temp.outcome($$SELECT pstream_update('no-such-stream', '*', '{"a": 1}')$$);
SELECT pg_temp.outcome($$SELECT pstream_update(NULL, '*', '{"a": 1}')$$);
SELECT count(*) AS unchanged FROM pstream_data.alerts AS a JOIN before AS b USING (id)
WHERE a.data = b.data AND a.ts = b.ts;

-- NULL conflicts and case_sensitive take the defaults
SELECT pg_temp.counts(pstream_update('alerts', 'severity = ''MAJOR''', '{"n": 1}', NULL, NULL));
SELECT pg_temp.counts(pstream_update('alerts', 'severity = ''major''', '{"n": 2}', 'proceed', true));

-- record counts are unchanged by updates
SELECT (pstream_stats('alerts') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;

SELECT pstream_drop('alerts', true) IS NOT NULL, pstream_drop('custom-time', true) IS NOT NULL;
