/*
 * pstream_add.c -- pstream_add(): adding a batch of JSON records, all or nothing
 *
 * Each record is prepared in this order.  First default_values fill fields
 * that are missing, null or "", then drop_columns are removed, then a missing
 * or null time field gets the add time.  Last, an _RDA_Id (32 lowercase hex
 * digits from pg_strong_random()) is set unless the record brings a string
 * one.  The record time (column ts) is the time field when it reads as a time
 * (pstream_time.h), else the add time.
 *
 * Storing takes one of three paths:
 *  - no unique_keys and no record that brings an _RDA_Id: no record can
 *    merge, so the whole batch goes in with one INSERT ... SELECT FROM
 *    unnest() of three bound arrays;
 *  - unique_keys and no record that brings an _RDA_Id: records of the batch
 *    that share their key values are folded here first, in order, each later
 *    one merged into the first as a stored record would be.  The folded
 *    batch then goes in with one INSERT ... SELECT FROM unnest() ... ON
 *    CONFLICT on the unique index, which merges a record into a stored one
 *    with the same key values and makes a concurrent add of the same key
 *    values wait and then merge;
 *  - a record brings an _RDA_Id: one statement per record, prepared once per
 *    call, in order, so a later record can merge into an earlier one of the
 *    same batch.  A record whose _RDA_Id is stored merges by UPDATE; else,
 *    with unique_keys, an INSERT ... ON CONFLICT merges it as above.
 *
 * A merge keeps the stored _RDA_Id, lets the new record's top-level keys win
 * and takes the new record's time.
 *
 * Any error (a bad element, a merge that breaks unique_keys) aborts the
 * statement, so nothing of the batch is stored.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "pstream.h"

PG_FUNCTION_INFO_V1(pstream_add);

#define ID_FIELD "_RDA_Id"
#define ID_BYTES 16

/* Settings of one call, read from the pstream's attributes. */
typedef struct AddContext
{
	PstreamInfo *info;
	char	   *time_field;
	JsonbContainer *default_values;	/* NULL when unset */
	List	   *drop_columns;	/* of char * */
	List	   *unique_keys;	/* of char * */
	TimestampTz add_time;
	char	   *add_time_text;
	HTAB	   *columns;		/* ColumnEntry per field seen in the batch */
	MemoryContext call_cxt;		/* holds the column table and prepared records */
	MemoryContext record_cxt;	/* reset after each record */
} AddContext;

/* One prepared record, kept in the call's context. */
typedef struct PreparedRecord
{
	char	   *id;
	bool		brought_id;
	TimestampTz ts;
	Jsonb	   *data;
} PreparedRecord;

/* Top-level fields of a record being prepared, as parallel arrays. */
typedef struct FieldList
{
	JsonbValue *keys;
	JsonbValue *values;
	int			count;
} FieldList;

typedef struct ColumnEntry
{
	char	   *name;			/* hash key; points to a copy in the call context */
	int			flags;
} ColumnEntry;

static uint32
column_hash(const void *key, Size keysize)
{
	const char *name = *(char *const *) key;

	return hash_bytes((const unsigned char *) name, strlen(name));
}

static int
column_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

static HTAB *
create_column_table(void)
{
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(ColumnEntry);
	ctl.hash = column_hash;
	ctl.match = column_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("pstream_add columns", 64, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static const char *
json_type_name(JsonbValue *value)
{
	switch (value->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsObject(value->val.binary.data) ? "object" : "array";
		default:
			return "value";
	}
}

static JsonbValue *
make_string(const char *text)
{
	JsonbValue *value = palloc(sizeof(JsonbValue));

	value->type = jbvString;
	value->val.string.val = pstrdup(text);
	value->val.string.len = strlen(text);
	return value;
}

static bool
key_equals(JsonbValue *key, const char *name)
{
	return key->val.string.len == (int) strlen(name) &&
		memcmp(key->val.string.val, name, key->val.string.len) == 0;
}

static int
find_field(FieldList *fields, const char *name)
{
	for (int i = 0; i < fields->count; i++)
	{
		if (key_equals(&fields->keys[i], name))
			return i;
	}
	return -1;
}

static void
set_field(FieldList *fields, const char *name, JsonbValue *value)
{
	int			i = find_field(fields, name);

	if (i < 0)
	{
		i = fields->count++;
		fields->keys[i] = *make_string(name);
	}
	fields->values[i] = *value;
}

static void
remove_field(FieldList *fields, int i)
{
	fields->count--;
	fields->keys[i] = fields->keys[fields->count];
	fields->values[i] = fields->values[fields->count];
}

/* Read the top-level fields of a record, leaving room for extra ones. */
static FieldList *
read_fields(JsonbContainer *record, int extra)
{
	FieldList  *fields = palloc(sizeof(FieldList));
	int			capacity = JsonContainerSize(record) + extra;
	JsonbIterator *it = JsonbIteratorInit(record);
	JsonbValue	value;
	JsonbIteratorToken token;

	fields->keys = palloc(sizeof(JsonbValue) * capacity);
	fields->values = palloc(sizeof(JsonbValue) * capacity);
	fields->count = 0;

	while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			fields->keys[fields->count] = value;
		else if (token == WJB_VALUE)
			fields->values[fields->count++] = value;
	}
	return fields;
}

/* Fill default values into fields that are missing, null or "". */
static void
apply_default_values(AddContext *cxt, FieldList *fields)
{
	JsonbIterator *it;
	JsonbValue	value;
	JsonbValue	key = {0};
	JsonbIteratorToken token;

	if (cxt->default_values == NULL)
		return;

	it = JsonbIteratorInit(cxt->default_values);
	while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
	{
		char	   *name;
		int			i;

		if (token == WJB_KEY)
		{
			key = value;
			continue;
		}
		if (token != WJB_VALUE)
			continue;

		name = pnstrdup(key.val.string.val, key.val.string.len);
		i = find_field(fields, name);
		if (i < 0 || fields->values[i].type == jbvNull ||
			(fields->values[i].type == jbvString && fields->values[i].val.string.len == 0))
			set_field(fields, name, &value);
	}
}

static void
apply_drop_columns(AddContext *cxt, FieldList *fields)
{
	ListCell   *lc;

	foreach(lc, cxt->drop_columns)
	{
		int			i = find_field(fields, (char *) lfirst(lc));

		if (i >= 0)
			remove_field(fields, i);
	}
}

/* Fill a missing or null time field and work out the record time. */
static TimestampTz
apply_time_field(AddContext *cxt, FieldList *fields)
{
	int			i = find_field(fields, cxt->time_field);
	TimestampTz ts;

	if (i < 0 || fields->values[i].type == jbvNull)
	{
		set_field(fields, cxt->time_field, make_string(cxt->add_time_text));
		return cxt->add_time;
	}
	if (pstream_read_time(&fields->values[i], &ts))
		return ts;
	return cxt->add_time;
}

static char *
generate_id(void)
{
	uint8		bytes[ID_BYTES];
	char	   *hex = palloc(ID_BYTES * 2 + 1);

	if (!pg_strong_random(bytes, ID_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random _RDA_Id")));
	for (int i = 0; i < ID_BYTES; i++)
		sprintf(hex + 2 * i, "%02x", bytes[i]);
	return hex;
}

/* Keep a brought string _RDA_Id, else set a new one.  Returns whether brought. */
static bool
apply_id(FieldList *fields, char **id)
{
	int			i = find_field(fields, ID_FIELD);

	if (i >= 0 && fields->values[i].type == jbvString)
	{
		*id = pnstrdup(fields->values[i].val.string.val, fields->values[i].val.string.len);
		return true;
	}
	*id = generate_id();
	set_field(fields, ID_FIELD, make_string(*id));
	return false;
}

/* OR each field's type bit into the column table of the call. */
static void
note_column_types(AddContext *cxt, FieldList *fields)
{
	for (int i = 0; i < fields->count; i++)
	{
		char	   *name = pnstrdup(fields->keys[i].val.string.val, fields->keys[i].val.string.len);
		bool		found;
		ColumnEntry *entry = hash_search(cxt->columns, &name, HASH_ENTER, &found);

		if (!found)
		{
			entry->name = MemoryContextStrdup(cxt->call_cxt, name);
			entry->flags = 0;
		}
		entry->flags |= pstream_value_flag(&fields->values[i]);
	}
}

static Jsonb *
build_record(FieldList *fields)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < fields->count; i++)
	{
		pushJsonbValue(&state, WJB_KEY, &fields->keys[i]);
		pushJsonbValue(&state, WJB_VALUE, &fields->values[i]);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

/*
 * Prepare one record in the short-lived record context and copy the result
 * into the caller's context.
 */
static void
prepare_record(AddContext *cxt, JsonbContainer *record, PreparedRecord *out)
{
	MemoryContext call_cxt = MemoryContextSwitchTo(cxt->record_cxt);
	int			extra = 2 + (cxt->default_values ? JsonContainerSize(cxt->default_values) : 0);
	FieldList  *fields = read_fields(record, extra);
	char	   *id;
	Jsonb	   *data;

	apply_default_values(cxt, fields);
	apply_drop_columns(cxt, fields);
	out->ts = apply_time_field(cxt, fields);
	out->brought_id = apply_id(fields, &id);
	note_column_types(cxt, fields);
	data = build_record(fields);

	MemoryContextSwitchTo(call_cxt);
	out->id = pstrdup(id);
	out->data = palloc(VARSIZE(data));
	memcpy(out->data, data, VARSIZE(data));
	MemoryContextReset(cxt->record_cxt);
}

/* Check the batch and prepare every record; raise 22023 on the first bad element. */
static PreparedRecord *
prepare_batch(AddContext *cxt, Jsonb *records, int *count)
{
	PreparedRecord *prepared;

	if (!JB_ROOT_IS_ARRAY(records) || JB_ROOT_IS_SCALAR(records))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("records must be a JSON array"),
				 errdetail("The records argument is a JSON %s.",
						   JB_ROOT_IS_OBJECT(records) ? "object" : "scalar")));

	*count = JB_ROOT_COUNT(records);
	prepared = palloc0(sizeof(PreparedRecord) * Max(*count, 1));
	for (int i = 0; i < *count; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&records->root, i);

		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("record %d is not a JSON object", i),
					 errdetail("The element at index %d of the records array is a JSON %s.",
							   i, json_type_name(elem))));
		prepare_record(cxt, elem->val.binary.data, &prepared[i]);
		pfree(elem);
	}
	return prepared;
}

/* Bind the ids, times and data of records as the arrays $1, $2 and $3. */
static void
bind_record_arrays(PreparedRecord *records, int count, Oid *types, Datum *values)
{
	Datum	   *ids = palloc(sizeof(Datum) * count);
	Datum	   *times = palloc(sizeof(Datum) * count);
	Datum	   *datas = palloc(sizeof(Datum) * count);

	for (int i = 0; i < count; i++)
	{
		ids[i] = CStringGetTextDatum(records[i].id);
		times[i] = TimestampTzGetDatum(records[i].ts);
		datas[i] = JsonbPGetDatum(records[i].data);
	}
	types[0] = TEXTARRAYOID;
	types[1] = TIMESTAMPTZARRAYOID;
	types[2] = JSONBARRAYOID;
	values[0] = PointerGetDatum(construct_array(ids, count, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(times, count, TIMESTAMPTZOID, sizeof(TimestampTz),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[2] = PointerGetDatum(construct_array(datas, count, JSONBOID, -1, false, TYPALIGN_INT));
}

/* Store the whole batch with one INSERT: the path without possible merges. */
static void
insert_batch(AddContext *cxt, PreparedRecord *records, int count)
{
	Oid			types[3];
	Datum		values[3];

	bind_record_arrays(records, count, types, values);
	pstream_spi_execute(psprintf("INSERT INTO %s (id, ts, data) "
								 "SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[])",
								 cxt->info->qualified_table),
						3, types, values, NULL, false, 0);
}

/*
 * The unique_keys values of one record, each as a jsonb value, with their
 * combined hash.  Two records share their key values when every value is
 * equal by jsonb equality, the equality of the unique index (so 80 and 80.0
 * are equal, 80 and "80" are not).
 */
typedef struct KeyValues
{
	uint32		hash;
	int			count;
	Jsonb	  **values;
} KeyValues;

/* An entry of the fold table: the first record of the batch with those key values. */
typedef struct KeyGroup
{
	KeyValues  *key;			/* hash key */
	int			record;			/* index into the folded batch */
} KeyGroup;

static uint32
key_values_hash(const void *key, Size keysize)
{
	return (*(KeyValues *const *) key)->hash;
}

static int
key_values_match(const void *key1, const void *key2, Size keysize)
{
	KeyValues  *a = *(KeyValues *const *) key1;
	KeyValues  *b = *(KeyValues *const *) key2;

	if (a->hash != b->hash)
		return 1;
	for (int i = 0; i < a->count; i++)
	{
		if (compareJsonbContainers(&a->values[i]->root, &b->values[i]->root) != 0)
			return 1;
	}
	return 0;
}

/*
 * Read the unique_keys values of a prepared record.  Returns NULL when a key
 * is missing or JSON null, because the unique index leaves such a record
 * out, so it never merges.
 */
static KeyValues *
read_key_values(AddContext *cxt, Jsonb *data)
{
	KeyValues  *key = palloc(sizeof(KeyValues));
	ListCell   *lc;

	key->count = 0;
	key->hash = 0;
	key->values = palloc(sizeof(Jsonb *) * list_length(cxt->unique_keys));
	foreach(lc, cxt->unique_keys)
	{
		const char *name = (const char *) lfirst(lc);
		JsonbValue *value = getKeyJsonValueFromContainer(&data->root, name, strlen(name), NULL);
		Jsonb	   *jsonb;

		if (value == NULL || value->type == jbvNull)
			return NULL;
		jsonb = JsonbValueToJsonb(value);
		key->hash = hash_combine(key->hash,
								 DatumGetUInt32(DirectFunctionCall1(jsonb_hash, JsonbPGetDatum(jsonb))));
		key->values[key->count++] = jsonb;
	}
	return key;
}

/* Merge a later record into an earlier one, as the ON CONFLICT clause does. */
static void
merge_into(PreparedRecord *earlier, PreparedRecord *later)
{
	Datum		new_fields = DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(later->data),
												 CStringGetTextDatum(ID_FIELD));

	earlier->data = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
													   JsonbPGetDatum(earlier->data), new_fields));
	earlier->ts = later->ts;
}

/*
 * Fold the records of a batch that share their unique_keys values, in order:
 * each later record merges into the first one with the same values, which
 * keeps its place.  Compacts records in place, returns the new count and
 * adds the number of merges to *merged.
 */
static int
fold_batch(AddContext *cxt, PreparedRecord *records, int count, int *merged)
{
	HASHCTL		ctl = {0};
	HTAB	   *groups;
	int			kept = 0;

	ctl.keysize = sizeof(KeyValues *);
	ctl.entrysize = sizeof(KeyGroup);
	ctl.hash = key_values_hash;
	ctl.match = key_values_match;
	ctl.hcxt = CurrentMemoryContext;
	groups = hash_create("pstream_add unique key values", count, &ctl,
						 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	for (int i = 0; i < count; i++)
	{
		KeyValues  *key = read_key_values(cxt, records[i].data);
		KeyGroup   *group;
		bool		found;

		if (key != NULL)
		{
			group = hash_search(groups, &key, HASH_ENTER, &found);
			if (found)
			{
				merge_into(&records[group->record], &records[i]);
				(*merged)++;
				continue;
			}
			group->key = key;
			group->record = kept;
		}
		records[kept++] = records[i];
	}
	hash_destroy(groups);
	return kept;
}

static int
compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Store a batch of a pstream with unique_keys in which no record brings an
 * _RDA_Id, with one INSERT ... ON CONFLICT.  Returns the number of merges.
 */
static int
upsert_batch(AddContext *cxt, PreparedRecord *records, int count)
{
	StringInfoData sql;
	Oid			types[3];
	Datum		values[3];
	char	  **new_ids;
	int			merged = 0;

	count = fold_batch(cxt, records, count, &merged);

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s AS t (id, ts, data) "
					 "SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[]) ON CONFLICT (",
					 cxt->info->qualified_table);
	pstream_append_key_exprs(&sql, cxt->unique_keys, ", ", "");
	appendStringInfoString(&sql, ") WHERE ");
	pstream_append_key_exprs(&sql, cxt->unique_keys, " AND ", " <> 'null'::jsonb");
	appendStringInfoString(&sql, " DO UPDATE SET data = t.data || (EXCLUDED.data - '" ID_FIELD "'), "
						   "ts = EXCLUDED.ts RETURNING id");

	bind_record_arrays(records, count, types, values);
	pstream_spi_execute(sql.data, 3, types, values, NULL, false, 0);

	/*
	 * Each record comes back once, with its own new id if it was inserted,
	 * else with the id of the stored record that it merged into.
	 */
	new_ids = palloc(sizeof(char *) * count);
	for (int i = 0; i < count; i++)
		new_ids[i] = records[i].id;
	qsort(new_ids, count, sizeof(char *), compare_ids);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		char	   *id = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1);

		if (bsearch(&id, new_ids, count, sizeof(char *), compare_ids) == NULL)
			merged++;
	}
	return merged;
}

static SPIPlanPtr
prepare_plan(const char *sql)
{
	static Oid	types[3] = {TEXTOID, JSONBOID, TIMESTAMPTZOID};
	SPIPlanPtr	plan = SPI_prepare(sql, 3, types);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	return plan;
}

/* Run a plan with ($1 id, $2 data, $3 ts); return the id it returns, or NULL. */
static char *
execute_record_plan(SPIPlanPtr plan, PreparedRecord *record)
{
	Datum		values[3];
	int			ret;

	values[0] = CStringGetTextDatum(record->id);
	values[1] = JsonbPGetDatum(record->data);
	values[2] = TimestampTzGetDatum(record->ts);
	ret = SPI_execute_plan(plan, values, NULL, false, 0);
	if (ret < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * Store records one by one, in order, for a batch in which a record brings
 * an _RDA_Id.  Returns the number of merges.
 */
static int
insert_records_in_order(AddContext *cxt, PreparedRecord *records, int count)
{
	const char *table = cxt->info->qualified_table;
	SPIPlanPtr	update_by_id;
	SPIPlanPtr	insert;
	StringInfoData sql;
	int			merged = 0;

	update_by_id = prepare_plan(psprintf("UPDATE %s AS t SET data = t.data || $2, ts = $3 "
										 "WHERE id = $1 RETURNING id", table));

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s AS t (id, ts, data) VALUES ($1, $3, $2)", table);
	if (cxt->unique_keys != NIL)
	{
		appendStringInfoString(&sql, " ON CONFLICT (");
		pstream_append_key_exprs(&sql, cxt->unique_keys, ", ", "");
		appendStringInfoString(&sql, ") WHERE ");
		pstream_append_key_exprs(&sql, cxt->unique_keys, " AND ", " <> 'null'::jsonb");
		appendStringInfoString(&sql, " DO UPDATE SET data = t.data || (EXCLUDED.data - '" ID_FIELD "'), "
							   "ts = EXCLUDED.ts");
	}
	appendStringInfoString(&sql, " RETURNING id");
	insert = prepare_plan(sql.data);

	for (int i = 0; i < count; i++)
	{
		char	   *stored_id;

		CHECK_FOR_INTERRUPTS();
		if (records[i].brought_id && execute_record_plan(update_by_id, &records[i]) != NULL)
		{
			merged++;
			continue;
		}

		/* A returned id other than the record's own is the stored record it merged into. */
		stored_id = execute_record_plan(insert, &records[i]);
		if (stored_id != NULL && strcmp(stored_id, records[i].id) != 0)
			merged++;
	}

	SPI_freeplan(update_by_id);
	SPI_freeplan(insert);
	return merged;
}

static void
update_column_metadata(AddContext *cxt)
{
	HASH_SEQ_STATUS status;
	ColumnEntry *entry;
	List	   *names = NIL;
	List	   *flags = NIL;

	hash_seq_init(&status, cxt->columns);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		names = lappend(names, entry->name);
		flags = lappend_int(flags, entry->flags);
	}
	pstream_update_columns(cxt->info->table_name, names, flags);
}

/* Return the drop_columns attribute as a List of C strings (NIL when unset). */
static List *
read_drop_columns(Jsonb *attributes)
{
	JsonbValue *drop = pstream_get_attribute(attributes, "drop_columns");
	List	   *names = NIL;

	if (drop == NULL || drop->type != jbvBinary)
		return NIL;

	for (int i = 0; i < JsonContainerSize(drop->val.binary.data); i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(drop->val.binary.data, i);

		if (elem->type == jbvString)
			names = lappend(names, pnstrdup(elem->val.string.val, elem->val.string.len));
	}
	return names;
}

static void
init_add_context(AddContext *cxt, const char *name)
{
	JsonbValue *defaults;

	cxt->info = pstream_lookup(name, PSTREAM_LOCK_KEY_SHARE, PSTREAM_ACTION_ADD);
	cxt->time_field = pstream_time_field(cxt->info->attributes);
	cxt->unique_keys = pstream_unique_keys(cxt->info->attributes);

	defaults = pstream_get_attribute(cxt->info->attributes, "default_values");
	if (defaults != NULL && defaults->type == jbvBinary)
		cxt->default_values = defaults->val.binary.data;

	cxt->drop_columns = read_drop_columns(cxt->info->attributes);

	cxt->add_time = GetCurrentTimestamp();
	cxt->add_time_text = pstream_format_iso_time(cxt->add_time);
	cxt->call_cxt = CurrentMemoryContext;
	cxt->columns = create_column_table();
	cxt->record_cxt = AllocSetContextCreate(CurrentMemoryContext, "pstream_add record",
											ALLOCSET_DEFAULT_SIZES);
}

/*
 * pstream_add(name text, records jsonb) returns jsonb
 *
 * Returns {"added": n, "merged": m}.
 */
Datum
pstream_add(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *records = PG_GETARG_JSONB_P(1);
	AddContext	cxt = {0};
	PreparedRecord *prepared;
	int			count;
	int			merged = 0;
	bool		any_brought_id = false;

	SPI_connect();
	init_add_context(&cxt, name);
	prepared = prepare_batch(&cxt, records, &count);

	for (int i = 0; i < count; i++)
		any_brought_id |= prepared[i].brought_id;

	if (count > 0 && any_brought_id)
		merged = insert_records_in_order(&cxt, prepared, count);
	else if (count > 0 && cxt.unique_keys != NIL)
		merged = upsert_batch(&cxt, prepared, count);
	else if (count > 0)
		insert_batch(&cxt, prepared, count);

	update_column_metadata(&cxt);
	SPI_finish();

	PG_RETURN_DATUM(pstream_jsonb_from_text(psprintf("{\"added\": %d, \"merged\": %d}",
													 count - merged, merged)));
}
