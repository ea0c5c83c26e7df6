/*
 * pstream.h -- declarations shared by the C files of the pstream extension
 *
 * Every SQL-callable function connects to SPI once, calls the helpers
 * declared here, copies its result into the caller's context with
 * SPI_datumTransfer() and disconnects.  The helpers expect an open SPI
 * connection and allocate in the SPI procedure context unless their comment
 * names another context.
 */
#ifndef PSTREAM_H
#define PSTREAM_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

/* Maximum length of a pstream name, in bytes (names are ASCII). */
#define PSTREAM_NAME_MAX_LEN 255

/* Paging limits of every table report. */
#define PSTREAM_LIMIT_MAX 10000

/* Bits of pstream.columns.type_flags; JSON null sets none. */
#define PSTREAM_TYPE_TIME_STRING	0x01
#define PSTREAM_TYPE_STRING			0x02
#define PSTREAM_TYPE_NUMBER			0x04
#define PSTREAM_TYPE_BOOLEAN		0x08
#define PSTREAM_TYPE_OBJECT			0x10
#define PSTREAM_TYPE_ARRAY			0x20

/* A catalog row of pstream.pstreams, read by pstream_lookup(). */
typedef struct PstreamInfo
{
	char	   *name;
	char	   *table_name;		/* unquoted relation name in pstream_data */
	char	   *qualified_table;	/* quoted "pstream_data"."..." for SQL text */
	Jsonb	   *attributes;
} PstreamInfo;

/* Row lock that pstream_lookup() takes on the catalog row. */
typedef enum PstreamLock
{
	PSTREAM_LOCK_NONE,
	PSTREAM_LOCK_KEY_SHARE,		/* adds: a concurrent drop or edit waits */
	PSTREAM_LOCK_UPDATE			/* edit: waits for running adds */
} PstreamLock;

/*
 * What a caller wants to do with a pstream, checked by pstream_lookup()
 * against the caller's privileges on its data table before anything else.
 */
typedef enum PstreamAction
{
	PSTREAM_ACTION_NONE,		/* internal lookup, no check */
	PSTREAM_ACTION_READ,		/* SELECT */
	PSTREAM_ACTION_ADD,			/* INSERT */
	PSTREAM_ACTION_UPDATE,		/* UPDATE */
	PSTREAM_ACTION_DELETE,		/* DELETE */
	PSTREAM_ACTION_EDIT,		/* pstream_admin or owner */
	PSTREAM_ACTION_DROP			/* pstream_admin or owner */
} PstreamAction;

/*
 * A compiled CFXQL query: a SQL condition over the jsonb expression "data"
 * (never NULL-valued) and the GET projection as parallel lists of record
 * keys and output names (NIL when the query has none).
 */
typedef struct PstreamFilter
{
	char	   *condition;
	bool		match_all;		/* no filter: "", "*" or only a projection */
	List	   *fields;			/* of char *: record keys */
	List	   *names;			/* of char *: output names */
} PstreamFilter;

/* pstream_cfxql.c */
extern PstreamFilter *pstream_compile_filter(const char *query, bool case_sensitive,
											 PstreamInfo *info);
extern PstreamFilter *pstream_try_compile_filter(const char *query, bool case_sensitive,
												 PstreamInfo *info);
extern PstreamFilter *pstream_compile_modify_filter(const char *query, bool case_sensitive,
													PstreamInfo *info);
extern void pstream_check_purge_filter(const char *filter_text);

/* pstream_name.c */
extern void pstream_check_name(const char *name);
extern char *pstream_table_name(const char *name);
extern char *pstream_index_name(const char *table_name, const char *suffix);
extern char *pstream_qualified_table(const char *table_name);
extern void pstream_hash_hex(const char *text, char *hex);

/* pstream_catalog.c */
extern PstreamInfo *pstream_lookup(const char *name, PstreamLock lock, PstreamAction action);
extern Datum pstream_list_row(const char *name);
extern void pstream_rebuild_unique_index(PstreamInfo *info);

/* pstream_privileges.c */
extern void pstream_check_privilege(const char *name, const char *table_name,
									PstreamAction action);
extern void pstream_check_create_privilege(const char *name);
extern bool pstream_access_model_installed(void);
extern void pstream_grant_group_privileges(const char *table);

/* The indexing attribute: which indexes beside id, ts and unique_keys a data table has. */
typedef enum PstreamIndexing
{
	PSTREAM_INDEXING_ALL,		/* GIN over all fields, and the search index */
	PSTREAM_INDEXING_FIELDS,	/* B-tree expression indexes on listed fields */
	PSTREAM_INDEXING_NONE
} PstreamIndexing;

/* pstream_attributes.c */
extern PstreamIndexing pstream_indexing(Jsonb *attributes, List **fields);
extern Jsonb *pstream_check_attributes(Jsonb *attributes);
extern char *pstream_time_field(Jsonb *attributes);
extern List *pstream_unique_keys(Jsonb *attributes);
extern JsonbValue *pstream_get_attribute(Jsonb *attributes, const char *key);
extern void pstream_append_key_exprs(StringInfo sql, List *keys, const char *separator,
									 const char *suffix);

/* pstream_metadata.c */
extern int	pstream_value_flag(JsonbValue *value);
extern const char *pstream_mapped_type_name(int flags);
extern void pstream_update_columns(const char *table_name, List *names, List *flags);
extern int64 pstream_rollup_counts(const char *table_name);

/* pstream_report.c */

/* One entry of a sort list: "field" ascending or "-field" descending. */
typedef struct PstreamSortField
{
	char	   *spec;			/* as given, echoed in the report */
	char	   *field;
	bool		descending;
} PstreamSortField;

/*
 * A table report to build.  source_sql is a SELECT of (id text, ts
 * timestamptz, data jsonb) rows; it may use $8 (attributes), $9
 * (source_param) and $12 (search, text, NULL when unset).  Rows sort by the
 * sort list, then by id bytewise.  With a projection, each returned row is
 * built from the listed fields and the column list follows the projection.
 */
typedef struct PstreamReport
{
	const char *rows_key;		/* "pstreams", "pstream_data", "Metadata", "Stats" */
	const char *title;
	const char *source_sql;
	List	   *sort;			/* of PstreamSortField */
	const char *time_field;		/* field that sorts by the ts column, or NULL */
	const char *columns_table;	/* take column types from pstream.columns of this
								 * data table; NULL takes them from the rows */
	List	   *key_fields;		/* fields whose column definition has "key": true */
	Jsonb	   *attributes;		/* if set, returned beside the rows as "attributes" */
	Oid			source_param_type;	/* InvalidOid when $9 is unused */
	Datum		source_param;
	const char *search;			/* echoed as "search"; NULL when unset */
	List	   *aggregate_names;	/* of char *: columns typed NUMBER */
	bool		materialize_source; /* compute source_sql once, for group rows */
	List	   *projection_fields;	/* of char *; NIL: whole records */
	List	   *projection_names;	/* of char *, parallel to projection_fields */
	int64		offset;
	int32		limit;
} PstreamReport;

extern void pstream_check_paging(int64 offset, int32 limit);
extern List *pstream_parse_sort(ArrayType *sort);
extern Datum pstream_build_report(PstreamReport *report);
extern char *pstream_projection_expression(int fields_param, int names_param);
extern int	pstream_spi_execute_cached(const char *sql, int nargs, Oid *types, Datum *values,
									   const char *nulls, bool read_only, long count,
									   bool generic);

/* pstream_search.c */
extern bool pstream_search_index_exists(void);
extern bool pstream_table_has_search_index(const char *table_name);
extern const char *pstream_search_condition(bool case_insensitive, bool with_index);
extern char *pstream_search_index_sql(const char *index_name, const char *table);

/* pstream_group.c */
extern char *pstream_group_source(const char *source_sql, ArrayType *group_by, ArrayType *aggs,
								  List **aggregate_names);

/* Parameter numbers of the report statement that source_sql may use. */
#define PSTREAM_REPORT_SEARCH_PARAM 12

/*
 * SQL condition of the search parameter $12 over the record "data": some
 * top-level string, number or boolean contains the search text, with both
 * folded by lower() in the first form.
 */
#define PSTREAM_SEARCH_SQL_CI \
	"EXISTS (SELECT 1 FROM jsonb_each(data) AS e WHERE jsonb_typeof(e.value) " \
	"IN ('string', 'number', 'boolean') AND strpos(lower(e.value #>> '{}'), lower($12::text)) > 0)"
#define PSTREAM_SEARCH_SQL_CS \
	"EXISTS (SELECT 1 FROM jsonb_each(data) AS e WHERE jsonb_typeof(e.value) " \
	"IN ('string', 'number', 'boolean') AND strpos(e.value #>> '{}', $12::text) > 0)"

/* pstream_util.c */
extern char *pstream_format_iso_time(TimestampTz time);
extern bool pstream_read_time(JsonbValue *value, TimestampTz *time);
extern int	pstream_spi_execute(const char *sql, int nargs, Oid *types, Datum *values,
								const char *nulls, bool read_only, long count);
extern Datum pstream_jsonb_from_text(const char *text);
extern void pstream_escape_json(StringInfo buf, const char *text);
extern Datum pstream_text_array(List *strings);
extern char *pstream_jsonb_text(JsonbValue *value);

/*
 * The list row of a pstream, as a SQL expression over pstream.pstreams:
 * every attribute, then the fixed fields, which win over attributes of the
 * same name.
 */
#define PSTREAM_LIST_ROW_SQL \
	"attributes || jsonb_build_object('name', name, " \
	"'system_defined', CASE WHEN system_defined THEN 'yes' ELSE 'no' END, " \
	"'timestamp', pstream.iso_time(modified_at))"

#endif							/* PSTREAM_H */
