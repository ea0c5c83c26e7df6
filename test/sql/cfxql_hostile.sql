-- cfxql_hostile: queries crafted to break out of the SQL they compile to
--
-- Each query either fails with a clean 42601 or matches exactly the records
-- that the dialect's rules select, treating every quote, comment marker,
-- semicolon, dollar quote and backslash as data.  A canary pstream and the
-- catalog stay unchanged throughout.
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

-- The sorted ids that a query selects, or the error it raises.
CREATE FUNCTION pg_temp.ids(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	SELECT coalesce(string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id'), '-') INTO result
	FROM pstream_select('target', query) AS r;
	RETURN result;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT pstream_create('canary') IS NOT NULL;
SELECT pstream_add('canary', '[{"_RDA_Id": "c1", "secret": "keep me"}, {"_RDA_Id": "c2", "secret": 42}]');
CREATE TEMP TABLE canary_before AS SELECT id, ts, data FROM pstream_data.canary;
CREATE TEMP TABLE catalog_before AS SELECT name, attributes, table_name FROM pstream.pstreams;

SELECT pstream_create('target') IS NOT NULL;
SELECT pstream_add('target', $json$[
	{"_RDA_Id": "h01", "s": "O'Brien"},
	{"_RDA_Id": "h02", "s": "' OR true --"},
	{"_RDA_Id": "h03", "s": "-- /* ; $$"},
	{"_RDA_Id": "h04", "s": "back\\slash"},
	{"_RDA_Id": "h05", "s": "100%_sure"},
	{"_RDA_Id": "h06", "s": "$$; DELETE FROM pstream_data.canary; $$"},
	{"_RDA_Id": "h07", "it's": "q", "say \"hi\"": 1, "back`tick": "bt"},
	{"_RDA_Id": "h08", "'; DROP TABLE pstream_data.canary; --": 1},
	{"_RDA_Id": "h09", "s": "plain"},
	{"_RDA_Id": "h10", "s": "\\'"}
]$json$);

-- quotes inside strings: doubled or backslash-escaped, always data
SELECT pg_temp.ids($q$s = 'O''Brien'$q$) AS doubled_quote;
SELECT pg_temp.ids($q$s = 'O\'Brien'$q$) AS escaped_quote;
SELECT pg_temp.ids($q$s = "O'Brien"$q$) AS other_quote;
SELECT pg_temp.ids($q$s = '\' OR true --'$q$) AS injected_or_is_text;
SELECT pg_temp.ids($q$s = '\\'' OR true --'$q$) AS backslash_then_quote;
SELECT pg_temp.ids($q$s = '\\\''$q$) AS backslash_quote_value;
-- an unbalanced quote cannot close the string early
SELECT pg_temp.ids($q$s = '\'' OR true --'$q$) AS unbalanced;
SELECT pg_temp.ids($q$s = '' OR 1=1$q$) AS bare_sql;
-- comment markers, semicolons and dollar quotes
SELECT pg_temp.ids($q$s = '-- /* ; $$'$q$) AS comment_markers;
SELECT pg_temp.ids($q$s = '$$; DELETE FROM pstream_data.canary; $$'$q$) AS dollar_quotes;
SELECT pg_temp.ids($q$s ~ '; DELETE'$q$) AS semicolon_substring;
SELECT pg_temp.ids($q$s = 'x' /* comment */ or s = 'plain'$q$) AS block_comment;
SELECT pg_temp.ids($q$s = 'x'; DELETE FROM pstream_data.canary$q$) AS statement_after;
-- backslashes and LIKE wildcards are literal
SELECT pg_temp.ids($q$s = 'back\\slash'$q$) AS backslash;
SELECT pg_temp.ids($q$s ^~ 'back\\'$q$) AS backslash_prefix;
SELECT pg_temp.ids($q$s ~ '%'$q$) AS percent;
SELECT pg_temp.ids($q$s ~ '_'$q$) AS underscore;
SELECT pg_temp.ids($q$s ~$ '%_sure'$q$) AS wildcard_suffix;
SELECT pg_temp.ids($q$s ? '^\\$\\$'$q$) AS regex_dollars;
-- keys that contain quotes
SELECT pg_temp.ids($q$`it's` = 'q'$q$) AS key_single_quote;
SELECT pg_temp.ids($q$`say "hi"` = 1$q$) AS key_double_quote;
SELECT pg_temp.ids($q$`back``tick` = 'bt'$q$) AS key_backtick;
SELECT pg_temp.ids($q$`'; DROP TABLE pstream_data.canary; --` = 1$q$) AS key_injection;
SELECT pg_temp.ids($q$`x"}'::jsonb OR true OR '{"a` = 1$q$) AS key_json_breakout;
SELECT pg_temp.ids($q$`'; DROP TABLE pstream_data.canary; --` is not null$q$) AS key_not_null;
-- a projection with hostile names
SELECT r FROM pstream_select('target', $q$`it's` = 'q' GET `it's` as 'a''b', `say "hi"` as `x;y`$q$) AS r;
-- the generated SQL quotes everything
SELECT cfxql_to_sql($q$`'; DROP TABLE x; --` = 'it''s $$ -- /*'$q$);
SELECT cfxql_to_sql($q$s ? '\\d'$q$);

-- hostile text as search, sort and update data is a bound parameter
SELECT (pstream_query('target', search => $s$' OR 1=1 --$s$) -> 'total_count') AS search_quote;
SELECT (pstream_query('target', search => '%') -> 'total_count') AS search_percent;
SELECT (pstream_query('target', sort => ARRAY[$s$'); DROP TABLE pstream_data.canary; --$s$]) -> 'total_count') AS sort_field;
SELECT pstream_update('target', $q$s = 'O\'Brien'$q$, $json${"'; DROP TABLE pstream_data.canary; --": "$$"}$json$) -> 'updated' AS updated;
SELECT r -> $k$'; DROP TABLE pstream_data.canary; --$k$ AS stored FROM pstream_select('target', $q$s = "O'Brien"$q$) AS r;
SELECT pstream_delete('target', $q$s = '$$; DELETE FROM pstream_data.canary; $$' or `it's` = 'q'$q$) -> 'deleted' AS deleted;
SELECT pg_temp.outcome($q$SELECT pstream_delete('target', 's = ''x''; DELETE FROM pstream_data.canary')$q$);

-- the canary and the catalog are unchanged
SELECT (SELECT count(*) FROM pstream_data.canary) AS canary_count,
       (SELECT count(*) FROM pstream_data.canary AS c JOIN canary_before AS b USING (id)
        WHERE c.data = b.data AND c.ts = b.ts) AS canary_same;
SELECT count(*) AS catalog_same FROM pstream.pstreams AS p JOIN catalog_before AS b USING (name)
WHERE p.attributes = b.attributes AND p.table_name = b.table_name;
SELECT string_agg(r ->> '_RDA_Id', ' ' ORDER BY r ->> '_RDA_Id') AS target_left FROM pstream_select('target') AS r;

SELECT pstream_drop('target', true) IS NOT NULL, pstream_drop('canary', true) IS NOT NULL;
