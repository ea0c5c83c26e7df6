/*
 * pstream_privileges.c -- privilege checks of the pstream functions and grants of new data tables
 *
 * The functions run as the caller (SECURITY INVOKER), so PostgreSQL's own
 * privileges decide.  To give a clear error before anything changes, each
 * function first checks the caller's privilege on the pstream's data table:
 * SELECT to read, INSERT to add, UPDATE to update, DELETE to delete or purge.
 * Creating a pstream needs membership in pstream_admin; editing or dropping
 * one needs that membership or the privileges of the data table's owner.
 *
 * The group roles and pstream.sessions come with the 0.4.0 install or
 * upgrade script.  This library also serves databases still at an older
 * version, where new data tables get no group grants.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pstream.h"

#define ADMIN_ROLE "pstream_admin"

/* Return whether the current user has the privileges of pstream_admin. */
static bool
is_pstream_admin(void)
{
	Oid			admin = get_role_oid(ADMIN_ROLE, true);

	if (superuser())
		return true;
	return OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
}

static const char *
current_role_name(void)
{
	return GetUserNameFromId(GetUserId(), false);
}

static void
raise_missing_table_privilege(const char *verb, const char *name, const char *privilege,
							  const char *table_name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s pstream \"%s\"", verb, name),
			 errdetail("Role \"%s\" lacks %s on %s.", current_role_name(), privilege,
					   pstream_qualified_table(table_name)),
			 errhint("A member of pstream_admin can give access with pstream_grant().")));
}

/*
 * Raise 42501 unless the current user may do action on the pstream whose
 * data table is pstream_data.<table_name>.  A missing data table raises
 * nothing here, so the caller's own error decides.
 */
void
pstream_check_privilege(const char *name, const char *table_name, PstreamAction action)
{
	Oid			relid;
	AclMode		mode;
	const char *privilege;
	const char *verb;

	if (action == PSTREAM_ACTION_NONE)
		return;

	relid = get_relname_relid(table_name, get_namespace_oid("pstream_data", false));
	if (!OidIsValid(relid))
		return;

	switch (action)
	{
		case PSTREAM_ACTION_READ:
			mode = ACL_SELECT;
			privilege = "SELECT";
			verb = "read";
			break;
		case PSTREAM_ACTION_ADD:
			mode = ACL_INSERT;
			privilege = "INSERT";
			verb = "add records to";
			break;
		case PSTREAM_ACTION_UPDATE:
			mode = ACL_UPDATE;
			privilege = "UPDATE";
			verb = "update records of";
			break;
		case PSTREAM_ACTION_DELETE:
			mode = ACL_DELETE;
			privilege = "DELETE";
			verb = "delete records of";
			break;
		case PSTREAM_ACTION_EDIT:
		case PSTREAM_ACTION_DROP:
			{
				HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
				Oid			owner;

				if (!HeapTupleIsValid(tuple))
					elog(ERROR, "cache lookup failed for relation %u", relid);
				owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
				ReleaseSysCache(tuple);

				if (is_pstream_admin() || has_privs_of_role(GetUserId(), owner))
					return;
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied to %s pstream \"%s\"",
								action == PSTREAM_ACTION_EDIT ? "edit" : "drop", name),
						 errdetail("Role \"%s\" is neither a member of %s nor the owner of %s.",
								   current_role_name(), ADMIN_ROLE,
								   pstream_qualified_table(table_name))));
			}
			return;
		default:
			elog(ERROR, "unknown pstream action %d", (int) action);
			return;
	}

	if (pg_class_aclcheck(relid, GetUserId(), mode) != ACLCHECK_OK)
		raise_missing_table_privilege(verb, name, privilege, table_name);
}

/*
 * Raise 42501 unless the current user may create pstreams.  In a database
 * still at a version before 0.4.0 there are no pstream roles to check, so
 * PostgreSQL's privileges on the catalog and schema decide alone.
 */
void
pstream_check_create_privilege(const char *name)
{
	if (!pstream_access_model_installed() || is_pstream_admin())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to create pstream \"%s\"", name),
			 errdetail("Role \"%s\" is not a member of %s.", current_role_name(), ADMIN_ROLE)));
}

/* Return whether the 0.4.0 script has run: pstream.sessions exists. */
bool
pstream_access_model_installed(void)
{
	bool		isnull;

	pstream_spi_execute("SELECT to_regclass('pstream.sessions') IS NOT NULL",
						0, NULL, NULL, NULL, false, 1);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Give a new data table (quoted, schema-qualified) the privileges of the
 * pstream groups and make pstream_admin its owner, so that every admin may
 * edit or drop it.  Does nothing before 0.4.0.
 */
void
pstream_grant_group_privileges(const char *table)
{
	if (!pstream_access_model_installed())
		return;

	pstream_spi_execute(psprintf("GRANT SELECT ON %s TO pstream_reader", table),
						0, NULL, NULL, NULL, false, 0);
	pstream_spi_execute(psprintf("GRANT INSERT, UPDATE, DELETE ON %s TO pstream_writer", table),
						0, NULL, NULL, NULL, false, 0);
	pstream_spi_execute(psprintf("ALTER TABLE %s OWNER TO " ADMIN_ROLE, table),
						0, NULL, NULL, NULL, false, 0);
}
