-- sessions: pstream.session_create(), session_role(), session_end() and session_purge()
--
-- Roles are cluster-wide, so every role made here starts with "sessions_"
-- and is dropped at the end.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
DROP ROLE IF EXISTS sessions_authenticator, sessions_user, sessions_outsider, sessions_reader;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE sessions_authenticator NOLOGIN IN ROLE pstream_authenticator;
CREATE ROLE sessions_user NOLOGIN;
CREATE ROLE sessions_outsider NOLOGIN;
CREATE ROLE sessions_reader NOLOGIN IN ROLE pstream_reader;
\set token '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
\set other_token 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210'
\set expired_token 'aaaabbbbccccddddaaaabbbbccccddddaaaabbbbccccddddaaaabbbbccccdddd'

-- the authenticator creates a session and looks it up
SET ROLE sessions_authenticator;
SELECT pstream.session_create('sessions_user', :'token', '1 hour') - now() AS valid_for;
SELECT pstream.session_role(:'token') AS role;
SELECT pstream.session_role(:'other_token') IS NULL AS unknown_is_null;
SELECT pstream.session_role('') IS NULL AS empty_is_null;
RESET ROLE;

-- only a hash is stored: the token appears nowhere in the table
SELECT role, octet_length(token_hash) AS hash_bytes,
       token_hash = sha256(convert_to(:'token', 'UTF8')) AS is_sha256,
       expires_at - created_at AS ttl
FROM pstream.sessions;
SELECT count(*) AS rows_with_token FROM pstream.sessions s
WHERE s::text LIKE '%' || :'token' || '%'
   OR position(convert_to(:'token', 'UTF8') IN s.token_hash) > 0
   OR encode(s.token_hash, 'hex') LIKE '%' || :'token' || '%'
   OR encode(s.token_hash, 'escape') LIKE '%' || :'token' || '%';
-- sessions are not dumped, so they do not survive a restore elsewhere
SELECT 'pstream.sessions'::regclass = ANY (extconfig) AS dumped FROM pg_extension WHERE extname = 'pstream';

-- an expired session has no role, and session_purge() deletes it
SET ROLE sessions_authenticator;
SELECT pstream.session_create('sessions_user', :'expired_token', '-1 second') < now() AS already_expired;
SELECT pstream.session_role(:'expired_token') IS NULL AS expired_is_null;
SELECT pstream.session_purge() AS purged;
SELECT pstream.session_purge() AS purged_again;

-- ending a session: true once, then false, and the token is unknown
SELECT pstream.session_end(:'token') AS ended;
SELECT pstream.session_end(:'token') AS ended_again;
SELECT pstream.session_role(:'token') IS NULL AS ended_is_null;

-- invalid arguments
SELECT pstream.session_create('sessions_user', 'short', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream.session_create('sessions_user', NULL, '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream.session_create('sessions_missing', :'token', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream.session_create('sessions_user', :'token', NULL);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS sessions_left FROM pstream.sessions;

-- only members of pstream_authenticator may call the session functions or
-- read the table, pstream users included
SET ROLE sessions_outsider;
SELECT pstream.session_create('sessions_user', :'token', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream.session_role(:'token');
SELECT pstream.session_end(:'token');
SELECT pstream.session_purge();
SET ROLE sessions_reader;
SELECT pstream.session_create('sessions_reader', :'token', '1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pstream.sessions;
RESET ROLE;
SELECT count(*) AS sessions_left FROM pstream.sessions;

DROP ROLE sessions_authenticator, sessions_user, sessions_outsider, sessions_reader;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'sessions\_%';
