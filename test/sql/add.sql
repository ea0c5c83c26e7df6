-- add: preparing and storing records, all or nothing
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

SELECT pstream_create('people') IS NOT NULL;

-- a record comes back unchanged apart from _RDA_Id.  Its timestamp is only a
-- time of day, so it stays as sent and the record time is the add time.
BEGIN;
SELECT pstream_add('people', '[{"name":"Jack Ryan","city":"Washington, DC","zip-code":20006,"is_pet_owner":true,"gym_membership_uuid":"6c34f649-861e-4259-ac69-21b9dce86ca5","last_gym_visit":"2024-11-20","timestamp":"18:15:54.065585+00:00"}]');
SELECT data - '_RDA_Id' = '{"name":"Jack Ryan","city":"Washington, DC","zip-code":20006,"is_pet_owner":true,"gym_membership_uuid":"6c34f649-861e-4259-ac69-21b9dce86ca5","last_gym_visit":"2024-11-20","timestamp":"18:15:54.065585+00:00"}'::jsonb AS unchanged,
       data ->> 'timestamp' AS timestamp_field,
       data ->> '_RDA_Id' ~ '^[0-9a-f]{32}$' AS generated_id,
       id = data ->> '_RDA_Id' AS id_column_matches,
       ts BETWEEN now() AND clock_timestamp() AS record_time_is_add_time
FROM pstream_data.people;
COMMIT;
SELECT r - '_RDA_Id' AS record FROM pstream_select('people') AS r;
SELECT (r -> 'pstream_data' -> 0) - '_RDA_Id' AS queried FROM pstream_query('people') AS r;

-- a missing or null time field is filled with the add time, ISO-8601 UTC
BEGIN;
SELECT pstream_add('people', '[{"name": "no time"}, {"name": "null time", "timestamp": null}]');
SELECT data ->> 'name' AS name,
       data ->> 'timestamp' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS iso_filled,
       (data ->> 'timestamp')::timestamptz = ts AS ts_matches,
       ts BETWEEN now() AND clock_timestamp() AS add_time
FROM pstream_data.people WHERE data ->> 'name' IN ('no time', 'null time') ORDER BY 1;
-- one add time per call
SELECT count(DISTINCT ts) AS add_times FROM pstream_data.people WHERE data ->> 'name' IN ('no time', 'null time');
COMMIT;

-- readable times set the record time and stay as sent
SELECT pstream_add('people', '[
	{"name": "iso zone", "timestamp": "2024-11-20T10:00:00+05:30"},
	{"name": "iso basic zone", "timestamp": "2024-11-20 10:00:00.5-0130"},
	{"name": "iso no zone", "timestamp": "2024-11-20T10:00"},
	{"name": "date only", "timestamp": "2024-11-20"},
	{"name": "lower t z", "timestamp": "2024-11-20t10:00:00.1234567z"},
	{"name": "epoch ms", "timestamp": 1732060800000},
	{"name": "epoch ms fraction", "timestamp": 1732060800000.5},
	{"name": "epoch ms exponent", "timestamp": 1.7320608E12},
	{"name": "bad month", "timestamp": "2024-13-01"},
	{"name": "bad day", "timestamp": "2023-02-29"},
	{"name": "zone without time", "timestamp": "2024-11-20Z"},
	{"name": "offset too big", "timestamp": "2024-11-20T10:00+16:00"},
	{"name": "numeric string", "timestamp": "1732060800000"},
	{"name": "english", "timestamp": "Nov 20, 2024"},
	{"name": "boolean", "timestamp": true}]');
SET TimeZone = 'America/New_York';
SELECT data ->> 'name' AS name, data -> 'timestamp' AS sent,
       CASE WHEN ts BETWEEN now() - interval '1 hour' AND now() + interval '1 hour' THEN 'add time'
            ELSE pstream.iso_time(ts) END AS record_time
FROM pstream_data.people
WHERE data ->> 'name' NOT IN ('Jack Ryan', 'no time', 'null time') ORDER BY data ->> 'name' COLLATE "C";
RESET TimeZone;

-- numbers and strings are stored exactly as sent
SELECT pstream_add('people', '[{"name": "exact", "big": 12345678901234567890.123456789, "small": 1e-20, "s": "caf\u00e9 \ud83d\ude00"}]');
SELECT data -> 'big' AS big, data -> 'small' AS small, data ->> 's' AS s FROM pstream_data.people WHERE data ->> 'name' = 'exact';

-- a brought string _RDA_Id is kept; a non-string one is replaced
SELECT pstream_add('people', '[{"_RDA_Id": "my-own-id", "name": "own id"}, {"_RDA_Id": 42, "name": "numeric id"}]');
SELECT data ->> 'name' AS name, CASE WHEN id = 'my-own-id' THEN id ELSE 'generated' END AS id, data ->> '_RDA_Id' ~ '^[0-9a-f]{32}$' AS generated
FROM pstream_data.people WHERE data ->> 'name' IN ('own id', 'numeric id') ORDER BY 1;

-- default_values fill missing, null and "" fields; drop_columns go; then the time fill
SELECT pstream_create('prepared', '{"default_values": {"severity": "info", "timestamp": "2020-01-01T00:00:00Z", "drop_me": 1},
                                     "drop_columns": ["secret", "drop_me"]}') IS NOT NULL;
SELECT pstream_add('prepared', '[
	{"n": 1},
	{"n": 2, "severity": null},
	{"n": 3, "severity": ""},
	{"n": 4, "severity": "error", "secret": "x", "timestamp": "2024-01-01T00:00:00Z"},
	{"n": 5, "severity": 0}]');
SELECT data - '_RDA_Id' AS record, pstream.iso_time(ts) AS record_time
FROM pstream_data.prepared ORDER BY (data ->> 'n')::int;
SELECT pstream_drop('prepared', true);

-- all or nothing: a bad element at index 2 stores nothing and is named
SELECT (pstream_query('people') -> 'total_count')::int AS count_before;
SELECT pstream_add('people', '[{"a": 1}, {"a": 2}, "three", {"a": 4}, 5]');
SELECT pg_temp.outcome($$SELECT pstream_add('people', '[{"a": 1}, {"a": 2}, [3], {"a": 4}]')$$);
SELECT pg_temp.outcome($$SELECT pstream_add('people', '[{"a": 1}, {"a": 2}, null]')$$);
SELECT pg_temp.outcome($$SELECT pstream_add('people', '[{"a": 1}, {"a": 2}, 3.5]')$$);
SELECT (pstream_query('people') -> 'total_count')::int AS count_after;
SELECT count(*) FROM pstream_data.people WHERE data ? 'a';

-- records must be an array; an empty array adds nothing
SELECT pstream_add('people', '{"name": "single object"}');
SELECT pg_temp.outcome($$SELECT pstream_add('people', '"text"')$$);
SELECT pg_temp.outcome($$SELECT pstream_add('people', '42')$$);
SELECT pstream_add('people', '[]');
-- U+0000 cannot be stored in jsonb: the cast fails before the add starts
SELECT pg_temp.outcome($$SELECT pstream_add('people', '[{"a": "\u0000"}]')$$);

-- a batch without unique keys and ids goes in with one statement, even a big one
SELECT pstream_add('people', (SELECT jsonb_agg(jsonb_build_object('seq', i)) FROM generate_series(1, 5000) AS i));
SELECT count(*), count(DISTINCT id) FROM pstream_data.people WHERE data ? 'seq';

SELECT pstream_drop('people', true);
