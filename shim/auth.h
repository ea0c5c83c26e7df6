/*
 * auth.h
 *      Login sessions of pstreamd: login, logout and the session check.
 */
#ifndef PSTREAMD_AUTH_H
#define PSTREAMD_AUTH_H

#include <stdbool.h>

#include "config.h"
#include "request.h"

/* Keep the options that login and the session check use. */
void		auth_configure(const struct config *config);

/* Whether --auth is on. */
bool		auth_enabled(void);

/*
 * Find the session of the request from "Authorization: Bearer" or the
 * pstream_session cookie, and fill request->session_token and
 * request->session_role. Returns false with a 401 (or a 503 when the
 * database is down) set when there is no valid session.
 */
bool		auth_check_session(struct request *request);

/* POST /api/v2/login: check the credentials and create a session. */
void		auth_handle_login(struct request *request);

/* POST /api/v2/logout: end the session of the request. */
void		auth_handle_logout(struct request *request);

#endif							/* PSTREAMD_AUTH_H */
