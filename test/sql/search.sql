-- search: substring search over the top-level scalar values of records
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.found(stream text, search text, cfxql text DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_path_query_array(pstream_query(stream, cfxql, search, sort => '{_RDA_Id}'), '$.pstream_data[*]._RDA_Id')
$$;

SELECT pstream_create('logs') IS NOT NULL;
SELECT pstream_add('logs', '[
	{"_RDA_Id": "l1", "msg": "Disk FULL on web1", "level": "error", "code": 507},
	{"_RDA_Id": "l2", "msg": "disk ok", "level": "info", "ok": true},
	{"_RDA_Id": "l3", "msg": "Ünïcode ÉCOLE", "level": "info", "nested": {"msg": "disk"}, "list": ["disk"]},
	{"_RDA_Id": "l4", "msg": null, "level": "debug", "code": 5070.5},
	{"_RDA_Id": "l5", "msg": "100% done_now", "level": "info"}]');

-- strings ignore case by default
SELECT pg_temp.found('logs', 'disk') AS disk;
SELECT pg_temp.found('logs', 'DISK') AS upper_disk;
-- numbers and booleans through their text; nested objects, arrays and null are not searched
SELECT pg_temp.found('logs', '507') AS number_text;
SELECT pg_temp.found('logs', 'TRUE') AS boolean_text;
SELECT pg_temp.found('logs', 'null') AS null_not_searched;
-- non-ASCII case folding follows lower() of the database
SELECT pg_temp.found('logs', 'école') AS unicode;
-- LIKE wildcards are plain characters
SELECT pg_temp.found('logs', '%') AS percent;
SELECT pg_temp.found('logs', '_') AS underscore;
-- the field names are not searched
SELECT pg_temp.found('logs', 'level') AS field_names;
-- an empty search is no search
SELECT pg_temp.found('logs', '') AS empty;
-- combined with CFXQL by AND
SELECT pg_temp.found('logs', 'disk', 'level = ''info''') AS disk_and_info;
SELECT pg_temp.found('logs', 'disk', 'level = ''debug''') AS disk_and_debug;
-- the report echoes the search
SELECT r -> 'search' AS search, r -> 'total_count' AS total FROM pstream_query('logs', search => 'Disk') AS r;
SELECT r -> 'search' AS search FROM pstream_query('logs') AS r;

-- search_case_insensitive false makes the search case-sensitive
SELECT pstream_edit('logs', '{"search_case_insensitive": false}') -> 'search_case_insensitive' AS case_insensitive;
SELECT pg_temp.found('logs', 'disk') AS sensitive_disk;
SELECT pg_temp.found('logs', 'Disk') AS sensitive_upper_disk;
SELECT pg_temp.found('logs', 'école') AS sensitive_unicode;
SELECT pstream_edit('logs', '{"search_case_insensitive": true}') -> 'search_case_insensitive' AS case_insensitive;
SELECT pg_temp.found('logs', 'disk') AS insensitive_again;

-- pstream_list searches the list rows, ignoring case
SELECT pstream_create('search-me', '{"description": "Holds Firewall logs"}') IS NOT NULL;
SELECT jsonb_path_query_array(pstream_list(search => 'firewall'), '$.pstreams[*].name') AS by_attribute;
SELECT jsonb_path_query_array(pstream_list(search => 'SEARCH-'), '$.pstreams[*].name') AS by_name;
SELECT jsonb_path_query_array(pstream_list('description ~ ''logs''', 'zzz'), '$.pstreams[*].name') AS no_match;
SELECT (pstream_list(search => 'x') -> 'search') AS echoed;

SELECT pstream_drop('logs', true) IS NOT NULL, pstream_drop('search-me', true) IS NOT NULL;
