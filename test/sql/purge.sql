-- purge: deleting records older than retention_days
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT pstream_create('short-lived', '{"retention_days": 7}') IS NOT NULL;
SELECT pstream_create('forever') IS NOT NULL;
SELECT pstream_create('filtered', '{"retention_days": 1, "retention_purge_extra_filter": "severity = ''debug''"}') IS NOT NULL;

-- old records carry explicit times; the unreadable time counts as the add time
SELECT pstream_add('short-lived', jsonb_build_array(
	jsonb_build_object('n', 1, 'timestamp', pstream.iso_time(now() - interval '30 days')),
	jsonb_build_object('n', 2, 'timestamp', pstream.iso_time(now() - interval '8 days')),
	jsonb_build_object('n', 3, 'timestamp', pstream.iso_time(now() - interval '6 days')),
	jsonb_build_object('n', 4, 'timestamp', (extract(epoch FROM now() - interval '10 days') * 1000)::bigint),
	jsonb_build_object('n', 5, 'timestamp', '18:15:54.065585+00:00'),
	jsonb_build_object('n', 6)));
SELECT pstream_add('forever', jsonb_build_array(
	jsonb_build_object('n', 1, 'timestamp', pstream.iso_time(now() - interval '3000 days'))));
SELECT pstream_add('filtered', jsonb_build_array(
	jsonb_build_object('n', 1, 'timestamp', pstream.iso_time(now() - interval '3 days'))));

SELECT * FROM pstream_purge_expired();
SELECT jsonb_agg((r ->> 'n')::int ORDER BY (r ->> 'n')::int) AS kept FROM pstream_select('short-lived') AS r;
SELECT (pstream_stats('short-lived') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
SELECT count(*) AS forever_kept FROM pstream_data.forever;
SELECT count(*) AS filtered_kept FROM pstream_data.filtered;

-- a second run deletes nothing; one pstream by name
SELECT * FROM pstream_purge_expired('short-lived');
SELECT * FROM pstream_purge_expired('forever');
SELECT * FROM pstream_purge_expired('no-such-stream');

-- retention_days 0 deletes everything older than now
SELECT pstream_edit('short-lived', '{"retention_days": 0}') -> 'retention_days' AS retention_days;
SELECT * FROM pstream_purge_expired('short-lived');
SELECT (pstream_stats('short-lived') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;

SELECT count(*) FROM (SELECT pstream_drop(name, true) FROM pstream.pstreams) AS dropped;
