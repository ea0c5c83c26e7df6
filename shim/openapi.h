/*
 * openapi.h
 *      The OpenAPI 3.0 document of pstreamd, built from the route table.
 */
#ifndef PSTREAMD_OPENAPI_H
#define PSTREAMD_OPENAPI_H

#include <stddef.h>

#include "routes.h"

/* Build the document as malloc'd JSON text; NULL when out of memory. */
char	   *openapi_document(const struct route *routes, size_t count);

#endif							/* PSTREAMD_OPENAPI_H */
