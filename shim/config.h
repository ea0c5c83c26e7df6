/*
 * config.h
 *      Command-line options of pstreamd.
 */
#ifndef PSTREAMD_CONFIG_H
#define PSTREAMD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define PSTREAMD_VERSION "0.2.0"

struct config
{
	const char *listen_address; /* numeric IPv4 or IPv6 address */
	uint16_t	port;
	const char *conninfo;		/* libpq connection string; "" uses PG* */
	int			pool_size;		/* database connections */
	size_t		max_body;		/* maximum request body, in bytes */
	unsigned int purge_interval;	/* seconds between purges; 0 disables */
};

enum config_result
{
	CONFIG_RUN,					/* options are valid: start the server */
	CONFIG_EXIT_OK,				/* --help or --version was printed */
	CONFIG_EXIT_ERROR			/* an invalid option was logged */
};

/* Fill config from argv, starting from the defaults. */
enum config_result config_parse(int argc, char **argv, struct config *config);

#endif							/* PSTREAMD_CONFIG_H */
