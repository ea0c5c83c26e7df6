/*
 * pstream_attributes.c -- checking pstream attributes and reading the ones the code uses
 *
 * Attributes are a JSON object stored as given in pstream.pstreams.  Known
 * attributes must have the right type; unknown ones are stored and returned
 * unchanged.  A top-level JSON null stands for "absent": pstream_create()
 * drops such keys and pstream_edit() uses them to remove an attribute.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "pstream.h"

static void
report_invalid(const char *attribute, JsonbValue *value, const char *rule)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for attribute \"%s\": %s",
					attribute, pstream_jsonb_text(value)),
			 errdetail("%s", rule)));
}

/* Return the value of a top-level key, or NULL when it is missing or null. */
JsonbValue *
pstream_get_attribute(Jsonb *attributes, const char *key)
{
	JsonbValue *value = getKeyJsonValueFromContainer(&attributes->root, key,
													 strlen(key), NULL);

	if (value == NULL || value->type == jbvNull)
		return NULL;
	return value;
}

static void
check_retention_days(JsonbValue *value)
{
	bool		overflow = false;
	Numeric		truncated;

	if (value->type == jbvNumeric)
	{
		truncated = DatumGetNumeric(DirectFunctionCall2(numeric_trunc,
														NumericGetDatum(value->val.numeric),
														Int32GetDatum(0)));
		if (numeric_int4_opt_error(value->val.numeric, &overflow) >= 0 && !overflow &&
			DatumGetBool(DirectFunctionCall2(numeric_eq,
											 NumericGetDatum(value->val.numeric),
											 NumericGetDatum(truncated))))
			return;
	}
	report_invalid("retention_days", value,
				   "retention_days must be a non-negative integer number of days, at most 2147483647.");
}

/* Check that value is a JSON array of strings; with nonempty, a non-empty array of distinct non-empty strings. */
static void
check_string_array(const char *attribute, JsonbValue *value, bool nonempty, const char *rule)
{
	JsonbContainer *array;
	int			count;

	if (value->type != jbvBinary || !JsonContainerIsArray(value->val.binary.data))
		report_invalid(attribute, value, rule);

	array = value->val.binary.data;
	count = JsonContainerSize(array);
	if (nonempty && count == 0)
		report_invalid(attribute, value, rule);

	for (int i = 0; i < count; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(array, i);

		if (elem->type != jbvString || (nonempty && elem->val.string.len == 0))
			report_invalid(attribute, value, rule);

		for (int j = 0; nonempty && j < i; j++)
		{
			JsonbValue *other = getIthJsonbValueFromContainer(array, j);

			if (other->val.string.len == elem->val.string.len &&
				memcmp(other->val.string.val, elem->val.string.val, elem->val.string.len) == 0)
				report_invalid(attribute, value, rule);
		}
	}
}

static void
check_type(const char *attribute, JsonbValue *value, bool ok, const char *rule)
{
	if (!ok)
		report_invalid(attribute, value, rule);
}

static bool
is_container(JsonbValue *value, bool object)
{
	if (value->type != jbvBinary)
		return false;
	return object ? JsonContainerIsObject(value->val.binary.data)
		: JsonContainerIsArray(value->val.binary.data);
}

#define INDEXING_RULE \
	"indexing must be \"all\", \"none\" or {\"fields\": [...]} with a non-empty array of distinct non-empty field names."

/* The value of "fields" in an indexing object, or NULL when value is no such object. */
static JsonbValue *
indexing_fields(JsonbValue *value)
{
	if (!is_container(value, true) || JsonContainerSize(value->val.binary.data) != 1)
		return NULL;
	return getKeyJsonValueFromContainer(value->val.binary.data, "fields", 6, NULL);
}

static bool
is_string(JsonbValue *value, const char *text)
{
	return value->type == jbvString && value->val.string.len == strlen(text) &&
		memcmp(value->val.string.val, text, value->val.string.len) == 0;
}

/* Raise 22023, naming the whole value, unless value is a valid indexing attribute. */
static void
check_indexing(JsonbValue *value)
{
	JsonbValue *fields;
	JsonbContainer *array;
	int			count;

	if (is_string(value, "all") || is_string(value, "none"))
		return;
	fields = indexing_fields(value);
	if (fields == NULL || !is_container(fields, false))
		report_invalid("indexing", value, INDEXING_RULE);

	array = fields->val.binary.data;
	count = JsonContainerSize(array);
	if (count == 0)
		report_invalid("indexing", value, INDEXING_RULE);
	for (int i = 0; i < count; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(array, i);

		if (elem->type != jbvString || elem->val.string.len == 0)
			report_invalid("indexing", value, INDEXING_RULE);
		for (int j = 0; j < i; j++)
		{
			JsonbValue *other = getIthJsonbValueFromContainer(array, j);

			if (other->val.string.len == elem->val.string.len &&
				memcmp(other->val.string.val, elem->val.string.val, elem->val.string.len) == 0)
				report_invalid("indexing", value, INDEXING_RULE);
		}
	}
}

/*
 * Return the indexing attribute ("all" when absent), with *fields set to the
 * listed field names (a List of C strings) for PSTREAM_INDEXING_FIELDS and
 * to NIL otherwise.  Versions before 0.5.0 stored any indexing value
 * unchecked and created the indexes of "all", so an invalid stored value
 * reads as "all".
 */
PstreamIndexing
pstream_indexing(Jsonb *attributes, List **fields)
{
	JsonbValue *value = pstream_get_attribute(attributes, "indexing");
	JsonbValue *array;

	*fields = NIL;
	if (value == NULL || is_string(value, "all"))
		return PSTREAM_INDEXING_ALL;
	if (is_string(value, "none"))
		return PSTREAM_INDEXING_NONE;

	array = indexing_fields(value);
	if (array == NULL || !is_container(array, false))
		return PSTREAM_INDEXING_ALL;
	for (int i = 0; i < JsonContainerSize(array->val.binary.data); i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(array->val.binary.data, i);

		if (elem->type == jbvString && elem->val.string.len > 0)
			*fields = lappend(*fields, pnstrdup(elem->val.string.val, elem->val.string.len));
	}
	return *fields == NIL ? PSTREAM_INDEXING_ALL : PSTREAM_INDEXING_FIELDS;
}

/*
 * Raise 22023 unless attributes is a JSON object whose known attributes have
 * the right types.  Returns attributes.
 */
Jsonb *
pstream_check_attributes(Jsonb *attributes)
{
	JsonbValue *value;

	if (!JB_ROOT_IS_OBJECT(attributes) || JB_ROOT_IS_SCALAR(attributes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid attributes: %s",
						JsonbToCString(NULL, &attributes->root, VARSIZE(attributes))),
				 errdetail("Attributes must be a JSON object.")));

	if ((value = pstream_get_attribute(attributes, "retention_days")) != NULL)
		check_retention_days(value);

	if ((value = pstream_get_attribute(attributes, "unique_keys")) != NULL)
		check_string_array("unique_keys", value, true,
						   "unique_keys must be a non-empty JSON array of distinct non-empty strings.");

	if ((value = pstream_get_attribute(attributes, "drop_columns")) != NULL)
		check_string_array("drop_columns", value, false,
						   "drop_columns must be a JSON array of strings.");

	if ((value = pstream_get_attribute(attributes, "timestamp")) != NULL)
		check_type("timestamp", value,
				   value->type == jbvString && value->val.string.len > 0,
				   "timestamp must be a non-empty string naming the field that holds the record time.");

	if ((value = pstream_get_attribute(attributes, "default_values")) != NULL)
		check_type("default_values", value, is_container(value, true),
				   "default_values must be a JSON object of field names and values.");

	if ((value = pstream_get_attribute(attributes, "search_case_insensitive")) != NULL)
		check_type("search_case_insensitive", value, value->type == jbvBool,
				   "search_case_insensitive must be true or false.");

	if ((value = pstream_get_attribute(attributes, "indexing")) != NULL)
		check_indexing(value);

	if ((value = pstream_get_attribute(attributes, "retention_purge_extra_filter")) != NULL)
	{
		check_type("retention_purge_extra_filter", value, value->type == jbvString,
				   "retention_purge_extra_filter must be a string holding a CFXQL filter.");
		pstream_check_purge_filter(pnstrdup(value->val.string.val, value->val.string.len));
	}

	return attributes;
}

/* Return the name of the field that contains the record time. */
char *
pstream_time_field(Jsonb *attributes)
{
	JsonbValue *value = pstream_get_attribute(attributes, "timestamp");

	if (value == NULL || value->type != jbvString)
		return pstrdup("timestamp");
	return pnstrdup(value->val.string.val, value->val.string.len);
}

/* Return the unique_keys attribute as a List of C strings (NIL when unset). */
List *
pstream_unique_keys(Jsonb *attributes)
{
	JsonbValue *value = pstream_get_attribute(attributes, "unique_keys");
	List	   *keys = NIL;

	if (value == NULL || !is_container(value, false))
		return NIL;

	for (int i = 0; i < JsonContainerSize(value->val.binary.data); i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(value->val.binary.data, i);

		if (elem->type == jbvString)
			keys = lappend(keys, pnstrdup(elem->val.string.val, elem->val.string.len));
	}
	return keys;
}

/*
 * Append "(data -> 'key')<suffix>" for each key, joined by separator.  Keys
 * reach the SQL text only through quote_literal_cstr().
 */
void
pstream_append_key_exprs(StringInfo sql, List *keys, const char *separator,
						 const char *suffix)
{
	ListCell   *lc;

	foreach(lc, keys)
	{
		if (lc != list_head(keys))
			appendStringInfoString(sql, separator);
		appendStringInfo(sql, "(data -> %s)%s",
						 quote_literal_cstr((char *) lfirst(lc)), suffix);
	}
}
