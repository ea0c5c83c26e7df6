/* sql/pstream--0.5.0.sql -- install script of the pstream extension, version 0.5.0 */

\echo Use "CREATE EXTENSION pstream" to load this file. \quit

/*
 * Storage layout.
 *
 * Schema pstream holds the catalog and the bookkeeping tables; schema
 * pstream_data holds one ordinary table per pstream, created by
 * pstream_create().  Data tables are not members of the extension, so
 * pg_dump dumps them with their rows, indexes, triggers and comments like any
 * table.  The rows of the three bookkeeping tables are user data, so they are
 * registered with pg_extension_config_dump().
 */
CREATE SCHEMA pstream;
COMMENT ON SCHEMA pstream IS 'internal tables and helper functions of the pstream extension';

CREATE SCHEMA pstream_data;
COMMENT ON SCHEMA pstream_data IS 'one table of JSON records per pstream; the table comment holds the full pstream name';

CREATE TABLE pstream.pstreams (
	name text COLLATE "C" PRIMARY KEY,
	attributes jsonb NOT NULL DEFAULT '{}',
	table_name text COLLATE "C" NOT NULL UNIQUE,
	system_defined boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL,
	modified_at timestamptz NOT NULL
);
COMMENT ON TABLE pstream.pstreams IS 'one row per pstream: its attributes and the name of its table in schema pstream_data';

/*
 * Column metadata, keyed by data table name so that it stays with records
 * kept by pstream_drop(delete_data => false).  type_flags is a bit set of the
 * JSON types seen in the column: 1 string that reads as a time, 2 other
 * string, 4 number, 8 boolean, 16 object, 32 array.  JSON null sets no bit.
 */
CREATE TABLE pstream.columns (
	table_name text COLLATE "C" NOT NULL,
	column_name text COLLATE "C" NOT NULL,
	type_flags integer NOT NULL DEFAULT 0,
	PRIMARY KEY (table_name, column_name)
);
COMMENT ON TABLE pstream.columns IS 'top-level fields seen in the records of each data table, with the JSON types seen';

/*
 * Record counts as an insert-only log of deltas, one row per INSERT or DELETE
 * statement on a data table.  Concurrent adds insert separate rows, so they
 * never wait for one another; readers sum the deltas, and pstream_stats() and
 * pstream_purge_expired() replace the committed rows of a table by their sum.
 */
CREATE TABLE pstream.record_counts (
	table_name text COLLATE "C" NOT NULL,
	delta bigint NOT NULL
);
CREATE INDEX record_counts_table_name_idx ON pstream.record_counts (table_name);
COMMENT ON TABLE pstream.record_counts IS 'changes of the record count of each data table, summed by pstream_stats()';

SELECT pg_catalog.pg_extension_config_dump('pstream.pstreams', '');
SELECT pg_catalog.pg_extension_config_dump('pstream.columns', '');
SELECT pg_catalog.pg_extension_config_dump('pstream.record_counts', '');

/* Statement-level trigger function of the data tables: logs the count delta. */
CREATE FUNCTION pstream.count_records() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO pstream.record_counts (table_name, delta)
		SELECT TG_TABLE_NAME, count(*) FROM new_records HAVING count(*) > 0;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO pstream.record_counts (table_name, delta)
		SELECT TG_TABLE_NAME, -count(*) FROM old_records HAVING count(*) > 0;
	ELSIF TG_OP = 'TRUNCATE' THEN
		DELETE FROM pstream.record_counts WHERE table_name = TG_TABLE_NAME;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION pstream.count_records() IS 'trigger function of the data tables: logs record count deltas in pstream.record_counts';

/* Helpers used inside the SQL that the C functions run. */
CREATE FUNCTION pstream.iso_time(timestamptz) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_iso_time'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.iso_time(timestamptz) IS 'formats a time as ISO-8601 UTC with microseconds, independent of the TimeZone setting';

CREATE FUNCTION pstream.value_type_flag(jsonb) RETURNS integer
AS 'MODULE_PATHNAME', 'pstream_value_type_flag'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.value_type_flag(jsonb) IS 'the pstream.columns type bit of a JSON value (0 for null)';

CREATE FUNCTION pstream.type_name(integer) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_type_name'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.type_name(integer) IS 'the JSON type name of a set of pstream.columns type bits: string, number, boolean, object, array or mixed';

CREATE FUNCTION pstream.mapped_type(integer) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_mapped_type'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pstream.mapped_type(integer) IS 'the report column type of a set of pstream.columns type bits: TEXT, NUMBER, BOOLEAN, DATETIME, OBJECT, ARRAY or MIXED';

/*
 * CFXQL support functions: the conditions that cfxql_to_sql() and the readers
 * compile from a query call them.  Each reads one jsonb value the way a rule of
 * docs/cfxql.md does and returns NULL for "no match"; all are LANGUAGE sql
 * with a single SELECT, so PostgreSQL inlines them.  Copied unchanged from
 * sql/cfxql-support.sql, from the first function on.
 */
-- BEGIN cfxql-support.sql
-- Text of a string, number or boolean as PostgreSQL prints it (1e6 as
-- 1000000, 80.0 as 80.0); NULL for null, objects, arrays and missing keys.
CREATE FUNCTION pstream.cfxql_text(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN jsonb_typeof(value) IN ('string', 'number', 'boolean')
              THEN value #>> '{}' END
$$;

-- Text of a string value; NULL for anything else.
CREATE FUNCTION pstream.cfxql_string(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' END
$$;

-- Numeric value of a string in JSON's number syntax ("80", "-2.5", "1e3";
-- not " 80", "+5", ".5", "02"); NULL for anything else.  Strings longer
-- than 1000 characters or with an exponent beyond +-1000 count as
-- non-numeric, so that the cast below can never fail (numeric input
-- rejects exponents beyond 1000).
CREATE FUNCTION pstream.cfxql_numeric_string(value jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN jsonb_typeof(value) = 'string'
         AND length(value #>> '{}') <= 1000
         AND (value #>> '{}') ~ '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?0*([0-9]{1,3}|1000))?$'
    THEN (value #>> '{}')::numeric
  END
$$;

-- Numeric value of a number or of a numeric string; NULL otherwise.
CREATE FUNCTION pstream.cfxql_number(value jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'number' THEN value::numeric
    ELSE pstream.cfxql_numeric_string(value)
  END
$$;

-- Equality of two values (field = field), never NULL: strings by text,
-- numbers and numeric strings by value, booleans by value or against the
-- strings "true"/"false" in any ASCII case.  Null, missing, objects and
-- arrays equal nothing.
CREATE FUNCTION pstream.cfxql_equal(a jsonb, b jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(CASE
    WHEN jsonb_typeof(a) = 'string' AND jsonb_typeof(b) = 'string' THEN a = b
    WHEN jsonb_typeof(a) IN ('number', 'string') AND jsonb_typeof(b) IN ('number', 'string')
      THEN pstream.cfxql_number(a) = pstream.cfxql_number(b)
    WHEN jsonb_typeof(a) = 'boolean' AND jsonb_typeof(b) = 'boolean' THEN a = b
    WHEN jsonb_typeof(a) = 'boolean' AND jsonb_typeof(b) = 'string'
      THEN lower((b #>> '{}') COLLATE "C") = a #>> '{}'
    WHEN jsonb_typeof(a) = 'string' AND jsonb_typeof(b) = 'boolean'
      THEN lower((a #>> '{}') COLLATE "C") = b #>> '{}'
  END, false)
$$;

-- The same with strings compared after lower() in the database's locale.
CREATE FUNCTION pstream.cfxql_equal_ci(a jsonb, b jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN jsonb_typeof(a) = 'string' AND jsonb_typeof(b) = 'string'
      THEN lower(a #>> '{}') = lower(b #>> '{}')
    ELSE pstream.cfxql_equal(a, b)
  END
$$;

-- Order of two values (field > field): -1, 0 or 1, or NULL when they do
-- not compare.  Numerically when both are numbers or numeric strings,
-- bytewise when both are strings (and not both numeric).
CREATE FUNCTION pstream.cfxql_compare(a jsonb, b jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(
    sign(pstream.cfxql_number(a) - pstream.cfxql_number(b))::integer,
    CASE WHEN jsonb_typeof(a) = 'string' AND jsonb_typeof(b) = 'string' THEN
      CASE WHEN (a #>> '{}') COLLATE "C" < (b #>> '{}') THEN -1
           WHEN (a #>> '{}') = (b #>> '{}') THEN 0
           ELSE 1 END
    END)
$$;

-- A string in the ISO form as a time: YYYY-MM-DD, optionally T (or t, or a
-- space) and HH:MM[:SS[.fraction of up to 9 digits]], then optionally Z,
-- +HH:MM or +HHMM (offsets up to 15:59).  No zone means UTC.  Returns NULL
-- for anything else, including impossible dates such as 2024-02-30.  The
-- nested CASE makes sure that the casts only see validated text.
CREATE FUNCTION pstream.cfxql_time_text(value text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN value ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?([Zz]|[+-](0[0-9]|1[0-5]):?[0-5][0-9])?)?$'
         AND substr(value, 1, 4) <> '0000'
    THEN CASE
      WHEN substr(value, 9, 2)::integer <=
           CASE substr(value, 6, 2)::integer
             WHEN 2 THEN
               CASE WHEN (substr(value, 1, 4)::integer % 4 = 0
                          AND substr(value, 1, 4)::integer % 100 <> 0)
                         OR substr(value, 1, 4)::integer % 400 = 0
                    THEN 29 ELSE 28 END
             WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30
             ELSE 31
           END
      THEN CASE
        WHEN length(value) > 10 AND value ~ '([Zz]|[+-][0-9]{2}:?[0-9]{2})$'
          THEN value::timestamptz
        ELSE value::timestamp AT TIME ZONE 'UTC'
      END
    END
  END
$$;

-- Microseconds since the Unix epoch as a time, or NULL outside
-- PostgreSQL's timestamp range (4714-11-24 BC to 294276 AD).  Whole days
-- and the rest are added separately, so every step stays exact (float8
-- seconds, as in to_timestamp(), lose microseconds after about 2255).
CREATE FUNCTION pstream.cfxql_time_micros(micros numeric) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN micros >= -210866803200000000 AND micros < 9224318016000000000
    THEN (timestamp '1970-01-01 00:00:00'
          + div(micros, 86400000000)::integer * interval '1 day'
          + mod(micros, 86400000000)::float8 * interval '1 microsecond')
         AT TIME ZONE 'UTC'
  END
$$;

-- A value as a time: an ISO string (above) or a number of milliseconds
-- since the Unix epoch, rounded to microseconds half away from zero.
-- NULL for anything else.
-- This SQL form is the reference; the speed section below replaces it with
-- a C function of the same results.
CREATE FUNCTION pstream.cfxql_time(value jsonb) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'string' THEN pstream.cfxql_time_text(value #>> '{}')
    WHEN 'number' THEN pstream.cfxql_time_micros(round(value::numeric * 1000))
  END
$$;

-- The statement's start plus an interval, with days, months and years
-- stepped on the UTC calendar (whatever the session's TimeZone).
CREATE FUNCTION pstream.cfxql_now_plus(shift interval) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT ((statement_timestamp() AT TIME ZONE 'UTC') + shift) AT TIME ZONE 'UTC'
$$;

-- Start of the UTC day, week (from Monday), month or year that contains
-- the statement's start, moved by steps units: ('day', -1) is the start
-- of yesterday, ('week', 1) the end of this week.
CREATE FUNCTION pstream.cfxql_period_start(unit text, steps integer) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT (date_trunc(unit, statement_timestamp() AT TIME ZONE 'UTC')
          + steps * ('1 ' || unit)::interval) AT TIME ZONE 'UTC'
$$;

-- The record's top-level numeric strings converted to numbers, as an object
-- ({"port": "80.0", "s": "x"} gives {"port": 80.0}).  The compiler turns
-- "port = 80" into pstream.cfxql_numeric_strings(data) @> '{"port": 80}',
-- which the GIN index on this expression of every data table serves.  This
-- C version replaces the SQL reference definition of cfxql-support.sql with
-- the same result, because it runs for every stored record.
CREATE FUNCTION pstream.cfxql_numeric_strings(record jsonb) RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_cfxql_numeric_strings'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- END cfxql-support.sql

-- The search index expression: the record's top-level strings, numbers and
-- booleans as text, lower-cased, each followed by a line feed.  Data tables
-- created while pg_trgm is installed in the database have a GIN trigram
-- index on it, which serves the candidate
-- filter "pstream.search_text(data) LIKE '%<lower-cased search>%'" that the
-- readers AND with the exact search condition.
CREATE FUNCTION pstream.search_text(record jsonb) RETURNS text
AS 'MODULE_PATHNAME', 'pstream_search_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

/* The public functions, in the schema that CREATE EXTENSION chose. */
CREATE FUNCTION pstream_create(name text, attributes jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_create'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_create(text, jsonb) IS 'creates a pstream and its table, or takes over the records kept by an earlier drop; returns its list row';

CREATE FUNCTION pstream_edit(name text, attributes jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_edit'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_edit(text, jsonb) IS 'merges attributes over the stored ones (null removes one); returns the list row';

CREATE FUNCTION pstream_drop(name text, delete_data boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_drop'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_drop(text, boolean) IS 'removes a pstream, keeping its records for a later create unless delete_data is true';

CREATE FUNCTION pstream_add(name text, records jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_add'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_add(text, jsonb) IS 'adds a JSON array of records, all or nothing; returns {"added": n, "merged": m}';

CREATE FUNCTION pstream_metadata(name text, "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_metadata'
LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION pstream_metadata(text, bigint, integer) IS 'returns the attributes and the column types of a pstream as a table report with rows under "Metadata"';

CREATE FUNCTION pstream_stats(name text, "offset" bigint DEFAULT 0, "limit" integer DEFAULT 100)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_stats'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pstream_stats(text, bigint, integer) IS 'returns the record count, sizes and times of a pstream as a table report with rows under "Stats"';

CREATE FUNCTION pstream_purge_expired(name text DEFAULT NULL)
RETURNS TABLE(pstream text, deleted bigint)
AS 'MODULE_PATHNAME', 'pstream_purge_expired'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION pstream_purge_expired(text) IS 'deletes records older than retention_days, for one pstream or (name null) every pstream with that attribute';

/* Reading, updating and deleting by CFXQL query (NULL arguments take the defaults). */
CREATE FUNCTION pstream_list(cfxql text DEFAULT NULL, search text DEFAULT NULL, sort text[] DEFAULT NULL,
	"offset" bigint DEFAULT NULL, "limit" integer DEFAULT NULL, case_sensitive boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_list'
LANGUAGE C CALLED ON NULL INPUT STABLE;
COMMENT ON FUNCTION pstream_list(text, text, text[], bigint, integer, boolean) IS 'lists the pstreams that match a CFXQL query and a search as a table report with rows under "pstreams"';

CREATE FUNCTION pstream_query(name text, cfxql text DEFAULT NULL, search text DEFAULT NULL, sort text[] DEFAULT NULL,
	group_by text[] DEFAULT NULL, aggs text[] DEFAULT NULL, "offset" bigint DEFAULT NULL, "limit" integer DEFAULT NULL,
	case_sensitive boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_query'
LANGUAGE C CALLED ON NULL INPUT STABLE;
COMMENT ON FUNCTION pstream_query(text, text, text, text[], text[], text[], bigint, integer, boolean) IS 'reads the records that match a CFXQL query and a search, or their groups and aggregates, as a table report with rows under "pstream_data"';

CREATE FUNCTION pstream_select(name text, cfxql text DEFAULT NULL, case_sensitive boolean DEFAULT true)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'pstream_select'
LANGUAGE C CALLED ON NULL INPUT STABLE;
COMMENT ON FUNCTION pstream_select(text, text, boolean) IS 'returns the records of a pstream that match a CFXQL query, newest first';

CREATE FUNCTION pstream_update(name text, cfxql text, data jsonb, conflicts text DEFAULT 'abort',
	case_sensitive boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_update'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION pstream_update(text, text, jsonb, text, boolean) IS 'sets the top-level keys of data on every record that matches a CFXQL query; returns the counts';

CREATE FUNCTION pstream_delete(name text, cfxql text, conflicts text DEFAULT 'abort',
	case_sensitive boolean DEFAULT true)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'pstream_delete'
LANGUAGE C CALLED ON NULL INPUT VOLATILE;
COMMENT ON FUNCTION pstream_delete(text, text, text, boolean) IS 'deletes every record that matches a CFXQL query; returns the counts';

CREATE FUNCTION cfxql_to_sql(cfxql text, case_sensitive boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'pstream_cfxql_to_sql'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cfxql_to_sql(text, boolean) IS 'returns the SQL condition over the jsonb column "data" that a CFXQL query compiles to';

/*
 * Access control.
 *
 * Version 0.4.0 makes PostgreSQL's roles and privileges the access model.
 * The functions stay SECURITY INVOKER, so the caller's privileges decide;
 * the library checks the privilege on a pstream's data table first and
 * raises 42501 naming the pstream and the missing privilege.
 *
 * Group roles (NOLOGIN, cluster-wide, so created only when missing):
 *   pstream_user    base group: schema usage, the bookkeeping table rights
 *                   that the functions need, EXECUTE on the public functions.
 *                   pstream_grant() makes a role a member.
 *   pstream_reader  member of pstream_user; SELECT on every data table.
 *   pstream_writer  member of pstream_reader; INSERT, UPDATE, DELETE on
 *                   every data table.
 *   pstream_admin   member of pstream_writer; owner of the data tables,
 *                   may create, edit and drop pstreams and grant access.
 *   pstream_authenticator  EXECUTE on the session functions; the login role
 *                   of pstreamd must be granted it.
 *
 * Sessions live in pstream.sessions, which stores a SHA-256 hash of each
 * token, never the token.  The table is not registered with
 * pg_extension_config_dump(), so sessions do not survive a dump and restore.
 */

DO $$
DECLARE
	group_role text;
BEGIN
	FOREACH group_role IN ARRAY ARRAY['pstream_user', 'pstream_reader', 'pstream_writer',
									  'pstream_admin', 'pstream_authenticator']
	LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = group_role) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
		END IF;
	END LOOP;
END
$$;
-- Memberships are granted only when missing, because a second GRANT raises
-- a notice in every database of the cluster after the first.  pstream_admin
-- gets ADMIN OPTION on pstream_user, so that pstream_grant() run by an admin
-- may make other roles members of it.
DO $$
DECLARE
	membership record;
BEGIN
	FOR membership IN
		SELECT * FROM (VALUES ('pstream_user', 'pstream_reader', false),
							  ('pstream_reader', 'pstream_writer', false),
							  ('pstream_writer', 'pstream_admin', false),
							  ('pstream_user', 'pstream_admin', true)) AS m(group_role, member, admin)
	LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members a
					   WHERE a.roleid = membership.group_role::regrole
						 AND a.member = membership.member::regrole
						 AND (a.admin_option OR NOT membership.admin)) THEN
			EXECUTE format('GRANT %I TO %I%s', membership.group_role, membership.member,
						   CASE WHEN membership.admin THEN ' WITH ADMIN OPTION' ELSE '' END);
		END IF;
	END LOOP;
END
$$;

GRANT USAGE ON SCHEMA pstream, pstream_data, @extschema@ TO pstream_user;
GRANT CREATE ON SCHEMA pstream_data TO pstream_admin;

-- Readers read the catalog.  Adds, updates and deletes lock the catalog row
-- FOR KEY SHARE, which needs UPDATE on some column, so pstream_user gets
-- UPDATE on modified_at only.
-- NOTE: with plain SQL, any pstream_user can change modified_at of any
-- pstream, because column privileges cannot depend on the row.
GRANT SELECT, UPDATE (modified_at) ON pstream.pstreams TO pstream_user;
-- Adds record the column types.  The count triggers and the roll-up in
-- pstream_stats() and pstream_purge_expired() write the count deltas.
GRANT SELECT, INSERT, UPDATE ON pstream.columns TO pstream_user;
GRANT SELECT, INSERT, DELETE ON pstream.record_counts TO pstream_user;
GRANT INSERT, UPDATE, DELETE ON pstream.pstreams TO pstream_admin;
GRANT DELETE ON pstream.columns TO pstream_admin;

-- The public functions are for the pstream groups only.  Each checks the
-- caller's privilege itself, so that a reader who calls pstream_drop() gets
-- an error that names the pstream and the missing privilege instead of
-- "permission denied for function".
REVOKE EXECUTE ON FUNCTION
	pstream_create(text, jsonb),
	pstream_edit(text, jsonb),
	pstream_drop(text, boolean),
	pstream_add(text, jsonb),
	pstream_metadata(text, bigint, integer),
	pstream_stats(text, bigint, integer),
	pstream_purge_expired(text),
	pstream_list(text, text, text[], bigint, integer, boolean),
	pstream_query(text, text, text, text[], text[], text[], bigint, integer, boolean),
	pstream_select(text, text, boolean),
	pstream_update(text, text, jsonb, text, boolean),
	pstream_delete(text, text, text, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	pstream_create(text, jsonb),
	pstream_edit(text, jsonb),
	pstream_drop(text, boolean),
	pstream_add(text, jsonb),
	pstream_metadata(text, bigint, integer),
	pstream_stats(text, bigint, integer),
	pstream_purge_expired(text),
	pstream_list(text, text, text[], bigint, integer, boolean),
	pstream_query(text, text, text, text[], text[], text[], bigint, integer, boolean),
	pstream_select(text, text, boolean),
	pstream_update(text, text, jsonb, text, boolean),
	pstream_delete(text, text, text, boolean)
TO pstream_user;

-- Every data table, kept ones too, gets the group privileges and
-- pstream_admin as its owner.
DO $$
DECLARE
	data_table record;
BEGIN
	FOR data_table IN
		SELECT c.relname
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'pstream_data' AND c.relkind IN ('r', 'p')
	LOOP
		EXECUTE format('GRANT SELECT ON pstream_data.%I TO pstream_reader', data_table.relname);
		EXECUTE format('GRANT INSERT, UPDATE, DELETE ON pstream_data.%I TO pstream_writer',
					   data_table.relname);
		EXECUTE format('ALTER TABLE pstream_data.%I OWNER TO pstream_admin', data_table.relname);
	END LOOP;
END
$$;

/*
 * pstream_grant(name, role, access) and pstream_revoke(name, role, access)
 * with access 'read' (SELECT) or 'write' (SELECT, INSERT, UPDATE, DELETE) on
 * one pstream's data table.  pstream_grant() also makes the role a member of
 * pstream_user.  Revoking 'read' removes write access too, because writing
 * implies reading; revoking 'write' leaves read access.
 */
CREATE FUNCTION pstream.check_grant_arguments(name text, role name, access text, action text)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	data_table text;
BEGIN
	IF NOT pg_catalog.pg_has_role(current_user, 'pstream_admin', 'USAGE') THEN
		RAISE EXCEPTION USING
			ERRCODE = 'insufficient_privilege',
			MESSAGE = format('permission denied to %s access to pstream "%s"', action, name),
			DETAIL = format('Role "%s" is not a member of pstream_admin.', current_user);
	END IF;
	IF access IS NULL OR access NOT IN ('read', 'write') THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = format('invalid access: %s', coalesce(quote_literal(access), 'null')),
			HINT = 'Use ''read'' or ''write''.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role) THEN
		RAISE EXCEPTION USING
			ERRCODE = 'undefined_object',
			MESSAGE = format('role "%s" does not exist', role);
	END IF;
	SELECT p.table_name INTO data_table FROM pstream.pstreams p WHERE p.name = check_grant_arguments.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING
			ERRCODE = 'undefined_table',
			MESSAGE = format('pstream "%s" does not exist', name);
	END IF;
	RETURN data_table;
END
$$;
REVOKE EXECUTE ON FUNCTION pstream.check_grant_arguments(text, name, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pstream.check_grant_arguments(text, name, text, text) TO pstream_user;

CREATE FUNCTION pstream_grant(name text, role name, access text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	data_table text := pstream.check_grant_arguments(name, role, access, 'grant');
BEGIN
	EXECUTE format('GRANT SELECT ON pstream_data.%I TO %I', data_table, role);
	IF access = 'write' THEN
		EXECUTE format('GRANT INSERT, UPDATE, DELETE ON pstream_data.%I TO %I', data_table, role);
	END IF;
	IF NOT pg_catalog.pg_has_role(role, 'pstream_user', 'MEMBER') THEN
		EXECUTE format('GRANT pstream_user TO %I', role);
	END IF;
END
$$;
COMMENT ON FUNCTION pstream_grant(text, name, text) IS 'gives a role read or write access to one pstream; only for pstream_admin';

CREATE FUNCTION pstream_revoke(name text, role name, access text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	data_table text := pstream.check_grant_arguments(name, role, access, 'revoke');
BEGIN
	EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON pstream_data.%I FROM %I', data_table, role);
	IF access = 'read' THEN
		EXECUTE format('REVOKE SELECT ON pstream_data.%I FROM %I', data_table, role);
	END IF;
END
$$;
COMMENT ON FUNCTION pstream_revoke(text, name, text) IS 'takes write access (''write'') or all access (''read'') to one pstream from a role; only for pstream_admin';

REVOKE EXECUTE ON FUNCTION pstream_grant(text, name, text), pstream_revoke(text, name, text) FROM PUBLIC;
-- Callable by every pstream_user, so that a non-admin gets the clear error
-- of check_grant_arguments().
GRANT EXECUTE ON FUNCTION pstream_grant(text, name, text), pstream_revoke(text, name, text) TO pstream_user;

/* Sessions of pstreamd's logins. */
CREATE TABLE pstream.sessions (
	token_hash bytea PRIMARY KEY,
	role name NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON pstream.sessions (expires_at);
COMMENT ON TABLE pstream.sessions IS 'login sessions of pstreamd: SHA-256 of the token, the role and the expiry time';
GRANT USAGE ON SCHEMA pstream TO pstream_authenticator;
GRANT SELECT, INSERT, DELETE ON pstream.sessions TO pstream_authenticator;

-- Store a session of role for token, valid for ttl from now, and return its
-- expiry time.  Expired sessions are purged on the way.
CREATE FUNCTION pstream.session_create(role name, token text, ttl interval)
RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
	expires timestamptz;
BEGIN
	IF token IS NULL OR length(token) < 32 THEN
		RAISE EXCEPTION USING
			ERRCODE = 'invalid_parameter_value',
			MESSAGE = CASE WHEN token IS NULL THEN 'invalid session token: null'
					   ELSE format('invalid session token: %s characters', length(token)) END,
			DETAIL = 'A session token must have at least 32 characters (128 bits as hex).';
	END IF;
	IF ttl IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role) THEN
		RAISE EXCEPTION USING
			ERRCODE = CASE WHEN ttl IS NULL THEN 'invalid_parameter_value' ELSE 'undefined_object' END,
			MESSAGE = CASE WHEN ttl IS NULL THEN 'invalid session ttl: null'
						   ELSE format('role "%s" does not exist', role) END;
	END IF;

	DELETE FROM pstream.sessions WHERE expires_at <= now();
	INSERT INTO pstream.sessions (token_hash, role, created_at, expires_at)
	VALUES (sha256(convert_to(token, 'UTF8')), role, now(), now() + ttl)
	RETURNING expires_at INTO expires;
	RETURN expires;
END
$$;

-- The role of a session, or NULL when the token is unknown or expired.
CREATE FUNCTION pstream.session_role(token text)
RETURNS name
LANGUAGE sql STABLE AS $$
	SELECT s.role FROM pstream.sessions s
	WHERE s.token_hash = sha256(convert_to(token, 'UTF8')) AND s.expires_at > now()
$$;

-- End a session and return whether it existed.
CREATE FUNCTION pstream.session_end(token text)
RETURNS boolean
LANGUAGE sql AS $$
	WITH ended AS (
		DELETE FROM pstream.sessions WHERE token_hash = sha256(convert_to(token, 'UTF8'))
		RETURNING 1
	)
	SELECT count(*) > 0 FROM ended
$$;

-- Delete the expired sessions and return how many, for a periodic
-- clean-up.  Every session_create() also deletes them.
CREATE FUNCTION pstream.session_purge()
RETURNS bigint
LANGUAGE sql AS $$
	WITH purged AS (
		DELETE FROM pstream.sessions WHERE expires_at <= now() RETURNING 1
	)
	SELECT count(*) FROM purged
$$;

REVOKE EXECUTE ON FUNCTION
	pstream.session_create(name, text, interval),
	pstream.session_role(text),
	pstream.session_end(text),
	pstream.session_purge()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	pstream.session_create(name, text, interval),
	pstream.session_role(text),
	pstream.session_end(text),
	pstream.session_purge()
TO pstream_authenticator;

/*
 * Version 0.5.0: each pstream chooses its indexes (the indexing attribute),
 * and the ingest and modify paths are faster.
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
