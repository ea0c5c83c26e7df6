/*
 * routes.h
 *      The route table of pstreamd: method, path pattern and handler.
 */
#ifndef PSTREAMD_ROUTES_H
#define PSTREAMD_ROUTES_H

#include <stdbool.h>

#include "request.h"

typedef void (*route_handler) (struct request *request);

struct route
{
	const char *method;
	/* "/"-separated segments; "{name}" matches one pstream name */
	const char *pattern;
	route_handler handler;
	bool		json_body;		/* the request needs a JSON body */
	/* for the OpenAPI document: what the route does, and its query */
	/* parameters, comma-separated, "*" marking a repeatable one */
	const char *summary;
	const char *parameters;
	unsigned int success_status;
	/* with --auth on, the request needs a valid session */
	bool		needs_session;
};

/*
 * Find the route of the request by its path segments and method, and
 * validate its {name} segment. Sets request->route and returns true, or
 * sets a 404, 405 (with Allow) or 422 response and returns false.
 */
bool		route_request(struct request *request);

#endif							/* PSTREAMD_ROUTES_H */
