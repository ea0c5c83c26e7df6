/*
 * params.h
 *      Validation of pstream names and query parameters.
 *
 * Each function returns true when the value is valid, and otherwise sets a
 * 422 response naming the parameter and the value, and returns false.
 * Values are returned as text ready to bind as statement parameters, and
 * NULL stands for a parameter that the request does not have: the SQL
 * functions of extension version 0.2.0 are not STRICT and read NULL as
 * their default.
 */
#ifndef PSTREAMD_PARAMS_H
#define PSTREAMD_PARAMS_H

#include <stdbool.h>

#include "request.h"

/* Decimal text of offset and limit, each NULL when the request lacks it. */
struct paging
{
	const char *offset;
	const char *limit;
	char		offset_text[24];
	char		limit_text[24];
};

/* Whether text is a valid pstream name: the rule of pstream_create. */
bool		pstream_name_is_valid(const char *text, size_t length);

/* Check a pstream name taken from the path or a body. */
bool		check_pstream_name(struct request *request, const char *text,
							   size_t length);

/* Read "offset" and "limit" as decimal integers. */
bool		read_paging(struct request *request, struct paging *paging);

/*
 * Replace absent offset and limit by 0 and 100, for the functions that are
 * still STRICT (pstream_metadata and pstream_stats).
 */
void		paging_fill_defaults(struct paging *paging);

/*
 * Read the repeatable "sort" parameter as a text[] literal, or NULL when it
 * is absent. The literal is stored in request->sort_literal, which owns it.
 */
bool		read_sort(struct request *request, const char **literal);

/*
 * Read a text parameter. *value is NULL when the request does not have it
 * and "" when it has the name without a value. The text is owned by
 * libmicrohttpd and lives as long as the request. A value containing U+0000
 * (%00) is rejected, because it would be cut there, and so is a parameter
 * that the request has more than once.
 */
bool		read_text(struct request *request, const char *name,
					  const char **value);

/*
 * Read the "cfxql_query" of an update or delete, which must be present and
 * not blank ("*" matches every record).
 */
bool		read_required_query(struct request *request, const char **value);

/*
 * Read a boolean parameter: true, false, 1 or 0 in any case; default_value
 * when it is absent.
 */
bool		read_boolean(struct request *request, const char *name,
						 bool default_value, bool *value);

/*
 * Read an optional boolean parameter as the text "true" or "false", or NULL
 * when it is absent.
 */
bool		read_optional_boolean(struct request *request, const char *name,
								  const char **value);

/* Read "conflicts": "abort" or "proceed", or NULL when it is absent. */
bool		read_conflicts(struct request *request, const char **value);

/* Read the repeatable "group_by" parameter as a text[] literal, or NULL. */
bool		read_group_by(struct request *request, const char **literal);

/*
 * Read the aggregates as a text[] literal of "function:column[:alias]"
 * entries, or NULL when there are none: every "aggs" value in request
 * order, then "agg_function:agg_column:agg_column" when agg_function is
 * given, because that aggregate is named after agg_column. A function
 * outside value_count, sum, min, max, avg and cardinality, a malformed
 * entry, or only one of agg_function and agg_column is a 422.
 */
bool		read_aggregates(struct request *request, const char **literal);

#endif							/* PSTREAMD_PARAMS_H */
