/* sql/pstream--0.4.0--0.5.0.sql -- upgrade of the pstream extension from 0.4.0 to 0.5.0 */

\echo Use "ALTER EXTENSION pstream UPDATE TO '0.5.0'" to load this file. \quit

/*
 * Version 0.5.0 lets each pstream choose its indexes (the indexing
 * attribute) and makes the ingest and modify paths faster.  Every object
 * below is also in the full install script, sql/pstream--0.5.0.sql.
 */

-- ---------- indexing ----------

-- The expressions of the B-tree indexes that a pstream with the attribute
-- "indexing": {"fields": [...]} has on each listed field f:
-- pstream.cfxql_index_key(data -> 'f') serves "=" and "in", and
-- pstream.cfxql_index_number(data -> 'f') serves ordering against a number.
-- The compiler ANDs a test on them with the exact condition, so they only
-- need to be true for every match (see the C comments for the rules).
CREATE FUNCTION pstream.cfxql_index_key(value jsonb) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_cfxql_index_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.cfxql_index_key(jsonb) IS 'the B-tree key of a value: equal for every two values that CFXQL "=" can match, case-sensitively or not';

CREATE FUNCTION pstream.cfxql_index_number(value jsonb) RETURNS numeric
AS 'MODULE_PATHNAME', 'pstream_cfxql_index_number'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.cfxql_index_number(jsonb) IS 'pstream.cfxql_number(value) clamped to +-1e200 and rounded to 200 decimal places, for B-tree ranges';

-- cfxql_to_sql() for one pstream: the condition that its readers run, with
-- the tests that use the indexes its indexing attribute gives it.
CREATE FUNCTION cfxql_to_sql(cfxql text, case_sensitive boolean, pstream text)
RETURNS text
AS 'MODULE_PATHNAME', 'pstream_cfxql_to_sql'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION cfxql_to_sql(text, boolean, text) IS 'returns the SQL condition over the data table of a pstream that a CFXQL query compiles to, using that pstream''s indexes';
-- Like the other functions that name a pstream, for the pstream groups only.
REVOKE EXECUTE ON FUNCTION cfxql_to_sql(text, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cfxql_to_sql(text, boolean, text) TO pstream_user;

-- ---------- ingest and modify speed ----------

-- pstream.cfxql_number() in C: the SQL definition ran jsonb_typeof() and a
-- regular expression for every row that a number condition reads.
CREATE OR REPLACE FUNCTION pstream.cfxql_number(value jsonb) RETURNS numeric
AS 'MODULE_PATHNAME', 'pstream_cfxql_number'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- pstream.cfxql_time() in C, by the parser that sets ts: the SQL definition
-- ran two regular expressions and a cast for every row that a time
-- condition rechecks.
CREATE OR REPLACE FUNCTION pstream.cfxql_time(value jsonb) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'pstream_cfxql_time'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The column list of a report page in C: the SQL form ran jsonb_each() over
-- every record of the page and built each definition with jsonb_build_object().
CREATE FUNCTION pstream.page_column_list(rows jsonb, stored jsonb, key_fields text[], number_fields text[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_page_column_list'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pstream.page_column_list(jsonb, jsonb, text[], text[]) IS 'the reportColumnDefinitionList of an array of records: one definition per top-level key, typed from the stored type bits by column name, or from the records when stored is NULL';
