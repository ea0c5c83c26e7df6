-- retention_purge_extra_filter: a CFXQL filter that narrows the retention purge
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

-- an invalid filter is rejected on create and on edit
SELECT pg_temp.outcome($$SELECT pstream_create('bad-filter', '{"retention_days": 1, "retention_purge_extra_filter": "severity ="}')$$);
SELECT pg_temp.outcome($$SELECT pstream_create('bad-filter', '{"retention_purge_extra_filter": "severity = ''x'' GET severity"}')$$);
SELECT pg_temp.outcome($$SELECT pstream_create('bad-filter', '{"retention_purge_extra_filter": "msg ? ''(''"}')$$);
SELECT pg_temp.outcome($$SELECT pstream_create('bad-filter', '{"retention_purge_extra_filter": 5}')$$);
SELECT count(*) AS created FROM pstream.pstreams WHERE name = 'bad-filter';
SELECT pstream_create('bad-filter', '{"retention_days": 1, "retention_purge_extra_filter": "severity ="}');

SELECT pstream_create('filtered', '{"retention_days": 1, "retention_purge_extra_filter": "severity = ''debug''"}') -> 'retention_purge_extra_filter' AS filter;
SELECT pg_temp.outcome($$SELECT pstream_edit('filtered', '{"retention_purge_extra_filter": "severity in []"}')$$);
SELECT pstream_list('name = ''filtered''') -> 'pstreams' -> 0 -> 'retention_purge_extra_filter' AS filter_unchanged;

-- the purge deletes only old records that match the filter
SELECT pstream_add('filtered', jsonb_build_array(
	jsonb_build_object('_RDA_Id', 'old-debug', 'severity', 'debug', 'timestamp', pstream.iso_time(now() - interval '3 days')),
	jsonb_build_object('_RDA_Id', 'old-DEBUG', 'severity', 'DEBUG', 'timestamp', pstream.iso_time(now() - interval '3 days')),
	jsonb_build_object('_RDA_Id', 'old-error', 'severity', 'error', 'timestamp', pstream.iso_time(now() - interval '3 days')),
	jsonb_build_object('_RDA_Id', 'old-none', 'timestamp', pstream.iso_time(now() - interval '3 days')),
	jsonb_build_object('_RDA_Id', 'new-debug', 'severity', 'debug')));
SELECT * FROM pstream_purge_expired('filtered');
SELECT string_agg(id, ' ' ORDER BY id) AS kept FROM pstream_data.filtered;

-- a changed filter applies to the next purge (case-sensitive: 'error' does not
-- start with 'ERR'); removing it purges every old record
SELECT pstream_edit('filtered', '{"retention_purge_extra_filter": "severity is null or severity ^~ ''ERR''"}') IS NOT NULL;
SELECT * FROM pstream_purge_expired('filtered');
SELECT string_agg(id, ' ' ORDER BY id) AS kept FROM pstream_data.filtered;
SELECT pstream_edit('filtered', '{"retention_purge_extra_filter": null}') IS NOT NULL;
SELECT * FROM pstream_purge_expired();
SELECT string_agg(id, ' ' ORDER BY id) AS kept FROM pstream_data.filtered;

-- a filter stored without checking (as version 0.1.0 did) skips that pstream with a warning
SELECT pstream_add('filtered', jsonb_build_array(
	jsonb_build_object('_RDA_Id', 'old-2', 'timestamp', pstream.iso_time(now() - interval '3 days'))));
UPDATE pstream.pstreams SET attributes = attributes || '{"retention_purge_extra_filter": "a ="}' WHERE name = 'filtered';
SELECT * FROM pstream_purge_expired();
SELECT string_agg(id, ' ' ORDER BY id) AS kept FROM pstream_data.filtered;

SELECT pstream_drop('filtered', true) IS NOT NULL;
