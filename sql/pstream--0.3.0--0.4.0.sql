/* sql/pstream--0.3.0--0.4.0.sql -- upgrade of the pstream extension from 0.3.0 to 0.4.0 */

\echo Use "ALTER EXTENSION pstream UPDATE TO '0.4.0'" to load this file. \quit

/*
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
