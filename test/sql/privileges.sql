-- privileges: group roles, per-pstream grants and the 42501 errors of every function
--
-- Roles are cluster-wide, so every role made here starts with "privileges_"
-- and is dropped at the end.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pstream;
DROP ROLE IF EXISTS privileges_reader, privileges_writer, privileges_admin,
	privileges_limited, "Privileges_Mixed", privileges_nobody;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE privileges_reader NOLOGIN IN ROLE pstream_reader;
CREATE ROLE privileges_writer NOLOGIN IN ROLE pstream_writer;
CREATE ROLE privileges_admin NOLOGIN IN ROLE pstream_admin;
CREATE ROLE privileges_limited NOLOGIN;
CREATE ROLE "Privileges_Mixed" NOLOGIN;
CREATE ROLE privileges_nobody NOLOGIN;

SELECT pstream_create('privileges-a', '{"unique_keys": ["k"]}') IS NOT NULL AS created;
SELECT pstream_create('privileges-b') IS NOT NULL AS created;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a1", "k": 1, "v": "one"}, {"_RDA_Id": "a2", "k": 2, "v": "two"}]');
SELECT pstream_add('privileges-b', '[{"_RDA_Id": "b1", "k": 1}]');

-- the groups' privileges on a new data table, and its owner
SELECT pg_get_userbyid(relowner) AS owner,
       has_table_privilege('pstream_reader', oid, 'SELECT') AS reader_selects,
       has_table_privilege('pstream_reader', oid, 'INSERT') AS reader_inserts,
       has_table_privilege('pstream_writer', oid, 'INSERT, UPDATE, DELETE') AS writer_writes
FROM pg_class WHERE oid = 'pstream_data."privileges-a"'::regclass;

-- a reader reads, and every change fails with 42501 before touching anything
SET ROLE privileges_reader;
SELECT jsonb_path_query_array(pstream_query('privileges-a', sort => '{k}'), '$.pstream_data[*]._RDA_Id') AS read;
SELECT count(*) AS selected FROM pstream_select('privileges-a');
SELECT jsonb_typeof(pstream_metadata('privileges-a') -> 'Metadata') AS metadata_rows;
SELECT pstream_stats('privileges-a') -> 'Stats' -> 0 -> 'docs_count' AS docs_count;
SELECT jsonb_path_query_array(pstream_list('name = ''privileges-a'''), '$.pstreams[*].name') AS listed;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a3", "k": 3}]');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_update('privileges-a', 'k = 1', '{"v": "uno"}');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_delete('privileges-a', 'k = 1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pstream_purge_expired('privileges-a');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_drop('privileges-a', true);
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_edit('privileges-a', '{"unique_keys": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_create('privileges-by-reader');
\echo :LAST_ERROR_SQLSTATE
-- the reader cannot go around the functions either
INSERT INTO pstream_data."privileges-a" VALUES ('x', now(), '{}');
RESET ROLE;
SELECT id, data ->> 'v' AS v FROM pstream_data."privileges-a" ORDER BY id;
SELECT name, attributes FROM pstream.pstreams WHERE name LIKE 'privileges%' ORDER BY name;

-- a writer changes records but may not edit, drop or create
SET ROLE privileges_writer;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a3", "k": 3, "v": "three"}]');
SELECT pstream_update('privileges-a', 'k = 3', '{"v": "drei"}') -> 'updated' AS updated;
SELECT pstream_delete('privileges-a', 'k = 3') -> 'deleted' AS deleted;
SELECT pstream_edit('privileges-a', '{"retention_days": 1}');
SELECT pstream_drop('privileges-a');
SELECT pstream_create('privileges-by-writer');
-- a non-admin may not grant or revoke
SELECT pstream_grant('privileges-a', 'privileges_limited', 'read');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_revoke('privileges-a', 'privileges_reader', 'read');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS records_of_a FROM pstream_data."privileges-a";
SELECT pg_has_role('privileges_limited', 'pstream_user', 'MEMBER') AS limited_is_user;

-- an admin (not a superuser) creates, edits and drops, and grants access to one pstream
SET ROLE privileges_admin;
SELECT pstream_create('privileges-c') IS NOT NULL AS created;
SELECT pstream_edit('privileges-c', '{"retention_days": 7}') ->> 'retention_days' AS retention_days;
SELECT pstream_drop('privileges-c', true);
SELECT pstream_grant('privileges-a', 'privileges_limited', 'write');
SELECT pstream_grant('privileges-b', 'Privileges_Mixed', 'read');
-- arguments that do not name an access, a role or a pstream
SELECT pstream_grant('privileges-a', 'privileges_limited', 'admin');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_grant('privileges-a', 'privileges_missing', 'read');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_grant('privileges-missing', 'privileges_limited', 'read');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_has_role('privileges_limited', 'pstream_user', 'MEMBER') AS limited_is_user;
SELECT has_table_privilege('Privileges_Mixed', 'pstream_data."privileges-b"', 'SELECT') AS mixed_case_reads;

-- a writer limited to one pstream writes there and gets 42501 on the other
SET ROLE privileges_limited;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a4", "k": 4, "v": "four"}]');
SELECT pstream_update('privileges-a', 'k = 4', '{"v": "vier"}') -> 'updated' AS updated;
SELECT pstream_add('privileges-b', '[{"_RDA_Id": "b2", "k": 2}]');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_query('privileges-b');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_delete('privileges-b', 'k = 1');
-- the list shows only the pstreams the role may read
SELECT jsonb_path_query_array(pstream_list(), '$.pstreams[*].name') AS listed;
RESET ROLE;
SELECT id FROM pstream_data."privileges-b" ORDER BY id;

-- revoking write takes effect on the next call; reading still works
SET ROLE privileges_admin;
SELECT pstream_revoke('privileges-a', 'privileges_limited', 'write');
SET ROLE privileges_limited;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a5", "k": 5}]');
SELECT pstream_delete('privileges-a', 'k = 4');
SELECT jsonb_path_query_array(pstream_query('privileges-a', sort => '{k}'), '$.pstream_data[*]._RDA_Id') AS read;

-- revoking read takes all access away; granting it again gives it back
SET ROLE privileges_admin;
SELECT pstream_revoke('privileges-a', 'privileges_limited', 'read');
SET ROLE privileges_limited;
SELECT pstream_query('privileges-a');
SELECT jsonb_path_query_array(pstream_list(), '$.pstreams[*].name') AS listed;
SET ROLE privileges_admin;
SELECT pstream_grant('privileges-a', 'privileges_limited', 'read');
SET ROLE privileges_limited;
SELECT jsonb_path_query_array(pstream_query('privileges-a', sort => '{k}'), '$.pstream_data[*]._RDA_Id') AS read;
SELECT pstream_add('privileges-a', '[{"_RDA_Id": "a5", "k": 5}]');
RESET ROLE;
SELECT id, data ->> 'v' AS v FROM pstream_data."privileges-a" ORDER BY id;

-- a role in no pstream group may call no function
SET ROLE privileges_nobody;
SELECT pstream_query('privileges-a');
\echo :LAST_ERROR_SQLSTATE
SELECT pstream_list();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- clean up: the data tables go with delete_data, then the roles
SELECT pstream_drop('privileges-a', true);
SELECT pstream_drop('privileges-b', true);
DROP OWNED BY privileges_reader, privileges_writer, privileges_admin, privileges_limited,
	"Privileges_Mixed", privileges_nobody;
DROP ROLE privileges_reader, privileges_writer, privileges_admin, privileges_limited,
	"Privileges_Mixed", privileges_nobody;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname ILIKE 'privileges%';
