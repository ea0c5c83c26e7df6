/*
 * auth.c
 *      Login sessions of pstreamd: login, logout and the session check.
 *
 * PostgreSQL checks the credentials: a login opens a libpq connection with
 * the --db connection string and the user and password of the request,
 * so pg_hba.conf and the role's password (SCRAM) decide, and closes it at
 * once. A successful login stores a session through
 * pstream.session_create, which keeps only the SHA-256 of the token. The
 * token is 32 random bytes from getrandom(2) as 64 hex digits, sent as
 * JSON and as an HttpOnly cookie.
 *
 * The session functions may be called only by members of
 * pstream_authenticator. The --db role is usually NOINHERIT, so every
 * session call runs with SET LOCAL ROLE pstream_authenticator.
 *
 * Failed logins are counted per user and per client address in fixed
 * windows of one minute. Once either count reaches --login-rate-limit,
 * further logins of that user or from that address get 429 with
 * Retry-After until the window ends, without a connection attempt.
 *
 * Neither a token nor a password is ever logged.
 */
#include "auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <libpq-fe.h>

#include "db.h"
#include "errors.h"
#include "log.h"

#define TOKEN_BYTES 32
#define TOKEN_LENGTH (2 * TOKEN_BYTES)
#define SESSION_COOKIE "pstream_session"
#define AUTHENTICATOR_ROLE "pstream_authenticator"

/* Length of the window of the login rate limit, in seconds. */
#define RATE_WINDOW 60

/*
 * Maximum number of users and addresses tracked at once. When the table
 * is full, the entry with the oldest window is replaced.
 */
#define RATE_ENTRIES 4096

/* Failed logins of one user ('u') or client address ('a') in a window. */
struct rate_entry
{
	char		kind;			/* 'u', 'a', or 0 for a free entry */
	char		key[128];
	time_t		window_start;	/* CLOCK_MONOTONIC seconds */
	unsigned int failures;
};

static struct
{
	bool		enabled;
	const char *conninfo;
	unsigned int session_ttl;	/* seconds */
	unsigned int rate_limit;	/* failures per window */
	bool		secure_cookie;	/* TLS is on */
} settings;

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rate_entry rate_entries[RATE_ENTRIES];

void
auth_configure(const struct config *config)
{
	settings.enabled = config->auth;
	settings.conninfo = config->conninfo;
	settings.session_ttl = config->session_ttl;
	settings.rate_limit = config->login_rate_limit;
	settings.secure_cookie = config->tls_cert[0] != '\0';
}

bool
auth_enabled(void)
{
	return settings.enabled;
}

static time_t
monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

/* Find the entry of kind and key, or else a free or the oldest entry to reuse. */
static struct rate_entry *
find_rate_entry(char kind, const char *key, bool create)
{
	struct rate_entry *oldest = NULL;

	for (int i = 0; i < RATE_ENTRIES; i++)
	{
		struct rate_entry *entry = &rate_entries[i];

		if (entry->kind == kind && strcmp(entry->key, key) == 0)
			return entry;
		if (oldest == NULL || entry->kind == 0 ||
			(oldest->kind != 0 && entry->window_start < oldest->window_start))
			oldest = entry;
	}
	if (!create)
		return NULL;
	oldest->kind = kind;
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	oldest->window_start = monotonic_seconds();
	oldest->failures = 0;
	return oldest;
}

/*
 * Return the seconds until kind and key may try again, or 0 when they are
 * under the limit. Caller holds rate_lock.
 */
static unsigned int
rate_wait(char kind, const char *key, time_t now)
{
	struct rate_entry *entry = find_rate_entry(kind, key, false);

	if (entry == NULL || now - entry->window_start >= RATE_WINDOW ||
		entry->failures < settings.rate_limit)
		return 0;
	return (unsigned int) (RATE_WINDOW - (now - entry->window_start));
}

/* Return the seconds until user from address may log in again, or 0. */
static unsigned int
login_wait(const char *user, const char *address)
{
	time_t		now = monotonic_seconds();
	unsigned int user_wait;
	unsigned int address_wait;

	pthread_mutex_lock(&rate_lock);
	user_wait = rate_wait('u', user, now);
	address_wait = rate_wait('a', address, now);
	pthread_mutex_unlock(&rate_lock);
	return user_wait > address_wait ? user_wait : address_wait;
}

static void
count_failure(char kind, const char *key, time_t now)
{
	struct rate_entry *entry = find_rate_entry(kind, key, true);

	if (now - entry->window_start >= RATE_WINDOW)
	{
		entry->window_start = now;
		entry->failures = 0;
	}
	entry->failures++;
}

static void
record_login_failure(const char *user, const char *address)
{
	time_t		now = monotonic_seconds();

	pthread_mutex_lock(&rate_lock);
	count_failure('u', user, now);
	count_failure('a', address, now);
	pthread_mutex_unlock(&rate_lock);
}

/* Format the client address of the request, for the rate limit and logs. */
static void
format_client_address(struct request *request, char *buffer, size_t size)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(request->connection,
								MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *address = info ? info->client_addr : NULL;

	snprintf(buffer, size, "unknown");
	if (address == NULL)
		return;
	if (address->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *) address)->sin_addr,
				  buffer, (socklen_t) size);
	else if (address->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *) address)->sin6_addr,
				  buffer, (socklen_t) size);
}

/*
 * Call a session function as pstream_authenticator and return its single
 * value, malloc'd, or NULL for SQL NULL. On failure, set the error response
 * and set *failed.
 */
static char *
call_session_function(struct request *request, enum statement statement,
					  const char *const *values, bool *failed)
{
	struct db_connection *connection = db_acquire();
	struct db_outcome outcome;
	char	   *text = NULL;

	*failed = false;
	if (connection == NULL)
	{
		*failed = true;
		respond_pool_timeout(request);
		return NULL;
	}
	db_execute_as(connection, AUTHENTICATOR_ROLE, statement, values, &outcome);
	db_release(connection);

	if (!outcome.ok)
	{
		*failed = true;
		respond_database_error(request, &outcome);
	}
	else if (PQntuples(outcome.result) == 1 && !PQgetisnull(outcome.result, 0, 0))
	{
		text = strdup(PQgetvalue(outcome.result, 0, 0));
		if (text == NULL)
		{
			*failed = true;
			request_set_error(request, 500, "out of memory");
		}
	}
	PQclear(outcome.result);
	return text;
}

/* Whether token has the form of the tokens that login hands out. */
static bool
is_token_form(const char *token)
{
	if (strlen(token) != TOKEN_LENGTH)
		return false;
	for (const char *c = token; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

/* Return the Bearer token of the request, else its cookie, else NULL. */
static const char *
find_token(struct request *request)
{
	const char *authorization =
		MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND,
									MHD_HTTP_HEADER_AUTHORIZATION);

	if (authorization != NULL)
	{
		if (strncasecmp(authorization, "Bearer ", 7) != 0)
			return NULL;
		authorization += 7;
		while (*authorization == ' ')
			authorization++;
		return authorization;
	}
	return MHD_lookup_connection_value(request->connection, MHD_COOKIE_KIND,
									   SESSION_COOKIE);
}

static void
set_unauthorized(struct request *request, const char *detail)
{
	request->www_authenticate = true;
	request_set_error(request, 401, "%s", detail);
}

bool
auth_check_session(struct request *request)
{
	const char *token = find_token(request);
	const char *values[1];
	char	   *role;
	bool		failed;

	if (token == NULL || token[0] == '\0')
	{
		set_unauthorized(request,
						 "authentication required: log in with POST /api/v2/login and send the token as \"Authorization: Bearer <token>\" or the pstream_session cookie");
		return false;
	}
	if (!is_token_form(token))
	{
		set_unauthorized(request, "invalid or expired session token");
		return false;
	}

	values[0] = token;
	role = call_session_function(request, STATEMENT_SESSION_ROLE, values,
								 &failed);
	if (failed)
		return false;
	if (role == NULL || strlen(role) >= sizeof(request->session_role))
	{
		free(role);
		set_unauthorized(request, "invalid or expired session token");
		return false;
	}
	snprintf(request->session_token, sizeof(request->session_token), "%s",
			 token);
	snprintf(request->session_role, sizeof(request->session_role), "%s",
			 role);
	free(role);
	return true;
}

/*
 * Take user and password from a login body {"user": ..., "password": ...}.
 * Returns false with a 400 or 422 set. The password is never part of a
 * message.
 */
static bool
read_login_body(struct request *request, const char **user,
				const char **password)
{
	json_error_t error;
	json_t	   *user_value;
	json_t	   *password_value;

	request->json_body = json_loadb(request->body ? request->body : "",
									request->body_length, 0, &error);
	if (request->json_body == NULL)
	{
		request_set_error(request, 400, "invalid JSON in the login body at character %d",
						  error.position);
		return false;
	}
	user_value = json_object_get(request->json_body, "user");
	password_value = json_object_get(request->json_body, "password");
	if (!json_is_object(request->json_body) ||
		!json_is_string(user_value) || !json_is_string(password_value))
	{
		request_set_error(request, 422,
						  "invalid login body: expected {\"user\": string, \"password\": string}");
		return false;
	}
	*user = json_string_value(user_value);
	*password = json_string_value(password_value);
	return true;
}

/*
 * Whether PostgreSQL accepts user and password. The --db connection string
 * comes first, so the user and password given here override its own. An
 * empty password is rejected before, because libpq would then fall back
 * to the password of the connection string, PGPASSWORD or the passfile.
 */
static bool
check_credentials(struct request *request, const char *user,
				  const char *password, const char *address)
{
	const char *const keywords[] = {
		"dbname", "user", "password", "fallback_application_name",
		"connect_timeout", NULL
	};
	const char *const values[] = {
		settings.conninfo, user, password, "pstreamd-login", "10", NULL
	};
	PGconn	   *conn = PQconnectdbParams(keywords, values, 1);
	bool		accepted = conn != NULL && PQstatus(conn) == CONNECTION_OK;

	if (!accepted)
	{
		char		message[512];

		snprintf(message, sizeof(message), "%s",
				 conn ? PQerrorMessage(conn) : "out of memory");
		message[strcspn(message, "\n")] = '\0';
		log_message(LOG_LEVEL_WARNING, request->id,
					"login failed for user \"%s\" from %s: %s", user, address,
					message);
	}
	PQfinish(conn);
	return accepted;
}

/* Fill token with TOKEN_LENGTH hex digits of getrandom(2) output. */
static bool
new_token(char *token)
{
	unsigned char bytes[TOKEN_BYTES];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t) sizeof(bytes))
		return false;
	for (size_t i = 0; i < sizeof(bytes); i++)
		sprintf(token + 2 * i, "%02x", bytes[i]);
	explicit_bzero(bytes, sizeof(bytes));
	return true;
}

/* Store a session of user and respond with its token. */
static void
create_session(struct request *request, const char *user)
{
	char		token[TOKEN_LENGTH + 1];
	char		ttl[32];
	const char *values[3];
	char	   *expires_at;
	json_t	   *body;
	char	   *text;
	bool		failed;

	if (!new_token(token))
	{
		log_message(LOG_LEVEL_ERROR, request->id,
					"getrandom failed while creating a session token");
		request_set_error(request, 500, "internal server error");
		return;
	}
	snprintf(ttl, sizeof(ttl), "%u seconds", settings.session_ttl);
	values[0] = user;
	values[1] = token;
	values[2] = ttl;
	expires_at = call_session_function(request, STATEMENT_SESSION_CREATE,
									   values, &failed);
	if (failed || expires_at == NULL)
	{
		if (!failed)
			request_set_error(request, 500, "internal server error");
		explicit_bzero(token, sizeof(token));
		free(expires_at);
		return;
	}

	body = json_pack("{s:s,s:s}", "token", token, "expires_at", expires_at);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL ||
		asprintf(&request->set_cookie,
				 SESSION_COOKIE "=%s; HttpOnly; Path=/; SameSite=Strict; Max-Age=%u%s",
				 token, settings.session_ttl,
				 settings.secure_cookie ? "; Secure" : "") < 0)
	{
		request->set_cookie = NULL;
		free(text);
		request_set_error(request, 500, "out of memory");
	}
	else
	{
		request_set_json(request, 200, text, strlen(text));
		log_message(LOG_LEVEL_INFO, request->id,
					"user \"%s\" logged in; session expires at %s", user,
					expires_at);
	}
	explicit_bzero(token, sizeof(token));
	free(expires_at);
}

void
auth_handle_login(struct request *request)
{
	const char *user;
	const char *password;
	char		address[INET6_ADDRSTRLEN];
	unsigned int wait;

	if (!settings.enabled)
	{
		request_set_error(request, 400,
						  "authentication is off (--auth=off), so there are no sessions to log in to");
		return;
	}
	if (!read_login_body(request, &user, &password))
		return;

	/*
	 * NOTE: the check and the count of a failure are separate steps, so
	 * concurrent logins may pass the limit by the number in flight.
	 */
	format_client_address(request, address, sizeof(address));
	wait = login_wait(user, address);
	if (wait > 0)
	{
		log_message(LOG_LEVEL_WARNING, request->id,
					"login of user \"%s\" from %s rejected: more than %u failed logins within %d seconds",
					user, address, settings.rate_limit, RATE_WINDOW);
		request->retry_after = wait;
		request_set_error(request, 429,
						  "too many failed logins; try again in %u seconds",
						  wait);
		return;
	}

	if (user[0] == '\0' || password[0] == '\0' ||
		strlen(user) >= sizeof(request->session_role) ||
		!check_credentials(request, user, password, address))
	{
		if (user[0] == '\0' || password[0] == '\0')
			log_message(LOG_LEVEL_WARNING, request->id,
						"login failed for user \"%s\" from %s: empty user or password",
						user, address);
		record_login_failure(user, address);
		request->www_authenticate = true;
		request_set_error(request, 401, "invalid user or password");
		return;
	}
	create_session(request, user);
}

void
auth_handle_logout(struct request *request)
{
	const char *values[] = {request->session_token};
	char	   *ended;
	bool		failed;

	if (!settings.enabled)
	{
		request_set_error(request, 400,
						  "authentication is off (--auth=off), so there is no session to log out of");
		return;
	}
	ended = call_session_function(request, STATEMENT_SESSION_END, values,
								  &failed);
	free(ended);
	if (failed)
		return;

	request->set_cookie = strdup(SESSION_COOKIE "=; HttpOnly; Path=/; SameSite=Strict; Max-Age=0");
	log_message(LOG_LEVEL_INFO, request->id, "user \"%s\" logged out",
				request->session_role);
	request_set_json(request, 200, strdup("{\"status\":\"logged out\"}"),
					 strlen("{\"status\":\"logged out\"}"));
}
