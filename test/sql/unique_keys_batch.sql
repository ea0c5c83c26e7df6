-- unique_keys_batch: the set-based add of a pstream with unique_keys, where
-- records of one batch that share key values are folded before one INSERT
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

SELECT pstream_create('fold', '{"unique_keys": ["host", "port"]}') IS NOT NULL;

-- Stored records without _RDA_Id and time field, ordered by their text.
CREATE FUNCTION pg_temp.records() RETURNS SETOF jsonb LANGUAGE sql AS $$
	SELECT data - '_RDA_Id' - 'timestamp' FROM pstream_data.fold ORDER BY data::text COLLATE "C"
$$;

-- three records with the same key values fold in order: later keys win,
-- fields of earlier ones stay, and the record time is the last one's
SELECT pstream_add('fold', '[
	{"host": "a", "port": 1, "v": 1, "first": true, "timestamp": "2024-01-01T00:00:00Z"},
	{"host": "b", "port": 1, "v": 10, "timestamp": "2024-01-01T00:00:00Z"},
	{"host": "a", "port": 1, "v": 2, "second": true, "timestamp": "2024-01-02T00:00:00Z"},
	{"host": "a", "port": 1, "v": 3, "timestamp": "2024-01-03T00:00:00Z"}]');
SELECT * FROM pg_temp.records();
SELECT data ->> 'timestamp' AS time_field, pstream.iso_time(ts) AS record_time
FROM pstream_data.fold WHERE data @> '{"host": "a"}';
SELECT id = data ->> '_RDA_Id' AS id_column_matches FROM pstream_data.fold ORDER BY 1;

-- key values compare as the unique index compares them: 1 and 1.0 are equal,
-- objects are equal whatever their key order, "1" is not 1
SELECT pstream_add('fold', '[
	{"host": {"dc": "x", "rack": 2}, "port": 1.0, "v": "object 1"},
	{"host": {"rack": 2, "dc": "x"}, "port": 1, "v": "object 2"},
	{"host": "c", "port": "1", "v": "string port"},
	{"host": "c", "port": 1, "v": "number port"}]');
SELECT * FROM pg_temp.records();

-- records that lack a key or have a null key are never folded
SELECT pstream_add('fold', '[
	{"host": "d", "v": 1}, {"host": "d", "v": 2},
	{"host": "d", "port": null, "v": 3}, {"host": "d", "port": null, "v": 4}]');
SELECT count(*) AS unkeyed_records FROM pstream_data.fold WHERE data ->> 'host' = 'd';

-- a folded group merges into the stored record and keeps its _RDA_Id
SELECT id AS stored_id FROM pstream_data.fold WHERE data @> '{"host": "b"}' \gset
SELECT pstream_add('fold', '[
	{"host": "b", "port": 1, "v": 11, "new": "x"},
	{"host": "e", "port": 1, "v": 1},
	{"host": "b", "port": 1, "v": 12}]');
SELECT data - '_RDA_Id' - 'timestamp' AS record, id = :'stored_id' AS same_id, data ->> '_RDA_Id' = :'stored_id' AS same_field
FROM pstream_data.fold WHERE data @> '{"host": "b"}';

-- drop_columns and default_values apply to each record before the fold
SELECT pstream_edit('fold', '{"default_values": {"state": "new"}, "drop_columns": ["secret"]}') IS NOT NULL;
SELECT pstream_add('fold', '[
	{"host": "f", "port": 1, "secret": 1, "state": "open"},
	{"host": "f", "port": 1, "state": ""}]');
SELECT data - '_RDA_Id' - 'timestamp' AS record FROM pstream_data.fold WHERE data @> '{"host": "f"}';
SELECT pstream_edit('fold', '{"default_values": null, "drop_columns": null}') IS NOT NULL;

-- a batch that fails in its INSERT stores nothing, folded records included
ALTER TABLE pstream_data.fold ADD CONSTRAINT no_bad CHECK (data ->> 'v' IS DISTINCT FROM 'bad');
SELECT count(*) AS count_before FROM pstream_data.fold;
SELECT pg_temp.outcome($$SELECT pstream_add('fold', '[{"host": "g", "port": 1}, {"host": "g", "port": 1, "v": 5}, {"host": "b", "port": 1, "v": "bad"}]')$$);
SELECT count(*) AS count_after FROM pstream_data.fold;
SELECT data -> 'v' AS stored_v FROM pstream_data.fold WHERE data @> '{"host": "b"}';
ALTER TABLE pstream_data.fold DROP CONSTRAINT no_bad;

-- a batch mixing a brought _RDA_Id with unique keys is stored record by
-- record: the brought id merges by id, the others by keys, in order
SELECT pstream_add('fold', format('[
	{"host": "h", "port": 1, "v": 1},
	{"_RDA_Id": "%s", "v": 13},
	{"host": "h", "port": 1, "v": 2},
	{"_RDA_Id": "brought-1", "host": "i", "port": 1, "v": 1},
	{"_RDA_Id": "brought-1", "v": 2}]', :'stored_id')::jsonb);
SELECT data - '_RDA_Id' - 'timestamp' AS record FROM pstream_data.fold WHERE data ->> 'host' IN ('b', 'h', 'i') ORDER BY data ->> 'host';
SELECT id FROM pstream_data.fold WHERE data @> '{"host": "i"}';

-- the record count follows inserts only, not merges
SELECT pstream_stats('fold') -> 'Stats' -> 0 -> 'docs_count' AS docs_count, count(*) AS stored
FROM pstream_data.fold;

SELECT pstream_drop('fold', true);
