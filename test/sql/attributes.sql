-- attributes: checking attribute types on create and edit
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

-- one error shown in full, with its detail
SELECT pstream_create('attrs', '{"retention_days": "abc"}');

-- wrong types on create: 22023, nothing created
SELECT a AS attributes, pg_temp.outcome(format('SELECT pstream_create(%L, %L)', 'attrs', a)) AS outcome
FROM unnest(ARRAY[
	'{"retention_days": "abc"}', '{"retention_days": -1}', '{"retention_days": 1.5}',
	'{"retention_days": 3000000000}', '{"retention_days": true}',
	'{"unique_keys": "id"}', '{"unique_keys": []}', '{"unique_keys": ["a", "a"]}',
	'{"unique_keys": [""]}', '{"unique_keys": [1]}',
	'{"timestamp": ""}', '{"timestamp": 5}',
	'{"default_values": []}', '{"default_values": "x"}',
	'{"drop_columns": "a"}', '{"drop_columns": [1]}',
	'{"search_case_insensitive": "yes"}', '{"retention_purge_extra_filter": 3}',
	'"just a string"', '[]', 'null']::jsonb[]) AS a;
SELECT count(*) AS pstreams FROM pstream.pstreams WHERE name = 'attrs';

-- valid attributes, unknown ones and indexing are stored as given; null ones are dropped
SELECT r - 'timestamp' FROM pstream_create('attrs', '{
	"retention_days": 0, "unique_keys": ["host", "port"], "timestamp": "event_time",
	"default_values": {"severity": "info"}, "drop_columns": ["secret"],
	"search_case_insensitive": false, "indexing": {"fields": ["host"]},
	"retention_purge_extra_filter": "severity = ''debug''",
	"my_own": [1, {"a": null}], "gone": null}') AS r;
SELECT attributes FROM pstream.pstreams WHERE name = 'attrs';

-- wrong types on edit: 22023 and the stored attributes do not change
SELECT pg_temp.outcome($$SELECT pstream_edit('attrs', '{"retention_days": "7"}')$$);
SELECT pg_temp.outcome($$SELECT pstream_edit('attrs', '{"unique_keys": []}')$$);
SELECT pg_temp.outcome($$SELECT pstream_edit('attrs', '{"default_values": [1]}')$$);
SELECT pg_temp.outcome($$SELECT pstream_edit('attrs', '[]')$$);
SELECT attributes FROM pstream.pstreams WHERE name = 'attrs';

-- null removes an attribute; removing unique_keys drops the unique index
SELECT r -> 'unique_keys' AS unique_keys, r -> 'retention_days' AS retention_days
FROM pstream_edit('attrs', '{"unique_keys": null, "retention_days": 5}') AS r;
SELECT count(*) AS unique_indexes FROM pg_index
WHERE indrelid = 'pstream_data.attrs'::regclass AND indisunique AND NOT indisprimary;
SELECT pstream_drop('attrs', true);
