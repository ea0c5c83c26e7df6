/*
 * params.h
 *      Validation of pstream names and query parameters.
 *
 * Each function returns true when the value is valid, and otherwise sets a
 * 422 response naming the parameter and the value, and returns false.
 */
#ifndef PSTREAMD_PARAMS_H
#define PSTREAMD_PARAMS_H

#include <stdbool.h>

#include "request.h"

/* Decimal text of offset and limit, ready to bind as parameters. */
struct paging
{
	char		offset[24];
	char		limit[24];
};

/* Whether text is a valid pstream name: the rule of pstream_create. */
bool		pstream_name_is_valid(const char *text, size_t length);

/* Check a pstream name taken from the path or a body. */
bool		check_pstream_name(struct request *request, const char *text,
							   size_t length);

/* Read "offset" (default 0) and "limit" (default 100). */
bool		read_paging(struct request *request, struct paging *paging);

/*
 * Read the repeatable "sort" parameter as a text[] literal (default
 * {-timestamp}), stored in *literal and owned by the caller.
 */
bool		read_sort(struct request *request, char **literal);

/*
 * Read a boolean parameter: true, false, 1 or 0 in any case; default_value
 * when it is absent.
 */
bool		read_boolean(struct request *request, const char *name,
						 bool default_value, bool *value);

#endif							/* PSTREAMD_PARAMS_H */
