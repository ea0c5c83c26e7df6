-- dump_restore: pg_dump -Fc and pg_restore into a fresh database keep every pstream
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT pstream_create('dumped', '{"unique_keys": ["k"], "retention_days": 9, "my_attr": {"x": 1}}') IS NOT NULL;
SELECT pstream_add('dumped', '[{"_RDA_Id": "d1", "k": 1, "when": "2024-01-01", "timestamp": "2024-02-01T00:00:00Z"},
                               {"_RDA_Id": "d2", "k": 2, "s": "x", "timestamp": "2024-03-01T00:00:00Z"},
                               {"_RDA_Id": "d3", "k": 3, "big": 12345678901234567890.5, "timestamp": 1700000000000}]');
DELETE FROM pstream_data.dumped WHERE id = 'd3';
-- a pstream dropped with its records kept
SELECT pstream_create('kept-records') IS NOT NULL;
SELECT pstream_add('kept-records', '[{"_RDA_Id": "k1", "v": true}]');
SELECT pstream_drop('kept-records');

SELECT current_database() AS source_db \gset
\setenv PSTREAM_SOURCE_DB :source_db
\! bindir=$(pg_config --bindir); f=$(mktemp) && "$bindir/pg_dump" -Fc -f "$f" "$PSTREAM_SOURCE_DB" >/dev/null 2>&1 && "$bindir/dropdb" --if-exists pstream_restore_test >/dev/null 2>&1 && "$bindir/createdb" -T template0 pstream_restore_test >/dev/null 2>&1 && "$bindir/pg_restore" --exit-on-error -d pstream_restore_test "$f" >/dev/null 2>&1; echo "dump and restore exit status: $?"; rm -f "$f"

\c pstream_restore_test
\set SHOW_CONTEXT never
SELECT extname, extversion FROM pg_extension WHERE extname = 'pstream';
SELECT name, attributes, table_name, system_defined, modified_at >= created_at AS times_kept
FROM pstream.pstreams ORDER BY name;
SELECT table_name, column_name, type_flags FROM pstream.columns ORDER BY 1, 2;
SELECT table_name, sum(delta) AS count FROM pstream.record_counts GROUP BY 1 ORDER BY 1;
SELECT id, pstream.iso_time(ts) AS ts, data FROM pstream_data.dumped ORDER BY id;
SELECT (pstream_stats('dumped') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
SELECT jsonb_path_query_array(pstream_metadata('dumped'), '$.Metadata[*] ? (@.key == true).columnId') AS keys;
SELECT obj_description('pstream_data.dumped'::regclass, 'pg_class') AS comment;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'pstream_data.dumped'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";
-- the restored pstream works: merge on the restored unique index, counts by the restored triggers
SELECT pstream_add('dumped', '[{"k": 1, "merged": true}, {"k": 4}]');
SELECT (pstream_stats('dumped') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
-- the kept records come back on create
SELECT pstream_create('kept-records') IS NOT NULL;
SELECT r - 'timestamp' AS record FROM pstream_select('kept-records') AS r;

\c :source_db
DROP DATABASE pstream_restore_test;
SELECT pstream_create('kept-records') IS NOT NULL;
SELECT count(*) FROM (SELECT pstream_drop(name, true) FROM pstream.pstreams) AS dropped;
