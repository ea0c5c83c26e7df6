/*
 * config.h
 *      Options of pstreamd: command line, environment and config file.
 */
#ifndef PSTREAMD_CONFIG_H
#define PSTREAMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSTREAMD_VERSION "0.5.0"

struct config
{
	const char *listen_address; /* numeric IPv4 or IPv6 address */
	uint16_t	port;
	const char *conninfo;		/* libpq connection string; "" uses PG* */
	int			pool_size;		/* database connections */
	unsigned int pool_timeout;	/* milliseconds to wait for a connection;
								 * 0 = no limit */
	size_t		max_body;		/* maximum request body, in bytes */
	unsigned int max_connections;	/* open HTTP connections */
	unsigned int connection_timeout;	/* idle seconds before a close */
	unsigned int request_timeout;	/* seconds to receive a whole request */
	unsigned int statement_timeout; /* milliseconds; 0 = none */
	unsigned int shutdown_timeout;	/* seconds to drain at shutdown */
	unsigned int purge_interval;	/* seconds between purges; 0 disables */
	bool		log_json;		/* --log-format json */
	const char *log_file;		/* "" = stderr */
	bool		auth;			/* --auth on: sessions and SET LOCAL ROLE */
	unsigned int session_ttl;	/* seconds a login session stays valid */
	unsigned int login_rate_limit;	/* failed logins per key and minute */
	const char *tls_cert;		/* PEM file; "" = plain HTTP */
	const char *tls_key;		/* PEM file; "" = plain HTTP */
};

enum config_result
{
	CONFIG_RUN,					/* options are valid: start the server */
	CONFIG_EXIT_OK,				/* --help or --version was printed */
	CONFIG_EXIT_ERROR			/* an invalid option was logged */
};

/*
 * Fill config from the defaults, then the config file (--config or
 * PSTREAMD_CONFIG), then PSTREAMD_<NAME> environment variables, then argv;
 * a later source wins.
 */
enum config_result config_parse(int argc, char **argv, struct config *config);

/* Log the options in force, with any password of the conninfo masked. */
void		config_log(const struct config *config);

/* Free the strings that config_parse copied. */
void		config_free(void);

#endif							/* PSTREAMD_CONFIG_H */
