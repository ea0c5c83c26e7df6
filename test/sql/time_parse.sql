-- time_parse: which strings and numbers read as record times
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;

-- strings: 1 is a time string, 2 another string
SELECT s AS string, pstream.value_type_flag(to_jsonb(s)) AS flag
FROM unnest(ARRAY[
	'2024-11-20', '2024-02-29', '2023-02-29', '0001-01-01', '0000-01-01', '9999-12-31',
	'2024-11-20T10:00', '2024-11-20 10:00', '2024-11-20t10:00', '2024-11-20T10',
	'2024-11-20T23:59:59', '2024-11-20T24:00', '2024-11-20T23:60', '2024-11-20T23:59:60',
	'2024-11-20T10:00:00.1', '2024-11-20T10:00:00.123456789', '2024-11-20T10:00:00.1234567891',
	'2024-11-20T10:00:00.', '2024-11-20T10:00Z', '2024-11-20T10:00z', '2024-11-20T10:00+15:59',
	'2024-11-20T10:00-1600', '2024-11-20T10:00+0530', '2024-11-20T10:00+05', '2024-11-20Z',
	'2024-11-20 ', ' 2024-11-20', '2024-1-20', '24-11-20', '2024/11/20', '18:15:54.065585+00:00',
	'1732060800000', '']) AS s;

-- numbers are epoch milliseconds; the record time shows how each was read
SELECT pstream_create('times') IS NOT NULL;
SELECT pstream_add('times', '[
	{"_RDA_Id": "a", "timestamp": 0},
	{"_RDA_Id": "b", "timestamp": -1},
	{"_RDA_Id": "c", "timestamp": 0.0005},
	{"_RDA_Id": "d", "timestamp": 0.0004},
	{"_RDA_Id": "e", "timestamp": -0.0005},
	{"_RDA_Id": "f", "timestamp": 253402300799999},
	{"_RDA_Id": "g", "timestamp": 1e300},
	{"_RDA_Id": "h", "timestamp": -1e300},
	{"_RDA_Id": "i", "timestamp": 1.5e3},
	{"_RDA_Id": "j", "timestamp": "2024-11-20T10:00:00.0000005Z"},
	{"_RDA_Id": "k", "timestamp": "2024-11-20T10:00:00.0000015Z"},
	{"_RDA_Id": "l", "timestamp": "2024-12-31T23:59:59.9999999Z"}]');
SELECT id, left(data ->> 'timestamp', 32) AS sent,
       CASE WHEN ts BETWEEN now() - interval '1 hour' AND now() + interval '1 hour' THEN 'add time' ELSE pstream.iso_time(ts) END AS record_time
FROM pstream_data.times ORDER BY id;
-- PostgreSQL's own reading of the same strings agrees
SELECT pstream.iso_time((data ->> 'timestamp')::timestamptz) = pstream.iso_time(ts) AS same_as_postgres
FROM pstream_data.times WHERE id IN ('j', 'k', 'l') ORDER BY id;
SELECT pstream_drop('times', true);
