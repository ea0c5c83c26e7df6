-- delete: pstream_delete(), deleting the records that a CFXQL query matches
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

CREATE FUNCTION pg_temp.ids(stream text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id'), '-') FROM pstream_select(stream) AS r
$$;

SELECT pstream_create('events', '{"unique_keys": ["k"]}') IS NOT NULL;
SELECT pstream_add('events', '[
	{"_RDA_Id": "e1", "k": 1, "level": "debug", "msg": "Started"},
	{"_RDA_Id": "e2", "k": 2, "level": "DEBUG", "msg": "started again"},
	{"_RDA_Id": "e3", "k": 3, "level": "info",  "msg": "running"},
	{"_RDA_Id": "e4", "k": 4, "level": "error", "msg": "failed"},
	{"_RDA_Id": "e5", "level": "info"},
	{"_RDA_Id": "e6", "k": 6}]');

CREATE TEMP TABLE before AS SELECT id, ts, data FROM pstream_data.events;

-- rejected arguments; nothing deleted
SELECT pg_temp.outcome($$SELECT pstream_delete('events', 'level = ''debug'' GET msg')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('events', '')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('events', '   ')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('events', NULL)$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('events', '*', 'skip')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('events', 'level = ')$$);
SELECT pg_temp.outcome($$SELECT pstream_delete('no-such-stream', '*')$$);
SELECT pstream_delete('events', 'GET msg');
SELECT count(*) AS unchanged FROM pstream_data.events AS e JOIN before AS b USING (id)
WHERE e.data = b.data AND e.ts = b.ts;

-- counts: total and deleted; noops are always 0
SELECT pg_temp.counts(pstream_delete('events', 'level = ''debug'''));
SELECT pg_temp.ids('events') AS left_after_debug;
-- case_sensitive => false
SELECT pg_temp.counts(pstream_delete('events', 'level = ''debug'' or msg ^~ ''STARTED''', case_sensitive => false));
SELECT pg_temp.ids('events') AS left_after_folded;
-- a missing field is null
SELECT pg_temp.counts(pstream_delete('events', 'msg is null and level = ''info'''));
SELECT pg_temp.ids('events') AS left_after_null;
-- no match
SELECT pg_temp.counts(pstream_delete('events', 'k > 100'));
-- record counts follow the deletes
SELECT (pstream_stats('events') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
-- a deleted record's unique key values are free again
SELECT pstream_add('events', '[{"k": 1, "level": "debug"}]');
-- "*" deletes every record
SELECT pg_temp.counts(pstream_delete('events', '*', 'proceed'));
SELECT pg_temp.ids('events') AS left_after_all;
SELECT (pstream_stats('events') -> 'Stats' -> 0 -> 'docs_count') AS docs_count;
SELECT pg_temp.counts(pstream_delete('events', '*'));
-- a delete with conflicts 'abort' sets lock_timeout for its own statement
-- only: the session's value is back afterwards, in and out of a transaction
SET lock_timeout = '5s';
SELECT pstream_add('events', '[{"k": 7}]') ->> 'added' AS added;
SELECT pg_temp.counts(pstream_delete('events', 'k = 7'));
SHOW lock_timeout;
BEGIN;
SELECT pg_temp.counts(pstream_delete('events', '*'));
SHOW lock_timeout;
COMMIT;
RESET lock_timeout;

SELECT pstream_drop('events', true) IS NOT NULL;
