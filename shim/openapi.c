/*
 * openapi.c
 *      The OpenAPI 3.0 document of pstreamd, built from the route table.
 *
 * The document is generated from the same table that routes requests, so
 * it lists exactly the routes, methods and query parameters served. Request
 * and response bodies are described by their media type only, because
 * docs/pstreamd.md documents their shapes.
 */
#include "openapi.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "config.h"

/* Schema of a query parameter by name; text for the ones not listed. */
static json_t *
parameter_schema(const char *name)
{
	if (strcmp(name, "offset") == 0)
		return json_pack("{s:s,s:i}", "type", "integer", "minimum", 0);
	if (strcmp(name, "limit") == 0)
		return json_pack("{s:s,s:i,s:i}", "type", "integer", "minimum", 1,
						 "maximum", 10000);
	if (strcmp(name, "case_sensitive") == 0 || strcmp(name, "delete_data") == 0)
		return json_pack("{s:s}", "type", "boolean");
	if (strcmp(name, "conflicts") == 0)
		return json_pack("{s:s,s:[s,s]}", "type", "string", "enum", "abort",
						 "proceed");
	if (strcmp(name, "agg_function") == 0)
		return json_pack("{s:s,s:[s,s,s,s,s,s]}", "type", "string", "enum",
						 "value_count", "sum", "min", "max", "avg",
						 "cardinality");
	return json_pack("{s:s}", "type", "string");
}

/* Add the query parameters of a comma-separated list ("*" = repeatable). */
static void
add_query_parameters(json_t *parameters, const char *list)
{
	while (*list != '\0')
	{
		size_t		length = strcspn(list, ",");
		char		name[64];
		bool		repeatable;
		json_t	   *schema;

		snprintf(name, sizeof(name), "%.*s", (int) length, list);
		repeatable = length > 0 && name[length - 1] == '*';
		if (repeatable)
			name[length - 1] = '\0';

		schema = parameter_schema(name);
		if (repeatable)
			schema = json_pack("{s:s,s:o}", "type", "array", "items", schema);
		json_array_append_new(parameters,
							  json_pack("{s:s,s:s,s:b,s:o}", "name", name,
										"in", "query", "explode", repeatable,
										"schema", schema));

		list += length;
		if (*list == ',')
			list++;
	}
}

/* Build the operation object of one route. */
static json_t *
build_operation(const struct route *route)
{
	json_t	   *parameters = json_array();
	json_t	   *responses;
	char		status[8];

	if (strstr(route->pattern, "{name}") != NULL)
		json_array_append_new(parameters,
							  json_pack("{s:s,s:s,s:b,s:{s:s,s:s}}",
										"name", "name", "in", "path",
										"required", true, "schema",
										"type", "string",
										"pattern", "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$"));
	add_query_parameters(parameters, route->parameters);

	snprintf(status, sizeof(status), "%u", route->success_status);
	responses = json_pack("{s:{s:s},s:{s:s}}", status, "description", "success",
						  "default", "description",
						  "error: a JSON object with a detail string");

	if (route->json_body)
		return json_pack("{s:s,s:o,s:{s:b,s:{s:{}}},s:o}",
						 "summary", route->summary, "parameters", parameters,
						 "requestBody", "required", true, "content",
						 "application/json", "responses", responses);
	return json_pack("{s:s,s:o,s:o}", "summary", route->summary,
					 "parameters", parameters, "responses", responses);
}

char *
openapi_document(const struct route *routes, size_t count)
{
	json_t	   *paths = json_object();
	json_t	   *document;
	char	   *text;

	for (size_t i = 0; i < count; i++)
	{
		json_t	   *path = json_object_get(paths, routes[i].pattern);
		char		method[16];
		size_t		j;

		if (path == NULL)
		{
			path = json_object();
			json_object_set_new(paths, routes[i].pattern, path);
		}
		for (j = 0; routes[i].method[j] != '\0' && j < sizeof(method) - 1; j++)
			method[j] = (char) (routes[i].method[j] - 'A' + 'a');
		method[j] = '\0';
		json_object_set_new(path, method, build_operation(&routes[i]));
	}

	document = json_pack("{s:s,s:{s:s,s:s},s:o}", "openapi", "3.0.3",
						 "info", "title", "pstreamd", "version",
						 PSTREAMD_VERSION, "paths", paths);
	text = document ? json_dumps(document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(document);
	return text;
}
