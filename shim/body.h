/*
 * body.h
 *      Checks of JSON request bodies before they are sent to PostgreSQL.
 *
 * Each function returns true when the body is acceptable, and otherwise
 * sets a 400 (malformed JSON) or 422 (valid JSON of the wrong shape)
 * response and returns false. Create, edit and update bodies are parsed
 * into request->json_body, and a records body is only scanned. The text
 * sent to PostgreSQL is always the original body, never a re-encoding.
 */
#ifndef PSTREAMD_BODY_H
#define PSTREAMD_BODY_H

#include <stdbool.h>

#include "request.h"

/* Check a body of records to add: a JSON array of storable objects. */
bool		check_records_body(struct request *request);

/*
 * Check a create body {"name": ..., "attributes": {...}}; attributes may be
 * absent or null. *name points into request->json_body and may contain
 * NUL bytes, hence *name_length.
 */
bool		check_create_body(struct request *request, const char **name,
							  size_t *name_length);

/* Check an edit body {"attributes": {...}}. */
bool		check_edit_body(struct request *request);

/* Check an update body: one JSON object of the fields to set. */
bool		check_update_body(struct request *request);

#endif							/* PSTREAMD_BODY_H */
