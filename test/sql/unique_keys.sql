-- unique_keys: merging on unique keys and on _RDA_Id
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

SELECT pstream_create('hosts', '{"unique_keys": ["host", "port"]}') IS NOT NULL;

-- Stored records without _RDA_Id and time, ordered by host and port.
CREATE FUNCTION pg_temp.hosts() RETURNS SETOF jsonb LANGUAGE sql AS $$
	SELECT data - '_RDA_Id' - 'timestamp' FROM pstream_data.hosts
	ORDER BY data ->> 'host' COLLATE "C", data ->> 'port' COLLATE "C", data::text COLLATE "C"
$$;

SELECT indexrelid::regclass AS unique_index, pg_get_indexdef(indexrelid) AS definition FROM pg_index
WHERE indrelid = 'pstream_data.hosts'::regclass AND indisunique AND NOT indisprimary;

-- the second record of the batch merges into the first; new keys win
SELECT pstream_add('hosts', '[
	{"host": "a", "port": 80, "state": "up", "owner": "ops"},
	{"host": "a", "port": 80, "state": "down"},
	{"host": "a", "port": 443, "state": "up"}]');
SELECT * FROM pg_temp.hosts();

-- a later batch merges into stored records and keeps their _RDA_Id and time field order
SELECT data ->> '_RDA_Id' AS id_before FROM pstream_data.hosts WHERE data @> '{"host": "a", "port": 80}' \gset
SELECT pstream_add('hosts', '[{"host": "a", "port": 80, "state": "up", "timestamp": "2024-01-01T00:00:00Z"}]');
SELECT data ->> '_RDA_Id' = :'id_before' AS same_id, data -> 'state' AS state, pstream.iso_time(ts) AS record_time
FROM pstream_data.hosts WHERE data @> '{"host": "a", "port": 80}';

-- values compare as JSON: "80" is not 80
SELECT pstream_add('hosts', '[{"host": "a", "port": "80", "state": "string port"}]');

-- records lacking a key, or with a null key, never merge
SELECT pstream_add('hosts', '[
	{"host": "b", "state": "no port 1"}, {"host": "b", "state": "no port 2"},
	{"host": "b", "port": null, "state": "null port 1"}, {"host": "b", "port": null, "state": "null port 2"}]');
SELECT * FROM pg_temp.hosts();

-- _RDA_Id takes precedence over unique keys: the record merges into the one with its id
SELECT data ->> '_RDA_Id' AS id_443 FROM pstream_data.hosts WHERE data @> '{"host": "a", "port": 443}' \gset
SELECT pstream_add('hosts', format('[{"_RDA_Id": "%s", "host": "c", "port": 1, "state": "moved"}]', :'id_443')::jsonb);
SELECT data - '_RDA_Id' - 'timestamp' AS record, data ->> '_RDA_Id' = :'id_443' AS same_id
FROM pstream_data.hosts WHERE id = :'id_443';

-- an unknown brought _RDA_Id still merges on the unique keys, keeping the stored id
SELECT pstream_add('hosts', '[{"_RDA_Id": "new-id", "host": "c", "port": 1, "state": "by keys"}]');
SELECT count(*) AS records_with_new_id FROM pstream_data.hosts WHERE id = 'new-id';
SELECT data ->> 'state' AS state FROM pstream_data.hosts WHERE id = :'id_443';

-- a merge that would make two records share key values fails with 23505 and stores nothing
SELECT count(*) AS count_before FROM pstream_data.hosts;
SELECT pg_temp.outcome(format($$SELECT pstream_add('hosts', '[{"host": "new", "port": 9}, {"_RDA_Id": "%s", "host": "a", "port": 80}]')$$, :'id_443'));
SELECT count(*) AS count_after FROM pstream_data.hosts;
SELECT count(*) AS new_host FROM pstream_data.hosts WHERE data ->> 'host' = 'new';
SELECT data ->> 'host' AS host, data -> 'port' AS port FROM pstream_data.hosts WHERE id = :'id_443';

-- a plain _RDA_Id merge without unique keys
SELECT pstream_create('by-id') IS NOT NULL;
SELECT pstream_add('by-id', '[{"_RDA_Id": "r1", "v": 1, "keep": true}, {"_RDA_Id": "r1", "v": 2}, {"_RDA_Id": "r2", "v": 3}]');
SELECT id, data - 'timestamp' AS data FROM pstream_data."by-id" ORDER BY id;
SELECT pstream_drop('by-id', true);

-- edit onto colliding records fails with 23505 and changes nothing
SELECT pstream_edit('hosts', '{"unique_keys": ["host"]}');
SELECT pg_temp.outcome($$SELECT pstream_edit('hosts', '{"unique_keys": ["host"], "retention_days": 3}')$$);
SELECT attributes FROM pstream.pstreams WHERE name = 'hosts';
SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index
WHERE indrelid = 'pstream_data.hosts'::regclass AND indisunique AND NOT indisprimary;

-- edit onto keys that do not collide rebuilds the index
SELECT pstream_edit('hosts', '{"unique_keys": ["state"]}') -> 'unique_keys' AS unique_keys;
SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index
WHERE indrelid = 'pstream_data.hosts'::regclass AND indisunique AND NOT indisprimary;
SELECT pstream_add('hosts', '[{"state": "up", "seen": 2}]');
SELECT count(*) FROM pstream_data.hosts WHERE data ->> 'state' = 'up';

-- re-create over kept records that collide with the new unique_keys fails with 23505
SELECT pstream_drop('hosts');
SELECT pg_temp.outcome($$SELECT pstream_create('hosts', '{"unique_keys": ["host"]}')$$);
SELECT count(*) AS catalog_rows FROM pstream.pstreams WHERE name = 'hosts';
SELECT pstream_create('hosts', '{"unique_keys": ["host", "port", "state"]}') -> 'unique_keys' AS unique_keys;
SELECT pstream_drop('hosts', true);
