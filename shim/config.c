/*
 * config.c
 *      Command-line options of pstreamd.
 *
 * Every option has a default, so pstreamd runs without any: it listens on
 * 127.0.0.1:8080 and connects with libpq's PG* environment variables.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

#define DEFAULT_LISTEN_ADDRESS "127.0.0.1"
#define DEFAULT_PORT 8080
#define DEFAULT_POOL_SIZE 8
#define DEFAULT_MAX_BODY (64 * 1024 * 1024)
#define DEFAULT_PURGE_INTERVAL 300

/* Upper bounds that catch typos; none of them is a limit of the design. */
#define MAX_POOL_SIZE 1000
#define MAX_PURGE_INTERVAL (365 * 24 * 3600)

static const char usage_text[] =
"pstreamd serves the persistent-streams REST API over HTTP on top of the\n"
"pstream extension of PostgreSQL.\n"
"\n"
"Usage: pstreamd [OPTION]...\n"
"\n"
"Options:\n"
"  --listen=ADDRESS         numeric IPv4 or IPv6 address to listen on\n"
"                           (default 127.0.0.1)\n"
"  --port=PORT              TCP port to listen on (default 8080)\n"
"  --db=CONNINFO            libpq connection string; empty uses the PG*\n"
"                           environment variables (default empty)\n"
"  --pool-size=N            number of database connections, which is also\n"
"                           the maximum number of requests that run SQL at\n"
"                           once (default 8)\n"
"  --max-body=BYTES         maximum request body size in bytes; larger\n"
"                           bodies get 413 (default 67108864, 64 MiB)\n"
"  --purge-interval=SECONDS seconds between retention purges; 0 disables\n"
"                           the purge (default 300)\n"
"  --help                   print this help and exit\n"
"  --version                print the version and exit\n";

/*
 * Parse a decimal integer option value between min and max, logging an
 * error that names the option when it is not one.
 */
static int
parse_integer(const char *option, const char *value, long long min,
			  long long max, long long *result)
{
	char	   *end;
	long long	number;

	errno = 0;
	number = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' ||
		number < min || number > max)
	{
		log_error("invalid value for --%s: \"%s\" (expected an integer from %lld to %lld)",
				  option, value, min, max);
		return -1;
	}
	*result = number;
	return 0;
}

enum config_result
config_parse(int argc, char **argv, struct config *config)
{
	static const struct option options[] = {
		{"listen", required_argument, NULL, 'l'},
		{"port", required_argument, NULL, 'p'},
		{"db", required_argument, NULL, 'd'},
		{"pool-size", required_argument, NULL, 's'},
		{"max-body", required_argument, NULL, 'b'},
		{"purge-interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	int			option;
	long long	number;

	config->listen_address = DEFAULT_LISTEN_ADDRESS;
	config->port = DEFAULT_PORT;
	config->conninfo = "";
	config->pool_size = DEFAULT_POOL_SIZE;
	config->max_body = DEFAULT_MAX_BODY;
	config->purge_interval = DEFAULT_PURGE_INTERVAL;

	/* getopt's own messages for unknown options go to stderr; keep them. */
	while ((option = getopt_long(argc, argv, "", options, NULL)) != -1)
	{
		switch (option)
		{
			case 'l':
				config->listen_address = optarg;
				break;
			case 'p':
				if (parse_integer("port", optarg, 1, 65535, &number) < 0)
					return CONFIG_EXIT_ERROR;
				config->port = (uint16_t) number;
				break;
			case 'd':
				config->conninfo = optarg;
				break;
			case 's':
				if (parse_integer("pool-size", optarg, 1, MAX_POOL_SIZE,
								  &number) < 0)
					return CONFIG_EXIT_ERROR;
				config->pool_size = (int) number;
				break;
			case 'b':
				if (parse_integer("max-body", optarg, 0, SIZE_MAX / 2,
								  &number) < 0)
					return CONFIG_EXIT_ERROR;
				config->max_body = (size_t) number;
				break;
			case 'i':
				if (parse_integer("purge-interval", optarg, 0,
								  MAX_PURGE_INTERVAL, &number) < 0)
					return CONFIG_EXIT_ERROR;
				config->purge_interval = (unsigned int) number;
				break;
			case 'h':
				fputs(usage_text, stdout);
				return CONFIG_EXIT_OK;
			case 'V':
				fputs("pstreamd " PSTREAMD_VERSION "\n", stdout);
				return CONFIG_EXIT_OK;
			default:
				log_error("invalid command-line option; run pstreamd --help for the list");
				return CONFIG_EXIT_ERROR;
		}
	}

	if (optind < argc)
	{
		log_error("unexpected argument \"%s\"; pstreamd takes options only",
				  argv[optind]);
		return CONFIG_EXIT_ERROR;
	}
	return CONFIG_RUN;
}
