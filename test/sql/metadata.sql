-- metadata: column types as records of mixed types arrive
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

-- The metadata rows as "columnId type mappedType key" lines.
CREATE FUNCTION pg_temp.columns() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT format('%s %s %s %s', r ->> 'columnId', r ->> 'type', r ->> 'mappedType', r ->> 'key')
	FROM jsonb_array_elements(pstream_metadata('typed') -> 'Metadata') AS r
$$;

SELECT pstream_create('typed', '{"unique_keys": ["k"]}') IS NOT NULL;
SELECT r - 'Metadata' AS empty_report FROM pstream_metadata('typed') AS r;

SELECT pstream_add('typed', '[{"k": 1, "when": "2024-11-20", "s": "text", "n": 5, "b": true, "o": {"x": 1}, "a": [1], "z": null,
                               "timestamp": "2024-11-20T10:00:00Z"}]');
SELECT * FROM pg_temp.columns();

-- nulls decide nothing
SELECT pstream_add('typed', '[{"k": 2, "when": null, "s": null, "n": null, "b": null, "o": null, "a": null, "z": null}]');
SELECT * FROM pg_temp.columns();

-- time strings stay DATETIME; one other string makes TEXT
SELECT pstream_add('typed', '[{"k": 3, "when": "2024-11-21T08:00:00.123+01:00"}]');
SELECT * FROM pg_temp.columns() AS c WHERE c LIKE 'when %';
SELECT pstream_add('typed', '[{"k": 4, "when": "tomorrow"}]');
SELECT * FROM pg_temp.columns() AS c WHERE c LIKE 'when %';

-- a string column that receives a number becomes mixed; the null-only column takes the first type
SELECT pstream_add('typed', '[{"k": 5, "s": 42, "z": false}]');
SELECT * FROM pg_temp.columns();

-- types stay known after the records are deleted: metadata is never computed from records
DELETE FROM pstream_data.typed;
SELECT * FROM pg_temp.columns() AS c WHERE c LIKE 's %';

-- the report envelope with the attributes beside the rows
SELECT r - 'Metadata' - 'reportMetaData' AS envelope,
       jsonb_path_query_array(r, '$.reportMetaData.reportColumnDefinitionList[*].id') AS columns
FROM pstream_metadata('typed', 2, 3) AS r;
SELECT jsonb_path_query_array(r, '$.Metadata[*].columnId') AS page FROM pstream_metadata('typed', 2, 3) AS r;

-- only fields that gain a type bit are written
SELECT xmin AS xmin_before FROM pstream.columns WHERE table_name = 'typed' AND column_name = 'n' \gset
SELECT pstream_add('typed', '[{"n": 7, "k": 6}]');
SELECT xmin = :'xmin_before' AS row_not_rewritten FROM pstream.columns WHERE table_name = 'typed' AND column_name = 'n';

-- bad paging arguments
SELECT pg_temp.outcome($$SELECT pstream_metadata('typed', -1)$$);
SELECT pg_temp.outcome($$SELECT pstream_metadata('typed', 0, 0)$$);
SELECT pg_temp.outcome($$SELECT pstream_metadata('typed', 0, 10001)$$);

-- the helper functions behind the types
SELECT f AS flags, pstream.type_name(f), pstream.mapped_type(f)
FROM unnest(ARRAY[0, 1, 2, 3, 4, 8, 16, 32, 5, 12]) AS f;
SELECT v, pstream.value_type_flag(v)
FROM unnest(ARRAY['"2024-01-01"', '"x"', '1', 'true', '{}', '[]', 'null', '1700000000000']::jsonb[]) AS v;
SELECT pstream_drop('typed', true);
