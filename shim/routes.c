/*
 * routes.c
 *      The route table of pstreamd and its handlers.
 *
 * Each handler checks its parameters, makes exactly one parameterised call
 * of a SQL function of the extension, and sets the response. A read returns
 * the function's JSON text unchanged. A write wraps it in the SUBMIT_OK
 * envelope that RDAF clients check. With --auth on, the call runs in a
 * transaction as the role of the request's session (see db_execute_as).
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "openapi.h"
#include "params.h"

#define NAME_PLACEHOLDER "{name}"

static void handle_health(struct request *request);
static void handle_metrics(struct request *request);
static void handle_openapi(struct request *request);
static void handle_list(struct request *request);
static void handle_create(struct request *request);
static void handle_edit(struct request *request);
static void handle_drop(struct request *request);
static void handle_add(struct request *request);
static void handle_query(struct request *request);
static void handle_update(struct request *request);
static void handle_delete(struct request *request);
static void handle_metadata(struct request *request);
static void handle_stats(struct request *request);

#define FILTER_PARAMETERS "cfxql_query,search,sort*,offset,limit,case_sensitive"
#define CHANGE_PARAMETERS "cfxql_query,conflicts,case_sensitive"

static const struct route routes[] = {
	{"GET", "/healthz", handle_health, false,
	"database connection state", "", 200, false},
	{"GET", "/metrics", handle_metrics, false,
	"metrics in the Prometheus text format", "", 200, true},
	{"POST", "/api/v2/login", auth_handle_login, true,
	"log in with a PostgreSQL role and password; returns a session token", "", 200, false},
	{"POST", "/api/v2/logout", auth_handle_logout, false,
	"end the session of the request", "", 200, true},
	{"GET", "/api/v2/openapi.json", handle_openapi, false,
	"this OpenAPI document", "", 200, true},
	{"GET", "/api/v2/pstreams", handle_list, false,
	"list pstreams", FILTER_PARAMETERS, 200, true},
	{"POST", "/api/v2/pstreams", handle_create, true,
	"create a pstream", "", 201, true},
	{"PUT", "/api/v2/pstreams/pstream/{name}", handle_edit, true,
	"replace the given attributes of a pstream", "", 200, true},
	{"DELETE", "/api/v2/pstreams/pstream/{name}", handle_drop, false,
	"remove a pstream", "delete_data", 200, true},
	{"POST", "/api/v2/pstreams/pstream/{name}/data", handle_add, true,
	"add records", "", 201, true},
	{"GET", "/api/v2/pstreams/pstream/{name}/data", handle_query, false,
		"read records",
		FILTER_PARAMETERS ",group_by*,aggs*,agg_function,agg_column", 200, true},
	{"PUT", "/api/v2/pstreams/pstream/{name}/data", handle_update, true,
	"set keys on every record a query matches", CHANGE_PARAMETERS, 200, true},
	{"DELETE", "/api/v2/pstreams/pstream/{name}/data", handle_delete, false,
	"delete every record a query matches", CHANGE_PARAMETERS, 200, true},
	{"GET", "/api/v2/pstreams/pstream/{name}/metadata", handle_metadata, false,
	"attributes and column types of a pstream", "offset,limit", 200, true},
	{"GET", "/api/v2/pstreams/pstream/{name}/stats", handle_stats, false,
	"figures about a pstream", "offset,limit", 200, true},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

/*
 * Whether the request's path segments match pattern. *name_index is set to
 * the index of the {name} segment, or -1 when the pattern has none.
 */
static bool
path_matches(const struct request *request, const char *pattern,
			 int *name_index)
{
	const char *cursor = pattern + 1;
	int			index = 0;

	*name_index = -1;
	if (request->path_too_long)
		return false;

	while (*cursor != '\0')
	{
		size_t		length = strcspn(cursor, "/");
		const struct segment *segment;

		if (index >= request->segment_count)
			return false;
		segment = &request->segments[index];
		if (length == strlen(NAME_PLACEHOLDER) &&
			strncmp(cursor, NAME_PLACEHOLDER, length) == 0)
			*name_index = index;
		else if (segment->length != length ||
				 memcmp(segment->text, cursor, length) != 0)
			return false;

		index++;
		cursor += length;
		if (*cursor == '/')
			cursor++;
	}
	return index == request->segment_count;
}

/* Fill request->allow with the methods of the routes matching the path. */
static void
set_allow(struct request *request)
{
	int			name_index;

	request->allow[0] = '\0';
	for (size_t i = 0; i < ROUTE_COUNT; i++)
	{
		if (!path_matches(request, routes[i].pattern, &name_index))
			continue;
		if (request->allow[0] != '\0')
			strncat(request->allow, ", ",
					sizeof(request->allow) - strlen(request->allow) - 1);
		strncat(request->allow, routes[i].method,
				sizeof(request->allow) - strlen(request->allow) - 1);
	}
}

bool
route_request(struct request *request)
{
	bool		path_known = false;
	int			name_index = -1;

	for (size_t i = 0; i < ROUTE_COUNT && request->route == NULL; i++)
	{
		if (!path_matches(request, routes[i].pattern, &name_index))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, request->method) == 0)
			request->route = &routes[i];
	}

	if (request->route == NULL && path_known)
	{
		set_allow(request);
		request_set_error(request, 405,
						  "method %s is not allowed on this path; allowed: %s",
						  request->method, request->allow);
		return false;
	}
	if (request->route == NULL)
	{
		char		printable[400];

		format_printable(printable, sizeof(printable), request->raw_path,
						 strlen(request->raw_path));
		request_set_error(request, 404, "no route for %s %s",
						  request->method, printable);
		return false;
	}

	if (name_index >= 0)
	{
		const struct segment *name = &request->segments[name_index];

		if (!check_pstream_name(request, name->text, name->length))
			return false;
		memcpy(request->pstream_name, name->text, name->length);
		request->pstream_name[name->length] = '\0';
	}
	return true;
}

/*
 * Call a statement on a pooled connection and return a malloc'd copy of
 * the single value it returned. On failure, set the error response and
 * return NULL.
 */
static char *
call_function(struct request *request, enum statement statement,
			  const char *const *values)
{
	struct db_connection *connection = db_acquire();
	struct db_outcome outcome;
	char	   *text = NULL;

	if (connection == NULL)
	{
		respond_pool_timeout(request);
		return NULL;
	}

	/* With --auth off, session_role is "" and the --db role runs it. */
	db_execute_as(connection,
				  request->session_role[0] != '\0' ? request->session_role : NULL,
				  statement, values, &outcome);
	db_release(connection);

	if (!outcome.ok)
		respond_database_error(request, &outcome);
	else if (PQntuples(outcome.result) != 1 || PQgetisnull(outcome.result, 0, 0))
	{
		log_message(LOG_LEVEL_ERROR, request->id,
					"function call returned %d rows or NULL instead of one value",
					PQntuples(outcome.result));
		request_set_error(request, 500, "internal server error");
	}
	else if ((text = strdup(PQgetvalue(outcome.result, 0, 0))) == NULL)
		request_set_error(request, 500, "out of memory");

	PQclear(outcome.result);
	return text;
}

/* Respond with the function's JSON text as it is. */
static void
respond_raw(struct request *request, unsigned int status, char *text)
{
	if (text != NULL)
		request_set_json(request, status, text, strlen(text));
}

/*
 * Respond with the write envelope around the function's JSON text, which is
 * inserted as it is (not re-encoded), and free text.
 */
static void
respond_envelope(struct request *request, unsigned int status,
				 const char *message, char *text)
{
	static const char format[] =
		"{\"serviceResult\":{\"status\":\"SUBMIT_OK\",\"statusMessage\":%s,"
		"\"dataResults\":{\"data\":%s}}}";
	json_t	   *message_value = json_string(message);
	char	   *encoded_message = NULL;
	char	   *body = NULL;
	int			length = -1;

	if (message_value != NULL)
		encoded_message = json_dumps(message_value, JSON_ENCODE_ANY);
	if (encoded_message != NULL)
		length = asprintf(&body, format, encoded_message, text);

	if (length < 0)
		request_set_error(request, 500, "out of memory");
	else
		request_set_json(request, status, body, (size_t) length);

	json_decref(message_value);
	free(encoded_message);
	free(text);
}

static void
handle_health(struct request *request)
{
	struct db_connection *connection = db_acquire();
	struct db_outcome outcome;
	json_t	   *body;
	char	   *text;

	if (connection == NULL)
	{
		respond_pool_timeout(request);
		return;
	}
	db_ping(connection, &outcome);
	db_release(connection);

	if (outcome.ok)
		body = json_pack("{s:s,s:s}", "status", "ok", "database", "up");
	else
	{
		const char *reason = outcome.message;

		if (!outcome.connection_failed && outcome.result != NULL)
			reason = PQresultErrorField(outcome.result,
										PG_DIAG_MESSAGE_PRIMARY);
		body = json_pack("{s:s+,s:s}", "detail", "database unreachable: ",
						 reason ? reason : "unknown error", "database", "down");
	}
	PQclear(outcome.result);

	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		request_set_error(request, 500, "out of memory");
	else
		request_set_json(request, outcome.ok ? 200 : 503, text, strlen(text));
}

static void
handle_metrics(struct request *request)
{
	size_t		length;
	char	   *text = metrics_format(&length);

	if (text == NULL)
	{
		request_set_error(request, 500, "out of memory formatting the metrics");
		return;
	}
	request_set_json(request, 200, text, length);
	request->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static void
handle_openapi(struct request *request)
{
	char	   *text = openapi_document(routes, ROUTE_COUNT);

	if (text == NULL)
		request_set_error(request, 500, "out of memory building the OpenAPI document");
	else
		request_set_json(request, 200, text, strlen(text));
}

/* Parameters shared by the list and the read of records. */
struct filter_parameters
{
	const char *cfxql_query;
	const char *search;
	const char *sort;			/* text[] literal, owned by the request */
	struct paging paging;
	const char *case_sensitive;
};

/* Read the parameters of a list or a read of records. */
static bool
read_filter_parameters(struct request *request, struct filter_parameters *params)
{
	return read_text(request, "cfxql_query", &params->cfxql_query) &&
		read_text(request, "search", &params->search) &&
		read_sort(request, &params->sort) &&
		read_paging(request, &params->paging) &&
		read_optional_boolean(request, "case_sensitive",
							  &params->case_sensitive);
}

static void
handle_list(struct request *request)
{
	struct filter_parameters params;

	if (read_filter_parameters(request, &params))
	{
		const char *values[] = {params.cfxql_query, params.search,
			params.sort, params.paging.offset, params.paging.limit,
		params.case_sensitive};

		respond_raw(request, 200,
					call_function(request, STATEMENT_LIST, values));
	}
}

static void
handle_create(struct request *request)
{
	const char *name;
	size_t		name_length;
	char		message[300];

	if (!check_create_body(request, &name, &name_length) ||
		!check_pstream_name(request, name, name_length))
		return;

	{
		const char *values[] = {name, request->body};
		char	   *result = call_function(request, STATEMENT_CREATE, values);

		if (result == NULL)
			return;
		snprintf(message, sizeof(message), "created pstream %s", name);
		respond_envelope(request, 201, message, result);
	}
}

static void
handle_edit(struct request *request)
{
	const char *values[] = {request->pstream_name, request->body};
	char		message[300];
	char	   *result;

	if (!check_edit_body(request))
		return;
	result = call_function(request, STATEMENT_EDIT, values);
	if (result == NULL)
		return;
	snprintf(message, sizeof(message), "updated attributes of pstream %s",
			 request->pstream_name);
	respond_envelope(request, 200, message, result);
}

static void
handle_drop(struct request *request)
{
	bool		delete_data;
	char		message[300];
	char	   *result;

	if (!read_boolean(request, "delete_data", false, &delete_data))
		return;
	{
		const char *values[] = {request->pstream_name,
		delete_data ? "true" : "false"};

		result = call_function(request, STATEMENT_DROP, values);
	}
	if (result == NULL)
		return;
	snprintf(message, sizeof(message), "deleted pstream %s%s",
			 request->pstream_name,
			 delete_data ? " and its records" : "; its records are kept");
	respond_envelope(request, 200, message, result);
}

/* Format the status message of an add from the function's counts. */
static void
format_add_message(char *message, size_t size, const char *name,
				   const char *result)
{
	json_t	   *counts = json_loads(result, 0, NULL);
	json_int_t	added = json_integer_value(json_object_get(counts, "added"));
	json_int_t	merged = json_integer_value(json_object_get(counts, "merged"));

	snprintf(message, size,
			 "pstream %s: %" JSON_INTEGER_FORMAT " %s added, %"
			 JSON_INTEGER_FORMAT " merged", name, added,
			 added == 1 ? "record" : "records", merged);
	json_decref(counts);
}

static void
handle_add(struct request *request)
{
	const char *values[] = {request->pstream_name, request->body};
	char		message[400];
	char	   *result;

	if (!check_records_body(request))
		return;
	result = call_function(request, STATEMENT_ADD, values);
	if (result == NULL)
		return;
	format_add_message(message, sizeof(message), request->pstream_name, result);
	respond_envelope(request, 201, message, result);
}

static void
handle_query(struct request *request)
{
	struct filter_parameters params;
	const char *group_by;
	const char *aggs;

	if (read_filter_parameters(request, &params) &&
		read_group_by(request, &group_by) &&
		read_aggregates(request, &aggs))
	{
		const char *values[] = {request->pstream_name, params.cfxql_query,
			params.search, params.sort, group_by, aggs, params.paging.offset,
		params.paging.limit, params.case_sensitive};

		respond_raw(request, 200,
					call_function(request, STATEMENT_QUERY, values));
	}
}

/*
 * Format the status message of an update or delete from the count that the
 * function returns under key ("updated" or "deleted").
 */
static void
format_change_message(char *message, size_t size, const char *name,
					  const char *result, const char *key)
{
	json_t	   *counts = json_loads(result, 0, NULL);
	json_int_t	changed = json_integer_value(json_object_get(counts, key));

	snprintf(message, size, "pstream %s: %" JSON_INTEGER_FORMAT " %s %s",
			 name, changed, changed == 1 ? "record" : "records", key);
	json_decref(counts);
}

static void
handle_update(struct request *request)
{
	const char *query;
	const char *conflicts;
	const char *case_sensitive;
	char		message[400];
	char	   *result;

	if (!read_required_query(request, &query) ||
		!read_conflicts(request, &conflicts) ||
		!read_optional_boolean(request, "case_sensitive", &case_sensitive) ||
		!check_update_body(request))
		return;

	{
		const char *values[] = {request->pstream_name, query, request->body,
		conflicts, case_sensitive};

		result = call_function(request, STATEMENT_UPDATE, values);
	}
	if (result == NULL)
		return;
	format_change_message(message, sizeof(message), request->pstream_name,
						  result, "updated");
	respond_envelope(request, 200, message, result);
}

static void
handle_delete(struct request *request)
{
	const char *query;
	const char *conflicts;
	const char *case_sensitive;
	char		message[400];
	char	   *result;

	if (!read_required_query(request, &query) ||
		!read_conflicts(request, &conflicts) ||
		!read_optional_boolean(request, "case_sensitive", &case_sensitive))
		return;

	{
		const char *values[] = {request->pstream_name, query, conflicts,
		case_sensitive};

		result = call_function(request, STATEMENT_DELETE, values);
	}
	if (result == NULL)
		return;
	format_change_message(message, sizeof(message), request->pstream_name,
						  result, "deleted");
	respond_envelope(request, 200, message, result);
}

/*
 * Shared by metadata and stats, which take the name and paging only. Both
 * functions are STRICT, so absent paging parameters get their defaults.
 */
static void
handle_paged_report(struct request *request, enum statement statement)
{
	struct paging paging;

	if (!read_paging(request, &paging))
		return;
	paging_fill_defaults(&paging);

	{
		const char *values[] = {request->pstream_name, paging.offset,
		paging.limit};

		respond_raw(request, 200, call_function(request, statement, values));
	}
}

static void
handle_metadata(struct request *request)
{
	handle_paged_report(request, STATEMENT_METADATA);
}

static void
handle_stats(struct request *request)
{
	handle_paged_report(request, STATEMENT_STATS);
}
