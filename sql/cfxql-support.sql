-- cfxql-support.sql
--   SQL helper functions that the conditions compiled from CFXQL call.
--
-- Each function reads one jsonb value the way a rule of the CFXQL dialect
-- does (docs/cfxql.md) and returns NULL where the rule gives "no match".  The
-- compiled conditions wrap their calls in IS TRUE or coalesce(), so a NULL
-- never reaches a NOT.  All are LANGUAGE sql with a single SELECT and no
-- FROM, so PostgreSQL inlines them into the query.  The time functions are
-- STABLE because timestamptz input and arithmetic are; an IMMUTABLE
-- function whose body is not immutable would not be inlined.
--
-- The extension's install and upgrade scripts carry a copy of these
-- functions (cfxql_numeric_strings there in C); the standalone semantic
-- checks load this file.

CREATE SCHEMA IF NOT EXISTS pstream;

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
-- NOTE: the ISO branch runs two regular expressions per value; a C
-- function would be several times faster on time-heavy queries.
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
-- ({"port": "80.0", "s": "x"} gives {"port": 80.0}).  With the compile
-- option numeric_string_index, "port = 80" tests
-- pstream.cfxql_numeric_strings(data) @> '{"port": 80}', which a GIN index
-- on this expression serves:
--   CREATE INDEX ON t USING gin (pstream.cfxql_numeric_strings(data) jsonb_path_ops);
-- Without that index the option makes each row build this object, which is
-- slower than the default per-value recheck.
CREATE FUNCTION pstream.cfxql_numeric_strings(record jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(jsonb_object_agg(key, pstream.cfxql_numeric_string(value)), '{}'::jsonb)
  FROM jsonb_each(CASE WHEN jsonb_typeof(record) = 'object' THEN record END)
  WHERE pstream.cfxql_numeric_string(value) IS NOT NULL
$$;
